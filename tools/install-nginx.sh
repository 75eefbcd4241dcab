#!/usr/bin/env bash
# Installs Debian's nginx for the gateway tests (`nginx -t` and a real routing test),
# without starting the nginx service the package would start on port 80.
set -euo pipefail
if [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "nginx is missing: install Debian's nginx (apt-get install nginx) or run as root" >&2
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
apt-get install -y -qq --no-install-recommends nginx >/dev/null
/usr/sbin/nginx -v
