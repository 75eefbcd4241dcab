//! A block-style YAML writer for JSON values, for the function's output.
//!
//! It does one thing the general-purpose serializer did at many times the cost: write
//! Kubernetes objects so that every YAML reader in the chain (kyaml and go-yaml in
//! kustomize and kpt, PyYAML in the validators, YAML 1.1 and 1.2 alike) reads back
//! exactly the value written. Strings are written plain only when they cannot be read
//! as anything else; multi-line strings become literal blocks when that is exact;
//! everything else is double-quoted with escapes.

use std::fmt::Write as _;

use serde_json::Value;

/// Writes `value` as a YAML document (no `---`), ending in a newline.
pub fn document(value: &Value) -> String {
    let mut out = String::with_capacity(4096);
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        scalar => {
            inline(&mut out, scalar, 2);
            out.push('\n');
        }
    }
    out
}

/// Appends `key: value` (a top-level field of a document) to `out`.
pub fn field(out: &mut String, key: &str, value: &Value) {
    string(out, key, 0, true);
    out.push(':');
    value_after_key(out, value, 0);
}

/// Appends `value` as one entry of a block sequence at column 0 (under a top-level key).
pub fn sequence_field_entry(out: &mut String, value: &Value) {
    sequence(out, std::slice::from_ref(value), 0);
}

fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let take = left.min(SPACES.len());
        out.push_str(SPACES.get(..take).unwrap_or_default());
        left -= take;
    }
}

/// A mapping whose first key starts at the current position (column `n` already
/// written), later keys at column `n`.
fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, n: usize) {
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            indent(out, n);
        }
        string(out, k, n, true);
        out.push(':');
        value_after_key(out, v, n);
    }
}

fn value_after_key(out: &mut String, v: &Value, n: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, n + 2);
            mapping(out, m, n + 2);
        }
        // Sequences under a key are not indented (kubectl's and kyaml's style).
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            indent(out, n);
            sequence(out, items, n);
        }
        scalar => {
            out.push(' ');
            inline(out, scalar, n + 2);
            out.push('\n');
        }
    }
}

/// A sequence whose first `- ` starts at the current position, later ones at column `n`.
fn sequence(out: &mut String, items: &[Value], n: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            indent(out, n);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => mapping(out, m, n + 2),
            Value::Array(inner) if !inner.is_empty() => sequence(out, inner, n + 2),
            scalar => {
                inline(out, scalar, n + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar (or empty collection) where it stands; `n` is the indentation of the
/// content of a block scalar.
fn inline(out: &mut String, v: &Value, n: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(num) => match num.as_u64() {
            Some(u) => unsigned(out, u),
            None => {
                let _ = write!(out, "{num}");
            }
        },
        Value::String(s) => string(out, s, n, false),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Plain when safe; a literal block for multi-line strings and for strings with `\\` or
/// `"` (which double quotes would escape: configs read through `-config.expand-env`
/// must not gain backslashes); double quotes otherwise.
fn string(out: &mut String, s: &str, n: usize, key: bool) {
    // Most keys and many values are words: a letter, then letters, digits and `_-./`.
    if is_word(s) {
        out.push_str(s);
        return;
    }
    // Multi-line strings (whole config files) are never plain: skip the scan below.
    if s.as_bytes().contains(&b'\n') {
        if key || !try_literal(out, s, n) {
            double_quoted(out, s);
        }
        return;
    }
    // Branch-free passes over the bytes gather everything the choice needs.
    let bytes = s.as_bytes();
    let (mut control, mut escape) = (false, false);
    for &c in bytes {
        control |= c.wrapping_sub(0x20) >= 0x5f;
        escape |= (c == b'\\') | (c == b'"');
    }
    let comment_or_key = bytes
        .windows(2)
        .any(|w| matches!(w, [b':', b' '] | [b' ', b'#']));
    if !control && !comment_or_key && plain_ok(s) {
        out.push_str(s);
    } else if key || !escape || !try_literal(out, s, n) {
        double_quoted(out, s);
    }
}

/// Characters a literal block may hold as they are.
fn printable(c: char) -> bool {
    match c {
        '\t' | '\n' => true,
        '\u{20}'..='\u{7e}' => true,
        '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}' => {
            !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
        }
        _ => false,
    }
}

/// Writes `s` as a literal block when that reproduces it exactly: every character is
/// printable, the first non-empty line does not start with a blank (the indentation is
/// taken from it), and no line is made of blanks only (block scalars fold those into
/// empty lines). Otherwise leaves `out` as it was and returns false. One pass: the
/// checks run on each line as it is written.
///
/// `|-` (no final newline), `|` (one) or `|+` (more, kept as empty lines); the caller
/// writes the newline after the last line.
fn try_literal(out: &mut String, s: &str, n: usize) -> bool {
    let body = s.trim_end_matches('\n');
    if body.is_empty() {
        return false;
    }
    let start = out.len();
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    let mut first_content = true;
    for line in body.split('\n') {
        out.push('\n');
        if line.is_empty() {
            continue;
        }
        let bytes = line.as_bytes();
        // Branch-free over ASCII: a control character (tab aside) or DEL; and whether
        // any byte is non-ASCII, whose characters are then checked one by one.
        let (bad, wide) = bytes.iter().fold((false, false), |(bad, wide), &c| {
            (
                bad | ((c < 0x20) & (c != b'\t')) | (c == 0x7f),
                wide | (c >= 0x80),
            )
        });
        let blank_start = matches!(bytes.first(), Some(b' ' | b'\t'));
        if bad
            || (wide && !line.chars().all(printable))
            || (blank_start && (first_content || bytes.iter().all(|c| *c == b' ' || *c == b'\t')))
        {
            out.truncate(start);
            return false;
        }
        first_content = false;
        indent(out, n);
        out.push_str(line);
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    true
}

/// A letter followed by letters, digits and `_-./:=@+` (no space, not ending in `:`),
/// and not a keyword: plain for every reader, decided in one cheap pass.
fn is_word(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last() != Some(&b':')
        && bytes.iter().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'-' | b'.' | b'/' | b':' | b'=' | b'@' | b'+')
        })
        && (s.len() > 5 || !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s)))
}

