//! The cardinality guard: labels taken from log content stay a short allow-list of
//! bounded keys; unbounded ones (ids, users, addresses, paths, times...) are refused
//! and pointed at structured metadata, which Loki 3 stores per line without indexing.

use super::super::collector::{MAX_EXTRA_LABELS, RESERVED_LABELS};
use super::checker::Checker;

/// Label-name syntax Loki accepts, `__` prefixes excluded (reserved).
fn check_label_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') || name.len() > 63 {
        return Err(format!(
            "{name:?} is not a label name: a letter or '_', then letters, digits or '_' \
             (at most 63)"
        ));
    }
    if name.starts_with("__") {
        return Err(format!("{name:?}: names starting with \"__\" are reserved"));
    }
    Ok(())
}

/// Words that make a key's values unbounded: one stream per value would blow up
/// Loki's index.
const UNBOUNDED_WORDS: &[&str] = &[
    "id",
    "ids",
    "uid",
    "uuid",
    "guid",
    "traceid",
    "spanid",
    "requestid",
    "userid",
    "sessionid",
    "correlationid",
    "trace",
    "span",
    "session",
    "ip",
    "ipv4",
    "ipv6",
    "addr",
    "address",
    "user",
    "username",
    "email",
    "mail",
    "path",
    "url",
    "uri",
    "query",
    "ts",
    "time",
    "timestamp",
    "date",
    "msg",
    "message",
    "latency",
    "duration",
    "bytes",
    "size",
    "pid",
    "port",
    "caller",
    "file",
    "line",
    "stack",
    "error",
    "err",
];

/// The words of a key: split at `_`, `-`, `.` and lower-to-upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut prev_lower = false;
    for ch in name.chars() {
        if matches!(ch, '_' | '-' | '.') {
            out.push(String::new());
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower {
            out.push(String::new());
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        if let Some(w) = out.last_mut() {
            w.push(ch.to_ascii_lowercase());
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

pub(super) fn unbounded_word(name: &str) -> Option<String> {
    words(name)
        .into_iter()
        .find(|w| UNBOUNDED_WORDS.contains(&w.as_str()))
}

pub(super) fn extra_labels(c: &mut Checker, given: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, name) in given.iter().enumerate() {
        let field = format!("spec.collector.extraLabels[{i}]");
        if c.check(&field, check_label_name(name)).is_none() {
            continue;
        }
        if RESERVED_LABELS.contains(&name.as_str()) {
            let whose = if name == "cluster" {
                ": an agent (profile agent) sets it on every stream from spec.remote.cluster"
            } else {
                ""
            };
            c.error(
                &field,
                format!(
                    "{name:?} is a label the stack sets itself ({}){whose}",
                    RESERVED_LABELS.join(", ")
                ),
            );
        } else if let Some(word) = unbounded_word(name) {
            c.error(
                &field,
                format!(
                    "{name:?} looks unbounded ({word:?}: ids, users, addresses, paths, URLs, \
                     times and messages take a new value per request): as a label it would \
                     create a stream per value and blow up Loki's index; list it under \
                     spec.collector.structuredMetadata instead, where it is still searchable \
                     ({{...}} | {name}=\"...\")"
                ),
            );
        } else if out.contains(name) {
            c.error(&field, format!("{name:?} is listed twice"));
        } else {
            out.push(name.clone());
        }
    }
    if given.len() > MAX_EXTRA_LABELS {
        c.error(
            "spec.collector.extraLabels",
            format!(
                "at most {MAX_EXTRA_LABELS} extra labels: Loki refuses streams with more than \
                 15 label names, and the stack sets up to 9 itself"
            ),
        );
    }
    out
}

pub(super) fn structured_metadata(
    c: &mut Checker,
    given: &[String],
    labels: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, name) in given.iter().enumerate() {
        let field = format!("spec.collector.structuredMetadata[{i}]");
        if c.check(&field, check_label_name(name)).is_none() {
            continue;
        }
        if RESERVED_LABELS.contains(&name.as_str()) || labels.contains(name) {
            c.error(&field, format!("{name:?} is already a label"));
        } else if out.contains(name) {
            c.error(&field, format!("{name:?} is listed twice"));
        } else {
            out.push(name.clone());
        }
    }
    if out.len() > 32 {
        c.error(
            "spec.collector.structuredMetadata",
            "at most 32 keys: every key is stored with every line",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{unbounded_word, words};

    #[test]
    fn keys_split_into_words() {
        assert_eq!(words("traceId"), ["trace", "id"]);
        assert_eq!(words("http.request_ID"), ["http", "request", "id"]);
        assert_eq!(words("clientIP"), ["client", "ip"]);
    }

    #[test]
    fn unbounded_names_are_recognised_and_bounded_ones_pass() {
        for bad in [
            "trace_id",
            "traceId",
            "requestid",
            "user",
            "userName",
            "client_ip",
            "path",
            "url",
            "timestamp",
            "email",
            "pod_uid",
            "msg",
        ] {
            assert!(unbounded_word(bad).is_some(), "{bad}");
        }
        for ok in [
            "component",
            "region",
            "method",
            "status_class",
            "tenant",
            "logger",
        ] {
            assert!(unbounded_word(ok).is_none(), "{ok}");
        }
    }
}
