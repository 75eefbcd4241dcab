//! `spec.remote`: the central Loki an agent (profile `agent`) ships to.

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;

/// Where an agent ships its cluster's logs, as whom, and with which `cluster` label.
/// Required with profile `agent`, refused with the others.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoteSpec {
    /// Required: the central Loki's base URL (its gateway or Ingress), e.g.
    /// `https://logs.example.com`; the push path `/loki/api/v1/push` is appended.
    /// `https://` is required unless the host is inside the cluster (`*.svc`,
    /// `*.svc.<clusterDomain>`); no credentials, query or fragment in the URL.
    #[schemars(transform = rules::remote_url)]
    pub url: Option<String>,
    /// The tenant the logs are written to (`X-Scope-OrgID`). Default: `cluster`'s value.
    /// Behind the central stack's gateway the user name is the tenant.
    #[schemars(transform = rules::tenant_id)]
    pub tenant_id: Option<String>,
    /// How the collector authenticates: `basic` or `bearerToken`, from a Secret in the
    /// stack's namespace (never inline). Default: none.
    pub auth: Option<RemoteAuthSpec>,
    /// TLS towards the central Loki: certificates are always verified.
    pub tls: Option<RemoteTlsSpec>,
    /// Required: this cluster's name, the `cluster` label of every stream it ships (one
    /// value per cluster, so bounded), also of its scraped metrics
    /// (`spec.monitoring.cluster`).
    #[schemars(transform = rules::label_value, transform = rules::non_empty)]
    pub cluster: Option<String>,
}

/// Exactly one of `basic` and `bearerToken`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoteAuthSpec {
    /// HTTP basic auth (the central stack's gateway: one htpasswd user per cluster).
    pub basic: Option<RemoteBasicSpec>,
    /// `Authorization: Bearer <token>` (e.g. an authenticating proxy in front of Loki).
    pub bearer_token: Option<RemoteBearerSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoteBasicSpec {
    /// Required: the Secret with the user name and the password.
    pub secret_ref: Option<UserPasswordRef>,
}

/// A Secret in the stack's namespace holding a user name and a password.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserPasswordRef {
    /// The Secret's name.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// The key of the user name. Default `username`.
    #[schemars(transform = rules::secret_key)]
    pub username_key: Option<String>,
    /// The key of the password. Default `password`.
    #[schemars(transform = rules::secret_key)]
    pub password_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoteBearerSpec {
    /// Required: the Secret with the token. Default key `token`.
    pub secret_ref: Option<KeyRef>,
}

/// One key of a Secret in the stack's namespace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeyRef {
    /// The Secret's name.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// The key in it.
    #[schemars(transform = rules::secret_key)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoteTlsSpec {
    /// A Secret with the CA certificate (PEM) that signed the central Loki's certificate,
    /// for a private CA; the system's roots otherwise. Default key `ca.crt`.
    pub ca_secret_ref: Option<KeyRef>,
}
