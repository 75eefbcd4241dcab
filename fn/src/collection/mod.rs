//! The collection contract, agent-independent: what every collector (Promtail, Fluent
//! Bit) promises about jobs, labels, levels, redaction, old lines and where it ships.
//! Each agent's `config` module translates this into its own configuration.

pub mod delivery;
pub mod levels;
pub mod talos;
pub mod target;

use crate::spec::Resolved;
use crate::spec::collector::RedactionScope;

/// `job` of the pods' CRI log files.
pub const PODS_JOB: &str = "kubernetes-pods";
/// `job` of Talos' own service logs (files on >= 1.12, the receiver before).
pub const MACHINE_JOB: &str = "machine-logs";
/// `job` of the kube-apiserver audit log of control-plane nodes.
pub const AUDIT_JOB: &str = "kube-audit";

/// The node's log root: mounted whole (read-only) when Talos' own logs are collected.
pub const NODE_LOG_DIR: &str = "/var/log";
/// The pods' CRI log files: `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log`.
pub const PODS_LOG_DIR: &str = "/var/log/pods";

/// Pod labels that name the `app`, in order; the first that is set wins. After them:
/// the owning controller's name without its hash suffix, then the pod's name.
/// (System pods and Talos' static control-plane pods use `k8s-app` / `component`.)
pub const APP_LABEL_SOURCES: [&str; 4] = ["app.kubernetes.io/name", "app", "k8s-app", "component"];
/// The hash suffix a controller name may carry (ReplicaSet of a Deployment, Job of a
/// CronJob): `-` and 8 to 10 lowercase hex digits, cut to find the `app`.
pub const CONTROLLER_HASH_SUFFIX: &str = "(-[0-9a-f]{8,10})?";

/// How much sooner than Loki's limit lines are dropped: a batch may wait and be retried
/// for minutes before Loki sees it.
pub const OLD_LINE_MARGIN_MS: u64 = 10 * 60_000;

/// Lines whose time is older than this (ms before now) are dropped before they are
/// sent: Loki refuses samples older than `reject_old_samples_max_age` (derived from the
/// same retention), and without the drop the first start on a node with a few days of
/// logs sends batches Loki answers with 400 "timestamp too old". At least a minute.
pub fn old_line_window_ms(r: &Resolved) -> u64 {
    crate::config::loki::max_sample_age_ms(r)
        .saturating_sub(OLD_LINE_MARGIN_MS)
        .max(60_000)
}

/// Whether the redaction rules apply to the pod lines of `namespace`.
pub fn redacts_pods_of(r: &Resolved, namespace: &str) -> bool {
    let c = &r.collector;
    !c.redaction.is_empty()
        && match c.redaction_scope {
            RedactionScope::All => true,
            RedactionScope::SensitiveNamespaces => {
                c.sensitive_namespaces.iter().any(|n| n == namespace)
            }
        }
}

/// Whether the redaction rules apply to the node's own files (Talos services, audit).
pub fn redacts_node_files(r: &Resolved) -> bool {
    !r.collector.redaction.is_empty() && r.collector.redaction_scope == RedactionScope::All
}
