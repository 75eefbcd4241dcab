//! The `service`, `parsers` and `multiline_parsers` sections: keys listed from Fluent
//! Bit's source (which ignores any other without a word), values of their types.

use super::values::{LOG_LEVELS, Ty, check_value};
use super::yaml::{Node, scalar};

/// The keys of the `service` section: `service_configs[]` in src/flb_config.c (their names
/// are the FLB_CONF_STR_*, FLB_CONF_DNS_* and FLB_CONF_STORAGE_* macros of
/// include/fluent-bit/flb_config.h), with the type that table gives them, narrowed where
/// the value is read later: `http_port` (a TCP port), `log_level` (set_log_level in
/// src/flb_config.c), `storage.sync` and `storage.type` (src/flb_storage.c),
/// `storage.backlog.mem_limit` (plugins/in_storage_backlog/sb.c) and
/// `storage.rejected.limit` (src/flb_storage.c) through flb_utils_size_to_bytes,
/// `multiline_buffer_limit` through flb_utils_size_to_binary_bytes (src/multiline/flb_ml.c).
/// Fluent Bit ignores any other key without a word (flb_config_set_property returns 0).
/// Left out: `windows.maxstdio` (Windows only) and `telemetry` (a nested block that the
/// checker does not check).
const SERVICE: &[(&str, Ty)] = &[
    ("flush", Ty::Double),
    ("flush.adaptive", Ty::Bool),
    ("flush.adaptive.min_interval", Ty::Double),
    ("flush.adaptive.max_interval", Ty::Double),
    ("flush.adaptive.low_pressure", Ty::Double),
    ("flush.adaptive.medium_pressure", Ty::Double),
    ("flush.adaptive.high_pressure", Ty::Double),
    ("flush.adaptive.up_steps", Ty::Int),
    ("flush.adaptive.down_steps", Ty::Int),
    ("grace", Ty::Int),
    ("json.convert_nan_to_null", Ty::Bool),
    ("security.fips_mode", Ty::Bool),
    ("daemon", Ty::Bool),
    ("log_file", Ty::Str),
    ("parsers_file", Ty::Str),
    ("plugins_file", Ty::Str),
    ("log_level", Ty::OneOf(LOG_LEVELS)),
    ("http_server", Ty::Bool),
    ("http_listen", Ty::Str),
    ("http_port", Ty::Int),
    ("health_check", Ty::Bool),
    ("hc_errors_count", Ty::Int),
    ("hc_retry_failure_count", Ty::Int),
    ("hc_period", Ty::Int),
    ("dns.mode", Ty::Str),
    ("dns.resolver", Ty::Str),
    ("dns.prefer_ipv4", Ty::Bool),
    ("dns.prefer_ipv6", Ty::Bool),
    ("storage.path", Ty::Str),
    ("storage.sync", Ty::OneOf(&["normal", "full"])),
    ("storage.metrics", Ty::Bool),
    ("storage.checksum", Ty::Bool),
    ("storage.backlog.mem_limit", Ty::Size),
    ("storage.backlog.flush_on_shutdown", Ty::Bool),
    ("storage.max_chunks_up", Ty::Int),
    ("storage.delete_irrecoverable_chunks", Ty::Bool),
    ("storage.trim_files", Ty::Bool),
    (
        "storage.type",
        Ty::OneOf(&["memory", "filesystem", "memrb"]),
    ),
    ("storage.inherit", Ty::Bool),
    ("storage.keep.rejected", Ty::Bool),
    ("storage.rejected.path", Ty::Str),
    ("storage.rejected.limit", Ty::Size),
    ("coro_stack_size", Ty::Int),
    ("multiline_buffer_limit", Ty::BinarySize),
    ("scheduler.cap", Ty::Int),
    ("scheduler.base", Ty::Int),
    ("json.escape_unicode", Ty::Bool),
    ("streams_file", Ty::Str),
    ("sp.convert_from_str_to_num", Ty::Bool),
    ("enable_chunk_trace", Ty::Bool),
    ("hot_reload", Ty::Bool),
    ("hot_reload.ensure_thread_safety", Ty::Bool),
    ("hot_reload.timeout", Ty::Int),
];

