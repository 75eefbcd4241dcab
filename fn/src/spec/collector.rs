//! What the collector collects, after defaults and checks: the resolved `spec.collector`.

use super::duration::Duration;
use super::quantity::Quantity;
use super::resources::Resources;
pub use super::types::rules::{RESERVED_LABELS, TAKEN_PORTS};
pub use super::types::{CollectorKind, RedactionScope};

#[derive(Debug, Clone)]
pub struct Collector {
    pub kind: CollectorKind,
    pub image: String,
    pub resources: Resources,
    pub exclude_namespaces: Vec<String>,
    pub positions_dir: String,
    /// `/var/log/<service>.log` of Talos >= 1.12 (`job="machine-logs"`).
    pub system_logs: bool,
    /// The kube-apiserver audit log of control planes (`job="kube-audit"`).
    pub audit_logs: bool,
    /// Talos' JSON-lines sender (before 1.12): the port on the node's loopback.
    pub receiver_port: Option<u16>,
    /// Collected namespaces the redaction rules apply to (excluded ones are dropped).
    pub sensitive_namespaces: Vec<String>,
    /// In order: the built-in sets' rules, then the custom ones.
    pub redaction: Vec<RedactionRule>,
    pub redaction_scope: RedactionScope,
    /// Keys of JSON/logfmt lines that become labels, next to `level`.
    pub extra_labels: Vec<String>,
    /// Keys of JSON/logfmt lines kept as structured metadata.
    pub structured_metadata: Vec<String>,
    pub multiline: Vec<Multiline>,
    pub delivery: Delivery,
}

/// `spec.collector.delivery`: what happens while Loki cannot be reached.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// How long one batch (Promtail) or chunk (Fluent Bit) is retried, at least.
    pub retry_for: Duration,
    /// Fluent Bit's buffer on the node's disk; `None` with Promtail (it has none).
    pub buffer: Option<Quantity>,
}

/// `retryFor` bounds: 5 minutes (an alert fires at 5) to a day.
pub const MIN_RETRY_FOR_MS: u64 = 5 * 60_000;
pub const MAX_RETRY_FOR_MS: u64 = 24 * 3_600_000;
/// `bufferSize` at least 32 of Fluent Bit's 2 MB chunks.
pub const MIN_BUFFER_BYTES: f64 = 64.0 * 1_048_576.0;

/// Default port of the Talos receiver: Fluent Bit's own default for its TCP input.
pub const RECEIVER_PORT: u16 = 5170;

impl CollectorKind {
    /// The name of its objects (DaemonSet, ServiceAccount, config, Service, monitor,
    /// cluster RBAC) and its pods' `app` label.
    pub fn name(self) -> &'static str {
        match self {
            CollectorKind::Promtail => "promtail",
            CollectorKind::FluentBit => "fluent-bit",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RedactionRule {
    /// `<set>/<rule>` for built-in rules, the user's name otherwise.
    pub name: String,
    /// Go RE2, ready for the Promtail config (expand-env safe).
    pub regex: String,
    pub replace: String,
}

#[derive(Debug, Clone)]
pub struct Multiline {
    pub namespace: String,
    pub container: Option<String>,
    /// Go RE2, ready for the Promtail config (expand-env safe).
    pub firstline: String,
    pub max_wait_time: Duration,
    pub max_lines: u32,
}

/// The pod (or namespace) annotation that turns collection off with "false".
pub const OPT_OUT_ANNOTATION: &str = "logs.lokistack.krm.dev/enabled";

/// Loki's default `max_label_names_per_series` is 15; the stack sets up to 9 itself
/// (job, namespace, pod, container, node, app, level, stream and Loki's own
/// service_name).
pub const MAX_EXTRA_LABELS: usize = 5;
