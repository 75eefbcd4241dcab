//! Grafana dashboards as ConfigMaps that kube-prometheus-stack's Grafana sidecar loads
//! (label `grafana_dashboard: "1"`, in Grafana's namespace): the stack's health
//! (Prometheus) and its logs (Loki). The JSON is built here, deterministically.

mod collector;
mod health;
mod logs;
mod panels;

pub use panels::*;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::Value;

use super::labels;
use super::meta::object_meta;
use crate::contract as names;
use crate::spec::Resolved;
use crate::spec::resolved::Dashboards;

/// The dashboards: (ConfigMap name, file name, JSON).
/// An agent has the Logs dashboard only with its datasource (the central stack's
/// Grafana has its own).
pub fn all(r: &Resolved, d: &Dashboards) -> Vec<(&'static str, &'static str, Value)> {
    let mut out = vec![(
        names::DASHBOARD_HEALTH,
        names::DASHBOARD_HEALTH_KEY,
        health::dashboard(r),
    )];
    if r.central.is_some() || r.datasource.is_some() {
        out.push((
            names::DASHBOARD_LOGS,
            names::DASHBOARD_LOGS_KEY,
            logs::dashboard(r, d),
        ));
    }
    out
}

pub fn config_maps(r: &Resolved, d: &Dashboards) -> Result<Vec<ConfigMap>, String> {
    all(r, d)
        .into_iter()
        .map(|(name, key, json)| {
            let text = serde_json::to_string_pretty(&json)
                .map_err(|e| format!("internal error serializing dashboard {name}: {e}"))?;
            let mut l = labels::stack(r);
            l.extend(d.labels.clone());
            Ok(ConfigMap {
                metadata: object_meta(name, Some(&d.namespace), l),
                data: Some(BTreeMap::from([(key.to_owned(), format!("{text}\n"))])),
                ..ConfigMap::default()
            })
        })
        .collect()
}
