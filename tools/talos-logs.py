#!/usr/bin/env python3
"""Writes a fake Talos >= 1.12 node log tree (what machined writes to /var/log) with
current timestamps, one file per service in its real line format (read from the Talos
1.12/1.13 sources), for running the rendered Promtail pipeline against.

Usage: tools/talos-logs.py DIR [--control-plane] [--pods] [--agent fluent-bit] [--receiver FILE]
                            [--load N]
Also writes what must NOT be read by job="machine-logs": a rotated kubelet.log.1, a
pods/ subtree and an audit/ subtree (the audit log is job="kube-audit"), lines older
than Loki accepts, a partial last line, ANSI colours and a panic.
With --pods, also CRI pod log files (a sensitive namespace "vault" with secrets, an
"app" namespace, kube-system, the collector's own debug lines: Promtail's, or with
--agent fluent-bit Fluent Bit's), and pods that opted out by annotation (their labels and
annotations, for a stand-in Kubernetes API, go to DIR/../kube-objects.json).
With --load N, N more lines in one pod (namespace "load": JSON, logfmt and plain text in turn,
over the last hour), to measure what the agent costs.
With --receiver FILE, the JSON lines Talos before 1.12 sends to a receiver
(machine.logging.destinations, talos.logging.kernel) go to FILE: a service that has no
file here (it arrives), and services and kernel lines that have one (dropped: the file
path ships them).
The expected per-service counts are printed as JSON on stdout.
"""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

root = sys.argv[1]
control_plane = "--control-plane" in sys.argv
agent = sys.argv[sys.argv.index("--agent") + 1] if "--agent" in sys.argv else "promtail"
now = datetime.now(timezone.utc).replace(microsecond=123456)
ESC = "\x1b"


def t(minutes_ago=0.0):
    return now - timedelta(minutes=minutes_ago)


def golog(ts):  # Go log Ldate|Lmicroseconds, UTC
    return ts.strftime("%Y/%m/%d %H:%M:%S.%f")


def iso_ms(ts):  # zap ISO8601 encoder
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def rfc3339nano(ts, digits=9):
    frac = f"{ts.microsecond:06d}000"[:digits].rstrip("0")
    return ts.strftime("%Y-%m-%dT%H:%M:%S") + (("." + frac) if frac else "") + "Z"


def epoch_ms(ts):
    return round(ts.timestamp() * 1000 + 0.703, 3)


old = 80 * 60  # 80h ago: older than Loki's 72h reject_old_samples_max_age
files = {}
expect = {}

files["machined"] = [
    f"{golog(t(old))} [talos] an old line that must be dropped as too old",
    f"{golog(t(5))} [talos] task startAllServices (1/1): done, 30.781765505s",
    f"{golog(t(4.9))} [talos] service[kubelet](Running): Started task kubelet (PID 2345) for container kubelet",
    f'{golog(t(4.8))} [talos] setting resolvers {{"component": "controller-runtime", "controller": "network.ResolverSpecController", "resolvers": ["1.1.1.1", "8.8.8.8"]}}',
    f"{golog(t(4.7))} [talos] failed to apply config:",
    "  1 error occurred:",
    "  \t* machine.network: invalid",
    f"{golog(t(4.6))} machined OK [/machine.MachineService/Version] 1.234567ms unary Success (:authority=10.5.0.2:50000;content-type=application/grpc)",
]
expect["machined"] = {"entries": 5, "levels": {}}

files["controller-runtime"] = [
    f"{iso_ms(t(4.5))} {ESC}[35mDEBUG{ESC}[0m reconcile started {{\"component\": \"controller-runtime\", \"controller\": \"k8s.NodenameController\"}}",
    f"{iso_ms(t(4.4))} {ESC}[34mINFO{ESC}[0m setting resolvers {{\"component\": \"controller-runtime\", \"controller\": \"network.ResolverSpecController\", \"resolvers\": [\"1.1.1.1\"]}}",
    f"{iso_ms(t(4.3))} {ESC}[33mWARN{ESC}[0m retrying {{\"component\": \"controller-runtime\", \"controller\": \"network.AddressSpecController\"}}",
    f"{iso_ms(t(4.2))} {ESC}[31mERROR{ESC}[0m controller failed {{\"component\": \"controller-runtime\", \"controller\": \"k8s.KubeletStaticPodController\", \"error\": \"error refreshing pod status\"}}",
]
expect["controller-runtime"] = {"entries": 4, "levels": {"debug": 1, "info": 1, "warn": 1, "error": 1}}

