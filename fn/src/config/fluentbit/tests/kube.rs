//! Pods as Kubernetes describes them: to Prometheus' discovery and relabeling for
//! Promtail, to the `kubernetes` filter for Fluent Bit.

use std::collections::BTreeMap;

use super::lua::{Key, NODE, Op, Record, SEC, Val};
use crate::config::promtail::Relabel;
use crate::config::promtail::sim::NOW_NS;

/// Prometheus' relabeling (the `replace` and `drop` actions) of a target's discovery
/// labels: its labels, or None when it is dropped.
pub fn relabel(
    rules: &[Relabel],
    mut labels: BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    for rule in rules {
        let value: Vec<String> = rule
            .source_labels
            .iter()
            .map(|l| labels.get(*l).cloned().unwrap_or_default())
            .collect();
        let value = value.join(rule.separator.unwrap_or(";"));
        let regex = rule.regex.as_deref().unwrap_or("(.*)");
        let re = regex::Regex::new(&format!("^(?:{regex})$")).unwrap();
        match rule.action {
            "drop" if re.is_match(&value) => return None,
            "drop" => {}
            "replace" => {
                let Some(caps) = re.captures(&value) else {
                    continue;
                };
                let mut res = String::new();
                caps.expand(rule.replacement.unwrap_or("$1"), &mut res);
                let target = rule.target_label.unwrap().to_owned();
                if res.is_empty() {
                    labels.remove(&target);
                } else {
                    labels.insert(target, res);
                }
            }
            other => panic!("relabel action {other}"),
        }
    }
    Some(
        labels
            .into_iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .collect(),
    )
}

/// A pod as Kubernetes describes it (to Prometheus' discovery for Promtail, to the
/// `kubernetes` filter for Fluent Bit).
#[derive(Debug, Clone, Default)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub container: String,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub namespace_annotations: Vec<(String, String)>,
    /// (name, controller: true)
    pub owner: Option<(String, bool)>,
}

fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
    kv.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl Pod {
    pub fn new(namespace: &str, name: &str, container: &str) -> Self {
        Pod {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            container: container.to_owned(),
            ..Pod::default()
        }
    }

    pub fn labels(mut self, kv: &[(&str, &str)]) -> Self {
        self.labels = pairs(kv);
        self
    }

    pub fn annotations(mut self, kv: &[(&str, &str)]) -> Self {
        self.annotations = pairs(kv);
        self
    }

    pub fn namespace_annotations(mut self, kv: &[(&str, &str)]) -> Self {
        self.namespace_annotations = pairs(kv);
        self
    }

    pub fn owner(mut self, name: &str, controller: bool) -> Self {
        self.owner = Some((name.to_owned(), controller));
        self
    }

    /// Prometheus' pod discovery labels (`attach_metadata: {namespace: true}`).
    pub fn discovery(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        let mut put = |k: String, v: &str| m.insert(k, v.to_owned());
        put("__meta_kubernetes_namespace".into(), &self.namespace);
        put("__meta_kubernetes_pod_name".into(), &self.name);
        put(
            "__meta_kubernetes_pod_container_name".into(),
            &self.container,
        );
        put("__meta_kubernetes_pod_node_name".into(), NODE);
        put("__meta_kubernetes_pod_uid".into(), "0000");
        for (k, v) in &self.labels {
            put(format!("__meta_kubernetes_pod_label_{}", sanitize(k)), v);
            put(
                format!("__meta_kubernetes_pod_labelpresent_{}", sanitize(k)),
                "true",
            );
        }
        for (k, v) in &self.annotations {
            put(
                format!("__meta_kubernetes_pod_annotation_{}", sanitize(k)),
                v,
            );
        }
        for (k, v) in &self.namespace_annotations {
            put(
                format!("__meta_kubernetes_namespace_annotation_{}", sanitize(k)),
                v,
            );
        }
        if let Some((name, true)) = &self.owner {
            put("__meta_kubernetes_pod_controller_kind".into(), "ReplicaSet");
            put("__meta_kubernetes_pod_controller_name".into(), name);
        }
        m
    }

    pub fn tag(&self) -> String {
        format!("pods.{}.{}.{}", self.namespace, self.container, self.name)
    }

    /// The `kubernetes` and `kubernetes_namespace` fields the `kubernetes` filter adds.
    fn record(&self) -> Record {
        let mut r = Record::default()
            .str(&["kubernetes", "pod_name"], &self.name)
            .str(&["kubernetes", "namespace_name"], &self.namespace)
            .str(&["kubernetes", "container_name"], &self.container)
            .str(&["kubernetes", "host"], NODE)
            .str(&["kubernetes_namespace", "name"], &self.namespace);
        for (k, v) in &self.labels {
            r = r.str(&["kubernetes", "labels", k], v);
        }
        for (k, v) in &self.annotations {
            r = r.str(&["kubernetes", "annotations", k], v);
        }
        for (k, v) in &self.namespace_annotations {
            r = r.str(&["kubernetes_namespace", "annotations", k], v);
        }
        if let Some((name, controller)) = &self.owner {
            let owner = |key: &str| {
                vec![
                    Key::Name("kubernetes".into()),
                    Key::Name("ownerReferences".into()),
                    Key::Index(1),
                    Key::Name(key.into()),
                ]
            };
            r = r
                .set(owner("kind"), Val::Str(b"ReplicaSet".to_vec()))
                .set(owner("name"), Val::Str(name.as_bytes().to_vec()))
                .set(owner("controller"), Val::Bool(*controller));
        }
        r
    }
}

/// One CRI line of a pod: Promtail reads `<time> <stream> F <content>`, Fluent Bit's
/// `cri` parser has split it already (`log`, `stream`, the record's time).
#[derive(Debug, Clone)]
pub struct PodLine {
    pub pod: Pod,
    pub content: String,
    pub time_ns: i128,
    pub stream: &'static str,
}

impl PodLine {
    pub fn new(pod: &Pod, content: &str) -> Self {
        PodLine {
            pod: pod.clone(),
            content: content.to_owned(),
            time_ns: NOW_NS - 120 * SEC,
            stream: "stdout",
        }
    }

    pub fn at(mut self, time_ns: i128) -> Self {
        self.time_ns = time_ns;
        self
    }

    pub fn op(&self) -> Op {
        Op::Route {
            tag: self.pod.tag(),
            ts_ns: self.time_ns,
            record: self
                .pod
                .record()
                .str(&["log"], &self.content)
                .str(&["stream"], self.stream),
        }
    }
}
