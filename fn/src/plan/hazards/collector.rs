//! A switch of the log collector (`spec.collector.kind`): the two agents keep their read
//! positions in different files on the nodes, so the new one does not start where the
//! old one stopped.

use std::collections::BTreeMap;

use serde_json::Value;

use super::change::{Change, Id, Severity};
use crate::plan::previous::Previous;

const PROMTAIL: &str = "promtail";
const FLUENT_BIT: &str = "fluent-bit";

/// The collector DaemonSet among the objects, by name.
fn agent<V>(objects: &BTreeMap<Id, V>) -> Option<&str> {
    objects.keys().find_map(|(_, kind, _, name)| {
        (kind == "DaemonSet" && (name == PROMTAIL || name == FLUENT_BIT)).then_some(name.as_str())
    })
}

pub(super) fn check(
    old: &BTreeMap<Id, Previous>,
    new: &BTreeMap<Id, Value>,
    out: &mut Vec<Change>,
) {
    let (Some(from), Some(to)) = (agent(old), agent(new)) else {
        return;
    };
    let change = match (from, to) {
        (PROMTAIL, FLUENT_BIT) => Change::new(
            Severity::Warning,
            "collector-switched",
            "the collector changes from Promtail to Fluent Bit. Fluent Bit does not read \
             Promtail's positions (/var/lib/promtail/positions.yaml): it reads every log file \
             still on each node from its start, so lines Promtail already shipped are sent \
             again, with the same labels and times (lines older than Loki accepts are dropped \
             first). Nothing written while neither agent runs is lost, except files rotated \
             away in those seconds",
        )
        .fix(
            "expect duplicates of what the nodes still hold (kubelet keeps up to 50 MiB per \
             container, Talos 5 MiB per service); switch at a quiet time",
        ),
        (FLUENT_BIT, PROMTAIL) => Change::new(
            Severity::Warning,
            "collector-switched",
            "the collector changes from Fluent Bit back to Promtail. Promtail resumes from the \
             positions it saved before the switch to Fluent Bit, if \
             /var/lib/promtail/positions.yaml is still on the nodes: lines written since then \
             are sent again, and a file rotated since is read from its start if it is shorter \
             than the saved offset, or from that offset if longer (its beginning is skipped). \
             What Fluent Bit still holds in its disk buffer (/var/lib/fluent-bit/buffer) is \
             never sent",
        )
        .fix(
            "switch while Loki is up (Fluent Bit's buffer empty: fluentbit_storage_fs_chunks \
             0), and remove /var/lib/promtail/positions.yaml from every node before \
             switching back (Promtail then reads every file from its start: duplicates, \
             nothing skipped)",
        ),
        _ => return,
    };
    out.push(
        change
            .object(format!("DaemonSet {from} -> {to}"))
            .field("spec.collector.kind"),
    );
}
