//! Loki's workloads: the same image and config everywhere, `-target` picks the part.
//! Parts with state (ingesters, compactor, index gateway, ruler, write, backend,
//! single binary) are StatefulSets with a retained PVC; the rest are Deployments.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Affinity, Container, EnvVar, EnvVarSource, KeyToPath, NodeAffinity, NodeSelector,
    NodeSelectorRequirement, NodeSelectorTerm, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SecretKeySelector, SecretVolumeSource,
    Volume, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::Value;

use super::services::{MEMBERLIST_LABEL, ZONE_LABEL, component, zone_key};
use crate::config::loki as cfg;
use crate::contract::{self as names, GRPC, HTTP_METRICS, LOKI, LOKI_RUNTIME};
use crate::render::labels::{self, Labels};
use crate::render::meta::to_value;
use crate::render::meta::{annotate, checkov_skips, object_meta};
use crate::render::pod::{
    config_map_volume, container_port, empty_dir, hardened_container, http_get, mount, placement,
    requirements, runtime_default_seccomp,
};
use crate::spec::Resolved;
use crate::spec::resolved::{Backend, Central, Part, Workload};

/// Rendered Loki config files, kept as text: the ConfigMaps hold them and the pod
/// templates carry their checksums.
#[derive(Debug)]
pub struct Files {
    pub config: String,
    pub runtime: String,
    /// Their SHA-256, computed once for every pod template.
    pub config_checksum: String,
    pub runtime_checksum: String,
}

pub const UID: i64 = 10001;
const STORAGE_VOLUME: &str = "storage";
const GCS_VOLUME: &str = "gcs-credentials";

fn http_probe(path: &str, initial_delay: i32, period: i32, failure_threshold: i32) -> Probe {
    Probe {
        http_get: Some(http_get(path, HTTP_METRICS)),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(period),
        timeout_seconds: Some(1),
        success_threshold: Some(1),
        failure_threshold: Some(failure_threshold),
        ..Probe::default()
    }
}

/// Parts that run an ingester: they flush on shutdown and need time for it.
fn runs_ingester(part: Part) -> bool {
    matches!(part, Part::SingleBinary | Part::Ingester | Part::Write)
}

/// One StatefulSet or Deployment of a part (or of one zone of the ingesters).
struct Unit<'a> {
    part: Part,
    name: String,
    workload: &'a Workload,
    replicas: u32,
    /// Selector labels (the part's, plus the zone's).
    selector: Labels,
    /// `(zone key, zone name)` of a zone-aware ingester StatefulSet.
    zone: Option<(String, &'a str)>,
    central: &'a Central,
}

pub fn workloads(r: &Resolved, files: &Files) -> Result<Vec<Value>, String> {
    let central = r.central()?;
    let mut out = Vec::new();
    for (&part, w) in r
        .components
        .iter()
        .filter(|(p, _)| p.loki_target().is_some())
    {
        let selector = labels::selector(r, component(r, part));
        let mut units = Vec::new();
        if part == Part::Ingester && !r.zones.is_empty() {
            let n = r.zones.len();
            let per_zone = w.replicas.div_ceil(u32::try_from(n).unwrap_or(1));
            for (i, zone) in r.zones.iter().enumerate() {
                let mut s = selector.clone();
                s.insert(ZONE_LABEL.to_owned(), zone_key(i));
                units.push(Unit {
                    part,
                    name: format!("{}-{}", part.service(), zone_key(i)),
                    workload: w,
                    replicas: per_zone,
                    selector: s,
                    zone: Some((zone_key(i), zone.as_str())),
                    central,
                });
            }
        } else {
            units.push(Unit {
                part,
                name: part.service(),
                workload: w,
                replicas: w.replicas,
                selector,
                zone: None,
                central,
            });
        }
        for u in units {
            out.push(if part.is_stateful() {
                to_value(&stateful_set(r, files, &u))?
            } else {
                to_value(&deployment(r, files, &u))?
            });
        }
    }
    Ok(out)
}

