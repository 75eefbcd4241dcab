//! The stack after profile defaults and overrides are merged and every value checked.
//! Renderers only ever see this type.

use std::collections::BTreeMap;

pub use super::collector::Collector;
use super::duration::Duration;
use super::quantity::Quantity;
pub use super::resources::{Amounts, Resources};
use super::types::{LogLevel, Mode, Output, PolicyKind, Profile, Size, TolerationSpec};
use crate::diagnostic::Diagnostic;

mod remote;
mod storage;
pub use remote::*;
pub use storage::*;

#[derive(Debug, Clone)]
pub struct Resolved {
    /// `metadata.name` of the LokiStack; the `app.kubernetes.io/instance` of everything.
    pub name: String,
    pub profile: Profile,
    pub namespace: String,
    /// The Loki this stack runs (profiles `local` and `cloud`); `None` for an agent,
    /// which ships to [`Resolved::remote`] instead.
    pub central: Option<Central>,
    /// The central Loki an agent ships to (`spec.remote`, profile `agent` only).
    pub remote: Option<Remote>,
    pub collector: Collector,
    pub datasource: Option<Datasource>,
    pub service_monitor: Option<ServiceMonitor>,
    pub prometheus_rule: Option<PrometheusRule>,
    pub dashboards: Option<Dashboards>,
    /// Every workload of the mode (and the gateway and caches when on), with its
    /// replicas, resources, PVC and placement.
    pub components: BTreeMap<Part, Workload>,
    /// Zone-aware ingesters: one StatefulSet per zone (Distributed only).
    pub zones: Vec<String>,
    pub tenancy: Tenancy,
    pub gateway: Option<Gateway>,
    pub exposure: Exposure,
    pub caches: Caches,
    pub ruler: Option<Ruler>,
    pub cluster_domain: String,
    pub network: Network,
    /// Loki's own objects, or a HelmRelease of the upstream chart.
    pub output: Output,
    /// Problems that do not stop the render (kpt shows them as warning results).
    pub warnings: Vec<Diagnostic>,
}

/// What only a stack that runs Loki has: its mode, image, storage, schema, retention,
/// limits, size and replication.
#[derive(Debug, Clone)]
pub struct Central {
    pub mode: Mode,
    pub loki: Loki,
    pub storage: Storage,
    pub schemas: Vec<Schema>,
    pub retention: Retention,
    pub limits: Limits,
    pub size: Size,
    pub replication_factor: u32,
}

/// A workload of the stack. Loki's own parts run the Loki image with `-target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    SingleBinary,
    Distributor,
    Ingester,
    Querier,
    QueryFrontend,
    QueryScheduler,
    Compactor,
    IndexGateway,
    Ruler,
    Write,
    Read,
    Backend,
    Gateway,
    ChunksCache,
    ResultsCache,
}

impl Part {
    pub const ALL: [Part; 15] = [
        Part::SingleBinary,
        Part::Distributor,
        Part::Ingester,
        Part::Querier,
        Part::QueryFrontend,
        Part::QueryScheduler,
        Part::Compactor,
        Part::IndexGateway,
        Part::Ruler,
        Part::Write,
        Part::Read,
        Part::Backend,
        Part::Gateway,
        Part::ChunksCache,
        Part::ResultsCache,
    ];

