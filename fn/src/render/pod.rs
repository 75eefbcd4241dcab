//! Builders for the pieces of pod specs and Services that the workloads share.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ContainerPort, EmptyDirVolumeSource, HTTPGetAction, ResourceRequirements,
    SeccompProfile, SecurityContext, ServicePort, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::spec::resolved::{Amounts, Resources};

pub fn requirements(res: &Resources) -> ResourceRequirements {
    let map = |a: &Amounts| {
        let mut m = BTreeMap::new();
        if let Some(cpu) = &a.cpu {
            m.insert("cpu".to_owned(), Quantity(cpu.as_str().to_owned()));
        }
        if let Some(mem) = &a.memory {
            m.insert("memory".to_owned(), Quantity(mem.as_str().to_owned()));
        }
        (!m.is_empty()).then_some(m)
    };
    ResourceRequirements {
        requests: map(&res.requests),
        limits: map(&res.limits),
        ..ResourceRequirements::default()
    }
}

pub fn runtime_default_seccomp() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_owned(),
        ..SeccompProfile::default()
    }
}

/// Pod Security "restricted" for a container: no privilege escalation, no capabilities,
/// read-only root filesystem, RuntimeDefault seccomp. UID 0 is the one thing
/// "restricted" forbids that a caller may still ask for (Promtail).
pub fn hardened_container(run_as_user: i64) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            ..Capabilities::default()
        }),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(run_as_user != 0),
        run_as_user: Some(run_as_user),
        run_as_group: Some(run_as_user),
        seccomp_profile: Some(runtime_default_seccomp()),
        ..SecurityContext::default()
    }
}

pub fn http_get(path: &str, port: &str) -> HTTPGetAction {
    HTTPGetAction {
        path: Some(path.to_owned()),
        port: IntOrString::String(port.to_owned()),
        ..HTTPGetAction::default()
    }
}

pub fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.to_owned(),
        mount_path: path.to_owned(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

pub fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

pub fn container_port(name: &str, number: u16) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_owned()),
        container_port: i32::from(number),
        protocol: Some("TCP".to_owned()),
        ..ContainerPort::default()
    }
}

/// A Service port that targets the container port of the same name.
pub fn service_port(name: &str, number: u16) -> ServicePort {
    ServicePort {
        name: Some(name.to_owned()),
        port: i32::from(number),
        target_port: Some(IntOrString::String(name.to_owned())),
        protocol: Some("TCP".to_owned()),
        ..ServicePort::default()
    }
}

/// A volume from a ConfigMap of the same namespace.
pub fn config_map_volume(name: &str, config_map: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        config_map: Some(k8s_openapi::api::core::v1::ConfigMapVolumeSource {
            name: config_map.to_owned(),
            ..Default::default()
        }),
        ..Volume::default()
    }
}

/// Placement of a workload's pods: its node selector and tolerations from the config,
/// and a spread over nodes (ScheduleAnyway: a small cluster still schedules them all).
#[derive(Debug)]
pub struct Placement {
    pub node_selector: Option<BTreeMap<String, String>>,
    pub tolerations: Option<Vec<k8s_openapi::api::core::v1::Toleration>>,
    pub topology_spread_constraints:
        Option<Vec<k8s_openapi::api::core::v1::TopologySpreadConstraint>>,
}

pub fn placement(
    w: &crate::spec::resolved::Workload,
    selector: &BTreeMap<String, String>,
) -> Placement {
    use k8s_openapi::api::core::v1::{Toleration, TopologySpreadConstraint};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
    let tolerations: Vec<Toleration> = w
        .tolerations
        .iter()
        .map(|t| Toleration {
            key: t.key.clone().filter(|k| !k.is_empty()),
            operator: t.operator.clone(),
            value: t.value.clone().filter(|v| !v.is_empty()),
            effect: t.effect.clone().filter(|e| !e.is_empty()),
            toleration_seconds: t.toleration_seconds,
        })
        .collect();
    Placement {
        node_selector: (!w.node_selector.is_empty()).then(|| w.node_selector.clone()),
        tolerations: (!tolerations.is_empty()).then_some(tolerations),
        topology_spread_constraints: (w.replicas > 1).then(|| {
            vec![TopologySpreadConstraint {
                label_selector: Some(LabelSelector {
                    match_labels: Some(selector.clone()),
                    ..LabelSelector::default()
                }),
                max_skew: 1,
                topology_key: "kubernetes.io/hostname".to_owned(),
                when_unsatisfiable: "ScheduleAnyway".to_owned(),
                ..TopologySpreadConstraint::default()
            }]
        }),
    }
}
