//! `spec.output: HelmRelease`: Loki through the upstream chart. Instead of Loki's own
//! objects (workloads, Services, ConfigMaps, gateway, caches, PDBs) the stack renders a
//! Flux `HelmRepository` and a `HelmRelease` of the pinned chart whose values carry
//! the same resolved config; Promtail, the Grafana datasource and dashboards, the
//! ServiceMonitors, the PrometheusRule, the exposure objects and the network policies
//! are rendered around it as for Manifests output, addressed to the chart's Services
//! and pod labels (`fullnameOverride` = the stack name, release = the stack name).

pub mod chart;
pub mod checks;
pub mod flux;
pub mod values;

#[cfg(test)]
mod tests;

use serde_json::Value;

use super::meta::to_value;
use crate::spec::Resolved;

pub use chart::{CHART, CHART_VERSION, REPOSITORY, REPOSITORY_URL};

/// The HelmRepository and the HelmRelease.
pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let values = values::values(r)?;
    Ok(vec![
        to_value(&flux::helm_repository(r))?,
        to_value(&flux::helm_release(r, values))?,
    ])
}
