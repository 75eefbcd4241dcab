//! Random valid LokiStack configs, built from a stream of bytes: proptest supplies (and
//! shrinks) the bytes in the property tests, libFuzzer in `fuzz/` (target `structured`).
//! A byte of 0 (or the end of the stream) always picks "leave it out" or the first
//! choice, so shrinking the bytes shrinks the config.
//!
//! Profiles local, cloud and agent (tests/src/generate/agent.rs).
//!
//! Every config is valid by construction: the builder follows the refusal rules
//! (docs/src/reference/refusals.md) with its choices, so the function must render each one.

mod access;
mod agent;
mod collector;
pub mod mutate;

use serde_json::{Map, Value, json};

use loki_stack_fn::spec::types::{Mode, Size};

use access::{caches, components, exposure_spec, gateway_spec, network};
use collector::{collector, grafana, monitoring};

/// Choices read from bytes; zeros once they run out.
#[derive(Debug, Clone)]
pub struct Entropy<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Entropy<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let v = if n > 256 {
            usize::from(self.byte()) << 8 | usize::from(self.byte())
        } else {
            usize::from(self.byte())
        };
        v % n.max(1)
    }

    /// `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = usize::try_from(hi.saturating_sub(lo)).unwrap_or(0) + 1;
        lo + u32::try_from(self.below(span)).unwrap_or(0)
    }

    /// False on 0: "leave it out" shrinks first.
    pub fn chance(&mut self) -> bool {
        self.byte() % 2 == 1
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// `None` (on 0) or one of the items.
    pub fn maybe<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        match self.below(items.len() + 1) {
            0 => None,
            i => Some(items[i - 1].clone()),
        }
    }

    /// Distinct items, in pool order, at most `max`.
    pub fn subset<T: Clone>(&mut self, items: &[T], max: usize) -> Vec<T> {
        let mut out = Vec::new();
        for item in items {
            if out.len() < max && self.chance() {
                out.push(item.clone());
            }
        }
        out
    }
}

/// A mapping from the entries that are set.
pub(crate) fn obj(entries: Vec<(&str, Option<Value>)>) -> Option<Value> {
    let map: Map<String, Value> = entries
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect();
    (!map.is_empty()).then_some(Value::Object(map))
}

pub(crate) fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

pub(crate) fn strs(v: &[&str]) -> Value {
    Value::Array(v.iter().map(|x| s(x)).collect())
}

