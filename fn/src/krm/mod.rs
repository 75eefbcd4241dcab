//! The KRM function protocol: ResourceList in, ResourceList out, results for humans.
//! Our own types, following the kpt/kustomize function spec (`config.kubernetes.io/v1`).

pub mod annotations;
pub mod item;
mod lines;
pub mod package;
pub mod resource_list;
pub mod result;
pub mod scan;
#[cfg(test)]
mod scan_tests;

/// The `apiVersion` and `kind` of a ResourceList.
pub const API_VERSION: &str = "config.kubernetes.io/v1";
pub const KIND: &str = "ResourceList";
