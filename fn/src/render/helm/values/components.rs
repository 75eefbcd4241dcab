//! Replicas, resources, PVCs and placement of every chart component, the gateway and the
//! caches, from the resolved workloads. Components the mode does not run get 0
//! replicas: the chart's validate.yaml refuses replicas in two modes at once.

use serde_json::{Map, Value, json};

use crate::render::labels::Labels;
use crate::spec::Resolved;
use crate::spec::resolved::{Cache, Gateway, Part, Resources, Workload};

/// An image reference as the chart's `{registry, repository, tag | digest}`.
pub fn image(reference: &str) -> Value {
    let (name_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    // A tag is a ':' after the last '/' (a registry port is before it).
    let slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag.get(slash..).and_then(|last| last.rfind(':')) {
        Some(i) => (
            name_tag.get(..slash + i).unwrap_or(name_tag),
            name_tag.get(slash + i + 1..),
        ),
        None => (name_tag, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest)
        }
        _ => ("docker.io", name),
    };
    let mut m = Map::new();
    m.insert("registry".to_owned(), json!(registry));
    m.insert("repository".to_owned(), json!(repository));
    if let Some(t) = tag {
        m.insert("tag".to_owned(), json!(t));
    }
    if let Some(d) = digest {
        m.insert("digest".to_owned(), json!(d));
    }
    Value::Object(m)
}

/// The chart's values key of each Loki part (the chart's name for it).
pub const LOKI_PARTS: [(&str, Part); 12] = [
    ("singleBinary", Part::SingleBinary),
    ("write", Part::Write),
    ("read", Part::Read),
    ("backend", Part::Backend),
    ("distributor", Part::Distributor),
    ("ingester", Part::Ingester),
    ("querier", Part::Querier),
    ("queryFrontend", Part::QueryFrontend),
    ("queryScheduler", Part::QueryScheduler),
    ("compactor", Part::Compactor),
    ("indexGateway", Part::IndexGateway),
    ("ruler", Part::Ruler),
];

/// Parts whose PVC the chart declares as a `claims` list rather than `size`.
fn uses_claims(part: Part) -> bool {
    matches!(part, Part::Ingester | Part::Compactor)
}

pub fn resources(res: &Resources) -> Value {
    let amounts = |a: &crate::spec::resolved::Amounts| {
        let mut m = Map::new();
        if let Some(cpu) = &a.cpu {
            m.insert("cpu".to_owned(), json!(cpu.as_str()));
        }
        if let Some(mem) = &a.memory {
            m.insert("memory".to_owned(), json!(mem.as_str()));
        }
        Value::Object(m)
    };
    let mut out = Map::new();
    let requests = amounts(&res.requests);
    if requests.as_object().is_some_and(|m| !m.is_empty()) {
        out.insert("requests".to_owned(), requests);
    }
    let limits = amounts(&res.limits);
    if limits.as_object().is_some_and(|m| !m.is_empty()) {
        out.insert("limits".to_owned(), limits);
    }
    Value::Object(out)
}

/// The chart's pod labels of a component, as its selectors spell them.
fn selector(r: &Resolved, component: &str) -> Labels {
    Labels::from([
        ("app.kubernetes.io/name".to_owned(), "loki".to_owned()),
        ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
        (
            "app.kubernetes.io/component".to_owned(),
            component.to_owned(),
        ),
    ])
}

/// nodeSelector, tolerations and spreading as Manifests output places pods: spread over
/// nodes when possible (`ScheduleAnyway`) instead of the chart's required
/// anti-affinity, which leaves pods Pending on clusters with fewer nodes than replicas.
fn placement(r: &Resolved, m: &mut Map<String, Value>, w: &Workload, component: &str) {
    m.insert("affinity".to_owned(), json!({}));
    let spread = if w.replicas > 1 {
        json!([{
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector(r, component)},
        }])
    } else {
        json!([])
    };
    m.insert("topologySpreadConstraints".to_owned(), spread);
    m.insert("nodeSelector".to_owned(), json!(w.node_selector));
    let tolerations: Vec<Value> = w
        .tolerations
        .iter()
        .map(|t| {
            let mut o = Map::new();
            let mut put = |k: &str, v: &Option<String>| {
                if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                    o.insert(k.to_owned(), json!(v));
                }
            };
            put("key", &t.key);
            put("operator", &t.operator);
            put("value", &t.value);
            put("effect", &t.effect);
            if let Some(s) = t.toleration_seconds {
                o.insert("tolerationSeconds".to_owned(), json!(s));
            }
            Value::Object(o)
        })
        .collect();
    m.insert("tolerations".to_owned(), Value::Array(tolerations));
    // A node drain takes one pod of a multi-replica component at a time (the chart
    // renders a budget only when told how many may go).
    if w.replicas > 1 {
        m.insert(
            "podDisruptionBudget".to_owned(),
            json!({"enabled": true, "maxUnavailable": 1}),
        );
    }
}

