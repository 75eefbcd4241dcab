//! The `machine-logs` and `kube-audit` pipelines run (by `sim`) over realistic lines of
//! every Talos service, written from the Talos 1.12/1.13 sources.

use super::model::Stage;
use super::sim::{self, Entry, NOW_NS};
use super::tests::resolved;
use super::{AUDIT_JOB, SYSTEM_JOB, build};

fn stages(job: &str, extra: &str) -> Vec<Stage> {
    build(&resolved(extra))
        .scrape_configs
        .into_iter()
        .find(|s| s.job_name == job)
        .map(|s| s.pipeline_stages)
        .unwrap_or_else(|| panic!("no job {job}"))
}

fn machine(service: &str, line: &str) -> Entry {
    let filename = format!("/var/log/{service}.log");
    sim::run(
        &stages(SYSTEM_JOB, ""),
        &[
            ("job", SYSTEM_JOB),
            ("node", "talos-cp-1"),
            ("filename", &filename),
        ],
        line,
    )
}

/// 2026-11-30T23:58:00Z and friends, as each service writes them.
pub(crate) const T_NS: i128 = NOW_NS - 120 * 1_000_000_000;

/// (service, line, level, time taken from the line)
pub(crate) const SAMPLES: &[(&str, &str, Option<&str>, bool)] = &[
    (
        "machined",
        "2026/11/30 23:58:00.000000 [talos] task startAllServices (1/1): done, 30.781765505s",
        None,
        true,
    ),
    (
        "machined",
        "2026/11/30 23:58:00.000000 [talos] setting resolvers {\"component\": \"controller-runtime\", \"controller\": \"network.ResolverSpecController\", \"resolvers\": [\"1.1.1.1\"]}",
        None,
        true,
    ),
    (
        "machined",
        "2026/11/30 23:58:00.000000 machined OK [/machine.MachineService/Version] 1.234567ms unary Success (:authority=10.5.0.2:50000)",
        None,
        true,
    ),
    ("machined", "  \t* machine.network: invalid", None, false),
    (
        "controller-runtime",
        "2026-11-30T23:58:00.000Z \u{1b}[34mINFO\u{1b}[0m setting resolvers {\"component\": \"controller-runtime\"}",
        Some("info"),
        true,
    ),
    (
        "controller-runtime",
        "2026-11-30T23:58:00.000Z \u{1b}[35mDEBUG\u{1b}[0m reconcile {\"controller\": \"k8s.NodenameController\"}",
        Some("debug"),
        true,
    ),
    (
        "controller-runtime",
        "2026-11-30T23:58:00.000Z \u{1b}[33mWARN\u{1b}[0m retrying {\"controller\": \"network.AddressSpecController\"}",
        Some("warn"),
        true,
    ),
    (
        "early-startup",
        "2026-11-30T23:58:00.000Z \u{1b}[31mERROR\u{1b}[0m controller failed {\"error\": \"x\"}",
        Some("error"),
        true,
    ),
    (
        "dns-resolve-cache",
        "2026-11-30T23:58:00.000Z \u{1b}[34mINFO\u{1b}[0m serving",
        Some("info"),
        true,
    ),
    (
        "kernel",
        "kern:    info: [2026-11-30T23:58:00Z]: Linux version 6.12.57-talos",
        Some("info"),
        true,
    ),
    (
        "kernel",
        "kern: warning: [2026-11-30T23:58:00.000000Z]: ACPI: _OSC evaluation for CPUs failed",
        Some("warn"),
        true,
    ),
    (
        "kernel",
        "kern:     err: [2026-11-30T23:58:00.000000000Z]: EXT4-fs error (device sda1)",
        Some("error"),
        true,
    ),
    (
        "kernel",
        "kern:    crit: [2026-11-30T23:58:00Z]: Out of memory: Killed process 1234",
        Some("fatal"),
        true,
    ),
    (
        "kernel",
        "user: warning: [2026-11-30T23:58:00.0Z]: [talos] task startAllServices (1/1): done",
        Some("warn"),
        true,
    ),
    (
        "kernel",
        "kern:  notice: [2026-11-30T23:58:00Z]: random: crng init done",
        Some("info"),
        true,
    ),
    ("kernel", " SUBSYSTEM=pci", None, false),
    (
        "kubelet",
        "{\"ts\":1796083080000.703,\"caller\":\"topologymanager/scope.go:110\",\"msg\":\"RemoveContainer\",\"v\":0,\"containerID\":\"0194fac9\"}",
        Some("info"),
        true,
    ),
    (
        "kubelet",
        "{\"ts\":1796083080000,\"caller\":\"kubelet/kubelet.go:1703\",\"msg\":\"Failed creating a mirror pod for\",\"pod\":\"kube-system/kcm\",\"err\":\"pods \\\"kcm\\\" already exists\"}",
        Some("error"),
        true,
    ),
    (
        "kubelet",
        "{\"ts\":1796083080000.1,\"caller\":\"kubelet/pods.go:12\",\"msg\":\"SyncLoop ADD\",\"v\":2,\"pods\":[\"logging/promtail-x7k2p\"]}",
        Some("info"),
        true,
    ),
    (
        "kubelet",
        "I1130 23:58:00.000000    1234 server.go:123] \"Kubelet version\" kubeletVersion=\"v1.35.0\"",
        Some("info"),
        false,
    ),
    (
        "kubelet",
        "E1130 23:58:00.000000    1234 pod_workers.go:1301] \"Error syncing pod\" err=\"x\"",
        Some("error"),
        false,
    ),
    (
        "kubelet",
        "Flag --cloud-provider has been deprecated, will be removed in 1.25 or later",
        None,
        false,
    ),
    (
        "kubelet",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        None,
        false,
    ),
    (
        "containerd",
        "{\"level\":\"warning\",\"msg\":\"cleanup warnings time=\\\"2021-10-19T14:52:20Z\\\" level=info msg=\\\"starting signal loop\\\"\\n\",\"time\":\"2026-11-30T23:58:00.000000000Z\"}",
        Some("warn"),
        true,
    ),
    (
        "containerd",
        "{\"id\":\"io.containerd.content.v1.content\",\"level\":\"info\",\"msg\":\"loading plugin\",\"time\":\"2026-11-30T23:58:00.000000000Z\"}",
        Some("info"),
        true,
    ),
    (
        "cri",
        "{\"error\":\"failed to pull \\u0026 unpack\",\"level\":\"error\",\"msg\":\"PullImage failed\",\"time\":\"2026-11-30T23:58:00.000000000Z\"}",
        Some("error"),
        true,
    ),
    (
        "etcd",
        "{\"level\":\"info\",\"ts\":\"2026-11-30T23:58:00.000000Z\",\"caller\":\"etcdserver/server.go:2140\",\"msg\":\"published local member\"}",
        Some("info"),
        true,
    ),
    (
        "etcd",
        "{\"level\":\"warn\",\"ts\":\"2026-11-30T23:58:00.000+0000\",\"caller\":\"etcdserver/util.go:170\",\"msg\":\"apply request took too long\"}",
        Some("warn"),
        true,
    ),
    (
        "apid",
        "2026/11/30 23:58:00.000000 service.go:36: starting apid with config: listen address [::]:50000",
        None,
        true,
    ),
    (
        "trustd",
        "2026/11/30 23:58:00.000000 reg.go:70: received CSR signing request from 10.5.0.3:41234",
        None,
        true,
    ),
    (
        "udevd",
        "sr0: Process '/usr/bin/unshare' failed with exit code 1.",
        None,
        false,
    ),
    (
        "auditd",
        "type=AVC msg=audit(1735830245.123:456): avc:  denied  { read } for  pid=1234 comm=\"cat\"",
        None,
        false,
    ),
    (
        "syslogd",
        "{\"content\":\"Hello\",\"facility\":0,\"hostname\":\"localhost\",\"priority\":6,\"severity\":6,\"tag\":\"t\",\"timestamp\":\"2026-11-30T23:58:00Z\"}",
        Some("info"),
        true,
    ),
    (
        "syslogd",
        "{\"content\":\"disk\",\"facility\":0,\"severity\":2,\"tag\":\"smartd\",\"timestamp\":\"2026-11-30T23:58:00Z\"}",
        Some("fatal"),
        true,
    ),
    (
        "ext-iscsid",
        "level=info msg=\"iscsid started\" version=2.1.9",
        Some("info"),
        false,
    ),
    (
        "ext-iscsid",
        "{\"level\":\"WARN\",\"msg\":\"no targets\"}",
        Some("warn"),
        false,
    ),
    ("dashboard", "plain text on stderr", None, false),
];

