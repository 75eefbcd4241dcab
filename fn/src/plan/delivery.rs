//! What the config guarantees while Loki cannot be reached (`spec.collector.delivery`):
//! the plan's "When Loki is down" section.

use serde::Serialize;

use super::resources::bytes_text;
use crate::collection::delivery::{self as d, PromtailBackoff};
use crate::config::fluentbit::{BUFFER_DIR, MAX_CHUNKS_UP};
use crate::config::loki;
use crate::render::alerts::{
    FLUENT_BIT_BUFFER_FILLING, FLUENT_BIT_CANNOT_REACH, FLUENT_BIT_DROPPING, PROMTAIL_CANNOT_REACH,
    PROMTAIL_DROPPING,
};
use crate::spec::Resolved;
use crate::spec::collector::CollectorKind;
use crate::spec::duration::go_duration;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `spec.collector.delivery.retryFor` as written.
    pub retry_for: String,
    /// How long one batch (Promtail) or chunk (Fluent Bit) is retried, at least and at
    /// most (waits drawn at their shortest and longest; send times not counted).
    pub retried_at_least_ms: u64,
    pub retried_at_most_ms: u64,
    /// Attempts (Promtail's `max_retries`) or retries (Fluent Bit's `retry_limit`).
    pub retries: u64,
    /// The longest wait between two tries: how soon delivery resumes once Loki is back.
    pub longest_wait_ms: u64,
    /// Fluent Bit's disk buffer: bytes and host directory.
    pub buffer_bytes: Option<u64>,
    pub buffer_path: Option<String>,
    /// How far behind the newest line of its stream Loki accepts a line; `None` for an
    /// agent (the central stack sets it, from its own `retryFor`).
    pub loki_accepts_late_ms: Option<u64>,
}

pub fn delivery(r: &Resolved) -> Delivery {
    let c = &r.collector;
    let retry_for = c.delivery.retry_for.as_millis();
    let (at_least, at_most, retries, longest_wait) = match c.kind {
        CollectorKind::Promtail => {
            let b: PromtailBackoff = d::promtail_backoff(retry_for);
            (
                b.shortest_ms(),
                b.longest_ms(),
                u64::from(b.max_retries),
                b.max_ms,
            )
        }
        CollectorKind::FluentBit => {
            let ms = d::fluent_bit_retry_ms(retry_for);
            (
                ms,
                ms,
                d::fluent_bit_retry_limit(retry_for),
                d::FLUENT_BIT_WAIT_MS,
            )
        }
    };
    Delivery {
        retry_for: c.delivery.retry_for.to_string(),
        retried_at_least_ms: at_least,
        retried_at_most_ms: at_most,
        retries,
        longest_wait_ms: longest_wait,
        buffer_bytes: c.delivery.buffer.as_ref().map(|b| b.value() as u64),
        buffer_path: c
            .delivery
            .buffer
            .as_ref()
            .map(|_| format!("{}/{BUFFER_DIR}", c.positions_dir)),
        loki_accepts_late_ms: r.central.as_ref().map(|_| loki::max_chunk_age_ms(r) / 2),
    }
}

/// The rows of "When Loki is down".
pub fn rows(x: &Delivery) -> Vec<(String, String)> {
    let go_duration = |ms: u64| go_duration(ms / 1000 * 1000);
    let retried = if x.retried_at_least_ms == x.retried_at_most_ms {
        go_duration(x.retried_at_least_ms)
    } else {
        format!(
            "{} to {}",
            go_duration(x.retried_at_least_ms),
            go_duration(x.retried_at_most_ms)
        )
    };
    let mut rows = Vec::new();
    match &x.buffer_bytes {
        None => {
            rows.push((
                "guarantee".to_owned(),
                format!(
                    "no line lost in an outage up to {} unless a file is rotated away \
                     meanwhile",
                    x.retry_for
                ),
            ));
            rows.push((
                "retries".to_owned(),
                format!(
                    "each batch for {retried} ({} attempts, then it is dropped and counted); \
                     sending resumes within {} of Loki's return",
                    x.retries,
                    go_duration(x.longest_wait_ms)
                ),
            ));
            rows.push((
                "meanwhile".to_owned(),
                "Promtail stops reading every file on the node (nothing is buffered); a \
                 file rotated away before it resumes is lost and not counted (kubelet \
                 rotates at 10Mi, Talos at 5Mi): use kind: FluentBit where outages can be \
                 long or volumes high"
                    .to_owned(),
            ));
            rows.push((
                "alerts".to_owned(),
                format!(
                    "{PROMTAIL_CANNOT_REACH} after 5m (warning), {PROMTAIL_DROPPING} (critical)"
                ),
            ));
        }
        Some(buffer) => {
            let path = x.buffer_path.clone().unwrap_or_default();
            rows.push((
                "guarantee".to_owned(),
                format!(
                    "no line lost in an outage up to {}, rotation included, while the node \
                     writes less than {} meanwhile",
                    x.retry_for,
                    bytes_text(*buffer)
                ),
            ));
            rows.push((
                "retries".to_owned(),
                format!(
                    "each chunk for {retried} ({} retries, every {}), then it is dropped \
                     and counted",
                    x.retries,
                    go_duration(x.longest_wait_ms)
                ),
            ));
            rows.push((
                "buffer".to_owned(),
                format!(
                    "up to {} on each node's disk ({path}), kept across restarts; reading \
                     goes on; when full the oldest chunks are dropped and counted; in \
                     memory at most {MAX_CHUNKS_UP} chunks of 2 MB and 16 MB per input",
                    bytes_text(*buffer)
                ),
            ));
            rows.push((
                "alerts".to_owned(),
                format!(
                    "{FLUENT_BIT_CANNOT_REACH} after 5m (warning), {FLUENT_BIT_BUFFER_FILLING} \
                     at 80% (warning), {FLUENT_BIT_DROPPING} (critical)"
                ),
            ));
        }
    }
    rows.push((
        "Loki accepts".to_owned(),
        match x.loki_accepts_late_ms {
            Some(late) => format!(
                "lines up to {} behind the newest of their stream (ingester.max_chunk_age {})",
                go_duration(late),
                go_duration(late * 2)
            ),
            None => format!(
                "what the central stack sets: it accepts lines as late as its own \
                 spec.collector.delivery.retryFor allows, so keep that at least {}",
                x.retry_for
            ),
        },
    ));
    rows
}