files["kernel"] = [
    f"kern:    info: [{rfc3339nano(t(old))}]: old kernel line",
    f"kern:    info: [{rfc3339nano(t(6))}]: Linux version 6.12.57-talos (@buildkitsandbox) #1 SMP",
    f"kern: warning: [{rfc3339nano(t(5.9), 6)}]: ACPI: _OSC evaluation for CPUs failed",
    f"kern:     err: [{rfc3339nano(t(5.8))}]: EXT4-fs error (device sda1): bad block",
    f"user: warning: [{rfc3339nano(t(5.7), 6)}]: [talos] task startAllServices (1/1): done, 30.781765505s",
    f"kern:  notice: [{rfc3339nano(t(5.6), 0)}]: random: crng init done",
]
expect["kernel"] = {"entries": 5, "levels": {"info": 2, "warn": 2, "error": 1}}

files["kubelet"] = [
    "Flag --cloud-provider has been deprecated, will be removed in 1.25 or later",
    json.dumps({"ts": epoch_ms(t(old)), "caller": "x.go:1", "msg": "old", "v": 0}, separators=(",", ":")),
    json.dumps({"ts": epoch_ms(t(3)), "caller": "topologymanager/scope.go:110", "msg": "RemoveContainer", "v": 0, "containerID": "0194fac9"}, separators=(",", ":")),
    json.dumps({"ts": epoch_ms(t(2.9)), "caller": "kubelet/kubelet.go:1703", "msg": "Failed creating a mirror pod for", "pod": "kube-system/kube-controller-manager-talos-cp-1", "err": "pods \"kube-controller-manager-talos-cp-1\" already exists"}, separators=(",", ":")),
    json.dumps({"ts": epoch_ms(t(2.8)), "caller": "kubelet/pods.go:12", "msg": "SyncLoop ADD", "v": 2, "source": "api", "pods": ["logging/promtail-x7k2p"]}, separators=(",", ":")),
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "goroutine 1 [running]:",
    '{"ts":1635266764792.7',  # partial line (the 15 s flush cut it): JSON-looking, broken
]
# The partial last line is not shipped until its newline is written.
expect["kubelet"] = {"entries": 6, "levels": {"info": 2, "error": 1}}

files["containerd"] = [
    json.dumps({"level": "warning", "msg": 'cleanup warnings time="2021-10-19T14:52:20Z" level=info msg="starting signal loop" namespace=k8s.io pid=2629\n', "time": rfc3339nano(t(2.5))}, sort_keys=True, separators=(",", ":")),
    json.dumps({"id": "io.containerd.content.v1.content", "level": "info", "msg": "loading plugin", "time": rfc3339nano(t(2.4)), "type": "io.containerd.content.v1"}, sort_keys=True, separators=(",", ":")),
]
expect["containerd"] = {"entries": 2, "levels": {"warn": 1, "info": 1}}
files["cri"] = [
    json.dumps({"error": "failed to pull \u0026 unpack image", "level": "error", "msg": "PullImage failed", "time": rfc3339nano(t(2.3))}, sort_keys=True, separators=(",", ":")),
    json.dumps({"level": "debug", "msg": "ImageStatus", "time": rfc3339nano(t(2.2))}, sort_keys=True, separators=(",", ":")),
]
expect["cri"] = {"entries": 2, "levels": {"error": 1, "debug": 1}}

