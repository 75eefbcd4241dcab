#!/usr/bin/env bash
# Installs what `make image` and the image tests use, all from Debian and rustup:
#   umoci, skopeo      build, inspect and copy the OCI image (no Docker daemon needed)
#   jq                 the multi-arch image index (umoci writes no nested index itself)
#   bubblewrap         runs the image's entrypoint from its unpacked root filesystem
#   qemu-user-static   runs the arm64 binary on an amd64 machine (and the other way round)
#   docker-registry    a throwaway registry on 127.0.0.1 that the push test copies into
# and the two musl standard libraries the static binaries are built with.
set -euo pipefail
missing=()
for pair in umoci:umoci skopeo:skopeo jq:jq bwrap:bubblewrap docker-registry:docker-registry \
  qemu-aarch64-static:qemu-user-static qemu-x86_64-static:qemu-user-static; do
  if ! command -v "${pair%%:*}" >/dev/null; then
    case " ${missing[*]} " in *" ${pair#*:} "*) ;; *) missing+=("${pair#*:}") ;; esac
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing ${missing[*]}: apt-get install --no-install-recommends ${missing[*]} (or run as root)" >&2
    exit 1
  fi
  # The registry package would start its service (port 5000): the tests start their own.
  policy=/usr/sbin/policy-rc.d
  created=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 0755 "$policy"
    created=1
  fi
  trap 'if [ -n "$created" ]; then rm -f "$policy"; fi' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "installed ${missing[*]} from Debian" >&2
fi
installed=$(rustup target list --installed)
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
