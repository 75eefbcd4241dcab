//! The HelmRelease's `values`: the resolved stack in the upstream chart's terms (chart
//! 18.x, `values.yaml`). What the chart would add on top of Manifests output is turned
//! off: its Promtail-less self-monitoring, canary, Helm test, MinIO, network policies,
//! rules sidecar, ServiceMonitors, rules and dashboards (this function renders its own
//! monitors, rules, dashboards and policies around the release).

mod components;
mod loki;

use serde_json::{Map, Value, json};

pub use components::{LOKI_PARTS, image};

use crate::spec::Resolved;
use crate::spec::resolved::Part;
use crate::spec::types::Mode;

/// The chart's `deploymentMode` of a mode.
pub fn deployment_mode(mode: Mode) -> &'static str {
    match mode {
        Mode::SingleBinary => "SingleBinary",
        Mode::SimpleScalable => "SimpleScalable",
        Mode::Distributed => "Distributed",
    }
}

/// Every value the release sets, in a stable order.
pub fn values(r: &Resolved) -> Result<Value, String> {
    let c = r.central()?;
    let mut v = Map::new();
    // The chart's object names become `<name>`, `<name>-<component>`: what Promtail,
    // Grafana, the monitors and the policies of this stack address.
    v.insert("fullnameOverride".to_owned(), json!(r.name));
    v.insert("deploymentMode".to_owned(), json!(deployment_mode(c.mode)));
    v.insert(
        "global".to_owned(),
        json!({"clusterDomain": r.cluster_domain}),
    );
    v.insert("loki".to_owned(), loki::values(r, c)?);
    // Loki's ServiceAccount: workload identity annotations; no API token (no sidecar
    // needs one, IRSA's webhook projects its own).
    v.insert(
        "serviceAccount".to_owned(),
        json!({
            "create": true,
            "annotations": c.storage.auth.service_account_annotations,
            "automountServiceAccountToken": false,
        }),
    );
    let mut defaults = loki::credentials(c);
    defaults.insert("automountServiceAccountToken".to_owned(), json!(false));
    v.insert("defaults".to_owned(), Value::Object(defaults));
    components::loki_components(r, &mut v);
    v.insert("gateway".to_owned(), components::gateway(r));
    v.insert(
        "chunksCache".to_owned(),
        components::cache(r, Part::ChunksCache, r.caches.chunks.as_ref()),
    );
    v.insert(
        "resultsCache".to_owned(),
        components::cache(r, Part::ResultsCache, r.caches.results.as_ref()),
    );
    if let Some(m) = components::memcached(r) {
        v.insert("memcached".to_owned(), m);
    }
    v.insert("memcachedExporter".to_owned(), json!({"enabled": false}));
    v.insert(
        "monitoring".to_owned(),
        json!({
            "serviceMonitor": {"enabled": false},
            "rules": {"enabled": false},
            "alerts": {"enabled": false},
            "dashboards": {"enabled": false},
        }),
    );
    v.insert("lokiCanary".to_owned(), json!({"enabled": false}));
    v.insert("test".to_owned(), json!({"enabled": false}));
    v.insert("minio".to_owned(), json!({"enabled": false}));
    v.insert("networkPolicy".to_owned(), json!({"enabled": false}));
    v.insert("sidecar".to_owned(), json!({"rules": {"enabled": false}}));
    // Without the rules sidecar nothing reads the API: no ClusterRole.
    v.insert("rbac".to_owned(), json!({"namespaced": true}));
    let mut values = Value::Object(v);
    integral_numbers(&mut values);
    super::checks::check(&values)?;
    Ok(values)
}

/// `10.0` as `10`: kustomize and kubectl write whole floats as integers, so every
/// runner then yields the same values (Helm and Loki read either).
fn integral_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n
                .as_f64()
                .filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15)
            {
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *v = json!(i);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(integral_numbers),
        Value::Object(m) => m.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_as_the_chart_joins_them() {
        assert_eq!(
            image("docker.io/grafana/loki:3.7.6"),
            json!({"registry": "docker.io", "repository": "grafana/loki", "tag": "3.7.6"})
        );
        assert_eq!(
            image("registry.local:5000/team/loki:3.7.6"),
            json!({"registry": "registry.local:5000", "repository": "team/loki", "tag": "3.7.6"})
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            image(&format!("grafana/loki@{digest}")),
            json!({"registry": "docker.io", "repository": "grafana/loki", "digest": digest})
        );
        assert_eq!(
            image(&format!("ghcr.io/x/loki:3.7.6@{digest}")),
            json!({"registry": "ghcr.io", "repository": "x/loki", "tag": "3.7.6", "digest": digest})
        );
    }
}