/// The keys of a `parsers` entry: what flb_parser_load_parser_definitions
/// (src/flb_parser.c) reads, and the decoders of flb_parser_decoder_list_create
/// (src/flb_parser_decoder.c). `regex` is read for `format: regex` only, and
/// `logfmt_no_bare_keys` used by `format: logfmt` only (see check_parsers). Fluent Bit
/// ignores any other key.
const PARSER_KEYS: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("format", Ty::OneOf(&["regex", "json", "ltsv", "logfmt"])),
    ("regex", Ty::Str),
    ("skip_empty_values", Ty::Bool),
    ("time_format", Ty::Str),
    ("time_key", Ty::Str),
    ("time_keep", Ty::Bool),
    ("time_strict", Ty::Bool),
    ("time_system_timezone", Ty::Bool),
    ("time_offset", Ty::Str),
    ("time_zone", Ty::Str),
    ("logfmt_no_bare_keys", Ty::Bool),
    ("types", Ty::Str),
    ("decode_field", Ty::Tokens(2)),
    ("decode_field_as", Ty::Tokens(2)),
];

/// The keys of a `multiline_parsers` entry: flb_parser_load_multiline_parser_definitions
/// (src/flb_parser.c; `type` by flb_ml_type_lookup in src/multiline/flb_ml.c), besides
/// `rules` (the YAML form, STATE_MULTILINE_PARSER_RULE in src/config_format/flb_cf_yaml.c)
/// and `rule` (the classic form, `state regex [next_state]`), both read for `type: regex`.
const MULTILINE_PARSER_KEYS: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("type", Ty::OneOf(&["regex", "endswith", "equal", "eq"])),
    ("match_string", Ty::Str),
    ("negate", Ty::Bool),
    ("key_content", Ty::Str),
    ("key_pattern", Ty::Str),
    ("key_group", Ty::Str),
    ("parser", Ty::Str),
    ("flush_timeout", Ty::Int),
    ("rule", Ty::Tokens(2)),
];

/// The keys of a rule under `rules` (multiline_load_regex_rules in src/flb_parser.c).
const RULE_KEYS: &[(&str, Ty)] = &[
    ("state", Ty::Str),
    ("regex", Ty::Str),
    ("next_state", Ty::Str),
];

/// Checks a mapping of scalar settings against a table of keys (case-insensitive).
fn check_keys<'a>(
    at: &str,
    entries: impl IntoIterator<Item = &'a (String, Node)>,
    keys: &[(&str, Ty)],
    out: &mut Vec<String>,
) {
    for (key, value) in entries {
        match keys.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(&(_, ty)) => match value {
                Node::Scalar(_) => check_value(&format!("{at}: key '{key}'"), ty, value, out),
                _ => out.push(format!("{at}: key '{key}' is not a scalar")),
            },
            None => out.push(format!(
                "{at}: key '{key}' is not one Fluent Bit 5.1.1 reads here (it would be ignored)"
            )),
        }
    }
}

pub(crate) fn check_service(service: &Node, out: &mut Vec<String>) {
    let Node::Map(entries) = service else {
        out.push("service: not a mapping".to_owned());
        return;
    };
    let (telemetry, settings): (Vec<_>, Vec<_>) = entries
        .iter()
        .partition(|(k, _)| k.eq_ignore_ascii_case("telemetry"));
    if !telemetry.is_empty() {
        out.push("service: key 'telemetry' is not checked by this test yet: extend it".to_owned());
    }
    check_keys("service", settings, SERVICE, out);
}

