//! Fluent Bit's alerts, on the metrics of its `/api/v2/metrics/prometheus` (5.1): the
//! `loki` output's retries, errors, dropped records and disk buffer, inputs paused by
//! their memory limit, and errors Fluent Bit logs. (Its Lua filter's drops, `fluentbit_
//! filter_drop_records_total{name="collection-contract"}`, are the intended ones: old
//! lines, opt-outs, its own debug lines.)
//!
//! Checked against Fluent Bit 5.1.1 (src/flb_engine.c, and the real binary with its
//! output pointed at a closed port): a refused connection is a retry, not an error
//! (`fluentbit_output_errors_total` stays 0); `fluentbit_output_dropped_records_total`
//! counts the records of chunks whose retries ran out, that Loki refused for good, and
//! that were evicted (oldest first) to make room under `storage.total_limit_size`; and
//! `fluentbit_output_chunk_available_capacity_percent{name}` (100 without a limit) is
//! updated at every flush, retry and drop, so it follows the buffer during an outage.

use super::rule::{self, Rule, alert};
use crate::render::jobs::{self, Role};
use crate::spec::Resolved;

pub fn rules(r: &Resolved) -> Vec<Rule> {
    let p = jobs::job(r, Role::Collector);
    let out = format!("{p}, name=\"{}\"", rule::FLUENT_BIT_OUTPUT);
    vec![
        // Pushes fail and none succeeds: Loki (or the gateway) is down or unreachable.
        // New chunks are tried every second and each failed one again every 30 s or so,
        // so retries are seen in any 4 minutes.
        alert(
            rule::FLUENT_BIT_CANNOT_REACH,
            format!(
                "sum by (cluster, namespace, job, pod, node) (increase(fluentbit_output_retries_total{{{out}}}[{w}])) > 0\nunless on (cluster, namespace, job, pod, node)\nsum by (cluster, namespace, job, pod, node) (increase(fluentbit_output_proc_records_total{{{out}}}[{w}])) > 0\nand on (cluster, namespace, job, pod, node)\nsum by (cluster, namespace, job, pod, node) (fluentbit_output_retries_total{{{out}}} offset {w})",
                w = rule::CANNOT_REACH_WINDOW,
            ),
            rule::CANNOT_REACH_FOR,
            "warning",
            "Fluent Bit cannot deliver to Loki.",
            "Fluent Bit on {{ $labels.node }} ({{ $labels.pod }}) has retried its pushes to Loki without one success for 5 minutes: Loki (or the gateway) is down or cannot be reached. Nothing is lost yet: the records wait in the disk buffer and each chunk is retried for spec.collector.delivery.retryFor. FluentBitBufferFilling fires if the buffer fills, FluentBitDroppingRecords if records are lost.",
        ),
        // Retries while some pushes succeed (Loki rate-limits, answers some 5xx, or times
        // out): records are late and the buffer may grow. When no push succeeds,
        // FluentBitCannotReachLoki says so, after 5 minutes rather than 15.
        alert(
            "FluentBitOutputRetrying",
            format!(
                "sum by (cluster, namespace, job, pod) (rate(fluentbit_output_retries_total{{{p}}}[5m])) > 0\nand on (cluster, namespace, job, pod)\nsum by (cluster, namespace, job, pod) (rate(fluentbit_output_proc_records_total{{{p}}}[5m])) > 0"
            ),
            "15m",
            "warning",
            "Fluent Bit keeps retrying its pushes to Loki.",
            "{{ $labels.pod }} has been retrying part of its pushes to Loki for 15 minutes while others succeed: Loki (or the gateway) refuses some (rate limits, 5xx) or is slow, and records wait on the node.",
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
            rule::FLUENT_BIT_DROPPING,
            format!(
                "sum by (cluster, namespace, job, pod) (increase(fluentbit_output_dropped_records_total{{{p}}}[10m])) > 0"
            ),
            "1m",
            "critical",
            "Fluent Bit is dropping log records.",
            "{{ $labels.pod }} dropped {{ printf \"%.0f\" $value }} records in 10 minutes: their retries ran out (spec.collector.delivery.retryFor), Loki refused them for good (4xx), or the disk buffer was full and the oldest chunks were evicted to make room (spec.collector.delivery.bufferSize). The lines are lost.",
        ),
        alert(
            rule::FLUENT_BIT_BUFFER_FILLING,
            format!(
                "min by (cluster, namespace, job, pod, node) (fluentbit_output_chunk_available_capacity_percent{{{out}}}) < 20"
            ),
            "5m",
            "warning",
            "Fluent Bit's disk buffer is filling up.",
            "The disk buffer of Fluent Bit on {{ $labels.node }} ({{ $labels.pod }}) has been more than 80% full for 5 minutes ({{ printf \"%.0f\" $value }}% left): Loki takes the records slower than they come, or not at all. When it is full, Fluent Bit drops the oldest chunks to make room (FluentBitDroppingRecords).",
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
                "sum by (cluster, namespace, job, pod) (increase(fluentbit_logger_logs_total{{{p}, message_type=\"error\"}}[10m])) > 0\nunless on (cluster, namespace, job, pod)\n  sum by (cluster, namespace, job, pod) (increase(fluentbit_output_retries_total{{{p}}}[10m])) > 0"
            ),
            "1m",
            "warning",
            "Fluent Bit logs errors.",
            "{{ $labels.pod }} logged {{ printf \"%.0f\" $value }} errors in 10 minutes: see its log. (While its pushes are retried, Fluent Bit logs an error for each failed one: that case is FluentBitCannotReachLoki's and FluentBitOutputRetrying's, not this alert's.)",
        ),
    ]
}
