//! `promtail.yaml` of Promtail 3.6, the subset this stack sets.
//!
//! Promtail runs with `-config.expand-env=true` so that pod discovery can be limited to
//! its own node (`spec.nodeName=${HOSTNAME}`). Promtail's env expansion also rewrites
//! `$$`, `\\` and `\/` and expands every `${...}`, so the rendered file must contain none
//! of those but `${HOSTNAME}`: `check_expand_env_safe` enforces it, which is why the
//! regular expressions below avoid backslashes (`[{]` instead of `\{`).

use serde::Serialize;
use std::collections::BTreeMap;

use crate::spec::Resolved;

pub const CONFIG_DIR: &str = "/etc/promtail";
pub const CONFIG_FILE: &str = "promtail.yaml";
/// Where the host's positions directory is mounted in the container.
pub const POSITIONS_MOUNT: &str = "/var/lib/promtail";
pub const PODS_LOG_DIR: &str = "/var/log/pods";
pub const HTTP_PORT: u16 = 9080;
pub const JOB: &str = "kubernetes-pods";
/// The only variable the config may reference (set from `spec.nodeName`).
pub const NODE_ENV: &str = "HOSTNAME";

#[derive(Debug, Serialize)]
pub struct Config {
    pub server: Server,
    pub clients: Vec<Client>,
    pub positions: Positions,
    pub scrape_configs: Vec<ScrapeConfig>,
    pub tracing: Tracing,
}

#[derive(Debug, Serialize)]
pub struct Server {
    pub http_listen_port: u16,
    /// 0: no gRPC listener. Its default, 9095, is Loki's gRPC port.
    pub grpc_listen_port: u16,
    pub log_level: &'static str,
    pub log_format: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Client {
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Positions {
    pub filename: String,
}

#[derive(Debug, Serialize)]
pub struct Tracing {
    pub enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct ScrapeConfig {
    pub job_name: &'static str,
    pub kubernetes_sd_configs: Vec<KubernetesSd>,
    pub pipeline_stages: Vec<Stage>,
    pub relabel_configs: Vec<Relabel>,
}

#[derive(Debug, Serialize)]
pub struct KubernetesSd {
    pub role: &'static str,
    pub selectors: Vec<SdSelector>,
}

#[derive(Debug, Serialize)]
pub struct SdSelector {
    pub role: &'static str,
    pub field: String,
}

/// One pipeline stage; serialized as `{<stage name>: <config>}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Cri(BTreeMap<String, String>),
    Match(Match),
    Json(Json),
    Logfmt(Logfmt),
    Template(Template),
    Labels(BTreeMap<String, String>),
}

#[derive(Debug, Serialize)]
pub struct Match {
    pub selector: String,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Serialize)]
pub struct Json {
    pub expressions: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Logfmt {
    pub mapping: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Template {
    pub source: &'static str,
    pub template: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Relabel {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_labels: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separator: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_label: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<&'static str>,
    pub action: &'static str,
}

/// Lines that look like a JSON object.
pub const JSON_LINE: &str = "^[[:space:]]*[{]";

/// A line go-logfmt decodes without error (Promtail logs `level=error ... failed to
/// decode logfmt` for any other line fed to its logfmt stage). Deliberately stricter
/// than the decoder: a quoted value may hold no backslash, backtick or control
/// character or '[', keys no U+FFFD, and pairs must be separated by blanks. Lines it refuses
/// are still shipped, just without a parsed level. Lines over 64 KiB exceed the
/// decoder's buffer and are not gated (see README, "Known limits").
pub const LOGFMT_LINE: &str = concat!(
    "^[[:cntrl:] ]*",
    "[^[:cntrl:] =\"\u{FFFD}]+(=([^[:cntrl:] =\"]*|\"([^[:cntrl:][:punct:]]|[]!#-/:-@^_{-~])*\"))?",
    "([[:cntrl:] ]+",
    "[^[:cntrl:] =\"\u{FFFD}]+(=([^[:cntrl:] =\"]*|\"([^[:cntrl:][:punct:]]|[]!#-/:-@^_{-~])*\"))?",
    ")*[[:cntrl:] ]*$",
);

/// A `level=` key somewhere in the line.
pub const HAS_LEVEL_KEY: &str = "(^|[[:cntrl:] ])level=";

/// The fixed set of `level` label values, and what maps onto each (lowercased).
pub const LEVELS: [(&str, &[&str]); 6] = [
    ("trace", &["trace", "trc", "10"]),
    ("debug", &["debug", "dbg", "dbug", "20"]),
    (
        "info",
        &[
            "info",
            "inf",
            "information",
            "informational",
            "notice",
            "30",
        ],
    ),
    ("warn", &["warn", "warning", "wrn", "40"]),
    ("error", &["error", "err", "eror", "50"]),
    (
        "fatal",
        &[
            "fatal",
            "ftl",
            "critical",
            "crit",
            "panic",
            "dpanic",
            "alert",
            "emerg",
            "emergency",
            "60",
        ],
    ),
];
/// What any other non-empty level becomes, so the label's cardinality stays bounded.
pub const OTHER_LEVEL: &str = "unknown";

/// Go template for Promtail's `template` stage: lowercases the extracted `level` and
/// maps it onto `LEVELS`. An absent level renders empty, which leaves it unset.
pub fn level_template() -> String {
    let mut t = String::from("{{ if .Value }}{{ with ToLower .Value }}");
    for (i, (level, spellings)) in LEVELS.iter().enumerate() {
        let cond = spellings
            .iter()
            .map(|s| format!("(eq . \"{s}\")"))
            .collect::<Vec<_>>()
            .join(" ");
        t.push_str(if i == 0 {
            "{{ if or "
        } else {
            "{{ else if or "
        });
        t.push_str(&cond);
        t.push_str(&format!(" }}}}{level}"));
    }
    t.push_str(&format!(
        "{{{{ else }}}}{OTHER_LEVEL}{{{{ end }}}}{{{{ end }}}}{{{{ end }}}}"
    ));
    t
}

fn relabel_replace(source: &[&'static str], target: &'static str) -> Relabel {
    Relabel {
        source_labels: source.to_vec(),
        target_label: Some(target),
        action: "replace",
        ..Relabel::default()
    }
}

fn pipeline() -> Vec<Stage> {
    let selector = |filters: &str| format!("{{job=\"{JOB}\"}} {filters}");
    vec![
        Stage::Cri(BTreeMap::new()),
        Stage::Match(Match {
            selector: selector(&format!("|~ `{JSON_LINE}`")),
            stages: vec![Stage::Json(Json {
                expressions: BTreeMap::from([
                    ("level".to_owned(), "level || lvl || severity".to_owned()),
                    ("msg".to_owned(), "msg || message".to_owned()),
                ]),
            })],
        }),
        Stage::Match(Match {
            selector: selector(&format!(
                "!~ `{JSON_LINE}` |~ `{HAS_LEVEL_KEY}` |~ `{LOGFMT_LINE}`"
            )),
            stages: vec![Stage::Logfmt(Logfmt {
                mapping: BTreeMap::from([("level".to_owned(), "level".to_owned())]),
            })],
        }),
        Stage::Template(Template {
            source: "level",
            template: level_template(),
        }),
        Stage::Labels(BTreeMap::from([("level".to_owned(), "level".to_owned())])),
    ]
}

fn relabels(r: &Resolved) -> Vec<Relabel> {
    let mut out = Vec::new();
    if !r.collector.exclude_namespaces.is_empty() {
        out.push(Relabel {
            source_labels: vec!["__meta_kubernetes_namespace"],
            regex: Some(r.collector.exclude_namespaces.join("|")),
            action: "drop",
            ..Relabel::default()
        });
    }
    out.extend([
        // Promtail tails only targets whose __host__ is its own HOSTNAME (the node).
        relabel_replace(&["__meta_kubernetes_pod_node_name"], "__host__"),
        Relabel {
            source_labels: vec!["__meta_kubernetes_pod_controller_name"],
            regex: Some("([0-9a-z-.]+?)(-[0-9a-f]{8,10})?".to_owned()),
            target_label: Some("__tmp_controller_name"),
            action: "replace",
            ..Relabel::default()
        },
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_label_app_kubernetes_io_name",
                "__meta_kubernetes_pod_label_app",
                "__tmp_controller_name",
                "__meta_kubernetes_pod_name",
            ],
            regex: Some("^;*([^;]+)(;.*)?$".to_owned()),
            target_label: Some("app"),
            action: "replace",
            ..Relabel::default()
        },
        relabel_replace(&["__meta_kubernetes_namespace"], "namespace"),
        relabel_replace(&["__meta_kubernetes_pod_name"], "pod"),
        relabel_replace(&["__meta_kubernetes_pod_container_name"], "container"),
        relabel_replace(&["__meta_kubernetes_pod_node_name"], "node"),
        Relabel {
            target_label: Some("job"),
            replacement: Some(JOB),
            action: "replace",
            ..Relabel::default()
        },
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_uid",
                "__meta_kubernetes_pod_container_name",
            ],
            separator: Some("/"),
            target_label: Some("__path__"),
            replacement: Some("/var/log/pods/*$1/*.log"),
            action: "replace",
            ..Relabel::default()
        },
        // Static pods (the control plane on Talos) log under their config hash, not the
        // mirror pod's UID.
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash",
                "__meta_kubernetes_pod_annotation_kubernetes_io_config_hash",
                "__meta_kubernetes_pod_container_name",
            ],
            separator: Some("/"),
            regex: Some("true/(.*)".to_owned()),
            target_label: Some("__path__"),
            replacement: Some("/var/log/pods/*$1/*.log"),
            action: "replace",
        },
    ]);
    out
}

