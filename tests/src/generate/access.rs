//! The generator's workloads, gateway, exposure, caches and network policies.

use serde_json::{Map, Value, json};

use loki_stack_fn::spec::resolved::Part;
use loki_stack_fn::spec::sizes;
use loki_stack_fn::spec::types::Mode;

use super::{BIG_MEMORY, Entropy, IMAGES, MEMORY, NAMESPACES, SIZES, Shape, obj, resources, s};

pub(crate) fn gateway_spec(e: &mut Entropy, shape: &Shape, given: Option<bool>) -> Option<Value> {
    let mut fields = vec![("enabled", given.map(Value::Bool))];
    if shape.gateway {
        fields.push(("image", e.maybe(IMAGES).map(s)));
        fields.push(("resources", resources(e, MEMORY)));
        fields.push((
            "resolver",
            e.maybe(&[
                "kube-dns.kube-system.svc.cluster.local.",
                "10.96.0.10",
                "[fd00::a]:53",
            ])
            .map(s),
        ));
    }
    if shape.auth {
        let username = if shape.tenancy {
            e.chance().then(|| s(&shape.tenant_id))
        } else {
            e.maybe(&["loki", "promtail", "u-1@x"]).map(s)
        };
        let secret_ref = obj(vec![
            ("name", Some(s("loki-gateway-auth"))),
            ("htpasswdKey", e.maybe(&[".htpasswd", "users"]).map(s)),
            ("passwordKey", e.maybe(&["password", "pw.txt"]).map(s)),
        ]);
        fields.push((
            "auth",
            Some(json!({"basic": obj(vec![("secretRef", secret_ref), ("username", username)])})),
        ));
    }
    obj(fields)
}

pub(crate) fn exposure_spec(e: &mut Entropy, shape: &Shape) -> Option<Value> {
    let ingress = (shape.exposure & 1 == 1).then(|| {
        obj(vec![
            (
                "host",
                Some(s(e.pick(&["loki.example.com", "*.logs.example.com"]))),
            ),
            ("className", e.maybe(&["nginx", "traefik"]).map(s)),
            ("tls", Some(json!({"secretName": "loki-tls"}))),
            (
                "annotations",
                e.maybe(&[json!({"cert-manager.io/cluster-issuer": "letsencrypt"})]),
            ),
        ])
    });
    let route = (shape.exposure & 2 == 2).then(|| {
        let parents = [
            json!({"name": "public", "namespace": "gateway-system"}),
            json!({"name": "internal", "sectionName": "https"}),
        ];
        let mut refs = e.subset(&parents, 2);
        if refs.is_empty() {
            refs.push(parents[0].clone());
        }
        obj(vec![
            (
                "hostnames",
                e.maybe(&[
                    json!(["loki.example.com"]),
                    json!(["a.example.com", "*.b.example.com"]),
                ]),
            ),
            ("parentRefs", Some(Value::Array(refs))),
        ])
    });
    obj(vec![
        ("ingress", ingress.flatten()),
        ("httpRoute", route.flatten()),
    ])
}

pub(crate) fn caches(e: &mut Entropy) -> Option<Value> {
    let one = |e: &mut Entropy| match e.below(3) {
        0 => None,
        1 => Some(json!({"enabled": false})),
        _ => obj(vec![
            ("enabled", Some(json!(true))),
            ("memoryMB", e.maybe(&[64, 512, 65_536]).map(|m| json!(m))),
            ("image", e.maybe(IMAGES).map(s)),
        ]),
    };
    let chunks = one(e);
    let results = one(e);
    obj(vec![("chunks", chunks), ("results", results)])
}

fn parts(shape: &Shape) -> Vec<Part> {
    let mut parts = Part::of_mode(shape.mode, shape.ruler);
    if shape.gateway {
        parts.push(Part::Gateway);
    }
    parts
}

/// `spec.components` overrides of up to two workloads, and the ingester count (ingesters,
/// or write replicas) the zones and the replication factor must fit in.
pub(crate) fn components(e: &mut Entropy, shape: &Shape) -> (Option<Value>, u32) {
    let parts = parts(shape);
    let mut out = Map::new();
    for _ in 0..e.below(3) {
        let part = e.pick(&parts);
        let single = matches!(part, Part::SingleBinary | Part::Compactor);
        let replicas = if single {
            e.maybe(&[1])
        } else {
            e.chance().then(|| e.range(1, 6))
        };
        let tolerations = [
            json!({"key": "dedicated", "operator": "Equal", "value": "logging", "effect": "NoSchedule"}),
            json!({"operator": "Exists"}),
            json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}),
            json!({"key": "example.com/gpu", "effect": ""}),
        ];
        let tolerations = e.subset(&tolerations, 4);
        let o = obj(vec![
            ("replicas", replicas.map(|r| json!(r))),
            ("resources", resources(e, BIG_MEMORY)),
            (
                "storage",
                if part.is_stateful() && e.chance() {
                    Some(
                        json!({"size": e.pick(SIZES), "storageClassName": e.pick(&["", "premium-rwo"])}),
                    )
                } else {
                    None
                },
            ),
            (
                "nodeSelector",
                e.maybe(&[
                    json!({"kubernetes.io/os": "linux"}),
                    json!({"node-role/logging": "true"}),
                ]),
            ),
            (
                "tolerations",
                (!tolerations.is_empty()).then_some(Value::Array(tolerations)),
            ),
        ]);
        if let Some(o) = o {
            out.insert(part.field().to_owned(), o);
        }
    }
    let ingester = match shape.mode {
        Mode::SingleBinary => Part::SingleBinary,
        Mode::SimpleScalable => Part::Write,
        Mode::Distributed => Part::Ingester,
    };
    let ingesters = out
        .get(ingester.field())
        .and_then(|o| o.get("replicas"))
        .and_then(Value::as_u64)
        .and_then(|r| u32::try_from(r).ok())
        .or_else(|| sizes::preset(ingester, shape.size, shape.mode).map(|p| p.replicas))
        .unwrap_or(1);
    ((!out.is_empty()).then_some(Value::Object(out)), ingesters)
}

pub(crate) fn network(e: &mut Entropy, shape: &Shape) -> Option<Value> {
    let exposure_namespaces = if shape.exposure > 0 && e.chance() {
        let mut ns = e.subset(&["ingress-nginx", "traefik", "gateway-system"], 3);
        if ns.is_empty() {
            ns.push("traefik");
        }
        Some(json!(ns))
    } else {
        None
    };
    obj(vec![
        (
            "policies",
            e.maybe(&["kubernetes", "cilium", "none"]).map(s),
        ),
        (
            "grafanaNamespace",
            e.maybe(&["grafana", "monitoring"]).map(s),
        ),
        ("prometheusNamespace", e.maybe(NAMESPACES).map(s)),
        ("exposureNamespaces", exposure_namespaces),
    ])
}
