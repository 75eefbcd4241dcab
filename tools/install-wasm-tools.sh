#!/usr/bin/env bash
# Debian's binaryen (wasm-opt, for `make wasm`) and chromium (the playground's browser
# test, run headless; no browser is downloaded at install time).
set -euo pipefail
missing=()
command -v wasm-opt >/dev/null || missing+=(binaryen)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing: ${missing[*]} (Debian: apt-get install ${missing[*]}), or run as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
wasm-opt --version
chromium --version
