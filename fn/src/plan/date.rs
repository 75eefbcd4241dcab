//! Calendar days (UTC) as plain numbers: what schema period dates (`YYYY-MM-DD`) are
//! compared with. No clock here: the caller says what day it is.

use std::fmt;

/// A day of the proleptic Gregorian calendar, counted from 1970-01-01 (day 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// Parses `YYYY-MM-DD` (years 1970 to 9999, as schema periods are checked).
    pub fn parse(text: &str) -> Result<Self, String> {
        parse(text).ok_or_else(|| {
            format!("invalid date {text:?}: write YYYY-MM-DD (UTC), e.g. \"2026-05-01\"")
        })
    }

    /// The UTC day of a Unix time in seconds (what the system clock gives).
    pub fn from_unix_seconds(seconds: u64) -> Self {
        Self(i64::try_from(seconds / 86_400).unwrap_or(i64::MAX))
    }

    pub fn days_since_epoch(self) -> i64 {
        self.0
    }

    /// The day `n` days later (earlier for negative `n`).
    #[must_use]
    pub fn plus(self, n: i64) -> Self {
        Self(self.0.saturating_add(n))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn parse(text: &str) -> Option<Day> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1970..=9999).contains(&y) || !(1..=days_in_month).contains(&d) {
        return None;
    }
    Some(Day(days_from_civil(y, m, d)))
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse: `(year, month, day)` of a day number.
pub(crate) fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_formats_and_counts_days() {
        assert_eq!(Day::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(Day::parse("2024-01-01").unwrap().days_since_epoch(), 19_723);
        assert_eq!(Day::parse("2024-03-01").unwrap().days_since_epoch(), 19_783);
        for text in [
            "2024-02-29",
            "2000-02-29",
            "2026-12-31",
            "9999-12-31",
            "1970-01-01",
        ] {
            assert_eq!(Day::parse(text).unwrap().to_string(), text);
        }
        let d = Day::parse("2026-02-28").unwrap();
        assert_eq!(d.plus(1).to_string(), "2026-03-01");
        assert_eq!(d.plus(-59).to_string(), "2025-12-31");
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "",
            "2023-02-29",
            "1900-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-32",
            "1969-12-31",
            "+024-01-01",
            "2024-01-0a",
            "2024-01-01 ",
        ] {
            assert!(Day::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn unix_seconds_are_utc_days() {
        assert_eq!(Day::from_unix_seconds(0).to_string(), "1970-01-01");
        assert_eq!(Day::from_unix_seconds(86_399).to_string(), "1970-01-01");
        // 2026-05-01T23:59:59Z
        assert_eq!(
            Day::from_unix_seconds(1_777_679_999).to_string(),
            "2026-05-01"
        );
        assert_eq!(
            Day::from_unix_seconds(1_777_680_000).to_string(),
            "2026-05-02"
        );
    }
}
