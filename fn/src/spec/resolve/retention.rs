//! Retention (the stack's and each tenant's), schema periods and ingestion limits:
//! how long logs live and how fast they may come.

use super::super::duration::{Duration, HOUR_MS};
use super::super::profile::Defaults;
use super::super::resolved::{Limits, Retention, Schema, StreamRetention};
use super::super::selector;
use super::checker::Checker;

pub(super) fn schemas(
    c: &mut Checker,
    given: Option<&[super::super::types::SchemaSpec]>,
    d: &Defaults,
) -> Vec<Schema> {
    let list: Vec<Schema> = match given {
        Some(list) => list
            .iter()
            .map(|s| Schema {
                from: s.from.clone(),
                version: s.version.clone(),
            })
            .collect(),
        None => d
            .schemas
            .iter()
            .map(|(from, version)| Schema {
                from: (*from).to_owned(),
                version: (*version).to_owned(),
            })
            .collect(),
    };
    if list.is_empty() {
        c.error(
            "spec.schemas",
            "needs at least one schema period, e.g. {from: \"2024-01-01\", version: v13}",
        );
    }
    let mut previous: Option<&str> = None;
    for (i, s) in list.iter().enumerate() {
        let field = format!("spec.schemas[{i}]");
        if !is_date(&s.from) {
            c.error(
                &format!("{field}.from"),
                format!(
                    "invalid date {:?}: write YYYY-MM-DD, quoted, e.g. \"2024-01-01\"",
                    s.from
                ),
            );
        } else if let Some(prev) = previous
            && s.from.as_str() <= prev
        {
            c.error(
                &format!("{field}.from"),
                format!(
                    "{:?} does not come after the previous period's {prev:?}: schema periods \
                     are append-only and must be in increasing date order",
                    s.from
                ),
            );
        }
        previous = Some(&s.from);
        if s.version != super::super::types::SCHEMA_VERSION {
            c.error(
                &format!("{field}.version"),
                format!(
                    "unsupported schema {:?}: Loki 3.x needs v13 (tsdb) for structured metadata",
                    s.version
                ),
            );
        }
    }
    list
}

fn is_date(s: &str) -> bool {
    // One reading of `YYYY-MM-DD` (1970..=9999, real days) for the schema check and the
    // change hazards that compare periods with today.
    crate::plan::date::Day::parse(s).is_ok()
}

const MIN_RETENTION_MS: u64 = 24 * HOUR_MS;

fn retention_period(c: &mut Checker, field: &str, text: &str) -> Option<Duration> {
    let period = c.check(field, Duration::parse(text))?;
    if period.as_millis() == 0 {
        c.error(
            field,
            format!(
                "{text:?} disables retention: Loki would keep logs forever and fill the disk; \
                 use at least 24h"
            ),
        );
        return None;
    }
    if period.as_millis() < MIN_RETENTION_MS {
        c.error(
            field,
            format!(
                "{text:?} is shorter than 24h, the shortest retention Loki's compactor applies"
            ),
        );
        return None;
    }
    Some(period)
}

pub(super) fn retention(
    c: &mut Checker,
    given: Option<&super::super::types::RetentionSpec>,
    d: &Defaults,
) -> Option<Retention> {
    match given {
        Some(r) => retention_of(c, "spec.retention", r, Some(d.suggested_retention)),
        None => {
            missing_retention(c, "spec.retention.period", Some(d.suggested_retention));
            None
        }
    }
}

fn missing_retention(c: &mut Checker, field: &str, suggested: Option<&str>) {
    c.error(
        field,
        format!(
            "required: without retention Loki keeps logs forever and fills the disk; set \
             it explicitly, e.g. {:?} (at least 24h)",
            suggested.unwrap_or("7d")
        ),
    );
}

/// A `{period, streams}` block (the stack's or a tenant's) at `field`.
pub(super) fn retention_of(
    c: &mut Checker,
    field: &str,
    given: &super::super::types::RetentionSpec,
    suggested: Option<&str>,
) -> Option<Retention> {
    let Some(text) = given.period.as_deref() else {
        missing_retention(c, &format!("{field}.period"), suggested);
        return None;
    };
    let period = retention_period(c, &format!("{field}.period"), text);
    let mut streams = Vec::new();
    for (i, s) in given
        .streams
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let sf = format!("{field}.streams[{i}]");
        c.check(&format!("{sf}.selector"), selector::check(&s.selector));
        if let Some(p) = retention_period(c, &format!("{sf}.period"), &s.period) {
            streams.push(StreamRetention {
                selector: s.selector.clone(),
                period: p,
                priority: s.priority.unwrap_or(1),
            });
        }
    }
    period.map(|period| Retention { period, streams })
}

pub(super) fn limits(
    c: &mut Checker,
    given: Option<&super::super::types::LimitsSpec>,
    (rate, burst, streams): (f64, f64, u32),
) -> Option<Limits> {
    let given = given.cloned().unwrap_or_default();
    let out = Limits {
        ingestion_rate_mb: given.ingestion_rate_mb.unwrap_or(rate),
        ingestion_burst_size_mb: given.ingestion_burst_size_mb.unwrap_or(burst),
        max_streams_per_user: given.max_streams_per_user.unwrap_or(streams),
    };
    let before = c.errors.len();
    if !(out.ingestion_rate_mb.is_finite() && out.ingestion_rate_mb > 0.0) {
        c.error(
            "spec.limits.ingestionRateMB",
            "must be a positive number of MB per second",
        );
    }
    if !(out.ingestion_burst_size_mb.is_finite() && out.ingestion_burst_size_mb > 0.0) {
        c.error(
            "spec.limits.ingestionBurstSizeMB",
            "must be a positive number of MB",
        );
    } else if out.ingestion_burst_size_mb < out.ingestion_rate_mb {
        c.error(
            "spec.limits.ingestionBurstSizeMB",
            format!(
                "{} is smaller than ingestionRateMB {}: the burst must be at least the rate",
                out.ingestion_burst_size_mb, out.ingestion_rate_mb
            ),
        );
    }
    if out.max_streams_per_user == 0 {
        c.error(
            "spec.limits.maxStreamsPerUser",
            "must be at least 1 (0 would let one tenant create unlimited streams)",
        );
    }
    (c.errors.len() == before).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates() {
        assert!(is_date("2024-01-01"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("24-01-01"));
        assert!(!is_date("2024/01/01"));
    }
}
