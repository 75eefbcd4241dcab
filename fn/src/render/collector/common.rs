//! What the DaemonSet of every collector agent shares: RBAC, Service, the pod's security,
//! probes and placement, and the DaemonSet itself.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet,
};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, HostPathVolumeSource, KeyToPath, ObjectFieldSelector,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SecretVolumeSource, SecurityContext,
    Service, ServiceAccount, ServiceSpec, TCPSocketAction, Toleration, Volume,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::collection;
use crate::collection::target::{self, Auth, Target, Username};
use crate::contract::HTTP_METRICS;
use crate::render::labels::{self, Component};
use crate::render::meta::to_value;
use crate::render::meta::{annotate, checkov_skips, checksum, object_meta};
use crate::render::pod::{hardened_container, http_get, runtime_default_seccomp, service_port};
use crate::spec::Resolved;
use crate::spec::collector::CollectorKind;

/// The name of the collector's objects, and its pods' `app`.
pub fn name(r: &Resolved) -> &'static str {
    r.collector.kind.name()
}

pub fn component(r: &Resolved) -> Component<'_> {
    Component {
        app: name(r),
        role: "collector",
        image: Some(&r.collector.image),
    }
}

/// The port its metrics are served on (Service port `http-metrics`).
pub fn http_port(r: &Resolved) -> u16 {
    match r.collector.kind {
        CollectorKind::Promtail => crate::config::promtail::HTTP_PORT,
        CollectorKind::FluentBit => crate::config::fluentbit::HTTP_PORT,
    }
}

/// Where Prometheus scrapes its metrics.
pub fn metrics_path(r: &Resolved) -> &'static str {
    match r.collector.kind {
        CollectorKind::Promtail => "/metrics",
        CollectorKind::FluentBit => crate::config::fluentbit::METRICS_PATH,
    }
}

/// Cluster-scoped RBAC is named like the charts': one collector per cluster.
pub fn cluster_name(r: &Resolved) -> String {
    name(r).to_owned()
}

pub fn service_account(r: &Resolved) -> ServiceAccount {
    ServiceAccount {
        metadata: object_meta(name(r), Some(&r.namespace), labels::common(r, component(r))),
        ..ServiceAccount::default()
    }
}

/// Read access to what the agent looks up: pods (and their namespaces, for the opt-out
/// annotation); Promtail's discovery also lists nodes.
pub fn cluster_role(r: &Resolved) -> ClusterRole {
    let mut resources = vec!["namespaces".to_owned()];
    if r.collector.kind == CollectorKind::Promtail {
        resources.push("nodes".to_owned());
    }
    resources.push("pods".to_owned());
    ClusterRole {
        metadata: object_meta(&cluster_name(r), None, labels::common(r, component(r))),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(resources),
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
            name: name(r).to_owned(),
            namespace: Some(r.namespace.clone()),
            ..Subject::default()
        }]),
    }
}

