//! Promtail's alerts, from the promtail-mixin (3.6), and the stack's own on delivery
//! (`PromtailCannotReachLoki`, see `rule::CANNOT_REACH`).

use super::rule::{self, Rule, alert};
use crate::config::promtail::{OWN_DEBUG_REASON, TOO_OLD_REASON};
use crate::render::jobs::{self, Role};
use crate::spec::Resolved;

pub fn rules(r: &Resolved) -> Vec<Rule> {
    let p = jobs::job(r, Role::Collector);
    vec![
        // Pushes fail and none succeeds: Loki (or the gateway) is down or unreachable.
        // Promtail retries its one batch with a backoff (capped near a minute by
        // spec.collector.delivery) and reads no further meanwhile, so the retries are seen
        // in any 4 minutes.
        alert(
            rule::PROMTAIL_CANNOT_REACH,
            format!(
                "sum by (cluster, namespace, job, pod, node, host) (increase(promtail_batch_retries_total{{{p}}}[{w}])) > 0\nunless on (cluster, namespace, job, pod, node, host)\nsum by (cluster, namespace, job, pod, node, host) (increase(promtail_sent_entries_total{{{p}}}[{w}])) > 0\nand on (cluster, namespace, job, pod, node, host)\nsum by (cluster, namespace, job, pod, node, host) (promtail_batch_retries_total{{{p}}} offset {w})",
                w = rule::CANNOT_REACH_WINDOW,
            ),
            rule::CANNOT_REACH_FOR,
            "warning",
            "Promtail cannot deliver to Loki.",
            "Promtail on {{ $labels.node }} ({{ $labels.pod }}) has retried its pushes to {{ $labels.host }} without one success for 5 minutes: Loki (or the gateway) is down or cannot be reached. Nothing is lost yet: Promtail holds the batch and retries it for spec.collector.delivery.retryFor, and stops reading meanwhile (the unread lines wait in the log files, lost only if rotated away first). PromtailDroppingEntries fires if the retries run out.",
        ),
        // Promtail records a connection failure as status_code "-1". The mixin's rule,
        // limited to pushes that partly succeed: when none does, PromtailCannotReachLoki
        // says so (earlier, and as a warning: nothing is lost until the retries run out).
        alert(
            "PromtailRequestsErrors",
            format!(
                "100 * sum by (cluster, namespace, job, host) (rate(promtail_request_duration_seconds_count{{{p}, status_code=~\"5..|-1\"}}[5m]))\n  /\nsum by (cluster, namespace, job, host) (rate(promtail_request_duration_seconds_count{{{p}}}[5m]))\n  > 10\nand on (cluster, namespace, job, host)\nsum by (cluster, namespace, job, host) (rate(promtail_request_duration_seconds_count{{{p}, status_code=~\"2..\"}}[5m])) > 0"
            ),
            "15m",
            "critical",
            "Promtail request error rate is high.",
            "{{ printf \"%.2f\" $value }}% of Promtail's pushes to {{ $labels.host }} fail (5xx or no connection) while others succeed: logs wait on the nodes and are dropped once retries run out.",
        ),
        alert(
            "PromtailRequestLatency",
            format!(
                "histogram_quantile(0.99, sum by (cluster, namespace, job, host, le) (rate(promtail_request_duration_seconds_bucket{{{p}}}[5m])))\n  > 1"
            ),
            "15m",
            "critical",
            "Promtail request latency P99 is high.",
            "Promtail's pushes to {{ $labels.host }} have a 99th percentile latency of {{ printf \"%.2f\" $value }}s.",
        ),
        alert(
            rule::PROMTAIL_DROPPING,
            format!(
                "sum by (cluster, namespace, job, host, reason) (increase(promtail_dropped_entries_total{{{p}}}[10m])) > 0"
            ),
            "1m",
            "critical",
            "Promtail is dropping log entries Loki did not accept.",
            "Promtail dropped {{ printf \"%.0f\" $value }} entries for {{ $labels.host }} in 10 minutes ({{ $labels.reason }}): Loki refused them (4xx), or its retries ran out (spec.collector.delivery.retryFor). The lines are lost.",
        ),
        alert(
            "PromtailPipelineDroppingLines",
            format!(
                "sum by (cluster, namespace, job, reason) (increase(logentry_dropped_lines_total{{{p}, reason!~\"{TOO_OLD_REASON}|{OWN_DEBUG_REASON}\"}}[10m])) > 0"
            ),
            "1m",
            "warning",
            "Promtail's pipeline is dropping log lines.",
            "Promtail's pipeline dropped {{ printf \"%.0f\" $value }} lines in 10 minutes ({{ $labels.reason }}). The stack only drops lines older than Loki accepts and Promtail's own debug lines, which are not counted here.",
        ),
        alert(
            "PromtailFileMissing",
            format!("promtail_file_bytes_total{{{p}}} unless promtail_read_bytes_total{{{p}}}"),
            "15m",
            "warning",
            "Promtail cannot find a file it should be tailing.",
            "{{ $labels.pod }} {{ $labels.path }} matches the glob but is not being tailed.",
        ),
        alert(
            "PromtailFileLagging",
            format!(
                "max by (cluster, namespace, job, pod, path) (promtail_file_bytes_total{{{p}}} - promtail_read_bytes_total{{{p}}})\n  > 10 * 1024 * 1024"
            ),
            "15m",
            "warning",
            "Promtail is falling behind a file.",
            "{{ $labels.pod }} has been more than 10 MiB behind {{ $labels.path }} for 15 minutes ({{ $value | humanize1024 }}B unread): the file may be rotated away before it is read.",
        ),
    ]
}
