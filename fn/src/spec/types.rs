//! The `LokiStack` function config as users write it (`lokistack.krm.dev/v1alpha1`).
//!
//! Every field is optional here and unknown fields are refused. What a missing field
//! means is decided in one place, `resolve`, from the profile.

use std::collections::BTreeMap;

use serde::Deserialize;

pub const API_VERSION: &str = "lokistack.krm.dev/v1alpha1";
pub const KIND: &str = "LokiStack";

/// The whole function config document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LokiStack {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Spec,
}

/// Only `name` matters to us; whatever kustomize or kpt add is accepted and ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    pub name: Option<String>,
    pub namespace: Option<String>,
    #[serde(flatten)]
    pub _other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Local,
    Cloud,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Mode {
    SingleBinary,
    SimpleScalable,
    Distributed,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// `local` or `cloud`: picks every default below.
    pub profile: Option<Profile>,
    /// Namespace of Loki, Promtail and everything else but the Grafana datasource.
    pub namespace: Option<String>,
    pub mode: Option<Mode>,
    pub loki: Option<LokiSpec>,
    pub storage: Option<StorageSpec>,
    /// Index schema periods; append-only once Loki has written data.
    pub schemas: Option<Vec<SchemaSpec>>,
    pub retention: Option<RetentionSpec>,
    pub limits: Option<LimitsSpec>,
    pub collector: Option<CollectorSpec>,
    pub grafana: Option<GrafanaSpec>,
    pub monitoring: Option<MonitoringSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LokiSpec {
    pub image: Option<String>,
    pub log_level: Option<LogLevel>,
    pub resources: Option<ResourcesSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourcesSpec {
    pub requests: Option<ResourceAmounts>,
    pub limits: Option<ResourceAmounts>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceAmounts {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageSpec {
    pub filesystem: Option<FilesystemSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FilesystemSpec {
    /// PVC size, e.g. `10Gi`.
    pub size: Option<String>,
    /// Empty or absent: the cluster's default StorageClass.
    pub storage_class_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchemaSpec {
    /// `YYYY-MM-DD`, the first day this schema applies to.
    pub from: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RetentionSpec {
    /// Required: how long Loki keeps logs (at least 24h).
    pub period: Option<String>,
    pub streams: Option<Vec<StreamRetentionSpec>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StreamRetentionSpec {
    /// A LogQL stream selector, e.g. `{namespace="dev"}`.
    pub selector: String,
    pub period: String,
    pub priority: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    #[serde(rename = "ingestionRateMB")]
    pub ingestion_rate_mb: Option<f64>,
    #[serde(rename = "ingestionBurstSizeMB")]
    pub ingestion_burst_size_mb: Option<f64>,
    #[serde(rename = "maxStreamsPerUser")]
    pub max_streams_per_user: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CollectorKind {
    Promtail,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectorSpec {
    pub kind: Option<CollectorKind>,
    pub image: Option<String>,
    pub resources: Option<ResourcesSpec>,
    pub pods: Option<PodsSpec>,
    /// Host directory (on a persistent filesystem) where Promtail keeps read offsets.
    pub positions_dir: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsSpec {
    pub exclude_namespaces: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaSpec {
    pub datasource: Option<DatasourceSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DatasourceSpec {
    pub enabled: Option<bool>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
    pub max_lines: Option<u32>,
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MonitoringSpec {
    pub service_monitor: Option<ServiceMonitorSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    pub enabled: Option<bool>,
    pub labels: Option<BTreeMap<String, String>>,
    pub interval: Option<String>,
}