pub const DURATIONS_24H: &[&str] = &["24h", "72h", "7d", "1d12h", "2w", "30d", "1y", "168h"];
pub(crate) const SIZES: &[&str] = &["1Gi", "10Gi", "20Gi", "50Gi", "2G", "1536Mi"];
pub(crate) const CPUS: &[&str] = &["100m", "250m", "500m", "1", "2"];
pub(crate) const MEMORY: &[&str] = &["64Mi", "128Mi", "256Mi", "512Mi", "1Gi"];
pub(crate) const BIG_MEMORY: &[&str] = &["1Gi", "2Gi", "4Gi", "16Gi"];
pub(crate) const NAMESPACES: &[&str] = &[
    "vault",
    "payments",
    "cert-manager",
    "flux-system",
    "shop",
    "x1",
];
const BUCKETS: &[&str] = &["example-loki-chunks", "abc", "logs.example.com", "a-1-b"];
pub(crate) const LABELS: &[(&str, &str)] = &[
    ("release", "kube-prometheus-stack"),
    ("grafana_datasource", "1"),
    ("app.kubernetes.io/part-of", "observability"),
    ("team", ""),
];
pub(crate) const IMAGES: &[&str] = &[
    "registry.example.com/mirror/image:1.2.3",
    "localhost:5000/img:v1",
    "img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];

pub(crate) fn labels(e: &mut Entropy) -> Option<Value> {
    if !e.chance() {
        return None;
    }
    let picked = e.subset(LABELS, 4);
    Some(Value::Object(
        picked
            .iter()
            .map(|(k, v)| ((*k).to_owned(), s(v)))
            .collect(),
    ))
}

pub(crate) fn resources(e: &mut Entropy, memory: &[&str]) -> Option<Value> {
    if !e.chance() {
        return None;
    }
    // A limit only with its request (the defaults' requests may be above it), never
    // below it; a memory request only with its limit (the default limit may be below it).
    let cpu = e.chance().then(|| e.below(CPUS.len()));
    let cpu_limit = cpu.and_then(|c| e.chance().then(|| c + e.below(CPUS.len() - c)));
    let mem = e.chance().then(|| e.below(memory.len()));
    let mem_limit = mem.map(|m| m + e.below(memory.len() - m));
    obj(vec![
        (
            "requests",
            obj(vec![
                ("cpu", cpu.map(|c| s(CPUS[c]))),
                ("memory", mem.map(|m| s(memory[m]))),
            ]),
        ),
        (
            "limits",
            obj(vec![
                ("cpu", cpu_limit.map(|c| s(CPUS[c]))),
                ("memory", mem_limit.map(|m| s(memory[m]))),
            ]),
        ),
    ])
}

/// What the rest of the config depends on.
pub(crate) struct Shape {
    pub mode: Mode,
    pub size: Size,
    pub tenancy: bool,
    pub tenant_id: String,
    pub gateway: bool,
    pub auth: bool,
    pub exposure: u8,
    pub ruler: bool,
}

/// A valid LokiStack config (apiVersion, kind, metadata and spec) from `e`.
pub fn config(e: &mut Entropy) -> Value {
    // One byte: odd is cloud (half the configs), 2 mod 8 an agent, the rest local (0 too,
    // so a shrunk config is local).
    let profile = e.byte();
    if profile % 8 == 2 {
        return agent::config(e);
    }
    let cloud = profile % 2 == 1;
    let mode_given = e.maybe(&[Mode::SingleBinary, Mode::SimpleScalable, Mode::Distributed]);
    let mode_given = match mode_given {
        Some(Mode::SingleBinary) if cloud => Some(Mode::Distributed),
        m => m,
    };
    let mode = mode_given.unwrap_or(if cloud {
        Mode::Distributed
    } else {
        Mode::SingleBinary
    });
    let size_given = e.maybe(&[Size::Small, Size::Medium, Size::Large]);
    let size = size_given.unwrap_or(Size::Small);
    let mut spec = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            spec.insert(k.to_owned(), v);
        }
    };
    put("profile", Some(s(if cloud { "cloud" } else { "local" })));
    put("mode", mode_given.map(|m| s(&format!("{m:?}"))));
    put("size", size_given.map(|z| s(z.as_str())));
    put("storage", storage(e, cloud, mode));
    let tenancy_given = e.maybe(&[false, true]);
    let tenancy = tenancy_given.unwrap_or(cloud);
    let tenant_id = if tenancy {
        e.maybe(&["cluster", "team-a", "T_1.(x)"])
    } else {
        None
    };
    let exposure = e.byte() % 4; // none, Ingress, HTTPRoute, both
    let auth = exposure > 0 || e.chance();
    let gateway_given = if auth {
        e.maybe(&[true])
    } else {
        e.maybe(&[false, true])
    };
    let gateway = gateway_given.unwrap_or(mode != Mode::SingleBinary || auth);
    let shape = Shape {
        mode,
        size,
        tenancy,
        tenant_id: tenant_id.unwrap_or("cluster").to_owned(),
        gateway,
        auth: auth && gateway,
        exposure: if gateway { exposure } else { 0 },
        ruler: e.chance(),
    };
    put(
        "tenancy",
        tenancy_spec(e, tenancy_given, tenancy, tenant_id),
    );
    put("gateway", gateway_spec(e, &shape, gateway_given));
    put("exposure", exposure_spec(e, &shape));
    put("caches", caches(e));
    put(
        "ruler",
        if shape.ruler {
            obj(vec![
                ("enabled", Some(json!(true))),
                (
                    "alertmanagerUrl",
                    e.maybe(&[
                        "http://alertmanager-operated.monitoring.svc:9093",
                        "https://am.example.com",
                    ])
                    .map(s),
                ),
            ])
        } else {
            e.maybe(&[json!({"enabled": false})])
        },
    );
    let (components, ingesters) = components(e, &shape);
    put("components", components);
    let zones = if mode == Mode::Distributed && ingesters >= 2 && e.chance() {
        let n = e.range(2, ingesters.min(4));
        let all = ["eu-west-1a", "eu-west-1b", "eu-west-1c", "z.4"];
        Some(all[..n as usize].to_vec())
    } else {
        None
    };
    put("zones", zones.as_ref().map(|z| strs(z)));
    let rf_limit = zones
        .as_ref()
        .map_or(ingesters, |z| ingesters.min(z.len() as u32));
    let rf = match mode {
        Mode::SingleBinary => e.maybe(&[1]),
        _ if e.chance() => Some(e.range(1, rf_limit)),
        _ if rf_limit < 3 => Some(rf_limit),
        _ => None,
    };
    put("replicationFactor", rf.map(|r| json!(r)));
    put("retention", Some(retention(e)));
    put("schemas", schemas(e));
    put("limits", limits(e));
    put(
        "namespace",
        e.maybe(&["logging", "observability", "l0ki"]).map(s),
    );
    put(
        "clusterDomain",
        e.maybe(&["cluster.local", "k8s.internal"]).map(s),
    );
    put(
        "loki",
        obj(vec![
            ("image", e.maybe(IMAGES).map(s)),
            (
                "logLevel",
                e.maybe(&["debug", "info", "warn", "error"]).map(s),
            ),
            (
                "resources",
                if mode == Mode::SingleBinary {
                    resources(e, BIG_MEMORY)
                } else {
                    None
                },
            ),
        ]),
    );
    put("collector", collector(e));
    put("network", network(e, &shape));
    put("monitoring", monitoring(e));
    put("grafana", grafana(e));
    json!({
        "apiVersion": "lokistack.krm.dev/v1alpha1",
        "kind": "LokiStack",
        "metadata": {"name": e.pick(&["loki", "logs", "l-1"])},
        "spec": Value::Object(spec),
    })
}

