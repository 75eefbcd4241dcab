//! `spec.collector`: what Promtail collects, redacts and labels.

use serde::Deserialize;

use super::ResourcesSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CollectorKind {
    Promtail,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectorSpec {
    pub kind: Option<CollectorKind>,
    pub image: Option<String>,
    pub resources: Option<ResourcesSpec>,
    pub pods: Option<PodsSpec>,
    /// Host directory (on a persistent filesystem) where Promtail keeps read offsets.
    pub positions_dir: Option<String>,
    /// What Talos itself logs to the node's /var/log.
    pub talos: Option<TalosLogsSpec>,
    /// Namespaces whose logs may carry secrets: redaction applies to them.
    pub sensitive_namespaces: Option<Vec<String>>,
    pub redaction: Option<RedactionSpec>,
    /// Keys of JSON or logfmt lines that become Loki labels (bounded values only).
    pub extra_labels: Option<Vec<String>>,
    /// Keys of JSON or logfmt lines kept as structured metadata (ids, users, paths...).
    pub structured_metadata: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsSpec {
    pub exclude_namespaces: Option<Vec<String>>,
    /// Joins multi-line entries (stack traces) of the pods that match.
    pub multiline: Option<Vec<MultilineSpec>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MultilineSpec {
    pub namespace: Option<String>,
    /// All containers of the namespace when absent.
    pub container: Option<String>,
    /// RE2 regex of a line that starts a new entry.
    pub firstline: Option<String>,
    pub max_wait_time: Option<String>,
    pub max_lines: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TalosLogsSpec {
    /// `/var/log/<service>.log` of Talos >= 1.12 as `job="machine-logs"`.
    pub system_logs: Option<bool>,
    /// The kube-apiserver audit log of control-plane nodes as `job="kube-audit"`.
    pub audit_logs: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RedactionScope {
    /// Only the pods of `sensitiveNamespaces`.
    SensitiveNamespaces,
    /// Every line of every job.
    All,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedactionSpec {
    /// Built-in rule sets by name; all of them when absent.
    pub builtin: Option<Vec<String>>,
    pub rules: Option<Vec<RedactionRuleSpec>>,
    pub scope: Option<RedactionScope>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedactionRuleSpec {
    pub name: Option<String>,
    /// RE2 regex; what its capture groups match is replaced.
    pub regex: Option<String>,
    pub replace: Option<String>,
}
