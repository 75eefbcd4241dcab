//! A test-only interpreter of the pipeline stages this crate writes, with Promtail's
//! semantics (read from its 3.6 sources) for exactly the features we use: `match`
//! selectors (label matchers and line filters), `regex`, `json` (the JMESPath forms we
//! write), `logfmt`, our `template`s, `timestamp` (our formats), `replace`, `drop`,
//! `decolorize`, `labels`, `labeldrop`, `structured_metadata`. `multiline` is a no-op
//! here: each call processes one entry. Go's RE2 is stood in for by the `regex` crate.
//!
//! Besides the result it records misfires: a stage that saw a line it cannot handle
//! (a logfmt decode error, which Promtail logs at error level; a JSON or time parse
//! failure, which means a gate let the wrong shape through).

use std::collections::BTreeMap;

use super::go_logfmt::go_logfmt_pairs;
use super::levels::{LEVELS, OTHER_LEVEL, level_template};
use super::model::Stage;

#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub labels: BTreeMap<String, String>,
    pub line: String,
    /// Unix nanoseconds; `None`: the time it was read.
    pub time: Option<i128>,
    pub metadata: BTreeMap<String, String>,
    pub dropped: Option<String>,
    pub misfires: Vec<String>,
}

/// "Now" of the simulation (2026-12-01T00:00:00Z).
pub const NOW_NS: i128 = 1_796_083_200 * 1_000_000_000;

pub fn run(stages: &[Stage], labels: &[(&str, &str)], line: &str) -> Entry {
    let mut e = Entry {
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        line: line.to_owned(),
        ..Entry::default()
    };
    let mut extracted: BTreeMap<String, Value> = e
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
        .collect();
    process(stages, &mut e, &mut extracted);
    e
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Num(f64),
    Null,
}

impl Value {
    /// Promtail's getString: floats as Go's FormatFloat(v, 'f', -1, 64).
    fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Num(n) => Some(format!("{n}")),
            Value::Null => None,
        }
    }
}

fn process(stages: &[Stage], e: &mut Entry, x: &mut BTreeMap<String, Value>) {
    for stage in stages {
        if e.dropped.is_some() {
            return;
        }
        stage_one(stage, e, x);
    }
}

/// Go's `[[]` (a class holding `[`) is `[\[]` for the `regex` crate. Compiled once.
fn re(pattern: &str) -> regex::Regex {
    thread_local! {
        static CACHE: std::cell::RefCell<BTreeMap<String, regex::Regex>> =
            std::cell::RefCell::default();
    }
    CACHE.with_borrow_mut(|cache| {
        cache
            .entry(pattern.to_owned())
            .or_insert_with(|| {
                let rust = pattern.replace("[[]", r"[\[]");
                regex::RegexBuilder::new(&rust)
                    .size_limit(1 << 30)
                    .build()
                    .unwrap_or_else(|err| panic!("{pattern}: {err}"))
            })
            .clone()
    })
}

