//! Fluent Bit's value syntax (booleans, sizes, times, token lists...) as its utilities
//! parse it (src/flb_utils.c, src/flb_slist.c), and the check of a property's value.

use super::yaml::Node;

/// What a property's value must look like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Ty {
    /// Anything (`string`, `prefixed string`, `multiple comma delimited strings`, `variant`).
    Str,
    /// `flb_utils_bool` (src/flb_utils.c): on/off, true/false, yes/no, any case.
    Bool,
    /// `atoi`: an optional sign and digits.
    Int,
    /// `atof`: a decimal number.
    Double,
    /// `flb_utils_size_to_bytes` (src/flb_utils.c): a number with K, KB, M, MB, G or GB.
    Size,
    /// `flb_utils_size_to_binary_bytes` (src/flb_utils.c): also KiB, MiB, GiB.
    BinarySize,
    /// `flb_utils_time_to_seconds` (src/flb_utils.c): digits with s, m, h or d.
    Time,
    /// `space delimited strings (minimum N)`: `flb_slist_split_tokens`, N tokens or more.
    Tokens(usize),
    /// One of these words, any case.
    OneOf(&'static [&'static str]),
    /// An output's `retry_limit` (flb_output_set_property, src/flb_output.c): a positive
    /// integer, `no_limits`, `false`/`off` (no limit) or `no_retries`.
    RetryLimit,
    /// An output's `storage.total_limit_size` (flb_output_set_property): a size, or
    /// `off`/`false`/`no` for no limit.
    SizeOrOff,
    /// `deprecated` in the schema: Fluent Bit warns.
    Deprecated,
}

pub(crate) const LOG_LEVELS: &[&str] =
    &["off", "error", "warn", "warning", "info", "debug", "trace"];

/// `${NAME}`: Fluent Bit expands environment references before it reads a value
/// (flb_env_var_translate), so its type cannot be known here.
fn has_env_ref(v: &str) -> bool {
    v.find("${").is_some_and(|i| v[i..].contains('}'))
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_int(s: &str) -> bool {
    is_digits(s.strip_prefix(['+', '-']).unwrap_or(s))
}

/// Digits with an optional fraction (`1`, `1.5`, `.5`, `1.`).
fn is_decimal(s: &str) -> bool {
    match s.split_once('.') {
        None => is_digits(s),
        Some((a, b)) => {
            (a.is_empty() || is_digits(a))
                && (b.is_empty() || is_digits(b))
                && a.len() + b.len() > 0
        }
    }
}

fn is_double(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    match s.split_once(['e', 'E']) {
        None => is_decimal(s),
        Some((mantissa, exponent)) => is_decimal(mantissa) && is_int(exponent),
    }
}

fn is_bool(s: &str) -> bool {
    ["on", "off", "true", "false", "yes", "no"]
        .iter()
        .any(|b| b.eq_ignore_ascii_case(s))
}

fn is_size(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let number = ["KB", "MB", "GB", "K", "M", "G"]
        .iter()
        .find_map(|unit| upper.strip_suffix(unit))
        .unwrap_or(&upper);
    is_decimal(number)
}

fn is_binary_size(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let number = ["KIB", "MIB", "GIB", "KB", "MB", "GB", "K", "M", "G"]
        .iter()
        .find_map(|unit| upper.strip_suffix(unit))
        .unwrap_or(&upper);
    is_decimal(number)
}

fn is_time(s: &str) -> bool {
    is_digits(
        s.strip_suffix(['s', 'm', 'h', 'd', 'S', 'M', 'H', 'D'])
            .unwrap_or(s),
    )
}

/// How many tokens `flb_slist_split_tokens` (src/flb_slist.c) makes of `s`: separated by
/// spaces, a double-quoted token may hold spaces (and `\"`).
fn tokens(s: &str) -> usize {
    let mut count = 0;
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        count += 1;
        if c == '"' {
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
        } else {
            while chars.next_if(|&c| c != ' ').is_some() {}
        }
    }
    count
}

