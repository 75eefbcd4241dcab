//! Schema periods: those in effect (`from` today or earlier, UTC) are how Loki finds the
//! index of the logs written under them, so they are immutable; a new period must start
//! in the future, because Loki switches at 00:00 UTC of `from` and logs written since
//! then are already indexed under the previous period.

use super::super::date::Day;
use super::super::lokiconf::{LokiView, Period};
use super::change::{Change, Severity};

fn in_effect(p: &Period, today: Option<Day>) -> bool {
    match (today, Day::parse(&p.from)) {
        (Some(t), Ok(from)) => from <= t,
        // Without a date every earlier period counts as in effect.
        _ => true,
    }
}

fn earliest(today: Option<Day>) -> String {
    today.map_or_else(
        || "a date after today".to_owned(),
        |t| format!("\"{}\" (tomorrow) or later", t.plus(1)),
    )
}

/// What differs between two periods, as `version v12 -> v13, ...`.
fn edits(a: &Period, b: &Period, ignore_store: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, x: &str, y: &str| {
        if x != y {
            out.push(format!("{name} {x} -> {y}"));
        }
    };
    field("version", &a.schema, &b.schema);
    field("store", &a.store, &b.store);
    if !ignore_store {
        field("object_store", &a.object_store, &b.object_store);
    }
    field("index prefix", &a.index_prefix, &b.index_prefix);
    field("index period", &a.index_period, &b.index_period);
    out
}

pub(super) fn check(
    old: &LokiView,
    new: &LokiView,
    today: Option<Day>,
    store_switched: bool,
    out: &mut Vec<Change>,
) {
    for p in &old.periods {
        let effective = in_effect(p, today);
        let since = if today.is_some() {
            format!("in effect since {}", p.from)
        } else {
            "taken as in effect (no date given)".to_owned()
        };
        match new.periods.iter().position(|q| q.from == p.from) {
            None if effective => out.push(
                Change::new(
                    Severity::Refused,
                    "schema-period-removed",
                    format!(
                        "the schema period from {} ({}) is {since}, and this config no longer \
                         has it (removed, or its date changed): Loki would no longer find the \
                         index of the logs written under it.",
                        p.from,
                        p.describe()
                    ),
                )
                .field("spec.schemas")
                .fix(format!(
                    "put it back unchanged ({{from: \"{}\", version: {}}}); to change the \
                     schema, append a new period that starts on {}",
                    p.from,
                    p.schema,
                    earliest(today)
                )),
            ),
            None => out.push(
                Change::new(
                    Severity::Info,
                    "schema-period-removed",
                    format!(
                        "the schema period from {} is removed before it took effect",
                        p.from
                    ),
                )
                .field("spec.schemas"),
            ),
            Some(j) => {
                let Some(q) = new.periods.get(j) else {
                    continue;
                };
                let diffs = edits(p, q, store_switched);
                if diffs.is_empty() {
                    continue;
                }
                if effective {
                    out.push(
                        Change::new(
                            Severity::Refused,
                            "schema-period-edited",
                            format!(
                                "the schema period from {} is {since} and is edited ({}): Loki \
                                 would read the logs written under it with the wrong schema.",
                                p.from,
                                diffs.join(", ")
                            ),
                        )
                        .field(format!("spec.schemas[{j}]"))
                        .fix(format!(
                            "leave it as it was ({}); for a new schema, append a period that \
                             starts on {}",
                            p.describe(),
                            earliest(today)
                        )),
                    );
                } else {
                    out.push(
                        Change::new(
                            Severity::Info,
                            "schema-period-edited",
                            format!(
                                "the schema period from {} (not yet in effect) is edited: {}",
                                p.from,
                                diffs.join(", ")
                            ),
                        )
                        .field(format!("spec.schemas[{j}]")),
                    );
                }
            }
        }
    }
    for (j, q) in new.periods.iter().enumerate() {
        if old.periods.iter().any(|p| p.from == q.from) {
            continue;
        }
        let field = format!("spec.schemas[{j}].from");
        match (today, Day::parse(&q.from)) {
            (Some(t), Ok(from)) if from <= t => out.push(
                Change::new(
                    Severity::Refused,
                    "schema-period-added-past",
                    format!(
                        "a new schema period starts on {}, which is {}: Loki switches at 00:00 \
                         UTC of `from`, so the logs written since then (indexed under the \
                         previous period) would become unreadable.",
                        q.from,
                        if from == t { "today" } else { "in the past" }
                    ),
                )
                .field(field)
                .fix(format!(
                    "start it on {} (and roll it out before that day)",
                    earliest(today)
                )),
            ),
            (Some(t), Ok(from)) => out.push(
                Change::new(
                    Severity::Info,
                    "schema-period-added",
                    format!(
                        "new schema period from {} ({}): Loki switches to it at 00:00 UTC on {} \
                         (in {} days); roll the config out before then",
                        q.from,
                        q.describe(),
                        q.from,
                        from.days_since_epoch() - t.days_since_epoch()
                    ),
                )
                .field(field),
            ),
            _ => out.push(
                Change::new(
                    Severity::Info,
                    "schema-period-added",
                    format!(
                        "new schema period from {} ({}): no date was given to check that it \
                         starts after today, as it must",
                        q.from,
                        q.describe()
                    ),
                )
                .field(field),
            ),
        }
    }
}
