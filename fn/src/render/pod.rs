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
