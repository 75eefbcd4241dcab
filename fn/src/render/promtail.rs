//! Promtail as a DaemonSet on every node, reading the node's log files.
//!
//! The one deliberate exception to Pod Security "restricted" in the stack: Promtail
//! mounts the node's `/var/log` (read-only; only `/var/log/pods` when Talos' own logs
//! and the audit log are off) and its positions directory from the host, and runs as
//! root because the kubelet and Talos write logs as root with mode 0640. With the
//! kube-apiserver audit log on, it adds exactly one capability, CAP_DAC_READ_SEARCH:
//! the audit directory is 0700 and owned by another user (65534). It keeps every other
//! restriction: no other capability, no privilege escalation, read-only root
//! filesystem, RuntimeDefault seccomp, no host network/PID/IPC.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet,
};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, HostPathVolumeSource, KeyToPath, ObjectFieldSelector,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, Secret, SecretVolumeSource,
    SecurityContext, Service, ServiceAccount, ServiceSpec, TCPSocketAction, Toleration, Volume,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels::{self, Component};
use super::meta::{annotate, checkov_skips, checksum, object_meta};
use super::names::{HTTP_METRICS, PROMTAIL};
use super::pod::{
    container_port, empty_dir, hardened_container, http_get, mount, requirements,
    runtime_default_seccomp, service_port,
};
use crate::config::promtail as cfg;
use crate::spec::Resolved;

pub fn component(r: &Resolved) -> Component<'_> {
    Component {
        app: PROMTAIL,
        role: "collector",
        image: Some(&r.collector.image),
    }
}

/// Cluster-scoped RBAC is named like the chart's: one collector per cluster.
pub fn cluster_name(_r: &Resolved) -> String {
    PROMTAIL.to_owned()
}

pub fn config_file(r: &Resolved) -> Result<String, String> {
    let text = crate::yaml::to_string(&cfg::build(r))?;
    cfg::check_expand_env_safe(&text)?;
    Ok(text)
}

pub fn service_account(r: &Resolved) -> ServiceAccount {
    ServiceAccount {
        metadata: object_meta(
            PROMTAIL,
            Some(&r.namespace),
            labels::common(r, component(r)),
        ),
        ..ServiceAccount::default()
    }
}

pub fn cluster_role(r: &Resolved) -> ClusterRole {
    ClusterRole {
        metadata: object_meta(&cluster_name(r), None, labels::common(r, component(r))),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            // Namespaces: their opt-out annotation (attach_metadata).
            resources: Some(vec![
                "namespaces".to_owned(),
                "nodes".to_owned(),
                "pods".to_owned(),
            ]),
            verbs: vec!["get".to_owned(), "list".to_owned(), "watch".to_owned()],
            ..PolicyRule::default()
        }]),
        ..ClusterRole::default()
    }
}

pub fn cluster_role_binding(r: &Resolved) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: object_meta(&cluster_name(r), None, labels::common(r, component(r))),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "ClusterRole".to_owned(),
            name: cluster_name(r),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: PROMTAIL.to_owned(),
            namespace: Some(r.namespace.clone()),
            ..Subject::default()
        }]),
    }
}

pub fn secret(r: &Resolved, config: &str) -> Secret {
    Secret {
        metadata: object_meta(
            PROMTAIL,
            Some(&r.namespace),
            labels::common(r, component(r)),
        ),
        type_: Some("Opaque".to_owned()),
        string_data: Some(BTreeMap::from([(
            cfg::CONFIG_FILE.to_owned(),
            config.to_owned(),
        )])),
        ..Secret::default()
    }
}

pub fn service(r: &Resolved) -> Service {
    Service {
        metadata: object_meta(
            PROMTAIL,
            Some(&r.namespace),
            labels::common(r, component(r)),
        ),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            ports: Some(vec![service_port(HTTP_METRICS, cfg::HTTP_PORT)]),
            selector: Some(labels::selector(r, component(r))),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

fn host_path(name: &str, path: &str, kind: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        host_path: Some(HostPathVolumeSource {
            path: path.to_owned(),
            type_: Some(kind.to_owned()),
        }),
        ..Volume::default()
    }
}

/// The host directory mounted read-only at the same path: all of /var/log when Talos'
/// own files are read, else only the pods' logs.
pub fn log_dir(r: &Resolved) -> &'static str {
    if r.collector.system_logs || r.collector.audit_logs {
        cfg::NODE_LOG_DIR
    } else {
        cfg::PODS_LOG_DIR
    }
}

/// The capability that reads the audit directory (0700, owned by 65534), only then.
pub const AUDIT_CAPABILITY: &str = "DAC_READ_SEARCH";

fn security_context(r: &Resolved) -> SecurityContext {
    let mut sc = hardened_container(0);
    if r.collector.audit_logs
        && let Some(caps) = sc.capabilities.as_mut()
    {
        caps.add = Some(vec![AUDIT_CAPABILITY.to_owned()]);
    }
    sc
}

