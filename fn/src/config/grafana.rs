//! Grafana's datasource provisioning file, as the kube-prometheus-stack sidecar loads it.

use serde::Serialize;

use crate::spec::Resolved;
use crate::spec::resolved::{Datasource, RemoteAuth};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_header_value2: Option<String>,
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
    /// `Authorization`: an agent's bearer token (header 1 is the tenant's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_header_name2: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub derived_fields: Vec<DerivedFieldEntry>,
}

/// Grafana's Loki `derivedFields`. Provisioning expands `$VAR` in every value, so a
/// literal `$` is written `$$`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DerivedFieldEntry {
    pub name: String,
    pub matcher_regex: String,
    pub matcher_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasource_uid: Option<String>,
    pub url: String,
}

/// A literal for Grafana's provisioning, which expands `$VAR` and `${VAR}`.
pub fn literal(text: &str) -> String {
    text.replace('$', "$$")
}

pub fn build(r: &Resolved, d: &Datasource) -> Provisioning {
    let tenant = r.tenancy.enabled.then(|| r.tenancy.tenant_id.clone());
    // The user of this stack's gateway; an agent reads the central Loki as its cluster's
    // user, which the central gateway names after the tenant (one htpasswd user per
    // cluster), or with its bearer token (the password Grafana is given is the token).
    let remote_auth = r.remote.as_ref().and_then(|remote| remote.auth.as_ref());
    let user = match (
        r.gateway.as_ref().and_then(|g| g.auth.as_ref()),
        remote_auth,
    ) {
        (Some(a), _) => Some(a.username.clone()),
        (None, Some(RemoteAuth::Basic { .. })) => Some(r.tenancy.tenant_id.clone()),
        _ => None,
    };
    let bearer = matches!(remote_auth, Some(RemoteAuth::BearerToken(_))) && tenant.is_some();
    Provisioning {
        api_version: 1,
        datasources: vec![DatasourceEntry {
            name: d.name.clone(),
            uid: d.uid.clone(),
            kind: "loki",
            access: "proxy",
            url: r.loki_url(),
            is_default: d.is_default,
            editable: false,
            basic_auth: user.as_ref().map(|_| true),
            basic_auth_user: user.clone(),
            json_data: JsonData {
                max_lines: d.max_lines,
                timeout: 60,
                http_header_name1: tenant.as_ref().map(|_| "X-Scope-OrgID"),
                http_header_name2: bearer.then_some("Authorization"),
                derived_fields: d
                    .derived_fields
                    .iter()
                    .map(|f| DerivedFieldEntry {
                        name: literal(&f.name),
                        matcher_regex: literal(&f.matcher_regex),
                        matcher_type: f.matcher_type,
                        datasource_uid: f.datasource_uid.as_deref().map(literal),
                        url: literal(&f.url),
                    })
                    .collect(),
            },
            secure_json_data: (user.is_some() || tenant.is_some()).then(|| SecureJsonData {
                basic_auth_password: user.as_ref().map(|_| d.password_ref.clone()),
                http_header_value1: tenant,
                http_header_value2: bearer.then(|| format!("Bearer {}", d.password_ref)),
            }),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::build;

    /// The datasource provisioning file of a LokiStack document.
    fn datasource_of(doc: &serde_json::Value) -> String {
        let r = crate::spec::parse(doc).unwrap_or_else(|e| panic!("{e:?}"));
        crate::yaml::to_string(&build(
            &r,
            r.datasource.as_ref().unwrap_or_else(|| panic!()),
        ))
        .unwrap_or_default()
    }

    fn provisioning(extra: &str) -> String {
        let doc: serde_json::Value = crate::yaml::from_str(&format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: cloud\n  retention: {{period: 7d}}\n  storage: {{s3: {{bucket: b-b-b, region: eu-west-1}}, auth: {{secretRef: {{name: s3}}}}}}\n  gateway: {{auth: {{basic: {{secretRef: {{name: gw}}}}}}}}\n{extra}"
        ))
        .unwrap_or_default();
        datasource_of(&doc)
    }

    #[test]
    fn the_gateway_password_comes_from_grafanas_environment_or_a_file_never_inline() {
        let env = provisioning("");
        assert!(
            env.contains("basicAuthPassword: $LOKI_GATEWAY_PASSWORD"),
            "{env}"
        );
        assert!(env.contains("httpHeaderName1: X-Scope-OrgID"), "{env}");
        assert!(
            env.contains("url: http://loki-gateway.logging.svc.cluster.local"),
            "{env}"
        );
        let file = provisioning(
            "  grafana: {datasource: {passwordFrom: {file: /etc/secrets/loki/password}}}\n",
        );
        assert!(
            file.contains("basicAuthPassword: $__file{/etc/secrets/loki/password}"),
            "{file}"
        );
    }

    fn agent(auth: &str) -> String {
        let doc: serde_json::Value = crate::yaml::from_str(&format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: agent\n  remote: {{url: 'https://logs.example.com', cluster: edge-1{auth}}}\n  grafana: {{datasource: {{enabled: true}}}}\n"
        ))
        .unwrap_or_default();
        datasource_of(&doc)
    }

    #[test]
    fn an_agent_reads_the_central_loki_as_its_clusters_tenant_and_user() {
        let basic = agent(", auth: {basic: {secretRef: {name: loki-remote}}}");
        for want in [
            "url: https://logs.example.com\n",
            "basicAuth: true",
            "basicAuthUser: edge-1",
            "basicAuthPassword: $LOKI_GATEWAY_PASSWORD",
            "httpHeaderValue1: edge-1",
        ] {
            assert!(basic.contains(want), "{want}: {basic}");
        }
        assert!(!basic.contains("Authorization"), "{basic}");
        let bearer = agent(", auth: {bearerToken: {secretRef: {name: loki-token}}}");
        assert!(
            bearer.contains("httpHeaderName2: Authorization"),
            "{bearer}"
        );
        assert!(
            bearer.contains("httpHeaderValue2: Bearer $LOKI_GATEWAY_PASSWORD"),
            "{bearer}"
        );
        assert!(!bearer.contains("basicAuth"), "{bearer}");
        let none = agent("");
        assert!(
            !none.contains("basicAuth") && !none.contains("Authorization"),
            "{none}"
        );
    }

    #[test]
    fn derived_fields_link_to_tempo_with_dollars_escaped_for_provisioning() {
        let text = provisioning(
            "  grafana:\n    datasource:\n      isDefault: true\n      derivedFields:\n      - {name: TraceID, matcherRegex: 'traceID=(\\w+)$', datasourceUid: tempo}\n      - {name: trace, matcherType: label, matcherRegex: trace_id, url: 'https://tempo.example/trace/${__value.raw}'}\n",
        );
        assert!(text.contains("isDefault: true"), "{text}");
        assert!(text.contains("matcherRegex: traceID=(\\w+)$$"), "{text}");
        assert!(text.contains("url: $${__value.raw}"), "{text}");
        assert!(text.contains("datasourceUid: tempo"), "{text}");
        assert!(text.contains("matcherType: label"), "{text}");
        assert!(
            text.contains("url: https://tempo.example/trace/$${__value.raw}"),
            "{text}"
        );
    }
}
