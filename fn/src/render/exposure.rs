//! Exposure outside the cluster: an Ingress or a Gateway API HTTPRoute, both to the
//! gateway's ClusterIP Service and to nothing else. Never a LoadBalancer or NodePort
//! Service: TLS is terminated by the ingress controller or Gateway, and passwords are
//! checked by the gateway (validation refuses exposure without gateway auth, and an
//! Ingress without TLS).

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;

use super::gateway::component;
use super::labels;
use super::meta::object_meta;
use super::meta::to_value;
use crate::contract::{GATEWAY, GATEWAY_HTTP, GATEWAY_SERVICE_PORT};
use crate::spec::Resolved;
use crate::spec::resolved::{self as spec, Gateway, Part};

/// `gateway.networking.k8s.io/v1` HTTPRoute: the fields this stack sets (k8s-openapi
/// has only the core API groups).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: HttpRouteSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    pub parent_refs: Vec<ParentReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentReference {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendRef {
    pub name: String,
    pub port: u16,
}

/// The exposure objects the config asks for (none by default).
pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    if r.exposure.ingress.is_none() && r.exposure.http_route.is_none() {
        return Ok(Vec::new());
    }
    let gw = r
        .gateway
        .as_ref()
        .ok_or("internal error: exposure without the gateway")?;
    let mut out = Vec::new();
    if let Some(i) = &r.exposure.ingress {
        out.push(to_value(&ingress(r, gw, i))?);
    }
    if let Some(h) = &r.exposure.http_route {
        out.push(to_value(&http_route(r, gw, h))?);
    }
    Ok(out)
}

/// One host, everything below `/` to the gateway's `http` port.
pub fn ingress(r: &Resolved, gw: &Gateway, i: &spec::Ingress) -> Ingress {
    let mut metadata = object_meta(
        GATEWAY,
        Some(&r.namespace),
        labels::common(r, component(gw)),
    );
    // The controller's own settings (cert-manager issuer, body size, ...), as given.
    metadata.annotations = (!i.annotations.is_empty()).then(|| i.annotations.clone());
    Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: i.class_name.clone(),
            tls: i.tls_secret_name.as_ref().map(|secret| {
                vec![IngressTLS {
                    hosts: Some(vec![i.host.clone()]),
                    secret_name: Some(secret.clone()),
                }]
            }),
            rules: Some(vec![IngressRule {
                host: Some(i.host.clone()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some("/".to_owned()),
                        path_type: "Prefix".to_owned(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: r.service_name(Part::Gateway),
                                port: Some(ServiceBackendPort {
                                    name: Some(GATEWAY_HTTP.to_owned()),
                                    ..ServiceBackendPort::default()
                                }),
                            }),
                            ..IngressBackend::default()
                        },
                    }],
                }),
            }]),
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    }
}

/// Attached to the user's Gateway(s), which terminate TLS; everything to the gateway
/// Service (Gateway API refers to Service ports by number).
pub fn http_route(r: &Resolved, gw: &Gateway, h: &spec::HttpRoute) -> HttpRoute {
    HttpRoute {
        api_version: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: object_meta(
            GATEWAY,
            Some(&r.namespace),
            labels::common(r, component(gw)),
        ),
        spec: HttpRouteSpec {
            parent_refs: h
                .parent_refs
                .iter()
                .map(|p| ParentReference {
                    name: p.name.clone(),
                    namespace: p.namespace.clone(),
                    section_name: p.section_name.clone(),
                })
                .collect(),
            hostnames: h.hostnames.clone(),
            rules: vec![HttpRouteRule {
                backend_refs: vec![BackendRef {
                    name: r.service_name(Part::Gateway),
                    port: GATEWAY_SERVICE_PORT,
                }],
            }],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(spec: &str) -> Resolved {
        let text = format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: cloud\n  retention: {{period: 7d}}\n  storage: {{s3: {{bucket: example-loki-chunks, region: eu-west-1}}}}\n  gateway: {{auth: {{basic: {{secretRef: {{name: loki-gateway-auth}}}}}}}}\n{spec}"
        );
        let doc: Value = crate::yaml::from_str(&text).unwrap();
        crate::spec::parse(&doc).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn nothing_by_default() {
        assert!(objects(&resolve("")).unwrap().is_empty());
    }

    #[test]
    fn ingress_to_the_gateway_with_tls() {
        let r = resolve(
            "  exposure:\n    ingress:\n      host: loki.example.com\n      className: nginx\n      tls: {secretName: loki-tls}\n      annotations: {cert-manager.io/cluster-issuer: letsencrypt}\n",
        );
        let objects = objects(&r).unwrap();
        assert_eq!(objects.len(), 1);
        let i = &objects[0];
        assert_eq!(i["apiVersion"], "networking.k8s.io/v1");
        assert_eq!(i["kind"], "Ingress");
        assert_eq!(i["metadata"]["name"], "loki-gateway");
        assert_eq!(
            i["metadata"]["annotations"],
            json!({"cert-manager.io/cluster-issuer": "letsencrypt"})
        );
        assert_eq!(
            i["metadata"]["labels"]["app.kubernetes.io/component"],
            "gateway"
        );
        assert_eq!(
            i["spec"],
            json!({
                "ingressClassName": "nginx",
                "rules": [{
                    "host": "loki.example.com",
                    "http": {"paths": [{
                        "backend": {"service": {"name": "loki-gateway", "port": {"name": "http"}}},
                        "path": "/",
                        "pathType": "Prefix",
                    }]},
                }],
                "tls": [{"hosts": ["loki.example.com"], "secretName": "loki-tls"}],
            })
        );
    }

    #[test]
    fn http_route_to_the_gateway_service() {
        let r = resolve(
            "  exposure:\n    httpRoute:\n      hostnames: [loki.example.com]\n      parentRefs: [{name: public, namespace: gateway-system, sectionName: https}, {name: internal}]\n",
        );
        let objects = objects(&r).unwrap();
        assert_eq!(objects.len(), 1);
        let h = &objects[0];
        assert_eq!(h["apiVersion"], "gateway.networking.k8s.io/v1");
        assert_eq!(h["kind"], "HTTPRoute");
        assert_eq!(h["metadata"]["name"], "loki-gateway");
        assert_eq!(h["metadata"]["namespace"], r.namespace.as_str());
        assert_eq!(
            h["spec"],
            json!({
                "parentRefs": [
                    {"name": "public", "namespace": "gateway-system", "sectionName": "https"},
                    {"name": "internal"},
                ],
                "hostnames": ["loki.example.com"],
                "rules": [{"backendRefs": [{"name": "loki-gateway", "port": 80}]}],
            })
        );
    }

    #[test]
    fn both_at_once() {
        let r = resolve(
            "  exposure:\n    ingress: {host: loki.example.com, tls: {secretName: loki-tls}}\n    httpRoute: {parentRefs: [{name: public}]}\n",
        );
        let objects = objects(&r).unwrap();
        let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
        assert_eq!(kinds, ["Ingress", "HTTPRoute"]);
        assert!(objects[1]["spec"].get("hostnames").is_none());
        assert!(objects[0]["metadata"].get("annotations").is_none());
    }
}
