//! Workloads of the stack (`spec.size`, `spec.components`), replication and zones.

use std::collections::BTreeMap;

use super::checker::{Checker, labels, resources};
use crate::spec::names;
use crate::spec::profile::Defaults;
use crate::spec::quantity::Quantity;
use crate::spec::resolved::{Part, Volume, Workload};
use crate::spec::sizes;
use crate::spec::types::{ComponentSpec, ComponentsSpec, Mode, Size, Spec, TolerationSpec};

fn override_of(c: &ComponentsSpec, part: Part) -> Option<&ComponentSpec> {
    match part {
        Part::SingleBinary => c.single_binary.as_ref(),
        Part::Distributor => c.distributor.as_ref(),
        Part::Ingester => c.ingester.as_ref(),
        Part::Querier => c.querier.as_ref(),
        Part::QueryFrontend => c.query_frontend.as_ref(),
        Part::QueryScheduler => c.query_scheduler.as_ref(),
        Part::Compactor => c.compactor.as_ref(),
        Part::IndexGateway => c.index_gateway.as_ref(),
        Part::Ruler => c.ruler.as_ref(),
        Part::Write => c.write.as_ref(),
        Part::Read => c.read.as_ref(),
        Part::Backend => c.backend.as_ref(),
        Part::Gateway => c.gateway.as_ref(),
        Part::ChunksCache => c.chunks_cache.as_ref(),
        Part::ResultsCache => c.results_cache.as_ref(),
    }
}

/// What decides which workloads exist.
pub(super) struct Shape {
    pub mode: Mode,
    pub size: Size,
    pub gateway: bool,
    /// memcached `-m` of the chunks and results caches, when on.
    pub chunks_cache_mb: Option<u32>,
    pub results_cache_mb: Option<u32>,
    pub ruler: bool,
}

pub(super) fn components(
    c: &mut Checker,
    spec: &Spec,
    d: &Defaults,
    shape: &Shape,
) -> BTreeMap<Part, Workload> {
    let overrides = spec.components.clone().unwrap_or_default();
    let mut parts = Part::of_mode(shape.mode, shape.ruler);
    if shape.gateway {
        parts.push(Part::Gateway);
    }
    if shape.chunks_cache_mb.is_some() {
        parts.push(Part::ChunksCache);
    }
    if shape.results_cache_mb.is_some() {
        parts.push(Part::ResultsCache);
    }
    for part in Part::ALL {
        if !parts.contains(&part) && override_of(&overrides, part).is_some() {
            let names: Vec<&str> = parts.iter().map(|p| p.field()).collect();
            c.error(
                &format!("spec.components.{}", part.field()),
                format!(
                    "{} is not part of this stack ({:?} mode; its components: {}){}",
                    part.field(),
                    shape.mode,
                    names.join(", "),
                    match part {
                        Part::Gateway => "; set spec.gateway.enabled: true to run the gateway",
                        Part::ChunksCache | Part::ResultsCache =>
                            "; enable it under spec.caches first",
                        Part::Ruler => "; set spec.ruler.enabled: true to run the ruler",
                        _ => "",
                    }
                ),
            );
        }
    }
    if shape.mode != Mode::SingleBinary && spec.loki.as_ref().is_some_and(|l| l.resources.is_some())
    {
        c.error(
            "spec.loki.resources",
            format!(
                "sizes a SingleBinary Loki; in {:?} mode set resources per component under \
                 spec.components.<name>.resources (or pick spec.size)",
                shape.mode
            ),
        );
    }
    let mut out = BTreeMap::new();
    for part in parts {
        let o = override_of(&overrides, part).cloned().unwrap_or_default();
        if let Some(w) = workload(c, spec, d, shape, part, &o) {
            out.insert(part, w);
        }
    }
    out
}

