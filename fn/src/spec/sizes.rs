//! `spec.size`: what `small`, `medium` and `large` mean for each workload.
//!
//! Anchors: the Loki Operator's `1x.small`/`1x.medium` sizing table and the upstream
//! chart's production values, scaled down where the chart's defaults leave pods
//! Pending on ordinary nodes (its memcached asks for 8+ GiB). Every number can be
//! overridden per component under `spec.components.<name>`.

use super::resolved::Part;
use super::types::{Mode, Size};

/// One workload's preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub replicas: u32,
    pub cpu_request: &'static str,
    pub memory_request: &'static str,
    pub memory_limit: &'static str,
    /// PVC size of a StatefulSet.
    pub storage: Option<&'static str>,
}

const fn p(
    replicas: u32,
    cpu_request: &'static str,
    memory_request: &'static str,
    memory_limit: &'static str,
    storage: Option<&'static str>,
) -> Preset {
    Preset {
        replicas,
        cpu_request,
        memory_request,
        memory_limit,
        storage,
    }
}

/// Ingestion limits per size: MB/s, burst MB, streams per tenant.
pub fn limits(size: Size) -> (f64, f64, u32) {
    match size {
        Size::Small => (10.0, 20.0, 10_000),
        Size::Medium => (20.0, 40.0, 25_000),
        Size::Large => (50.0, 100.0, 50_000),
    }
}

/// memcached item memory (MiB) per size: (chunks, results).
pub fn cache_memory_mb(size: Size) -> (u32, u32) {
    match size {
        Size::Small => (512, 128),
        Size::Medium => (2048, 512),
        Size::Large => (4096, 1024),
    }
}

/// The preset of a part in a size (None for SingleBinary, which the profile sizes).
pub fn preset(part: Part, size: Size, _mode: Mode) -> Option<Preset> {
    use Size::{Large, Medium, Small};
    let s = Some;
    Some(match (part, size) {
        (Part::SingleBinary, _) => return None,
        (Part::Distributor, Small) => p(2, "250m", "256Mi", "1Gi", None),
        (Part::Distributor, Medium) => p(3, "500m", "512Mi", "2Gi", None),
        (Part::Distributor, Large) => p(4, "1", "1Gi", "4Gi", None),
        (Part::Ingester, Small) => p(3, "500m", "1Gi", "2Gi", s("10Gi")),
        (Part::Ingester, Medium) => p(3, "1", "4Gi", "8Gi", s("50Gi")),
        (Part::Ingester, Large) => p(6, "2", "8Gi", "16Gi", s("150Gi")),
        (Part::Querier, Small) => p(2, "250m", "512Mi", "2Gi", None),
        (Part::Querier, Medium) => p(3, "500m", "1Gi", "4Gi", None),
        (Part::Querier, Large) => p(6, "1", "4Gi", "8Gi", None),
        (Part::QueryFrontend, Small) => p(2, "100m", "128Mi", "512Mi", None),
        (Part::QueryFrontend, Medium) => p(2, "250m", "256Mi", "1Gi", None),
        (Part::QueryFrontend, Large) => p(2, "500m", "1Gi", "2Gi", None),
        (Part::QueryScheduler, Small) => p(2, "100m", "64Mi", "256Mi", None),
        (Part::QueryScheduler, Medium) => p(2, "100m", "128Mi", "512Mi", None),
        (Part::QueryScheduler, Large) => p(2, "250m", "256Mi", "1Gi", None),
        // Exactly one compactor: it alone applies retention and deletes.
        (Part::Compactor, Small) => p(1, "250m", "512Mi", "2Gi", s("10Gi")),
        (Part::Compactor, Medium) => p(1, "500m", "1Gi", "4Gi", s("20Gi")),
        (Part::Compactor, Large) => p(1, "1", "4Gi", "8Gi", s("50Gi")),
        (Part::IndexGateway, Small) => p(2, "100m", "256Mi", "1Gi", s("10Gi")),
        (Part::IndexGateway, Medium) => p(2, "250m", "1Gi", "2Gi", s("20Gi")),
        (Part::IndexGateway, Large) => p(3, "500m", "2Gi", "4Gi", s("50Gi")),
        (Part::Ruler, Small) => p(1, "100m", "256Mi", "1Gi", s("10Gi")),
        (Part::Ruler, Medium) => p(2, "250m", "512Mi", "2Gi", s("10Gi")),
        (Part::Ruler, Large) => p(2, "500m", "1Gi", "4Gi", s("10Gi")),
        (Part::Write, Small) => p(3, "500m", "1Gi", "2Gi", s("10Gi")),
        (Part::Write, Medium) => p(3, "1", "4Gi", "8Gi", s("50Gi")),
        (Part::Write, Large) => p(6, "2", "8Gi", "16Gi", s("150Gi")),
        (Part::Read, Small) => p(2, "250m", "512Mi", "2Gi", None),
        (Part::Read, Medium) => p(3, "500m", "1Gi", "4Gi", None),
        (Part::Read, Large) => p(6, "1", "4Gi", "8Gi", None),
        (Part::Backend, Small) => p(2, "250m", "512Mi", "2Gi", s("10Gi")),
        (Part::Backend, Medium) => p(2, "500m", "1Gi", "4Gi", s("20Gi")),
        (Part::Backend, Large) => p(3, "1", "4Gi", "8Gi", s("50Gi")),
        (Part::Gateway, Small) => p(2, "50m", "32Mi", "128Mi", None),
        (Part::Gateway, Medium) => p(2, "100m", "64Mi", "256Mi", None),
        (Part::Gateway, Large) => p(3, "250m", "128Mi", "512Mi", None),
        // Requests follow `-m` (see render::cache); these are the replicas.
        (Part::ChunksCache, Small) => p(1, "100m", "", "", None),
        (Part::ChunksCache, Medium) => p(2, "250m", "", "", None),
        (Part::ChunksCache, Large) => p(3, "500m", "", "", None),
        (Part::ResultsCache, Small) => p(1, "50m", "", "", None),
        (Part::ResultsCache, Medium) => p(2, "100m", "", "", None),
        (Part::ResultsCache, Large) => p(2, "250m", "", "", None),
    })
}

/// Container memory for memcached with `-m` MiB of items: items plus 25% and 64 MiB
/// for connections and slab overhead, so the kernel never OOM-kills a full cache.
/// (Saturating: an out-of-range `memoryMB` is refused, but computed with first.)
pub fn cache_container_memory_mib(memory_mb: u32) -> u32 {
    memory_mb.saturating_add(memory_mb / 4).saturating_add(64)
}
