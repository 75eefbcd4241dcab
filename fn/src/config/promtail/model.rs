//! The subset of Promtail 3.6's `promtail.yaml` this stack writes, as typed structs.

use serde::Serialize;
use std::collections::BTreeMap;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    /// Labels added to every stream (an agent's `cluster`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_labels: Option<std::collections::BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batchwait: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batchsize: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<&'static str>,
    pub backoff_config: BackoffConfig,
}

/// The CA that signed the server's certificate (the system's roots otherwise); the
/// certificate and its host name are always verified.
#[derive(Debug, Serialize)]
pub struct TlsConfig {
    pub ca_file: String,
}

/// How long one batch is retried (`spec.collector.delivery.retryFor`; see
/// `collection::delivery`).
#[derive(Debug, Serialize)]
pub struct BackoffConfig {
    pub min_period: String,
    pub max_period: String,
    pub max_retries: u32,
}

/// Basic auth; the password (and an agent's user name) is read from the mounted Secret.
#[derive(Debug, Serialize)]
pub struct BasicAuth {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_file: Option<String>,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_sd_configs: Vec<KubernetesSd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub static_configs: Vec<StaticConfig>,
    pub pipeline_stages: Vec<Stage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relabel_configs: Vec<Relabel>,
}

#[derive(Debug, Serialize)]
pub struct KubernetesSd {
    pub role: &'static str,
    pub selectors: Vec<SdSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach_metadata: Option<AttachMetadata>,
}

#[derive(Debug, Serialize)]
pub struct SdSelector {
    pub role: &'static str,
    pub field: String,
}

/// Namespace labels and annotations on pod targets
/// (`__meta_kubernetes_namespace_annotation_*`).
#[derive(Debug, Serialize)]
pub struct AttachMetadata {
    pub namespace: bool,
}

/// Files on the node: `__path__` is a glob, the other labels are the stream's.
#[derive(Debug, Serialize)]
pub struct StaticConfig {
    pub targets: Vec<&'static str>,
    pub labels: BTreeMap<&'static str, String>,
}

/// One pipeline stage; serialized as `{<stage name>: <config>}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Cri(BTreeMap<String, String>),
    Decolorize(BTreeMap<String, String>),
    Drop(Drop),
    Match(Match),
    Multiline(Multiline),
    Json(Json),
    Logfmt(Logfmt),
    Regex(Regex),
    Replace(Replace),
    Template(Template),
    Timestamp(Timestamp),
    Labels(BTreeMap<String, String>),
    StructuredMetadata(BTreeMap<String, String>),
    Labeldrop(Vec<&'static str>),
}

/// Promtail's `drop` stage, here only by age.
#[derive(Debug, Serialize)]
pub struct Drop {
    /// A Go duration (`71h50m`): Promtail parses it with `time.ParseDuration`.
    pub older_than: String,
    pub drop_counter_reason: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Match {
    /// A literal block in YAML: its `\"` escapes reach Promtail untouched.
    pub selector: serde_saphyr::LitString,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Stage>,
    /// `drop`: lines that match are dropped (no stages then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_counter_reason: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Multiline {
    pub firstline: String,
    pub max_wait_time: String,
    pub max_lines: u32,
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
pub struct Regex {
    pub expression: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

/// Replaces what each capture group of `expression` matched, everywhere on the line.
#[derive(Debug, Serialize)]
pub struct Replace {
    pub expression: String,
    pub replace: String,
}

#[derive(Debug, Serialize)]
pub struct Template {
    pub source: &'static str,
    pub template: serde_saphyr::LitString,
}

#[derive(Debug, Serialize)]
pub struct Timestamp {
    pub source: &'static str,
    /// A Go layout or Promtail's `RFC3339Nano`, `UnixMs`, ...
    pub format: &'static str,
    /// `skip`: keep the time the line was read when the value does not parse.
    pub action_on_failure: &'static str,
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