pub fn daemon_set(r: &Resolved, config: &str) -> DaemonSet {
    let c = component(r);
    let gateway_auth = r.gateway.as_ref().and_then(|g| g.auth.as_ref());
    let container = Container {
        name: PROMTAIL.to_owned(),
        image: Some(r.collector.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            format!("-config.file={}/{}", cfg::CONFIG_DIR, cfg::CONFIG_FILE),
            // Only for ${HOSTNAME} in the pod discovery selector; see config::promtail.
            "-config.expand-env=true".to_owned(),
        ]),
        env: Some(vec![EnvVar {
            name: cfg::NODE_ENV.to_owned(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: "spec.nodeName".to_owned(),
                    ..ObjectFieldSelector::default()
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        }]),
        ports: Some(vec![container_port(HTTP_METRICS, cfg::HTTP_PORT)]),
        readiness_probe: Some(Probe {
            http_get: Some(http_get("/ready", HTTP_METRICS)),
            initial_delay_seconds: Some(10),
            period_seconds: Some(10),
            timeout_seconds: Some(1),
            success_threshold: Some(1),
            failure_threshold: Some(5),
            ..Probe::default()
        }),
        // Restart a wedged process; readiness (targets discovered) is a separate matter.
        liveness_probe: Some(Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::String(HTTP_METRICS.to_owned()),
                ..TCPSocketAction::default()
            }),
            initial_delay_seconds: Some(10),
            period_seconds: Some(30),
            timeout_seconds: Some(5),
            success_threshold: Some(1),
            failure_threshold: Some(5),
            ..Probe::default()
        }),
        resources: Some(requirements(&r.collector.resources)),
        security_context: Some(security_context(r)),
        volume_mounts: Some({
            let mut m = vec![
                mount("config", cfg::CONFIG_DIR, true),
                mount("logs", log_dir(r), true),
                mount("positions", cfg::POSITIONS_MOUNT, false),
                mount("tmp", "/tmp", false),
            ];
            if gateway_auth.is_some() {
                m.push(mount("gateway-auth", cfg::GATEWAY_AUTH_DIR, true));
            }
            m
        }),
        ..Container::default()
    };

    let mut template_meta = ObjectMeta {
        labels: Some(labels::pod(r, c)),
        ..ObjectMeta::default()
    };
    annotate(
        &mut template_meta,
        &[
            ("checksum/config", checksum(config)),
            (
                "kubectl.kubernetes.io/default-container",
                PROMTAIL.to_owned(),
            ),
        ],
    );

    let mut meta = object_meta(PROMTAIL, Some(&r.namespace), labels::common(r, c));
    let mut skips = vec![
        (
            "CKV_K8S_11",
            "no CPU limit on purpose: throttling a log shipper delays logs; the CPU request reserves capacity",
        ),
        (
            "CKV_K8S_23",
            "runs as root by necessity: the kubelet writes pod logs as root with mode 0640; all capabilities are dropped",
        ),
        ("CKV_K8S_40", "runs as UID 0 by necessity (see CKV_K8S_23)"),
        (
            "CKV_K8S_43",
            "images are pinned by version tag in the LokiStack config; set spec.collector.image to an @sha256 digest to pin by digest",
        ),
        (
            "CKV_K8S_15",
            "IfNotPresent on purpose: the image is pinned, and a restart must not depend on the registry being reachable",
        ),
        (
            "CKV_K8S_38",
            "Promtail discovers the pods of its node through the Kubernetes API, which needs the service account token",
        ),
    ];
    if r.collector.audit_logs {
        skips.push((
            "CKV_K8S_25",
            "adds only CAP_DAC_READ_SEARCH, to read the kube-apiserver audit log (directory 0700, owned by 65534) on control planes; off with spec.collector.talos.auditLogs: false",
        ));
    }
    skips.extend(super::network::checkov_skip(r));
    checkov_skips(&mut meta, &skips);

    DaemonSet {
        metadata: meta,
        spec: Some(DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(labels::selector(r, c)),
                ..LabelSelector::default()
            },
            update_strategy: Some(DaemonSetUpdateStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDaemonSet {
                    max_unavailable: Some(IntOrString::Int(1)),
                    ..RollingUpdateDaemonSet::default()
                }),
            }),
            revision_history_limit: Some(10),
            template: PodTemplateSpec {
                metadata: Some(template_meta),
                spec: Some(PodSpec {
                    service_account_name: Some(PROMTAIL.to_owned()),
                    enable_service_links: Some(false),
                    security_context: Some(PodSecurityContext {
                        run_as_user: Some(0),
                        run_as_group: Some(0),
                        seccomp_profile: Some(runtime_default_seccomp()),
                        ..PodSecurityContext::default()
                    }),
                    // Every node, including tainted control-plane nodes.
                    tolerations: Some(vec![Toleration {
                        operator: Some("Exists".to_owned()),
                        ..Toleration::default()
                    }]),
                    termination_grace_period_seconds: Some(30),
                    containers: vec![container],
                    volumes: Some(
                        vec![
                            Volume {
                                name: "config".to_owned(),
                                secret: Some(SecretVolumeSource {
                                    secret_name: Some(PROMTAIL.to_owned()),
                                    ..SecretVolumeSource::default()
                                }),
                                ..Volume::default()
                            },
                            host_path("logs", log_dir(r), "Directory"),
                            host_path("positions", &r.collector.positions_dir, "DirectoryOrCreate"),
                            empty_dir("tmp"),
                        ]
                        .into_iter()
                        .chain(gateway_auth.map(|a| Volume {
                            name: "gateway-auth".to_owned(),
                            secret: Some(SecretVolumeSource {
                                secret_name: Some(a.secret_name.clone()),
                                items: Some(vec![KeyToPath {
                                    key: a.password_key.clone(),
                                    path: "password".to_owned(),
                                    ..KeyToPath::default()
                                }]),
                                ..SecretVolumeSource::default()
                            }),
                            ..Volume::default()
                        }))
                        .collect(),
                    ),
                    ..PodSpec::default()
                }),
            },
            ..DaemonSetSpec::default()
        }),
        ..DaemonSet::default()
    }
}
