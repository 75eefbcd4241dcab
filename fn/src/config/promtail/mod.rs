//! `promtail.yaml` of Promtail 3.6, the subset this stack sets.
//!
//! Promtail runs with `-config.expand-env=true` so that pod discovery can be limited to
//! its own node (`spec.nodeName=${HOSTNAME}`). Promtail's env expansion (drone/envsubst)
//! works on the raw file text: it also turns `$$` into `$`, `\\` into `\` and `\/` into
//! `/`, and expands every `${...}`. So the rendered file must contain none of those but
//! `${HOSTNAME}`; `check_expand_env_safe` enforces it. That is why the regular
//! expressions below use no backslashes (`[{]` instead of `\{`), and why the match
//! selectors, which must quote `"` as `\"` (Promtail's match stage parser has no
//! backtick strings), are written as YAML literal blocks, where a backslash is not
//! doubled.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::spec::Resolved;

pub const CONFIG_DIR: &str = "/etc/promtail";
pub const CONFIG_FILE: &str = "promtail.yaml";
/// Where the host's positions directory is mounted in the container.
pub const POSITIONS_MOUNT: &str = "/var/lib/promtail";
/// Where the gateway password is mounted (key `password`), with gateway auth on.
pub const GATEWAY_AUTH_DIR: &str = "/etc/loki-gateway-auth";
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
    /// `X-Scope-OrgID` of every push (tenancy on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
}

/// Login at the gateway; the password is read from the mounted Secret.
#[derive(Debug, Serialize)]
pub struct BasicAuth {
    pub username: String,
    pub password_file: String,
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
    Drop(Drop),
    Match(Match),
    Json(Json),
    Logfmt(Logfmt),
    Template(Template),
    Labels(BTreeMap<String, String>),
}

/// Promtail's `drop` stage, here only by age.
#[derive(Debug, Serialize)]
pub struct Drop {
    /// A Go duration (`71h50m`): Promtail parses it with `time.ParseDuration`.
    pub older_than: String,
    pub drop_counter_reason: &'static str,
}

/// How much sooner than Loki's limit lines are dropped: a batch may wait and be retried
/// for minutes before Loki sees it.
pub const OLD_LINE_MARGIN_MS: u64 = 10 * 60_000;

/// The `drop_counter_reason` of lines older than Loki accepts
/// (`promtail_dropped_entries_total{reason="line_too_old"}`).
pub const TOO_OLD_REASON: &str = "line_too_old";