files["udevd"] = [
    "Using default interface naming scheme 'v257'.",
    "sr0: Process '/usr/bin/unshare -m /usr/bin/snap auto-import --mount=/dev/sr0' failed with exit code 1.",
]
expect["udevd"] = {"entries": 2, "levels": {}}
files["auditd"] = [
    'type=AVC msg=audit(1735830245.123:456): avc:  denied  { read } for  pid=1234 comm="cat" name="x" permissive=1',
]
expect["auditd"] = {"entries": 1, "levels": {}}
files["syslogd"] = [
    json.dumps({"content": "Hello, syslogd!", "facility": 0, "hostname": "localhost", "priority": 6, "severity": 6, "tag": "syslogd_test", "timestamp": rfc3339nano(t(2.0), 0)}, sort_keys=True, separators=(",", ":")),
    json.dumps({"content": "disk failing", "facility": 0, "hostname": "localhost", "priority": 3, "severity": 3, "tag": "smartd", "timestamp": rfc3339nano(t(1.9), 0)}, sort_keys=True, separators=(",", ":")),
]
expect["syslogd"] = {"entries": 2, "levels": {"info": 1, "error": 1}}
files["ext-iscsid"] = [
    "level=info msg=\"iscsid started\" version=2.1.9",
    '{"level":"warn","msg":"no targets"}',
    "plain text from an extension",
]
expect["ext-iscsid"] = {"entries": 3, "levels": {"info": 1, "warn": 1}}

if control_plane:
    files["etcd"] = [
        json.dumps({"level": "info", "ts": rfc3339nano(t(1.5), 6), "caller": "etcdserver/server.go:2140", "msg": "published local member to cluster through raft", "local-member-id": "8e9e05c52164694d"}, separators=(",", ":")),
        json.dumps({"level": "warn", "ts": rfc3339nano(t(1.4), 6), "caller": "etcdserver/util.go:170", "msg": "apply request took too long", "took": "152.1ms"}, separators=(",", ":")),
    ]
    expect["etcd"] = {"entries": 2, "levels": {"info": 1, "warn": 1}}
    files["apid"] = [
        f"{golog(t(1.3))} service.go:36: starting apid with config: listen address [::]:50000",
        f"{golog(t(1.2))} log.go:77: OK [/machine.MachineService/Version] 2.345678ms unary Success (:authority=10.5.0.2:50000)",
    ]
    expect["apid"] = {"entries": 2, "levels": {}}
    files["trustd"] = [
        f"{golog(t(1.1))} reg.go:70: received CSR signing request from 10.5.0.3:41234: subject CN=talos-worker-1",
    ]
    expect["trustd"] = {"entries": 1, "levels": {}}

os.makedirs(root, exist_ok=True)
for service, lines in files.items():
    with open(os.path.join(root, f"{service}.log"), "w") as f:
        body = "\n".join(lines)
        # kubelet ends in a partial line; every other file ends in a newline.
        f.write(body if service == "kubelet" else body + "\n")
# Rotated, pods/containers/audit subtrees: never read by job="machine-logs".
with open(os.path.join(root, "kubelet.log.1"), "w") as f:
    f.write(json.dumps({"ts": epoch_ms(t(10)), "msg": "ROTATED-MUST-NOT-BE-READ", "v": 0}) + "\n")
for sub in ["pods/ns_pod_uid/c", "containers"]:
    os.makedirs(os.path.join(root, sub), exist_ok=True)
with open(os.path.join(root, "pods/ns_pod_uid/c/0.log"), "w") as f:
    f.write(f"{rfc3339nano(t(1))} stdout F POD-LINE-NOT-A-MACHINE-LOG\n")
audit_dir = os.path.join(root, "audit/kube")
os.makedirs(audit_dir, exist_ok=True)
if control_plane:
    def event(verb, user, code, minutes, uri):
        ts = t(minutes)
        return json.dumps({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": f"0f3a2b1c-4d5e-4f70-8192-{int(minutes * 1000):012d}",
            "stage": "ResponseComplete", "requestURI": uri, "verb": verb,
            "user": {"username": user, "groups": ["system:authenticated"]},
            "sourceIPs": ["10.5.0.2"], "userAgent": "kubelet/v1.35.0",
            "objectRef": {"resource": "configmaps", "namespace": "kube-system", "name": "kube-proxy", "apiVersion": "v1"},
            "responseStatus": {"metadata": {}, "code": code},
            "requestReceivedTimestamp": rfc3339nano(ts, 6), "stageTimestamp": rfc3339nano(ts, 6),
            "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""},
        }, separators=(",", ":"))
    with open(os.path.join(audit_dir, "kube-apiserver.log"), "w") as f:
        f.write(event("get", "system:node:talos-cp-1", 200, old, "/api/v1/old") + "\n")
        f.write(event("get", "system:node:talos-cp-1", 200, 1.0, "/api/v1/namespaces/kube-system/configmaps/kube-proxy") + "\n")
        f.write(event("list", "admin", 200, 0.9, "/api/v1/pods?limit=500") + "\n")
        f.write(event("delete", "admin", 403, 0.8, "/api/v1/namespaces/app/secrets/db") + "\n")
    with open(os.path.join(audit_dir, "kube-apiserver-2025-01-02T15-04-05.123.log"), "w") as f:
        f.write(event("get", "ROTATED", 200, 30, "/rotated") + "\n")
    expect["kube-audit"] = {"entries": 3, "verbs": {"get": 1, "list": 1, "delete": 1}}
