//! Redaction: one `replace` stage per rule, scoped to the sensitive namespaces' pod
//! streams (or to every line of every job), placed after the stages that assemble an
//! entry (cri, multiline) and before anything reads it.

use super::model::{Replace, Stage};
use super::stages::{stream, with_match};
use crate::collection::PODS_JOB as JOB;
use crate::spec::Resolved;
use crate::spec::collector::RedactionScope;

fn replace_stages(r: &Resolved) -> Vec<Stage> {
    r.collector
        .redaction
        .iter()
        .map(|rule| {
            Stage::Replace(Replace {
                expression: rule.regex.clone(),
                replace: rule.replace.clone(),
            })
        })
        .collect()
}

/// The redaction stages of the pod job.
pub fn for_pods(r: &Resolved) -> Vec<Stage> {
    let c = &r.collector;
    match c.redaction_scope {
        RedactionScope::All => replace_stages(r),
        RedactionScope::SensitiveNamespaces if c.sensitive_namespaces.is_empty() => Vec::new(),
        RedactionScope::SensitiveNamespaces => vec![with_match(
            stream(&[
                ("job", "=", JOB),
                ("namespace", "=~", &c.sensitive_namespaces.join("|")),
            ]),
            replace_stages(r),
        )],
    }
}

/// The redaction stages of a job that reads node files (system logs, audit).
pub fn for_node_files(r: &Resolved) -> Vec<Stage> {
    match r.collector.redaction_scope {
        RedactionScope::All => replace_stages(r),
        RedactionScope::SensitiveNamespaces => Vec::new(),
    }
}
