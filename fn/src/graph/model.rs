//! The picture as data: nodes, groups of workloads a selector picks together, and edges
//! (policy flows solid; Service selection, Secret reads, object-store egress dotted).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::flows::{self, From, Selector, kind};
use super::workloads::{Workload, id, text, workloads};

/// Who a `From::Namespace` is, by the policy that lets it in (the rendered names).
const ROLES: [(&str, &str); 5] = [
    ("loki-allow-query", "Grafana"),
    ("loki-allow-metrics", "Prometheus"),
    ("promtail-allow-metrics", "Prometheus"),
    ("fluent-bit-allow-metrics", "Prometheus"),
    ("loki-allow-exposure", "ingress / Gateway proxies"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A namespace or identity outside the stack.
    Outside,
    /// A Service that selects several workloads' pods (or none).
    Service,
    Secret,
    Store,
}

/// A node that is not a workload.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub shape: Shape,
    pub lines: Vec<String>,
    /// Inside the stack's namespace box.
    pub inside: bool,
}

/// Workloads one selector picks together: a box that edges start or end at.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub members: BTreeSet<usize>,
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// True for a flow a policy allows (solid); false for the other relations (dotted).
    pub policy: bool,
    pub label: String,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub workloads: Vec<Workload>,
    /// `workload index -> Services that select only its pods` (`name :port,...`).
    pub services: BTreeMap<usize, Vec<String>>,
    pub groups: Vec<Group>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub notes: Vec<String>,
}

/// One end of an edge before groups are chosen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Node(String),
    Set(BTreeSet<usize>, String),
}

struct Pending {
    from: End,
    to: End,
    policy: bool,
    label: String,
    /// Whether its sets of workloads may become boxes (those of policies and Services;
    /// the readers of a Secret are drawn to a box only if one is there anyway).
    boxes: bool,
}

pub fn build(objects: &[Value]) -> Graph {
    let mut g = Graph {
        workloads: workloads(objects),
        ..Graph::default()
    };
    let mut pending = Vec::new();
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut roles: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let rendered_secrets: BTreeSet<(&str, &str)> = objects
        .iter()
        .filter(|o| kind(o) == ("", "Secret"))
        .map(|o| (text(o, "/metadata/namespace"), text(o, "/metadata/name")))
        .collect();
    let policies = flows::flows(objects);
    if policies.is_empty() {
        g.notes.push(
            "No NetworkPolicy or CiliumNetworkPolicy is rendered (spec.network.policies: none): \
             nothing restricts who connects, so no flow is drawn."
                .to_owned(),
        );
    }
    for f in &policies {
        let (to, qualifier) = g.select(&f.to, &mut nodes);
        let from = match &f.from {
            From::Pods(sel) => g.select(sel, &mut nodes).0,
            From::Namespace(ns) => {
                let node_id = id("from_ns", ns);
                if let Some((_, role)) = ROLES.iter().find(|(p, _)| *p == f.policy) {
                    roles.entry(node_id.clone()).or_default().insert(role);
                }
                nodes.entry(node_id.clone()).or_insert_with(|| Node {
                    id: node_id.clone(),
                    shape: Shape::Outside,
                    lines: vec![format!("namespace {ns}")],
                    inside: false,
                });
                End::Node(node_id)
            }
            From::CiliumIngress => outside(&mut nodes, "cilium_ingress", "Cilium ingress proxy"),
            From::Other(what) => outside(&mut nodes, &id("from", what), what),
        };
        let ports: Vec<String> = f
            .ports
            .iter()
            .map(|p| match &qualifier {
                Some(part) => format!("{p} to {part}"),
                None => p.clone(),
            })
            .collect();
        pending.push(Pending {
            from,
            to,
            policy: true,
            label: ports.join(", "),
            boxes: true,
        });
    }
    for (node_id, rs) in roles {
        if let Some(n) = nodes.get_mut(&node_id) {
            n.lines.push(rs.into_iter().collect::<Vec<_>>().join(", "));
        }
    }
    g.services(objects, &mut nodes, &mut pending);
    g.stores(objects, &mut nodes, &mut pending);
    g.remotes(objects, &mut nodes, &mut pending);
    // One edge per Secret and way of reading it, to the readers together.
    let mut readers: BTreeMap<(&str, &str), BTreeSet<usize>> = BTreeMap::new();
    for (i, w) in g.workloads.iter().enumerate() {
        for (name, how) in &w.secrets {
            if !rendered_secrets.contains(&(w.namespace.as_str(), name.as_str())) {
                readers.entry((name, how)).or_default().insert(i);
            }
        }
    }
    for ((name, how), set) in readers {
        let node_id = id("secret", name);
        nodes.entry(node_id.clone()).or_insert_with(|| Node {
            id: node_id.clone(),
            shape: Shape::Secret,
            lines: vec![
                format!("Secret {name}"),
                "not rendered: the site's".to_owned(),
            ],
            inside: true,
        });
        pending.push(Pending {
            from: End::Node(node_id),
            to: End::Set(set, format!("pods reading Secret {name}")),
            policy: false,
            label: how.to_owned(),
            boxes: false,
        });
    }
    g.nodes = nodes.into_values().collect();
    g.resolve(pending);
    g
}