pub(crate) fn check_parsers(parsers: &Node, out: &mut Vec<String>) {
    let Node::Seq(parsers) = parsers else {
        out.push("parsers: not a list".to_owned());
        return;
    };
    for (i, parser) in parsers.iter().enumerate() {
        let Node::Map(entries) = parser else {
            out.push(format!("parsers[{i}]: not a mapping"));
            continue;
        };
        let at = format!("parsers[{i}] ({})", scalar(entries, "name").unwrap_or("?"));
        check_keys(&at, entries, PARSER_KEYS, out);
        let format = scalar(entries, "format").map(str::to_ascii_lowercase);
        for required in ["name", "format"] {
            if scalar(entries, required).is_none() {
                out.push(format!("{at}: no {required}"));
            }
        }
        match (format.as_deref(), scalar(entries, "regex")) {
            (Some("regex"), None) => out.push(format!("{at}: format regex without a regex")),
            (Some(f), Some(_)) if f != "regex" => {
                out.push(format!("{at}: key 'regex' is ignored with format {f}"));
            }
            _ => {}
        }
        if scalar(entries, "logfmt_no_bare_keys").is_some() && format.as_deref() != Some("logfmt") {
            out.push(format!(
                "{at}: key 'logfmt_no_bare_keys' is only read with format logfmt"
            ));
        }
    }
}

pub(crate) fn check_multiline_parsers(parsers: &Node, out: &mut Vec<String>) {
    let Node::Seq(parsers) = parsers else {
        out.push("multiline_parsers: not a list".to_owned());
        return;
    };
    for (i, parser) in parsers.iter().enumerate() {
        let Node::Map(entries) = parser else {
            out.push(format!("multiline_parsers[{i}]: not a mapping"));
            continue;
        };
        let at = format!(
            "multiline_parsers[{i}] ({})",
            scalar(entries, "name").unwrap_or("?")
        );
        // `rules` is matched case-sensitively by the YAML reader (strcmp).
        let (rules, settings): (Vec<_>, Vec<_>) = entries.iter().partition(|(k, _)| k == "rules");
        check_keys(&at, settings, MULTILINE_PARSER_KEYS, out);
        for required in ["name", "type"] {
            if scalar(entries, required).is_none() {
                out.push(format!("{at}: no {required}"));
            }
        }
        let is_regex = scalar(entries, "type").is_some_and(|t| t.eq_ignore_ascii_case("regex"));
        let rules: Vec<&Node> = rules.iter().map(|(_, v)| v).collect();
        if !is_regex {
            if !rules.is_empty() || scalar(entries, "rule").is_some() {
                out.push(format!("{at}: rules are only read with type regex"));
            }
            continue;
        }
        if scalar(entries, "rule").is_some() {
            // The classic form: not checked beyond its token count (check_keys did that).
            continue;
        }
        match rules.as_slice() {
            [Node::Seq(rules)] if !rules.is_empty() => check_rules(&at, rules, out),
            [] => out.push(format!("{at}: type regex without rules")),
            _ => out.push(format!("{at}: rules is not one non-empty list")),
        }
    }
}

/// The rules of a regex multiline parser: each with `state`, `regex` and `next_state`
/// (multiline_load_regex_rules, src/flb_parser.c); the first one's states include
/// `start_state`, and every `next_state` is a state of some rule (flb_ml_rule_create and
/// set_to_state_map, src/multiline/flb_ml_rule.c; states are comma-separated).
fn check_rules(at: &str, rules: &[Node], out: &mut Vec<String>) {
    let mut states: Vec<Vec<String>> = Vec::new();
    let mut next_states = Vec::new();
    for (j, rule) in rules.iter().enumerate() {
        let at = format!("{at}: rules[{j}]");
        let Node::Map(entries) = rule else {
            out.push(format!("{at}: not a mapping"));
            continue;
        };
        check_keys(&at, entries, RULE_KEYS, out);
        for required in ["state", "regex", "next_state"] {
            if scalar(entries, required).is_none() {
                out.push(format!("{at}: no {required}"));
            }
        }
        let own: Vec<String> = scalar(entries, "state")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect();
        if j == 0 && !own.iter().any(|s| s == "start_state") {
            out.push(format!("{at}: the first rule's state is not start_state"));
        }
        states.push(own);
        if let Some(next) = scalar(entries, "next_state") {
            next_states.push((at, next.to_owned()));
        }
    }
    for (at, next) in next_states {
        if !states.iter().flatten().any(|s| *s == next) {
            out.push(format!("{at}: next_state '{next}' is no rule's state"));
        }
    }
}
