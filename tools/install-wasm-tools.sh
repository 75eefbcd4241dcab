#!/usr/bin/env bash
# Debian's binaryen (wasm-opt, for `make wasm`) and chromium (the playground's browser
# test, run headless; no browser is downloaded at install time).
set -euo pipefail
exec "$(dirname "$0")/apt-install.sh" wasm-opt:binaryen chromium:chromium
