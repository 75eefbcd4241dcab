//! Loki in every mode: one config for all, one workload per component, each running
//! the same image with `-target=<component>`.
//!
//! - `SingleBinary`: StatefulSet `loki` (`-target=all`), in-memory ring.
//! - `SimpleScalable`: `loki-write` (StatefulSet), `loki-read` (Deployment),
//!   `loki-backend` (StatefulSet); deprecated upstream.
//! - `Distributed`: distributor, querier, query-frontend, query-scheduler
//!   (Deployments); ingester (one StatefulSet, or one per zone), compactor,
//!   index-gateway, ruler (StatefulSets).
//!
//! The scalable modes share a memberlist ring through the headless Service
//! `loki-memberlist`.

mod services;
mod workload;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use serde_json::Value;

use super::labels::{self, Component};
use super::meta::object_meta;
use super::meta::to_value;
use crate::config::loki as cfg;
use crate::contract::{LOKI, LOKI_RUNTIME};
use crate::spec::Resolved;
use crate::spec::resolved::Part;

pub use services::{MEMBERLIST_LABEL, component, services};
pub use workload::{Files, UID};

/// The stack-wide Loki objects (ServiceAccount, ConfigMaps) are labelled as the part
/// that answers queries: for the single binary, exactly what its pods carry.
pub fn stack_component(r: &Resolved) -> Component<'_> {
    if r.workload(Part::SingleBinary).is_some() {
        component(r, Part::SingleBinary)
    } else {
        Component {
            app: LOKI,
            role: "loki",
            image: r.central.as_ref().map(|c| c.loki.image.as_str()),
        }
    }
}

pub fn files(r: &Resolved) -> Result<Files, String> {
    let config = cfg::build(r, r.central()?);
    cfg::check_retention_is_enforced(&config)?;
    let text = crate::yaml::to_string(&config)?;
    if cfg::needs_expand_env(r) {
        crate::config::expand_env::check(&text, &cfg::S3_KEY_ENV, "Loki", true).map_err(|e| {
            format!(
                "{e}: with S3 keys from spec.storage.auth.secretRef Loki expands environment \
                 variables in its config, so no value (such as a retention selector) may \
                 contain '$' or '\\\\'; use workload identity instead, or change that value"
            )
        })?;
    }
    let runtime = crate::yaml::to_string(&cfg::runtime(r))?;
    Ok(Files {
        config_checksum: super::meta::checksum(&text),
        runtime_checksum: super::meta::checksum(&runtime),
        config: text,
        runtime,
    })
}

pub fn service_account(r: &Resolved) -> ServiceAccount {
    let mut meta = object_meta(
        LOKI,
        Some(&r.namespace),
        labels::common(r, stack_component(r)),
    );
    if let Some(c) = &r.central {
        let annotations = &c.storage.auth.service_account_annotations;
        if !annotations.is_empty() {
            meta.annotations = Some(annotations.clone());
        }
    }
    ServiceAccount {
        metadata: meta,
        // Loki never talks to the Kubernetes API. Workload identity does not need the
        // token either: IRSA's webhook projects its own, GKE uses the metadata server.
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    }
}

pub fn config_maps(r: &Resolved, files: &Files) -> Vec<ConfigMap> {
    let cm = |name: &str, key: &str, text: &str| ConfigMap {
        metadata: object_meta(
            name,
            Some(&r.namespace),
            labels::common(r, stack_component(r)),
        ),
        data: Some(BTreeMap::from([(key.to_owned(), text.to_owned())])),
        ..ConfigMap::default()
    };
    vec![
        cm(LOKI, cfg::CONFIG_FILE, &files.config),
        cm(LOKI_RUNTIME, cfg::RUNTIME_CONFIG_FILE, &files.runtime),
    ]
}

/// Every Loki object: ServiceAccount, ConfigMaps, Services, workloads.
pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let files = files(r)?;
    let mut out = vec![to_value(&service_account(r))?];
    for cm in config_maps(r, &files) {
        out.push(to_value(&cm)?);
    }
    for svc in services(r) {
        out.push(to_value(&svc)?);
    }
    out.extend(workload::workloads(r, &files)?);
    Ok(out)
}
