//! The `LokiStack` function config as users write it (`lokistack.krm.dev/v1alpha1`).
//!
//! Every field is optional here and unknown fields are refused. What a missing field
//! means is decided in one place, `resolve`, from the profile.
//!
//! The doc comments are also the descriptions of the JSON Schema (`loki-stack-fn
//! schema`, `schema/lokistack.schema.json`): editors show them. `#[schemars(...)]`
//! attributes add the value rules of `resolve` the schema can express (`rules`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

mod access;
mod collector;
mod observability;
mod remote;
pub(crate) mod rules;
mod shared;
mod storage;
mod workloads;
pub use access::*;
pub use collector::*;
pub use observability::*;
pub use remote::*;
pub use rules::SCHEMA_VERSION;
pub use shared::*;
pub use storage::*;
pub use workloads::*;

pub const API_VERSION: &str = "lokistack.krm.dev/v1alpha1";
pub const KIND: &str = "LokiStack";

/// The config of loki-stack-fn: one document that describes a whole Loki + Promtail
/// logging stack (Loki, Promtail on every node, the Grafana datasource and dashboards,
/// ServiceMonitors and alerts). Required: `metadata.name`, `spec.profile` and
/// `spec.retention.period`; every other field defaults from the profile.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LokiStack {
    #[schemars(extend("const" = API_VERSION))]
    pub api_version: String,
    #[schemars(extend("const" = KIND))]
    pub kind: String,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Spec,
}

/// Only `name` matters to the function; whatever kustomize or kpt add (annotations,
/// labels) is accepted and ignored.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Metadata {
    /// Required. The stack's name (a DNS-1123 label, e.g. `loki`): the name of the Loki
    /// objects and their `app.kubernetes.io/instance` label.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// Only recorded in the `lokistack.krm.dev/owner` annotation; the stack's own
    /// namespace is `spec.namespace`.
    pub namespace: Option<String>,
    #[serde(flatten)]
    pub _other: BTreeMap<String, serde_json::Value>,
}

/// `local`: one cluster on a laptop or a lab (SingleBinary Loki on a filesystem PVC,
/// tenancy off). `cloud`: a production cluster (Distributed Loki on S3 or GCS, tenancy
/// on, three copies of every stream). `agent`: no Loki, only the collector, shipping to
/// a central Loki (`spec.remote`) with its own credentials and a `cluster` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Local,
    Cloud,
    Agent,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Cloud => "cloud",
            Self::Agent => "agent",
        }
    }
}

/// How Loki runs: `SingleBinary` (one pod, filesystem or object storage; local default),
/// `SimpleScalable` (read/write/backend, deprecated upstream, warns) or `Distributed`
/// (one workload per component; cloud default, the only mode with `spec.zones`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Mode {
    SingleBinary,
    SimpleScalable,
    Distributed,
}

