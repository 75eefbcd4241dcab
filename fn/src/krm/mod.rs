//! The KRM function protocol: ResourceList in, ResourceList out, results for humans.
//! Our own types, following the kpt/kustomize function spec (`config.kubernetes.io/v1`).

pub mod annotations;
pub mod package;
pub mod resource_list;
pub mod result;
