//! The Health dashboard's collector row: what each agent's metrics say about shipping.

use serde_json::Value;

use super::{Board, target, timeseries};

const RATE: &str = "$__rate_interval";

/// Promtail's row.
pub fn promtail(b: &mut Board, ds: &Value, pt: &str) {
    let t = |expr: String, legend: &str| target(ds, expr, legend);
    b.row("Promtail");
    b.add(
        8,
        8,
        timeseries(
            "Entries sent",
            "Entries/s Promtail pushed to Loki.",
            ds,
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
        ds, "reqps", false,
        vec![
            t(format!("sum by (status_code) (rate(promtail_request_duration_seconds_count{{{pt}}}[{RATE}]))"), "{{status_code}}"),
            t(format!("sum(rate(promtail_batch_retries_total{{{pt}}}[{RATE}]))"), "retries"),
        ],
    ));
    b.add(8, 8, timeseries(
        "Dropped entries",
        "Entries/s dropped after the retries ran out (client) and by the pipeline. line_too_old (older than Loki accepts) and promtail_debug are intended.",
        ds, "short", false,
        vec![
            t(format!("sum by (reason) (rate(promtail_dropped_entries_total{{{pt}}}[{RATE}]))"), "client: {{reason}}"),
            t(format!("sum by (reason) (rate(logentry_dropped_lines_total{{{pt}}}[{RATE}]))"), "pipeline: {{reason}}"),
        ],
    ));
    b.add(12, 8, timeseries(
        "Unread bytes by pod",
        "Bytes of the tailed files not read yet (alert PromtailFileLagging at 10 MiB per file).",
        ds, "bytes", false,
        vec![t(format!("sum by (pod) (promtail_file_bytes_total{{{pt}}} - promtail_read_bytes_total{{{pt}}})"), "{{pod}}")],
    ));
    b.add(
        12,
        8,
        timeseries(
            "Files tailed by pod",
            "Files each Promtail is tailing.",
            ds,
            "short",
            false,
            vec![t(
                format!("sum by (pod) (promtail_files_active_total{{{pt}}})"),
                "{{pod}}",
            )],
        ),
    );
}

/// Fluent Bit's row (its `/api/v2/metrics/prometheus`; `name` is a plugin's alias).
pub fn fluent_bit(b: &mut Board, ds: &Value, pt: &str) {
    let t = |expr: String, legend: &str| target(ds, expr, legend);
    b.row("Fluent Bit");
    b.add(
        8,
        8,
        timeseries(
            "Records sent",
            "Records/s the loki output delivered, by pod.",
            ds,
            "short",
            false,
            vec![t(
                format!("sum by (pod) (rate(fluentbit_output_proc_records_total{{{pt}}}[{RATE}]))"),
                "{{pod}}",
            )],
        ),
    );
    b.add(8, 8, timeseries(
        "Retries and errors",
        "Push retries/s and failed pushes/s to Loki (alerts FluentBitOutputRetrying, FluentBitOutputErrors).",
        ds, "short", false,
        vec![
            t(format!("sum by (pod) (rate(fluentbit_output_retries_total{{{pt}}}[{RATE}]))"), "retries {{pod}}"),
            t(format!("sum by (pod) (rate(fluentbit_output_errors_total{{{pt}}}[{RATE}]))"), "errors {{pod}}"),
        ],
    ));
    b.add(8, 8, timeseries(
        "Dropped records",
        "Records/s the output dropped after its retries (lost), and the Lua filter's intended drops (old lines, opt-outs, its own debug lines).",
        ds, "short", false,
        vec![
            t(format!("sum by (pod) (rate(fluentbit_output_dropped_records_total{{{pt}}}[{RATE}]))"), "lost {{pod}}"),
            t(format!("sum(rate(fluentbit_filter_drop_records_total{{{pt}, name=\"collection-contract\"}}[{RATE}]))"), "filtered"),
        ],
    ));
    b.add(
        12,
        8,
        timeseries(
            "Records read by input",
            "Records/s each input read: pods, Talos' files, the audit log, the Talos receiver.",
            ds,
            "short",
            false,
            vec![t(
                format!("sum by (name) (rate(fluentbit_input_records_total{{{pt}}}[{RATE}]))"),
                "{{name}}",
            )],
        ),
    );
    b.add(12, 8, timeseries(
        "Paused inputs",
        "Inputs that stopped reading because their memory buffer is full (alert FluentBitInputPaused).",
        ds, "short", false,
        vec![t(format!("sum by (pod, name) (fluentbit_input_ingestion_paused{{{pt}}})"), "{{pod}} {{name}}")],
    ));
}