pub fn build(r: &Resolved) -> Config {
    Config {
        server: Server {
            http_listen_port: HTTP_PORT,
            grpc_listen_port: 0,
            log_level: "info",
            log_format: "logfmt",
        },
        clients: vec![Client {
            url: format!("{}/loki/api/v1/push", r.loki_url()),
        }],
        positions: Positions {
            filename: format!("{POSITIONS_MOUNT}/positions.yaml"),
        },
        scrape_configs: vec![ScrapeConfig {
            job_name: JOB,
            kubernetes_sd_configs: vec![KubernetesSd {
                role: "pod",
                selectors: vec![SdSelector {
                    role: "pod",
                    field: format!("spec.nodeName=${{{NODE_ENV}}}"),
                }],
            }],
            pipeline_stages: pipeline(),
            relabel_configs: relabels(r),
        }],
        tracing: Tracing { enabled: false },
    }
}

/// The rendered file must mean the same after Promtail's `-config.expand-env`.
pub fn check_expand_env_safe(text: &str) -> Result<(), String> {
    for bad in ["$$", "\\\\", "\\/"] {
        if text.contains(bad) {
            return Err(format!(
                "the Promtail config contains {bad:?}, which -config.expand-env would rewrite"
            ));
        }
    }
    let allowed = format!("${{{NODE_ENV}}}");
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let tail = rest.get(pos..).unwrap_or_default();
        if !tail.starts_with(&allowed) {
            return Err(format!(
                "the Promtail config references {:?}; only {allowed} is set",
                tail.chars().take(20).collect::<String>()
            ));
        }
        rest = tail.get(allowed.len()..).unwrap_or_default();
    }
    Ok(())
}
