#!/usr/bin/env python3
"""The helpers of tools/real-outage.sh (a Loki outage measured with the real Loki and the
real collector). Usage (the shell script calls these; see its header):

  real-outage.py prepare WORK AGENT PORT_BASE    rendered stack (WORK/stack.yaml) -> configs in WORK
  real-outage.py grace WORK NAME                 the rendered workload's terminationGracePeriodSeconds
  real-outage.py api WORK PORT                   the stand-in Kubernetes API (Fluent Bit's kubernetes filter)
  real-outage.py writer WORK RATE ROTATE_KIB     the fake pod: a CRI log file, rotated like kubelet
  real-outage.py sample WORK                     samples the agent's RSS and buffer dir size until killed
  real-outage.py metrics AGENT|loki PORT         the relevant metrics of a running program
  real-outage.py count WORK PORT DRAIN           polls Loki until every written id arrived, then counts
  real-outage.py summary WORK                    the one-line JSON summary; exit 1 if a line is lost or duplicated
"""
import collections
import glob
import gzip
import json
import os
import re
import shutil
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import yaml

# The fake pod (its directory is what kubelet writes: /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log).
NS, POD, UID, CONTAINER, NODE = "outage", "outage-writer-0", "6f1c2a4e-9b1d-4c5e-8f00-17a0c0de0017", "writer", "talos-cp-1"
SELECTOR = f'{{namespace="{NS}", pod="{POD}"}}'
SEQ = re.compile(r"\bseq=(\d+)\b")
# kubelet's containerLogMaxFiles default and its log manager's check interval
# (containerLogMonitorInterval): the size is looked at every 10 s, not at every write.
MAX_FILES, ROTATE_CHECK = 5, 10.0


def die(msg):
    print(f"real-outage: {msg}", file=sys.stderr)
    sys.exit(2)


def ports(base):
    base = int(base)
    return {"loki_http": base, "loki_grpc": base + 1, "agent_http": base + 2, "api": base + 3,
            "receiver": base + 4, "loki_memberlist": base + 5}


def pod_dir(work):
    return f"{work}/varlog/pods/{NS}_{POD}_{UID}/{CONTAINER}"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def replace_once(text, old, new, what):
    n = text.count(old)
    if n != 1:
        die(f"{what}: expected {old!r} once in the rendered config, found it {n} times")
    return text.replace(old, new)


