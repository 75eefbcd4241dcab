//! Durations exactly as Loki reads them (Prometheus `model.Duration`): one or more
//! `<integer><unit>` pairs, units in the order y w d h m s ms, no spaces, e.g. `72h`,
//! `7d`, `1d12h`. Anything Loki would refuse is refused here first, with a hint.

use std::fmt;

/// A validated duration. Keeps the user's spelling, which is what Loki will read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    text: String,
    millis: u64,
}

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

pub const HOUR_MS: u64 = 3_600_000;

impl Duration {
    pub fn parse(text: &str) -> Result<Self, String> {
        match parse_millis(text) {
            Some(millis) => Ok(Self {
                text: text.to_owned(),
                millis,
            }),
            None => {
                let mut msg = format!(
                    "invalid duration {text:?}: write a whole number followed by a unit \
                     (ms, s, m, h, d, w, y) without spaces, e.g. \"72h\" or \"7d\""
                );
                if let Some(fix) = suggest(text) {
                    msg.push_str(&format!("; did you mean {fix:?}?"));
                }
                Err(msg)
            }
        }
    }

    pub fn as_millis(&self) -> u64 {
        self.millis
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Milliseconds as a Go duration without zero parts and without days (Go has none):
/// `72h`, `2h10m`, `1m30s`, `500ms`.
pub fn go_duration(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    let mut out = String::new();
    for (v, unit) in [(h, "h"), (m, "m"), (s, "s"), (ms, "ms")] {
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn parse_millis(text: &str) -> Option<u64> {
    if text == "0" {
        return Some(0);
    }
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut next_unit = 0; // units must appear in UNITS order, each at most once
    let mut total: u64 = 0;
    if bytes.is_empty() {
        return None;
    }
    while pos < bytes.len() {
        let start = pos;
        while pos < bytes.len() && bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        let number: u64 = text.get(start..pos)?.parse().ok()?;
        let rest = text.get(pos..)?;
        // "ms" must be tried before "m".
        let (idx, (unit, factor)) = UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .filter(|(_, (u, _))| rest.starts_with(u))
            .max_by_key(|(_, (u, _))| u.len())?;
        pos += unit.len();
        next_unit = idx + 1;
        total = total.checked_add(number.checked_mul(*factor)?)?;
    }
    Some(total)
}

/// Turns common human spellings ("3 days", "72 hours", "72H") into Loki's.
fn suggest(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let unit_word = lower.get(digits.len()..)?.trim();
    let unit = match unit_word {
        "y" | "yr" | "yrs" | "year" | "years" => "y",
        "w" | "wk" | "wks" | "week" | "weeks" => "w",
        "d" | "day" | "days" => "d",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "ms" | "millisecond" | "milliseconds" => "ms",
        _ => return None,
    };
    let fixed = format!("{digits}{unit}");
    (parse_millis(&fixed).is_some() && fixed != text).then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_loki_accepts() {
        for (text, ms) in [
            ("72h", 72 * HOUR_MS),
            ("7d", 7 * 24 * HOUR_MS),
            ("1d12h", 36 * HOUR_MS),
            ("1w", 7 * 24 * HOUR_MS),
            ("90m", 90 * 60_000),
            ("500ms", 500),
            ("1h30m", 90 * 60_000),
            ("0s", 0),
            ("0", 0),
        ] {
            assert_eq!(
                Duration::parse(text).map(|d| d.as_millis()),
                Ok(ms),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_loki_refuses() {
        for text in [
            "", "3 days", "72", "h", "1.5h", "-1h", "72H", "30m1h", "1h1h", " 72h", "72h ",
        ] {
            assert!(Duration::parse(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn suggests_the_loki_spelling() {
        let err = Duration::parse("3 days").unwrap_err();
        assert!(err.contains("did you mean \"3d\""), "{err}");
        let err = Duration::parse("72 hours").unwrap_err();
        assert!(err.contains("did you mean \"72h\""), "{err}");
        let err = Duration::parse("72H").unwrap_err();
        assert!(err.contains("did you mean \"72h\""), "{err}");
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(Duration::parse("99999999999999999999y").is_err());
        assert!(Duration::parse("9999999999999y").is_err());
    }
}
