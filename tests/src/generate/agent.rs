//! The generator's agents (profile `agent`): the collector alone, shipping to a central
//! Loki over https, or plain http to a Service of the cluster, with no auth, basic auth
//! or a bearer token from a Secret, and a private CA or the system's roots.

use serde_json::{Value, json};

use loki_stack_fn::spec::types::{Mode, Size};

use super::access::network;
use super::collector::{collector, grafana, monitoring};
use super::{Entropy, Shape, obj, s};

const HTTPS: &[&str] = &[
    "https://logs.example.com",
    "https://logs.example.com:8443/central/",
    "https://10.0.0.5",
    "https://[2001:db8::1]:9443",
    "https://loki-gateway.logging.svc",
];

/// `spec.remote`: (the value, its cluster).
fn remote(e: &mut Entropy, cluster_domain: &str) -> (Value, String) {
    // Plain http:// only to a Service of the cluster.
    let url = if e.byte() % 4 == 3 {
        e.pick(&[
            format!("http://loki-gateway.logging.svc.{cluster_domain}"),
            "http://central.loki.svc:8080/".to_owned(),
        ])
    } else {
        e.pick(HTTPS).to_owned()
    };
    let tls = url.starts_with("https://");
    let cluster = e.pick(&["edge-1", "store.042", "k8s"]).to_owned();
    let auth = match e.below(3) {
        0 => None,
        1 => {
            let mut r = json!({"name": "loki-remote"});
            if let Some(k) = e.maybe(&["username", "user"]) {
                r["usernameKey"] = s(k);
            }
            if let Some(k) = e.maybe(&["password", "pw.txt"]) {
                r["passwordKey"] = s(k);
            }
            Some(json!({"basic": {"secretRef": r}}))
        }
        _ => {
            let mut r = json!({"name": "loki-token"});
            if let Some(k) = e.maybe(&["token", "jwt.txt"]) {
                r["key"] = s(k);
            }
            Some(json!({"bearerToken": {"secretRef": r}}))
        }
    };
    let ca = if tls && e.chance() {
        let mut r = json!({"name": "loki-remote-ca"});
        if let Some(k) = e.maybe(&["ca.crt", "ca.pem"]) {
            r["key"] = s(k);
        }
        Some(json!({"caSecretRef": r}))
    } else {
        None
    };
    let value = obj(vec![
        ("url", Some(s(&url))),
        ("tenantId", e.maybe(&["fleet", "T_1.(x)"]).map(s)),
        ("auth", auth),
        ("tls", ca),
        ("cluster", Some(s(&cluster))),
    ])
    .unwrap_or_default();
    (value, cluster)
}

/// A valid LokiStack of profile agent from `e`.
pub(crate) fn config(e: &mut Entropy) -> Value {
    let cluster_domain = e.maybe(&["cluster.local", "k8s.internal"]);
    let (remote, cluster) = remote(e, cluster_domain.unwrap_or("cluster.local"));
    // Only what the network policies read of the shape: an agent exposes nothing.
    let shape = Shape {
        mode: Mode::SingleBinary,
        size: Size::Small,
        tenancy: true,
        tenant_id: cluster.clone(),
        gateway: false,
        auth: false,
        exposure: 0,
        ruler: false,
    };
    let mut metrics = monitoring(e);
    // The metrics' cluster label is the logs': the same value, or left out.
    if let Some(m) = metrics.as_mut().and_then(Value::as_object_mut)
        && m.contains_key("cluster")
    {
        m.insert("cluster".to_owned(), s(&cluster));
    }
    let spec = obj(vec![
        ("profile", Some(s("agent"))),
        ("remote", Some(remote)),
        (
            "namespace",
            e.maybe(&["logging", "observability", "l0ki"]).map(s),
        ),
        ("clusterDomain", cluster_domain.map(s)),
        ("collector", collector(e)),
        ("network", network(e, &shape)),
        ("monitoring", metrics),
        ("grafana", grafana(e)),
    ]);
    json!({
        "apiVersion": "lokistack.krm.dev/v1alpha1",
        "kind": "LokiStack",
        "metadata": {"name": e.pick(&["loki", "logs", "l-1"])},
        "spec": spec,
    })
}