/// What is wrong with `v` as a value of type `ty`, if anything.
fn value_problem(ty: Ty, v: &str) -> Option<String> {
    if has_env_ref(v) {
        return None;
    }
    let ok = match ty {
        Ty::Str => true,
        Ty::Bool => is_bool(v),
        Ty::Int => is_int(v),
        Ty::Double => is_double(v),
        Ty::Size => is_size(v),
        Ty::BinarySize => is_binary_size(v),
        Ty::Time => is_time(v),
        Ty::Tokens(n) => tokens(v) >= n,
        Ty::OneOf(words) => words.iter().any(|w| w.eq_ignore_ascii_case(v)),
        Ty::RetryLimit => {
            (is_int(v) && v.parse::<i64>().is_ok_and(|n| n > 0))
                || ["no_limits", "false", "off", "no_retries"]
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(v))
        }
        Ty::SizeOrOff => {
            is_size(v)
                || ["off", "false", "no"]
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(v))
        }
        Ty::Deprecated => false,
    };
    (!ok).then(|| expected(ty))
}

/// What a value of type `ty` must be, for the failure message.
fn expected(ty: Ty) -> String {
    match ty {
        Ty::Str => "anything".to_owned(),
        Ty::Bool => "not a boolean: on/off, true/false or yes/no (flb_utils_bool)".to_owned(),
        Ty::Int => "not an integer".to_owned(),
        Ty::Double => "not a number".to_owned(),
        Ty::Size => "not a size: digits with K, KB, M, MB, G or GB (flb_utils_size_to_bytes)".to_owned(),
        Ty::BinarySize => {
            "not a size: digits with K, KB, KiB, M, MB, MiB, G, GB or GiB (flb_utils_size_to_binary_bytes)"
                .to_owned()
        }
        Ty::Time => "not a time: digits with s, m, h or d (flb_utils_time_to_seconds)".to_owned(),
        Ty::Tokens(n) => format!("fewer than {n} space-delimited values"),
        Ty::OneOf(words) => format!("not one of {words:?}"),
        Ty::RetryLimit => {
            "not a retry limit: a positive integer, no_limits, false, off or no_retries".to_owned()
        }
        Ty::SizeOrOff => "not a size, nor off/false for no limit".to_owned(),
        Ty::Deprecated => "deprecated in Fluent Bit 5.1.1 (it warns)".to_owned(),
    }
}

/// Checks a property's value (a scalar, or a list of scalars: one property per item).
pub(crate) fn check_value(at: &str, ty: Ty, value: &Node, out: &mut Vec<String>) {
    match value {
        Node::Scalar(v) => {
            if let Some(problem) = value_problem(ty, v) {
                out.push(format!("{at} = '{v}': {problem}"));
            }
        }
        Node::Seq(items) => {
            for item in items {
                match item {
                    Node::Scalar(_) => check_value(at, ty, item, out),
                    _ => out.push(format!("{at}: a list item that is not a scalar")),
                }
            }
        }
        Node::Map(_) => out.push(format!(
            "{at}: a nested map (Fluent Bit reads it as a group, not as a value)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        Ty, has_env_ref, is_binary_size, is_bool, is_double, is_size, is_time, tokens,
        value_problem,
    };

    #[test]
    fn value_syntax_follows_fluent_bit() {
        for v in ["on", "OFF", "True", "no", "Yes"] {
            assert!(is_bool(v), "{v}");
        }
        for v in ["1", "enabled", "", "o n"] {
            assert!(!is_bool(v), "{v}");
        }
        for v in ["0", "32k", "32K", "32KB", "1.5M", "2g", "2GB", "100"] {
            assert!(is_size(v), "{v}");
        }
        for v in ["", "k", "32KiB", "32 K", "1e3", "-"] {
            assert!(!is_size(v), "{v}");
        }
        assert!(is_binary_size("32KiB") && is_binary_size("2m") && !is_binary_size("2XiB"));
        for v in ["10", "10s", "5m", "1h", "7d", "7D"] {
            assert!(is_time(v), "{v}");
        }
        for v in ["", "s", "1.5s", "5min", "1w"] {
            assert!(!is_time(v), "{v}");
        }
        for v in ["1", "0.5", ".5", "1e3", "-2"] {
            assert!(is_double(v), "{v}");
        }
        for v in ["", ".", "inf", "NaN", "0x10", "1,5"] {
            assert!(!is_double(v), "{v}");
        }
        assert_eq!(tokens(r#"Authorization "Bearer x y""#), 2);
        assert_eq!(tokens("  a  b c "), 3);
        assert!(has_env_ref("${HOST}:3100") && !has_env_ref("$HOST") && !has_env_ref("${"));
        assert!(value_problem(Ty::Int, "${PORT}").is_none());
    }
}
