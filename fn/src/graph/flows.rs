//! The ingress flows the rendered NetworkPolicies and CiliumNetworkPolicies allow, read
//! back from the objects (not from the model that rendered them).

use std::collections::BTreeMap;

use serde_json::Value;

/// Cilium's label of an endpoint's namespace.
const CILIUM_NAMESPACE: &str = "k8s:io.kubernetes.pod.namespace";
/// The label every namespace carries.
const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// A label selector: `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`,
/// `DoesNotExist`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selector {
    pub labels: BTreeMap<String, String>,
    /// `(key, operator, values)`.
    pub expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    pub fn read(v: &Value) -> Self {
        let labels = v
            .get("matchLabels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let expressions = v
            .get("matchExpressions")
            .and_then(Value::as_array)
            .map(|es| {
                es.iter()
                    .map(|e| {
                        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
                        let values = e
                            .get("values")
                            .and_then(Value::as_array)
                            .map(|vs| {
                                vs.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default();
                        (s("key").to_owned(), s("operator").to_owned(), values)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            labels,
            expressions,
        }
    }

    /// True when pods with `labels` are selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|(k, op, values)| {
                let got = labels.get(k);
                match op.as_str() {
                    "In" => got.is_some_and(|g| values.contains(g)),
                    "NotIn" => got.is_none_or(|g| !values.contains(g)),
                    "Exists" => got.is_some(),
                    "DoesNotExist" => got.is_none(),
                    _ => false,
                }
            })
    }

    /// `k=v, ...` for labels.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.extend(
            self.expressions
                .iter()
                .map(|(k, op, vs)| format!("{k} {op} ({})", vs.join(","))),
        );
        parts.join(", ")
    }
}

/// Where an allowed connection comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum From {
    /// Pods of the policy's namespace.
    Pods(Selector),
    /// Every pod of a namespace.
    Namespace(String),
    /// Pods of other namespaces (a selector this reader does not resolve).
    Other(String),
    /// Cilium's reserved `ingress` identity (its Ingress / Gateway API proxy).
    CiliumIngress,
}

/// One allowed flow: `from` to the pods `to` selects, on `ports` (names or numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub policy: String,
    pub from: From,
    pub to: Selector,
    pub ports: Vec<String>,
}

/// Every flow the policies among `objects` allow, in object order.
pub fn flows(objects: &[Value]) -> Vec<Flow> {
    let mut out = Vec::new();
    for o in objects {
        let name = o
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let rules = |k: &str| {
            o.pointer(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        match kind(o) {
            ("networking.k8s.io", "NetworkPolicy") => {
                let to = Selector::read(o.pointer("/spec/podSelector").unwrap_or(&Value::Null));
                for rule in rules("/spec/ingress") {
                    let ports = ports(&rule, "ports", |p| vec![p]);
                    for peer in rule
                        .get("from")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        out.push(Flow {
                            policy: name.to_owned(),
                            from: network_policy_peer(peer),
                            to: to.clone(),
                            ports: ports.clone(),
                        });
                    }
                }
            }
            ("cilium.io", "CiliumNetworkPolicy") => {
                let to =
                    Selector::read(o.pointer("/spec/endpointSelector").unwrap_or(&Value::Null));
                for rule in rules("/spec/ingress") {
                    let ports = ports(&rule, "toPorts", |p| {
                        p.get("ports")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default()
                    });
                    let endpoints = rule.get("fromEndpoints").and_then(Value::as_array);
                    for peer in endpoints.into_iter().flatten() {
                        out.push(Flow {
                            policy: name.to_owned(),
                            from: cilium_peer(peer),
                            to: to.clone(),
                            ports: ports.clone(),
                        });
                    }
                    let entities = rule.get("fromEntities").and_then(Value::as_array);
                    for entity in entities.into_iter().flatten() {
                        out.push(Flow {
                            policy: name.to_owned(),
                            from: match entity.as_str() {
                                Some("ingress") => From::CiliumIngress,
                                other => From::Other(format!("entity {}", other.unwrap_or("?"))),
                            },
                            to: to.clone(),
                            ports: ports.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `(API group, kind)` of an object.
pub fn kind(o: &Value) -> (&str, &str) {
    let api = o
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    (
        group,
        o.get("kind").and_then(Value::as_str).unwrap_or_default(),
    )
}

/// The port names (or numbers) of a rule; "any port" when it lists none.
fn ports(rule: &Value, key: &str, each: impl Fn(Value) -> Vec<Value>) -> Vec<String> {
    let list: Vec<String> = rule
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .flat_map(each)
        .filter_map(|p| match p.get("port") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    if list.is_empty() {
        vec!["any port".to_owned()]
    } else {
        list
    }
}

fn network_policy_peer(peer: &Value) -> From {
    let pods = peer.get("podSelector");
    match (peer.get("namespaceSelector"), pods) {
        (None, Some(pods)) => From::Pods(Selector::read(pods)),
        (Some(ns), None) => {
            let s = Selector::read(ns);
            match s.labels.get(NAMESPACE_NAME) {
                Some(name) if s.labels.len() == 1 && s.expressions.is_empty() => {
                    From::Namespace(name.clone())
                }
                _ => From::Other(format!("namespaces {}", s.describe())),
            }
        }
        _ => From::Other(format!("peer {peer}")),
    }
}

fn cilium_peer(peer: &Value) -> From {
    let s = Selector::read(peer);
    match s.labels.get(CILIUM_NAMESPACE) {
        Some(ns) if s.labels.len() == 1 && s.expressions.is_empty() => From::Namespace(ns.clone()),
        Some(_) => From::Other(format!("endpoints {}", s.describe())),
        None => From::Pods(s),
    }
}
