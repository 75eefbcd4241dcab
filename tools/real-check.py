#!/usr/bin/env python3
"""What the real Loki stored after the real collector read a fake Talos node
(tools/talos-logs.py): the checks tools/real-promtail.sh and tools/real-fluent-bit.sh
share, because both agents keep one contract (jobs, labels, levels, times, redaction,
old lines, multiline, extra labels, structured metadata).

Usage: tools/real-check.py WORK --agent promtail|fluent-bit --config LOKISTACK.yaml [--pid PID]
WORK holds expect.json (from talos-logs.py) and the agent's and Loki's logs
(WORK/<agent>.log, WORK/loki.log). Exit 1 when a check fails.
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request

import yaml

work = sys.argv[1]
agent = sys.argv[sys.argv.index("--agent") + 1]
stack = yaml.safe_load(open(sys.argv[sys.argv.index("--config") + 1]))
collector = (stack.get("spec") or {}).get("collector") or {}
expect = json.load(open(f"{work}/expect.json"))
fluent_bit = agent == "fluent-bit"


def query(q):
    end = time.time_ns()
    start = end - 100 * 3600 * 10**9
    url = "http://127.0.0.1:3100/loki/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": q, "start": start, "end": end, "limit": 5000, "direction": "forward"})
    return json.load(urllib.request.urlopen(url))["data"]["result"]


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def series(selector):
    url = "http://127.0.0.1:3100/loki/api/v1/series?" + urllib.parse.urlencode(
        {"match[]": selector, "start": time.time_ns() - 100 * 3600 * 10**9, "end": time.time_ns()})
    return json.load(urllib.request.urlopen(url))["data"]


# Index labels (the query API also shows structured metadata next to them).
for s in series('{job="machine-logs"}'):
    check(set(s) <= {"job", "node", "service", "level", "service_name"}, f"machine-logs stream labels {sorted(s)}")
for s in series('{job="kube-audit"}'):
    check(set(s) == {"job", "node", "verb", "service_name"}, f"kube-audit stream labels {sorted(s)}")
check(all(s.get("node") == "talos-cp-1" for s in series('{job=~".+"}')), "every stream has node=talos-cp-1")
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
for marker in ["ROTATED-MUST-NOT-BE-READ", "POD-LINE-NOT-A-MACHINE-LOG", "audit.k8s.io", "old kernel line",
               "must be dropped", "RECEIVED-BUT-TOO-OLD", "RECEIVED-TWICE", "RECEIVED-KERNEL"]:
    check(not any(marker in line for line in all_lines), f"machine-logs holds no line with {marker!r}")
if "legacy-svc" in expect:
    # Sent 2.0, 1.9 and 1.8 minutes before the node was written: 6 s apart, in the past.
    times = sorted(int(v[0]) for s in by_service.get("legacy-svc", []) for v in s["values"])
    gaps = [round((b - a) / 1e9, 1) for a, b in zip(times, times[1:])]
    ages = [round((time.time_ns() - t) / 6e10, 1) for t in times]
    check(len(times) == 3 and gaps == [6.0, 6.0] and all(1.5 < a < 30 for a in ages),
          f"receiver: legacy-svc times from talos-time, {gaps} s apart, minutes ago {ages}")
audit = query('{job="kube-audit"}')
if "kube-audit" in expect:
    verbs = {s["stream"]["verb"]: len(s["values"]) for s in audit}
    check(verbs == expect["kube-audit"]["verbs"], f"kube-audit verbs {verbs}")
    users = query('{job="kube-audit"} | user="admin"')
    check(sum(len(s["values"]) for s in users) == 2, "kube-audit: structured metadata user=admin selects 2 events")
    codes = query('{job="kube-audit"} | status_code="403"')
    check(sum(len(s["values"]) for s in codes) == 1, "kube-audit: structured metadata status_code=403 selects 1 event")
    check(not any("ROTATED" in v[1] or "/api/v1/old" in v[1] for s in audit for v in s["values"]), "kube-audit: no rotated backup, no old event")
else:
    check(not audit, "worker: no kube-audit lines")
joined = [v[1] for s in by_service.get("machined", []) for v in s["values"] if "failed to apply" in v[1]]
check(len(joined) == 1 and joined[0].endswith("* machine.network: invalid"), f"machined: continuation lines joined {joined}")
# The load pod (LOAD=N) is counted on its own below; 5000 entries a query would not hold it.
pods = query('{job="kubernetes-pods", namespace!="load"}')
pod_lines = {}
for s in pods:
    pod_lines.setdefault(s["stream"]["namespace"], []).extend(v[1] for v in s["values"])
pod_series = series('{job="kubernetes-pods"}')
for s in pod_series:
    check(set(s) <= {"job", "namespace", "pod", "container", "node", "app", "level", "stream", "service_name", "component"}, f"pod stream labels {sorted(s)}")
# The fake pods' labels (tools/talos-logs.py) give every pod its container's name as
# `app`: by app.kubernetes.io/name, k8s-app, or a Deployment's ReplicaSet.
check(all(s.get("app") == s["container"] for s in pod_series), f"pod app labels {sorted((s['pod'], s.get('app')) for s in pod_series)}")
for secret in expect["pods"]["secrets"]:
    check(not any(secret in line for line in pod_lines.get("vault", [])), f"vault: secret {secret!r} redacted")
check(sum("[REDACTED]" in line for line in pod_lines.get("vault", [])) == len(expect["pods"]["secrets"]), "vault: one [REDACTED] line per secret line")
check(any("password=hunter2" in line for line in pod_lines.get("app", [])), "app: not a sensitive namespace, not redacted")
own = pod_lines.get("logging", [])
check(not any("debug" in line for line in own), f"logging/{agent}: the collector's own debug lines dropped")
check(len(own) == 1, f"logging/{agent}: its info line kept")
own_levels = {s["stream"].get("level") for s in pods if s["stream"]["namespace"] == "logging"}
check(own_levels == {"info"}, f"logging/{agent}: its own line has level info ({own_levels})")
check(not any("OLD-POD-LINE" in line for lines in pod_lines.values() for line in lines), "pods: lines older than Loki accepts dropped")
check(not any("OPTED-OUT" in line for lines in pod_lines.values() for line in lines), "pods: opted-out pods and namespaces not shipped")
# The seed's queries.
for q, want in [('{job="machine-logs"}', lambda n: n > 0), ('{job="machine-logs", service="kubelet"}', lambda n: n == 6),
                ('{namespace="kube-system"}', lambda n: n == 1), ('{namespace="app"} | json | level="error"', lambda n: n == 1)]:
    n = sum(len(s["values"]) for s in query(q))
    check(want(n), f"seed query {q}: {n} lines")
url = "http://127.0.0.1:3100/loki/api/v1/query?" + urllib.parse.urlencode(
    {"query": 'sum by (namespace) (rate({job="kubernetes-pods"}[5m]))', "time": time.time_ns()})
rates = {r["metric"].get("namespace"): float(r["value"][1]) for r in json.load(urllib.request.urlopen(url))["data"]["result"]}
# Fluent Bit reads every pod under /var/log/pods (Promtail's check replaces discovery by
# static targets): the pods/ file job="machine-logs" must not read is then a pod too.
namespaces = {"vault", "app", "shop", "payments", "kube-system", "logging"} | ({"ns"} if fluent_bit else set())
if "load" in expect["pods"]:
    namespaces.add("load")
    url = "http://127.0.0.1:3100/loki/api/v1/query?" + urllib.parse.urlencode(
        {"query": 'sum(count_over_time({namespace="load"}[2h]))', "time": time.time_ns()})
    got = sum(float(r["value"][1]) for r in json.load(urllib.request.urlopen(url))["data"]["result"])
    check(got == expect["pods"]["load"], f"load: {got:.0f} of {expect['pods']['load']} lines arrived")
check(set(rates) == namespaces, f"seed query sum by (namespace) (rate(...)): {rates}")
# Options of the LokiStack config, when it has them.
shop = pod_lines.get("shop", [])
if any(m.get("namespace") == "shop" for m in (collector.get("pods") or {}).get("multiline") or []):
    trace = [line for line in shop if "payment failed" in line]
    check(len(trace) == 1 and trace[0].endswith("(Shop.java:42)"), f"multiline: the stack trace is one entry {trace}")
    check(len(shop) == 3, f"multiline: shop has 3 entries, 2 of them java ({len(shop)})")
else:
    check(len(shop) == 5, f"no multiline: shop has 5 entries ({len(shop)})")
if "component" in (collector.get("extraLabels") or []):
    check(any(s.get("component") == "billing" for s in series('{namespace="shop"}')), "extraLabels: component=billing is a label")
if "trace_id" in (collector.get("structuredMetadata") or []):
    n = sum(len(s["values"]) for s in query('{namespace="shop"} | trace_id="4bf92f35"'))
    check(n == 1, f"structuredMetadata: trace_id selects 1 entry ({n})")
if any(r.get("name") == "card-number" for r in (collector.get("redaction") or {}).get("rules") or []):
    pay = pod_lines.get("payments", [])
    check(pay == ["charged **** 1111 1111 **** password=[REDACTED]"], f"custom rule and built-in sets on payments: {pay}")


def bad_lines(name):
    out = []
    for line in open(f"{work}/{name}.log", errors="replace"):
        if name == "fluent-bit":
            # Under LOAD, reading faster than Loki takes pauses an input at its memory limit
            # (backpressure: nothing is lost; alert FluentBitInputPaused when it lasts).
            if "load" in expect["pods"] and "paused (mem buf overlimit" in line:
                continue
            if "[error]" in line or "[ warn]" in line:
                out.append(line)
        # Promtail warns "enable watchConfig" at every start (its own quirk).
        elif ("level=error" in line or "level=warn" in line) and "enable watchConfig" not in line:
            out.append(line)
    return out


for name in [agent, "loki"]:
    bad = bad_lines(name)
    check(not bad, f"{name}: no error or warning lines" + "".join("\n     " + b.strip()[:300] for b in bad[:8]))
if fluent_bit:
    metrics = urllib.request.urlopen("http://127.0.0.1:2020/api/v2/metrics/prometheus").read().decode()
    prefixes = ("fluentbit_output_proc_records_total", "fluentbit_output_dropped_records_total",
                "fluentbit_output_retries_failed_total", "fluentbit_filter_drop_records_total",
                "fluentbit_input_records_total")
else:
    metrics = urllib.request.urlopen("http://127.0.0.1:9080/metrics").read().decode()
    prefixes = ("promtail_dropped_entries_total", "promtail_sent_entries_total", "logentry_dropped_lines_total")
print("\n".join(line for line in metrics.splitlines() if line.startswith(prefixes)))
if "--pid" in sys.argv:
    # The agent's own footprint on this node: peak resident memory and CPU time so far.
    pid = sys.argv[sys.argv.index("--pid") + 1]
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    print(f"{agent}: peak RSS {int(status['VmHWM'].split()[0]) / 1024:.1f} MiB, CPU {cpu:.2f} s")
print(f"{len(failures)} failed")
print(f"work dir: {work}")
sys.exit(1 if failures else 0)
