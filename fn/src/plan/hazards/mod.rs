//! What a change does to the running stack: the earlier objects (an earlier render, the
//! live objects, or kpt's earlier output) against the new render. Each change is
//! refused (it would lose data or fail halfway through `kubectl apply`), a warning (it
//! deletes or strands data, or weakens the stack), or info (one line per object).

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

use super::date::Day;
use super::lokiconf;
use super::previous::{self, Previous};
use crate::krm::annotations;
use crate::spec::resolved::Migration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Refused,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// One change and what it means.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub severity: Severity,
    /// Stable identifier of the hazard (README, "Change hazards").
    pub code: &'static str,
    /// `Kind namespace/name` of the object concerned, if one.
    pub object: Option<String>,
    /// The LokiStack field (`spec.schemas[0]`) or object field that changes.
    pub field: Option<String>,
    pub message: String,
    /// The way out of a refused change, or what to do about a warning.
    pub fix: Option<String>,
}

impl Change {
    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            object: None,
            field: None,
            message: message.into(),
            fix: None,
        }
    }

    fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// The change as one line of text: `Kind ns/name: field: message Way out: fix`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if let Some(o) = &self.object {
            s.push_str(o);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        if let Some(f) = &self.fix {
            if !s.ends_with('.') {
                s.push('.');
            }
            s.push_str(if self.severity == Severity::Refused {
                " Way out: "
            } else {
                " What to do: "
            });
            s.push_str(f);
        }
        s
    }
}

/// How many objects were added, removed, changed and left as they were.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ObjectCounts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
}

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

/// (group, kind, namespace, name): what makes two objects the same to the API server.
pub(crate) type Id = (String, String, String, String);

pub(crate) fn identity(o: &Value) -> Id {
    let s = |p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let api_version = s("/apiVersion");
    let group = api_version
        .rsplit_once('/')
        .map(|(g, _)| g.to_owned())
        .unwrap_or_default();
    (
        group,
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// `StatefulSet logging/loki`, `Namespace logging`.
pub(crate) fn describe(id: &Id) -> String {
    let (_, kind, ns, name) = id;
    if ns.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {ns}/{name}")
    }
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

/// `4 days`, `1 day`, `36 hours`, `90 minutes`.
pub(crate) fn span(ms: u64) -> String {
    const MINUTE: u64 = 60_000;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if ms.is_multiple_of(DAY) {
        plural(ms / DAY, "day")
    } else if ms.is_multiple_of(HOUR) {
        plural(ms / HOUR, "hour")
    } else {
        plural(ms.div_ceil(MINUTE), "minute")
    }
}
