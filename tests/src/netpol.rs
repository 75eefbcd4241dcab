//! A small evaluator of Kubernetes NetworkPolicies and CiliumNetworkPolicies over
//! rendered pods: helpers of tests/tests/network_policies.rs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;

use serde_json::Value;

pub const NS_LABEL: &str = "kubernetes.io/metadata.name";
pub const CILIUM_NS: &str = "k8s:io.kubernetes.pod.namespace";

#[derive(Debug, Clone)]
pub struct Pod {
    /// Workload name (or a made-up name for outside pods).
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// Container port name -> number.
    pub ports: BTreeMap<String, u16>,
    /// Cilium's reserved `ingress` identity (its own Ingress/Gateway proxy).
    pub cilium_ingress: bool,
}

pub fn outside(name: &str, namespace: &str) -> Pod {
    Pod {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
        labels: BTreeMap::from([("app".to_owned(), name.to_owned())]),
        ports: BTreeMap::new(),
        cilium_ingress: false,
    }
}

pub fn str_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The pods of every workload (one per workload: replicas share labels).
pub fn pods(objects: &[Value]) -> Vec<Pod> {
    objects
        .iter()
        .filter(|o| o.pointer("/spec/template/spec").is_some())
        .map(|o| {
            let t = &o["spec"]["template"];
            let mut ports = BTreeMap::new();
            for c in t["spec"]["containers"].as_array().unwrap() {
                for p in c["ports"].as_array().into_iter().flatten() {
                    ports.insert(
                        p["name"].as_str().unwrap().to_owned(),
                        u16::try_from(p["containerPort"].as_u64().unwrap()).unwrap(),
                    );
                }
            }
            Pod {
                name: o["metadata"]["name"].as_str().unwrap().to_owned(),
                namespace: o["metadata"]["namespace"].as_str().unwrap().to_owned(),
                labels: str_map(&t["metadata"]["labels"]),
                ports,
                cilium_ingress: false,
            }
        })
        .collect()
}

/// `matchLabels` (the only form the stack renders; anything else fails the test).
pub fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let s = selector.as_object().unwrap();
    assert!(
        s.keys().all(|k| k == "matchLabels"),
        "unsupported selector {selector}"
    );
    str_map(&selector["matchLabels"])
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
}

pub fn port_matches(ports: Option<&Value>, dst: &Pod, port: u16) -> bool {
    let Some(list) = ports.and_then(Value::as_array) else {
        return true; // no ports: every port
    };
    list.iter().any(|p| {
        assert!(p.get("endPort").is_none());
        assert_eq!(p["protocol"].as_str().unwrap_or("TCP"), "TCP");
        match &p["port"] {
            Value::Null => true,
            Value::Number(n) => n.as_u64() == Some(u64::from(port)),
            Value::String(name) => dst.ports.get(name) == Some(&port),
            other => panic!("bad port {other}"),
        }
    })
}

/// NetworkPolicy semantics, one direction: does `rules` (ingress `from` / egress `to`)
/// of `policy` admit `peer`?
pub fn k8s_peer_matches(policy_ns: &str, peers: Option<&Value>, peer: &Pod) -> bool {
    let Some(list) = peers.and_then(Value::as_array) else {
        return true; // no from/to: everyone
    };
    list.iter().any(|p| {
        assert!(p.get("ipBlock").is_none(), "ipBlock not modelled");
        let ns_labels = BTreeMap::from([(NS_LABEL.to_owned(), peer.namespace.clone())]);
        match (p.get("podSelector"), p.get("namespaceSelector")) {
            (Some(ps), None) => peer.namespace == policy_ns && selects(ps, &peer.labels),
            (None, Some(ns)) => selects(ns, &ns_labels),
            (Some(ps), Some(ns)) => selects(ns, &ns_labels) && selects(ps, &peer.labels),
            (None, None) => panic!("empty peer"),
        }
    })
}

pub fn k8s_side(
    policies: &[&Value],
    subject: &Pod,
    kind: &str,
    check: impl Fn(&Value) -> bool,
) -> bool {
    let relevant: Vec<&&Value> = policies
        .iter()
        .filter(|p| {
            p["metadata"]["namespace"] == subject.namespace.as_str()
                && selects(&p["spec"]["podSelector"], &subject.labels)
                && p["spec"]["policyTypes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t == kind)
        })
        .collect();
    relevant.is_empty() || relevant.iter().any(|p| check(p))
}

pub fn k8s_allows(policies: &[&Value], src: &Pod, dst: &Pod, port: u16) -> bool {
    let ingress = k8s_side(policies, dst, "Ingress", |p| {
        p["spec"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| {
                k8s_peer_matches(&dst.namespace, r.get("from"), src)
                    && port_matches(r.get("ports"), dst, port)
            })
    });
    let egress = k8s_side(policies, src, "Egress", |p| {
        p["spec"]["egress"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| {
                k8s_peer_matches(&src.namespace, r.get("to"), dst)
                    && port_matches(r.get("ports"), dst, port)
            })
    });
    ingress && egress
}

/// A Cilium endpoint's labels: its pod's, the `k8s:` prefixed forms, its namespace.
pub fn cilium_labels(p: &Pod) -> BTreeMap<String, String> {
    let mut l = p.labels.clone();
    for (k, v) in &p.labels {
        l.insert(format!("k8s:{k}"), v.clone());
    }
    l.insert(CILIUM_NS.to_owned(), p.namespace.clone());
    l
}

pub fn cilium_allows(policies: &[&Value], src: &Pod, dst: &Pod, port: u16) -> bool {
    assert!(policies.iter().all(|p| p["spec"].get("egress").is_none()));
    let relevant: Vec<&&Value> = policies
        .iter()
        .filter(|p| {
            p["metadata"]["namespace"] == dst.namespace.as_str()
                && selects(&p["spec"]["endpointSelector"], &cilium_labels(dst))
                && p["spec"].get("ingress").is_some()
        })
        .collect();
    if relevant.is_empty() {
        return true;
    }
    let src_labels = cilium_labels(src);
    relevant.iter().any(|p| {
        let policy_ns = p["metadata"]["namespace"].as_str().unwrap();
        p["spec"]["ingress"].as_array().unwrap().iter().any(|r| {
            let from_endpoints = r["fromEndpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| {
                    let names_ns = s["matchLabels"].get(CILIUM_NS).is_some();
                    !src.cilium_ingress
                        && (names_ns || src.namespace == policy_ns)
                        && selects(s, &src_labels)
                });
            let from_entities =
                r["fromEntities"].as_array().into_iter().flatten().any(|e| {
                    match e.as_str().unwrap() {
                        "ingress" => src.cilium_ingress,
                        "all" => true,
                        "cluster" => !src.cilium_ingress,
                        other => panic!("entity {other} not modelled"),
                    }
                });
            let ports = match r.get("toPorts").and_then(Value::as_array) {
                None => true,
                Some(rules) => rules.iter().any(|pr| {
                    pr["ports"].as_array().unwrap().iter().any(|pp| {
                        assert_eq!(pp["protocol"], "TCP");
                        let text = pp["port"].as_str().unwrap();
                        text.parse::<u16>()
                            .map_or_else(|_| dst.ports.get(text) == Some(&port), |n| n == port)
                    })
                }),
            };
            (from_endpoints || from_entities) && ports
        })
    })
}
