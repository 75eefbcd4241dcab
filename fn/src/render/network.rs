//! Who may connect to the stack's pods (`spec.network`): NetworkPolicies or
//! CiliumNetworkPolicies, both rendered from one list of allowed flows.
//!
//! Ingress only. Every pod of the stack (selected by `app.kubernetes.io/instance`,
//! `part-of` and `managed-by`, so foreign pods in a shared namespace are untouched) is
//! denied ingress, then exactly these flows are allowed:
//! Promtail -> the push target; Grafana's namespace -> the query target; Prometheus'
//! namespace -> Loki's and Promtail's `http-metrics`; Loki <-> Loki on HTTP and gRPC;
//! ring members <-> ring members on memberlist; the gateway -> Loki's HTTP; Loki ->
//! memcached; the exposure namespaces (ingress controller, Gateway proxies) -> the
//! gateway. Egress is not restricted (object store, Alertmanager and the API server
//! are addresses of the site, not of the stack; see README, Network policies).

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::disruption::component_of;
use super::helm::chart;
use super::labels::{self, Labels};
use super::loki::MEMBERLIST_LABEL;
use super::meta::object_meta;
use super::meta::to_value;
use crate::contract::{
    GATEWAY_HTTP, GRPC, HTTP_METRICS, LOKI, LOKI_HTTP_PORT, MEMBERLIST_PORT, MEMBERLIST_PORT_NAME,
    MEMCACHED_PORT, MEMCACHED_PORT_NAME,
};
use crate::spec::Resolved;
use crate::spec::collector::CollectorKind;
use crate::spec::resolved::Part;
use crate::spec::types::{Output, PolicyKind};

/// The namespace label every namespace carries (Kubernetes >= 1.22).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// Cilium's label of an endpoint's namespace.
pub const CILIUM_NAMESPACE_LABEL: &str = "k8s:io.kubernetes.pod.namespace";
/// Policy names (a contract: docs and checks use them).
pub const DEFAULT_DENY: &str = "loki-default-deny";
pub const ALLOW_PUSH: &str = "loki-allow-push";
pub const ALLOW_QUERY: &str = "loki-allow-query";
pub const ALLOW_EXPOSURE: &str = "loki-allow-exposure";
pub const ALLOW_METRICS: &str = "loki-allow-metrics";
pub const ALLOW_PROMTAIL_METRICS: &str = "promtail-allow-metrics";
pub const ALLOW_FLUENT_BIT_METRICS: &str = "fluent-bit-allow-metrics";
pub const ALLOW_INTERNAL: &str = "loki-allow-internal";
pub const ALLOW_MEMBERLIST: &str = "loki-allow-memberlist";
pub const ALLOW_MEMCACHED: &str = "loki-allow-memcached";
/// HelmRelease output: the chart's pods (`loki-default-deny` covers this stack's own).
pub const CHART_DEFAULT_DENY: &str = "loki-chart-default-deny";

const GATEWAY_CONTAINER_PORT: u16 = crate::config::nginx::LISTEN_PORT;

/// Where an allowed connection comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Pods of the stack's namespace with these labels.
    Pods(Labels),
    /// Every pod of a namespace.
    Namespace(String),
    /// Cilium's own Ingress / Gateway API proxy (the reserved `ingress` identity);
    /// nothing in the Kubernetes form.
    CiliumIngress,
}

/// A container port, by name (NetworkPolicy) and number (Cilium).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub name: &'static str,
    pub number: u16,
}

/// One rule: any of `peers` to any of `ports`.
#[derive(Debug, Clone)]
pub struct Allow {
    pub peers: Vec<Peer>,
    pub ports: Vec<Port>,
}

/// The pods `target` selects accept what `allow` lists (nothing when empty).
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: &'static str,
    pub target: Labels,
    pub allow: Vec<Allow>,
}

const HTTP: Port = Port {
    name: HTTP_METRICS,
    number: LOKI_HTTP_PORT,
};
const GRPC_PORT: Port = Port {
    name: GRPC,
    number: crate::config::loki::GRPC_PORT,
};