if "--pods" in sys.argv:
    def cri(ts, line, stream="stdout"):
        return f"{rfc3339nano(ts)} {stream} F {line}"
    secrets = ["hunter2", "s3cr3tT0kenValue42", "cs-1234567", "AKIAIOSFODNN7EXAMPLE", "Sup3rS3cret"]
    pods = {
        ("vault", "vault-0", "vault"): [
            cri(t(3), "level=info msg=\"db connect\" user=app password=hunter2 host=db"),
            cri(t(2.9), "GET /v1/sys HTTP/1.1 Authorization: Bearer s3cr3tT0kenValue42"),
            cri(t(2.8), '{"level":"info","msg":"config","client_secret":"cs-1234567"}'),
            cri(t(2.7), "using AWS credentials AKIAIOSFODNN7EXAMPLE from env", "stderr"),
            cri(t(2.6), "connecting to postgres://app:Sup3rS3cret@db:5432/app"),
            cri(t(2.5), "level=info msg=\"unsealed\" nodes=3"),
        ],
        ("app", "shop-7d9f", "shop"): [
            cri(t(old), "OLD-POD-LINE older than Loki accepts"),
            cri(t(2), '{"level":"error","msg":"payment failed","order":42}'),
            cri(t(1.9), '{"level":"info","msg":"served","path":"/cart"}'),
            cri(t(1.8), "level=warn msg=\"slow query\" password=hunter2"),
        ],
        ("shop", "shop-java-1", "java"): [
            cri(t(1.7), f"{t(1.7).strftime('%Y-%m-%d %H:%M:%S')} ERROR [main] c.e.Shop - payment failed"),
            cri(t(1.69), "java.lang.IllegalStateException: card declined"),
            cri(t(1.68), "\tat com.example.Shop.pay(Shop.java:42)"),
            cri(t(1.6), f"{t(1.6).strftime('%Y-%m-%d %H:%M:%S')} INFO [main] c.e.Shop - retry ok"),
        ],
        ("shop", "cart-1", "cart"): [
            cri(t(1.5), '{"level":"info","component":"billing","trace_id":"4bf92f35","msg":"charged"}'),
        ],
        ("payments", "pay-0", "api"): [cri(t(1.4), "charged 4111 1111 1111 1234 password=hunter2")],
        ("kube-system", "coredns-1", "coredns"): [cri(t(1.5), "[INFO] plugin/reload: Running configuration SHA512 = 1b22"),],
    }
    if agent == "fluent-bit":
        def fb(ts, level, text):
            return ts.strftime("[%Y/%m/%d %H:%M:%S.") + f"{ts.microsecond:06d}000] [{level:>5}] {text}"
        pods[("logging", "fluent-bit-abcde", "fluent-bit")] = [
            cri(t(1.2), fb(t(1.2), "debug", "[input:tail:kubernetes-pods] inode=1 file=/var/log/pods/x/0.log promote to TAIL_EVENT")),
            cri(t(1.1), fb(t(1.1), "info", "[output:loki:loki] configured, hostname loki.logging.svc:3100")),
        ]
    else:
        pods[("logging", "promtail-abcde", "promtail")] = [
            cri(t(1.2), 'level=debug ts=2026-11-30T23:58:00Z caller=tailer.go:1 msg="tail routine: tail channel closed"'),
            cri(t(1.1), 'level=info ts=2026-11-30T23:58:00Z caller=filetargetmanager.go:1 msg="Adding target"'),
        ]
    if "--load" in sys.argv:
        n = int(sys.argv[sys.argv.index("--load") + 1])
        kinds = ['{{"level":"info","msg":"request served","path":"/api/v1/items/{i}","status":200}}',
                 'level=warn msg="slow request" path=/api/v1/items/{i} duration=1.2s',
                 'GET /api/v1/items/{i} HTTP/1.1 200 512 "-" "curl/8.5"']
        pods[("load", "load-0", "load")] = [cri(t(60 - 60 * i / n), kinds[i % 3].format(i=i)) for i in range(n)]
        expect["pods"] = {"load": n}
    # Opted out by annotation, on the pod and on its namespace: never shipped (the
    # Promtail check replaces discovery, so only the Fluent Bit check has these).
    optout = {("app", "quiet-1", "quiet"): [cri(t(1), "OPTED-OUT pod line")],
              ("optout", "noisy-1", "noisy"): [cri(t(1), "OPTED-OUT namespace line")]}
    if agent == "fluent-bit":
        pods.update(optout)
    # The Kubernetes objects a stand-in API serves for these pods: labels that give each
    # pod's `app` the way a cluster would (a recommended label, a classic one, a
    # Deployment's ReplicaSet, the pod name), and the opt-out annotations.
    objects = {"pods": {}, "namespaces": {"optout": {"logs.lokistack.krm.dev/enabled": "False"}}}
    for (ns, pod, container) in pods:
        meta = {"labels": {"app.kubernetes.io/name": container}, "annotations": {}, "ownerReferences": []}
        if pod == "shop-7d9f":
            meta["labels"] = {"pod-template-hash": "5d4f8c7b9"}
            meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "shop-5d4f8c7b9", "uid": "u1", "controller": True}]
        elif pod == "coredns-1":
            meta["labels"] = {"k8s-app": "coredns"}
        elif pod == "quiet-1":
            meta["annotations"] = {"logs.lokistack.krm.dev/enabled": "false"}
        objects["pods"][f"{ns}/{pod}"] = dict(meta, container=container)
    # The pods/ file that job="machine-logs" must not read is a pod like any other.
    objects["pods"]["ns/pod"] = {"labels": {"app.kubernetes.io/name": "c"}, "annotations": {}, "ownerReferences": [], "container": "c"}
    with open(os.path.join(os.path.dirname(os.path.abspath(root)), "kube-objects.json"), "w") as f:
        json.dump(objects, f, indent=1, sort_keys=True)
    for (ns, pod, container), lines in pods.items():
        d = os.path.join(root, "pods", f"{ns}_{pod}_uid", container)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "0.log"), "w") as f:
            f.write("\n".join(lines) + "\n")
    expect.setdefault("pods", {})["secrets"] = secrets