/// The PVC of a stateful part, kept when the StatefulSet is deleted or scaled down
/// (the chart deletes them by default for some components).
fn persistence(part: Part, w: &Workload) -> Option<Value> {
    let v = w.storage.as_ref()?;
    let mut claim = Map::new();
    claim.insert("size".to_owned(), json!(v.size.as_str()));
    if let Some(class) = &v.storage_class_name {
        claim.insert("storageClass".to_owned(), json!(class));
    }
    let mut p = claim.clone();
    for (k, x) in [
        ("enabled", json!(true)),
        ("volumeClaimsEnabled", json!(true)),
        ("enableStatefulSetAutoDeletePVC", json!(true)),
        ("whenDeleted", json!("Retain")),
        ("whenScaled", json!("Retain")),
    ] {
        p.insert(k.to_owned(), x);
    }
    if uses_claims(part) {
        claim.insert("name".to_owned(), json!("data"));
        claim.insert("accessModes".to_owned(), json!(["ReadWriteOnce"]));
        p.insert("claims".to_owned(), json!([claim]));
    }
    Some(Value::Object(p))
}

/// Every Loki component: the mode's with their workload, the others with 0 replicas.
pub fn loki_components(r: &Resolved, out: &mut Map<String, Value>) {
    for (key, part) in LOKI_PARTS {
        let mut m = Map::new();
        match r.workload(part) {
            Some(w) => {
                m.insert("replicas".to_owned(), json!(w.replicas));
                m.insert("resources".to_owned(), resources(&w.resources));
                placement(r, &mut m, w, part.role());
                if let Some(p) = persistence(part, w) {
                    m.insert("persistence".to_owned(), p);
                }
            }
            None => {
                m.insert("replicas".to_owned(), json!(0));
            }
        }
        if part == Part::Ruler {
            m.insert("enabled".to_owned(), json!(r.ruler.is_some()));
        }
        if part == Part::Ingester {
            m.insert("zoneAwareReplication".to_owned(), zones(r));
        }
        out.insert(key.to_owned(), Value::Object(m));
    }
}

/// `spec.zones` (exactly three: checked when resolving) as the chart's zoneA/B/C.
fn zones(r: &Resolved) -> Value {
    if r.zones.is_empty() {
        return json!({"enabled": false});
    }
    let mut m = Map::new();
    m.insert("enabled".to_owned(), json!(true));
    for (key, zone) in ["zoneA", "zoneB", "zoneC"].iter().zip(&r.zones) {
        m.insert(
            (*key).to_owned(),
            json!({"nodeSelector": {"topology.kubernetes.io/zone": zone}}),
        );
    }
    Value::Object(m)
}

/// `gateway:` the chart's nginx, or off.
pub fn gateway(r: &Resolved) -> Value {
    let (Some(gw), Some(w)) = (r.gateway.as_ref(), r.workload(Part::Gateway)) else {
        return json!({"enabled": false});
    };
    let mut m = Map::new();
    m.insert("enabled".to_owned(), json!(true));
    m.insert("replicas".to_owned(), json!(w.replicas));
    m.insert("image".to_owned(), image(&gw.image));
    m.insert("resources".to_owned(), resources(&w.resources));
    placement(r, &mut m, w, "gateway");
    m.insert("nginxConfig".to_owned(), nginx(r, gw));
    m.insert(
        "basicAuth".to_owned(),
        match &gw.auth {
            Some(a) => json!({"enabled": true, "existingSecret": a.secret_name}),
            None => json!({"enabled": false}),
        },
    );
    // The access-log exporter sidecar: not scraped by this stack's monitors.
    m.insert("metrics".to_owned(), json!({"enabled": false}));
    Value::Object(m)
}

fn nginx(r: &Resolved, gw: &Gateway) -> Value {
    // With tenancy and authentication the user is the tenant, whatever the client
    // sent (as Manifests output's gateway does; the chart does it for loki.tenants).
    let snippet = if r.tenancy.enabled && gw.auth.is_some() {
        "proxy_set_header X-Scope-OrgID $remote_user;"
    } else {
        ""
    };
    json!({"resolver": gw.resolver, "locationSnippet": snippet})
}

/// `chunksCache:` / `resultsCache:` sized as ours: `allocatedMemory` is memcached's
/// `-m`, the pod's memory what Manifests output gives it.
pub fn cache(r: &Resolved, part: Part, cache: Option<&Cache>) -> Value {
    let (Some(_), Some(w)) = (cache, r.workload(part)) else {
        return json!({"enabled": false});
    };
    let memory_mb = cache.map_or(0, |c| c.memory_mb);
    let mut m = Map::new();
    m.insert("enabled".to_owned(), json!(true));
    m.insert("replicas".to_owned(), json!(w.replicas));
    m.insert("allocatedMemory".to_owned(), json!(memory_mb));
    m.insert("resources".to_owned(), resources(&w.resources));
    placement(r, &mut m, w, &format!("memcached-{}", part.role()));
    Value::Object(m)
}

/// `memcached.image`: one image for both caches (a difference is refused).
pub fn memcached(r: &Resolved) -> Option<Value> {
    let c = r.caches.chunks.as_ref().or(r.caches.results.as_ref())?;
    Some(json!({"image": image(&c.image)}))
}