    /// `app.kubernetes.io/component`, and the suffix of the workload's name.
    pub fn role(self) -> &'static str {
        match self {
            Part::SingleBinary => "single-binary",
            Part::Distributor => "distributor",
            Part::Ingester => "ingester",
            Part::Querier => "querier",
            Part::QueryFrontend => "query-frontend",
            Part::QueryScheduler => "query-scheduler",
            Part::Compactor => "compactor",
            Part::IndexGateway => "index-gateway",
            Part::Ruler => "ruler",
            Part::Write => "write",
            Part::Read => "read",
            Part::Backend => "backend",
            Part::Gateway => "gateway",
            Part::ChunksCache => "chunks-cache",
            Part::ResultsCache => "results-cache",
        }
    }

    /// The workload and ClusterIP Service of a part: `loki` for the single binary,
    /// `loki-<component>` otherwise (the upstream chart's names).
    pub fn service(self) -> String {
        use crate::contract::{GATEWAY, LOKI};
        match self {
            Part::SingleBinary => LOKI.to_owned(),
            Part::Gateway => GATEWAY.to_owned(),
            other => format!("{LOKI}-{}", other.role()),
        }
    }

    /// The headless Service of a part (every pod's address, for gRPC clients and
    /// StatefulSet pod DNS).
    pub fn headless(self) -> String {
        format!("{}-headless", self.service())
    }

    /// The key under `spec.components`.
    pub fn field(self) -> &'static str {
        match self {
            Part::SingleBinary => "singleBinary",
            Part::Distributor => "distributor",
            Part::Ingester => "ingester",
            Part::Querier => "querier",
            Part::QueryFrontend => "queryFrontend",
            Part::QueryScheduler => "queryScheduler",
            Part::Compactor => "compactor",
            Part::IndexGateway => "indexGateway",
            Part::Ruler => "ruler",
            Part::Write => "write",
            Part::Read => "read",
            Part::Backend => "backend",
            Part::Gateway => "gateway",
            Part::ChunksCache => "chunksCache",
            Part::ResultsCache => "resultsCache",
        }
    }

    /// Loki's `-target` for the parts that run Loki.
    pub fn loki_target(self) -> Option<&'static str> {
        match self {
            Part::SingleBinary => Some("all"),
            Part::Gateway | Part::ChunksCache | Part::ResultsCache => None,
            other => Some(other.role()),
        }
    }

    /// Opens Loki's memberlist port and joins the ring: the parts with a ring of their
    /// own or that read the ingester ring. (query-frontend, query-scheduler and the
    /// simple-mode index gateway never open it; listing them in `loki-memberlist` only
    /// makes the others retry dead addresses.)
    pub fn joins_memberlist(self) -> bool {
        matches!(
            self,
            Part::Distributor
                | Part::Ingester
                | Part::Querier
                | Part::Compactor
                | Part::Ruler
                | Part::Write
                | Part::Read
                | Part::Backend
        )
    }

    /// Runs as a StatefulSet with a PVC (ring members that keep state on disk).
    pub fn is_stateful(self) -> bool {
        matches!(
            self,
            Part::SingleBinary
                | Part::Ingester
                | Part::Compactor
                | Part::IndexGateway
                | Part::Ruler
                | Part::Write
                | Part::Backend
        )
    }

    /// The Loki parts of a mode (without gateway and caches).
    pub fn of_mode(mode: Mode, ruler: bool) -> Vec<Part> {
        let mut parts = match mode {
            Mode::SingleBinary => vec![Part::SingleBinary],
            Mode::SimpleScalable => vec![Part::Write, Part::Read, Part::Backend],
            Mode::Distributed => vec![
                Part::Distributor,
                Part::Ingester,
                Part::Querier,
                Part::QueryFrontend,
                Part::QueryScheduler,
                Part::Compactor,
                Part::IndexGateway,
            ],
        };
        if ruler && mode == Mode::Distributed {
            parts.push(Part::Ruler);
        }
        parts
    }
}

/// Replicas, resources, PVC and placement of one workload.
#[derive(Debug, Clone)]
pub struct Workload {
    pub replicas: u32,
    pub resources: Resources,
    /// The PVC of a StatefulSet (WAL, index cache, compactor work files).
    pub storage: Option<Volume>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<TolerationSpec>,
}

