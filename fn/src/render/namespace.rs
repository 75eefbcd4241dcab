//! The stack's Namespace, labelled for Pod Security admission.
//!
//! Talos enforces `baseline` cluster-wide; Promtail's hostPath volumes are not allowed
//! by `baseline`, and a DaemonSet that is refused admission silently runs 0 pods. So the
//! namespace enforces `privileged`, and audits and warns at `restricted`, which every
//! pod here but Promtail meets.

use k8s_openapi::api::core::v1::Namespace;

use super::labels;
use super::meta::object_meta;
use crate::spec::Resolved;

pub fn render(r: &Resolved) -> Namespace {
    let mut l = labels::stack(r);
    for (mode, level) in [
        ("enforce", "privileged"),
        ("audit", "restricted"),
        ("warn", "restricted"),
    ] {
        l.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            level.to_owned(),
        );
        l.insert(
            format!("pod-security.kubernetes.io/{mode}-version"),
            "latest".to_owned(),
        );
    }
    Namespace {
        metadata: object_meta(&r.namespace, None, l),
        ..Namespace::default()
    }
}
