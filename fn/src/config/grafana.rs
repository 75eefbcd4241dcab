//! Grafana's datasource provisioning file, as the kube-prometheus-stack sidecar loads it.

use serde::Serialize;

use crate::spec::Resolved;
use crate::spec::resolved::Datasource;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provisioning {
    pub api_version: u32,
    pub datasources: Vec<DatasourceEntry>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasourceEntry {
    pub name: String,
    pub uid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub access: &'static str,
    pub url: String,
    pub is_default: bool,
    pub editable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth_user: Option<String>,
    pub json_data: JsonData,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_json_data: Option<SecureJsonData>,
}

/// Secrets are never written here: Grafana expands `$VAR` from its own environment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecureJsonData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth_password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_header_value1: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonData {
    pub max_lines: u32,
    /// Seconds; Loki's own query timeout is longer, so Grafana gives up first.
    pub timeout: u32,
    /// `X-Scope-OrgID`: the tenant Grafana reads (tenancy on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_header_name1: Option<&'static str>,
}

/// The environment variable of Grafana's pod that holds the gateway password
/// (kube-prometheus-stack: `grafana.envFromSecret`).
pub const PASSWORD_ENV: &str = "LOKI_GATEWAY_PASSWORD";

pub fn build(r: &Resolved, d: &Datasource) -> Provisioning {
    let auth = r.gateway.as_ref().and_then(|g| g.auth.as_ref());
    let tenant = r.tenancy.enabled.then(|| r.tenancy.tenant_id.clone());
    Provisioning {
        api_version: 1,
        datasources: vec![DatasourceEntry {
            name: d.name.clone(),
            uid: d.uid.clone(),
            kind: "loki",
            access: "proxy",
            url: r.loki_url(),
            is_default: false,
            editable: false,
            basic_auth: auth.map(|_| true),
            basic_auth_user: auth.map(|a| a.username.clone()),
            json_data: JsonData {
                max_lines: d.max_lines,
                timeout: 60,
                http_header_name1: tenant.as_ref().map(|_| "X-Scope-OrgID"),
            },
            secure_json_data: (auth.is_some() || tenant.is_some()).then(|| SecureJsonData {
                basic_auth_password: auth.map(|_| format!("${PASSWORD_ENV}")),
                http_header_value1: tenant,
            }),
        }],
    }
}
