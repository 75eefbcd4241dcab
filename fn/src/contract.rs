//! The names and ports that are the product's contract (docs, dashboards and checks use
//! them): the ground floor of the crate, using none of its modules.

pub const LOKI: &str = "loki";
pub const LOKI_HEADLESS: &str = "loki-headless";
pub const LOKI_RUNTIME: &str = "loki-runtime";
pub const PROMTAIL: &str = "promtail";
pub const FLUENT_BIT: &str = "fluent-bit";
pub const DATASOURCE: &str = "loki-grafana-datasource";
pub const DATASOURCE_KEY: &str = "loki-datasource.yaml";
pub const PROMETHEUS_RULE: &str = "loki";
/// The dashboards' ConfigMaps, their keys (file names) and Grafana uids.
pub const DASHBOARD_HEALTH: &str = "loki-grafana-dashboard-health";
pub const DASHBOARD_HEALTH_KEY: &str = "loki-stack-health.json";
pub const DASHBOARD_HEALTH_UID: &str = "loki-stack-health";
pub const DASHBOARD_LOGS: &str = "loki-grafana-dashboard-logs";
pub const DASHBOARD_LOGS_KEY: &str = "loki-stack-logs.json";
pub const DASHBOARD_LOGS_UID: &str = "loki-stack-logs";
/// Loki's HTTP and gRPC ports (`server.http_listen_port`, `grpc_listen_port`).
pub const LOKI_HTTP_PORT: u16 = 3100;
pub const LOKI_GRPC_PORT: u16 = 9095;
pub const HTTP_METRICS: &str = "http-metrics";
pub const GRPC: &str = "grpc";
pub const GATEWAY: &str = "loki-gateway";
pub const GATEWAY_HTTP: &str = "http";
pub const GATEWAY_SERVICE_PORT: u16 = 80;
pub const MEMBERLIST: &str = "loki-memberlist";
pub const MEMBERLIST_PORT_NAME: &str = "tcp-memberlist";
pub const MEMBERLIST_PORT: u16 = 7946;
pub const MEMCACHED_PORT_NAME: &str = "memcached-client";
pub const MEMCACHED_PORT: u16 = 11211;
