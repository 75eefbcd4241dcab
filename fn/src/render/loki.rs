//! Loki in SingleBinary mode: one StatefulSet (`-target=all`) on a filesystem PVC.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, Service, ServiceAccount, ServiceSpec,
    Volume, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::labels::{self, Component};
use super::meta::{annotate, checkov_skips, checksum, object_meta};
use super::names::{GRPC, HTTP_METRICS, LOKI, LOKI_HEADLESS, LOKI_RUNTIME};
use super::pod::{
    container_port, empty_dir, hardened_container, http_get, mount, requirements,
    runtime_default_seccomp, service_port,
};
use crate::config::loki as cfg;
use crate::spec::Resolved;
use crate::spec::resolved::Storage;

pub const UID: i64 = 10001;
const STORAGE_VOLUME: &str = "storage";

pub fn component(r: &Resolved) -> Component<'_> {
    Component {
        app: LOKI,
        role: "single-binary",
        image: Some(&r.loki.image),
    }
}

/// Rendered Loki config files, kept as text: the ConfigMaps hold them and the pod
/// template carries their checksum.
#[derive(Debug)]
pub struct Files {
    pub config: String,
    pub runtime: String,
}

pub fn files(r: &Resolved) -> Result<Files, String> {
    let config = cfg::build(r);
    cfg::check_retention_is_enforced(&config)?;
    let runtime: BTreeMap<&str, BTreeMap<String, String>> =
        BTreeMap::from([("overrides", BTreeMap::new())]);
    Ok(Files {
        config: crate::yaml::to_string(&config)?,
        runtime: crate::yaml::to_string(&runtime)?,
    })
}

pub fn service_account(r: &Resolved) -> ServiceAccount {
    ServiceAccount {
        metadata: object_meta(LOKI, Some(&r.namespace), labels::common(r, component(r))),
        // Loki with filesystem storage never talks to the Kubernetes API.
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    }
}

pub fn config_maps(r: &Resolved, files: &Files) -> Vec<ConfigMap> {
    let cm = |name: &str, key: &str, text: &str| ConfigMap {
        metadata: object_meta(name, Some(&r.namespace), labels::common(r, component(r))),
        data: Some(BTreeMap::from([(key.to_owned(), text.to_owned())])),
        ..ConfigMap::default()
    };
    vec![
        cm(LOKI, cfg::CONFIG_FILE, &files.config),
        cm(LOKI_RUNTIME, cfg::RUNTIME_CONFIG_FILE, &files.runtime),
    ]
}

pub fn services(r: &Resolved) -> Vec<Service> {
    let ports = vec![
        service_port(HTTP_METRICS, cfg::HTTP_PORT),
        service_port(GRPC, cfg::GRPC_PORT),
    ];
    let selector = Some(labels::selector(r, component(r)));
    let mut headless_labels = labels::common(r, component(r));
    // Scraped once, through the `loki` Service; see the ServiceMonitor's selector.
    headless_labels.insert(
        "prometheus.io/service-monitor".to_owned(),
        "false".to_owned(),
    );
    vec![
        Service {
            metadata: object_meta(LOKI, Some(&r.namespace), labels::common(r, component(r))),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_owned()),
                ports: Some(ports.clone()),
                selector: selector.clone(),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        },
        Service {
            metadata: object_meta(LOKI_HEADLESS, Some(&r.namespace), headless_labels),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".to_owned()),
                ports: Some(ports),
                selector,
                publish_not_ready_addresses: Some(true),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        },
    ]
}

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

pub fn stateful_set(r: &Resolved, files: &Files) -> StatefulSet {
    let Storage::Filesystem {
        size,
        storage_class_name,
    } = &r.storage;
    let c = component(r);

    let container = Container {
        name: LOKI.to_owned(),
        image: Some(r.loki.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            format!("-config.file={}/{}", cfg::CONFIG_DIR, cfg::CONFIG_FILE),
            "-target=all".to_owned(),
        ]),
        ports: Some(vec![
            container_port(HTTP_METRICS, cfg::HTTP_PORT),
            container_port(GRPC, cfg::GRPC_PORT),
        ]),
        readiness_probe: Some(http_probe("/ready", 15, 10, 3)),
        liveness_probe: Some(http_probe("/loki/api/v1/status/buildinfo", 30, 30, 10)),
        resources: Some(requirements(&r.loki.resources)),
        security_context: Some(hardened_container(UID)),
        volume_mounts: Some(vec![
            mount("config", cfg::CONFIG_DIR, true),
            mount("runtime-config", cfg::RUNTIME_CONFIG_DIR, true),
            mount(STORAGE_VOLUME, cfg::DATA_DIR, false),
            mount("tmp", "/tmp", false),
        ]),
        ..Container::default()
    };

    let config_map_volume = |name: &str, cm: &str| Volume {
        name: name.to_owned(),
        config_map: Some(ConfigMapVolumeSource {
            name: cm.to_owned(),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    };

    let mut template_meta = ObjectMeta {
        labels: Some(labels::pod(r, c)),
        ..ObjectMeta::default()
    };
    annotate(
        &mut template_meta,
        &[
            ("checksum/config", checksum(&files.config)),
            ("checksum/runtime-config", checksum(&files.runtime)),
            ("kubectl.kubernetes.io/default-container", LOKI.to_owned()),
        ],
    );

    let pvc = PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(STORAGE_VOLUME.to_owned()),
            labels: Some(labels::selector(r, c)),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
            storage_class_name: storage_class_name.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(size.as_str().to_owned()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    };

    let mut meta = object_meta(LOKI, Some(&r.namespace), labels::common(r, c));
    checkov_skips(
        &mut meta,
        &[
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
            (
                "CKV2_K8S_6",
                "no NetworkPolicy yet: Grafana and Prometheus reach Loki from namespaces this config does not know; see README, Security",
            ),
        ],
    );

    StatefulSet {
        metadata: meta,
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(LOKI_HEADLESS.to_owned()),
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
                match_labels: Some(labels::selector(r, c)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(template_meta),
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
                    // Time for the ingester to flush its in-memory chunks to the PVC.
                    termination_grace_period_seconds: Some(60),
                    containers: vec![container],
                    volumes: Some(vec![
                        config_map_volume("config", LOKI),
                        config_map_volume("runtime-config", LOKI_RUNTIME),
                        empty_dir("tmp"),
                    ]),
                    ..PodSpec::default()
                }),
            },
            volume_claim_templates: Some(vec![pvc]),
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
}
