//! Object names: part of the product's contract (docs, dashboards and checks use them).

pub const LOKI: &str = "loki";
pub const LOKI_HEADLESS: &str = "loki-headless";
pub const LOKI_RUNTIME: &str = "loki-runtime";
pub const PROMTAIL: &str = "promtail";
pub const DATASOURCE: &str = "loki-grafana-datasource";
pub const DATASOURCE_KEY: &str = "loki-datasource.yaml";
pub const LOKI_HTTP_PORT: u16 = crate::config::loki::HTTP_PORT;
pub const HTTP_METRICS: &str = "http-metrics";
pub const GRPC: &str = "grpc";
