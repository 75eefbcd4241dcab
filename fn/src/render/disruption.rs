//! PodDisruptionBudgets: a node drain takes at most one pod of a multi-replica
//! component at a time (with replication factor 3, losing one ingester loses no data
//! and no writes).

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels::{self, Component};
use super::meta::object_meta;
use crate::contract as names;
use crate::spec::Resolved;
use crate::spec::resolved::Part;

/// The labels component of a part (Loki parts, the gateway, the caches).
pub fn component_of(r: &Resolved, part: Part) -> Component<'_> {
    match part {
        Part::Gateway => match &r.gateway {
            Some(gw) => super::gateway::component(gw),
            None => Component {
                app: names::GATEWAY,
                role: part.role(),
                image: None,
            },
        },
        Part::ChunksCache => Component {
            app: "memcached",
            role: part.role(),
            image: r.caches.chunks.as_ref().map(|c| c.image.as_str()),
        },
        Part::ResultsCache => Component {
            app: "memcached",
            role: part.role(),
            image: r.caches.results.as_ref().map(|c| c.image.as_str()),
        },
        _ => super::loki::component(r, part),
    }
}

pub fn budgets(r: &Resolved) -> Vec<PodDisruptionBudget> {
    r.components
        .iter()
        .filter(|(part, w)| {
            // Zone-aware ingesters are several StatefulSets: count them together.
            let total = if **part == Part::Ingester && !r.zones.is_empty() {
                r.ingester_replicas().max(w.replicas)
            } else {
                w.replicas
            };
            total > 1
        })
        .map(|(&part, _)| {
            let c = component_of(r, part);
            PodDisruptionBudget {
                metadata: object_meta(&part.service(), Some(&r.namespace), labels::common(r, c)),
                spec: Some(PodDisruptionBudgetSpec {
                    max_unavailable: Some(IntOrString::Int(1)),
                    selector: Some(LabelSelector {
                        match_labels: Some(labels::selector(r, c)),
                        ..LabelSelector::default()
                    }),
                    ..PodDisruptionBudgetSpec::default()
                }),
                ..PodDisruptionBudget::default()
            }
        })
        .collect()
}
