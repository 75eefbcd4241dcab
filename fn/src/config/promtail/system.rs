//! `job="machine-logs"`: what Talos (>= 1.12) itself writes to `/var/log/<service>.log`
//! on every node: machined, kubelet, containerd, cri, kernel, controller-runtime,
//! udevd, auditd, syslogd, dashboard, `ext-<name>` for extensions, and on control
//! planes apid, trustd and etcd. These are not CRI files (no `cri` stage); each
//! service has its own line format (read from the Talos 1.12/1.13 sources), so the
//! level and the time are taken per service, each stage gated by the line's shape:
//!
//! | service | line | level | time |
//! |---|---|---|---|
//! | kubelet | component-base JSON, `ts` float epoch ms | `err` present: error, else info | `ts` |
//! | kubelet (text, if the format was overridden) | klog `I0102 15:04:05.123456 ...` | I/W/E/F | - (no year) |
//! | containerd, cri | logrus JSON | `level` (`warning`) | `time` |
//! | etcd | zap JSON | `level` | `ts` |
//! | machined, apid, trustd | `2025/01/02 15:04:05.123456 ...`; machined has continuation lines | - | prefix |
//! | controller-runtime, early-startup, dns-resolve-cache | zap console, level in ANSI colours | token | prefix |
//! | kernel | `kern:    info: [RFC3339]: msg` | priority | `[...]` |
//! | syslogd | JSON, numeric `severity` | severity | `timestamp` |
//! | others | JSON or logfmt if the line is | `level` if present | read time |
//!
//! Rotation renames a file to `<service>.log.1` at 5 MiB: the glob takes only `*.log`
//! directly under /var/log, so neither `.1` files nor the pods, containers and audit
//! subtrees are read by this job.

use std::collections::BTreeMap;

use super::levels::{JSON_LINE, level_label, parse_json_or_logfmt};
use super::model::{Json, Multiline, Regex, ScrapeConfig, Stage, StaticConfig, Template};
use super::redact;
use super::stages::NODE_ENV;
use super::stages::{drop_too_old, selector, stream, timestamp, with_match};
use crate::collection::levels::{KLOG_SEVERITIES, SYSLOG_SEVERITIES};
use crate::collection::talos::known_services;
use crate::spec::Resolved;

pub const JOB: &str = crate::collection::MACHINE_JOB;
/// Files directly under /var/log.
pub const PATH_GLOB: &str = crate::collection::talos::SERVICE_LOG_GLOB;
/// The service is the file's name.
pub const SERVICE_FROM_FILENAME: &str = "^/var/log/(?P<service>[^/]+)[.]log$";

pub use crate::collection::talos::{
    EPOCH_MS_VALUE, GO_LOG_TIME, ISO8601_VALUE, KERNEL_LINE, KLOG_LINE, RFC3339_VALUE, ZAP_CONSOLE,
};
/// Go layouts of the line shapes in `collection::talos`.
pub const GO_LOG_LAYOUT: &str = "2006/01/02 15:04:05.000000";
/// ISO8601 with or without a colon in the offset; fractions are accepted when parsing.
pub const ISO8601_LAYOUT: &str = "2006-01-02T15:04:05Z0700";

fn service(services: &[&str]) -> String {
    if let [one] = services {
        stream(&[("job", "=", JOB), ("service", "=", one)])
    } else {
        stream(&[("job", "=", JOB), ("service", "=~", &services.join("|"))])
    }
}

fn regex(expression: &str) -> Stage {
    Stage::Regex(Regex {
        expression: expression.to_owned(),
        source: None,
    })
}

fn json(pairs: &[(&str, &str)]) -> Stage {
    Stage::Json(Json {
        expressions: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    })
}

/// The entry's time from the extracted `raw` value, if it has the shape of `value`
/// (a regex with a `time` group) and parses as `format`.
pub fn time_from(raw: &'static str, value: &str, format: &'static str) -> [Stage; 2] {
    [
        Stage::Regex(Regex {
            expression: value.to_owned(),
            source: Some(raw),
        }),
        timestamp("time", format),
    ]
}

/// A template that turns `level` values of one format into `LEVELS` spellings;
/// consecutive values with the same level share one `eq`.
fn map_level(pairs: &[(&str, &str)]) -> Stage {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for (from, to) in pairs {
        match groups.last_mut() {
            Some((froms, last)) if last == to => froms.push(from),
            _ => groups.push((vec![from], to)),
        }
    }
    let mut t = String::new();
    for (i, (froms, to)) in groups.iter().enumerate() {
        t.push_str(if i == 0 { "{{ if " } else { "{{ else if " });
        let quoted: Vec<String> = froms.iter().map(|f| format!("\"{f}\"")).collect();
        t.push_str(&format!("eq .Value {} }}}}{to}", quoted.join(" ")));
    }
    t.push_str("{{ else }}{{ .Value }}{{ end }}");
    Stage::Template(Template {
        source: "level",
        template: serde_saphyr::LitString(t),
    })
}

