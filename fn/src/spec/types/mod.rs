//! The `LokiStack` function config as users write it (`lokistack.krm.dev/v1alpha1`).
//!
//! Every field is optional here and unknown fields are refused. What a missing field
//! means is decided in one place, `resolve`, from the profile.

use std::collections::BTreeMap;

use serde::Deserialize;

mod collector;
pub use collector::*;

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
    /// Preset of replicas, resources, PVC sizes and limits (scalable modes).
    pub size: Option<Size>,
    /// Per-component overrides of the size preset.
    pub components: Option<ComponentsSpec>,
    /// Copies of every stream the ingesters keep (cloud: 3).
    pub replication_factor: Option<u32>,
    /// Values of `topology.kubernetes.io/zone`: one ingester StatefulSet per zone.
    pub zones: Option<Vec<String>>,
    pub tenancy: Option<TenancySpec>,
    pub gateway: Option<GatewaySpec>,
    pub exposure: Option<ExposureSpec>,
    pub caches: Option<CachesSpec>,
    pub ruler: Option<RulerSpec>,
    /// The cluster's DNS domain, for the addresses components use (`cluster.local`).
    pub cluster_domain: Option<String>,
    /// Who may connect to the stack's pods: NetworkPolicies or CiliumNetworkPolicies.
    pub network: Option<NetworkSpec>,
    /// What is rendered for Loki itself: its own objects, or a Flux HelmRelease of the
    /// upstream chart (default `Manifests`).
    pub output: Option<Output>,
}

/// `spec.output`: how Loki itself is deployed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
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

/// `spec.network.policies`: which policy API restricts ingress to the stack's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// `networking.k8s.io/v1` NetworkPolicies (any CNI that enforces them).
    Kubernetes,
    /// `cilium.io/v2` CiliumNetworkPolicies.
    Cilium,
    /// No policies: every pod may connect to every port of the stack.
    None,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Default `kubernetes`.
    pub policies: Option<PolicyKind>,
    /// Namespace of Grafana's pods (default: the datasource's namespace).
    pub grafana_namespace: Option<String>,
    /// Namespace of Prometheus' pods (default `monitoring`).
    pub prometheus_namespace: Option<String>,
    /// Namespaces of the ingress controller / Gateway API proxies that forward
    /// `spec.exposure` traffic to the gateway.
    pub exposure_namespaces: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
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

