#!/usr/bin/env bash
# Runs the rendered local stack's Loki and Promtail configs in the real programs over a
# fake Talos node (tools/talos-logs.py: every service's log format, the audit log, old
# lines, a rotated file, a partial line) and checks what Loki stored: jobs, labels,
# levels, timestamps, nothing from the files that must not be read, and no
# error or warning in Promtail's or Loki's logs.
#
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
python3 tools/talos-logs.py "$work/varlog" "${role[@]}" --pods >"$work/expect.json"
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
                           ("kube-system", "coredns-1", "coredns"), ("logging", "promtail-abcde", "promtail")]:
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
sleep "${WAIT:-20}"
python3 - "$work" <<'PY'
import json, sys, time, urllib.parse, urllib.request
work = sys.argv[1]
expect = json.load(open(f"{work}/expect.json"))
def query(q):
    end = time.time_ns(); start = end - 100 * 3600 * 10**9
    url = "http://127.0.0.1:3100/loki/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": q, "start": start, "end": end, "limit": 5000, "direction": "forward"})
    return json.load(urllib.request.urlopen(url))["data"]["result"]
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)
def series(selector):
    url = "http://127.0.0.1:3100/loki/api/v1/series?" + urllib.parse.urlencode(
        {"match[]": selector, "start": time.time_ns() - 100 * 3600 * 10**9, "end": time.time_ns()})
    return json.load(urllib.request.urlopen(url))["data"]
# Index labels (the query API also shows structured metadata next to them).
for s in series('{job="machine-logs"}'):
    check(set(s) <= {"job", "node", "service", "level", "service_name"}, f"machine-logs stream labels {sorted(s)}")
for s in series('{job="kube-audit"}'):
    check(set(s) == {"job", "node", "verb", "service_name"}, f"kube-audit stream labels {sorted(s)}")
streams = query('{job="machine-logs"}')
by_service = {}
for s in streams:
    by_service.setdefault(s["stream"].get("service"), []).append(s)
for service, e in sorted(expect.items()):
    if service in ("kube-audit", "pods"):
        continue
    got = by_service.get(service, [])
    entries = sum(len(s["values"]) for s in got)
    levels = {s["stream"]["level"]: len(s["values"]) for s in got if "level" in s["stream"]}
    check(entries == e["entries"], f"{service}: {entries} entries (expected {e['entries']})")
    check(levels == e["levels"], f"{service}: levels {levels} (expected {e['levels']})")
    for s in got:
        for ts, line in s["values"]:
            check("\x1b" not in line, f"{service}: no ANSI escape in {line[:50]!r}")
            age_h = (time.time_ns() - int(ts)) / 3.6e12
            check(age_h < 1, f"{service}: time from the line ({age_h * 60:.1f} min ago) {line[:50]!r}")
all_lines = [v[1] for s in streams for v in s["values"]]
for marker in ["ROTATED-MUST-NOT-BE-READ", "POD-LINE-NOT-A-MACHINE-LOG", "audit.k8s.io", "old kernel line", "must be dropped"]:
    check(not any(marker in l for l in all_lines), f"machine-logs holds no line with {marker!r}")
audit = query('{job="kube-audit"}')
if "kube-audit" in expect:
    verbs = {s["stream"]["verb"]: len(s["values"]) for s in audit}
    check(verbs == expect["kube-audit"]["verbs"], f"kube-audit verbs {verbs}")
    users = query('{job="kube-audit"} | user="admin"')
    check(sum(len(s["values"]) for s in users) == 2, "kube-audit: structured metadata user=admin selects 2 events")
    check(not any("ROTATED" in v[1] or "/api/v1/old" in v[1] for s in audit for v in s["values"]), "kube-audit: no rotated backup, no old event")
else:
    check(not audit, "worker: no kube-audit lines")
joined = [v[1] for s in by_service.get("machined", []) for v in s["values"] if "failed to apply" in v[1]]
check(len(joined) == 1 and joined[0].endswith("* machine.network: invalid"), f"machined: continuation lines joined {joined}")
pods = query('{job="kubernetes-pods"}')
pod_lines = {}
for s in pods:
    pod_lines.setdefault(s["stream"]["namespace"], []).extend(v[1] for v in s["values"])