fn container(r: &Resolved, u: &Unit<'_>) -> Container {
    let part = u.part;
    let mut args = vec![
        format!("-config.file={}/{}", cfg::CONFIG_DIR, cfg::CONFIG_FILE),
        format!("-target={}", part.loki_target().unwrap_or("all")),
    ];
    if cfg::needs_expand_env(r) {
        args.push("-config.expand-env=true".to_owned());
    }
    if let Some((_, zone)) = &u.zone {
        args.push(format!("-ingester.availability-zone={zone}"));
    }
    let mut env = Vec::new();
    let mut mounts = vec![
        mount("config", cfg::CONFIG_DIR, true),
        mount("runtime-config", cfg::RUNTIME_CONFIG_DIR, true),
        mount(STORAGE_VOLUME, cfg::DATA_DIR, false),
        mount("tmp", "/tmp", false),
    ];
    if let Some(secret) = &u.central.storage.auth.secret {
        match &u.central.storage.backend {
            Backend::S3(_) => {
                for (var, key) in cfg::S3_KEY_ENV
                    .iter()
                    .zip([&secret.access_key_id_key, &secret.secret_access_key_key])
                {
                    env.push(EnvVar {
                        name: (*var).to_owned(),
                        value_from: Some(EnvVarSource {
                            secret_key_ref: Some(SecretKeySelector {
                                name: secret.name.clone(),
                                key: key.clone(),
                                ..SecretKeySelector::default()
                            }),
                            ..EnvVarSource::default()
                        }),
                        ..EnvVar::default()
                    });
                }
            }
            Backend::Gcs(_) => {
                env.push(EnvVar {
                    name: "GOOGLE_APPLICATION_CREDENTIALS".to_owned(),
                    value: Some(format!("{}/key.json", cfg::GCS_KEY_DIR)),
                    ..EnvVar::default()
                });
                mounts.push(mount(GCS_VOLUME, cfg::GCS_KEY_DIR, true));
            }
            Backend::Filesystem => {}
        }
    }
    let mut ports = vec![
        container_port(HTTP_METRICS, cfg::HTTP_PORT),
        container_port(GRPC, cfg::GRPC_PORT),
    ];
    if part.joins_memberlist() {
        ports.push(container_port(
            names::MEMBERLIST_PORT_NAME,
            names::MEMBERLIST_PORT,
        ));
    }
    Container {
        name: LOKI.to_owned(),
        image: Some(u.central.loki.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(args),
        env: (!env.is_empty()).then_some(env),
        ports: Some(ports),
        readiness_probe: Some(http_probe("/ready", 15, 10, 3)),
        liveness_probe: Some(http_probe("/loki/api/v1/status/buildinfo", 30, 30, 10)),
        resources: Some(requirements(&u.workload.resources)),
        security_context: Some(hardened_container(UID)),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

fn pod_template(r: &Resolved, files: &Files, u: &Unit<'_>) -> PodTemplateSpec {
    let part = u.part;
    let mut pod_labels = labels::pod(r, component(r, part));
    if part.joins_memberlist() {
        pod_labels.insert(MEMBERLIST_LABEL.to_owned(), "true".to_owned());
    }
    if let Some((key, _)) = &u.zone {
        pod_labels.insert(ZONE_LABEL.to_owned(), key.clone());
    }
    let mut meta = ObjectMeta {
        labels: Some(pod_labels),
        ..ObjectMeta::default()
    };
    annotate(
        &mut meta,
        &[
            ("checksum/config", files.config_checksum.clone()),
            ("checksum/runtime-config", files.runtime_checksum.clone()),
            ("kubectl.kubernetes.io/default-container", LOKI.to_owned()),
        ],
    );
    let mut volumes = vec![
        config_map_volume("config", LOKI),
        config_map_volume("runtime-config", LOKI_RUNTIME),
        empty_dir("tmp"),
    ];
    if !part.is_stateful() {
        // Deployments keep only caches and scratch files in /var/loki.
        volumes.push(empty_dir(STORAGE_VOLUME));
    }
    if let (Backend::Gcs(_), Some(secret)) =
        (&u.central.storage.backend, &u.central.storage.auth.secret)
    {
        volumes.push(Volume {
            name: GCS_VOLUME.to_owned(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret.name.clone()),
                items: Some(vec![KeyToPath {
                    key: secret.key_file_key.clone(),
                    path: "key.json".to_owned(),
                    ..KeyToPath::default()
                }]),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
    }
    // Spread over nodes by the whole part (all zones), not just this StatefulSet.
    let part_selector = labels::selector(r, component(r, part));
    let mut place = placement(u.workload, &part_selector);
    if u.replicas <= 1 {
        place.topology_spread_constraints = None;
    }
    let affinity = u.zone.as_ref().map(|(_, zone)| Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(vec![NodeSelectorRequirement {
                        key: "topology.kubernetes.io/zone".to_owned(),
                        operator: "In".to_owned(),
                        values: Some(vec![(*zone).to_owned()]),
                    }]),
                    ..NodeSelectorTerm::default()
                }],
            }),
            ..NodeAffinity::default()
        }),
        ..Affinity::default()
    });
    PodTemplateSpec {
        metadata: Some(meta),
        spec: Some(PodSpec {
            service_account_name: Some(LOKI.to_owned()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            security_context: Some(PodSecurityContext {
                fs_group: Some(UID),
                fs_group_change_policy: Some("OnRootMismatch".to_owned()),
                run_as_group: Some(UID),
                run_as_non_root: Some(true),
                run_as_user: Some(UID),
                seccomp_profile: Some(runtime_default_seccomp()),
                ..PodSecurityContext::default()
            }),
            // Ingesters flush their in-memory chunks on shutdown (flush_on_shutdown):
            // give them time; the WAL covers a kill.
            termination_grace_period_seconds: Some(if runs_ingester(part) { 300 } else { 30 }),
            containers: vec![container(r, u)],
            volumes: Some(volumes),
            affinity,
            node_selector: place.node_selector,
            tolerations: place.tolerations,
            topology_spread_constraints: place.topology_spread_constraints,
            ..PodSpec::default()
        }),
    }
}