/// Decimal digits of `u` (what `{}` prints, without the formatting machinery).
fn unsigned(out: &mut String, mut u: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (u % 10) as u8;
        }
        u /= 10;
        if u == 0 || i == 0 {
            break;
        }
    }
    for &d in buf.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// Words YAML 1.1 or 1.2 readers take for booleans or null.
const KEYWORDS: [&str; 11] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "<<",
];

/// Plain (unquoted) only when no YAML 1.1 or 1.2 reader could take it for anything but
/// this string. The caller has checked for printable ASCII without `: ` or ` #`; this
/// adds: no indicator at the start, no keyword, and nothing that looks like a number,
/// a date or a time.
fn plain_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if b"?:,[]{}#&*!|>'\"%@`= ".contains(&first)
        || (first == b'-' && bytes.get(1).is_none_or(|b| *b == b' '))
        || last == b' '
        || last == b':'
    {
        return false;
    }
    if s.len() <= 5 && KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s)) {
        return false;
    }
    !looks_numeric(s)
}

/// Integers, floats (with `.inf`/`.nan`), hex/octal/binary, YAML 1.1 sexagesimal
/// numbers, dates and times: all made of digits and a few marks.
fn looks_numeric(s: &str) -> bool {
    let unsigned = s.trim_start_matches(['+', '-']);
    if unsigned.eq_ignore_ascii_case(".inf") || unsigned.eq_ignore_ascii_case(".nan") {
        return true;
    }
    let Some(first) = unsigned.bytes().next() else {
        return false;
    };
    (first.is_ascii_digit() || first == b'.')
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b"._:+-xXoObBtTzZ ".contains(&b))
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    // Runs of printable ASCII other than `"` and `\` are copied as they are.
    let plain_run = |b: &u8| (0x20..0x7f).contains(b) && *b != b'"' && *b != b'\\';
    let mut rest = s;
    while let Some(stop) = rest.bytes().position(|b| !plain_run(&b)) {
        out.push_str(rest.get(..stop).unwrap_or_default());
        let tail = rest.get(stop..).unwrap_or_default();
        let Some(c) = tail.chars().next() else {
            break;
        };
        escape_char(out, c);
        rest = tail.get(c.len_utf8()..).unwrap_or_default();
    }
    out.push_str(rest);
    out.push('"');
}

/// One character of a double-quoted scalar: escaped if YAML needs it.
fn escape_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if printable(c) => out.push(c),
        c => {
            let code = u32::from(c);
            if code <= 0xff {
                out.push_str(&format!("\\x{code:02x}"));
            } else if code <= 0xffff {
                out.push_str(&format!("\\u{code:04x}"));
            } else {
                out.push_str(&format!("\\U{code:08x}"));
            }
        }
    }
}
