//! Delivery while Loki cannot be reached: `spec.collector.delivery.retryFor` turned into
//! each agent's retry settings, with the bounds they guarantee (Loki's side:
//! `config::loki::max_chunk_age_ms`).
//!
//! Promtail (dskit's backoff): the k-th wait is drawn from `[lo_k, hi_k)` with
//! `lo_1 = min`, `hi_1 = min(2 min, max)`, both doubled (capped at max) while `hi <
//! max`; when `lo >= hi` the wait is `lo`. Promtail sends, fails, waits, sends again;
//! the `max_retries`-th failure ends it without a wait, so a batch gets
//! `max_retries - 1` waits. Its shortest budget is the sum of their `lo`.
//!
//! Fluent Bit (its scheduler): a chunk's n-th retry waits a uniform whole number of
//! seconds in `[base, min(cap, base * 2^n)]`, plus 1; with `base = cap` every wait is
//! exactly `base + 1`. `retry_limit` retries, each after a wait.

/// Promtail's first wait (its own default).
pub const PROMTAIL_MIN_BACKOFF_MS: u64 = 500;
/// Promtail's longest wait: a batch is retried at least every 30 s once Loki is back.
pub const PROMTAIL_MAX_BACKOFF_MS: u64 = 30_000;
/// Fluent Bit's `scheduler.base` and `scheduler.cap`, in seconds.
pub const FLUENT_BIT_RETRY_WAIT_S: u64 = 30;
/// Every wait between two tries of a chunk: the scheduler adds one second to `base`.
pub const FLUENT_BIT_WAIT_MS: u64 = (FLUENT_BIT_RETRY_WAIT_S + 1) * 1000;
/// Promtail's `backoff_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromtailBackoff {
    pub min_ms: u64,
    pub max_ms: u64,
    pub max_retries: u32,
}

impl PromtailBackoff {
    /// The ranges of the waits one batch gets, in order.
    fn waits(&self) -> impl Iterator<Item = (u64, u64)> {
        let (min, max) = (self.min_ms, self.max_ms);
        let double = move |v: u64| v.saturating_mul(2).min(max);
        let first = (min, double(min));
        std::iter::successors(Some(first), move |&(lo, hi)| {
            Some(if hi < max {
                (double(lo), double(hi))
            } else {
                (lo, hi)
            })
        })
        .take(self.max_retries.saturating_sub(1) as usize)
    }

    /// The least time a batch is retried (every wait at its shortest).
    pub fn shortest_ms(&self) -> u64 {
        self.waits().map(|(lo, _)| lo).sum()
    }

    /// The most: every wait at its longest (`hi`, or `lo` when the range is empty).
    pub fn longest_ms(&self) -> u64 {
        self.waits().map(|(lo, hi)| hi.max(lo)).sum()
    }
}

/// The fewest retries whose shortest budget reaches `retry_for_ms`.
pub fn promtail_backoff(retry_for_ms: u64) -> PromtailBackoff {
    let mut b = PromtailBackoff {
        min_ms: PROMTAIL_MIN_BACKOFF_MS,
        max_ms: PROMTAIL_MAX_BACKOFF_MS,
        max_retries: 1,
    };
    while b.shortest_ms() < retry_for_ms && b.max_retries < u32::MAX {
        b.max_retries += 1;
    }
    b
}

/// Fluent Bit's `retry_limit`: enough retries of [`FLUENT_BIT_WAIT_MS`] each.
pub fn fluent_bit_retry_limit(retry_for_ms: u64) -> u64 {
    retry_for_ms.div_ceil(FLUENT_BIT_WAIT_MS)
}

/// How long Fluent Bit retries a chunk with that limit (every wait is fixed).
pub fn fluent_bit_retry_ms(retry_for_ms: u64) -> u64 {
    fluent_bit_retry_limit(retry_for_ms) * FLUENT_BIT_WAIT_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000;
    const HOUR: u64 = 3_600_000;

    /// What dskit does, step by step, without the shortcut of `waits`.
    fn dskit_shortest(min: u64, max: u64, max_retries: u32) -> u64 {
        let (mut lo, mut hi) = (min, (2 * min).min(max));
        let mut retries = 0;
        let mut total = 0;
        loop {
            retries += 1; // NextDelay
            let wait = lo; // the draw is >= lo, and exactly lo when lo >= hi
            if hi < max {
                lo = (2 * lo).min(max);
                hi = (2 * hi).min(max);
            }
            if retries < max_retries {
                total += wait; // Wait() sleeps only while Ongoing
            } else {
                return total; // the loop ends: no more sends
            }
        }
    }

    #[test]
    fn promtails_defaults_give_the_measured_budget() {
        // Promtail's own defaults (500ms..5m, 10 retries): 4.3 to 8.5 minutes.
        let b = PromtailBackoff {
            min_ms: 500,
            max_ms: 5 * MINUTE,
            max_retries: 10,
        };
        assert_eq!(b.shortest_ms(), 255_500);
        assert_eq!(b.longest_ms(), 511_000);
        assert_eq!(dskit_shortest(500, 5 * MINUTE, 10), 255_500);
    }

    #[test]
    fn promtails_shortest_budget_reaches_retry_for_with_the_fewest_retries() {
        for retry_for in [
            5 * MINUTE,
            7 * MINUTE + 13_000,
            15 * MINUTE,
            HOUR,
            6 * HOUR,
            24 * HOUR,
        ] {
            let b = promtail_backoff(retry_for);
            assert!(b.shortest_ms() >= retry_for, "{retry_for}: {b:?}");
            assert_eq!(
                b.shortest_ms(),
                dskit_shortest(b.min_ms, b.max_ms, b.max_retries)
            );
            let fewer = PromtailBackoff {
                max_retries: b.max_retries - 1,
                ..b
            };
            assert!(
                fewer.shortest_ms() < retry_for,
                "{retry_for}: not the fewest"
            );
            // Every wait is under twice its shortest: at most about twice retryFor.
            assert!(b.longest_ms() < 2 * b.shortest_ms() + 2 * PROMTAIL_MAX_BACKOFF_MS);
        }
        assert_eq!(promtail_backoff(HOUR).max_retries, 231);
    }

    #[test]
    fn fluent_bits_retries_last_at_least_retry_for() {
        for retry_for in [5 * MINUTE, 15 * MINUTE, HOUR, 24 * HOUR] {
            let ms = fluent_bit_retry_ms(retry_for);
            assert!(ms >= retry_for && ms < retry_for + FLUENT_BIT_WAIT_MS);
        }
        assert_eq!(fluent_bit_retry_limit(HOUR), 117);
        assert_eq!(fluent_bit_retry_limit(5 * MINUTE), 10);
    }
}
