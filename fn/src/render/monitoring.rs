//! Prometheus Operator ServiceMonitors, one per Loki component Service and one for
//! Promtail, labelled so that kube-prometheus-stack's Prometheus selects them
//! (`release: kube-prometheus-stack`). Headless Services are not scraped (same pods).
//!
//! Every series gets the labels the upstream Loki mixin's dashboards and alerts select
//! by: `job="<namespace>/<component>"` (`loki` for the single binary, `promtail`),
//! `cluster` (`spec.monitoring.cluster`), `namespace`, `pod` and `container`. The
//! collector's series also get `node` (the pod's node): neither Promtail's nor Fluent
//! Bit's metrics name the node, and the Health dashboard and the delivery alerts are
//! per node.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use serde::Serialize;

use super::labels::{self, Component, Labels};
use super::meta::object_meta;
use crate::contract::{HTTP_METRICS, LOKI};
use crate::spec::Resolved;
use crate::spec::resolved::Part;
use crate::spec::resolved::ServiceMonitor as Settings;

/// `monitoring.coreos.com/v1` ServiceMonitor: the fields this stack sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMonitor {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ServiceMonitorSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    pub selector: LabelSelector,
    pub namespace_selector: NamespaceSelector,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    pub match_names: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub port: &'static str,
    pub path: &'static str,
    pub scheme: &'static str,
    pub interval: String,
    pub scrape_timeout: String,
    pub relabelings: Vec<Relabeling>,
}

/// A Prometheus relabel rule as the operator's `RelabelConfig` spells it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Relabeling {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_labels: Vec<&'static str>,
    pub target_label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    pub action: &'static str,
}

fn copy(source: &'static str, target: &'static str) -> Relabeling {
    Relabeling {
        source_labels: vec![source],
        target_label: target,
        replacement: None,
        action: "replace",
    }
}

fn set(target: &'static str, value: String) -> Relabeling {
    Relabeling {
        source_labels: Vec::new(),
        target_label: target,
        replacement: Some(value),
        action: "replace",
    }
}

/// The mixin's labels: job `<namespace>/<component>`, cluster, namespace, pod, container.
fn relabelings(r: &Resolved, s: &Settings, job_component: &str) -> Vec<Relabeling> {
    vec![
        set("job", format!("{}/{job_component}", r.namespace)),
        set("cluster", s.cluster.clone()),
        copy("__meta_kubernetes_namespace", "namespace"),
        copy("__meta_kubernetes_pod_name", "pod"),
        copy("__meta_kubernetes_pod_container_name", "container"),
    ]
}

/// `selector`: the Services to scrape; `job_component`: the `<component>` of its job.
fn monitor(
    r: &Resolved,
    s: &Settings,
    name: &str,
    c: Component<'_>,
    selector: Labels,
    job_component: &str,
    path: &'static str,
) -> ServiceMonitor {
    let mut l = labels::common(r, c);
    l.extend(s.labels.clone());
    ServiceMonitor {
        api_version: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: object_meta(name, Some(&r.namespace), l),
        spec: ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(selector),
                // Headless Services have the same pods behind them: scrape once.
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: "prometheus.io/service-monitor".to_owned(),
                    operator: "NotIn".to_owned(),
                    values: Some(vec!["false".to_owned()]),
                }]),
            },
            namespace_selector: NamespaceSelector {
                match_names: vec![r.namespace.clone()],
            },
            endpoints: vec![Endpoint {
                port: HTTP_METRICS,
                path,
                scheme: "http",
                interval: s.interval.as_str().to_owned(),
                // Must not exceed the interval; 10s (Prometheus' default) when it allows.
                scrape_timeout: if s.interval.as_millis() >= 10_000 {
                    "10s".to_owned()
                } else {
                    s.interval.as_str().to_owned()
                },
                relabelings: relabelings(r, s, job_component),
            }],
        },
    }
}

/// The `<component>` of a Loki part's job: the mixin calls the single binary `loki`.
pub fn job_component(part: Part) -> &'static str {
    match part {
        Part::SingleBinary => LOKI,
        other => other.role(),
    }
}

pub fn service_monitors(r: &Resolved, s: &Settings) -> Vec<ServiceMonitor> {
    let mut out: Vec<ServiceMonitor> = r
        .components
        .keys()
        .filter(|part| part.loki_target().is_some())
        .map(|&part| {
            let c = super::loki::component(r, part);
            let selector = Labels::from([
                ("app.kubernetes.io/name".to_owned(), LOKI.to_owned()),
                ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
                (
                    "app.kubernetes.io/component".to_owned(),
                    part.role().to_owned(),
                ),
            ]);
            let name = match part {
                Part::SingleBinary => LOKI.to_owned(),
                other => format!("{LOKI}-{}", other.role()),
            };
            monitor(r, s, &name, c, selector, job_component(part), "/metrics")
        })
        .collect();
    let collector = super::collector::component(r);
    let mut agent = monitor(
        r,
        s,
        collector.app,
        collector,
        labels::selector(r, collector),
        collector.app,
        super::collector::metrics_path(r),
    );
    for e in &mut agent.spec.endpoints {
        e.relabelings
            .push(copy("__meta_kubernetes_pod_node_name", "node"));
    }
    out.push(agent);
    out
}