fn skips(r: &Resolved, meta: &mut ObjectMeta) {
    let mut list = vec![
        (
            "CKV_K8S_11",
            "no CPU limit on purpose: CFS throttling stalls ingestion and queries; the CPU request reserves capacity",
        ),
        (
            "CKV_K8S_43",
            "images are pinned by version tag in the LokiStack config; set spec.loki.image to an @sha256 digest to pin by digest",
        ),
        (
            "CKV_K8S_15",
            "IfNotPresent on purpose: the image is pinned, and a restart must not depend on the registry being reachable",
        ),
    ];
    if cfg::needs_expand_env(r) {
        list.push((
            "CKV_K8S_35",
            "S3 keys reach Loki as environment variables from the referenced Secret, the way its S3 client reads them; prefer workload identity",
        ));
    }
    list.extend(super::super::meta::checkov_skip(r));
    checkov_skips(meta, &list);
}

fn stateful_set(r: &Resolved, files: &Files, u: &Unit<'_>) -> StatefulSet {
    let part = u.part;
    let c = component(r, part);
    let volume = u.workload.storage.as_ref();
    let pvc = volume.map(|v| PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(STORAGE_VOLUME.to_owned()),
            labels: Some(labels::selector(r, c)),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
            storage_class_name: v.storage_class_name.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(v.size.as_str().to_owned()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    });
    let mut object_labels = labels::common(r, c);
    if let Some((key, _)) = &u.zone {
        object_labels.insert(ZONE_LABEL.to_owned(), key.clone());
    }
    let mut meta = object_meta(&u.name, Some(&r.namespace), object_labels);
    skips(r, &mut meta);
    let service_name = match &u.zone {
        Some((key, _)) => format!("{}-{key}-headless", part.service()),
        None => part.headless(),
    };
    StatefulSet {
        metadata: meta,
        spec: Some(StatefulSetSpec {
            replicas: Some(i32::try_from(u.replicas).unwrap_or(i32::MAX)),
            service_name: Some(service_name),
            pod_management_policy: Some("Parallel".to_owned()),
            revision_history_limit: Some(10),
            update_strategy: Some(StatefulSetUpdateStrategy {
                type_: Some("RollingUpdate".to_owned()),
                ..StatefulSetUpdateStrategy::default()
            }),
            // Deleting or scaling down the StatefulSet must never delete the logs.
            persistent_volume_claim_retention_policy: Some(
                StatefulSetPersistentVolumeClaimRetentionPolicy {
                    when_deleted: Some("Retain".to_owned()),
                    when_scaled: Some("Retain".to_owned()),
                },
            ),
            selector: LabelSelector {
                match_labels: Some(u.selector.clone()),
                ..LabelSelector::default()
            },
            template: pod_template(r, files, u),
            volume_claim_templates: pvc.map(|p| vec![p]),
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
}

fn deployment(r: &Resolved, files: &Files, u: &Unit<'_>) -> Deployment {
    let c = component(r, u.part);
    let mut meta = object_meta(&u.name, Some(&r.namespace), labels::common(r, c));
    skips(r, &mut meta);
    Deployment {
        metadata: meta,
        spec: Some(DeploymentSpec {
            replicas: Some(i32::try_from(u.replicas).unwrap_or(i32::MAX)),
            revision_history_limit: Some(10),
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_owned()),
                ..DeploymentStrategy::default()
            }),
            selector: LabelSelector {
                match_labels: Some(u.selector.clone()),
                ..LabelSelector::default()
            },
            template: pod_template(r, files, u),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}
