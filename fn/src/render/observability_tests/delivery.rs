//! The delivery alerts (issue 17): who can't reach Loki (warning, before anything is
//! lost), lost lines (critical), Fluent Bit's disk buffer filling up (warning); per node,
//! on labels the collector's ServiceMonitor gives, and on Fluent Bit's one output.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{LOCAL, find, render_spec};
use crate::render::alerts::{CANNOT_REACH_FOR, CANNOT_REACH_WINDOW, FLUENT_BIT_OUTPUT};

const FLUENT_BIT: &str = "  collector: {kind: FluentBit}\n";

/// The rules of a spec by name (the delivery ones have one rule each).
fn rules(objects: &[Value]) -> Vec<Value> {
    find(objects, "PrometheusRule")[0]["spec"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().clone())
        .collect()
}

fn rule<'a>(rules: &'a [Value], name: &str) -> &'a Value {
    let found: Vec<&Value> = rules.iter().filter(|r| r["alert"] == name).collect();
    assert_eq!(found.len(), 1, "{name}");
    found[0]
}

/// The labels of every `by (...)` or `on (...)` of an expression, one set each.
fn groupings(expr: &str) -> Vec<BTreeSet<String>> {
    let re = regex::Regex::new(r"\b(by|on) \(([^)]*)\)").unwrap();
    re.captures_iter(expr)
        .map(|c| c[2].split(", ").map(str::to_owned).collect())
        .collect()
}

