#!/usr/bin/env bash
# Installs a standalone kustomize (Debian's package, not on this project's base image)
# into $1/bin without root and without touching the system's apt configuration: the
# .deb is downloaded from Debian trixie with a private apt state and unpacked.
set -euo pipefail
dest=${1:?usage: install-kustomize.sh DEST_DIR}
version=${KUSTOMIZE_DEB_VERSION:-5.6.0+ds-1+b2}
if [ -x "$dest/bin/kustomize" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$dest/bin"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] http://deb.debian.org/debian trixie main" > "$work/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
  -o "Dir::State::status=/dev/null" -o APT::Sandbox::User=root -o Debug::NoLocking=1
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && { apt-get "${apt_opts[@]}" -qq download "kustomize=$version" 2>/dev/null ||
  { echo "kustomize $version is gone from trixie; taking the current one" >&2
    apt-get "${apt_opts[@]}" -qq download kustomize; }; })
dpkg-deb -x "$work"/kustomize_*.deb "$work/root"
install -m 0755 "$work/root/usr/bin/kustomize" "$dest/bin/kustomize"
"$dest/bin/kustomize" version >/dev/null
echo "installed $("$dest/bin/kustomize" version 2>/dev/null || true) kustomize from Debian $(basename "$work"/kustomize_*.deb)" >&2