fn workload(
    c: &mut Checker,
    spec: &Spec,
    d: &Defaults,
    shape: &Shape,
    part: Part,
    o: &ComponentSpec,
) -> Option<Workload> {
    let field = format!("spec.components.{}", part.field());
    let cache_mb = match part {
        Part::ChunksCache => shape.chunks_cache_mb,
        Part::ResultsCache => shape.results_cache_mb,
        _ => None,
    };
    let (replicas, requests, memory_limit, storage) =
        match sizes::preset(part, shape.size, shape.mode) {
            None => (
                1,
                d.loki_requests,
                d.loki_memory_limit,
                Some(d.storage_size),
            ),
            Some(p) => (
                p.replicas,
                (p.cpu_request, p.memory_request),
                p.memory_limit,
                p.storage,
            ),
        };
    let cache_memory = cache_mb.map(|mb| format!("{}Mi", sizes::cache_container_memory_mib(mb)));
    let requests = match &cache_memory {
        Some(m) => (requests.0, m.as_str()),
        None => requests,
    };
    let memory_limit = cache_memory.as_deref().unwrap_or(memory_limit);

    let replicas = o.replicas.unwrap_or(replicas);
    let rf = format!("{field}.replicas");
    if replicas == 0 {
        c.error(&rf, "must be at least 1");
    } else if part == Part::SingleBinary && replicas != 1 {
        c.error(
            &rf,
            "SingleBinary runs exactly one replica (its ring is in memory); to scale out use \
             mode SimpleScalable or Distributed with object storage",
        );
    } else if part == Part::Compactor && replicas != 1 {
        c.error(
            &rf,
            "the compactor runs exactly one replica: it alone compacts the index and applies \
             retention and deletes",
        );
    } else if replicas > 100 {
        c.error(&rf, "more than 100 replicas: is this a typo?");
    }

    // SingleBinary and the gateway keep their older, more specific fields
    // (`spec.components.<name>.resources` wins over them).
    let (legacy_field, legacy_resources) = match part {
        Part::SingleBinary => (
            "spec.loki.resources",
            spec.loki.as_ref().and_then(|l| l.resources.clone()),
        ),
        Part::Gateway => (
            "spec.gateway.resources",
            spec.gateway.as_ref().and_then(|g| g.resources.clone()),
        ),
        _ => ("", None),
    };
    let res_field = if o.resources.is_none() && legacy_resources.is_some() {
        legacy_field.to_owned()
    } else {
        format!("{field}.resources")
    };
    let resources = resources(
        c,
        &res_field,
        o.resources.as_ref().or(legacy_resources.as_ref()),
        requests,
        memory_limit,
    );

    let storage = if part.is_stateful() {
        let fs = if part == Part::SingleBinary {
            o.storage
                .clone()
                .or_else(|| spec.storage.as_ref().and_then(|s| s.filesystem.clone()))
        } else {
            o.storage.clone()
        };
        let sf = if part == Part::SingleBinary && o.storage.is_none() {
            "spec.storage.filesystem".to_owned()
        } else {
            format!("{field}.storage")
        };
        volume(
            c,
            &sf,
            fs.unwrap_or_default(),
            storage.unwrap_or(d.storage_size),
        )
    } else {
        if o.storage.is_some() {
            c.error(
                &format!("{field}.storage"),
                format!(
                    "{} keeps nothing on disk (it runs as a Deployment): storage does not apply",
                    part.field()
                ),
            );
        }
        None
    };

    let node_selector = labels(
        c,
        &format!("{field}.nodeSelector"),
        o.node_selector.as_ref(),
        &[],
    );
    let tolerations = o.tolerations.clone().unwrap_or_default();
    for (i, t) in tolerations.iter().enumerate() {
        toleration(c, &format!("{field}.tolerations[{i}]"), t);
    }
    Some(Workload {
        replicas,
        resources,
        storage,
        node_selector,
        tolerations,
    })
}

fn volume(
    c: &mut Checker,
    field: &str,
    given: crate::spec::types::FilesystemSpec,
    default_size: &str,
) -> Option<Volume> {
    let size_text = given.size.unwrap_or_else(|| default_size.to_owned());
    let size = c.check(&format!("{field}.size"), Quantity::parse(&size_text));
    if let Some(size) = &size
        && size.value() < 1_073_741_824.0
    {
        c.error(
            &format!("{field}.size"),
            format!(
                "{size_text:?} is too small for Loki's WAL, index and chunks: use at least 1Gi"
            ),
        );
    }
    let class = given.storage_class_name.filter(|s| !s.is_empty());
    if let Some(class) = &class
        && !class.split('.').all(|p| names::check_dns_label(p).is_ok())
    {
        c.error(
            &format!("{field}.storageClassName"),
            format!("invalid StorageClass name {class:?}: must be a DNS subdomain"),
        );
    }
    size.map(|size| Volume {
        size,
        storage_class_name: class,
    })
}

