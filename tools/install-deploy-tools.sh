#!/usr/bin/env bash
# Installs what scripts/deploy-loki.sh and its tests (tests/tests/deploy_script.rs) use
# besides kubectl and make, from Debian: shellcheck (the test lints the script), jq (the
# script reads kubectl's JSON with it) and curl (Loki's HTTP API through a port-forward).
set -euo pipefail
missing=()
for tool in shellcheck jq curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing ${missing[*]}: apt-get install --no-install-recommends ${missing[*]} (or run as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed ${missing[*]} from Debian" >&2
