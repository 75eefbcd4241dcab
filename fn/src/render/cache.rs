//! memcached for Loki's chunks and query results (`spec.caches`): StatefulSets (stable
//! pod names keep the client's consistent hashing stable) behind headless Services,
//! found by Loki through an SRV lookup of the `memcached-client` port. Memory is sized
//! from `-m`, not the upstream chart's 8+ GiB default that leaves pods Pending.

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy};
use k8s_openapi::api::core::v1::{
    Container, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, Service, ServiceSpec,
    TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::disruption::component_of;
use super::labels;
use super::meta::to_value;
use super::meta::{annotate, checkov_skips, object_meta};
use super::pod::{
    container_port, hardened_container, placement, requirements, runtime_default_seccomp,
    service_port,
};
use crate::contract::{MEMCACHED_PORT, MEMCACHED_PORT_NAME};
use crate::spec::Resolved;
use crate::spec::resolved::{Cache, Part};

/// memcached's own user in the official image.
const UID: i64 = 11211;

pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (part, cache) in [
        (Part::ChunksCache, &r.caches.chunks),
        (Part::ResultsCache, &r.caches.results),
    ] {
        if let Some(cache) = cache {
            out.push(to_value(&service(r, part))?);
            out.push(to_value(&stateful_set(r, part, cache))?);
        }
    }
    Ok(out)
}

fn service(r: &Resolved, part: Part) -> Service {
    let c = component_of(r, part);
    let mut l = labels::common(r, c);
    l.insert(
        "prometheus.io/service-monitor".to_owned(),
        "false".to_owned(),
    );
    Service {
        metadata: object_meta(&part.service(), Some(&r.namespace), l),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_owned()),
            ports: Some(vec![service_port(MEMCACHED_PORT_NAME, MEMCACHED_PORT)]),
            selector: Some(labels::selector(r, c)),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

fn stateful_set(r: &Resolved, part: Part, cache: &Cache) -> StatefulSet {
    let c = component_of(r, part);
    let Some(w) = r.workload(part) else {
        return StatefulSet::default();
    };
    let selector = labels::selector(r, c);
    let probe = |initial: i32| Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String(MEMCACHED_PORT_NAME.to_owned()),
            ..TCPSocketAction::default()
        }),
        initial_delay_seconds: Some(initial),
        period_seconds: Some(10),
        timeout_seconds: Some(3),
        failure_threshold: Some(6),
        ..Probe::default()
    };
    let container = Container {
        name: "memcached".to_owned(),
        image: Some(cache.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            format!("--memory-limit={}", cache.memory_mb),
            "--extended=modern,track_sizes".to_owned(),
            // Loki's chunks reach a few MiB; the default 1 MiB item limit drops them.
            "--max-item-size=5m".to_owned(),
            "--conn-limit=4096".to_owned(),
        ]),
        ports: Some(vec![container_port(MEMCACHED_PORT_NAME, MEMCACHED_PORT)]),
        readiness_probe: Some(probe(5)),
        liveness_probe: Some(probe(30)),
        resources: Some(requirements(&w.resources)),
        security_context: Some(hardened_container(UID)),
        ..Container::default()
    };
    let place = placement(w, &selector);
    let mut template_meta = ObjectMeta {
        labels: Some(labels::pod(r, c)),
        ..ObjectMeta::default()
    };
    annotate(
        &mut template_meta,
        &[(
            "kubectl.kubernetes.io/default-container",
            "memcached".to_owned(),
        )],
    );
    let mut meta = object_meta(&part.service(), Some(&r.namespace), labels::common(r, c));
    let mut skips = vec![
        (
            "CKV_K8S_11",
            "no CPU limit on purpose: throttling a cache adds query latency; the CPU request reserves capacity",
        ),
        (
            "CKV_K8S_43",
            "images are pinned by version tag in the LokiStack config; set spec.caches.*.image to an @sha256 digest to pin by digest",
        ),
        (
            "CKV_K8S_15",
            "IfNotPresent on purpose: the image is pinned, and a restart must not depend on the registry being reachable",
        ),
    ];
    skips.extend(super::meta::checkov_skip(r));
    checkov_skips(&mut meta, &skips);
    StatefulSet {
        metadata: meta,
        spec: Some(StatefulSetSpec {
            replicas: Some(i32::try_from(w.replicas).unwrap_or(i32::MAX)),
            service_name: Some(part.service()),
            pod_management_policy: Some("Parallel".to_owned()),
            revision_history_limit: Some(10),
            update_strategy: Some(StatefulSetUpdateStrategy {
                type_: Some("RollingUpdate".to_owned()),
                ..StatefulSetUpdateStrategy::default()
            }),
            selector: LabelSelector {
                match_labels: Some(selector),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(template_meta),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(PodSecurityContext {
                        run_as_group: Some(UID),
                        run_as_non_root: Some(true),
                        run_as_user: Some(UID),
                        seccomp_profile: Some(runtime_default_seccomp()),
                        ..PodSecurityContext::default()
                    }),
                    termination_grace_period_seconds: Some(30),
                    containers: vec![container],
                    node_selector: place.node_selector,
                    tolerations: place.tolerations,
                    topology_spread_constraints: place.topology_spread_constraints,
                    ..PodSpec::default()
                }),
            },
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
}