#[test]
fn every_service_gets_its_level_and_time_from_its_own_format() {
    for (service, line, level, timed) in SAMPLES {
        let e = machine(service, line);
        let at = format!("{service}: {line}");
        assert!(e.misfires.is_empty(), "{at}: {:?}", e.misfires);
        assert_eq!(e.dropped, None, "{at}");
        assert_eq!(
            e.labels.get("service").map(String::as_str),
            Some(*service),
            "{at}"
        );
        assert_eq!(e.labels.get("level").map(String::as_str), *level, "{at}");
        assert_eq!(
            e.labels.get("job").map(String::as_str),
            Some(SYSTEM_JOB),
            "{at}"
        );
        assert!(
            !e.labels.contains_key("filename"),
            "{at}: filename is dropped"
        );
        let keys: Vec<&str> = e.labels.keys().map(String::as_str).collect();
        assert!(
            keys.iter()
                .all(|k| ["job", "node", "service", "level"].contains(k)),
            "{at}: labels {keys:?}"
        );
        assert!(!e.line.contains('\u{1b}'), "{at}: ANSI escapes stripped");
        if *timed {
            let t = e
                .time
                .unwrap_or_else(|| panic!("{at}: no time from the line"));
            assert!((t - T_NS).abs() < 1_000_000_000, "{at}: time {t} != {T_NS}");
        } else {
            assert_eq!(e.time, None, "{at}: read time");
        }
    }
}

