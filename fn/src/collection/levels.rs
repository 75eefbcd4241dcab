//! The `level` label: one fixed, bounded set of values, whatever the line's format.

/// Keys of a JSON or logfmt line read as its level, the first present wins.
pub const LEVEL_KEYS: [&str; 3] = ["level", "lvl", "severity"];

/// The fixed set of `level` label values, and what maps onto each (lowercased).
pub const LEVELS: [(&str, &[&str]); 6] = [
    ("trace", &["trace", "trc", "10"]),
    ("debug", &["debug", "dbg", "dbug", "20"]),
    (
        "info",
        &[
            "info",
            "inf",
            "information",
            "informational",
            "notice",
            "30",
        ],
    ),
    ("warn", &["warn", "warning", "wrn", "40"]),
    ("error", &["error", "err", "eror", "50"]),
    (
        "fatal",
        &[
            "fatal",
            "ftl",
            "critical",
            "crit",
            "panic",
            "dpanic",
            "alert",
            "emerg",
            "emergency",
            "60",
        ],
    ),
];
/// What any other non-empty level becomes, so the label's cardinality stays bounded.
pub const OTHER_LEVEL: &str = "unknown";

/// syslog severities (0 emerg .. 7 debug) as levels.
pub const SYSLOG_SEVERITIES: [(&str, &str); 8] = [
    ("0", "fatal"),
    ("1", "fatal"),
    ("2", "fatal"),
    ("3", "error"),
    ("4", "warn"),
    ("5", "info"),
    ("6", "info"),
    ("7", "debug"),
];

/// klog's one-letter severities.
pub const KLOG_SEVERITIES: [(&str, &str); 4] =
    [("I", "info"), ("W", "warn"), ("E", "error"), ("F", "fatal")];

/// The label value of an extracted level: lowercased and mapped onto [`LEVELS`];
/// `None` for an empty one (the label is then not set).
pub fn normalise(raw: &str) -> Option<&'static str> {
    if raw.is_empty() {
        return None;
    }
    let lower = raw.to_lowercase();
    Some(
        LEVELS
            .iter()
            .find(|(_, spellings)| spellings.contains(&lower.as_str()))
            .map_or(OTHER_LEVEL, |(level, _)| level),
    )
}
