//! Alerts on the stack's own health (not on log content), as a Prometheus Operator
//! PrometheusRule that kube-prometheus-stack's Prometheus loads. Loki's are ported from
//! the upstream loki-mixin (3.7) and promtail-mixin (3.6) with this stack's `job`
//! selectors; metric names are checked against those releases' sources. Fluent Bit's
//! are this stack's own, on the metrics of its `/api/v2/metrics/prometheus` (5.1).

use super::jobs::{self, Role};
use super::labels;
use super::meta::object_meta;
use crate::contract::PROMETHEUS_RULE;
use crate::spec::Resolved;
use crate::spec::collector::CollectorKind;

mod fluent_bit;
mod promtail;
mod rule;
use crate::spec::resolved::PrometheusRule as Settings;
pub use rule::*;

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

pub fn prometheus_rule(r: &Resolved, s: &Settings) -> PrometheusRule {
    let mut l = labels::stack(r);
    l.extend(s.labels.clone());
    PrometheusRule {
        api_version: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: object_meta(PROMETHEUS_RULE, Some(&r.namespace), l),
        spec: RuleSpec {
            groups: [
                // An agent runs no Loki: its collector's alerts only.
                r.central.as_ref().map(|_| Group {
                    name: "loki_alerts",
                    rules: loki_rules(r),
                }),
                Some(match r.collector.kind {
                    CollectorKind::Promtail => Group {
                        name: "promtail_alerts",
                        rules: promtail::rules(r),
                    },
                    CollectorKind::FluentBit => Group {
                        name: "fluent_bit_alerts",
                        rules: fluent_bit::rules(r),
                    },
                }),
            ]
            .into_iter()
            .flatten()
            .collect(),
        },
    }
}