fn pairs(list: &[(&str, &str)]) -> Labels {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Pods of one part (all zones of the ingesters): ours, or the chart's.
fn pods_of(r: &Resolved, part: Part) -> Labels {
    match r.output {
        Output::Manifests => labels::selector(r, component_of(r, part)),
        Output::HelmRelease => chart::pods_of(r, part),
    }
}

/// Every Loki pod of the stack (all parts).
fn loki_pods(r: &Resolved) -> Labels {
    pairs(&[
        ("app.kubernetes.io/name", LOKI),
        ("app.kubernetes.io/instance", &r.name),
    ])
}

/// The flows the stack needs, as policies (empty with `policies: none`).
pub fn policies(r: &Resolved) -> Vec<Policy> {
    if r.network.policies == PolicyKind::None {
        return Vec::new();
    }
    let collector = labels::selector(r, super::collector::component(r));
    let prometheus = Peer::Namespace(r.network.prometheus_namespace.clone());
    let collector_metrics = Policy {
        name: match r.collector.kind {
            CollectorKind::Promtail => ALLOW_PROMTAIL_METRICS,
            CollectorKind::FluentBit => ALLOW_FLUENT_BIT_METRICS,
        },
        target: collector.clone(),
        allow: vec![Allow {
            peers: vec![prometheus.clone()],
            ports: vec![Port {
                name: HTTP_METRICS,
                number: super::collector::http_port(r),
            }],
        }],
    };
    let (Some(push_part), Some(query_part)) = (r.push_part(), r.query_part()) else {
        // An agent: the collector is its only workload, and only Prometheus connects
        // to it (it pushes out; egress is not restricted).
        return vec![
            Policy {
                name: DEFAULT_DENY,
                target: labels::stack(r),
                allow: Vec::new(),
            },
            collector_metrics,
        ];
    };
    let gateway = r.gateway.as_ref().map(|_| pods_of(r, Part::Gateway));
    let gateway_port = Port {
        name: GATEWAY_HTTP,
        number: GATEWAY_CONTAINER_PORT,
    };
    // Promtail and Grafana use the gateway when there is one (push_url, loki_url).
    let (push_target, query_target, entry_port) = match &gateway {
        Some(g) => (g.clone(), g.clone(), gateway_port),
        None => (pods_of(r, push_part), pods_of(r, query_part), HTTP),
    };
    let mut out = vec![
        Policy {
            name: DEFAULT_DENY,
            target: labels::stack(r),
            allow: Vec::new(),
        },
        Policy {
            name: ALLOW_PUSH,
            target: push_target,
            allow: vec![Allow {
                peers: vec![Peer::Pods(collector.clone())],
                ports: vec![entry_port],
            }],
        },
        Policy {
            name: ALLOW_QUERY,
            target: query_target,
            allow: vec![Allow {
                peers: vec![Peer::Namespace(r.network.grafana_namespace.clone())],
                ports: vec![entry_port],
            }],
        },
    ];
    let helm = r.output == Output::HelmRelease;
    if helm {
        out.insert(
            1,
            Policy {
                name: CHART_DEFAULT_DENY,
                target: loki_pods(r),
                allow: Vec::new(),
            },
        );
    }
    if let Some(g) = &gateway
        && !r.network.exposure_namespaces.is_empty()
    {
        let mut peers: Vec<Peer> = r
            .network
            .exposure_namespaces
            .iter()
            .map(|ns| Peer::Namespace(ns.clone()))
            .collect();
        peers.push(Peer::CiliumIngress);
        out.push(Policy {
            name: ALLOW_EXPOSURE,
            target: g.clone(),
            allow: vec![Allow {
                peers,
                ports: vec![gateway_port],
            }],
        });
    }
    out.push(Policy {
        name: ALLOW_METRICS,
        target: loki_pods(r),
        allow: vec![Allow {
            peers: vec![prometheus],
            ports: vec![HTTP],
        }],
    });
    out.push(collector_metrics);
    // Components call each other over HTTP and gRPC (distributor -> ingester, querier
    // -> ingester / index gateway / scheduler, ruler, compactor); the gateway proxies
    // HTTP to them.
    let caches = r.caches.chunks.is_some() || r.caches.results.is_some();
    let mut internal_ports = vec![HTTP, GRPC_PORT];
    if helm && caches {
        // The chart's memcached pods are Loki pods (`app.kubernetes.io/name: loki`); the
        // named port exists only on them.
        internal_ports.push(Port {
            name: chart::MEMCACHED_PORT_NAME,
            number: MEMCACHED_PORT,
        });
    }
    let mut internal = vec![Allow {
        peers: vec![Peer::Pods(loki_pods(r))],
        ports: internal_ports,
    }];
    if let Some(g) = &gateway {
        internal.push(Allow {
            peers: vec![Peer::Pods(g.clone())],
            ports: vec![HTTP],
        });
    }
    out.push(Policy {
        name: ALLOW_INTERNAL,
        target: loki_pods(r),
        allow: internal,
    });
    // The chart joins every mode's pods (the single binary too) to memberlist.
    if helm || r.components.keys().any(|p| p.joins_memberlist()) {
        let mut ring = loki_pods(r);
        let (label, value, port_name) = if helm {
            (
                chart::MEMBERLIST_LABEL.0,
                chart::MEMBERLIST_LABEL.1,
                chart::MEMBERLIST_PORT_NAME,
            )
        } else {
            (MEMBERLIST_LABEL, "true", MEMBERLIST_PORT_NAME)
        };
        ring.insert(label.to_owned(), value.to_owned());
        out.push(Policy {
            name: ALLOW_MEMBERLIST,
            target: ring.clone(),
            allow: vec![Allow {
                peers: vec![Peer::Pods(ring)],
                ports: vec![Port {
                    name: port_name,
                    number: MEMBERLIST_PORT,
                }],
            }],
        });
    }
    if caches && !helm {
        out.push(Policy {
            name: ALLOW_MEMCACHED,
            target: pairs(&[
                ("app.kubernetes.io/name", "memcached"),
                ("app.kubernetes.io/instance", &r.name),
            ]),
            allow: vec![Allow {
                peers: vec![Peer::Pods(loki_pods(r))],
                ports: vec![Port {
                    name: MEMCACHED_PORT_NAME,
                    number: MEMCACHED_PORT,
                }],
            }],
        });
    }
    out
}

/// The policy objects of `spec.network.policies`.
pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let list = policies(r);
    match r.network.policies {
        PolicyKind::None => Ok(Vec::new()),
        PolicyKind::Kubernetes => list
            .iter()
            .map(|p| to_value(&network_policy(r, p)))
            .collect(),
        PolicyKind::Cilium => list
            .iter()
            .map(|p| to_value(&cilium_network_policy(r, p)))
            .collect(),
    }
}