fn toleration(c: &mut Checker, field: &str, t: &TolerationSpec) {
    let op = t.operator.as_deref().unwrap_or("Equal");
    if !matches!(op, "Equal" | "Exists") {
        c.error(
            &format!("{field}.operator"),
            format!("{op:?}: must be Equal or Exists"),
        );
    }
    if op == "Exists" && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
        c.error(
            &format!("{field}.value"),
            "must be empty when the operator is Exists",
        );
    }
    if op == "Equal" && t.key.as_deref().unwrap_or_default().is_empty() {
        c.error(
            &format!("{field}.key"),
            "required with operator Equal (an empty key with Exists tolerates every taint)",
        );
    }
    if let Some(k) = t.key.as_deref().filter(|k| !k.is_empty()) {
        c.check(&format!("{field}.key"), names::check_label_key(k));
    }
    if let Some(e) = t.effect.as_deref()
        && !matches!(e, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute")
    {
        c.error(
            &format!("{field}.effect"),
            format!("{e:?}: must be NoSchedule, PreferNoSchedule or NoExecute"),
        );
    }
    if t.toleration_seconds.is_some() && t.effect.as_deref() != Some("NoExecute") {
        c.error(
            &format!("{field}.tolerationSeconds"),
            "only applies with effect NoExecute",
        );
    }
}

/// `spec.replicationFactor`: SingleBinary has one copy; the scalable modes default to
/// the profile's (3), never more than there are ingesters (or zones).
pub(super) fn replication_factor(
    c: &mut Checker,
    spec: &Spec,
    d: &Defaults,
    mode: Mode,
    ingesters: u32,
    zones: usize,
) -> u32 {
    let field = "spec.replicationFactor";
    if mode == Mode::SingleBinary {
        if let Some(rf) = spec.replication_factor
            && rf != 1
        {
            c.error(
                field,
                format!("{rf}: SingleBinary has one ingester, so one copy; use mode Distributed to replicate"),
            );
        }
        return 1;
    }
    let rf = spec.replication_factor.unwrap_or(d.replication_factor);
    if rf == 0 {
        c.error(field, "must be at least 1");
    } else if ingesters > 0 && rf > ingesters {
        let which = if mode == Mode::SimpleScalable {
            "spec.components.write.replicas"
        } else {
            "spec.components.ingester.replicas"
        };
        c.error(
            field,
            format!(
                "{rf} copies need at least {rf} ingesters, and the stack has {ingesters} \
                 ({which}): every push would fail; raise the replicas or lower the factor"
            ),
        );
    } else if zones > 0 && rf as usize > zones {
        c.error(
            field,
            format!(
                "{rf} copies over {zones} zones: zone-aware replication keeps at most one copy \
                 per zone; list at least {rf} zones in spec.zones or lower the factor"
            ),
        );
    }
    rf
}

/// `spec.zones`: distinct zone names, Distributed only, no more zones than ingesters.
pub(super) fn zones(c: &mut Checker, spec: &Spec, mode: Mode, ingesters: u32) -> Vec<String> {
    let Some(zones) = spec.zones.clone() else {
        return Vec::new();
    };
    let field = "spec.zones";
    if mode != Mode::Distributed {
        c.error(
            field,
            format!("zone-aware ingesters need mode Distributed (this stack is {mode:?})"),
        );
        return Vec::new();
    }
    if zones.len() < 2 {
        c.error(
            field,
            "zone-aware replication needs at least 2 zones; remove spec.zones for a single zone",
        );
    }
    if zones.len() > 26 {
        c.error(field, "at most 26 zones");
    }
    for (i, z) in zones.iter().enumerate() {
        c.check(&format!("{field}[{i}]"), names::check_label_value(z));
        if z.is_empty() {
            c.error(&format!("{field}[{i}]"), "must not be empty");
        }
        if zones.iter().take(i).any(|prev| prev == z) {
            c.error(
                &format!("{field}[{i}]"),
                format!("zone {z:?} is listed twice"),
            );
        }
    }
    if (ingesters as usize) < zones.len() {
        c.error(
            field,
            format!(
                "{} zones but only {ingesters} ingesters: every zone needs at least one \
                 (spec.components.ingester.replicas)",
                zones.len()
            ),
        );
    }
    zones
}
