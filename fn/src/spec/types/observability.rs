//! `spec.grafana` and `spec.monitoring`: what the stack tells Grafana and Prometheus.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaSpec {
    /// The Loki datasource, as a ConfigMap the Grafana sidecar provisions.
    pub datasource: Option<DatasourceSpec>,
    /// The "Loki stack / Health" and "Loki stack / Logs" dashboards, as ConfigMaps.
    pub dashboards: Option<DashboardsSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DatasourceSpec {
    /// Default true.
    pub enabled: Option<bool>,
    /// Grafana's namespace, where the ConfigMap goes. Default `monitoring`.
    #[schemars(transform = rules::dns_label)]
    pub namespace: Option<String>,
    /// The datasource's name in Grafana. Default `Loki`.
    #[schemars(transform = rules::not_blank)]
    pub name: Option<String>,
    /// The datasource's uid (dashboards refer to it): 1 to 40 letters, digits, `-` or
    /// `_`. Default `loki`.
    #[schemars(transform = rules::uid)]
    pub uid: Option<String>,
    /// Most log lines a query returns. Default 1000.
    #[schemars(range(min = 1))]
    pub max_lines: Option<u32>,
    /// Labels of the ConfigMap, what the sidecar selects by. Default
    /// `{grafana_datasource: "1"}`.
    #[schemars(transform = rules::label_map)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Make Loki Grafana's default datasource. Default false.
    pub is_default: Option<bool>,
    /// Links from log lines to other datasources (e.g. a trace id to Tempo).
    pub derived_fields: Option<Vec<DerivedFieldSpec>>,
    /// Where Grafana finds the gateway password (gateway basic auth on): one of `env`,
    /// `file`. Default `env: LOKI_GATEWAY_PASSWORD`.
    pub password_from: Option<PasswordFromSpec>,
}

/// A Grafana derived field: a link from a value in a log line.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DerivedFieldSpec {
    /// Required: the field's name, e.g. `TraceID`.
    #[schemars(transform = rules::not_blank)]
    pub name: Option<String>,
    /// Required: a regex with one capture group (the value), e.g. `traceID=(\w+)`, or a
    /// label name with `matcherType: label` (structured metadata such as `trace_id`).
    #[schemars(transform = rules::non_empty)]
    pub matcher_regex: Option<String>,
    /// `regex` (default) or `label`.
    pub matcher_type: Option<DerivedFieldMatcher>,
    /// The uid of the datasource the value is queried in (e.g. Tempo); this or `url`.
    pub datasource_uid: Option<String>,
    /// An external link instead; `${__value.raw}` is the value.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DerivedFieldMatcher {
    Regex,
    Label,
}

/// One of `env`, `file`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordFromSpec {
    /// An environment variable of Grafana's pod, e.g. `LOKI_GATEWAY_PASSWORD`.
    #[schemars(transform = rules::env_name)]
    pub env: Option<String>,
    /// An absolute path of a file mounted into Grafana's pod.
    #[schemars(transform = rules::grafana_file)]
    pub file: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MonitoringSpec {
    /// Prometheus Operator ServiceMonitors for every Loki component and Promtail.
    pub service_monitor: Option<ServiceMonitorSpec>,
    /// The `cluster` label on every scraped series (the Loki mixin's dashboards and
    /// alerts select by it). Default `kubernetes`.
    #[schemars(transform = rules::label_value)]
    pub cluster: Option<String>,
    /// The stack's own health alerts.
    pub prometheus_rule: Option<PrometheusRuleSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    /// Default true.
    pub enabled: Option<bool>,
    /// Labels Prometheus selects ServiceMonitors by. Default
    /// `{release: kube-prometheus-stack}`.
    #[schemars(transform = rules::label_map)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Scrape interval, a duration longer than 0. Default `30s`.
    #[schemars(transform = rules::duration)]
    pub interval: Option<String>,
}

/// The stack's own health alerts, as a Prometheus Operator PrometheusRule.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrometheusRuleSpec {
    /// Default: on when the ServiceMonitors are (the alerts select their `job` labels).
    pub enabled: Option<bool>,
    /// Default: the ServiceMonitors' labels (what kube-prometheus-stack selects by).
    #[schemars(transform = rules::label_map)]
    pub labels: Option<BTreeMap<String, String>>,
}

/// Grafana dashboards as ConfigMaps for the kube-prometheus-stack sidecar.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DashboardsSpec {
    /// Default true.
    pub enabled: Option<bool>,
    /// Grafana's namespace; default: the datasource's.
    #[schemars(transform = rules::dns_label)]
    pub namespace: Option<String>,
    /// Labels the sidecar selects by. Default `{grafana_dashboard: "1"}`.
    #[schemars(transform = rules::label_map)]
    pub labels: Option<BTreeMap<String, String>>,
}