pub fn service(r: &Resolved) -> Service {
    Service {
        metadata: object_meta(name(r), Some(&r.namespace), labels::common(r, component(r))),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            ports: Some(vec![service_port(HTTP_METRICS, http_port(r))]),
            selector: Some(labels::selector(r, component(r))),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

pub fn host_path(name: &str, path: &str, kind: &str) -> Volume {
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
        collection::NODE_LOG_DIR
    } else {
        collection::PODS_LOG_DIR
    }
}

/// The capability that reads the audit directory (0700, owned by 65534), only then.
pub const AUDIT_CAPABILITY: &str = "DAC_READ_SEARCH";

pub fn security_context(r: &Resolved) -> SecurityContext {
    let mut sc = hardened_container(0);
    if r.collector.audit_logs
        && let Some(caps) = sc.capabilities.as_mut()
    {
        caps.add = Some(vec![AUDIT_CAPABILITY.to_owned()]);
    }
    sc
}

/// `name` from the pod's own field (the node's name, or the pod's IP).
pub fn field_env(name: &str, field_path: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: field_path.to_owned(),
                ..ObjectFieldSelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// The gateway password as a file `password` (Promtail reads it from a file).
/// The Secret volumes a collector mounts read-only, with their mount paths: the
/// credentials as files (`with_credentials`: a collector that reads them from files, not
/// from environment variables) and an agent's private CA.
pub fn secret_volumes(t: &Target, with_credentials: bool) -> Vec<(Volume, &'static str)> {
    let volume = |name: &str, secret: &str, items: Vec<(&str, &str)>| Volume {
        name: name.to_owned(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(secret.to_owned()),
            items: Some(
                items
                    .into_iter()
                    .map(|(key, path)| KeyToPath {
                        key: key.to_owned(),
                        path: path.to_owned(),
                        ..KeyToPath::default()
                    })
                    .collect(),
            ),
            ..SecretVolumeSource::default()
        }),
        ..Volume::default()
    };
    let mut out = Vec::new();
    let name = if t.auth_dir() == target::GATEWAY_AUTH_DIR {
        "gateway-auth"
    } else {
        "remote-auth"
    };
    match &t.auth {
        Some(Auth::Basic {
            username,
            secret,
            password_key,
        }) if with_credentials => {
            let mut items = vec![(password_key.as_str(), "password")];
            if let Username::Key(k) = username {
                items.insert(0, (k.as_str(), "username"));
            }
            out.push((volume(name, secret, items), t.auth_dir()));
        }
        Some(Auth::Bearer(k)) if with_credentials => {
            out.push((volume(name, &k.name, vec![(&k.key, "token")]), t.auth_dir()));
        }
        _ => {}
    }
    if let Some(ca) = &t.ca {
        out.push((
            volume("remote-ca", &ca.name, vec![(&ca.key, target::CA_FILE)]),
            target::REMOTE_CA_DIR,
        ));
    }
    out
}

/// The checkov findings every collector has, and why each is accepted.
fn checkov_skip_list(r: &Resolved) -> Vec<(&'static str, &'static str)> {
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
    ];
    skips.push(match r.collector.kind {
        CollectorKind::Promtail => (
            "CKV_K8S_38",
            "Promtail discovers the pods of its node through the Kubernetes API, which needs the service account token",
        ),
        CollectorKind::FluentBit => (
            "CKV_K8S_38",
            "Fluent Bit reads each pod's labels and annotations from the Kubernetes API, which needs the service account token",
        ),
    });
    if r.collector.audit_logs {
        skips.push((
            "CKV_K8S_25",
            "adds only CAP_DAC_READ_SEARCH, to read the kube-apiserver audit log (directory 0700, owned by 65534) on control planes; off with spec.collector.talos.auditLogs: false",
        ));
    }
    if r.collector.kind == CollectorKind::FluentBit
        && r.gateway.as_ref().is_some_and(|g| g.auth.is_some())
    {
        skips.push((
            "CKV_K8S_35",
            "Fluent Bit's loki output takes the gateway password only as a config value (no password-file option): it comes from the Secret through an environment variable, never written into the ConfigMap",
        ));
    }
    if r.collector.kind == CollectorKind::FluentBit
        && r.remote
            .as_ref()
            .is_some_and(|remote| remote.auth.is_some())
    {
        skips.push((
            "CKV_K8S_35",
            "Fluent Bit's loki output takes the central Loki's credentials (user and password, or bearer token) only as config values (no file option): they come from the Secret spec.remote.auth names through environment variables, never written into the ConfigMap",
        ));
    }
    if r.collector.receiver_port.is_some() {
        skips.push((
            "CKV_K8S_19",
            "host network only to receive Talos' own logs on the node's loopback (spec.collector.talos.receiver); the receiver listens on 127.0.0.1 only",
        ));
    }
    skips.extend(crate::render::meta::checkov_skip(r));
    skips
}

/// Ready once the agent's HTTP server answers `path` on the metrics port.
pub fn readiness_probe(path: &str, initial_delay_seconds: i32) -> Probe {
    Probe {
        http_get: Some(http_get(path, HTTP_METRICS)),
        initial_delay_seconds: Some(initial_delay_seconds),
        period_seconds: Some(10),
        timeout_seconds: Some(1),
        success_threshold: Some(1),
        failure_threshold: Some(5),
        ..Probe::default()
    }
}

/// Restarts a wedged process: the metrics port stops answering. (Readiness is each
/// agent's own; neither fails while Loki is unreachable.)
pub fn liveness_probe() -> Probe {
    Probe {
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
    }
}

/// What differs between the agents' pods.
#[derive(Debug)]
pub struct PodParts {
    pub container: Container,
    pub volumes: Vec<Volume>,
    /// Hashed into `checksum/config`: the config files the pods read.
    pub config: String,
    pub host_network: bool,
}

pub fn daemon_set(r: &Resolved, parts: PodParts) -> DaemonSet {
    let c = component(r);
    let mut template_meta = ObjectMeta {
        labels: Some(labels::pod(r, c)),
        ..ObjectMeta::default()
    };
    annotate(
        &mut template_meta,
        &[
            ("checksum/config", checksum(&parts.config)),
            (
                "kubectl.kubernetes.io/default-container",
                name(r).to_owned(),
            ),
        ],
    );
    let mut meta = object_meta(name(r), Some(&r.namespace), labels::common(r, c));
    checkov_skips(&mut meta, &checkov_skip_list(r));

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
                    service_account_name: Some(name(r).to_owned()),
                    enable_service_links: Some(false),
                    host_network: parts.host_network.then_some(true),
                    // On the host network, cluster names (the Loki Service, the API)
                    // still resolve through the cluster's DNS.
                    dns_policy: parts
                        .host_network
                        .then(|| "ClusterFirstWithHostNet".to_owned()),
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
                    containers: vec![parts.container],
                    volumes: Some(parts.volumes),
                    ..PodSpec::default()
                }),
            },
            ..DaemonSetSpec::default()
        }),
        ..DaemonSet::default()
    }
}

/// The objects every agent renders around its config and DaemonSet.
pub fn common_objects(r: &Resolved) -> Result<Vec<Value>, String> {
    Ok(vec![
        to_value(&service_account(r))?,
        to_value(&cluster_role(r))?,
        to_value(&cluster_role_binding(r))?,
        to_value(&service(r))?,
    ])
}

/// A config file map (ConfigMap data or Secret stringData).
pub fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
