//! How the stack's own metrics are selected, for the alerts and dashboards.
//!
//! The ServiceMonitors give every scraped series `job="<namespace>/<component>"` (component:
//! `loki` for the single binary, the target otherwise, `promtail`), and `cluster`,
//! `namespace`, `pod`, `container`. Matchers name only the components the mode runs.

use crate::spec::Resolved;
use crate::spec::resolved::Part;
use crate::spec::types::Mode;

/// The `job` component of a Loki part.
pub fn component(part: Part) -> &'static str {
    match part {
        Part::SingleBinary => "loki",
        other => other.role(),
    }
}

/// A role several components may play, depending on the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Every Loki component.
    Loki,
    /// Receives pushes (counts received and discarded lines).
    Distributor,
    /// Holds streams in memory and flushes chunks.
    Ingester,
    /// Compacts the index and applies retention.
    Compactor,
    /// Answers queries (query-frontend and queriers).
    Read,
    /// The log collector (Promtail or Fluent Bit).
    Collector,
}

/// The components that play `role` in this stack.
pub fn components(r: &Resolved, role: Role) -> Vec<&'static str> {
    if role == Role::Collector {
        return vec![r.collector.kind.name()];
    }
    // An agent runs no Loki component.
    let Some(mode) = r.mode() else {
        return Vec::new();
    };
    match (role, mode) {
        (Role::Loki, _) => Part::of_mode(mode, r.ruler.is_some())
            .into_iter()
            .map(component)
            .collect(),
        (Role::Collector, _) => vec![r.collector.kind.name()],
        (_, Mode::SingleBinary) => vec!["loki"],
        (Role::Distributor | Role::Ingester, Mode::SimpleScalable) => vec!["write"],
        (Role::Compactor, Mode::SimpleScalable) => vec!["backend"],
        (Role::Read, Mode::SimpleScalable) => vec!["read"],
        (Role::Distributor, Mode::Distributed) => vec!["distributor"],
        (Role::Ingester, Mode::Distributed) => vec!["ingester"],
        (Role::Compactor, Mode::Distributed) => vec!["compactor"],
        (Role::Read, Mode::Distributed) => vec!["query-frontend", "querier"],
    }
}

/// `job="<ns>/<component>"` or `job=~"<ns>/(a|b)"`.
pub fn job(r: &Resolved, role: Role) -> String {
    match components(r, role).as_slice() {
        [one] => format!("job=\"{}/{one}\"", r.namespace),
        many => format!("job=~\"{}/({})\"", r.namespace, many.join("|")),
    }
}
