//! What each profile means when a field is left out.

use super::types::{CollectorKind, LogLevel, Mode, Profile, Size};

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
    pub collector_requests: (&'static str, &'static str),
    pub collector_memory_limit: &'static str,
    /// `spec.collector.delivery.retryFor`.
    pub retry_for: &'static str,
    /// `spec.collector.delivery.bufferSize` (Fluent Bit).
    pub buffer_size: &'static str,
    /// The Grafana datasource is rendered unless `enabled: false` (an agent: only with
    /// `enabled: true`; the central stack's Grafana usually has it).
    pub datasource_enabled: bool,
    pub datasource_namespace: &'static str,
    pub datasource_name: &'static str,
    pub datasource_uid: &'static str,
    pub datasource_max_lines: u32,
    pub datasource_labels: &'static [(&'static str, &'static str)],
    pub service_monitor_labels: &'static [(&'static str, &'static str)],
    pub service_monitor_interval: &'static str,
    pub dashboard_labels: &'static [(&'static str, &'static str)],
    pub size: Size,
    /// `auth_enabled`: off for a local cluster, on in cloud (tenants from day one).
    pub tenancy_enabled: bool,
    pub tenant_id: &'static str,
    /// Replication factor of the scalable modes (SingleBinary always has 1).
    pub replication_factor: u32,
    pub cluster_domain: &'static str,
    pub gateway_image: &'static str,
    /// The cluster DNS Service's name up to the cluster domain.
    pub gateway_resolver_prefix: &'static str,
    pub memcached_image: &'static str,
}

/// Loki 3.7 line; see README "Versions".
pub const LOKI_IMAGE: &str = "docker.io/grafana/loki:3.7.6";
/// Promtail is end-of-life upstream; 3.6.11 is the last 3.6 release that shipped an image.
pub const PROMTAIL_IMAGE: &str = "docker.io/grafana/promtail:3.6.11";
/// Fluent Bit 5.1 from the project's own registry (the image its docs run), pinned to
/// the release whose plugin schema `tests/tests/fluentbit_schema.rs` checks against.
pub const FLUENT_BIT_IMAGE: &str = "cr.fluentbit.io/fluent/fluent-bit:5.1.1";

/// The default image of a collector.
pub fn collector_image(kind: CollectorKind) -> &'static str {
    match kind {
        CollectorKind::Promtail => PROMTAIL_IMAGE,
        CollectorKind::FluentBit => FLUENT_BIT_IMAGE,
    }
}

/// Where a collector keeps its read offsets on the host, by default.
pub fn positions_dir(kind: CollectorKind) -> &'static str {
    match kind {
        CollectorKind::Promtail => "/var/lib/promtail",
        CollectorKind::FluentBit => "/var/lib/fluent-bit",
    }
}

/// nginx that runs as UID 101 and listens on 8080 (the upstream chart's gateway image).
pub const GATEWAY_IMAGE: &str = "docker.io/nginxinc/nginx-unprivileged:1.31-alpine";
/// memcached as the upstream chart pins it.
pub const MEMCACHED_IMAGE: &str = "docker.io/library/memcached:1.6.45-alpine";

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
    collector_requests: ("50m", "64Mi"),
    collector_memory_limit: "256Mi",
    retry_for: "1h",
    buffer_size: "1Gi",
    datasource_enabled: true,
    datasource_namespace: "monitoring",
    datasource_name: "Loki",
    datasource_uid: "loki",
    datasource_max_lines: 1000,
    datasource_labels: &[("grafana_datasource", "1")],
    service_monitor_labels: &[("release", "kube-prometheus-stack")],
    service_monitor_interval: "30s",
    dashboard_labels: &[("grafana_dashboard", "1")],
    size: Size::Small,
    tenancy_enabled: false,
    tenant_id: "cluster",
    replication_factor: 3,
    cluster_domain: "cluster.local",
    gateway_image: GATEWAY_IMAGE,
    gateway_resolver_prefix: "kube-dns.kube-system.svc.",
    memcached_image: MEMCACHED_IMAGE,
};

/// Cloud: Distributed on object storage, tenancy on; the rest as for local.
pub const CLOUD: Defaults = Defaults {
    mode: Mode::Distributed,
    suggested_retention: "7d",
    tenancy_enabled: true,
    ..LOCAL
};

/// Agent: the collector alone; it pushes as a tenant, and its datasource is opt-in.
pub const AGENT: Defaults = Defaults {
    tenancy_enabled: true,
    datasource_enabled: false,
    ..LOCAL
};

/// The defaults of a profile.
pub fn defaults(profile: Profile) -> &'static Defaults {
    match profile {
        Profile::Local => &LOCAL,
        Profile::Cloud => &CLOUD,
        Profile::Agent => &AGENT,
    }
}
