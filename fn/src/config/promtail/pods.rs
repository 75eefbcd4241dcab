//! `job="kubernetes-pods"`: the CRI log files of the pods on Promtail's own node.

use std::collections::BTreeMap;

use super::levels::{level_label, parse_json_or_logfmt};
use super::model::{
    AttachMetadata, KubernetesSd, Multiline, Relabel, ScrapeConfig, SdSelector, Stage,
};
use super::redact;
use super::stages::NODE_ENV;
use super::stages::{drop_matching, drop_too_old, stream, with_match};
use crate::spec::Resolved;

pub const JOB: &str = crate::collection::PODS_JOB;
pub const LOG_DIR: &str = crate::collection::PODS_LOG_DIR;
/// `drop_counter_reason` of Promtail's own debug lines.
pub const OWN_DEBUG_REASON: &str = "promtail_debug";

fn relabel_replace(source: &[&'static str], target: &'static str) -> Relabel {
    Relabel {
        source_labels: source.to_vec(),
        target_label: Some(target),
        action: "replace",
        ..Relabel::default()
    }
}

/// `OPT_OUT_ANNOTATION` as Prometheus' pod discovery spells it, on the pod and on its
/// namespace (`attach_metadata: {namespace: true}`).
pub const OPT_OUT_META: [&str; 2] = [
    "__meta_kubernetes_pod_annotation_logs_lokistack_krm_dev_enabled",
    "__meta_kubernetes_namespace_annotation_logs_lokistack_krm_dev_enabled",
];

/// `collection::APP_LABEL_SOURCES` as Prometheus' pod discovery spells them.
pub const APP_SOURCE_META: [&str; 4] = [
    "__meta_kubernetes_pod_label_app_kubernetes_io_name",
    "__meta_kubernetes_pod_label_app",
    "__meta_kubernetes_pod_label_k8s_app",
    "__meta_kubernetes_pod_label_component",
];

/// Prometheus' label-name spelling of an annotation (every other character is `_`).
#[cfg(test)]
fn meta_name(role: &str, annotation: &str) -> String {
    let name: String = annotation
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__meta_kubernetes_{role}_annotation_{name}")
}

fn pipeline(r: &Resolved) -> Vec<Stage> {
    let c = &r.collector;
    let base = stream(&[("job", "=", JOB)]);
    let mut out = vec![Stage::Cri(BTreeMap::new())];
    // Joined before anything reads the entry, so redaction sees whole stack traces.
    for m in &c.multiline {
        let mut matchers = vec![("job", "=", JOB), ("namespace", "=", m.namespace.as_str())];
        if let Some(container) = &m.container {
            matchers.push(("container", "=", container.as_str()));
        }
        out.push(with_match(
            stream(&matchers),
            vec![Stage::Multiline(Multiline {
                firstline: m.firstline.clone(),
                max_wait_time: m.max_wait_time.as_str().to_owned(),
                max_lines: m.max_lines,
            })],
        ));
    }
    // After `cri`, which sets the entry's timestamp from the line.
    out.push(drop_too_old(r));
    out.extend(redact::for_pods(r));
    let keys: Vec<String> = c
        .extra_labels
        .iter()
        .chain(&c.structured_metadata)
        .cloned()
        .collect();
    out.extend(parse_json_or_logfmt(&base, &keys));
    out.extend(level_label());
    if !c.extra_labels.is_empty() {
        out.push(Stage::Labels(
            c.extra_labels
                .iter()
                .map(|k| (k.clone(), k.clone()))
                .collect(),
        ));
    }
    if !c.structured_metadata.is_empty() {
        out.push(Stage::StructuredMetadata(
            c.structured_metadata
                .iter()
                .map(|k| (k.clone(), k.clone()))
                .collect(),
        ));
    }
    // Promtail's own debug output (when someone turns it on) is not worth storing.
    out.push(drop_matching(
        stream(&[
            ("job", "=", JOB),
            ("namespace", "=", &r.namespace),
            ("container", "=", crate::contract::PROMTAIL),
            ("level", "=", "debug"),
        ]),
        OWN_DEBUG_REASON,
    ));
    out.push(Stage::Labeldrop(vec!["filename"]));
    out
}

fn relabels(r: &Resolved) -> Vec<Relabel> {
    let mut out = Vec::new();
    if !r.collector.exclude_namespaces.is_empty() {
        out.push(Relabel {
            source_labels: vec!["__meta_kubernetes_namespace"],
            regex: Some(r.collector.exclude_namespaces.join("|")),
            action: "drop",
            ..Relabel::default()
        });
    }
    // Opt-out: `logs.lokistack.krm.dev/enabled: "false"` on the pod or its namespace.
    for meta in OPT_OUT_META {
        out.push(Relabel {
            source_labels: vec![meta],
            regex: Some("(?i)false".to_owned()),
            action: "drop",
            ..Relabel::default()
        });
    }
    out.extend([
        // Promtail tails only targets whose __host__ is its own HOSTNAME (the node).
        relabel_replace(&["__meta_kubernetes_pod_node_name"], "__host__"),
        Relabel {
            source_labels: vec!["__meta_kubernetes_pod_controller_name"],
            regex: Some(format!(
                "([0-9a-z-.]+?){}",
                crate::collection::CONTROLLER_HASH_SUFFIX
            )),
            target_label: Some("__tmp_controller_name"),
            action: "replace",
            ..Relabel::default()
        },
        Relabel {
            // The first that is set: the recommended label, the classic ones (system pods
            // and Talos' static control-plane pods use k8s-app / component), the owning
            // controller without its hash suffix, the pod name.
            source_labels: APP_SOURCE_META
                .into_iter()
                .chain(["__tmp_controller_name", "__meta_kubernetes_pod_name"])
                .collect(),
            regex: Some("^;*([^;]+)(;.*)?$".to_owned()),
            target_label: Some("app"),
            action: "replace",
            ..Relabel::default()
        },
        relabel_replace(&["__meta_kubernetes_namespace"], "namespace"),
        relabel_replace(&["__meta_kubernetes_pod_name"], "pod"),
        relabel_replace(&["__meta_kubernetes_pod_container_name"], "container"),
        relabel_replace(&["__meta_kubernetes_pod_node_name"], "node"),
        Relabel {
            target_label: Some("job"),
            replacement: Some(JOB),
            action: "replace",
            ..Relabel::default()
        },
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_uid",
                "__meta_kubernetes_pod_container_name",
            ],
            separator: Some("/"),
            target_label: Some("__path__"),
            replacement: Some("/var/log/pods/*$1/*.log"),
            action: "replace",
            ..Relabel::default()
        },
        // Static pods (the control plane on Talos) log under their config hash, not the
        // mirror pod's UID.
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash",
                "__meta_kubernetes_pod_annotation_kubernetes_io_config_hash",
                "__meta_kubernetes_pod_container_name",
            ],
            separator: Some("/"),
            regex: Some("true/(.*)".to_owned()),
            target_label: Some("__path__"),
            replacement: Some("/var/log/pods/*$1/*.log"),
            action: "replace",
        },
    ]);
    out
}

