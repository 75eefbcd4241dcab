//! "Loki stack / Health": ingestion and discards, requests, compactor and retention,
//! Promtail, resources. Prometheus panels, selected by the stack's `job` labels.

use serde_json::{Value, json};

use super::{Board, dashboard as board_json, prometheus, prometheus_variable, target, timeseries};
use crate::render::jobs::{self, Role};
use crate::render::names;
use crate::spec::Resolved;

const RATE: &str = "$__rate_interval";

pub fn dashboard(r: &Resolved) -> Value {
    let ds = prometheus();
    let c = "cluster=~\"$cluster\"";
    let all = format!("{c}, {}", jobs::job(r, Role::Loki));
    let dist = format!("{c}, {}", jobs::job(r, Role::Distributor));
    let ing = format!("{c}, {}", jobs::job(r, Role::Ingester));
    let comp = format!("{c}, {}", jobs::job(r, Role::Compactor));
    let pt = format!("{c}, {}", jobs::job(r, Role::Promtail));
    let t = |expr: String, legend: &str| target(&ds, expr, legend);
    let mut b = Board::default();

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

    b.row("Promtail");
    b.add(
        8,
        8,
        timeseries(
            "Entries sent",
            "Entries/s Promtail pushed to Loki.",
            &ds,
            "short",
            false,
            vec![t(
                format!("sum by (host) (rate(promtail_sent_entries_total{{{pt}}}[{RATE}]))"),
                "{{host}}",
            )],
        ),
    );
    b.add(8, 8, timeseries(
        "Pushes by status",
        "Push requests/s by HTTP status (-1: no connection), and retried batches (alert PromtailRequestsErrors).",
        &ds, "reqps", false,
        vec![
            t(format!("sum by (status_code) (rate(promtail_request_duration_seconds_count{{{pt}}}[{RATE}]))"), "{{status_code}}"),
            t(format!("sum(rate(promtail_batch_retries_total{{{pt}}}[{RATE}]))"), "retries"),
        ],
    ));
    b.add(8, 8, timeseries(
        "Dropped entries",
        "Entries/s dropped after the retries ran out (client) and by the pipeline. line_too_old (older than Loki accepts) and promtail_debug are intended.",
        &ds, "short", false,
        vec![
            t(format!("sum by (reason) (rate(promtail_dropped_entries_total{{{pt}}}[{RATE}]))"), "client: {{reason}}"),
            t(format!("sum by (reason) (rate(logentry_dropped_lines_total{{{pt}}}[{RATE}]))"), "pipeline: {{reason}}"),
        ],
    ));
    b.add(12, 8, timeseries(
        "Unread bytes by pod",
        "Bytes of the tailed files not read yet (alert PromtailFileLagging at 10 MiB per file).",
        &ds, "bytes", false,
        vec![t(format!("sum by (pod) (promtail_file_bytes_total{{{pt}}} - promtail_read_bytes_total{{{pt}}})"), "{{pod}}")],
    ));
    b.add(
        12,
        8,
        timeseries(
            "Files tailed by pod",
            "Files each Promtail is tailing.",
            &ds,
            "short",
            false,
            vec![t(
                format!("sum by (pod) (promtail_files_active_total{{{pt}}})"),
                "{{pod}}",
            )],
        ),
    );

    b.row("Resources");
    let pods = format!(
        "namespace=\"{}\", container=~\"loki|promtail\"",
        r.namespace
    );
    b.add(
        12,
        8,
        timeseries(
            "Memory by pod",
            "Working set of the Loki and Promtail containers (cAdvisor).",
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
            "CPU cores used by the Loki and Promtail containers (cAdvisor).",
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
        "definition": format!("label_values(up{{{}}}, cluster)", jobs::job(r, Role::Loki)),
        "query": {
            "query": format!("label_values(up{{{}}}, cluster)", jobs::job(r, Role::Loki)),
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
            "Health of the {} stack in namespace {}: ingestion, requests, compactor and retention, Promtail. Generated by loki-stack-fn.",
            r.name, r.namespace
        ),
        vec![prometheus_variable(), cluster],
        b.panels(),
    )
}
