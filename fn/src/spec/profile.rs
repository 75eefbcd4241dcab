//! What each profile means when a field is left out.

use super::types::{LogLevel, Mode, Profile};

/// Defaults of one profile. Every one of them can be overridden in the LokiStack.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub namespace: &'static str,
    pub mode: Mode,
    pub loki_image: &'static str,
    pub loki_log_level: LogLevel,
    pub loki_requests: (&'static str, &'static str),
    pub loki_memory_limit: &'static str,
    pub storage_size: &'static str,
    pub schemas: &'static [(&'static str, &'static str)],
    /// Not applied: retention has no default on purpose. Quoted in the error message.
    pub suggested_retention: &'static str,
    pub ingestion_rate_mb: f64,
    pub ingestion_burst_size_mb: f64,
    pub max_streams_per_user: u32,
    pub collector_image: &'static str,
    pub collector_requests: (&'static str, &'static str),
    pub collector_memory_limit: &'static str,
    pub positions_dir: &'static str,
    pub datasource_namespace: &'static str,
    pub datasource_name: &'static str,
    pub datasource_uid: &'static str,
    pub datasource_max_lines: u32,
    pub datasource_labels: &'static [(&'static str, &'static str)],
    pub service_monitor_labels: &'static [(&'static str, &'static str)],
    pub service_monitor_interval: &'static str,
}

/// Loki 3.7 line; see README "Versions".
pub const LOKI_IMAGE: &str = "docker.io/grafana/loki:3.7.6";
/// Promtail is end-of-life upstream; 3.6.11 is the last 3.6 release that shipped an image.
pub const PROMTAIL_IMAGE: &str = "docker.io/grafana/promtail:3.6.11";

pub const LOCAL: Defaults = Defaults {
    namespace: "logging",
    mode: Mode::SingleBinary,
    loki_image: LOKI_IMAGE,
    loki_log_level: LogLevel::Info,
    loki_requests: ("100m", "256Mi"),
    loki_memory_limit: "1Gi",
    storage_size: "10Gi",
    schemas: &[("2024-01-01", "v13")],
    suggested_retention: "72h",
    ingestion_rate_mb: 10.0,
    ingestion_burst_size_mb: 20.0,
    max_streams_per_user: 10_000,
    collector_image: PROMTAIL_IMAGE,
    collector_requests: ("50m", "64Mi"),
    collector_memory_limit: "256Mi",
    positions_dir: "/var/lib/promtail",
    datasource_namespace: "monitoring",
    datasource_name: "Loki",
    datasource_uid: "loki",
    datasource_max_lines: 1000,
    datasource_labels: &[("grafana_datasource", "1")],
    service_monitor_labels: &[("release", "kube-prometheus-stack")],
    service_monitor_interval: "30s",
};

/// The defaults of a profile, or why that profile cannot be rendered yet.
pub fn defaults(profile: Profile) -> Result<&'static Defaults, String> {
    match profile {
        Profile::Local => Ok(&LOCAL),
        Profile::Cloud => Err(
            "profile \"cloud\" is not implemented yet: this version renders only the \
             \"local\" profile (single binary on a filesystem PVC)"
                .to_owned(),
        ),
    }
}