def leaves(node, path=()):
    """Every scalar of a YAML document with its path (list items keyed by name/job_name)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, path + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            key = str(i)
            if isinstance(v, dict):
                key = str(v.get("job_name") or v.get("alias") or v.get("name") or i)
            yield from leaves(v, path + (key,))
    else:
        yield path, node


def plumbing_diff(before, after, allowed, out):
    """What the rewrite changed, written to `out`. A change must be a plumbing key (in `allowed`)
    or a node path (/var/log, /var/lib, /var/loki, /etc) moved under the work dir, else it is an
    error: the settings under test (client, backoff, storage, retries, scheduler) stay as rendered."""
    a, b = dict(leaves(before)), dict(leaves(after))
    changes = []
    for path in sorted(set(a) | set(b)):
        if a.get(path, "<absent>") != b.get(path, "<absent>"):
            changes.append((path, a.get(path, "<absent>"), b.get(path, "<absent>")))
    with open(out, "a") as f:
        collapsed = set()
        for path, x, y in changes:
            cut = [i for i, k in enumerate(path) if k in ("kubernetes_sd_configs", "relabel_configs")]
            if cut and y == "<absent>":
                if path[:cut[0] + 1] not in collapsed:
                    collapsed.add(path[:cut[0] + 1])
                    f.write(f"{'.'.join(path[:cut[0] + 1])}: removed\n")
                continue
            f.write(f"{'.'.join(path)}: {x!r} -> {y!r}\n")
    bad = [".".join(p) for p, x, _ in changes
           if not (set(p) & allowed or isinstance(x, str) and re.search(r"/var/log/|/var/lib/|/var/loki|/etc/", x))]
    if bad:
        die("the rewrite changed more than test plumbing: " + ", ".join(bad))


def prepare(work, agent, base):
    p = ports(base)
    docs = [d for d in yaml.safe_load_all(open(f"{work}/stack.yaml")) if d]

    def find(kind, name):
        for d in docs:
            if d["kind"] == kind and d["metadata"]["name"] == name:
                return d
        die(f"the rendered stack has no {kind} {name}: is this a {agent} stack?")

    # Loki: only a local (filesystem) config is ever run; a cloud one would reach out
    # (its AWS SDK asks the EC2 instance metadata service for credentials).
    loki_text = find("ConfigMap", "loki")["data"]["config.yaml"]
    loki = yaml.safe_load(loki_text)
    stores = {c.get("object_store") for c in loki.get("schema_config", {}).get("configs", [])}
    cloud = set((loki.get("common", {}).get("storage") or {})) - {"filesystem"}
    if stores != {"filesystem"} or cloud or "aws" in loki.get("storage_config", {}) or "gcs" in loki.get("storage_config", {}):
        die(f"not a local Loki config (object stores {sorted(map(str, stores))}, common storage {sorted(cloud)}): only local configs are run")
    loki = yaml.safe_load(loki_text.replace("/var/loki", f"{work}/loki").replace("/etc/loki/runtime-config", work))
    server = loki.setdefault("server", {})
    server.update(http_listen_address="127.0.0.1", http_listen_port=p["loki_http"],
                  grpc_listen_address="127.0.0.1", grpc_listen_port=p["loki_grpc"])
    if "memberlist" in loki:
        loki["memberlist"].update(bind_addr=["127.0.0.1"], bind_port=p["loki_memberlist"])
    runtime = loki.get("runtime_config", {}).get("file")
    if runtime:
        loki["runtime_config"]["file"] = f"{work}/runtime-config.yaml"
    write(f"{work}/loki.yaml", yaml.safe_dump(loki, sort_keys=False))
    write(f"{work}/runtime-config.yaml", find("ConfigMap", "loki-runtime")["data"]["runtime-config.yaml"])
    loki_keys = {"http_listen_address", "http_listen_port", "grpc_listen_address", "grpc_listen_port",
                 "bind_addr", "bind_port", "file"}
    write(f"{work}/plumbing.txt", "# Loki\n")
    plumbing_diff(yaml.safe_load(loki_text), loki, loki_keys, f"{work}/plumbing.txt")

    info = {"agent": agent, "ports": p, "buffer_dir": None, "state_dir": None}
    if agent == "promtail":
        original = find("Secret", "promtail")["stringData"]["promtail.yaml"]
        # Edited as text (as tools/real-promtail.sh does): a YAML round trip would double
        # the backslashes that -config.expand-env then rewrites.
        text = original
        parsed = yaml.safe_load(text)
        text = replace_once(text, "url: " + parsed["clients"][0]["url"],
                            f"url: http://127.0.0.1:{p['loki_http']}/loki/api/v1/push", "Loki URL")
        port = parsed["server"]["http_listen_port"]
        text = replace_once(text, f"  http_listen_port: {port}\n",
                            f"  http_listen_address: 127.0.0.1\n  http_listen_port: {p['agent_http']}\n"
                            "  grpc_listen_address: 127.0.0.1\n", "Promtail's port")
        text = text.replace("/var/lib/promtail/", f"{work}/promtail-lib/").replace("/var/log/", f"{work}/varlog/")
        # The pod job discovers pods through the Kubernetes API, which is not here: its
        # discovery and relabelling are replaced by one static target with the labels the
        # relabelling gives and the path glob it renders; its pipeline runs as rendered.
        start = text.index("- job_name: kubernetes-pods")
        nxt = text.find("- job_name:", start + 1)
        end = nxt if nxt > 0 else len(text)
        job = text[start:end]
        rendered_job = next(j for j in parsed["scrape_configs"] if j["job_name"] == "kubernetes-pods")
        glob_ = next(r["replacement"] for r in rendered_job["relabel_configs"] if r.get("target_label") == "__path__")
        path = glob_.replace("/var/log/", f"{work}/varlog/").replace("$1", f"{UID}/{CONTAINER}")
        sd = job.index("  kubernetes_sd_configs:")
        stages = job.index("  pipeline_stages:")
        static = (f"  static_configs:\n  - targets: [localhost]\n    labels:\n      job: kubernetes-pods\n"
                  f"      namespace: {NS}\n      pod: {POD}\n      container: {CONTAINER}\n"
                  f"      app: {CONTAINER}\n      node: {NODE}\n      __path__: {path}\n")
        relabel = job.index("  relabel_configs:")
        after_relabel = re.search(r"\n  [a-z_]+:", job[relabel + 1:])
        rest = job[relabel + 1 + after_relabel.start() + 1:] if after_relabel else ""
        job = job[:sd] + static + job[stages:relabel] + rest
        text = text[:start] + job + text[end:]
        write(f"{work}/promtail.yaml", text)
        os.makedirs(f"{work}/promtail-lib", exist_ok=True)
        info["state_dir"] = f"{work}/promtail-lib"
        keys = {"url", "http_listen_port", "http_listen_address", "grpc_listen_address", "filename", "__path__"}
        write(f"{work}/plumbing.txt", open(f"{work}/plumbing.txt").read() + "# Promtail\n")
        # The pod job's discovery (kubernetes_sd_configs, relabel_configs -> static_configs).
        keys |= {"kubernetes_sd_configs", "relabel_configs", "static_configs"}
        plumbing_diff(parsed, yaml.safe_load(text), keys, f"{work}/plumbing.txt")
    else:
        files = find("ConfigMap", "fluent-bit")["data"]
        original = files["fluent-bit.yaml"]
        parsed = yaml.safe_load(original)
        # Test plumbing only: the node's paths under the work dir, Loki, the API and every
        # listener on loopback ports derived from PORT_BASE.
        text = original.replace("/var/log/", f"{work}/varlog/").replace("/etc/fluent-bit/", f"{work}/")
        text = re.sub(r"/var/lib/fluent-bit\b", f"{work}/db", text)
        outputs = text.index("\n  outputs:")
        head, tail = text[:outputs], text[outputs:]
        out = parsed["pipeline"]["outputs"][0]
        tail = replace_once(tail, f"host: {out['host']}\n", "host: 127.0.0.1\n", "Loki host")
        tail = replace_once(tail, f"port: {out['port']}\n", f"port: {p['loki_http']}\n", "Loki port")
        head = replace_once(head, f"http_port: {parsed['service']['http_port']}\n", f"http_port: {p['agent_http']}\n",
                            "Fluent Bit's HTTP port")
        for i in parsed["pipeline"]["inputs"]:
            if "port" in i:  # the Talos receiver
                head = replace_once(head, f"port: {i['port']}\n", f"port: {p['receiver']}\n", f"input {i.get('alias')} port")
        head = replace_once(head, "    kube_tag_prefix:",
                            f"    kube_url: http://127.0.0.1:{p['api']}\n    kube_token_file: {work}/token\n"
                            f"    kube_ca_file: {work}/ca.crt\n    kube_namespace_file: {work}/namespace\n    kube_tag_prefix:",
                            "kubernetes filter")
        text = head + tail
        write(f"{work}/fluent-bit.yaml", text)
        write(f"{work}/pipeline.lua", files["pipeline.lua"].replace('"/var/log"', f'"{work}/varlog"'))
        for name, content in [("token", "test-token"), ("ca.crt", ""), ("namespace", "logging")]:
            write(f"{work}/{name}", content)
        os.makedirs(f"{work}/db", exist_ok=True)
        info["state_dir"] = f"{work}/db"
        storage = yaml.safe_load(text)["service"].get("storage.path")
        info["buffer_dir"] = storage
        if storage and not storage.startswith(work):
            die(f"storage.path {storage} is outside the work dir")
        keys = {"host", "port", "http_port", "path", "db", "exclude_path", "script", "storage.path",
                "kube_url", "kube_token_file", "kube_ca_file", "kube_namespace_file"}
        write(f"{work}/plumbing.txt", open(f"{work}/plumbing.txt").read() + "# Fluent Bit\n")
        plumbing_diff(parsed, yaml.safe_load(text), keys, f"{work}/plumbing.txt")
        objects = {"pods": {f"{NS}/{POD}": {"labels": {"app.kubernetes.io/name": CONTAINER}, "annotations": {},
                                            "ownerReferences": [], "container": CONTAINER}},
                   "namespaces": {}}
        json.dump(objects, open(f"{work}/kube-objects.json", "w"), indent=1)
    os.makedirs(pod_dir(work), exist_ok=True)
    json.dump(info, open(f"{work}/plumbing.json", "w"), indent=1)
    # The delivery settings under test, as rendered, for the record (WORK/delivery.json, the summary).
    if agent == "promtail":
        delivery = {k: v for k, v in parsed["clients"][0].items() if k != "url"}
        delivery.update({k: parsed[k] for k in ("limits_config", "options") if k in parsed})
    else:
        pods = next(i for i in parsed["pipeline"]["inputs"] if i.get("alias") == "kubernetes-pods")
        delivery = {"service": {k: v for k, v in parsed["service"].items() if k.startswith(("storage.", "scheduler."))},
                    "input": {k: v for k, v in pods.items() if k.startswith("storage.") or k in ("mem_buf_limit", "rotate_wait")},
                    "output": {k: v for k, v in out.items() if "retry" in k or k.startswith("storage.") or k == "workers"}}
    json.dump(delivery, open(f"{work}/delivery.json", "w"))
    print(f"delivery settings as rendered: {json.dumps(delivery, separators=(',', ':'))}")


def grace(work, name):
    """The terminationGracePeriodSeconds of the rendered workload NAME (kubelet's default 30 s if unset)."""
    for d in yaml.safe_load_all(open(f"{work}/stack.yaml")):
        if d and d["kind"] in ("DaemonSet", "StatefulSet", "Deployment") and d["metadata"]["name"] == name:
            print(d["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30))
            return
    die(f"no workload {name} in the rendered stack")


def api(work, port):
    """The stand-in Kubernetes API for Fluent Bit's kubernetes filter (also run by
    tools/real-fluent-bit.sh): GET /api/v1/namespaces/NS/pods/POD and /api/v1/namespaces/NS,
    from WORK/kube-objects.json (tools/talos-logs.py)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    objects = json.load(open(f"{work}/kube-objects.json"))

    class API(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            sys.stderr.write("api: " + fmt % args + "\n")

        def do_GET(self):
            parts = self.path.split("?")[0].strip("/").split("/")
            body = None
            if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 6 and parts[4] == "pods":
                ns, pod = parts[3], parts[5]
                o = objects["pods"].get(f"{ns}/{pod}")
                if o:
                    body = {"kind": "Pod", "apiVersion": "v1",
                            "metadata": {"name": pod, "namespace": ns, "uid": f"uid-{pod}", "labels": o["labels"],
                                         "annotations": o["annotations"], "ownerReferences": o["ownerReferences"]},
                            "spec": {"nodeName": NODE, "containers": [{"name": o["container"], "image": "example/x:1"}]},
                            "status": {"podIP": "10.244.0.9", "containerStatuses": [
                                {"name": o["container"], "image": "example/x:1", "imageID": "example/x@sha256:0",
                                 "containerID": "containerd://abc"}]}}
            elif parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 4:
                body = {"kind": "Namespace", "apiVersion": "v1",
                        "metadata": {"name": parts[3], "labels": {}, "annotations": objects["namespaces"].get(parts[3], {})}}
            data = json.dumps(body or {"kind": "Status", "code": 404}).encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    ThreadingHTTPServer(("127.0.0.1", int(port)), API).serve_forever()


def rfc3339nano(ns):
    # containerd's timestamp (RFC 3339, nanoseconds, UTC); microsecond precision so that
    # no line sits on a query window's boundary (count() queries whole seconds).
    ns -= ns % 1000
    return datetime.fromtimestamp(ns // 10**9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 10**9:09d}Z"


def writer(work, rate, rotate_kib):
    """RATE lines a second to a CRI log file; with ROTATE_KIB > 0, rotated the way kubelet's
    container log manager does (pkg/kubelet/logs/container_log_manager.go, MaxFiles 5):
    every 10 s, if 0.log has reached ROTATE_KIB KiB:
      1. delete leftover *.tmp files, and an uncompressed rotated file whose .gz exists;
      2. delete the oldest rotated files (names sort by time) until at most MaxFiles-2 = 3 remain;
      3. gzip every uncompressed rotated file (to NAME.tmp, renamed to NAME.gz, NAME deleted);
      4. rename 0.log to 0.log.<YYYYMMDD-HHMMSS> (UTC) and write on in a fresh 0.log
         (kubelet asks the runtime to reopen; here the writer reopens before its next line).
    So at most 5 files: 0.log, the newest rotated file uncompressed, 3 older ones gzipped."""
    rate, limit = float(rate), int(rotate_kib) * 1024
    log = f"{pod_dir(work)}/0.log"
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    events = open(f"{work}/writer.log", "a", buffering=1)
    f = open(log, "a", buffering=1)
    start = time.time()
    next_check = start + ROTATE_CHECK
    seq = 0
    rotations = 0
    pad = "abcdefghijklmnopqrstuvwxyz0123456789" * 3
    while not stop:
        now = time.time()
        due = start + seq / rate
        if due > now:
            time.sleep(min(due - now, 0.2))
            continue
        ns = time.time_ns()
        # ~190 bytes a line in the file (CRI prefix included), ~150 bytes shipped.
        msg = f'level=info seq={seq:07d} msg="outage probe line {seq}" pad={pad[:60 + seq % 37]}'
        f.write(f"{rfc3339nano(ns)} stdout F {msg}\n")
        seq += 1
        if limit and time.time() >= next_check:
            next_check += ROTATE_CHECK
            if os.path.getsize(log) >= limit:
                rotated = sorted(glob.glob(f"{log}.*"))
                for name in list(rotated):
                    if name.endswith(".tmp") or (not name.endswith(".gz") and f"{name}.gz" in rotated):
                        os.remove(name)
                        rotated.remove(name)
                keep = MAX_FILES - 2
                for name in rotated[:max(0, len(rotated) - keep)]:
                    os.remove(name)
                    events.write(f"{time.time():.3f} seq={seq} deleted {os.path.basename(name)}\n")
                rotated = rotated[max(0, len(rotated) - keep):]
                for name in rotated:
                    if not name.endswith(".gz"):
                        with open(name, "rb") as src, gzip.open(f"{name}.tmp", "wb") as dst:
                            shutil.copyfileobj(src, dst)
                        os.rename(f"{name}.tmp", f"{name}.gz")
                        os.remove(name)
                        events.write(f"{time.time():.3f} seq={seq} compressed {os.path.basename(name)}\n")
                target = f"{log}.{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}"
                os.rename(log, target)
                f.close()
                f = open(log, "a", buffering=1)
                rotations += 1
                events.write(f"{time.time():.3f} seq={seq} rotated 0.log -> {os.path.basename(target)}\n")
    f.close()
    json.dump({"written": seq, "rate": rate, "start": start, "end": time.time(), "rotations": rotations,
               "rotate_kib": int(rotate_kib)}, open(f"{work}/writer.json", "w"))


def proc_status(pid):
    try:
        return dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    except (OSError, ValueError):
        return None


def dir_size(path):
    total = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                total += os.lstat(os.path.join(root, n)).st_blocks * 512
            except OSError:
                pass
    return total


def sample(work):
    info = json.load(open(f"{work}/plumbing.json"))
    buffer_dir = info["buffer_dir"] or info["state_dir"]
    peaks = {"rss_hwm_kib": 0, "buffer_bytes": 0, "buffer_dir": buffer_dir, "buffer_is": "storage.path" if info["buffer_dir"] else "state dir"}
    out = open(f"{work}/samples.csv", "a", buffering=1)
    out.write("time,pid,vm_rss_kib,vm_hwm_kib,buffer_bytes\n")
    while True:
        try:
            pid = open(f"{work}/agent.pid").read().strip()
        except OSError:
            pid = ""
        st = proc_status(pid) if pid else None
        rss = int(st["VmRSS"].split()[0]) if st and "VmRSS" in st else 0
        hwm = int(st["VmHWM"].split()[0]) if st and "VmHWM" in st else 0
        size = dir_size(buffer_dir) if buffer_dir and os.path.isdir(buffer_dir) else 0
        out.write(f"{time.time():.0f},{pid},{rss},{hwm},{size}\n")
        peaks["rss_hwm_kib"] = max(peaks["rss_hwm_kib"], hwm)
        peaks["buffer_bytes"] = max(peaks["buffer_bytes"], size)
        json.dump(peaks, open(f"{work}/peaks.json.tmp", "w"))
        os.replace(f"{work}/peaks.json.tmp", f"{work}/peaks.json")
        time.sleep(1)


METRICS = {
    "promtail": ("/metrics", re.compile(r"^promtail_(dropped_entries_total|batch_retries_total|sent_entries_total|read_lines_total|"
                                        r"request_duration_seconds_count|files_active_total)\b")),
    "fluent-bit": ("/api/v2/metrics/prometheus",
                   re.compile(r"^fluentbit_(output_retries_total|output_retries_failed_total|output_dropped_records_total|"
                              r"output_proc_records_total|output_errors_total|output_chunk_available_capacity_percent|"
                              r"output_pending_records|input_records_total|storage_|input_storage_)")),
    "loki": ("/metrics", re.compile(r"^loki_(discarded_samples_total|distributor_lines_received_total|"
                                    r"ingester_streams_created_total|ingester_wal_replay|distributor_ingester_append_failures_total)")),
}


def metrics(kind, port):
    path, wanted = METRICS[kind]
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read().decode()
    except (OSError, urllib.error.URLError) as e:
        print(f"# {kind} metrics unavailable: {e}")
        return
    for line in text.splitlines():
        if not wanted.match(line):
            continue
        # Fluent Bit: the pods input and the Loki output (and storage totals), not the
        # machine-log inputs that read nothing here.
        if kind == "fluent-bit" and 'name="' in line and not re.search(r'name="(loki|kubernetes-pods)"', line):
            continue
        print(line)


def query(port, start_ns, end_ns, limit=5000):
    url = f"http://127.0.0.1:{port}/loki/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": SELECTOR, "start": start_ns, "end": end_ns, "limit": limit, "direction": "forward"})
    data = json.load(urllib.request.urlopen(url, timeout=120))["data"]["result"]
    return [(int(ts), line, tuple(sorted(s["stream"].items()))) for s in data for ts, line in s["values"]]


def fetch(port, start_ns, end_ns):
    """Every stored line in [start_ns, end_ns): windows of 5 min, halved while a window hits the limit."""
    entries = []
    step = 300 * 10**9
    todo = [(t, min(t + step, end_ns)) for t in range(start_ns, end_ns, step)]
    while todo:
        a, b = todo.pop(0)
        got = query(port, a, b - 1)
        if len(got) >= 5000 and b - a > 10**9:
            mid = a + (b - a) // 2 // 10**9 * 10**9 or a + (b - a) // 2
            todo[:0] = [(a, mid), (mid, b)]
            continue
        if len(got) >= 5000:
            die(f"more than 5000 lines in one second at {a}: lower RATE")
        entries += got
    return entries


def ranges(ids):
    out, ids = [], sorted(ids)
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append((ids[i], ids[j]))
        i = j + 1
    return out


def count(work, port, drain):
    w = json.load(open(f"{work}/writer.json"))
    written = w["written"]
    start_ns = int((w["start"] - 60) * 1e9) // 10**9 * 10**9
    began = time.time()
    deadline = began + float(drain)
    last, polls, complete = None, 0, None
    while True:
        end_ns = (time.time_ns() // 10**9 + 2) * 10**9
        try:
            entries = fetch(port, start_ns, end_ns)
        except (OSError, urllib.error.URLError) as e:
            print(f"drain: Loki query failed: {e}", flush=True)
            entries = None
        if entries is not None:
            ids = {int(m.group(1)) for _, line, _ in entries for m in [SEQ.search(line)] if m}
            have = len(ids & set(range(written)))
            print(f"drain: +{polls * 10}s {have}/{written} ids, {len(entries)} entries", flush=True)
            if have == written and complete is None:
                complete = round(time.time() - began)
            if have == written and last == len(entries):
                break
            last = len(entries)
        if time.time() >= deadline:
            print("drain: DRAIN seconds passed", flush=True)
            break
        polls += 1
        time.sleep(10)
    seen = collections.Counter()
    unparsed = 0
    streams = collections.Counter()
    for _, line, stream in entries or []:
        m = SEQ.search(line)
        if m:
            seen[int(m.group(1))] += 1
        else:
            unparsed += 1
        streams[stream] += 1
    lost = sorted(set(range(written)) - set(seen))
    dups = {i: c for i, c in seen.items() if c > 1}
    rate = w["rate"]
    lost_ranges = [{"from": a, "to": b, "n": b - a + 1, "t": f"+{a / rate:.1f}s..+{(b + 1) / rate:.1f}s"} for a, b in ranges(lost)]
    result = {"written": written, "received_entries": len(entries or []), "received_unique": len(set(seen) & set(range(written))),
              "lost": len(lost), "lost_ranges": lost_ranges, "dup": sum(c - 1 for c in dups.values()),
              "dup_ids": ranges(sorted(dups))[:50], "unexpected_ids": len(set(seen) - set(range(written))),
              "unparsed": unparsed, "streams": [dict(s) for s in streams],
              # seconds after the writer stopped until every id was in Loki (None: not within DRAIN)
              "complete_after_drain_s": complete}
    json.dump(result, open(f"{work}/counts.json", "w"), indent=1)
    print(f"written {written}, received {result['received_unique']} unique ({result['received_entries']} entries), "
          f"lost {result['lost']}, duplicated {result['dup']}, streams {len(streams)}")
    for r in lost_ranges[:40]:
        print(f"  lost seq {r['from']}-{r['to']} ({r['n']} lines, written {r['t']} after the writer started)")
    if len(lost_ranges) > 40:
        print(f"  ... {len(lost_ranges) - 40} more lost ranges (counts.json)")
    if dups:
        print("  duplicated seq ranges: " + ", ".join(f"{a}-{b}" for a, b in ranges(sorted(dups))[:20]))


def summary(work):
    params = json.load(open(f"{work}/params.json"))
    counts = json.load(open(f"{work}/counts.json"))
    peaks = json.load(open(f"{work}/peaks.json")) if os.path.exists(f"{work}/peaks.json") else {}
    w = json.load(open(f"{work}/writer.json"))

    def metric_sum(file, name, label=None):
        total, found = 0.0, False
        if not os.path.exists(file):
            return None
        for line in open(file):
            if line.startswith(name + "{") or line.startswith(name + " "):
                if label and label not in line:
                    continue
                total += float(line.rsplit(None, 1)[1])
                found = True
        return total if found else None

    final = f"{work}/metrics-final.txt"
    agent = params["agent"]
    if agent == "promtail":
        m = {k: metric_sum(final, f"promtail_{k}") for k in ("dropped_entries_total", "batch_retries_total", "sent_entries_total")}
    else:
        m = {k: metric_sum(final, f"fluentbit_{k}", 'name="loki"') for k in (
            "output_retries_total", "output_retries_failed_total", "output_dropped_records_total", "output_proc_records_total")}
    # What the agent (its last process) still holds at the end: lines read and neither sent
    # nor dropped (Promtail), chunks in its buffer (Fluent Bit). Lost ids may still come.
    if agent == "promtail":
        read = metric_sum(final, "promtail_read_lines_total", f"/{NS}_{POD}_")
        held = {"lines": None if read is None else read - (m["sent_entries_total"] or 0) - (m["dropped_entries_total"] or 0)}
    else:
        held = {"chunks": metric_sum(final, "fluentbit_storage_chunks")}
    logs = {}
    for name, pattern in [("too_far_behind", "too far behind"), ("out_of_order", "out of order"),
                          ("rate_limited", "rate limit"), ("status_400", "status=400|status code 400|HTTP status=400")]:
        n = 0
        for f in (f"{work}/{agent}.log", f"{work}/loki.log"):
            if os.path.exists(f):
                n += sum(1 for line in open(f, errors="replace") if re.search(pattern, line, re.I))
        logs[name] = n
    outage = json.load(open(f"{work}/outage.json")) if os.path.exists(f"{work}/outage.json") else {}
    delivery = json.load(open(f"{work}/delivery.json"))
    # Lines Loki's distributor took in (its counter restarts with Loki: the sum of the
    # snapshots just before the outage and at the end). More than the unique ids received
    # means lines pushed twice that Loki merged (same timestamp and line): hidden duplicates.
    pushed = [metric_sum(f"{work}/metrics-{k}.txt", "loki_distributor_lines_received_total") for k in ("before-outage", "final")]
    pushed = None if None in pushed else int(sum(pushed))
    events = open(f"{work}/events.log").read().splitlines() if os.path.exists(f"{work}/events.log") else []
    killed = [e.split("s ", 1)[1].split(" did not exit")[0] for e in events if "did not exit" in e]
    out = dict(params, **outage, written=counts["written"], received=counts["received_unique"], lost=counts["lost"],
               dup=counts["dup"], loki_lines_received=pushed, complete_after_drain_s=counts["complete_after_drain_s"], lost_ranges=[f"{r['from']}-{r['to']}" for r in counts["lost_ranges"]][:20],
               rotations=w["rotations"], agent_peak_rss_mib=round(peaks.get("rss_hwm_kib", 0) / 1024, 1),
               peak_buffer_bytes=peaks.get("buffer_bytes"), buffer_dir_is=peaks.get("buffer_is"),
               metrics=m, held_at_end=held, sigkilled=killed, delivery=delivery, log_lines=logs, work=work)
    if counts["lost"] and any(held.values()):
        print(f"note: {agent} still holds {held} at the end: some lost ids may arrive later (raise DRAIN)")
    print(json.dumps(out, separators=(",", ":")))
    sys.exit(0 if counts["lost"] == 0 and counts["dup"] == 0 else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"prepare": prepare, "grace": grace, "api": api, "writer": writer, "sample": sample, "metrics": metrics,
     "count": count, "summary": summary}[cmd](*args)
