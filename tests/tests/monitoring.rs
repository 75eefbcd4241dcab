//! Prometheus sees every Loki component once: each non-headless Loki Service (and
//! Promtail's) is selected by exactly one ServiceMonitor, no headless Service by any,
//! and every monitor labels its series `job="<namespace>/<component>"` plus `cluster`,
//! `namespace`, `pod` and `container` (what the Loki mixin selects by), the collector's
//! also `node`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{docs, run_fn};
use serde_json::Value;

fn render(config: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lokistack.yaml");
    std::fs::write(&file, config).unwrap();
    let out = run_fn(&["render", "-f", file.to_str().unwrap()], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    docs(&out.stdout)
}

/// The ServiceMonitor selection the property tests' invariants use too.
fn selects(monitor: &Value, service: &Value) -> bool {
    e2e::invariants::service_monitor_selects(monitor, service)
}

#[test]
fn every_component_is_scraped_once_with_the_mixin_labels() {
    let mut configs = e2e::every_stack();
    // HelmRelease output: the Loki Services are the chart's; tests/tests/helm_chart.rs
    // checks each monitor against the chart's own renders.
    configs.retain(|(_, c)| !c.contains("output: HelmRelease"));
    assert!(configs.len() >= 6, "{}", configs.len());
    for (name, config) in configs {
        let objects = render(&config);
        // The cluster label: an agent's is its spec.remote.cluster (its logs' too).
        let spec = &e2e::doc(&config)["spec"];
        let cluster = spec
            .pointer("/monitoring/cluster")
            .or_else(|| spec.pointer("/remote/cluster"))
            .and_then(Value::as_str)
            .unwrap_or("kubernetes")
            .to_owned();
        let monitors: Vec<&Value> = objects
            .iter()
            .filter(|o| o["kind"] == "ServiceMonitor")
            .collect();
        let services: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Service").collect();
        let namespace = services[0]["metadata"]["namespace"].as_str().unwrap();
        let mut jobs = Vec::new();
        for s in &services {
            let sname = s["metadata"]["name"].as_str().unwrap();
            let app = s["metadata"]["labels"]["app.kubernetes.io/name"].as_str();
            let headless = s["spec"]["clusterIP"] == "None";
            let metrics = s["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "http-metrics");
            let scrapers: Vec<&&Value> = monitors.iter().filter(|m| selects(m, s)).collect();
            let want = usize::from(
                !headless
                    && metrics
                    && matches!(app, Some("loki" | "promtail" | "fluent-bit"))
                    && sname != "loki-memberlist",
            );
            assert_eq!(
                scrapers.len(),
                want,
                "{name}: {sname} scraped by {}",
                scrapers.len()
            );
            if let Some(m) = scrapers.first() {
                let relabel = &m["spec"]["endpoints"][0]["relabelings"];
                let value = |target: &str| {
                    relabel
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|r| r["targetLabel"] == target)
                        .unwrap_or_else(|| panic!("{name}: {sname}: no {target} relabeling"))
                        .clone()
                };
                let job = value("job")["replacement"].as_str().unwrap().to_owned();
                let component = s["metadata"]["labels"]["app.kubernetes.io/component"]
                    .as_str()
                    .unwrap();
                let expected = match (app, component) {
                    (Some(agent @ ("promtail" | "fluent-bit")), _) => agent,
                    (_, "single-binary") => "loki",
                    (_, c) => c,
                };
                assert_eq!(job, format!("{namespace}/{expected}"), "{name}: {sname}");
                assert_eq!(value("cluster")["replacement"], cluster.as_str(), "{name}");
                for (target, source) in [
                    ("namespace", "__meta_kubernetes_namespace"),
                    ("pod", "__meta_kubernetes_pod_name"),
                    ("container", "__meta_kubernetes_pod_container_name"),
                ] {
                    assert_eq!(value(target)["sourceLabels"][0], source, "{name}: {target}");
                }
                // The collector's metrics do not name the node; the delivery alerts and
                // the Health dashboard are per node.
                let node = relabel
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["targetLabel"] == "node");
                if matches!(app, Some("promtail" | "fluent-bit")) {
                    let node = node.unwrap_or_else(|| panic!("{name}: {sname}: no node"));
                    assert_eq!(node["sourceLabels"][0], "__meta_kubernetes_pod_node_name");
                } else {
                    assert!(node.is_none(), "{name}: {sname}: node");
                }
                jobs.push(job);
            }
        }
        let unique: std::collections::BTreeSet<&String> = jobs.iter().collect();
        assert_eq!(unique.len(), jobs.len(), "{name}: a job twice: {jobs:?}");
        assert_eq!(
            jobs.len(),
            monitors.len(),
            "{name}: a monitor selects nothing"
        );
    }
}
