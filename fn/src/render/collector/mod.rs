//! The log collector as a DaemonSet on every node, reading the node's log files: what
//! every agent shares (RBAC, Service, the pod's security and placement), and one module
//! per agent for its config and container.
//!
//! The one deliberate exception to Pod Security "restricted" in the stack: the collector
//! mounts the node's `/var/log` (read-only; only `/var/log/pods` when Talos' own logs
//! and the audit log are off) and its positions directory from the host, and runs as
//! root because the kubelet and Talos write logs as root with mode 0640. With the
//! kube-apiserver audit log on, it adds exactly one capability, CAP_DAC_READ_SEARCH:
//! the audit directory is 0700 and owned by another user (65534). It keeps every other
//! restriction: no other capability, no privilege escalation, read-only root
//! filesystem, RuntimeDefault seccomp, no host PID/IPC. Fluent Bit with the Talos
//! receiver on also uses the host network, to listen on the node's loopback.

mod common;
pub mod fluentbit;
pub mod promtail;

pub use common::*;

use serde_json::Value;

use crate::spec::Resolved;
use crate::spec::collector::CollectorKind;

/// Every object of the collector.
pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    match r.collector.kind {
        CollectorKind::Promtail => promtail::objects(r),
        CollectorKind::FluentBit => fluentbit::objects(r),
    }
}
