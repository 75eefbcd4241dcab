//! `spec.collector`: which agent collects, and what it collects, redacts and labels.

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;
use super::shared::ResourcesSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum CollectorKind {
    /// Promtail 3.6 (end-of-life upstream since 2026-03-02).
    Promtail,
    /// Fluent Bit 5.1 (maintained; also receives Talos' own logs before 1.12).
    FluentBit,
}

/// The log collector on every node (control plane included).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectorSpec {
    /// `Promtail` (the default) or `FluentBit`: the same jobs, labels, levels and
    /// redaction either way.
    pub kind: Option<CollectorKind>,
    /// Pinned collector image. Default `docker.io/grafana/promtail:3.6.11`, or
    /// `cr.fluentbit.io/fluent/fluent-bit:5.1.1` with `kind: FluentBit`.
    #[schemars(transform = rules::image)]
    pub image: Option<String>,
    /// Default: requests 50m CPU / 64Mi, memory limit 256Mi.
    pub resources: Option<ResourcesSpec>,
    /// The pods' logs (`job="kubernetes-pods"`).
    pub pods: Option<PodsSpec>,
    /// Host directory (on a persistent filesystem, not `/run`, `/tmp` or `/var/log`)
    /// where the collector keeps read offsets. Default `/var/lib/promtail`, or
    /// `/var/lib/fluent-bit` with `kind: FluentBit`.
    #[schemars(transform = rules::absolute_path)]
    pub positions_dir: Option<String>,
    /// What Talos itself logs to the node's /var/log.
    pub talos: Option<TalosLogsSpec>,
    /// Namespaces whose logs may carry secrets, e.g. `[vault, external-secrets]`:
    /// redaction applies to them (refused when collected with no redaction rule).
    #[schemars(transform = rules::unique_dns_labels)]
    pub sensitive_namespaces: Option<Vec<String>>,
    /// Which rules redact, and where.
    pub redaction: Option<RedactionSpec>,
    /// At most 5 keys of JSON or logfmt lines that become Loki labels, e.g.
    /// `[component]`: bounded values only (ids, users, paths, times... are refused: use
    /// `structuredMetadata`).
    #[schemars(length(max = 5), transform = rules::label_names, transform = rules::unique)]
    pub extra_labels: Option<Vec<String>>,
    /// At most 32 keys of JSON or logfmt lines kept as structured metadata (ids, users,
    /// paths...), searchable without being labels, e.g. `[trace_id, user_id]`.
    #[schemars(length(max = 32), transform = rules::label_names, transform = rules::unique)]
    pub structured_metadata: Option<Vec<String>>,
    /// What the collector does while Loki cannot be reached: how long it retries, and
    /// (Fluent Bit) how much it keeps on the node's disk meanwhile.
    pub delivery: Option<DeliverySpec>,
}

/// Delivery while Loki (or the gateway, or the network to it) is down.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeliverySpec {
    /// How long one batch of lines is retried before it is given up (and counted as
    /// dropped), 5m to 24h. Default `1h`. Loki's ingesters are set to accept lines that
    /// late.
    #[schemars(transform = rules::duration)]
    pub retry_for: Option<String>,
    /// `kind: FluentBit` only: how much Fluent Bit keeps on the node's disk (under
    /// `positionsDir`) while it cannot deliver, at least 64Mi; when full, the oldest
    /// chunks are dropped and counted. Default `1Gi`. Promtail has no disk buffer.
    #[schemars(transform = rules::quantity)]
    pub buffer_size: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsSpec {
    /// Namespaces whose pods are not collected (also: the annotation
    /// `logs.lokistack.krm.dev/enabled: "false"` on a pod or namespace).
    #[schemars(transform = rules::unique_dns_labels)]
    pub exclude_namespaces: Option<Vec<String>>,
    /// Joins multi-line entries (stack traces) of the pods that match.
    pub multiline: Option<Vec<MultilineSpec>>,
}

/// Multi-line joining for the containers of one namespace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MultilineSpec {
    /// Required: the pods' namespace.
    #[schemars(transform = rules::dns_label)]
    pub namespace: Option<String>,
    /// One container's name; all containers of the namespace when absent.
    #[schemars(transform = rules::dns_label)]
    pub container: Option<String>,
    /// Required: Go RE2 regex of a line that starts a new entry, e.g.
    /// `^\d{4}-\d{2}-\d{2}`.
    #[schemars(transform = rules::re2)]
    pub firstline: Option<String>,
    /// How long Promtail waits for the next line of an entry, 1ms to 1m. Default `3s`.
    #[schemars(transform = rules::duration)]
    pub max_wait_time: Option<String>,
    /// Most lines of one entry, 2 to 1000. Default 128.
    #[schemars(range(min = 2, max = 1000))]
    pub max_lines: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TalosLogsSpec {
    /// `/var/log/<service>.log` of Talos >= 1.12 as `job="machine-logs"`. Default true.
    pub system_logs: Option<bool>,
    /// The kube-apiserver audit log of control-plane nodes as `job="kube-audit"` (gives
    /// the collector CAP_DAC_READ_SEARCH). Default true.
    pub audit_logs: Option<bool>,
    /// Talos before 1.12: receives what `machine.logging.destinations` and
    /// `talos.logging.kernel` send (JSON lines over TCP) on the node's loopback, as
    /// `job="machine-logs"`. Needs `kind: FluentBit`.
    pub receiver: Option<ReceiverSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReceiverSpec {
    /// Default false.
    pub enabled: Option<bool>,
    /// TCP port on 127.0.0.1 of every node, 1024 to 65535. Default 5170 (Fluent Bit's
    /// own default for its TCP input; no Talos or Kubernetes service uses it).
    #[schemars(range(min = 1024, max = 65535), transform = rules::receiver_port)]
    pub port: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RedactionScope {
    /// Only the pods of `sensitiveNamespaces`.
    SensitiveNamespaces,
    /// Every line of every job.
    All,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedactionSpec {
    /// Built-in rule sets by name, each at most once; all of them when absent. `[]`
    /// turns them off (then a collected sensitive namespace needs `rules`).
    #[schemars(transform = rules::builtin_sets, transform = rules::unique)]
    pub builtin: Option<Vec<String>>,
    /// Custom rules, run after the built-in ones.
    pub rules: Option<Vec<RedactionRuleSpec>>,
    /// Where the rules apply. Default `SensitiveNamespaces`.
    pub scope: Option<RedactionScope>,
}

/// A custom redaction rule.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedactionRuleSpec {
    /// Required, unique: the rule's name (a DNS-1123 label), e.g. `card-number`.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// Required: Go RE2 regex with at least one capture group; what the groups match is
    /// replaced, e.g. `token=([^ ]+)`. Write `\\` as `\x5c`; `${` is refused.
    #[schemars(transform = rules::re2)]
    pub regex: Option<String>,
    /// Constant text put in place of each group, at most 64 characters, without `{{`,
    /// `$` escapes or `\`. Default `[REDACTED]`.
    #[schemars(transform = rules::replacement)]
    pub replace: Option<String>,
}
