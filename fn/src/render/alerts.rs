//! Alerts on the stack's own health (not on log content), as a Prometheus Operator
//! PrometheusRule that kube-prometheus-stack's Prometheus loads. Loki's are ported from
//! the upstream loki-mixin (3.7) and promtail-mixin (3.6) with this stack's `job`
//! selectors; metric names are checked against those releases' sources.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::jobs::{self, Role};
use super::labels;
use super::meta::object_meta;
use super::names::PROMETHEUS_RULE;
use crate::config::promtail::{OWN_DEBUG_REASON, TOO_OLD_REASON};
use crate::spec::Resolved;
use crate::spec::resolved::PrometheusRule as Settings;

/// `monitoring.coreos.com/v1` PrometheusRule: the fields this stack sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: RuleSpec,
}

#[derive(Debug, Serialize)]
pub struct RuleSpec {
    pub groups: Vec<Group>,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub name: &'static str,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Serialize)]
pub struct Rule {
    pub alert: &'static str,
    pub expr: String,
    #[serde(rename = "for")]
    pub for_: &'static str,
    pub labels: BTreeMap<&'static str, &'static str>,
    pub annotations: BTreeMap<&'static str, String>,
}

fn alert(
    name: &'static str,
    expr: String,
    for_: &'static str,
    severity: &'static str,
    summary: &str,
    description: &str,
) -> Rule {
    Rule {
        alert: name,
        expr,
        for_,
        labels: BTreeMap::from([("severity", severity)]),
        annotations: BTreeMap::from([
            ("summary", summary.to_owned()),
            ("description", description.to_owned()),
        ]),
    }
}

/// Routes that hold a request open by design (tailing, the query workers' loops): their
/// latency says nothing.
pub const LONG_LIVED_ROUTES: &str = "(?i).*tail.*|/schedulerpb.SchedulerForQuerier/QuerierLoop|/schedulerpb.SchedulerForFrontend/FrontendLoop|/frontend.Frontend/Process";

/// The reasons Loki discards lines because a limit of `spec.limits` was reached.
const LIMIT_REASONS: &str = "rate_limited|per_stream_rate_limit|stream_limit";

fn loki_rules(r: &Resolved) -> Vec<Rule> {
    let all = jobs::job(r, Role::Loki);
    let compactor = jobs::job(r, Role::Compactor);
    let ingester = jobs::job(r, Role::Ingester);
    vec![
        alert(
            "LokiRequestErrors",
            format!(
                "100 * sum by (cluster, namespace, job, route) (rate(loki_request_duration_seconds_count{{{all}, status_code=~\"5..\"}}[2m]))\n  /\nsum by (cluster, namespace, job, route) (rate(loki_request_duration_seconds_count{{{all}}}[2m]))\n  > 10"
            ),
            "15m",
            "critical",
            "Loki request error rate is high.",
            "{{ $labels.job }} {{ $labels.route }} is answering {{ printf \"%.2f\" $value }}% of its requests with 5xx errors.",
        ),
        alert(
            "LokiRequestPanics",
            format!(
                "sum by (cluster, namespace, job) (increase(loki_panic_total{{{all}}}[10m])) > 0"
            ),
            "1m",
            "critical",
            "Loki requests are causing code panics.",
            "{{ $labels.job }} had {{ printf \"%.0f\" $value }} panics in the last 10 minutes.",
        ),
        alert(
            "LokiRequestLatency",
            format!(
                "histogram_quantile(0.99, sum by (cluster, namespace, job, route, le) (rate(loki_request_duration_seconds_bucket{{{all}, route!~\"{LONG_LIVED_ROUTES}\"}}[5m])))\n  > 1"
            ),
            "15m",
            "critical",
            "Loki request latency is high.",
            "{{ $labels.job }} {{ $labels.route }} has a 99th percentile latency of {{ printf \"%.2f\" $value }}s.",
        ),
        alert(
            "LokiIngestionLimited",
            format!(
                "sum by (cluster, namespace, tenant, reason) (rate(loki_discarded_samples_total{{{all}, reason=~\"{LIMIT_REASONS}\"}}[5m])) > 0"
            ),
            "15m",
            "warning",
            "Loki is refusing log lines: a limit is reached.",
            "Loki discards {{ printf \"%.2f\" $value }} lines/s of tenant {{ $labels.tenant }} ({{ $labels.reason }}): the lines are lost. Raise spec.limits (ingestionRateMB, ingestionBurstSizeMB, maxStreamsPerUser) or reduce the volume or the number of streams.",
        ),
        alert(
            "LokiDiscardingSamples",
            format!(
                "sum by (cluster, namespace, tenant, reason) (rate(loki_discarded_samples_total{{{all}, reason!~\"{LIMIT_REASONS}\"}}[5m])) > 0"
            ),
            "15m",
            "warning",
            "Loki is refusing invalid log lines.",
            "Loki discards {{ printf \"%.2f\" $value }} lines/s of tenant {{ $labels.tenant }} as {{ $labels.reason }} (out of order, too old, too long or invalid labels): the lines are lost.",
        ),
        alert(
            "LokiIngesterFlushFailures",
            format!(
                "sum by (cluster, namespace, job, pod) (rate(loki_ingester_chunks_flush_failures_total{{{ingester}}}[5m])) > 0"
            ),
            "30m",
            "critical",
            "Loki cannot flush chunks to storage.",
            "{{ $labels.pod }} has been failing to flush chunks to storage for 30 minutes: unflushed logs stay in memory and the WAL, and are lost if the ingester loses its disk.",
        ),
        alert(
            "LokiTooManyCompactorsRunning",
            format!(
                "sum by (cluster, namespace) (loki_boltdb_shipper_compactor_running{{{compactor}}}) > 1"
            ),
            "5m",
            "warning",
            "Loki is running more than one compactor.",
            "{{ $labels.namespace }} has had {{ printf \"%.0f\" $value }} compactors running for more than 5m. Only one compactor should run at a time.",
        ),
        // The last-run timestamps are set even when there is nothing to do, so both pairs
        // stay silent on an idle stack.
        alert(
            "LokiCompactorHasNotSuccessfullyRunCompaction",
            format!(
                "min by (cluster, namespace) (time() - (loki_boltdb_shipper_compact_tables_operation_last_successful_run_timestamp_seconds{{{compactor}}} > 0))\n  > 60 * 60 * 3"
            ),
            "1h",
            "critical",
            "Loki compaction has not run in the last 3 hours since the last compaction.",
            "{{ $labels.namespace }} has not run compaction in the last 3 hours since the last compaction. This may indicate a problem with the compactor.",
        ),
        alert(
            "LokiCompactorHasNotSuccessfullyRunCompaction",
            format!(
                "max by (cluster, namespace) (max_over_time(loki_boltdb_shipper_compact_tables_operation_last_successful_run_timestamp_seconds{{{compactor}}}[3h]))\n  == 0"
            ),
            "1h",
            "critical",
            "Loki compaction has not run in the last 3h since startup.",
            "{{ $labels.namespace }} has not run compaction in the last 3h since startup. This may indicate a problem with the compactor.",
        ),
        alert(
            "LokiRetentionHasNotSuccessfullyRun",
            format!(
                "min by (cluster, namespace) (time() - (loki_compactor_apply_retention_last_successful_run_timestamp_seconds{{{compactor}}} > 0))\n  > 60 * 60 * 3"
            ),
            "1h",
            "critical",
            "Loki has not applied retention in the last 3 hours since the last run.",
            "{{ $labels.namespace }} has not applied retention for 3 hours (it runs every 10 minutes): expired logs are not deleted and storage keeps growing.",
        ),
        alert(
            "LokiRetentionHasNotSuccessfullyRun",
            format!(
                "max by (cluster, namespace) (max_over_time(loki_compactor_apply_retention_last_successful_run_timestamp_seconds{{{compactor}}}[3h]))\n  == 0"
            ),
            "1h",
            "critical",
            "Loki has not applied retention in the last 3h since startup.",
            "{{ $labels.namespace }} has not applied retention since the compactor started 3 hours ago: expired logs are not deleted and storage keeps growing.",
        ),
    ]
}

fn promtail_rules(r: &Resolved) -> Vec<Rule> {
    let p = jobs::job(r, Role::Promtail);
    vec![
        // Promtail records a connection failure as status_code "-1".
        alert(
            "PromtailRequestsErrors",
            format!(
                "100 * sum by (cluster, namespace, job, host) (rate(promtail_request_duration_seconds_count{{{p}, status_code=~\"5..|-1\"}}[5m]))\n  /\nsum by (cluster, namespace, job, host) (rate(promtail_request_duration_seconds_count{{{p}}}[5m]))\n  > 10"
            ),
            "15m",
            "critical",
            "Promtail request error rate is high.",
            "{{ printf \"%.2f\" $value }}% of Promtail's pushes to {{ $labels.host }} fail (5xx or no connection): logs wait on the nodes and are dropped once retries run out.",
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
            "PromtailDroppingEntries",
            format!(
                "sum by (cluster, namespace, job, host, reason) (increase(promtail_dropped_entries_total{{{p}}}[10m])) > 0"
            ),
            "1m",
            "warning",
            "Promtail is dropping log entries Loki did not accept.",
            "Promtail dropped {{ printf \"%.0f\" $value }} entries for {{ $labels.host }} in 10 minutes ({{ $labels.reason }}) after its retries ran out: the lines are lost.",
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

pub fn prometheus_rule(r: &Resolved, s: &Settings) -> PrometheusRule {
    let mut l = labels::stack(r);
    l.extend(s.labels.clone());
    PrometheusRule {
        api_version: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: object_meta(PROMETHEUS_RULE, Some(&r.namespace), l),
        spec: RuleSpec {
            groups: vec![
                Group {
                    name: "loki_alerts",
                    rules: loki_rules(r),
                },
                Group {
                    name: "promtail_alerts",
                    rules: promtail_rules(r),
                },
            ],
        },
    }
}
