//! One info line per added, removed or changed object, and the one removal that
//! deletes data when the deploy prunes: the Namespace.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::previous::Previous;
use super::change::{Change, Id, ObjectCounts, Severity, describe};
use super::diff::{self, Mode};

/// How many changed paths one line names before it says "and N more".
const MAX_PATHS: usize = 6;

fn rolls(id: &Id, paths: &[String]) -> bool {
    matches!(id.1.as_str(), "StatefulSet" | "Deployment" | "DaemonSet")
        && paths.iter().any(|p| p.starts_with("spec.template"))
}

pub(super) fn lines(
    old: &BTreeMap<Id, Previous>,
    new: &BTreeMap<Id, Value>,
    out: &mut Vec<Change>,
) -> ObjectCounts {
    let mut counts = ObjectCounts::default();
    for (id, o) in new {
        let Some(p) = old.get(id) else {
            counts.added += 1;
            out.push(Change::new(Severity::Info, "object-added", "added").object(describe(id)));
            continue;
        };
        let mode = if p.live { Mode::Live } else { Mode::Exact };
        let paths = diff::changed_paths(&p.object, o, mode, 2);
        if paths.is_empty() {
            counts.unchanged += 1;
            continue;
        }
        counts.changed += 1;
        let shown: Vec<&str> = paths.iter().take(MAX_PATHS).map(String::as_str).collect();
        let more = paths.len().saturating_sub(MAX_PATHS);
        let extra = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let note = if rolls(id, &paths) {
            " (rolls the pods)"
        } else {
            ""
        };
        out.push(
            Change::new(
                Severity::Info,
                "object-changed",
                format!("changed: {}{extra}{note}", shown.join(", ")),
            )
            .object(describe(id)),
        );
    }
    for id in old.keys().filter(|id| !new.contains_key(*id)) {
        counts.removed += 1;
        if id.1 == "Namespace" {
            let inside: Vec<String> = old
                .keys()
                .filter(|o| o.2 == id.3 && o.1 == "StatefulSet")
                .map(describe)
                .collect();
            out.push(
                Change::new(
                    Severity::Warning,
                    "namespace-removed",
                    format!(
                        "is no longer rendered: kubectl apply leaves it, but a pruning deploy \
                         (kubectl apply --prune, Flux or Argo CD with pruning) deletes it, and \
                         with it every PVC in it{}",
                        if inside.is_empty() {
                            String::new()
                        } else {
                            format!(" (those of {})", inside.join(", "))
                        }
                    ),
                )
                .object(describe(id))
                .fix("keep the namespace (spec.namespace), or turn pruning off for it"),
            );
            continue;
        }
        out.push(
            Change::new(
                Severity::Info,
                "object-removed",
                "no longer rendered (kubectl apply leaves it in the cluster: delete it, or apply with --prune)",
            )
            .object(describe(id)),
        );
    }
    counts
}
