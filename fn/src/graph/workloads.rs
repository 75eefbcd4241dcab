//! The workloads of the rendered objects (Deployments, StatefulSets, DaemonSets, and a
//! HelmRelease standing for the pods its chart deploys), with what the picture says of them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::flows::{Selector, kind};

/// Labels a chart's pods carry besides its name and release: a selector that adds only
/// these selects some of the chart's pods (shown as a qualifier on the edge).
const CHART_PART_LABELS: [&str; 2] = ["app.kubernetes.io/component", "app.kubernetes.io/part-of"];

#[derive(Debug, Clone)]
pub struct Workload {
    /// Mermaid node id, unique in the stack.
    pub id: String,
    pub name: String,
    pub namespace: String,
    /// The pod template's labels (for a HelmRelease, the chart's name and release labels).
    pub labels: BTreeMap<String, String>,
    /// True for a HelmRelease: selectors match its pods by [`Workload::selects`].
    pub chart: bool,
    /// Lines under the name: replicas, claims, the chart's components.
    pub details: Vec<String>,
    /// The Secrets the pods (or the chart values) reference: `(name, how)`.
    pub secrets: BTreeSet<(String, &'static str)>,
    /// The ConfigMaps the pods mount.
    pub config_maps: BTreeSet<String>,
    /// The object store of the chart values (`type`, bucket), HelmRelease only.
    pub chart_store: Option<(String, String)>,
}

impl Workload {
    /// Whether `sel` selects (some of) this workload's pods, and the part it names when it
    /// selects only some of a chart's pods (`component=gateway`).
    pub fn selects(&self, sel: &Selector) -> Option<Option<String>> {
        if !self.chart {
            return sel.matches(&self.labels).then_some(None);
        }
        let mut part = Vec::new();
        for (k, v) in &sel.labels {
            match self.labels.get(k) {
                Some(own) if own == v => {}
                None if CHART_PART_LABELS.contains(&k.as_str()) => part.push(v.clone()),
                _ => return None,
            }
        }
        // Expressions name labels of the chart's pods this reader does not know.
        if !sel.expressions.is_empty() {
            part.push(sel.describe());
        }
        Some((!part.is_empty()).then(|| part.join(", ")))
    }
}

/// A Mermaid id from free text: `[a-z0-9_]` only.
pub fn id(prefix: &str, name: &str) -> String {
    let mut out = format!("{prefix}_");
    out.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        }
    }));
    out
}

pub fn text<'a>(o: &'a Value, pointer: &str) -> &'a str {
    o.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The workloads among `objects`, in their order.
pub fn workloads(objects: &[Value]) -> Vec<Workload> {
    objects.iter().filter_map(workload).collect()
}

fn workload(o: &Value) -> Option<Workload> {
    let (group, k) = kind(o);
    let prefix = match (group, k) {
        ("apps", "Deployment") => "deploy",
        ("apps", "StatefulSet") => "sts",
        ("apps", "DaemonSet") => "ds",
        ("helm.toolkit.fluxcd.io", "HelmRelease") => return Some(helm_release(o)),
        _ => return None,
    };
    let name = text(o, "/metadata/name").to_owned();
    let labels = o
        .pointer("/spec/template/metadata/labels")
        .map(|l| Selector::read(&serde_json::json!({ "matchLabels": l })).labels)
        .unwrap_or_default();
    let mut details = vec![match (k, o.pointer("/spec/replicas")) {
        ("DaemonSet", _) => "DaemonSet, one pod per node".to_owned(),
        (_, Some(n)) => format!("{k} × {n}"),
        (_, None) => format!("{k}, replicas unset (1, or an autoscaler's)"),
    }];
    for claim in o
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        details.push(format!(
            "PVC {} {}",
            text(claim, "/metadata/name"),
            text(claim, "/spec/resources/requests/storage")
        ));
    }
    let pod = o.pointer("/spec/template/spec").unwrap_or(&Value::Null);
    let mut secrets = BTreeSet::new();
    secret_refs(pod, &mut secrets);
    let mut config_maps = BTreeSet::new();
    config_map_refs(pod, &mut config_maps);
    Some(Workload {
        id: id(prefix, &name),
        namespace: text(o, "/metadata/namespace").to_owned(),
        name,
        labels,
        chart: false,
        details,
        secrets,
        config_maps,
        chart_store: None,
    })
}

