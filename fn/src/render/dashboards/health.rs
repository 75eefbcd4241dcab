//! "Loki stack / Health": ingestion and discards, requests, compactor and retention,
//! the collector, resources. Prometheus panels, selected by the stack's `job` labels.

use serde_json::{Value, json};

use super::collector;
use super::panels::{
    Board, dashboard as board_json, prometheus, prometheus_variable, target, timeseries,
};
use crate::contract as names;
use crate::render::jobs::{self, Role};
use crate::spec::Resolved;
use crate::spec::collector::CollectorKind;

/// The collector's name as its documentation writes it.
fn agent_title(kind: CollectorKind) -> &'static str {
    match kind {
        CollectorKind::Promtail => "Promtail",
        CollectorKind::FluentBit => "Fluent Bit",
    }
}

const RATE: &str = "$__rate_interval";

pub fn dashboard(r: &Resolved) -> Value {
    let ds = prometheus();
    let c = "cluster=~\"$cluster\"";
    let all = format!("{c}, {}", jobs::job(r, Role::Loki));
    let dist = format!("{c}, {}", jobs::job(r, Role::Distributor));
    let ing = format!("{c}, {}", jobs::job(r, Role::Ingester));
    let comp = format!("{c}, {}", jobs::job(r, Role::Compactor));
    let pt = format!("{c}, {}", jobs::job(r, Role::Collector));
    let t = |expr: String, legend: &str| target(&ds, expr, legend);
    // The clusters are those whose Loki (an agent: whose collector) is scraped.
    let up_role = if r.central.is_some() {
        Role::Loki
    } else {
        Role::Collector
    };
    let mut b = Board::default();

    // An agent runs no Loki: only its collector and resources are watched here.
    if r.central.is_some() {
        b.row("Ingestion");
        b.add(8, 8, timeseries(
            "Lines received",
            "Log lines/s Loki accepted from pushes, by tenant.",
            &ds, "short", false,
            vec![t(format!("sum by (tenant) (rate(loki_distributor_lines_received_total{{{dist}}}[{RATE}]))"), "{{tenant}}")],
        ));
        b.add(8, 8, timeseries(
            "Bytes received",
            "Bytes/s of log lines received, by tenant.",
            &ds, "Bps", false,
            vec![t(format!("sum by (tenant) (rate(loki_distributor_bytes_received_total{{{dist}}}[{RATE}]))"), "{{tenant}}")],
        ));
        b.add(8, 8, timeseries(
            "Discarded lines by reason",
            "Lines/s Loki refused: rate_limited, per_stream_rate_limit and stream_limit mean a limit of spec.limits was reached; the others are out of order, too old, too long or invalid lines. Discarded lines are lost.",
            &ds, "short", false,
            vec![t(format!("sum by (reason, tenant) (rate(loki_discarded_samples_total{{{all}}}[{RATE}]))"), "{{reason}} ({{tenant}})")],
        ));
        b.add(
            8,
            8,
            timeseries(
                "Streams in memory",
                "Active streams per ingester (spec.limits.maxStreamsPerUser applies per tenant).",
                &ds,
                "short",
                false,
                vec![t(
                    format!("sum by (pod) (loki_ingester_memory_streams{{{ing}}})"),
                    "{{pod}}",
                )],
            ),
        );
        b.add(8, 8, timeseries(
            "Chunk flushes",
            "Chunks/s flushed to storage by reason, and flush failures.",
            &ds, "short", false,
            vec![
                t(format!("sum by (reason) (rate(loki_ingester_chunks_flushed_total{{{ing}}}[{RATE}]))"), "{{reason}}"),
                t(format!("sum(rate(loki_ingester_chunks_flush_failures_total{{{ing}}}[{RATE}]))"), "failures"),
            ],
        ));
        b.add(
            8,
            8,
            timeseries(
                "Panics",
                "Code panics per component (alert LokiRequestPanics).",
                &ds,
                "short",
                false,
                vec![t(
                    format!("sum by (job) (increase(loki_panic_total{{{all}}}[{RATE}]))"),
                    "{{job}}",
                )],
            ),
        );

        b.row("Requests");
        b.add(8, 8, timeseries(
            "Requests by route",
            "Requests/s every Loki component served, by route and status.",
            &ds, "reqps", false,
            vec![t(format!("sum by (route, status_code) (rate(loki_request_duration_seconds_count{{{all}}}[{RATE}]))"), "{{route}} {{status_code}}")],
        ));
        b.add(8, 8, timeseries(
            "99th percentile latency by route",
            "Long-lived routes (tailing, query worker loops) are left out (alert LokiRequestLatency).",
            &ds, "s", false,
            vec![t(format!("histogram_quantile(0.99, sum by (route, le) (rate(loki_request_duration_seconds_bucket{{{all}, route!~\"{}\"}}[{RATE}])))", crate::render::alerts::LONG_LIVED_ROUTES), "{{route}}")],
        ));
        b.add(8, 8, timeseries(
            "5xx ratio by route",
            "Share of requests answered with a server error (alert LokiRequestErrors at 10%).",
            &ds, "percentunit", false,
            vec![t(format!("sum by (route) (rate(loki_request_duration_seconds_count{{{all}, status_code=~\"5..\"}}[{RATE}]))\n/\nsum by (route) (rate(loki_request_duration_seconds_count{{{all}}}[{RATE}]))"), "{{route}}")],
        ));

        b.row("Compactor and retention");
        b.add(8, 8, timeseries(
            "Time since last successful run",
            "Compaction and retention run every 10 minutes; the alerts fire after 3 hours.",
            &ds, "s", false,
            vec![
                t(format!("time() - max(loki_boltdb_shipper_compact_tables_operation_last_successful_run_timestamp_seconds{{{comp}}} > 0)"), "compaction"),
                t(format!("time() - max(loki_compactor_apply_retention_last_successful_run_timestamp_seconds{{{comp}}} > 0)"), "retention"),
            ],
        ));
        b.add(8, 8, timeseries(
            "Runs by status",
            "Compaction and retention runs per hour, by status.",
            &ds, "short", false,
            vec![
                t(format!("sum by (status) (increase(loki_boltdb_shipper_compact_tables_operation_total{{{comp}}}[1h]))"), "compaction {{status}}"),
                t(format!("sum by (status) (increase(loki_compactor_apply_retention_operation_total{{{comp}}}[1h]))"), "retention {{status}}"),
            ],
        ));
        b.add(8, 8, timeseries(
            "Retention sweeper",
            "Chunks/s deleted by retention (after retention_delete_delay), and the marker files still to process.",
            &ds, "short", false,
            vec![
                t(format!("sum by (status) (rate(loki_boltdb_shipper_retention_sweeper_chunk_deleted_duration_seconds_count{{{comp}}}[{RATE}]))"), "deleted {{status}}"),
                t(format!("sum(loki_boltdb_shipper_retention_sweeper_marker_files_current{{{comp}}})"), "marker files"),
            ],
        ));
    }

    match r.collector.kind {
        CollectorKind::Promtail => collector::promtail(&mut b, &ds, &pt),
        CollectorKind::FluentBit => collector::fluent_bit(&mut b, &ds, &pt),
    }

    b.row("Resources");
    let agent = r.collector.kind.name();
    let pods = format!("namespace=\"{}\", container=~\"loki|{agent}\"", r.namespace);
    let agent_name = agent_title(r.collector.kind);
    b.add(
        12,
        8,
        timeseries(
            "Memory by pod",
            &format!("Working set of the Loki and {agent_name} containers (cAdvisor)."),
            &ds,
            "bytes",
            false,
            vec![t(
                format!("sum by (pod) (container_memory_working_set_bytes{{{pods}}})"),
                "{{pod}}",
            )],
        ),
    );
    b.add(
        12,
        8,
        timeseries(
            "CPU by pod",
            &format!("CPU cores used by the Loki and {agent_name} containers (cAdvisor)."),
            &ds,
            "short",
            false,
            vec![t(
                format!("sum by (pod) (rate(container_cpu_usage_seconds_total{{{pods}}}[{RATE}]))"),
                "{{pod}}",
            )],
        ),
    );

    let cluster = json!({
        "name": "cluster",
        "label": "Cluster",
        "type": "query",
        "datasource": ds,
        "definition": format!("label_values(up{{{}}}, cluster)", jobs::job(r, up_role)),
        "query": {
            "query": format!("label_values(up{{{}}}, cluster)", jobs::job(r, up_role)),
            "refId": "PrometheusVariableQueryEditor-VariableQuery",
        },
        "regex": "",
        "sort": 1,
        "refresh": 2,
        "includeAll": true,
        "multi": false,
        "allValue": ".*",
        "current": {"selected": true, "text": "All", "value": "$__all"},
        "options": [],
        "hide": 0,
    });
    board_json(
        names::DASHBOARD_HEALTH_UID,
        "Loki stack / Health",
        &format!(
            "Health of the {} stack in namespace {}: ingestion, requests, compactor and retention, {agent_name}. Generated by loki-stack-fn.",
            r.name, r.namespace
        ),
        vec![prometheus_variable(), cluster],
        b.panels(),
    )
}