for s in series('{job="kubernetes-pods"}'):
    check(set(s) <= {"job", "namespace", "pod", "container", "node", "app", "level", "stream", "service_name", "component"}, f"pod stream labels {sorted(s)}")
for secret in expect["pods"]["secrets"]:
    check(not any(secret in l for l in pod_lines.get("vault", [])), f"vault: secret {secret!r} redacted")
check(sum("[REDACTED]" in l for l in pod_lines.get("vault", [])) == len(expect["pods"]["secrets"]), "vault: one [REDACTED] line per secret line")
check(any("password=hunter2" in l for l in pod_lines.get("app", [])), "app: not a sensitive namespace, not redacted")
check(not any("level=debug" in l for l in pod_lines.get("logging", [])), "logging/promtail: Promtail's own debug lines dropped")
check(len(pod_lines.get("logging", [])) == 1, "logging/promtail: its info line kept")
check(not any("OLD-POD-LINE" in l for ls in pod_lines.values() for l in ls), "pods: lines older than Loki accepts dropped")
# The seed's queries.
for q, want in [('{job="machine-logs"}', lambda n: n > 0), ('{job="machine-logs", service="kubelet"}', lambda n: n == 6),
                ('{namespace="kube-system"}', lambda n: n == 1), ('{namespace="app"} | json | level="error"', lambda n: n == 1)]:
    n = sum(len(s["values"]) for s in query(q))
    check(want(n), f"seed query {q}: {n} lines")
url = "http://127.0.0.1:3100/loki/api/v1/query?" + urllib.parse.urlencode({"query": 'sum by (namespace) (rate({job="kubernetes-pods"}[5m]))', "time": time.time_ns()})
rates = {r["metric"].get("namespace"): float(r["value"][1]) for r in json.load(urllib.request.urlopen(url))["data"]["result"]}
check(set(rates) == {"vault", "app", "shop", "payments", "kube-system", "logging"}, f"seed query sum by (namespace) (rate(...)): {rates}")
# Options of tests/stacks/local-collector.yaml, when the config has them.
promtail_text = open(f"{work}/promtail.yaml").read()
shop = pod_lines.get("shop", [])
if 'namespace="shop", container="java"' in promtail_text:
    trace = [l for l in shop if "payment failed" in l]
    check(len(trace) == 1 and trace[0].endswith("(Shop.java:42)"), f"multiline: the stack trace is one entry {trace}")
    check(len(shop) == 3, f"multiline: shop has 3 entries, 2 of them java ({len(shop)})")
else:
    check(len(shop) == 5, f"no multiline: shop has 5 entries ({len(shop)})")
if "component: component" in promtail_text:
    check(any(s.get("component") == "billing" for s in series('{namespace="shop"}')), "extraLabels: component=billing is a label")
    n = sum(len(s["values"]) for s in query('{namespace="shop"} | trace_id="4bf92f35"'))
    check(n == 1, f"structuredMetadata: trace_id selects 1 entry ({n})")
if "card-number" in promtail_text:
    pay = pod_lines.get("payments", [])
    check(pay == ["charged **** 1111 1111 **** password=[REDACTED]"], f"custom rule and built-in sets on payments: {pay}")
for name in ["promtail", "loki"]:
    # Promtail warns "enable watchConfig" at every start (its own quirk).
    bad = [l for l in open(f"{work}/{name}.log") if ("level=error" in l or "level=warn" in l) and "enable watchConfig" not in l]
    check(not bad, f"{name}: no error or warning lines" + ("".join("\n     " + b.strip()[:300] for b in bad[:8])))
metrics = urllib.request.urlopen("http://127.0.0.1:9080/metrics").read().decode()
print("\n".join(l for l in metrics.splitlines() if l.startswith(("promtail_dropped_entries_total", "promtail_sent_entries_total", "logentry_dropped_lines_total"))))
print(f"work dir: {work}")
sys.exit(1 if failures else 0)
PY