pub fn scrape_config(r: &Resolved) -> ScrapeConfig {
    ScrapeConfig {
        job_name: JOB,
        kubernetes_sd_configs: vec![KubernetesSd {
            role: "pod",
            selectors: vec![SdSelector {
                role: "pod",
                field: format!("spec.nodeName=${{{NODE_ENV}}}"),
            }],
            attach_metadata: Some(AttachMetadata { namespace: true }),
        }],
        static_configs: Vec::new(),
        pipeline_stages: pipeline(r),
        relabel_configs: relabels(r),
    }
}

#[cfg(test)]
pub(super) fn relabels_for_test(r: &Resolved) -> Vec<Relabel> {
    relabels(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_opt_out_meta_labels_spell_the_annotation() {
        use crate::spec::collector::OPT_OUT_ANNOTATION;
        assert_eq!(
            super::OPT_OUT_META[0],
            super::meta_name("pod", OPT_OUT_ANNOTATION)
        );
        assert_eq!(
            super::OPT_OUT_META[1],
            super::meta_name("namespace", OPT_OUT_ANNOTATION)
        );
    }

    #[test]
    fn the_app_source_meta_labels_spell_the_contract_labels() {
        for (meta, label) in super::APP_SOURCE_META
            .iter()
            .zip(crate::collection::APP_LABEL_SOURCES)
        {
            let name = super::meta_name("pod", label).replace("_annotation_", "_label_");
            assert_eq!(*meta, name);
        }
    }
}