/// The labels the collector's ServiceMonitor sets on every series.
fn collector_target_labels(objects: &[Value], agent: &str) -> BTreeSet<String> {
    let monitor = find(objects, "ServiceMonitor")
        .into_iter()
        .find(|m| m["metadata"]["name"] == agent)
        .unwrap();
    monitor["spec"]["endpoints"][0]["relabelings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["targetLabel"].as_str().unwrap().to_owned())
        .collect()
}

/// (spec, agent, cannot-reach alert, its retries and successes metrics, the drop alert).
fn agents() -> [(
    String,
    &'static str,
    &'static str,
    [&'static str; 2],
    &'static str,
); 2] {
    [
        (
            LOCAL.to_owned(),
            "promtail",
            "PromtailCannotReachLoki",
            [
                "promtail_batch_retries_total",
                "promtail_sent_entries_total",
            ],
            "PromtailDroppingEntries",
        ),
        (
            format!("{LOCAL}{FLUENT_BIT}"),
            "fluent-bit",
            "FluentBitCannotReachLoki",
            [
                "fluentbit_output_retries_total",
                "fluentbit_output_proc_records_total",
            ],
            "FluentBitDroppingRecords",
        ),
    ]
}

#[test]
fn cannot_reach_loki_warns_per_node_after_five_minutes_without_a_push() {
    assert_eq!((CANNOT_REACH_WINDOW, CANNOT_REACH_FOR), ("4m", "1m"));
    for (spec, agent, name, [retries, sent], _) in agents() {
        let objects = render_spec(&spec);
        let rules = rules(&objects);
        let a = rule(&rules, name);
        assert_eq!(
            a["labels"]["severity"], "warning",
            "{name}: nothing lost yet"
        );
        assert_eq!(a["for"], CANNOT_REACH_FOR, "{name}");
        let expr = a["expr"].as_str().unwrap();
        // Retries in the window, unless a push succeeded in it too, and retrying (or,
        // for Fluent Bit, running) for the whole window.
        let (left, rest) = expr.split_once("\nunless on ").unwrap();
        let (middle, right) = rest.split_once("\nand on ").unwrap();
        assert!(
            left.contains(&format!("increase({retries}{{"))
                && left.ends_with(&format!("[{CANNOT_REACH_WINDOW}])) > 0")),
            "{expr}"
        );
        assert!(
            middle.contains(&format!("increase({sent}{{"))
                && middle.ends_with(&format!("[{CANNOT_REACH_WINDOW}])) > 0")),
            "{expr}"
        );
        assert!(
            right.contains(&format!("({retries}{{"))
                && right.ends_with(&format!("}} offset {CANNOT_REACH_WINDOW})")),
            "{expr}"
        );
        let groups = groupings(expr);
        assert_eq!(groups.len(), 5, "{expr}");
        assert!(groups.iter().all(|g| g == &groups[0]), "{expr}");
        let labels = collector_target_labels(&objects, agent);
        for l in &groups[0] {
            assert!(
                labels.contains(l) || (agent == "promtail" && l == "host"),
                "{name}: {l} is neither a target label nor Promtail's host"
            );
        }
        assert!(groups[0].contains("node") && groups[0].contains("pod"));
        let description = a["annotations"]["description"].as_str().unwrap();
        for word in [
            "{{ $labels.node }}",
            "5 minutes",
            "retryFor",
            "Nothing is lost",
        ] {
            assert!(description.contains(word), "{name}: {word}");
        }
    }
}

#[test]
fn lost_lines_are_critical() {
    for (spec, _, _, _, name) in agents() {
        let rules = rules(&render_spec(&spec));
        assert_eq!(
            rule(&rules, name)["labels"]["severity"],
            "critical",
            "{name}"
        );
    }
    let rules = rules(&render_spec(&format!("{LOCAL}{FLUENT_BIT}")));
    let text = rule(&rules, "FluentBitDroppingRecords")["annotations"]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    for word in ["retries ran out", "disk buffer was full", "oldest chunks"] {
        assert!(text.contains(word), "{word}: {text}");
    }
}

#[test]
fn fluent_bits_buffer_warns_above_80_percent_of_its_one_output() {
    let objects = render_spec(&format!("{LOCAL}{FLUENT_BIT}"));
    let rules = rules(&objects);
    let a = rule(&rules, "FluentBitBufferFilling");
    assert_eq!(a["labels"]["severity"], "warning");
    let expr = a["expr"].as_str().unwrap();
    assert!(
        expr.contains(&format!(
            "(fluentbit_output_chunk_available_capacity_percent{{job=\"logging/fluent-bit\", name=\"{FLUENT_BIT_OUTPUT}\"}}) < 20"
        )),
        "{expr}"
    );
    assert!(groupings(expr)[0].contains("node"), "{expr}");
    let description = a["annotations"]["description"].as_str().unwrap();
    assert!(
        description.contains("drops the oldest chunks"),
        "{description}"
    );
    // The alerts' and the dashboard's `name` is the alias of Fluent Bit's one output.
    let cm = find(&objects, "ConfigMap")
        .into_iter()
        .find(|c| c["metadata"]["name"] == "fluent-bit")
        .unwrap();
    let config: Value =
        crate::yaml::from_str(cm["data"]["fluent-bit.yaml"].as_str().unwrap()).unwrap();
    let outputs = config["pipeline"]["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0]["alias"], FLUENT_BIT_OUTPUT);
}

#[test]
fn retrying_and_request_errors_leave_a_full_outage_to_cannot_reach_loki() {
    // Both need some successful pushes: when none succeeds, the CannotReachLoki alerts
    // say so (earlier, and as warnings) and these do not repeat it.
    for (spec, name, success) in [
        (
            LOCAL.to_owned(),
            "PromtailRequestsErrors",
            "promtail_request_duration_seconds_count{job=\"logging/promtail\", status_code=~\"2..\"}",
        ),
        (
            format!("{LOCAL}{FLUENT_BIT}"),
            "FluentBitOutputRetrying",
            "fluentbit_output_proc_records_total{job=\"logging/fluent-bit\"}",
        ),
    ] {
        let rules = rules(&render_spec(&spec));
        let expr = rule(&rules, name)["expr"].as_str().unwrap().to_owned();
        let (_, right) = expr.split_once("\nand on ").unwrap();
        assert!(
            right.contains(&format!("rate({success}[5m])")) && right.ends_with(" > 0"),
            "{name}: {expr}"
        );
    }
}

/// The Health dashboard's panels: title -> (the targets' expressions and legends).
fn health_panels(objects: &[Value]) -> Vec<(String, Vec<(String, String)>)> {
    let boards = super::dashboards(objects);
    let health = &boards
        .iter()
        .find(|(_, d)| d["uid"] == "loki-stack-health")
        .unwrap()
        .1;
    health["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "timeseries")
        .map(|p| {
            let targets = p["targets"].as_array().unwrap().iter();
            (
                p["title"].as_str().unwrap().to_owned(),
                targets
                    .map(|t| {
                        let s = |k: &str| t[k].as_str().unwrap().to_owned();
                        (s("expr"), s("legendFormat"))
                    })
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_health_dashboard_shows_retries_drops_and_the_buffer_per_node() {
    for (spec, per_node, metrics) in [
        (
            LOCAL.to_owned(),
            &["Push retries by node", "Dropped entries"][..],
            &[
                "promtail_batch_retries_total",
                "promtail_dropped_entries_total",
            ][..],
        ),
        (
            format!("{LOCAL}{FLUENT_BIT}"),
            &[
                "Retries and errors by node",
                "Dropped records",
                "Disk buffer use by node",
                "Buffered chunks by node",
            ][..],
            &[
                "fluentbit_output_retries_total",
                "fluentbit_output_dropped_records_total",
                "100 - fluentbit_output_chunk_available_capacity_percent",
                "fluentbit_storage_fs_chunks_up",
                "fluentbit_storage_fs_chunks_down",
            ][..],
        ),
    ] {
        let panels = health_panels(&render_spec(&spec));
        let mut seen: Vec<&str> = Vec::new();
        for title in per_node {
            let (_, targets) = panels
                .iter()
                .find(|(t, _)| t == title)
                .unwrap_or_else(|| panic!("no panel {title}"));
            // Every target of the panel is per node, but the pipeline's intended drops.
            let delivery = targets
                .iter()
                .filter(|(e, _)| !e.contains("filter_drop") && !e.contains("logentry_dropped"));
            for (expr, legend) in delivery {
                assert!(expr.contains(" by (node"), "{title}: {expr}");
                assert!(legend.contains("{{node}}"), "{title}: {legend}");
                seen.extend(metrics.iter().filter(|m| expr.contains(**m)));
            }
        }
        assert_eq!(seen.len(), metrics.len(), "{seen:?}");
        for (_, targets) in &panels {
            for (expr, _) in targets {
                // Drops are counted (increase), as the alerts do.
                if expr.contains("dropped_") {
                    assert!(expr.contains("(increase("), "{expr}");
                }
                // Promtail has no disk buffer: no buffer panel.
                assert!(
                    spec.contains("FluentBit") || !expr.contains("fluentbit_"),
                    "{expr}"
                );
            }
        }
    }
}