/// Milliseconds as a Go duration of whole minutes (`72h0m` style without zero parts).
pub fn go_duration(ms: u64) -> String {
    let minutes = ms / 60_000;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// Drops lines Loki would refuse as too old (`reject_old_samples_max_age`, derived from
/// the same setting), a margin early. Without it, the first start on a node with a few
/// days of logs sends batches Loki answers with 400 "timestamp too old", and Promtail
/// logs an error for each.
pub fn drop_too_old(r: &Resolved) -> Stage {
    let limit = crate::config::loki::max_sample_age_ms(r);
    Stage::Drop(Drop {
        older_than: go_duration(limit.saturating_sub(OLD_LINE_MARGIN_MS).max(60_000)),
        drop_counter_reason: TOO_OLD_REASON,
    })
}

#[derive(Debug, Serialize)]
pub struct Match {
    /// A literal block in YAML: its `\"` escapes reach Promtail untouched.
    pub selector: serde_saphyr::LitString,
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
    pub template: serde_saphyr::LitString,
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
/// than the decoder: pairs are separated by spaces or tabs only, no control character
/// (DEL included) appears anywhere, keys hold no U+FFFD, and quoted values hold only the
/// escapes the decoder accepts. Lines it refuses are still shipped, just without a
/// parsed level. Checked against a port of the decoder in the tests below.
///
/// Written without a single backslash (see the module docs): `BACKSLASH` is the class of
/// every character but the backslash, negated.
pub const LOGFMT_LINE: &str = concat!(
    "^[[:blank:]]*",
    logfmt_pair!(),
    "([[:blank:]]+",
    logfmt_pair!(),
    ")*[[:blank:]]*$",
);

/// Matches exactly one backslash: not `]`..`~`, not non-ASCII, not a control
/// character, not space, not `!`..`[`.
pub const BACKSLASH: &str = "[^]^-~[:^ascii:][:cntrl:] !-[]";

macro_rules! logfmt_pair {
    () => {
        concat!(
            // key: anything but blanks, controls, '=', '"' and U+FFFD
            "[^[:cntrl:] =\"\u{FFFD}]+",
            "(=(",
            // unquoted value
            "[^[:cntrl:] =\"]*",
            "|",
            // quoted value: plain characters or a valid escape
            "\"(",
            "[^[:cntrl:][:punct:]]|[]!#-/:-@Z-[^-`{-~]",
            "|",
            "[^]^-~[:^ascii:][:cntrl:] !-[]",
            "([\"/'bfnrt]|[^]^-~[:^ascii:][:cntrl:] !-[]|u[0-9a-fA-F]{4})",
            ")*\"",
            "))?",
        )
    };
}
use logfmt_pair;

/// Lines of 16000 characters or more: go-logfmt reads through a 64 KiB `bufio.Scanner`
/// and fails ("token too long") on longer lines, and 16000 characters of at most 4
/// bytes stay under it. Go's regexp caps a repeat count at 1000, nested ones included,
/// hence the chain.
pub fn long_line() -> String {
    format!("^{}", ".{1000}".repeat(LONG_LINE_CHARS / 1000))
}

pub const LONG_LINE_CHARS: usize = 16_000;
/// The decoder's buffer: any line shorter than LONG_LINE_CHARS characters fits it.
const LOGFMT_DECODER_BUFFER: usize = 64 * 1024;
const _: () =
    assert!(4 * LONG_LINE_CHARS < LOGFMT_DECODER_BUFFER && LONG_LINE_CHARS.is_multiple_of(1000));

/// A `level=` key somewhere in the line.
pub const HAS_LEVEL_KEY: &str = "(^|[[:blank:]])level=";

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

/// A LogQL double-quoted string (Promtail's match stage parser knows no backticks).
fn logql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn pipeline(r: &Resolved) -> Vec<Stage> {
    let selector = |filters: &[(&str, &str)]| {
        let mut s = format!("{{job={}}}", logql_string(JOB));
        for (op, regex) in filters {
            s.push_str(&format!(" {op} {}", logql_string(regex)));
        }
        serde_saphyr::LitString(s)
    };
    vec![
        Stage::Cri(BTreeMap::new()),
        // After `cri`, which sets the entry's timestamp from the line.
        drop_too_old(r),
        Stage::Match(Match {
            selector: selector(&[("|~", JSON_LINE)]),
            stages: vec![Stage::Json(Json {
                expressions: BTreeMap::from([
                    ("level".to_owned(), "level || lvl || severity".to_owned()),
                    ("msg".to_owned(), "msg || message".to_owned()),
                ]),
            })],
        }),
        Stage::Match(Match {
            selector: selector(&[
                ("!~", JSON_LINE),
                ("|~", HAS_LEVEL_KEY),
                ("!~", &long_line()),
                ("|~", LOGFMT_LINE),
            ]),
            stages: vec![Stage::Logfmt(Logfmt {
                mapping: BTreeMap::from([("level".to_owned(), "level".to_owned())]),
            })],
        }),
        Stage::Template(Template {
            source: "level",
            template: serde_saphyr::LitString(level_template()),
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
            // The first that is set: the recommended label, the classic ones (system pods
            // and Talos' static control-plane pods use k8s-app / component), the owning
            // controller without its hash suffix, the pod name.
            source_labels: vec![
                "__meta_kubernetes_pod_label_app_kubernetes_io_name",
                "__meta_kubernetes_pod_label_app",
                "__meta_kubernetes_pod_label_k8s_app",
                "__meta_kubernetes_pod_label_component",
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
            url: r.push_url(),
            tenant_id: r.tenancy.enabled.then(|| r.tenancy.tenant_id.clone()),
            basic_auth: r
                .gateway
                .as_ref()
                .and_then(|g| g.auth.as_ref())
                .map(|a| BasicAuth {
                    username: a.username.clone(),
                    password_file: format!("{GATEWAY_AUTH_DIR}/password"),
                }),
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
            pipeline_stages: pipeline(r),
            relabel_configs: relabels(r),
        }],
        tracing: Tracing { enabled: false },
    }
}

/// The rendered file must mean the same after Promtail's `-config.expand-env`.
pub fn check_expand_env_safe(text: &str) -> Result<(), String> {
    super::expand_env::check(text, &[NODE_ENV], "Promtail", false)
}

#[cfg(test)]
mod tests;
