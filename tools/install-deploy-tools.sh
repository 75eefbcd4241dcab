#!/usr/bin/env bash
# Installs what scripts/deploy-loki.sh and its tests (tests/tests/deploy_script.rs) use
# besides kubectl and make, from Debian: shellcheck (the test lints the script), jq (the
# script reads kubectl's JSON with it) and curl (Loki's HTTP API through a port-forward).
set -euo pipefail
exec "$(dirname "$0")/apt-install.sh" shellcheck:shellcheck jq:jq curl:curl
