#!/usr/bin/env bash
# Installs promtool from Debian's prometheus package (Prometheus 2.42): tests/tests/alert_rules.rs
# runs the rendered alert rules through it (promtool check rules, and the scenarios in
# tests/data/promtool/ with promtool test rules).
# The package also brings the Prometheus server, with an init script and a systemd unit, and
# adds a system user `prometheus`. apt-install.sh's policy-rc.d keeps the server from starting
# ("policy-rc.d denied execution of start"); where this script installs the package, it also
# takes the server out of the boot sequence, so a reboot does not start it either.
set -euo pipefail
if command -v promtool >/dev/null; then
  exit 0
fi
"$(dirname "$0")/apt-install.sh" promtool:prometheus
update-rc.d prometheus disable >/dev/null 2>&1 || true
deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true
