#!/usr/bin/env bash
# Runs a rendered Fluent Bit stack's Loki and Fluent Bit configs in the real programs
# over a fake Talos node (tools/talos-logs.py: every service's log format, the audit
# log, old lines, a rotated file, pods with secrets, pods that opted out) plus what
# Talos before 1.12 sends to the receiver, and checks what Loki stored with the same
# checks as tools/real-promtail.sh (tools/real-check.py), and no error or warning in
# Fluent Bit's or Loki's logs.
#
# LOAD=N adds N pod lines, to measure what the agent costs (its peak RSS and CPU time are
# printed at the end; raise WAIT for large N).
# Needs Loki 3.7 and Fluent Bit 5.1 binaries (built from upstream sources: there is no
# container runtime here) in LOKI and FLUENT_BIT. Not part of `make test` for that reason.
#   LOKI=/path/to/loki FLUENT_BIT=/path/to/fluent-bit [ROLE=worker] tools/real-fluent-bit.sh [CONFIG]
# The pods' metadata comes from a stand-in for the Kubernetes API (plain HTTP on
# loopback) that serves the fake pods' labels, annotations and owners.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LOKI:?set LOKI to a Loki 3.7 binary}" "${FLUENT_BIT:?set FLUENT_BIT to a Fluent Bit 5.1 binary}"
config=${1:-tests/stacks/local-fluent-bit.yaml}
work=$(mktemp -d /tmp/real-fluent-bit.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null || true' EXIT
for port in 2020 3100 5170 18080; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (another Loki or Fluent Bit?): stop it first" >&2; exit 1
  fi
done
cargo build --release --locked --quiet --bin loki-stack-fn
target/release/loki-stack-fn render -f "$config" >"$work/stack.yaml"
role=()
[ "${ROLE:-control-plane}" = worker ] || role=(--control-plane)
mkdir -p "$work/db"
receiver=()
if grep -q "alias: talos-receiver" "$work/stack.yaml"; then receiver=(--receiver "$work/receiver.jsonl"); fi
load=()
[ -z "${LOAD:-}" ] || load=(--load "$LOAD")
python3 tools/talos-logs.py "$work/varlog" "${role[@]}" --pods --agent fluent-bit "${receiver[@]}" "${load[@]}" >"$work/expect.json"
python3 - "$work" <<'PY'
import sys, yaml
work = sys.argv[1]
docs = list(yaml.safe_load_all(open(f"{work}/stack.yaml")))
find = lambda kind, name: next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
loki = find("ConfigMap", "loki")["data"]["config.yaml"].replace("/var/loki", f"{work}/loki").replace("/etc/loki/runtime-config", work)
open(f"{work}/loki.yaml", "w").write(loki)
open(f"{work}/runtime-config.yaml", "w").write(find("ConfigMap", "loki-runtime")["data"]["runtime-config.yaml"])
files = find("ConfigMap", "fluent-bit")["data"]
config = yaml.safe_load(files["fluent-bit.yaml"])
# Test plumbing only: the node's paths under the work dir, Loki and the API on loopback.
text = files["fluent-bit.yaml"].replace("/var/log/", f"{work}/varlog/").replace("/var/lib/fluent-bit/", f"{work}/db/")
text = text.replace("/etc/fluent-bit/", f"{work}/")
out = config["pipeline"]["outputs"][0]
text = text.replace(f"host: {out['host']}\n", "host: 127.0.0.1\n")
text = text.replace("    kube_tag_prefix:", f"    kube_url: http://127.0.0.1:18080\n    kube_token_file: {work}/token\n"
                    f"    kube_ca_file: {work}/ca.crt\n    kube_namespace_file: {work}/namespace\n    kube_tag_prefix:")
open(f"{work}/fluent-bit.yaml", "w").write(text)
open(f"{work}/pipeline.lua", "w").write(files["pipeline.lua"].replace('"/var/log"', f'"{work}/varlog"'))
for name, content in [("token", "test-token"), ("ca.crt", ""), ("namespace", "logging")]:
    open(f"{work}/{name}", "w").write(content)
PY
sed -i "s|path: .*runtime-config.yaml|path: $work/runtime-config.yaml|" "$work/loki.yaml"
# The stand-in API (GET /api/v1/namespaces/NS/pods/POD and /api/v1/namespaces/NS).
python3 tools/real-outage.py api "$work" 18080 >"$work/api.log" 2>&1 &
"$LOKI" -config.file="$work/loki.yaml" >"$work/loki.log" 2>&1 &
for _ in $(seq 60); do curl -sf localhost:3100/ready >/dev/null && break; sleep 1; done
curl -sf localhost:3100/ready >/dev/null || { tail -20 "$work/loki.log"; exit 1; }
NODE_NAME=talos-cp-1 HOSTNAME=fluent-bit-abcde POD_IP=127.0.0.1 "$FLUENT_BIT" -c "$work/fluent-bit.yaml" >"$work/fluent-bit.log" 2>&1 &
agent_pid=$!
if [ ${#receiver[@]} -gt 0 ]; then
  for _ in $(seq 30); do (exec 3<>/dev/tcp/127.0.0.1/5170) 2>/dev/null && break; sleep 1; done
  # What Talos sends to machine.logging.destinations (tcp://127.0.0.1:5170/).
  python3 - "$work/receiver.jsonl" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", 5170))
s.sendall(open(sys.argv[1], "rb").read())
s.close()
PY
fi
sleep "${WAIT:-20}"
python3 tools/real-check.py "$work" --agent fluent-bit --config "$config" --pid "$agent_pid"
