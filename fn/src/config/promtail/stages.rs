//! Stage helpers every job shares: LogQL selectors for `match`, the age drop, time.

use super::model::{Drop, Match, Stage, Timestamp};
use crate::spec::Resolved;

/// The only variable the config may reference (set from `spec.nodeName`).
pub const NODE_ENV: &str = "HOSTNAME";

/// A LogQL double-quoted string (Promtail's match stage parser knows no backticks).
pub fn logql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `{job="x"}` and friends: label matchers `(name, op, value)`.
pub fn stream(matchers: &[(&str, &str, &str)]) -> String {
    let inner: Vec<String> = matchers
        .iter()
        .map(|(name, op, value)| format!("{name}{op}{}", logql_string(value)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// A stream selector followed by line filters (`|~ "regex"`, `!~ "regex"`).
pub fn selector(base: &str, filters: &[(&str, &str)]) -> String {
    let mut s = base.to_owned();
    for (op, regex) in filters {
        s.push_str(&format!(" {op} {}", logql_string(regex)));
    }
    s
}

pub fn with_match(selector: String, stages: Vec<Stage>) -> Stage {
    Stage::Match(Match {
        selector: serde_saphyr::LitString(selector),
        stages,
        action: None,
        drop_counter_reason: None,
    })
}

pub fn drop_matching(selector: String, reason: &'static str) -> Stage {
    Stage::Match(Match {
        selector: serde_saphyr::LitString(selector),
        stages: Vec::new(),
        action: Some("drop"),
        drop_counter_reason: Some(reason),
    })
}

/// Sets the entry's time from the extracted `source`; a value that does not parse
/// gets the previous entry's time (plus 1ns), keeping the stream in order.
pub fn timestamp(source: &'static str, format: &'static str) -> Stage {
    Stage::Timestamp(Timestamp {
        source,
        format,
        action_on_failure: "fudge",
    })
}

/// The `drop_counter_reason` of lines older than Loki accepts
/// (`promtail_dropped_entries_total{reason="line_too_old"}`).
pub const TOO_OLD_REASON: &str = "line_too_old";

/// Drops lines Loki would refuse as too old (`reject_old_samples_max_age`, derived from
/// the same setting), a margin early. Without it, the first start on a node with a few
/// days of logs sends batches Loki answers with 400 "timestamp too old", and Promtail
/// logs an error for each. Every job that takes the time from the line has it, after
/// the stages that set the time.
pub fn drop_too_old(r: &Resolved) -> Stage {
    Stage::Drop(Drop {
        older_than: crate::spec::duration::go_duration(crate::collection::old_line_window_ms(r)),
        drop_counter_reason: TOO_OLD_REASON,
    })
}
