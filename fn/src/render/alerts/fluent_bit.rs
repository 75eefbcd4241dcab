//! Fluent Bit's alerts, on the metrics of its `/api/v2/metrics/prometheus` (5.1): the
//! `loki` output's retries, errors and dropped records, inputs paused by their memory
//! limit, and errors Fluent Bit logs. (Its Lua filter's drops, `fluentbit_filter_drop_
//! records_total{name="collection-contract"}`, are the intended ones: old lines,
//! opt-outs, its own debug lines.)

use super::{Rule, alert};
use crate::render::jobs::{self, Role};
use crate::spec::Resolved;

pub fn rules(r: &Resolved) -> Vec<Rule> {
    let p = jobs::job(r, Role::Collector);
    vec![
        alert(
            "FluentBitOutputRetrying",
            format!(
                "sum by (cluster, namespace, job, pod) (rate(fluentbit_output_retries_total{{{p}}}[5m])) > 0"
            ),
            "15m",
            "warning",
            "Fluent Bit keeps retrying its pushes to Loki.",
            "{{ $labels.pod }} has been retrying pushes to Loki for 15 minutes: Loki (or the gateway) refuses or cannot be reached, and logs wait on the node.",
        ),
        alert(
            "FluentBitOutputErrors",
            format!(
                "sum by (cluster, namespace, job, pod) (rate(fluentbit_output_errors_total{{{p}}}[5m])) > 0"
            ),
            "15m",
            "critical",
            "Fluent Bit's pushes to Loki fail.",
            "{{ $labels.pod }} has had failed pushes to Loki for 15 minutes ({{ printf \"%.2f\" $value }}/s).",
        ),
        alert(
            "FluentBitDroppingRecords",
            format!(
                "sum by (cluster, namespace, job, pod) (increase(fluentbit_output_dropped_records_total{{{p}}}[10m])) > 0"
            ),
            "1m",
            "critical",
            "Fluent Bit is dropping log records Loki did not accept.",
            "{{ $labels.pod }} dropped {{ printf \"%.0f\" $value }} records in 10 minutes after its retries ran out: the lines are lost.",
        ),
        alert(
            "FluentBitInputPaused",
            format!(
                "max by (cluster, namespace, job, pod, name) (fluentbit_input_ingestion_paused{{{p}}}) > 0"
            ),
            "10m",
            "warning",
            "A Fluent Bit input is paused.",
            "{{ $labels.pod }} stopped reading {{ $labels.name }} 10 minutes ago: its memory buffer is full because Loki takes the records slower than they come. Files rotated meanwhile may be missed.",
        ),
        alert(
            "FluentBitLoggingErrors",
            format!(
                "sum by (cluster, namespace, job, pod) (increase(fluentbit_logger_logs_total{{{p}, message_type=\"error\"}}[10m])) > 0"
            ),
            "1m",
            "warning",
            "Fluent Bit logs errors.",
            "{{ $labels.pod }} logged {{ printf \"%.0f\" $value }} errors in 10 minutes: see its log.",
        ),
    ]
}