fn selector(l: &Labels) -> LabelSelector {
    LabelSelector {
        match_labels: Some(l.clone()),
        ..LabelSelector::default()
    }
}

fn meta(r: &Resolved, p: &Policy) -> ObjectMeta {
    object_meta(p.name, Some(&r.namespace), labels::stack(r))
}

pub fn network_policy(r: &Resolved, p: &Policy) -> NetworkPolicy {
    let ingress: Vec<NetworkPolicyIngressRule> = p
        .allow
        .iter()
        .filter_map(|a| {
            let from: Vec<NetworkPolicyPeer> = a
                .peers
                .iter()
                .filter_map(|peer| match peer {
                    Peer::Pods(l) => Some(NetworkPolicyPeer {
                        pod_selector: Some(selector(l)),
                        ..NetworkPolicyPeer::default()
                    }),
                    Peer::Namespace(ns) => Some(NetworkPolicyPeer {
                        namespace_selector: Some(selector(&pairs(&[(NAMESPACE_NAME_LABEL, ns)]))),
                        ..NetworkPolicyPeer::default()
                    }),
                    Peer::CiliumIngress => None,
                })
                .collect();
            // An empty `from` would allow everyone: never render one.
            (!from.is_empty()).then(|| NetworkPolicyIngressRule {
                from: Some(from),
                ports: Some(
                    a.ports
                        .iter()
                        .map(|port| NetworkPolicyPort {
                            port: Some(IntOrString::String(port.name.to_owned())),
                            protocol: Some("TCP".to_owned()),
                            ..NetworkPolicyPort::default()
                        })
                        .collect(),
                ),
            })
        })
        .collect();
    NetworkPolicy {
        metadata: meta(r, p),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(selector(&p.target)),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: (!ingress.is_empty()).then_some(ingress),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// `cilium.io/v2` CiliumNetworkPolicy: the fields this stack sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumNetworkPolicy {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: CiliumSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumSpec {
    pub endpoint_selector: LabelSelector,
    /// `[{}]`: the endpoints are policy-enforced and nothing is allowed.
    pub ingress: Vec<CiliumIngressRule>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumIngressRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_endpoints: Option<Vec<LabelSelector>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_entities: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_ports: Option<Vec<CiliumPortRule>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CiliumPortRule {
    pub ports: Vec<CiliumPort>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CiliumPort {
    pub port: String,
    pub protocol: &'static str,
}

pub fn cilium_network_policy(r: &Resolved, p: &Policy) -> CiliumNetworkPolicy {
    let mut ingress = Vec::new();
    for a in &p.allow {
        let to_ports = Some(vec![CiliumPortRule {
            ports: a
                .ports
                .iter()
                .map(|port| CiliumPort {
                    port: port.number.to_string(),
                    protocol: "TCP",
                })
                .collect(),
        }]);
        // Endpoints without a namespace label are the policy's own namespace.
        let endpoints: Vec<LabelSelector> = a
            .peers
            .iter()
            .filter_map(|peer| match peer {
                Peer::Pods(l) => Some(selector(l)),
                Peer::Namespace(ns) => Some(selector(&pairs(&[(CILIUM_NAMESPACE_LABEL, ns)]))),
                Peer::CiliumIngress => None,
            })
            .collect();
        if !endpoints.is_empty() {
            ingress.push(CiliumIngressRule {
                from_endpoints: Some(endpoints),
                to_ports: to_ports.clone(),
                ..CiliumIngressRule::default()
            });
        }
        if a.peers.contains(&Peer::CiliumIngress) {
            ingress.push(CiliumIngressRule {
                from_entities: Some(vec!["ingress".to_owned()]),
                to_ports,
                ..CiliumIngressRule::default()
            });
        }
    }
    if ingress.is_empty() {
        ingress.push(CiliumIngressRule::default());
    }
    CiliumNetworkPolicy {
        api_version: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: meta(r, p),
        spec: CiliumSpec {
            endpoint_selector: selector(&p.target),
            ingress,
        },
    }
}