/// `spec.components.<name>`: overrides of one component's preset.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentsSpec {
    pub single_binary: Option<ComponentSpec>,
    pub distributor: Option<ComponentSpec>,
    pub ingester: Option<ComponentSpec>,
    pub querier: Option<ComponentSpec>,
    pub query_frontend: Option<ComponentSpec>,
    pub query_scheduler: Option<ComponentSpec>,
    pub compactor: Option<ComponentSpec>,
    pub index_gateway: Option<ComponentSpec>,
    pub ruler: Option<ComponentSpec>,
    pub write: Option<ComponentSpec>,
    pub read: Option<ComponentSpec>,
    pub backend: Option<ComponentSpec>,
    pub gateway: Option<ComponentSpec>,
    pub chunks_cache: Option<ComponentSpec>,
    pub results_cache: Option<ComponentSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentSpec {
    pub replicas: Option<u32>,
    pub resources: Option<ResourcesSpec>,
    pub storage: Option<FilesystemSpec>,
    pub node_selector: Option<BTreeMap<String, String>>,
    pub tolerations: Option<Vec<TolerationSpec>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TolerationSpec {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenancySpec {
    /// Loki's `auth_enabled`: every push and query names its tenant (`X-Scope-OrgID`).
    pub enabled: Option<bool>,
    /// The tenant Promtail writes to and Grafana reads from.
    pub tenant_id: Option<String>,
    /// Per-tenant overrides (Loki's runtime config).
    pub tenants: Option<Vec<TenantSpec>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantSpec {
    pub id: String,
    pub retention: Option<RetentionSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Default: on in the scalable modes (the one entry point), off in SingleBinary.
    pub enabled: Option<bool>,
    pub image: Option<String>,
    pub resources: Option<ResourcesSpec>,
    pub auth: Option<GatewayAuthSpec>,
    /// DNS server nginx asks for Service addresses.
    pub resolver: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayAuthSpec {
    pub basic: Option<BasicAuthSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BasicAuthSpec {
    pub secret_ref: Option<BasicAuthSecretRef>,
    /// The user Promtail and Grafana log in as (with tenancy on: the tenant id).
    pub username: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BasicAuthSecretRef {
    pub name: Option<String>,
    /// Key holding the htpasswd file nginx reads (default `.htpasswd`).
    pub htpasswd_key: Option<String>,
    /// Key holding the clients' plain password (default `password`).
    pub password_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExposureSpec {
    pub ingress: Option<IngressSpec>,
    pub http_route: Option<HttpRouteSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressSpec {
    pub host: Option<String>,
    pub class_name: Option<String>,
    pub tls: Option<IngressTlsSpec>,
    pub annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressTlsSpec {
    pub secret_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpRouteSpec {
    pub hostnames: Option<Vec<String>>,
    pub parent_refs: Option<Vec<ParentRefSpec>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParentRefSpec {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub section_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CachesSpec {
    pub chunks: Option<CacheSpec>,
    pub results: Option<CacheSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CacheSpec {
    pub enabled: Option<bool>,
    /// memcached's item memory (`-m`), in MiB.
    #[serde(rename = "memoryMB")]
    pub memory_mb: Option<u32>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RulerSpec {
    pub enabled: Option<bool>,
    /// Where the ruler sends alerts, e.g. `http://alertmanager-operated.monitoring.svc:9093`.
    pub alertmanager_url: Option<String>,
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
    pub s3: Option<S3Spec>,
    pub gcs: Option<GcsSpec>,
    /// Credentials, only ever by reference.
    pub auth: Option<StorageAuthSpec>,
    /// Acknowledges a switch of the object store (backend or bucket) of a running stack.
    pub migration: Option<StorageMigrationSpec>,
}

/// `spec.storage.migration`: a store switch is refused on change (`plan --from`, kpt)
/// unless it says which store it leaves and what becomes of the logs there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageMigrationSpec {
    /// The store the running stack uses, as `plan` prints it: `filesystem`,
    /// `s3://<bucket>`, `s3://<endpoint>/<bucket>` or `gcs://<bucket>`.
    pub from: Option<String>,
    /// What becomes of the logs in that store.
    pub old_logs: Option<OldLogs>,
}

/// The logs already in the store a migration leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum OldLogs {
    /// Left where they are: Loki no longer reads them (delete them yourself).
    Abandon,
    /// Copied (chunks and index) to the new store before the switch.
    Copied,
}

impl OldLogs {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Abandon => "Abandon",
            Self::Copied => "Copied",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3Spec {
    pub bucket: Option<String>,
    pub region: Option<String>,
    /// S3-compatible endpoint (MinIO, Ceph): `host[:port]` or an `http(s)://` URL.
    pub endpoint: Option<String>,
    pub force_path_style: Option<bool>,
    pub sse: Option<SseSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SseSpec {
    #[serde(rename = "type")]
    pub kind: Option<SseType>,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SseType {
    #[serde(rename = "SSE-S3")]
    SseS3,
    #[serde(rename = "SSE-KMS")]
    SseKms,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GcsSpec {
    pub bucket: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageAuthSpec {
    /// Workload identity: IRSA (`eks.amazonaws.com/role-arn`) or GKE
    /// (`iam.gke.io/gcp-service-account`), put on Loki's ServiceAccount.
    pub service_account_annotations: Option<BTreeMap<String, String>>,
    pub secret_ref: Option<StorageSecretRef>,
}

/// A Secret in the stack's namespace holding the object store credentials.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageSecretRef {
    pub name: Option<String>,
    /// S3: key of the access key id (default `AWS_ACCESS_KEY_ID`).
    pub access_key_id_key: Option<String>,
    /// S3: key of the secret access key (default `AWS_SECRET_ACCESS_KEY`).
    pub secret_access_key_key: Option<String>,
    /// GCS: key of the service account key file (default `key.json`).
    pub key_file_key: Option<String>,
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaSpec {
    pub datasource: Option<DatasourceSpec>,
    pub dashboards: Option<DashboardsSpec>,
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
    /// Make Loki Grafana's default datasource.
    pub is_default: Option<bool>,
    /// Links from log lines to other datasources (e.g. a trace id to Tempo).
    pub derived_fields: Option<Vec<DerivedFieldSpec>>,
    /// Where Grafana finds the gateway password (gateway basic auth on).
    pub password_from: Option<PasswordFromSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DerivedFieldSpec {
    pub name: Option<String>,
    /// A regex with one capture group (the value), or a label name with
    /// `matcherType: label` (structured metadata such as `trace_id`).
    pub matcher_regex: Option<String>,
    pub matcher_type: Option<DerivedFieldMatcher>,
    /// The uid of the datasource the value is queried in (e.g. Tempo).
    pub datasource_uid: Option<String>,
    /// An external link instead; `${__value.raw}` is the value.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DerivedFieldMatcher {
    Regex,
    Label,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordFromSpec {
    /// An environment variable of Grafana's pod.
    pub env: Option<String>,
    /// A file mounted into Grafana's pod.
    pub file: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MonitoringSpec {
    pub service_monitor: Option<ServiceMonitorSpec>,
    /// The `cluster` label on every scraped series (the Loki mixin's dashboards and
    /// alerts select by it).
    pub cluster: Option<String>,
    pub prometheus_rule: Option<PrometheusRuleSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    pub enabled: Option<bool>,
    pub labels: Option<BTreeMap<String, String>>,
    pub interval: Option<String>,
}

/// The stack's own health alerts, as a Prometheus Operator PrometheusRule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrometheusRuleSpec {
    pub enabled: Option<bool>,
    /// Default: the ServiceMonitors' labels (what kube-prometheus-stack selects by).
    pub labels: Option<BTreeMap<String, String>>,
}

/// Grafana dashboards as ConfigMaps for the kube-prometheus-stack sidecar.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DashboardsSpec {
    pub enabled: Option<bool>,
    /// Grafana's namespace; default: the datasource's.
    pub namespace: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
}
