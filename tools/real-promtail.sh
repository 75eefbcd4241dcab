#!/usr/bin/env bash
# Runs the rendered local stack's Loki and Promtail configs in the real programs over a
# fake Talos node (tools/talos-logs.py: every service's log format, the audit log, old
# lines, a rotated file, a partial line) and checks what Loki stored: jobs, labels,
# levels, timestamps, nothing from the files that must not be read, and no
# error or warning in Promtail's or Loki's logs (tools/real-check.py, shared with
# tools/real-fluent-bit.sh).
#
# LOAD=N adds N pod lines, to measure what the agent costs (its peak RSS and CPU time are
# printed at the end; raise WAIT for large N).
# Needs Loki 3.7 and Promtail 3.6 binaries (built from upstream sources: there is no
# container runtime here) in LOKI and PROMTAIL. Not part of `make test` for that reason.
#   LOKI=/path/to/loki PROMTAIL=/path/to/promtail [ROLE=worker] tools/real-promtail.sh [CONFIG]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LOKI:?set LOKI to a Loki 3.7 binary}" "${PROMTAIL:?set PROMTAIL to a Promtail 3.6 binary}"
config=${1:-kubernetes/observability/loki-stack/base/config/lokistack.yaml}
work=$(mktemp -d /tmp/real-promtail.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null || true' EXIT
for port in 3100 9080; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (another Loki or Promtail?): stop it first" >&2; exit 1
  fi
done
cargo build --release --locked --quiet --bin loki-stack-fn
target/release/loki-stack-fn render -f "$config" >"$work/stack.yaml"
# ROLE=worker: no etcd/apid/trustd, no audit log (the kube-audit job then tails nothing).
role=()
[ "${ROLE:-control-plane}" = worker ] || role=(--control-plane)
load=()
[ -z "${LOAD:-}" ] || load=(--load "$LOAD")
python3 tools/talos-logs.py "$work/varlog" "${role[@]}" --pods "${load[@]}" >"$work/expect.json"
python3 - "$work" <<'PY'
import sys, yaml
work = sys.argv[1]
docs = list(yaml.safe_load_all(open(f"{work}/stack.yaml")))
find = lambda kind, name: next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
loki = find("ConfigMap", "loki")["data"]["config.yaml"].replace("/var/loki", f"{work}/loki").replace("/etc/loki/runtime-config", work)
open(f"{work}/loki.yaml", "w").write(loki)
open(f"{work}/runtime-config.yaml", "w").write(find("ConfigMap", "loki-runtime")["data"]["runtime-config.yaml"])
# Edited as text: a YAML round trip would double the backslashes that
# -config.expand-env then rewrites.
text = find("Secret", "promtail")["stringData"]["promtail.yaml"]
text = text.replace("url: " + yaml.safe_load(text)["clients"][0]["url"], "url: http://127.0.0.1:3100/loki/api/v1/push")
text = text.replace("/var/lib/promtail/positions.yaml", f"{work}/positions.yaml")
text = text.replace("/var/log/", f"{work}/varlog/")
# The pod job discovers pods through the Kubernetes API, which is not here: its
# discovery and relabelling are replaced by static targets carrying the labels the
# relabelling would give (namespace, pod, container, node, app, job); its pipeline runs
# as rendered.
start = text.index("- job_name: kubernetes-pods")
end = text.index("- job_name:", start + 1)
job = text[start:end]
sd = job.index("  kubernetes_sd_configs:")
stages = job.index("  pipeline_stages:")
static = "  static_configs:\n"
for ns, pod, container in [("vault", "vault-0", "vault"), ("app", "shop-7d9f", "shop"),
                           ("shop", "shop-java-1", "java"), ("shop", "cart-1", "cart"), ("payments", "pay-0", "api"),
                           ("kube-system", "coredns-1", "coredns"), ("logging", "promtail-abcde", "promtail"),
                           ("load", "load-0", "load")]:
    static += (f"  - targets: [localhost]\n    labels:\n      job: kubernetes-pods\n"
               f"      namespace: {ns}\n      pod: {pod}\n      container: {container}\n"
               f"      app: {container}\n      node: talos-cp-1\n"
               f"      __path__: {work}/varlog/pods/{ns}_{pod}_uid/{container}/*.log\n")
job = job[:sd] + static + job[stages:job.index("  relabel_configs:")]
text = text[:start] + job + text[end:]
open(f"{work}/promtail.yaml", "w").write(text)
PY
sed -i "s|path: .*runtime-config.yaml|path: $work/runtime-config.yaml|" "$work/loki.yaml"
"$LOKI" -config.file="$work/loki.yaml" -config.expand-env=true >"$work/loki.log" 2>&1 &
for _ in $(seq 60); do curl -sf localhost:3100/ready >/dev/null && break; sleep 1; done
curl -sf localhost:3100/ready >/dev/null || { tail -20 "$work/loki.log"; exit 1; }
HOSTNAME=talos-cp-1 "$PROMTAIL" -config.file="$work/promtail.yaml" -config.expand-env=true >"$work/promtail.log" 2>&1 &
agent_pid=$!
sleep "${WAIT:-20}"
python3 tools/real-check.py "$work" --agent promtail --config "$config" --pid "$agent_pid"
