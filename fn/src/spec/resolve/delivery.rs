//! `spec.collector.delivery`: how long the collector retries, and Fluent Bit's disk
//! buffer.

use super::super::collector::{
    CollectorKind, Delivery, MAX_RETRY_FOR_MS, MIN_BUFFER_BYTES, MIN_RETRY_FOR_MS,
};
use super::super::duration::Duration;
use super::super::profile::Defaults;
use super::super::quantity::Quantity;
use super::super::types::DeliverySpec;
use super::checker::Checker;

pub(super) fn delivery(
    c: &mut Checker,
    given: Option<&DeliverySpec>,
    kind: CollectorKind,
    d: &Defaults,
) -> Option<Delivery> {
    let given = given.cloned().unwrap_or_default();
    let field = "spec.collector.delivery.retryFor";
    let text = given.retry_for.unwrap_or_else(|| d.retry_for.to_owned());
    let retry_for = c.check(field, Duration::parse(&text));
    if let Some(r) = &retry_for
        && !(MIN_RETRY_FOR_MS..=MAX_RETRY_FOR_MS).contains(&r.as_millis())
    {
        c.error(
            field,
            format!(
                "{text:?} is outside 5m to 24h: shorter gives up on lines before the \
                 collector's alert (5 minutes) can warn anyone; longer holds lines Loki \
                 would keep in its ingesters for twice that (default {})",
                d.retry_for
            ),
        );
    }
    let field = "spec.collector.delivery.bufferSize";
    let buffer = match (kind, given.buffer_size) {
        (CollectorKind::Promtail, Some(_)) => {
            c.error(
                field,
                "Promtail has no disk buffer: while it retries a batch it stops reading \
                 every file on the node (files rotated meanwhile are lost); remove \
                 bufferSize, or set spec.collector.kind: FluentBit to buffer on disk",
            );
            None
        }
        (CollectorKind::Promtail, None) => None,
        (CollectorKind::FluentBit, given) => {
            let text = given.unwrap_or_else(|| d.buffer_size.to_owned());
            let q = c.check(field, Quantity::parse(&text));
            if let Some(q) = &q
                && (q.value() < MIN_BUFFER_BYTES || q.value().fract() != 0.0)
            {
                c.error(
                    field,
                    format!(
                        "{text:?} is not a whole number of bytes of at least 64Mi (32 of \
                         Fluent Bit's 2 MB chunks); default {}",
                        d.buffer_size
                    ),
                );
                return None;
            }
            q
        }
    };
    let retry_for = retry_for?;
    Some(Delivery { retry_for, buffer })
}
