//! `spec.components`: per-component overrides of the size preset.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;
use super::shared::ResourcesSpec;
use super::storage::FilesystemSpec;

/// `spec.components.<name>`: overrides of one component's preset. Only the components
/// of the chosen mode (and of what is turned on: gateway, caches, ruler) may be named.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentsSpec {
    /// SingleBinary mode: the one Loki pod (exactly 1 replica).
    pub single_binary: Option<ComponentSpec>,
    /// Distributed: receives pushes and forwards them to the ingesters.
    pub distributor: Option<ComponentSpec>,
    /// Distributed: keeps recent streams in memory and its WAL on a PVC.
    pub ingester: Option<ComponentSpec>,
    /// Distributed: runs queries.
    pub querier: Option<ComponentSpec>,
    /// Distributed: splits and caches queries.
    pub query_frontend: Option<ComponentSpec>,
    /// Distributed: queues queries for the queriers.
    pub query_scheduler: Option<ComponentSpec>,
    /// Distributed: compacts the index and applies retention (exactly 1 replica).
    pub compactor: Option<ComponentSpec>,
    /// Distributed: serves the index to queriers.
    pub index_gateway: Option<ComponentSpec>,
    /// Scalable modes with `spec.ruler.enabled`.
    pub ruler: Option<ComponentSpec>,
    /// SimpleScalable: the write path (distributor + ingester).
    pub write: Option<ComponentSpec>,
    /// SimpleScalable: the read path.
    pub read: Option<ComponentSpec>,
    /// SimpleScalable: compactor, index gateway, query scheduler, ruler.
    pub backend: Option<ComponentSpec>,
    /// The nginx gateway, when it runs.
    pub gateway: Option<ComponentSpec>,
    /// memcached of `spec.caches.chunks`, when on.
    pub chunks_cache: Option<ComponentSpec>,
    /// memcached of `spec.caches.results`, when on.
    pub results_cache: Option<ComponentSpec>,
}

/// Overrides of one component's preset.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentSpec {
    /// Pods of the component, 1 to 100 (compactor and single binary: exactly 1).
    #[schemars(range(min = 1, max = 100))]
    pub replicas: Option<u32>,
    /// Default: the size preset's requests and memory limit.
    pub resources: Option<ResourcesSpec>,
    /// PVC of a stateful component (ingester, write, backend, single binary, ...).
    pub storage: Option<FilesystemSpec>,
    /// Labels a node must have to run the component's pods.
    #[schemars(transform = rules::label_map)]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Taints the component's pods tolerate (Kubernetes tolerations).
    pub tolerations: Option<Vec<TolerationSpec>>,
}

/// A Kubernetes toleration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TolerationSpec {
    /// The taint's key (a label key); required with operator `Equal`.
    #[schemars(transform = rules::label_key_or_empty)]
    pub key: Option<String>,
    /// `Equal` (default) or `Exists`.
    #[schemars(transform = rules::toleration_operator)]
    pub operator: Option<String>,
    /// The taint's value (empty with `Exists`).
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty: every effect.
    #[schemars(transform = rules::toleration_effect)]
    pub effect: Option<String>,
    /// `NoExecute` only: seconds the pod stays once the taint appears.
    pub toleration_seconds: Option<i64>,
}
