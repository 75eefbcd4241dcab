//! Workloads: the fields the API server refuses to change (so `kubectl apply` fails
//! halfway), volume claim templates that would shrink, and the PVCs a change strands.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::previous::Previous;
use super::change::{Change, Id, Severity, describe};
use super::diff::{self, Mode};
use crate::spec::quantity::Quantity;

pub(super) struct Ctx<'a> {
    pub old: &'a BTreeMap<Id, Previous>,
    pub new: &'a BTreeMap<Id, Value>,
    /// PersistentVolumeClaims found among the earlier objects (live input).
    pub pvcs: &'a [Value],
}

/// What the API server lets a StatefulSet update change; every other field of its
/// `spec` is immutable.
const STATEFULSET_MUTABLE: [&str; 7] = [
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// Most PVC names listed per claim template.
const MAX_ORDINALS: u64 = 1000;

fn kind(id: &Id) -> &str {
    &id.1
}

fn is_apps(id: &Id) -> bool {
    id.0 == "apps"
}

fn mode(p: &Previous) -> Mode {
    if p.live { Mode::Live } else { Mode::Exact }
}

fn claim_names(sts: &Value) -> Vec<String> {
    sts.pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|t| t.pointer("/metadata/name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn claim_size(sts: &Value, claim: &str) -> Option<Quantity> {
    sts.pointer("/spec/volumeClaimTemplates")?
        .as_array()?
        .iter()
        .find(|t| t.pointer("/metadata/name").and_then(Value::as_str) == Some(claim))?
        .pointer("/spec/resources/requests/storage")
        .and_then(|v| match v {
            Value::String(s) => Quantity::parse(s).ok(),
            Value::Number(n) => Quantity::parse(&n.to_string()).ok(),
            _ => None,
        })
}

/// The PVCs a StatefulSet's claim templates produce (`<claim>-<sts>-<ordinal>`), plus
/// those of that pattern among the earlier objects (from an earlier scale-down).
fn pvcs_of(ctx: &Ctx<'_>, id: &Id, p: &Previous) -> Vec<String> {
    let (_, _, ns, name) = id;
    let mut out: Vec<String> = Vec::new();
    for claim in claim_names(&p.object) {
        // Bounded: a hand-edited `replicas` must not make the list endless.
        for i in 0..p.replicas.unwrap_or(1).min(MAX_ORDINALS) {
            out.push(format!("{claim}-{name}-{i}"));
        }
        let prefix = format!("{claim}-{name}-");
        for pvc in ctx.pvcs {
            let pvc_ns = pvc.pointer("/metadata/namespace").and_then(Value::as_str);
            let Some(pvc_name) = pvc.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            let ordinal = pvc_name.strip_prefix(&prefix);
            if pvc_ns == Some(ns.as_str())
                && ordinal.is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
                && !out.iter().any(|n| n == pvc_name)
            {
                out.push(pvc_name.to_owned());
            }
        }
    }
    out
}

fn delete_cmd(id: &Id, pvcs: &[String]) -> String {
    format!("kubectl -n {} delete pvc {}", id.2, pvcs.join(" "))
}

/// Immutable fields of StatefulSets, Deployments and DaemonSets, and shrinking claims.
pub(super) fn immutable(ctx: &Ctx<'_>, out: &mut Vec<Change>) {
    for (id, p) in ctx.old {
        let Some(new) = ctx.new.get(id) else { continue };
        if !is_apps(id) {
            continue;
        }
        let (_, k, ns, name) = id;
        let obj = describe(id);
        let old_spec = p.object.get("spec").cloned().unwrap_or(Value::Null);
        let new_spec = new.get("spec").cloned().unwrap_or(Value::Null);
        let field = |key: &str| -> (Value, Value) {
            (
                old_spec.get(key).cloned().unwrap_or(Value::Null),
                new_spec.get(key).cloned().unwrap_or(Value::Null),
            )
        };
        match kind(id) {
            "StatefulSet" => {
                let mut keys: Vec<String> = new_spec
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                if mode(p) == Mode::Exact
                    && let Some(m) = old_spec.as_object()
                {
                    keys.extend(
                        m.keys()
                            .filter(|k| !keys.contains(k))
                            .cloned()
                            .collect::<Vec<_>>(),
                    );
                }
                let pvcs = pvcs_of(ctx, id, p);
                for key in keys
                    .iter()
                    .filter(|k| !STATEFULSET_MUTABLE.contains(&k.as_str()))
                {
                    let (a, b) = field(key);
                    let changed = match old_spec.get(key.as_str()) {
                        None if mode(p) == Mode::Live => false,
                        _ => !diff::same(&a, &b, mode(p)),
                    };
                    if !changed {
                        continue;
                    }
                    let (what, fix) = if key == "selector" {
                        (
                            "its pod selector".to_owned(),
                            format!(
                                "kubectl -n {ns} delete statefulset {name}, then apply: the PVCs \
                                 ({}) are retained and claimed again by name; {name} is down \
                                 until its new pods are ready (with --cascade=orphan the old \
                                 pods would keep their names and block the new ones)",
                                pvcs.join(", ")
                            ),
                        )
                    } else {
                        (
                            format!("spec.{key}"),
                            format!(
                                "kubectl -n {ns} delete statefulset {name} --cascade=orphan, then \
                                 apply: the pods keep running, the new StatefulSet adopts them \
                                 and claims the same PVCs ({}) by name",
                                pvcs.join(", ")
                            ),
                        )
                    };
                    let mut message = format!(
                        "{what} changes, and a StatefulSet's spec.{key} is immutable: kubectl \
                         apply fails on it (after applying the objects before it)."
                    );
                    if key == "volumeClaimTemplates" {
                        message.push_str(&grown(id, p, new, &pvcs));
                    }
                    out.push(
                        Change::new(Severity::Refused, "immutable-field", message)
                            .object(&obj)
                            .field(format!("spec.{key}"))
                            .fix(fix),
                    );
                }
                shrinking(id, p, new, &pvcs, out);
            }
            "Deployment" | "DaemonSet" => {
                let (a, b) = field("selector");
                if old_spec.get("selector").is_some() && !diff::same(&a, &b, mode(p)) {
                    let resumes = if k == "DaemonSet" {
                        " (Promtail keeps its read positions on the node and resumes where it stopped)"
                    } else {
                        ""
                    };
                    out.push(
                        Change::new(
                            Severity::Refused,
                            "immutable-field",
                            format!(
                                "its pod selector changes, and a {k}'s spec.selector is \
                                 immutable: kubectl apply fails on it (after applying the \
                                 objects before it)."
                            ),
                        )
                        .object(&obj)
                        .field("spec.selector")
                        .fix(format!(
                            "kubectl -n {ns} delete {} {name}, then apply: {name} is down until \
                             its new pods are ready{resumes}",
                            k.to_ascii_lowercase()
                        )),
                    );
                }
            }
            _ => {}
        }
    }
}

/// A claim template that grows: the existing PVCs keep their size.
fn grown(id: &Id, p: &Previous, new: &Value, pvcs: &[String]) -> String {
    let mut notes = String::new();
    for claim in claim_names(new) {
        if let (Some(a), Some(b)) = (claim_size(&p.object, &claim), claim_size(new, &claim))
            && b.value() > a.value()
        {
            let mine: Vec<&String> = pvcs
                .iter()
                .filter(|n| n.starts_with(&format!("{claim}-")))
                .collect();
            notes.push_str(&format!(
                " Claim {claim} grows from {} to {}: a StatefulSet never resizes existing PVCs; \
                 after recreating it, expand them: kubectl -n {} patch pvc {} -p \
                 '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{}\"}}}}}}}}' (the \
                 StorageClass must allow volume expansion).",
                a.as_str(),
                b.as_str(),
                id.2,
                mine.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                b.as_str()
            ));
        }
    }
    notes
}

fn shrinking(id: &Id, p: &Previous, new: &Value, pvcs: &[String], out: &mut Vec<Change>) {
    for claim in claim_names(new) {
        let (Some(a), Some(b)) = (claim_size(&p.object, &claim), claim_size(new, &claim)) else {
            continue;
        };
        if b.value() >= a.value() {
            continue;
        }
        let mine: Vec<&str> = pvcs
            .iter()
            .filter(|n| n.starts_with(&format!("{claim}-")))
            .map(String::as_str)
            .collect();
        out.push(
            Change::new(
                Severity::Warning,
                "pvc-shrink",
                format!(
                    "volume claim template {claim} asks for {} instead of {}: a PVC cannot \
                     shrink, so the existing ones ({}) stay {} and only new replicas get {}",
                    b.as_str(),
                    a.as_str(),
                    mine.join(", "),
                    a.as_str(),
                    b.as_str()
                ),
            )
            .object(describe(id))
            .field(format!("spec.volumeClaimTemplates[{claim}]"))
            .fix("keep the size (a smaller disk needs a new PVC and a copy of the data)"),
        );
    }
}

/// StatefulSets that are no longer rendered leave their PVCs behind (retained on delete).
pub(super) fn orphaned(ctx: &Ctx<'_>, out: &mut Vec<Change>) {
    for (id, p) in ctx.old {
        if kind(id) != "StatefulSet" || ctx.new.contains_key(id) {
            continue;
        }
        let pvcs = pvcs_of(ctx, id, p);
        if pvcs.is_empty() {
            continue;
        }
        out.push(
            Change::new(
                Severity::Warning,
                "pvcs-orphaned",
                format!(
                    "is no longer rendered: its PVCs {} are retained when it is deleted, and \
                     nothing claims them again (their logs are no longer read)",
                    pvcs.join(", ")
                ),
            )
            .object(describe(id))
            .fix(format!(
                "once their data is not needed: {}",
                delete_cmd(id, &pvcs)
            )),
        );
    }
}

/// The earlier objects belong to another LokiStack: this config renamed the stack.
pub(super) fn renamed(ctx: &Ctx<'_>, from: &str, to: &str, out: &mut Vec<Change>) {
    let mut orphans: Vec<String> = Vec::new();
    let mut reclaimed: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    for (id, p) in ctx.old.iter().filter(|(id, _)| kind(id) == "StatefulSet") {
        let pvcs = pvcs_of(ctx, id, p);
        let claims_again = ctx.new.get(id).map(claim_names).unwrap_or_default();
        let (kept, lost): (Vec<String>, Vec<String>) = pvcs.into_iter().partition(|n| {
            claims_again
                .iter()
                .any(|c| n.starts_with(&format!("{c}-{}-", id.3)))
        });
        if !lost.is_empty() {
            commands.push(delete_cmd(id, &lost));
        }
        orphans.extend(lost.into_iter().map(|n| format!("{}/{n}", id.2)));
        reclaimed.extend(kept.into_iter().map(|n| format!("{}/{n}", id.2)));
    }
    let mut message = format!(
        "the stack is renamed: the earlier objects belong to {from}, this config is {to} \
         (metadata.name or metadata.namespace of the LokiStack changed)."
    );
    if orphans.is_empty() {
        message.push_str(" No PVC is orphaned");
    } else {
        message.push_str(&format!(
            " The old stack's PVCs {} are orphaned: nothing claims them, and their logs are no \
             longer read",
            orphans.join(", ")
        ));
    }
    if !reclaimed.is_empty() {
        message.push_str(&format!(
            "; {} are claimed again by name by the new StatefulSets of the same names",
            reclaimed.join(", ")
        ));
    }
    message.push('.');
    let mut change =
        Change::new(Severity::Warning, "stack-renamed", message).field("metadata.name");
    change = if commands.is_empty() {
        change.fix("keep the old name if the objects are meant to stay the same")
    } else {
        change.fix(format!(
            "keep the old name, or delete the orphaned PVCs once their data is not needed: {}",
            commands.join("; ")
        ))
    };
    out.push(change);
}