fn outside(nodes: &mut BTreeMap<String, Node>, node_id: &str, label: &str) -> End {
    nodes.entry(node_id.to_owned()).or_insert_with(|| Node {
        id: node_id.to_owned(),
        shape: Shape::Outside,
        lines: vec![label.to_owned()],
        inside: false,
    });
    End::Node(node_id.to_owned())
}

impl Graph {
    /// The workloads `sel` picks (a node of its own when none is rendered), and the part of
    /// a chart it names.
    fn select(&self, sel: &Selector, nodes: &mut BTreeMap<String, Node>) -> (End, Option<String>) {
        let mut set = BTreeSet::new();
        let mut part = None;
        for (i, w) in self.workloads.iter().enumerate() {
            if let Some(p) = w.selects(sel) {
                set.insert(i);
                part = part.or(p);
            }
        }
        if set.is_empty() {
            let what = format!("pods {}", sel.describe());
            let node_id = id("pods", &sel.describe());
            nodes.entry(node_id.clone()).or_insert_with(|| Node {
                id: node_id.clone(),
                shape: Shape::Outside,
                lines: vec![what, "none rendered".to_owned()],
                inside: true,
            });
            return (End::Node(node_id), None);
        }
        (End::Set(set, format!("pods {}", sel.describe())), part)
    }

