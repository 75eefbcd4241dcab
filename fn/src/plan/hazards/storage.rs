//! The object store: a switch (backend or bucket) leaves every log written so far
//! behind, so it is refused unless `spec.storage.migration` says which store is left
//! and what becomes of its logs.
//!
//! Why not keep reading the old store? Loki reads a schema period from the store the
//! period names, and would need both stores configured to read old periods from the old
//! one. This stack configures exactly one store (and the compactor applies retention in
//! that one only), so after a switch the old logs are neither read nor deleted.

use super::super::lokiconf::LokiView;
use super::change::{Change, Severity};
use crate::spec::resolved::Migration;
use crate::spec::types::OldLogs;

/// Records the store hazards; true when the store changes.
pub(super) fn check(
    old: &LokiView,
    new: &LokiView,
    migration: Option<&Migration>,
    out: &mut Vec<Change>,
) -> bool {
    let (Some(from), Some(to)) = (&old.store, &new.store) else {
        return false;
    };
    if from == to {
        if let Some(m) = migration {
            out.push(
                Change::new(
                    Severity::Info,
                    "storage-migration-done",
                    format!(
                        "spec.storage.migration (from {}) is set, and the store stays {to}",
                        m.from
                    ),
                )
                .field("spec.storage.migration")
                .fix("remove spec.storage.migration once the switch it allowed is applied"),
            );
        }
        return false;
    }
    let lost = format!(
        "Loki reads every schema period from the one store it is configured with, so the \
         logs written so far (in {from}) become unreadable, and retention no longer deletes \
         them"
    );
    match migration {
        None => out.push(
            Change::new(
                Severity::Refused,
                "storage-switched",
                format!("the object store changes from {from} to {to}: {lost}."),
            )
            .field("spec.storage")
            .fix(format!(
                "keep spec.storage as it was; or, to start the new store empty, say so with \
                 spec.storage.migration: {{from: \"{from}\", oldLogs: Abandon}} (the old logs \
                 stay in {from}: delete them when no longer needed); or copy every object of \
                 {from} (the chunks and the index/ prefix) to {to} first and set oldLogs: \
                 Copied. README, \"Change hazards\"."
            )),
        ),
        Some(m) if m.from != *from => out.push(
            Change::new(
                Severity::Refused,
                "storage-migration-mismatch",
                format!(
                    "spec.storage.migration.from is \"{}\", but the running stack uses {from} \
                     (and this config switches to {to}): {lost}.",
                    m.from
                ),
            )
            .field("spec.storage.migration.from")
            .fix(format!(
                "set spec.storage.migration.from to \"{from}\" if leaving that store is \
                 intended"
            )),
        ),
        Some(m) => {
            let what = match m.old_logs {
                OldLogs::Abandon => format!(
                    "the logs in {from} stay there unread and are no longer deleted by \
                     retention: delete them when no longer needed"
                ),
                OldLogs::Copied => format!(
                    "make sure the copy of every object of {from} (chunks and index/) into \
                     {to} is complete before the pods restart"
                ),
            };
            out.push(
                Change::new(
                    Severity::Warning,
                    "storage-switched",
                    format!(
                        "the object store changes from {from} to {to} (spec.storage.migration, \
                         oldLogs: {}): Loki writes and reads only {to} from now on.",
                        m.old_logs.as_str()
                    ),
                )
                .field("spec.storage")
                .fix(what),
            );
        }
    }
    true
}
