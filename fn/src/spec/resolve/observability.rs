//! What the stack tells Grafana and Prometheus about itself.

use super::super::duration::Duration;
use super::super::names;
use super::super::profile::Defaults;
use super::super::resolved::{
    Dashboards, Datasource, DerivedField, PASSWORD_ENV, PrometheusRule, ServiceMonitor,
};
use super::super::types::{DerivedFieldMatcher, DerivedFieldSpec, PasswordFromSpec};
use super::checker::{Checker, labels};

pub(super) fn datasource(
    c: &mut Checker,
    spec: &super::super::types::Spec,
    d: &Defaults,
) -> Option<Datasource> {
    let given = spec
        .grafana
        .as_ref()
        .and_then(|g| g.datasource.clone())
        .unwrap_or_default();
    // Checked also when off: the dashboards query its uid, wherever it is provisioned.
    let enabled = given.enabled.unwrap_or(d.datasource_enabled);
    let namespace = given
        .namespace
        .unwrap_or_else(|| d.datasource_namespace.to_owned());
    c.check(
        "spec.grafana.datasource.namespace",
        names::check_dns_label(&namespace),
    );
    let name = given.name.unwrap_or_else(|| d.datasource_name.to_owned());
    if name.trim().is_empty() {
        c.error("spec.grafana.datasource.name", "must not be empty");
    }
    let uid = given.uid.unwrap_or_else(|| d.datasource_uid.to_owned());
    check_uid(c, &uid);
    let max_lines = given.max_lines.unwrap_or(d.datasource_max_lines);
    if max_lines == 0 {
        c.error("spec.grafana.datasource.maxLines", "must be at least 1");
    }
    let labels = labels(
        c,
        "spec.grafana.datasource.labels",
        given.labels.as_ref(),
        d.datasource_labels,
    );
    let derived_fields = derived_fields(c, given.derived_fields.as_deref().unwrap_or_default());
    let password_ref = password_ref(c, given.password_from.as_ref());
    if !enabled {
        return None;
    }
    Some(Datasource {
        namespace,
        name,
        uid,
        max_lines,
        labels,
        is_default: given.is_default.unwrap_or(false),
        derived_fields,
        password_ref,
    })
}

fn password_ref(c: &mut Checker, given: Option<&PasswordFromSpec>) -> String {
    let field = "spec.grafana.datasource.passwordFrom";
    match given.map(|p| (p.env.as_deref(), p.file.as_deref())) {
        None | Some((None, None)) => format!("${PASSWORD_ENV}"),
        Some((Some(env), None)) => {
            let ok = env
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
                && env
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
            if !ok {
                c.error(
                    &format!("{field}.env"),
                    format!("{env:?} is not an environment variable name"),
                );
            }
            format!("${env}")
        }
        Some((None, Some(file))) => {
            if !file.starts_with('/')
                || file.contains(['{', '}', '$'])
                || file.contains(char::is_whitespace)
            {
                c.error(
                    &format!("{field}.file"),
                    format!("{file:?}: an absolute path in Grafana's pod, without '{{', '}}', '$' or spaces"),
                );
            }
            format!("$__file{{{file}}}")
        }
        Some((Some(_), Some(_))) => {
            c.error(field, "set either env or file, not both");
            String::new()
        }
    }
}

fn derived_fields(c: &mut Checker, given: &[DerivedFieldSpec]) -> Vec<DerivedField> {
    let mut out = Vec::new();
    for (i, d) in given.iter().enumerate() {
        let field = format!("spec.grafana.datasource.derivedFields[{i}]");
        let name = d.name.clone().unwrap_or_default();
        if name.trim().is_empty() {
            c.error(
                &format!("{field}.name"),
                "required: the field's name, e.g. \"TraceID\"",
            );
        }
        let matcher_type = match d.matcher_type.unwrap_or(DerivedFieldMatcher::Regex) {
            DerivedFieldMatcher::Regex => "regex",
            DerivedFieldMatcher::Label => "label",
        };
        let matcher = d.matcher_regex.clone().unwrap_or_default();
        if matcher.is_empty() {
            c.error(
                &format!("{field}.matcherRegex"),
                "required: a regex with one capture group (e.g. \"traceID=(\\w+)\"), or a label \
                 name with matcherType: label",
            );
        } else if matcher_type == "regex" && !matcher.contains('(') {
            c.error(
                &format!("{field}.matcherRegex"),
                format!(
                    "{matcher:?} has no capture group: Grafana links what the first group matches"
                ),
            );
        }
        let (uid, url) = match (d.datasource_uid.clone(), d.url.clone()) {
            (Some(uid), None) => (Some(uid), "${__value.raw}".to_owned()),
            (Some(uid), Some(url)) => (Some(uid), url),
            (None, Some(url)) => (None, url),
            (None, None) => {
                c.error(
                    &field,
                    "set datasourceUid (a query in another datasource, e.g. Tempo) or url (a link)",
                );
                (None, String::new())
            }
        };
        out.push(DerivedField {
            name,
            matcher_regex: matcher,
            matcher_type,
            datasource_uid: uid,
            url,
        });
    }
    out
}

