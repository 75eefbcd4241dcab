//! Prometheus Operator ServiceMonitors for Loki and Promtail, labelled so that
//! kube-prometheus-stack's Prometheus selects them (`release: kube-prometheus-stack`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use serde::Serialize;

use super::labels::{self, Component, Labels};
use super::meta::object_meta;
use super::names::HTTP_METRICS;
use crate::spec::Resolved;
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
}

/// `selector`: the Services to scrape (all of a program's components).
fn monitor(r: &Resolved, s: &Settings, c: Component<'_>, selector: Labels) -> ServiceMonitor {
    let mut l = labels::common(r, c);
    l.extend(s.labels.clone());
    ServiceMonitor {
        api_version: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: object_meta(c.app, Some(&r.namespace), l),
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
                path: "/metrics",
                scheme: "http",
                interval: s.interval.as_str().to_owned(),
                // Must not exceed the interval; 10s (Prometheus' default) when it allows.
                scrape_timeout: if s.interval.as_millis() >= 10_000 {
                    "10s".to_owned()
                } else {
                    s.interval.as_str().to_owned()
                },
            }],
        },
    }
}

pub fn service_monitors(r: &Resolved, s: &Settings) -> Vec<ServiceMonitor> {
    let loki = super::loki::stack_component(r);
    // Every Loki component's Service (not only the single binary's).
    let loki_services = Labels::from([
        ("app.kubernetes.io/name".to_owned(), loki.app.to_owned()),
        ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
    ]);
    let promtail = super::promtail::component(r);
    vec![
        monitor(r, s, loki, loki_services),
        monitor(r, s, promtail, labels::selector(r, promtail)),
    ]
}