/// The Loki chart's components with replicas in the values, like `distributor × 2`.
fn helm_release(o: &Value) -> Workload {
    let name = text(o, "/metadata/name").to_owned();
    let chart = text(o, "/spec/chart/spec/chart");
    let release = match text(o, "/spec/releaseName") {
        "" => name.as_str(),
        r => r,
    };
    let values = o.pointer("/spec/values").unwrap_or(&Value::Null);
    let mut details = vec![format!(
        "HelmRelease: chart {chart} {}",
        text(o, "/spec/chart/spec/version")
    )];
    if let Some(mode) = values.get("deploymentMode").and_then(Value::as_str) {
        details.push(format!("{mode}:"));
    }
    for (component, v) in values.as_object().into_iter().flatten() {
        match v.get("replicas").and_then(Value::as_u64) {
            Some(n) if n > 0 => details.push(format!("{component} × {n}")),
            _ => {}
        }
    }
    let mut secrets = BTreeSet::new();
    secret_refs(values, &mut secrets);
    for from in o
        .pointer("/spec/valuesFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if text(from, "/kind") == "Secret" {
            secrets.insert((text(from, "/name").to_owned(), "valuesFrom"));
        }
    }
    let storage = values.pointer("/loki/storage");
    let chart_store = storage.and_then(|s| {
        let kind = s.get("type").and_then(Value::as_str)?;
        let bucket = s.pointer("/bucketNames/chunks").and_then(Value::as_str)?;
        Some((kind.to_owned(), bucket.to_owned()))
    });
    let labels = [
        ("app.kubernetes.io/name", chart),
        ("app.kubernetes.io/instance", release),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Workload {
        id: id("helm", &name),
        namespace: match text(o, "/spec/targetNamespace") {
            "" => text(o, "/metadata/namespace").to_owned(),
            ns => ns.to_owned(),
        },
        name,
        labels,
        chart: true,
        details,
        secrets,
        config_maps: BTreeSet::new(),
        chart_store,
    }
}

/// Every Secret a pod spec (or chart values) names: `secretKeyRef`, `envFrom`'s
/// `secretRef`, `secret` and projected volumes, the chart's `existingSecret`.
fn secret_refs(v: &Value, out: &mut BTreeSet<(String, &'static str)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let named = |key: &str| child.get(key).and_then(Value::as_str);
                let found = match k.as_str() {
                    "secretKeyRef" => named("name").map(|n| (n, "env")),
                    "secretRef" => named("name").map(|n| (n, "envFrom")),
                    "secret" => named("secretName")
                        .or_else(|| named("name"))
                        .map(|n| (n, "volume")),
                    "existingSecret" => child.as_str().map(|n| (n, "existingSecret")),
                    _ => None,
                };
                if let Some((name, how)) = found.filter(|(n, _)| !n.is_empty()) {
                    out.insert((name.to_owned(), how));
                }
                secret_refs(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| secret_refs(c, out)),
        _ => {}
    }
}

/// The ConfigMaps a pod spec mounts (volumes, projected volumes).
fn config_map_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "configMap"
                    && let Some(name) = child.get("name").and_then(Value::as_str)
                {
                    out.insert(name.to_owned());
                }
                config_map_refs(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| config_map_refs(c, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sel(v: Value) -> Selector {
        Selector::read(&v)
    }

    #[test]
    fn selectors_and_the_pods_of_a_chart() {
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "logs", "namespace": "observability"},
            "spec": {"releaseName": "logs", "chart": {"spec": {"chart": "loki", "version": "1"}},
                     "values": {"deploymentMode": "SingleBinary", "singleBinary": {"replicas": 1},
                                "read": {"replicas": 0},
                                "loki": {"storage": {"type": "gcs", "bucketNames": {"chunks": "b"}}},
                                "gateway": {"basicAuth": {"existingSecret": "auth"}}}}
        });
        let w = workloads(&[release]).remove(0);
        assert_eq!(w.id, "helm_logs");
        assert_eq!(w.details[1..], ["SingleBinary:", "singleBinary × 1"]);
        assert_eq!(w.chart_store, Some(("gcs".to_owned(), "b".to_owned())));
        assert!(w.secrets.contains(&("auth".to_owned(), "existingSecret")));
        let loki = json!({"app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "logs"});
        assert_eq!(w.selects(&sel(json!({ "matchLabels": loki }))), Some(None));
        let mut gateway = loki.clone();
        gateway["app.kubernetes.io/component"] = json!("gateway");
        let part = w.selects(&sel(json!({ "matchLabels": gateway })));
        assert_eq!(part, Some(Some("gateway".to_owned())));
        let other = json!({"app.kubernetes.io/name": "promtail"});
        assert_eq!(w.selects(&sel(json!({ "matchLabels": other }))), None);
        let expr = sel(json!({"matchExpressions": [
            {"key": "tier", "operator": "NotIn", "values": ["x"]},
            {"key": "app", "operator": "Exists"}]}));
        let labels = |l: Value| sel(json!({ "matchLabels": l })).labels;
        assert!(expr.matches(&labels(json!({"app": "a"}))));
        assert!(!expr.matches(&labels(json!({"app": "a", "tier": "x"}))));
        assert!(!expr.matches(&labels(json!({"tier": "y"}))));
    }
}