fn stage_one(stage: &Stage, e: &mut Entry, x: &mut BTreeMap<String, Value>) {
    match stage {
        Stage::Cri(_) => {
            let line = e.line.clone();
            let parts: Vec<&str> = line.splitn(4, ' ').collect();
            // Promtail's cri stage also makes `stream` (stdout/stderr) a label.
            if let [time, stream, _flag, content] = parts[..] {
                e.time = parse_time(time, "RFC3339Nano");
                e.line = content.to_owned();
                e.labels.insert("stream".to_owned(), stream.to_owned());
            }
        }
        Stage::Decolorize(_) => {
            e.line = re("\x1b\\[[0-9;]*[a-zA-Z]")
                .replace_all(&e.line, "")
                .into_owned();
        }
        Stage::Drop(d) => {
            let limit = crate::spec::duration::Duration::parse(&d.older_than)
                .unwrap_or_else(|err| panic!("{err}"))
                .as_millis();
            if e.time
                .is_some_and(|t| NOW_NS - t > i128::from(limit) * 1_000_000)
            {
                e.dropped = Some(d.drop_counter_reason.to_owned());
            }
        }
        Stage::Match(m) => {
            if selector_matches(&m.selector.0, e) {
                if m.action == Some("drop") {
                    e.dropped = Some(m.drop_counter_reason.unwrap_or("match").to_owned());
                } else {
                    process(&m.stages, e, x);
                }
            }
        }
        Stage::Multiline(_) => {}
        Stage::Json(j) => match serde_json::from_str::<serde_json::Value>(&e.line) {
            Ok(doc) => {
                for (name, expr) in &j.expressions {
                    x.insert(name.clone(), jmespath(&doc, expr));
                }
            }
            Err(_) => e
                .misfires
                .push(format!("json stage on non-JSON {:?}", e.line)),
        },
        Stage::Logfmt(l) => {
            let Ok(pairs) = go_logfmt_pairs(e.line.as_bytes()) else {
                e.misfires
                    .push(format!("failed to decode logfmt {:?}", e.line));
                return;
            };
            // Promtail stores each mapped key's value as it goes; the last one wins.
            for (k, v) in pairs {
                if let Some((name, _)) = l.mapping.iter().find(|(_, key)| key.as_bytes() == k) {
                    let v = String::from_utf8_lossy(&v).into_owned();
                    x.insert(name.clone(), Value::Str(v));
                }
            }
        }
        Stage::Regex(r) => {
            let input = match r.source {
                Some(s) => x.get(s).and_then(Value::text),
                None => Some(e.line.clone()),
            };
            let rx = re(&r.expression);
            if let Some(caps) = input.as_deref().and_then(|i| rx.captures(i)) {
                for name in rx.capture_names().flatten() {
                    if let Some(m) = caps.name(name) {
                        x.insert(name.to_owned(), Value::Str(m.as_str().to_owned()));
                    }
                }
            }
        }
        Stage::Replace(r) => e.line = go_replace(&r.expression, &r.replace, &e.line),
        Stage::Template(t) => {
            let value = x.get(t.source).and_then(Value::text).unwrap_or_default();
            x.insert(
                t.source.to_owned(),
                Value::Str(template(&t.template.0, &value)),
            );
        }
        Stage::Timestamp(t) => {
            if let Some(v) = x.get(t.source).and_then(Value::text) {
                match parse_time(&v, t.format) {
                    Some(ns) => e.time = Some(ns),
                    None => e
                        .misfires
                        .push(format!("timestamp {v:?} is not {}", t.format)),
                }
            }
        }
        Stage::Labels(map) => {
            for (label, source) in map {
                let name = if source.is_empty() { label } else { source };
                if let Some(v) = x.get(name).and_then(Value::text)
                    && !v.is_empty()
                {
                    e.labels.insert(label.clone(), v);
                }
            }
        }
        Stage::StructuredMetadata(map) => {
            for (name, source) in map {
                if let Some(v) = x.get(source).and_then(Value::text) {
                    e.metadata.insert(name.clone(), v);
                }
            }
        }
        Stage::Labeldrop(names) => {
            for n in names {
                e.labels.remove(*n);
            }
        }
    }
}

/// Promtail's replace stage: every capture group of every match becomes `replace`.
pub fn go_replace(pattern: &str, replace: &str, line: &str) -> String {
    let rx = re(pattern);
    let mut out = String::new();
    let mut prev = 0;
    for caps in rx.captures_iter(line) {
        for m in caps.iter().skip(1).flatten() {
            if prev == 0 || prev <= m.start() {
                out.push_str(line.get(prev..m.start()).unwrap_or_default());
                out.push_str(replace);
                prev = m.end();
            }
        }
    }
    out.push_str(line.get(prev..).unwrap_or_default());
    out
}

/// The JMESPath forms we write: `a || b`, `a.b`, `x && 'lit' || 'lit'`.
fn jmespath(doc: &serde_json::Value, expr: &str) -> Value {
    fn truthy(v: &serde_json::Value) -> bool {
        !matches!(v, serde_json::Value::Null | serde_json::Value::Bool(false))
            && v.as_str() != Some("")
            && v.as_array().is_none_or(|a| !a.is_empty())
            && v.as_object().is_none_or(|o| !o.is_empty())
    }
    fn term(doc: &serde_json::Value, t: &str) -> serde_json::Value {
        let t = t.trim();
        if let Some(lit) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
            return serde_json::Value::String(lit.to_owned());
        }
        if let Some((a, b)) = t.split_once("&&") {
            let left = term(doc, a);
            return if truthy(&left) { term(doc, b) } else { left };
        }
        t.split('.')
            .try_fold(doc, |v, k| v.get(k))
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    }
    let mut result = serde_json::Value::Null;
    for alt in expr.split("||") {
        result = term(doc, alt);
        if truthy(&result) {
            break;
        }
    }
    match result {
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or_default()),
        serde_json::Value::Null => Value::Null,
        other => Value::Str(other.to_string()),
    }
}

