//! What a change does to the running stack: the earlier objects (an earlier render, the
//! live objects, or kpt's earlier output) against the new render. Each change is
//! refused (it would lose data or fail halfway through `kubectl apply`), a warning (it
//! deletes or strands data, or weakens the stack), or info (one line per object).

mod change;
mod collector;
pub mod diff;
mod objects;
mod retention;
mod schema;
mod storage;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod workload_tests;
mod workloads;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

pub use change::{Change, ObjectCounts, Severity};
use change::{Id, identity};

use super::date::Day;
use super::lokiconf;
use super::previous::{self, Previous};
use crate::krm::annotations;
use crate::spec::resolved::Migration;

/// Every change, refused first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    pub refused: usize,
    pub warnings: usize,
    pub objects: ObjectCounts,
    /// The stack the earlier objects belong to (differs from this one after a rename).
    pub previous_owner: Option<String>,
    pub items: Vec<Change>,
}

impl Changes {
    pub fn of(&self, severity: Severity) -> impl Iterator<Item = &Change> {
        self.items.iter().filter(move |c| c.severity == severity)
    }
}

/// What [`compare`] works on.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The earlier objects as given: any owner, live or rendered, PVCs included.
    pub previous: &'a [Value],
    /// The new render of this stack.
    pub new: &'a [Value],
    /// This stack's owner annotation (`LokiStack/<name>`).
    pub owner: &'a str,
    pub migration: Option<&'a Migration>,
    /// Today (UTC); unknown: every earlier schema period counts as in effect.
    pub today: Option<Day>,
}

fn is_local_config(o: &Value) -> bool {
    annotations::get(o, annotations::LOCAL_CONFIG) == Some("true")
}

/// Compares the earlier objects with the new render.
pub fn compare(input: &Input<'_>) -> Changes {
    let mut out = Vec::new();
    let owned: Vec<&Value> = input
        .previous
        .iter()
        .filter(|o| previous::owner_of(o).is_some() && !is_local_config(o))
        .collect();
    let owners: BTreeSet<&str> = owned.iter().filter_map(|o| previous::owner_of(o)).collect();
    let renamed_from: Option<String> = if owners.is_empty() || owners.contains(input.owner) {
        None
    } else {
        Some(owners.iter().copied().collect::<Vec<_>>().join(", "))
    };
    let old: BTreeMap<Id, Previous> = owned
        .iter()
        .filter(|o| renamed_from.is_some() || previous::owner_of(o) == Some(input.owner))
        .map(|o| (identity(o), previous::previous(o)))
        .collect();
    let pvcs: Vec<Value> = input
        .previous
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("PersistentVolumeClaim"))
        .cloned()
        .collect();
    let new: BTreeMap<Id, Value> = input
        .new
        .iter()
        .filter(|o| !is_local_config(o))
        .map(|o| (identity(o), previous::normalize(o)))
        .collect();

    let old_objects: Vec<Value> = old.values().map(|p| p.object.clone()).collect();
    let new_objects: Vec<Value> = new.values().cloned().collect();
    match (lokiconf::read(&old_objects), lokiconf::read(&new_objects)) {
        (Ok(Some(a)), Ok(Some(b))) => {
            let switched = storage::check(&a, &b, input.migration, &mut out);
            schema::check(&a, &b, input.today, switched, &mut out);
            retention::check(&a, &b, &mut out);
        }
        (Err(e), _) | (_, Err(e)) => out.push(
            Change::new(
                Severity::Warning,
                "loki-config-unreadable",
                format!(
                    "the earlier Loki config cannot be read ({e}): schema periods, storage and \
                     retention changes were not checked"
                ),
            )
            .fix("compare with an earlier render of loki-stack-fn, or the live objects as `kubectl get -o yaml` prints them"),
        ),
        _ => {}
    }
    let ctx = workloads::Ctx {
        old: &old,
        new: &new,
        pvcs: &pvcs,
    };
    workloads::immutable(&ctx, &mut out);
    collector::check(&old, &new, &mut out);
    match &renamed_from {
        Some(from) => workloads::renamed(&ctx, from, input.owner, &mut out),
        None => workloads::orphaned(&ctx, &mut out),
    }
    let objects = objects::lines(&old, &new, &mut out);
    out.sort_by_key(|c| c.severity);
    Changes {
        refused: out
            .iter()
            .filter(|c| c.severity == Severity::Refused)
            .count(),
        warnings: out
            .iter()
            .filter(|c| c.severity == Severity::Warning)
            .count(),
        objects,
        previous_owner: renamed_from.or_else(|| (!old.is_empty()).then(|| input.owner.to_owned())),
        items: out,
    }
}
