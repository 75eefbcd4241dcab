//! What the stack tells Grafana and Prometheus about itself.

use super::super::duration::Duration;
use super::super::names;
use super::super::profile::Defaults;
use super::super::resolved::{Datasource, ServiceMonitor};
use super::{Checker, labels};

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
    if given.enabled == Some(false) {
        return None;
    }
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
    Some(Datasource {
        namespace,
        name,
        uid,
        max_lines,
        labels,
    })
}

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
    if given.enabled == Some(false) {
        return None;
    }
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
    )?;
    if interval.as_millis() == 0 {
        c.error(
            "spec.monitoring.serviceMonitor.interval",
            "must be longer than 0s",
        );
    }
    Some(ServiceMonitor { labels, interval })
}