    /// Services: a line of the one workload they select, else a node of their own.
    fn services(
        &mut self,
        objects: &[Value],
        nodes: &mut BTreeMap<String, Node>,
        pending: &mut Vec<Pending>,
    ) {
        for o in objects.iter().filter(|o| kind(o) == ("", "Service")) {
            let name = text(o, "/metadata/name");
            let ports: Vec<String> = o
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("port").map(|n| format!(":{n}")))
                .collect();
            let line = format!("Service {name} {}", ports.join(" "));
            let Some(sel) = o.pointer("/spec/selector").filter(|s| s.is_object()) else {
                continue;
            };
            let sel = Selector::read(&serde_json::json!({ "matchLabels": sel }));
            let (end, _) = self.select(&sel, nodes);
            match end {
                End::Set(set, _) if set.len() == 1 => {
                    let i = set.into_iter().next().unwrap_or_default();
                    self.services.entry(i).or_default().push(line);
                }
                to => {
                    let node_id = id("svc", name);
                    nodes.insert(
                        node_id.clone(),
                        Node {
                            id: node_id.clone(),
                            shape: Shape::Service,
                            lines: vec![line],
                            inside: true,
                        },
                    );
                    pending.push(Pending {
                        from: End::Node(node_id),
                        to,
                        policy: false,
                        label: "selects".to_owned(),
                        boxes: true,
                    });
                }
            }
        }
    }

    /// The object store of the Loki config (a ConfigMap's `config.yaml`, or the chart
    /// values), and who reaches it.
    fn stores(
        &self,
        objects: &[Value],
        nodes: &mut BTreeMap<String, Node>,
        pending: &mut Vec<Pending>,
    ) {
        let mut found: Vec<(String, String, BTreeSet<usize>)> = Vec::new();
        for (i, w) in self.workloads.iter().enumerate() {
            if let Some((kind, bucket)) = &w.chart_store {
                found.push((kind.clone(), bucket.clone(), BTreeSet::from([i])));
            }
        }
        for o in objects.iter().filter(|o| kind(o) == ("", "ConfigMap")) {
            let name = text(o, "/metadata/name");
            for v in o
                .get("data")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|m| m.values())
                .filter_map(Value::as_str)
                .filter(|v| v.contains("schema_config"))
            {
                let Ok(config) = crate::yaml::from_str::<Value>(v) else {
                    continue;
                };
                let Some((kind, bucket)) = loki_store(&config) else {
                    continue;
                };
                let users: BTreeSet<usize> = (0..self.workloads.len())
                    .filter(|i| {
                        self.workloads
                            .get(*i)
                            .is_some_and(|w| w.config_maps.contains(name))
                    })
                    .collect();
                if !users.is_empty() {
                    found.push((kind, bucket, users));
                }
            }
        }
        for (kind, bucket, users) in found {
            let node_id = id("store", &format!("{kind}_{bucket}"));
            nodes.entry(node_id.clone()).or_insert_with(|| Node {
                id: node_id.clone(),
                shape: Shape::Store,
                lines: vec![format!("{kind} bucket {bucket}"), "object store".to_owned()],
                inside: false,
            });
            let from = if users.len() == 1 {
                End::Set(users, String::new())
            } else {
                End::Set(users, "pods with the Loki config".to_owned())
            };
            pending.push(Pending {
                from,
                to: End::Node(node_id),
                policy: false,
                label: format!("{kind}: egress, not restricted"),
                boxes: false,
            });
        }
    }

    /// The central Loki an agent's collector ships to, outside the cluster.
    fn remotes(
        &self,
        objects: &[Value],
        nodes: &mut BTreeMap<String, Node>,
        pending: &mut Vec<Pending>,
    ) {
        for (config, base) in super::remote::push_targets(objects) {
            let users: BTreeSet<usize> = (0..self.workloads.len())
                .filter(|i| {
                    self.workloads.get(*i).is_some_and(|w| {
                        w.config_maps.contains(&config)
                            || w.secrets.iter().any(|(name, _)| *name == config)
                    })
                })
                .collect();
            if users.is_empty() {
                continue;
            }
            let node_id = id("remote", &base);
            nodes.entry(node_id.clone()).or_insert_with(|| Node {
                id: node_id.clone(),
                shape: Shape::Store,
                lines: vec!["central Loki".to_owned(), base.clone()],
                inside: false,
            });
            pending.push(Pending {
                from: End::Set(users, String::new()),
                to: End::Node(node_id),
                policy: false,
                label: "push: egress, not restricted".to_owned(),
                boxes: false,
            });
        }
    }

    /// Chooses the groups (sets of two or more workloads that nest or are apart; a set
    /// that overlaps a chosen one is drawn member by member) and the edges.
    fn resolve(&mut self, pending: Vec<Pending>) {
        let mut sets: BTreeMap<BTreeSet<usize>, String> = BTreeMap::new();
        for p in pending.iter().filter(|p| p.boxes) {
            for end in [&p.from, &p.to] {
                if let End::Set(s, title) = end
                    && s.len() > 1
                {
                    let t = sets.entry(s.clone()).or_insert_with(|| title.clone());
                    if t.is_empty() || (!title.is_empty() && title < t) {
                        *t = title.clone();
                    }
                }
            }
        }
        let mut ordered: Vec<(BTreeSet<usize>, String)> = sets.into_iter().collect();
        ordered.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut chosen: Vec<BTreeSet<usize>> = Vec::new();
        for (set, title) in ordered {
            let laminar = chosen
                .iter()
                .all(|c| c.is_superset(&set) || c.is_disjoint(&set));
            if !laminar {
                continue;
            }
            let parent = chosen
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_superset(&set))
                .min_by_key(|(_, c)| c.len())
                .map(|(i, _)| i);
            self.groups.push(Group {
                id: format!("group_{}", self.groups.len() + 1),
                title: title.replace("app.kubernetes.io/", ""),
                members: set.clone(),
                parent,
            });
            chosen.push(set);
        }
        let ends = |g: &Graph, end: &End| -> Vec<String> {
            match end {
                End::Node(id) => vec![id.clone()],
                End::Set(s, _) => match g.groups.iter().find(|grp| &grp.members == s) {
                    Some(grp) => vec![grp.id.clone()],
                    None => s
                        .iter()
                        .filter_map(|i| g.workloads.get(*i).map(|w| w.id.clone()))
                        .collect(),
                },
            }
        };
        let mut merged: BTreeMap<(String, String, bool), Vec<String>> = BTreeMap::new();
        for p in pending {
            for from in ends(self, &p.from) {
                for to in ends(self, &p.to) {
                    let labels = merged.entry((from.clone(), to, p.policy)).or_default();
                    for part in p.label.split(", ") {
                        if !labels.iter().any(|l| l == part) {
                            labels.push(part.to_owned());
                        }
                    }
                }
            }
        }
        self.edges = merged
            .into_iter()
            .map(|((from, to, policy), labels)| Edge {
                from,
                to,
                policy,
                label: labels.join(", "),
            })
            .collect();
    }
}

/// `(store, bucket)` of a Loki config: `common.storage` or `storage_config`.
fn loki_store(config: &Value) -> Option<(String, String)> {
    let storage = config
        .pointer("/common/storage")
        .or_else(|| config.get("storage_config"))?;
    [
        ("s3", "/s3/bucketnames"),
        ("gcs", "/gcs/bucket_name"),
        ("azure", "/azure/container_name"),
        ("swift", "/swift/container_name"),
    ]
    .into_iter()
    .find_map(|(kind, p)| {
        storage
            .pointer(p)
            .and_then(Value::as_str)
            .map(|b| (kind.to_owned(), b.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::ROLES;
    use crate::render::network as net;

    #[test]
    fn the_roles_name_the_rendered_policies() {
        let names: Vec<&str> = ROLES.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            names,
            [
                net::ALLOW_QUERY,
                net::ALLOW_METRICS,
                net::ALLOW_PROMTAIL_METRICS,
                net::ALLOW_FLUENT_BIT_METRICS,
                net::ALLOW_EXPOSURE
            ]
        );
    }
}
