//! The stack after profile defaults and overrides are merged and every value checked.
//! Renderers only ever see this type.

use std::collections::BTreeMap;

use super::duration::Duration;
use super::quantity::Quantity;
use super::types::{LogLevel, Mode, Profile};

#[derive(Debug, Clone)]
pub struct Resolved {
    /// `metadata.name` of the LokiStack; the `app.kubernetes.io/instance` of everything.
    pub name: String,
    pub profile: Profile,
    pub namespace: String,
    pub mode: Mode,
    pub loki: Loki,
    pub storage: Storage,
    pub schemas: Vec<Schema>,
    pub retention: Retention,
    pub limits: Limits,
    pub collector: Collector,
    pub datasource: Option<Datasource>,
    pub service_monitor: Option<ServiceMonitor>,
}

#[derive(Debug, Clone)]
pub struct Loki {
    pub image: String,
    pub log_level: LogLevel,
    pub resources: Resources,
}

#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub requests: Amounts,
    pub limits: Amounts,
}

#[derive(Debug, Clone, Default)]
pub struct Amounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
}

#[derive(Debug, Clone)]
pub enum Storage {
    Filesystem {
        size: Quantity,
        storage_class_name: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub from: String,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct Retention {
    pub period: Duration,
    pub streams: Vec<StreamRetention>,
}

#[derive(Debug, Clone)]
pub struct StreamRetention {
    pub selector: String,
    pub period: Duration,
    pub priority: u32,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub ingestion_rate_mb: f64,
    pub ingestion_burst_size_mb: f64,
    pub max_streams_per_user: u32,
}

#[derive(Debug, Clone)]
pub struct Collector {
    pub image: String,
    pub resources: Resources,
    pub exclude_namespaces: Vec<String>,
    pub positions_dir: String,
}

#[derive(Debug, Clone)]
pub struct Datasource {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub max_lines: u32,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct ServiceMonitor {
    pub labels: BTreeMap<String, String>,
    pub interval: Duration,
}

impl Resolved {
    /// In-cluster URL of Loki's HTTP API, derived from the Service and namespace.
    pub fn loki_url(&self) -> String {
        format!(
            "http://{}.{}.svc:{}",
            crate::render::names::LOKI,
            self.namespace,
            crate::render::names::LOKI_HTTP_PORT
        )
    }
}
