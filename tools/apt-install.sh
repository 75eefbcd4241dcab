#!/usr/bin/env bash
# Installs Debian packages for the commands that are missing:
#   tools/apt-install.sh COMMAND:PACKAGE ...
# as root, without recommends, and without starting any service a package would start
# (policy-rc.d). Shared by the tools/install-*-tools.sh scripts.
set -euo pipefail
missing=()
for pair in "$@"; do
  if ! command -v "${pair%%:*}" >/dev/null; then
    case " ${missing[*]} " in *" ${pair#*:} "*) ;; *) missing+=("${pair#*:}") ;; esac
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing ${missing[*]}: apt-get install --no-install-recommends ${missing[*]} (or run as root)" >&2
  exit 1
fi
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