fn json_lines(services: &[&str]) -> String {
    selector(&service(services), &[("|~", JSON_LINE)])
}

fn per_service() -> Vec<Stage> {
    vec![
        // machined's multi-line messages continue on lines without the time prefix.
        with_match(
            service(&["machined"]),
            vec![Stage::Multiline(Multiline {
                firstline: "^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:".to_owned(),
                max_wait_time: "3s".to_owned(),
                max_lines: 128,
            })],
        ),
        with_match(
            json_lines(&["kubelet"]),
            [json(&[
                ("level", "err && 'error' || 'info'"),
                ("raw_time", "ts"),
            ])]
            .into_iter()
            .chain(time_from("raw_time", EPOCH_MS_VALUE, "UnixMs"))
            .collect(),
        ),
        with_match(
            selector(&service(&["kubelet"]), &[("|~", KLOG_LINE)]),
            vec![regex(KLOG_LINE), map_level(&KLOG_SEVERITIES)],
        ),
        with_match(
            json_lines(&["containerd", "cri"]),
            [json(&[("level", "level"), ("raw_time", "time")])]
                .into_iter()
                .chain(time_from("raw_time", RFC3339_VALUE, "RFC3339Nano"))
                .collect(),
        ),
        with_match(
            json_lines(&["etcd"]),
            [json(&[("level", "level"), ("raw_time", "ts")])]
                .into_iter()
                .chain(time_from("raw_time", ISO8601_VALUE, ISO8601_LAYOUT))
                .collect(),
        ),
        with_match(
            selector(
                &service(&["machined", "apid", "trustd"]),
                &[("|~", GO_LOG_TIME)],
            ),
            vec![regex(GO_LOG_TIME), timestamp("time", GO_LOG_LAYOUT)],
        ),
        with_match(
            selector(
                &service(&["controller-runtime", "early-startup", "dns-resolve-cache"]),
                &[("|~", ZAP_CONSOLE)],
            ),
            vec![regex(ZAP_CONSOLE), timestamp("time", ISO8601_LAYOUT)],
        ),
        with_match(
            selector(&service(&["kernel"]), &[("|~", KERNEL_LINE)]),
            vec![regex(KERNEL_LINE), timestamp("time", "RFC3339Nano")],
        ),
        with_match(
            json_lines(&["syslogd"]),
            [
                json(&[("level", "severity"), ("raw_time", "timestamp")]),
                // syslog severities 0 (emerg) to 7 (debug).
                map_level(&SYSLOG_SEVERITIES),
            ]
            .into_iter()
            .chain(time_from("raw_time", RFC3339_VALUE, "RFC3339Nano"))
            .collect(),
        ),
    ]
}

fn pipeline(r: &Resolved) -> Vec<Stage> {
    let mut out = vec![
        Stage::Regex(Regex {
            expression: SERVICE_FROM_FILENAME.to_owned(),
            source: Some("filename"),
        }),
        Stage::Labels(BTreeMap::from([(
            "service".to_owned(),
            "service".to_owned(),
        )])),
        Stage::Labeldrop(vec!["filename"]),
        // controller-runtime colours its levels; no ANSI escape reaches Loki.
        Stage::Decolorize(BTreeMap::new()),
    ];
    out.extend(per_service());
    out.extend(parse_json_or_logfmt(
        &stream(&[
            ("job", "=", JOB),
            ("service", "!~", &known_services().join("|")),
        ]),
        &[],
    ));
    out.extend(level_label());
    out.push(drop_too_old(r));
    out.extend(redact::for_node_files(r));
    out
}

pub fn scrape_config(r: &Resolved) -> ScrapeConfig {
    ScrapeConfig {
        job_name: JOB,
        kubernetes_sd_configs: Vec::new(),
        static_configs: vec![StaticConfig {
            targets: vec!["localhost"],
            labels: BTreeMap::from([
                ("job", JOB.to_owned()),
                ("node", format!("${{{NODE_ENV}}}")),
                ("__path__", PATH_GLOB.to_owned()),
            ]),
        }],
        pipeline_stages: pipeline(r),
        relabel_configs: Vec::new(),
    }
}