/// The `cluster` label's value when `spec.monitoring.cluster` is not set.
pub const DEFAULT_CLUSTER: &str = "kubernetes";

pub(super) fn service_monitor(
    c: &mut Checker,
    spec: &super::super::types::Spec,
    d: &Defaults,
) -> Option<ServiceMonitor> {
    let given = spec
        .monitoring
        .as_ref()
        .and_then(|m| m.service_monitor.clone())
        .unwrap_or_default();
    // What is given is checked also when off.
    let enabled = given.enabled != Some(false);
    let labels = labels(
        c,
        "spec.monitoring.serviceMonitor.labels",
        given.labels.as_ref(),
        d.service_monitor_labels,
    );
    let interval_text = given
        .interval
        .unwrap_or_else(|| d.service_monitor_interval.to_owned());
    let interval = c.check(
        "spec.monitoring.serviceMonitor.interval",
        Duration::parse(&interval_text),
    );
    if interval.as_ref().is_some_and(|i| i.as_millis() == 0) {
        c.error(
            "spec.monitoring.serviceMonitor.interval",
            "must be longer than 0s",
        );
    }
    let cluster = spec
        .monitoring
        .as_ref()
        .and_then(|m| m.cluster.clone())
        .unwrap_or_else(|| DEFAULT_CLUSTER.to_owned());
    if cluster.is_empty() {
        c.error("spec.monitoring.cluster", "must not be empty");
    } else {
        c.check(
            "spec.monitoring.cluster",
            names::check_label_value(&cluster),
        );
    }
    Some(ServiceMonitor {
        labels,
        interval: interval.filter(|_| enabled)?,
        cluster,
    })
}

fn check_uid(c: &mut Checker, uid: &str) {
    if uid.is_empty()
        || uid.len() > 40
        || !uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        c.error(
            "spec.grafana.datasource.uid",
            format!("invalid Grafana uid {uid:?}: 1 to 40 letters, digits, '-' or '_'"),
        );
    }
}

/// The alerts on the stack's own health. On by default when the ServiceMonitors are (the
/// rules select the `job` labels those give the series), labelled like them.
pub(super) fn prometheus_rule(
    c: &mut Checker,
    spec: &super::super::types::Spec,
    d: &Defaults,
    service_monitor: Option<&ServiceMonitor>,
) -> Option<PrometheusRule> {
    let monitoring = spec.monitoring.as_ref();
    let given = monitoring
        .and_then(|m| m.prometheus_rule.clone())
        .unwrap_or_default();
    match (given.enabled, service_monitor) {
        (Some(false), _) | (None, None) => {
            if let Some(l) = &given.labels {
                labels(c, "spec.monitoring.prometheusRule.labels", Some(l), &[]);
            }
            return None;
        }
        (Some(true), None) => c.warn(
            "spec.monitoring.prometheusRule.enabled",
            "the alerts select series by the `job` label the stack's ServiceMonitors set \
             (\"<namespace>/<component>\"); with spec.monitoring.serviceMonitor.enabled: false \
             they only fire if your own scrape config sets the same labels",
        ),
        _ => {}
    }
    let labels = match (&given.labels, service_monitor) {
        (Some(l), _) => labels(c, "spec.monitoring.prometheusRule.labels", Some(l), &[]),
        (None, Some(s)) => s.labels.clone(),
        (None, None) => labels(
            c,
            "spec.monitoring.prometheusRule.labels",
            None,
            d.service_monitor_labels,
        ),
    };
    Some(PrometheusRule { labels })
}

/// The Grafana dashboards: in the datasource's namespace unless told otherwise, querying
/// Loki by the datasource's uid (also when the datasource itself is provisioned elsewhere).
pub(super) fn dashboards(
    c: &mut Checker,
    spec: &super::super::types::Spec,
    d: &Defaults,
) -> Option<Dashboards> {
    let grafana = spec.grafana.as_ref();
    let given = grafana
        .and_then(|g| g.dashboards.clone())
        .unwrap_or_default();
    let datasource = grafana
        .and_then(|g| g.datasource.clone())
        .unwrap_or_default();
    // The datasource's namespace and uid are checked by `datasource` (also when it is
    // off); what is given here is checked also when the dashboards are off.
    if let Some(ns) = &given.namespace {
        c.check(
            "spec.grafana.dashboards.namespace",
            names::check_dns_label(ns),
        );
    }
    let namespace = given.namespace.clone().unwrap_or_else(|| {
        datasource
            .namespace
            .clone()
            .unwrap_or_else(|| d.datasource_namespace.to_owned())
    });
    let loki_uid = datasource
        .uid
        .unwrap_or_else(|| d.datasource_uid.to_owned());
    let labels = labels(
        c,
        "spec.grafana.dashboards.labels",
        given.labels.as_ref(),
        d.dashboard_labels,
    );
    if given.enabled == Some(false) {
        return None;
    }
    Some(Dashboards {
        namespace,
        labels,
        loki_uid,
    })
}