/// What to deploy. Every field is optional (but `profile` and `retention.period`, which
/// the function requires): an omitted field takes the profile's default.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// Required. `local`, `cloud` or `agent`: picks every default below.
    pub profile: Option<Profile>,
    /// Namespace of Loki, Promtail and everything else but the Grafana datasource and
    /// dashboards. Default `logging`.
    #[schemars(transform = rules::dns_label)]
    pub namespace: Option<String>,
    /// Default: `SingleBinary` (local), `Distributed` (cloud). The cloud profile refuses
    /// `SingleBinary`; `SimpleScalable` and `Distributed` need object storage.
    pub mode: Option<Mode>,
    /// The Loki image, log level and (SingleBinary) resources.
    pub loki: Option<LokiSpec>,
    /// Where Loki keeps chunks and index: exactly one of `filesystem` (SingleBinary only),
    /// `s3`, `gcs`; credentials only by reference. Local default: a 10Gi filesystem PVC;
    /// cloud: required.
    pub storage: Option<StorageSpec>,
    /// Index schema periods, in increasing `from` order; append-only once Loki has
    /// written data. Default `[{from: "2024-01-01", version: v13}]`.
    #[schemars(length(min = 1))]
    pub schemas: Option<Vec<SchemaSpec>>,
    /// Required: how long logs are kept (no default on purpose).
    pub retention: Option<RetentionSpec>,
    /// Ingestion limits per tenant. Defaults from `size`.
    pub limits: Option<LimitsSpec>,
    /// What Promtail collects from every node, redacts and labels.
    pub collector: Option<CollectorSpec>,
    /// The Grafana datasource and dashboards (ConfigMaps for the kube-prometheus-stack
    /// Grafana sidecar).
    pub grafana: Option<GrafanaSpec>,
    /// ServiceMonitors and the PrometheusRule with the stack's alerts.
    pub monitoring: Option<MonitoringSpec>,
    /// Preset of replicas, resources, PVC sizes and limits of the scalable modes:
    /// `small` (default), `medium`, `large`. Medium and large turn the caches on.
    pub size: Option<Size>,
    /// Per-component overrides of the size preset; only components of the chosen mode.
    pub components: Option<ComponentsSpec>,
    /// Copies of every stream the ingesters keep. SingleBinary: 1 (nothing else is
    /// allowed); scalable modes: default 3, at most the ingester count and the zone count.
    #[schemars(range(min = 1))]
    pub replication_factor: Option<u32>,
    /// Distributed only: values of `topology.kubernetes.io/zone`, 2 to 26 distinct; one
    /// ingester StatefulSet per zone, at most one copy of a stream per zone. Example
    /// `[eu-west-1a, eu-west-1b, eu-west-1c]`.
    #[schemars(length(min = 2, max = 26), transform = rules::label_value, transform = rules::unique)]
    pub zones: Option<Vec<String>>,
    /// Loki's multi-tenancy (`auth_enabled`). Default: off (local), on (cloud).
    pub tenancy: Option<TenancySpec>,
    /// The nginx gateway in front of Loki: the one entry point of the scalable modes,
    /// where basic auth happens.
    pub gateway: Option<GatewaySpec>,
    /// Exposes the gateway outside the cluster (Ingress or Gateway API HTTPRoute); needs
    /// `gateway.auth.basic`.
    pub exposure: Option<ExposureSpec>,
    /// memcached chunks and results caches (scalable modes). Default: on from size medium.
    pub caches: Option<CachesSpec>,
    /// Loki's ruler (LogQL alerting and recording rules). Default: off.
    pub ruler: Option<RulerSpec>,
    /// The cluster's DNS domain, for the addresses components use. Default
    /// `cluster.local`.
    #[schemars(transform = rules::dns_name)]
    pub cluster_domain: Option<String>,
    /// Who may connect to the stack's pods: NetworkPolicies or CiliumNetworkPolicies.
    pub network: Option<NetworkSpec>,
    /// What is rendered for Loki itself: its own objects, or a Flux HelmRelease of the
    /// upstream chart (default `Manifests`).
    pub output: Option<Output>,
    /// Profile `agent` only (and required there): the central Loki this cluster's
    /// collector ships to.
    pub remote: Option<RemoteSpec>,
}

/// `spec.output`: how Loki itself is deployed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Output {
    /// Loki's Kubernetes objects, rendered by this function.
    #[default]
    Manifests,
    /// A Flux `HelmRepository` and `HelmRelease` of the upstream Loki chart, whose values
    /// express the same config; Promtail, Grafana, monitoring and policies around it.
    HelmRelease,
}

impl Output {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manifests => "Manifests",
            Self::HelmRelease => "HelmRelease",
        }
    }
}

/// Presets of the scalable modes (docs/src/profiles/cloud.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    Small,
    Medium,
    Large,
}

impl Size {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }
}

/// `spec.loki`: the Loki pods.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LokiSpec {
    /// Pinned Loki image: a tag other than `latest`, or a `@sha256:` digest. Default
    /// `docker.io/grafana/loki:3.7.6`.
    #[schemars(transform = rules::image)]
    pub image: Option<String>,
    /// Loki's `-log.level`. Default `info`.
    pub log_level: Option<LogLevel>,
    /// SingleBinary only (other modes: `spec.components.<name>.resources`). Default:
    /// requests 100m CPU / 256Mi, memory limit 1Gi.
    pub resources: Option<ResourcesSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

/// One index schema period.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchemaSpec {
    /// `YYYY-MM-DD`, quoted: the first day this schema applies to, after the previous
    /// period's. Example `"2024-01-01"`.
    #[schemars(transform = rules::date)]
    pub from: String,
    /// `v13` (tsdb), the only schema Loki 3 runs with structured metadata.
    #[schemars(transform = rules::schema_version)]
    pub version: String,
}

/// Ingestion limits per tenant (Loki's `limits_config`). Defaults from `spec.size`
/// (small: 10 MB/s, burst 20 MB, 10000 streams).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    /// MB per second a tenant may push; more than 0.
    #[serde(rename = "ingestionRateMB")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub ingestion_rate_mb: Option<f64>,
    /// MB a tenant may push at once; at least `ingestionRateMB`.
    #[serde(rename = "ingestionBurstSizeMB")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub ingestion_burst_size_mb: Option<f64>,
    /// Active streams per tenant; at least 1.
    #[serde(rename = "maxStreamsPerUser")]
    #[schemars(range(min = 1))]
    pub max_streams_per_user: Option<u32>,
}
