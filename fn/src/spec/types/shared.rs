//! The types several sections of the config share: container resources and retention
//! periods.

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;

/// Container resources.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourcesSpec {
    /// What the scheduler reserves; each at most the limit.
    pub requests: Option<ResourceAmounts>,
    /// The most the container may use.
    pub limits: Option<ResourceAmounts>,
}

/// Kubernetes quantities.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceAmounts {
    /// CPU: cores (`1`, `0.5`) or millicores (`500m`).
    #[schemars(transform = rules::quantity)]
    pub cpu: Option<String>,
    /// Memory in bytes with a suffix: `256Mi`, `1Gi` (`10GB` is refused: did you mean
    /// `10Gi`?).
    #[schemars(transform = rules::quantity)]
    pub memory: Option<String>,
}

/// How long logs are kept (the compactor deletes older ones).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RetentionSpec {
    /// Required: a Loki duration of at least 24h, e.g. `72h`, `7d`, `1d12h` (units
    /// `ms s m h d w y` in that order, no spaces). `0` (keep forever) is refused.
    #[schemars(transform = rules::duration)]
    pub period: Option<String>,
    /// Other periods for the streams a selector matches (Loki's `retention_stream`).
    pub streams: Option<Vec<StreamRetentionSpec>>,
}

/// A retention period for some streams.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StreamRetentionSpec {
    /// A LogQL stream selector, e.g. `{namespace="dev"}`.
    #[schemars(transform = rules::stream_selector)]
    pub selector: String,
    /// At least 24h, e.g. `24h`, `30d`.
    #[schemars(transform = rules::duration)]
    pub period: String,
    /// The highest priority wins where selectors overlap. Default 1.
    pub priority: Option<u32>,
}