#[derive(Debug, Clone)]
pub struct Volume {
    pub size: Quantity,
    pub storage_class_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Tenancy {
    /// Loki's `auth_enabled`.
    pub enabled: bool,
    /// The tenant Promtail writes to and Grafana reads (with tenancy on).
    pub tenant_id: String,
    pub tenants: Vec<Tenant>,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub retention: Option<Retention>,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub image: String,
    pub resolver: String,
    pub auth: Option<BasicAuth>,
}

/// nginx basic auth from an htpasswd Secret; in-cluster clients log in with the
/// password from the same Secret.
#[derive(Debug, Clone)]
pub struct BasicAuth {
    pub secret_name: String,
    pub htpasswd_key: String,
    pub password_key: String,
    /// The user Promtail and Grafana log in as (with tenancy on: the tenant id).
    pub username: String,
}

#[derive(Debug, Clone, Default)]
pub struct Exposure {
    pub ingress: Option<Ingress>,
    pub http_route: Option<HttpRoute>,
}

#[derive(Debug, Clone)]
pub struct Ingress {
    pub host: String,
    pub class_name: Option<String>,
    pub tls_secret_name: Option<String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct HttpRoute {
    pub hostnames: Vec<String>,
    pub parent_refs: Vec<ParentRef>,
}

#[derive(Debug, Clone)]
pub struct ParentRef {
    pub name: String,
    pub namespace: Option<String>,
    pub section_name: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Caches {
    pub chunks: Option<Cache>,
    pub results: Option<Cache>,
}

#[derive(Debug, Clone)]
pub struct Cache {
    /// memcached `-m`, MiB.
    pub memory_mb: u32,
    pub image: String,
}

#[derive(Debug, Clone)]
pub struct Ruler {
    pub alertmanager_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Loki {
    pub image: String,
    pub log_level: LogLevel,
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
pub struct Datasource {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub max_lines: u32,
    pub labels: BTreeMap<String, String>,
    pub is_default: bool,
    pub derived_fields: Vec<DerivedField>,
    /// What Grafana's provisioning expands into the gateway password:
    /// `$VAR` (its environment) or `$__file{/path}`.
    pub password_ref: String,
}

/// The environment variable of Grafana's pod that holds the gateway password by
/// default (kube-prometheus-stack: `grafana.envFromSecret`).
pub const PASSWORD_ENV: &str = "LOKI_GATEWAY_PASSWORD";

#[derive(Debug, Clone)]
pub struct DerivedField {
    pub name: String,
    pub matcher_regex: String,
    /// `regex` or `label`.
    pub matcher_type: &'static str,
    pub datasource_uid: Option<String>,
    pub url: String,
}

/// `spec.network`: the policies and the namespaces of the stack's clients.
#[derive(Debug, Clone)]
pub struct Network {
    pub policies: PolicyKind,
    pub grafana_namespace: String,
    pub prometheus_namespace: String,
    /// Empty without `spec.exposure`.
    pub exposure_namespaces: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServiceMonitor {
    pub labels: BTreeMap<String, String>,
    pub interval: Duration,
    /// Value of the `cluster` label added to every scraped series.
    pub cluster: String,
}

#[derive(Debug, Clone)]
pub struct PrometheusRule {
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Dashboards {
    /// Grafana's namespace (where its sidecar looks).
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// The Loki datasource the Logs dashboard queries (the configured uid).
    pub loki_uid: String,
}

impl Resolved {
    /// The workload of a part, if the stack runs it.
    pub fn workload(&self, part: Part) -> Option<&Workload> {
        self.components.get(&part)
    }

    /// Fully qualified in-cluster DNS name of a Service of the stack.
    pub fn service_host(&self, service: &str) -> String {
        format!("{service}.{}.svc.{}", self.namespace, self.cluster_domain)
    }

    /// The ClusterIP Service of a part: ours (`loki`, `loki-<component>`), or the
    /// upstream chart's with `fullnameOverride` = the stack name (`<name>`,
    /// `<name>-<component>`) in HelmRelease output.
    pub fn service_name(&self, part: Part) -> String {
        match self.output {
            Output::Manifests => part.service(),
            Output::HelmRelease => match part {
                Part::SingleBinary => self.name.clone(),
                other => format!("{}-{}", self.name, other.role()),
            },
        }
    }

    /// The Loki this stack runs; an internal error for an agent (callers render Loki's
    /// own objects only for a stack that runs one).
    pub fn central(&self) -> Result<&Central, String> {
        self.central.as_ref().ok_or_else(|| {
            format!(
                "internal: LokiStack/{} runs no Loki (profile agent)",
                self.name
            )
        })
    }

    /// Loki's mode; `None` for an agent.
    pub fn mode(&self) -> Option<Mode> {
        self.central.as_ref().map(|c| c.mode)
    }

    /// URL of Loki's HTTP API for readers (Grafana) and writers: the central Loki's base
    /// URL for an agent; else in-cluster, the gateway when there is one, else the
    /// component that serves the path.
    pub fn loki_url(&self) -> String {
        use crate::contract as names;
        if let Some(remote) = &self.remote {
            return remote.url.base();
        }
        if self.gateway.is_some() {
            return format!(
                "http://{}",
                self.service_host(&self.service_name(Part::Gateway))
            );
        }
        match (self.mode(), self.query_part()) {
            (Some(Mode::SingleBinary), _) | (None, _) | (_, None) => {
                // Kept short for the local stack; the search path resolves it.
                format!(
                    "http://{}.{}.svc:{}",
                    self.service_name(Part::SingleBinary),
                    self.namespace,
                    names::LOKI_HTTP_PORT
                )
            }
            (Some(_), Some(query)) => format!(
                "http://{}:{}",
                self.service_host(&self.service_name(query)),
                names::LOKI_HTTP_PORT
            ),
        }
    }

    /// Where collectors push (`.../loki/api/v1/push`).
    pub fn push_url(&self) -> String {
        use crate::contract as names;
        let base = match self.push_part() {
            Some(part)
                if self.remote.is_none()
                    && self.gateway.is_none()
                    && part != Part::SingleBinary =>
            {
                format!(
                    "http://{}:{}",
                    self.service_host(&self.service_name(part)),
                    names::LOKI_HTTP_PORT
                )
            }
            _ => self.loki_url(),
        };
        format!("{base}/loki/api/v1/push")
    }

    /// The part that receives pushes; `None` for an agent.
    pub fn push_part(&self) -> Option<Part> {
        self.mode().map(|mode| match mode {
            Mode::SingleBinary => Part::SingleBinary,
            Mode::SimpleScalable => Part::Write,
            Mode::Distributed => Part::Distributor,
        })
    }

    /// The part that answers queries; `None` for an agent.
    pub fn query_part(&self) -> Option<Part> {
        self.mode().map(|mode| match mode {
            Mode::SingleBinary => Part::SingleBinary,
            Mode::SimpleScalable => Part::Read,
            Mode::Distributed => Part::QueryFrontend,
        })
    }

    /// The ingesters' total replica count (the write path's StatefulSets).
    pub fn ingester_replicas(&self) -> u32 {
        [Part::SingleBinary, Part::Ingester, Part::Write]
            .iter()
            .filter_map(|p| self.workload(*p))
            .map(|w| w.replicas)
            .sum()
    }
}
