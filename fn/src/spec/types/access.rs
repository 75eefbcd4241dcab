//! Who may read and write: tenancy, the gateway, exposure and network policies; the
//! optional caches and ruler.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;
use super::shared::{ResourcesSpec, RetentionSpec};

/// Loki's multi-tenancy.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenancySpec {
    /// Loki's `auth_enabled`: every push and query names its tenant (`X-Scope-OrgID`).
    /// Default: false (local), true (cloud).
    pub enabled: Option<bool>,
    /// The tenant Promtail writes to and Grafana reads from (tenancy on only). Default
    /// `cluster`.
    #[schemars(transform = rules::tenant_id)]
    pub tenant_id: Option<String>,
    /// Per-tenant overrides (Loki's runtime config); tenancy on only.
    pub tenants: Option<Vec<TenantSpec>>,
}

/// One tenant's overrides.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantSpec {
    /// Loki tenant id: 1 to 150 letters, digits or `!-_.*'()`, listed once.
    #[schemars(transform = rules::tenant_id)]
    pub id: String,
    /// The tenant's retention (at least 24h), instead of the stack's.
    pub retention: Option<RetentionSpec>,
}

/// The nginx gateway in front of Loki.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Default: on in the scalable modes (the one entry point), and in SingleBinary when
    /// `auth` or `spec.exposure` is set; off otherwise.
    pub enabled: Option<bool>,
    /// Pinned nginx image that runs as non-root on 8080. Default
    /// `docker.io/nginxinc/nginx-unprivileged:1.31-alpine`.
    #[schemars(transform = rules::image)]
    pub image: Option<String>,
    /// Default: requests 50m CPU / 64Mi, memory limit 256Mi (or the size preset's).
    pub resources: Option<ResourcesSpec>,
    /// Authentication of every client (Promtail and Grafana included).
    pub auth: Option<GatewayAuthSpec>,
    /// DNS server nginx asks for Service addresses. Default
    /// `kube-dns.kube-system.svc.<clusterDomain>.`.
    #[schemars(transform = rules::resolver)]
    pub resolver: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayAuthSpec {
    /// HTTP basic auth against an htpasswd file from a Secret.
    pub basic: Option<BasicAuthSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BasicAuthSpec {
    /// Required: the Secret with the htpasswd file and the clients' password.
    pub secret_ref: Option<BasicAuthSecretRef>,
    /// The user Promtail and Grafana log in as. Default `loki`; with tenancy on it is the
    /// tenant id (the gateway makes the user the tenant), and nothing else is allowed.
    #[schemars(transform = rules::basic_auth_user)]
    pub username: Option<String>,
}

/// A Secret in the stack's namespace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BasicAuthSecretRef {
    /// Required: the Secret's name.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// Key holding the htpasswd file nginx reads (default `.htpasswd`).
    #[schemars(transform = rules::secret_key)]
    pub htpasswd_key: Option<String>,
    /// Key holding the clients' plain password (default `password`).
    #[schemars(transform = rules::secret_key)]
    pub password_key: Option<String>,
}

/// How the gateway is reached from outside the cluster (TLS is required).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExposureSpec {
    /// A `networking.k8s.io/v1` Ingress.
    pub ingress: Option<IngressSpec>,
    /// A Gateway API HTTPRoute.
    pub http_route: Option<HttpRouteSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressSpec {
    /// Required: the DNS name clients use, e.g. `loki.example.com` (`*.` allowed).
    #[schemars(transform = rules::host)]
    pub host: Option<String>,
    /// The IngressClass, e.g. `nginx` or `traefik`; default: the cluster's default class.
    #[schemars(transform = rules::dns_label)]
    pub class_name: Option<String>,
    /// Required: basic auth over plain HTTP would send the password in clear text.
    pub tls: Option<IngressTlsSpec>,
    /// Annotations of the Ingress (for the controller, cert-manager, ...).
    #[schemars(transform = rules::annotation_keys)]
    pub annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressTlsSpec {
    /// Required: the TLS Secret (e.g. one cert-manager issues) in the stack's namespace.
    #[schemars(transform = rules::dns_label)]
    pub secret_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpRouteSpec {
    /// The DNS names the route serves; none: every name of the parent Gateway's listener.
    #[schemars(transform = rules::host)]
    pub hostnames: Option<Vec<String>>,
    /// Required, at least one: the Gateways that serve the route; they must terminate TLS.
    pub parent_refs: Option<Vec<ParentRefSpec>>,
}

/// A Gateway (Gateway API).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParentRefSpec {
    /// Required: the Gateway's name.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// The Gateway's namespace; default: the stack's.
    #[schemars(transform = rules::dns_label)]
    pub namespace: Option<String>,
    /// One listener of the Gateway.
    #[schemars(transform = rules::dns_label)]
    pub section_name: Option<String>,
}

/// memcached in front of the object store (chunks) and of query results.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CachesSpec {
    /// Caches chunks read from the object store.
    pub chunks: Option<CacheSpec>,
    /// Caches query results (the query frontend's).
    pub results: Option<CacheSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CacheSpec {
    /// Default: on in the scalable modes from size medium, off otherwise.
    pub enabled: Option<bool>,
    /// memcached's item memory (`-m`), in MiB per replica, 64 to 65536. Default from
    /// the size.
    #[serde(rename = "memoryMB")]
    #[schemars(range(min = 64, max = 65536))]
    pub memory_mb: Option<u32>,
    /// Pinned memcached image. Default `docker.io/library/memcached:1.6.45-alpine`.
    #[schemars(transform = rules::image)]
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RulerSpec {
    /// Runs Loki's ruler. Default false.
    pub enabled: Option<bool>,
    /// Where the ruler sends alerts, e.g. `http://alertmanager-operated.monitoring.svc:9093`.
    #[schemars(transform = rules::http_url)]
    pub alertmanager_url: Option<String>,
}

/// Who may connect to the stack's pods.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkSpec {
    /// The policy API that restricts ingress to the stack's pods. Default `kubernetes`.
    pub policies: Option<PolicyKind>,
    /// Namespace of Grafana's pods (default: the datasource's namespace).
    #[schemars(transform = rules::dns_label)]
    pub grafana_namespace: Option<String>,
    /// Namespace of Prometheus' pods (default `monitoring`).
    #[schemars(transform = rules::dns_label)]
    pub prometheus_namespace: Option<String>,
    /// Namespaces of the ingress controller / Gateway API proxies that forward
    /// `spec.exposure` traffic to the gateway (only with `spec.exposure`). Default:
    /// `[ingress-nginx]` for an Ingress, the parent Gateways' namespaces for an HTTPRoute.
    #[schemars(transform = rules::dns_label)]
    pub exposure_namespaces: Option<Vec<String>>,
}

/// `spec.network.policies`: which policy API restricts ingress to the stack's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// `networking.k8s.io/v1` NetworkPolicies (any CNI that enforces them).
    Kubernetes,
    /// `cilium.io/v2` CiliumNetworkPolicies.
    Cilium,
    /// No policies: every pod may connect to every port of the stack.
    None,
}
