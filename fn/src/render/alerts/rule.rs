//! The PrometheusRule model, the alert builder and the figures the rule sets share.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

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

pub(super) fn alert(
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

/// `PromtailCannotReachLoki`, `FluentBitCannotReachLoki`: retries and no successful push
/// in the last 4 minutes, on a retries series that was there 4 minutes ago already, for
/// 1 minute. They fire about 5 minutes after the last successful push, or after the
/// first retry of a collector that never delivered (Promtail creates its retries series
/// at its first retry; Fluent Bit's exists from the start): a collector that starts
/// while Loki is still starting (a fresh install, a cluster restart) waits 5 minutes
/// too. The window is long enough that the retries of a blocked push, about a minute
/// apart at most, are always in it (a shorter one and a longer `for` would reset on a
/// gap between two retries). One failed push that a retry delivers never fires (the
/// delivery is in the window too), nor does an idle collector (no retries).
pub const CANNOT_REACH_WINDOW: &str = "4m";
pub const CANNOT_REACH_FOR: &str = "1m";

/// The delivery alerts, by name (`plan` quotes them in "When Loki is down").
pub const PROMTAIL_CANNOT_REACH: &str = "PromtailCannotReachLoki";
pub const PROMTAIL_DROPPING: &str = "PromtailDroppingEntries";
pub const FLUENT_BIT_CANNOT_REACH: &str = "FluentBitCannotReachLoki";
pub const FLUENT_BIT_BUFFER_FILLING: &str = "FluentBitBufferFilling";
pub const FLUENT_BIT_DROPPING: &str = "FluentBitDroppingRecords";

/// The alias of Fluent Bit's one output (`config::fluentbit::output`): its metrics'
/// `name`.
pub const FLUENT_BIT_OUTPUT: &str = "loki";