/// Broken shapes: a line cut by the 15 s flush, garbage, stack traces.
pub(crate) const BROKEN: &[&str] = &[
    "{\"ts\":1796083080000.7",
    "{not json at all",
    "level=info msg=\"unterminated",
    "goroutine 1 [running]:",
    "2026/11/30 23:58:00 [talos] no microseconds",
    "kern: info: [not a time]: x",
    "",
];

#[test]
fn no_stage_misfires_on_a_line_of_another_service() {
    let services: Vec<&str> = SAMPLES.iter().map(|s| s.0).chain(["ext-other"]).collect();
    for (_, line, _, _) in SAMPLES {
        for service in &services {
            let e = machine(service, line);
            assert!(
                e.misfires.is_empty(),
                "{service} <- {line}: {:?}",
                e.misfires
            );
        }
    }
    for line in BROKEN {
        for service in &services {
            let e = machine(service, line);
            let logged: Vec<&String> = e
                .misfires
                .iter()
                .filter(|m| !m.starts_with("json stage"))
                .collect();
            assert!(logged.is_empty(), "{service} <- {line}: {logged:?}");
        }
    }
}

#[test]
fn system_lines_older_than_loki_accepts_are_dropped() {
    let e = machine(
        "kernel",
        "kern:    info: [2026-11-27T00:00:00Z]: four days old",
    );
    assert_eq!(e.dropped.as_deref(), Some(super::TOO_OLD_REASON));
    let e = machine(
        "kubelet",
        "{\"ts\":1795737600000.5,\"msg\":\"old\",\"v\":0}",
    );
    assert_eq!(e.dropped.as_deref(), Some(super::TOO_OLD_REASON));
}

#[test]
fn only_files_directly_under_var_log_are_read_and_not_the_rotated_ones() {
    let job = build(&resolved(""))
        .scrape_configs
        .into_iter()
        .find(|s| s.job_name == SYSTEM_JOB)
        .unwrap_or_else(|| panic!("no machine-logs job"));
    let glob = &job.static_configs[0].labels["__path__"];
    assert_eq!(glob, "/var/log/*.log");
    // Go's filepath.Match semantics for this glob: one path element, ending in .log.
    for (path, read) in [
        ("/var/log/kubelet.log", true),
        ("/var/log/ext-iscsid.log", true),
        ("/var/log/kubelet.log.1", false),
        ("/var/log/pods/ns_pod_uid/c/0.log", false),
        ("/var/log/containers/x.log", false),
        ("/var/log/audit/kube/kube-apiserver.log", false),
    ] {
        let name = path.strip_prefix("/var/log/").unwrap_or(path);
        let matches = !name.contains('/') && name.ends_with(".log");
        assert_eq!(matches, read, "{path}");
    }
}

#[test]
fn system_and_audit_jobs_are_on_by_default_and_can_be_turned_off() {
    let jobs = |extra: &str| -> Vec<&'static str> {
        build(&resolved(extra))
            .scrape_configs
            .iter()
            .map(|s| s.job_name)
            .collect()
    };
    assert_eq!(jobs(""), ["kubernetes-pods", SYSTEM_JOB, AUDIT_JOB]);
    assert_eq!(
        jobs("  collector: {talos: {systemLogs: false, auditLogs: false}}\n"),
        ["kubernetes-pods"]
    );
}

pub(crate) const AUDIT_EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0f3a2b1c-4d5e-4f70-8192-a3b4c5d6e7f8","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/configmaps/kube-proxy","verb":"get","user":{"username":"system:node:talos-cp-1","groups":["system:nodes"]},"sourceIPs":["10.5.0.2"],"objectRef":{"resource":"configmaps","namespace":"kube-system","name":"kube-proxy","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-30T23:57:59.999000Z","stageTimestamp":"2026-11-30T23:58:00.000000Z"}"#;

#[test]
fn audit_events_get_a_verb_label_and_the_rest_as_structured_metadata() {
    let e = sim::run(
        &stages(AUDIT_JOB, ""),
        &[
            ("job", AUDIT_JOB),
            ("node", "talos-cp-1"),
            ("filename", "/var/log/audit/kube/kube-apiserver.log"),
        ],
        AUDIT_EVENT,
    );
    assert!(e.misfires.is_empty(), "{:?}", e.misfires);
    let labels: Vec<(&str, &str)> = e
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [("job", AUDIT_JOB), ("node", "talos-cp-1"), ("verb", "get")]
    );
    assert_eq!(e.metadata["user"], "system:node:talos-cp-1");
    assert_eq!(
        e.metadata["audit_id"],
        "0f3a2b1c-4d5e-4f70-8192-a3b4c5d6e7f8"
    );
    assert_eq!(e.metadata["resource"], "configmaps");
    assert_eq!(e.metadata["status_code"], "200");
    assert_eq!(e.time, Some(T_NS));
    assert_eq!(e.line, AUDIT_EVENT, "the event is stored as it is");
}