/// Our two template shapes: the level normaliser and `map_level`'s if-chain.
fn template(t: &str, value: &str) -> String {
    if t == level_template() {
        if value.is_empty() {
            return String::new();
        }
        let lower = value.to_lowercase();
        return LEVELS
            .iter()
            .find(|(_, spellings)| spellings.contains(&lower.as_str()))
            .map_or(OTHER_LEVEL, |(level, _)| level)
            .to_owned();
    }
    let arm = re(r#"if eq \.Value ((?:"[^"]*" ?)+) \}\}([a-z]+)"#);
    for caps in arm.captures_iter(t) {
        let (Some(values), Some(to)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        if values
            .as_str()
            .split_whitespace()
            .any(|v| v.trim_matches('"') == value)
        {
            return to.as_str().to_owned();
        }
    }
    assert!(
        t.ends_with("{{ else }}{{ .Value }}{{ end }}"),
        "unknown template {t}"
    );
    value.to_owned()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The time formats this crate writes, as Go's time.Parse reads them.
pub fn parse_time(v: &str, format: &str) -> Option<i128> {
    if format == "UnixMs" {
        return v.parse::<i128>().ok().map(|ms| ms * 1_000_000);
    }
    let rx = match format {
        "RFC3339Nano" => re(
            r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$",
        ),
        "2006-01-02T15:04:05Z0700" => {
            re(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{4})$")
        }
        "2006/01/02 15:04:05.000000" => {
            re(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})()$")
        }
        other => panic!("no parser for {other}"),
    };
    let c = rx.captures(v)?;
    let n = |i: usize| -> i64 { c.get(i).map_or(0, |m| m.as_str().parse().unwrap_or(0)) };
    let frac = c.get(7).map_or(0, |m| {
        format!("{:0<9}", m.as_str()).parse::<i128>().unwrap_or(0)
    });
    let offset_s = match c.get(8).map(|m| m.as_str()) {
        None | Some("" | "Z") => 0,
        Some(o) => {
            let digits: String = o.chars().filter(char::is_ascii_digit).collect();
            let (h, m) = digits.split_at(2);
            let s = h.parse::<i64>().unwrap_or(0) * 3600 + m.parse::<i64>().unwrap_or(0) * 60;
            if o.starts_with('-') { -s } else { s }
        }
    };
    let secs =
        days_from_civil(n(1), n(2), n(3)) * 86_400 + n(4) * 3600 + n(5) * 60 + n(6) - offset_s;
    Some(i128::from(secs) * 1_000_000_000 + frac)
}

/// Our selectors: `{name op "value", ...}` then ` op "regex"` line filters.
fn selector_matches(selector: &str, e: &Entry) -> bool {
    let (matchers, filters) = split_selector(selector);
    for (name, op, value) in matchers {
        let have = e.labels.get(&name).cloned().unwrap_or_default();
        let full = re(&format!("^(?:{value})$"));
        let ok = match op.as_str() {
            "=" => have == value,
            "!=" => have != value,
            "=~" => full.is_match(&have),
            "!~" => !full.is_match(&have),
            other => panic!("matcher op {other}"),
        };
        if !ok {
            return false;
        }
    }
    filters.iter().all(|(op, rx)| match op.as_str() {
        "|~" => line_matches(rx, &e.line),
        "!~" => !line_matches(rx, &e.line),
        other => panic!("filter op {other}"),
    })
}

/// A line filter. The long-line filter (`levels::long_line`: 16000 `.`, chained under
/// Go's repeat limit) is counted instead of compiled, which takes the `regex` crate a
/// second per test process: at least 16000 characters before the first newline
/// (`lines_too_long_for_the_decoder_are_not_gated_in` runs the regex itself).
fn line_matches(rx: &str, line: &str) -> bool {
    static LONG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if rx == LONG.get_or_init(super::levels::long_line) {
        let first = line.split('\n').next().unwrap_or_default();
        return first.chars().count() >= super::levels::LONG_LINE_CHARS;
    }
    re(rx).is_match(line)
}

type Matchers = Vec<(String, String, String)>;

fn split_selector(s: &str) -> (Matchers, Vec<(String, String)>) {
    let mut chars = s.chars().peekable();
    let mut strings = Vec::new();
    let mut plain = String::new();
    // Tokenise: quoted strings (with \" and \\ escapes) become placeholders.
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut lit = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => lit.push(chars.next().unwrap_or('\\')),
                    '"' => break,
                    _ => lit.push(c),
                }
            }
            plain.push_str(&format!("\u{0}{}\u{0}", strings.len()));
            strings.push(lit);
        } else {
            plain.push(c);
        }
    }
    let lit = |tok: &str| -> String {
        let i: usize = tok
            .trim()
            .trim_matches('\u{0}')
            .parse()
            .unwrap_or(usize::MAX);
        strings.get(i).cloned().unwrap_or_default()
    };
    let (inner, rest) = plain
        .trim_start_matches('{')
        .split_once('}')
        .unwrap_or_default();
    let mut matchers = Vec::new();
    for m in inner.split(',') {
        let m = m.trim();
        let op_at = m.find(['=', '!']).unwrap_or(m.len());
        let (name, rest) = m.split_at(op_at);
        let op_len = if rest.starts_with("=~") || rest.starts_with("!~") || rest.starts_with("!=") {
            2
        } else {
            1
        };
        let (op, value) = rest.split_at(op_len);
        matchers.push((name.trim().to_owned(), op.to_owned(), lit(value)));
    }
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let filters = tokens
        .chunks(2)
        .map(|pair| {
            (
                pair.first().copied().unwrap_or_default().to_owned(),
                lit(pair.get(1).copied().unwrap_or_default()),
            )
        })
        .collect();
    (matchers, filters)
}
