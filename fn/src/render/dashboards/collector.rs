//! The Health dashboard's collector row: what each agent's metrics say about shipping,
//! and per node (the collector's series carry `node`) its retries, lost lines and, for
//! Fluent Bit, its disk buffer.

use serde_json::Value;

use super::panels::{Board, target, timeseries};
use crate::render::alerts::FLUENT_BIT_OUTPUT;

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
        "Push requests/s by HTTP status (-1: no connection; alert PromtailRequestsErrors).",
        ds, "reqps", false,
        vec![t(format!("sum by (status_code) (rate(promtail_request_duration_seconds_count{{{pt}}}[{RATE}]))"), "{{status_code}}")],
    ));
    b.add(8, 8, timeseries(
        "Push retries by node",
        "Retries/s of the batch each Promtail is pushing (alert PromtailCannotReachLoki). Promtail has no buffer of its own: while it retries it reads no further, and the lines wait in the log files (unread bytes).",
        ds, "short", false,
        vec![t(format!("sum by (node) (rate(promtail_batch_retries_total{{{pt}}}[{RATE}]))"), "{{node}}")],
    ));
    b.add(8, 8, timeseries(
        "Dropped entries",
        "Entries dropped: lost on each node, because Loki refused them or the retries ran out (alert PromtailDroppingEntries), and by the pipeline. line_too_old (older than Loki accepts) and promtail_debug are intended.",
        ds, "short", false,
        vec![
            t(format!("sum by (node, reason) (increase(promtail_dropped_entries_total{{{pt}}}[{RATE}]))"), "lost {{node}} ({{reason}})"),
            t(format!("sum by (reason) (increase(logentry_dropped_lines_total{{{pt}}}[{RATE}]))"), "pipeline: {{reason}}"),
        ],
    ));
    b.add(8, 8, timeseries(
        "Unread bytes by pod",
        "Bytes of the tailed files not read yet (alert PromtailFileLagging at 10 MiB per file).",
        ds, "bytes", false,
        vec![t(format!("sum by (pod) (promtail_file_bytes_total{{{pt}}} - promtail_read_bytes_total{{{pt}}})"), "{{pod}}")],
    ));
    b.add(
        8,
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
    let out = format!("{pt}, name=\"{FLUENT_BIT_OUTPUT}\"");
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
        "Retries and errors by node",
        "Push retries/s (a refused or failed connection is a retry) and pushes/s Loki refused for good (alerts FluentBitCannotReachLoki, FluentBitOutputRetrying, FluentBitOutputErrors).",
        ds, "short", false,
        vec![
            t(format!("sum by (node) (rate(fluentbit_output_retries_total{{{out}}}[{RATE}]))"), "retries {{node}}"),
            t(format!("sum by (node) (rate(fluentbit_output_errors_total{{{out}}}[{RATE}]))"), "errors {{node}}"),
        ],
    ));
    b.add(8, 8, timeseries(
        "Dropped records",
        "Records lost on each node: their retries ran out, Loki refused them for good, or the disk buffer was full and the oldest chunks were evicted (alert FluentBitDroppingRecords); and the Lua filter's intended drops (old lines, opt-outs, its own debug lines).",
        ds, "short", false,
        vec![
            t(format!("sum by (node) (increase(fluentbit_output_dropped_records_total{{{out}}}[{RATE}]))"), "lost {{node}}"),
            t(format!("sum(increase(fluentbit_filter_drop_records_total{{{pt}, name=\"collection-contract\"}}[{RATE}]))"), "filtered"),
        ],
    ));
    b.add(6, 8, timeseries(
        "Disk buffer use by node",
        "Share of the loki output's disk buffer (spec.collector.delivery.bufferSize) in use. Above 80% for 5 minutes: alert FluentBitBufferFilling; when full, the oldest chunks are dropped.",
        ds, "percent", false,
        vec![t(format!("max by (node) (100 - fluentbit_output_chunk_available_capacity_percent{{{out}}})"), "{{node}}")],
    ));
    b.add(6, 8, timeseries(
        "Buffered chunks by node",
        "Chunks in the disk buffer: loaded in memory (up) and on disk only (down), waiting for Loki.",
        ds, "short", false,
        vec![
            t(format!("sum by (node) (fluentbit_storage_fs_chunks_up{{{pt}}})"), "up {{node}}"),
            t(format!("sum by (node) (fluentbit_storage_fs_chunks_down{{{pt}}})"), "down {{node}}"),
        ],
    ));
    b.add(
        6,
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
    b.add(6, 8, timeseries(
        "Paused inputs",
        "Inputs that stopped reading because their memory buffer is full (alert FluentBitInputPaused).",
        ds, "short", false,
        vec![t(format!("sum by (pod, name) (fluentbit_input_ingestion_paused{{{pt}}})"), "{{pod}} {{name}}")],
    ));
}
