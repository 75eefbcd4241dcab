//! `job="kube-audit"`: the kube-apiserver audit log of Talos control-plane nodes, one
//! `audit.k8s.io/v1` Event (JSON) per line. Workers have no such file; the job then
//! tails nothing.
//!
//! Labels stay bounded: `verb` (the API's fixed verb set: get, list, watch, create,
//! update, patch, delete, deletecollection, and a few more) is the only one taken from
//! the event; the user and the audit id become structured metadata, the URI stays in
//! the line (`| json | requestURI=~"..."`).

use std::collections::BTreeMap;

use super::levels::JSON_LINE;
use super::model::{ScrapeConfig, Stage, StaticConfig};
use super::redact;
use super::stages::NODE_ENV;
use super::stages::{drop_too_old, selector, stream, with_match};
use super::system::{RFC3339_VALUE, time_from};
use crate::spec::Resolved;

pub const JOB: &str = crate::collection::AUDIT_JOB;
pub const LOG_DIR: &str = talos::AUDIT_LOG_DIR;
pub const LOG_FILE: &str = talos::AUDIT_LOG_FILE;
use crate::collection::talos::{self, AUDIT_METADATA as METADATA};

pub fn scrape_config(r: &Resolved) -> ScrapeConfig {
    let mut expressions: BTreeMap<String, String> = METADATA
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    expressions.insert(talos::AUDIT_VERB.to_owned(), talos::AUDIT_VERB.to_owned());
    expressions.insert("raw_time".to_owned(), talos::AUDIT_TIME.to_owned());
    let mut event = vec![Stage::Json(super::model::Json { expressions })];
    event.extend(time_from("raw_time", RFC3339_VALUE, "RFC3339Nano"));
    event.push(Stage::Labels(BTreeMap::from([(
        "verb".to_owned(),
        "verb".to_owned(),
    )])));
    event.push(Stage::StructuredMetadata(
        METADATA
            .iter()
            .map(|(k, _)| ((*k).to_owned(), (*k).to_owned()))
            .collect(),
    ));
    let mut stages = vec![
        Stage::Labeldrop(vec!["filename"]),
        with_match(
            selector(&stream(&[("job", "=", JOB)]), &[("|~", JSON_LINE)]),
            event,
        ),
        drop_too_old(r),
    ];
    stages.extend(redact::for_node_files(r));
    ScrapeConfig {
        job_name: JOB,
        kubernetes_sd_configs: Vec::new(),
        static_configs: vec![StaticConfig {
            targets: vec!["localhost"],
            labels: BTreeMap::from([
                ("job", JOB.to_owned()),
                ("node", format!("${{{NODE_ENV}}}")),
                ("__path__", LOG_FILE.to_owned()),
            ]),
        }],
        pipeline_stages: stages,
        relabel_configs: Vec::new(),
    }
}