if "--receiver" in sys.argv:
    # Talos' json_lines: msg, talos-level, talos-service, talos-time (RFC 3339 nano);
    # kernel lines have facility, priority, seq, clock and no talos-service.
    def sent(minutes, service, level, msg, **extra):
        line = {"msg": msg, "talos-level": level, "talos-time": rfc3339nano(t(minutes))}
        if service:
            line["talos-service"] = service
        line.update(extra)
        return json.dumps(line, separators=(",", ":"))
    with open(sys.argv[sys.argv.index("--receiver") + 1], "w") as f:
        for line in [
            sent(2.0, "legacy-svc", "info", "[talos] RECEIVED service started"),
            sent(1.9, "legacy-svc", "warn", "RECEIVED retrying in 5s"),
            sent(1.8, "legacy-svc", "error", "RECEIVED failed: \x1b[31mboom\x1b[0m".replace("\\x1b", ESC)),
            sent(old, "legacy-svc", "info", "RECEIVED-BUT-TOO-OLD"),
            sent(1.7, "machined", "info", "[talos] RECEIVED-TWICE machined also has a file"),
            sent(1.6, None, "warn", "RECEIVED-KERNEL kernel also has a file\n", facility="kern", priority="warning", seq=7, clock=123),
        ]:
            f.write(line + "\n")
    expect["legacy-svc"] = {"entries": 3, "levels": {"info": 1, "warn": 1, "error": 1}}
json.dump(expect, sys.stdout, indent=1, sort_keys=True)
print()
