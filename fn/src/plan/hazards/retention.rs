//! Retention and replication: a shorter retention is applied by the next compaction (every
//! 10 minutes; deletion after `retention_delete_delay`, 2h), a lower replication factor
//! keeps fewer copies of what the ingesters have not flushed yet.

use std::collections::BTreeSet;

use super::super::lokiconf::{LokiView, Scope};
use super::change::{Change, Severity, span};

fn shortened(who: &str, old: &str, new: &str, lost_ms: u64) -> String {
    format!(
        "{who}: retention shortened from {old} to {new}: the next compaction (within 10 \
         minutes of the rollout, deleting 2h later) deletes up to {} of logs, everything older \
         than {new}",
        span(lost_ms)
    )
}

fn scope(who: &str, base: &str, old: &Scope, new: &Scope, out: &mut Vec<Change>) {
    // A tenant's fields are named by the message; the field is the tenant list.
    let tenant = base.starts_with("spec.tenancy");
    let (o, n) = (old.period.as_millis(), new.period.as_millis());
    if n < o {
        out.push(
            Change::new(
                Severity::Warning,
                "retention-shortened",
                shortened(who, old.period.as_str(), new.period.as_str(), o - n),
            )
            .field(if tenant { base.to_owned() } else { format!("{base}.period") })
            .fix("export what must be kept first (logcli query --output=jsonl ...), or keep the longer period"),
        );
    }
    let mut selectors: Vec<&str> = new.streams.iter().map(|s| s.selector.as_str()).collect();
    let seen: BTreeSet<&str> = selectors.iter().copied().collect();
    selectors.extend(
        old.streams
            .iter()
            .map(|s| s.selector.as_str())
            .filter(|s| !seen.contains(s)),
    );
    for sel in selectors {
        let (a, b) = (old.of(sel), new.of(sel));
        if b.as_millis() >= a.as_millis() {
            continue;
        }
        let field = match new.streams.iter().position(|s| s.selector == sel) {
            _ if tenant => base.to_owned(),
            Some(i) => format!("{base}.streams[{i}].period"),
            None => format!("{base}.streams"),
        };
        out.push(
            Change::new(
                Severity::Warning,
                "retention-shortened",
                shortened(
                    &format!("{who}, streams {sel}"),
                    a.as_str(),
                    b.as_str(),
                    a.as_millis() - b.as_millis(),
                ),
            )
            .field(field)
            .fix("export what must be kept first, or keep the longer period for these streams"),
        );
    }
}

pub(super) fn check(old: &LokiView, new: &LokiView, out: &mut Vec<Change>) {
    if let (Some(a), Some(b)) = (old.replication_factor, new.replication_factor)
        && b < a
    {
        out.push(
            Change::new(
                Severity::Warning,
                "replication-lowered",
                format!(
                    "replication factor lowered from {a} to {b}: each stream is written to \
                     fewer ingesters, so losing {} loses the logs it has not flushed to \
                     storage yet",
                    if b <= 1 { "an ingester" } else { "ingesters" }
                ),
            )
            .field("spec.replicationFactor")
            .fix("keep it at the number of zones (or 3) for a stack that must not lose logs"),
        );
    }
    let (Some(old_global), Some(new_global)) = (&old.retention, &new.retention) else {
        return;
    };
    scope("all logs", "spec.retention", old_global, new_global, out);
    let tenants: BTreeSet<&String> = old.tenants.keys().chain(new.tenants.keys()).collect();
    for t in tenants {
        let a = old.tenants.get(t).unwrap_or(old_global);
        let b = new.tenants.get(t).unwrap_or(new_global);
        scope(&format!("tenant {t}"), "spec.tenancy.tenants", a, b, out);
    }
}