fn storage(e: &mut Entropy, cloud: bool, mode: Mode) -> Option<Value> {
    let mut backend = e.below(4); // default, filesystem, s3, gcs
    if (cloud || mode != Mode::SingleBinary) && backend < 2 {
        backend = 2;
    }
    let auth = |e: &mut Entropy, gcs: bool| match e.below(3) {
        0 => None,
        1 => Some(json!({"serviceAccountAnnotations": if gcs {
            json!({"iam.gke.io/gcp-service-account": "loki@p.iam.gserviceaccount.com"})
        } else {
            json!({"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/loki"})
        }})),
        _ => {
            let key = |e: &mut Entropy, name: &str| {
                e.maybe(&["key.json", "AWS_ACCESS_KEY_ID", "k_1.x"])
                    .map(|k| (name.to_owned(), s(k)))
            };
            let mut r = Map::from_iter([("name".to_owned(), s("loki-storage"))]);
            let keys = if gcs {
                vec![key(e, "keyFileKey")]
            } else {
                vec![key(e, "accessKeyIdKey"), key(e, "secretAccessKeyKey")]
            };
            r.extend(keys.into_iter().flatten());
            Some(json!({"secretRef": r}))
        }
    };
    match backend {
        0 => None,
        1 => Some(json!({"filesystem": obj(vec![
            ("size", e.maybe(SIZES).map(s)),
            ("storageClassName", e.maybe(&["", "standard", "fast.ssd"]).map(s)),
        ]).unwrap_or_else(|| json!({}))})),
        2 => {
            let endpoint = e.maybe(&[
                "minio.minio.svc:9000",
                "http://minio:9000",
                "https://s3.example.com/",
            ]);
            let region = if endpoint.is_some() {
                e.maybe(&["us-east-1", ""])
            } else {
                Some(e.pick(&["eu-west-1", "us-east-1"]))
            };
            let sse = match e.below(3) {
                0 => None,
                1 => Some(json!({"type": "SSE-S3"})),
                _ => Some(json!({"type": "SSE-KMS", "kmsKeyId": "alias/loki"})),
            };
            let s3 = obj(vec![
                ("bucket", Some(s(e.pick(BUCKETS)))),
                ("region", region.map(s)),
                ("endpoint", endpoint.map(s)),
                ("forcePathStyle", e.maybe(&[false, true]).map(Value::Bool)),
                ("sse", sse),
            ]);
            obj(vec![("s3", s3), ("auth", auth(e, false))])
        }
        _ => obj(vec![
            (
                "gcs",
                Some(json!({"bucket": e.pick(&["example-loki-chunks", "a_b_c"])})),
            ),
            ("auth", auth(e, true)),
        ]),
    }
}

/// `{period, streams}` (a tenant's too needs its period).
pub fn retention(e: &mut Entropy) -> Value {
    let streams: Vec<Value> = (0..e.below(3))
        .map(|_| {
            let mut st = json!({
                "selector": e.pick(&[r#"{namespace="dev"}"#, r#"{app=~"api-.*", stream!="stdout"}"#, "{job=`kube-audit`}"]),
                "period": e.pick(DURATIONS_24H),
            });
            if let Some(p) = e.maybe(&[1, 5, 100]) {
                st["priority"] = json!(p);
            }
            st
        })
        .collect();
    let mut r = Map::new();
    r.insert("period".into(), s(e.pick(DURATIONS_24H)));
    if !streams.is_empty() {
        r.insert("streams".into(), Value::Array(streams));
    }
    Value::Object(r)
}

fn schemas(e: &mut Entropy) -> Option<Value> {
    let dates = ["2020-02-29", "2024-01-01", "2024-06-30", "2025-12-31"];
    let picked = e.subset(&dates, 3);
    (!picked.is_empty()).then(|| {
        Value::Array(
            picked
                .iter()
                .map(|d| json!({"from": d, "version": "v13"}))
                .collect(),
        )
    })
}

fn limits(e: &mut Entropy) -> Option<Value> {
    let rate = e.maybe(&[0.5, 4.0, 10.0, 25.0])?;
    Some(json!({
        "ingestionRateMB": rate,
        "ingestionBurstSizeMB": rate * f64::from(e.range(1, 4)),
        "maxStreamsPerUser": e.range(1, 100_000),
    }))
}

fn tenancy_spec(
    e: &mut Entropy,
    enabled: Option<bool>,
    on: bool,
    tenant_id: Option<&str>,
) -> Option<Value> {
    let tenants: Vec<Value> = if on {
        e.subset(&["team-a", "team-b", "x", "(ops)"], 3)
            .into_iter()
            .map(|id| {
                let mut t = json!({"id": id});
                if e.chance() {
                    t["retention"] = retention(e);
                }
                t
            })
            .collect()
    } else {
        Vec::new()
    };
    obj(vec![
        ("enabled", enabled.map(Value::Bool)),
        ("tenantId", tenant_id.map(s)),
        (
            "tenants",
            (!tenants.is_empty()).then_some(Value::Array(tenants)),
        ),
    ])
}
