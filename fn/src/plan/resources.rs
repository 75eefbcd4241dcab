//! The workloads of a render with their replicas, requests, limits and claims, and the
//! totals: read from the rendered objects themselves, so the plan shows what is applied.

use serde::Serialize;
use serde_json::Value;

use crate::spec::quantity::Quantity;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Amounts {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub name: String,
    pub size: String,
    pub storage_class_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub name: String,
    pub kind: String,
    /// `app.kubernetes.io/component`.
    pub role: String,
    /// Null for a DaemonSet (one pod per node).
    pub replicas: Option<u64>,
    pub requests: Amounts,
    pub limits: Amounts,
    /// Per pod.
    pub claims: Vec<Claim>,
}

/// Sums: `cpu` in millicores, memory and storage in bytes, with their display forms.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sum {
    pub pods: u64,
    pub cpu_request_millicores: u64,
    pub memory_request_bytes: u64,
    pub memory_limit_bytes: u64,
    pub storage_bytes: u64,
    pub cpu_request: String,
    pub memory_request: String,
    pub memory_limit: String,
    pub storage: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Deployments and StatefulSets.
    pub cluster: Sum,
    /// DaemonSets: on every node.
    pub per_node: Sum,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn value(q: Option<&String>) -> f64 {
    q.and_then(|s| Quantity::parse(s).ok())
        .map_or(0.0, |q| q.value())
}

/// Adds two quantities of the same resource (each container's), keeping a readable form.
fn add(a: Option<String>, b: Option<String>, cpu: bool) -> Option<String> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let total = value(Some(&a)) + value(Some(&b));
            Some(if cpu {
                cpu_text(to_u64(total * 1000.0))
            } else {
                bytes_text(to_u64(total))
            })
        }
    }
}

fn to_u64(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        // Quantities of real workloads are far below 2^53.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = x.round() as u64;
        v
    } else {
        0
    }
}

/// `100m`, `2`, `2.5`, `29.75`.
pub fn cpu_text(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else if millis < 1000 {
        format!("{millis}m")
    } else {
        let s = format!("{}.{:03}", millis / 1000, millis % 1000);
        s.trim_end_matches('0').to_owned()
    }
}

/// `256Mi`, `1Gi`, `3.5Gi`, `0`.
pub fn bytes_text(bytes: u64) -> String {
    const KI: u64 = 1024;
    const MI: u64 = KI * KI;
    const GI: u64 = MI * KI;
    const TI: u64 = GI * KI;
    if bytes == 0 {
        "0".to_owned()
    } else if bytes.is_multiple_of(TI) {
        format!("{}Ti", bytes / TI)
    } else if bytes.is_multiple_of(GI) {
        format!("{}Gi", bytes / GI)
    } else if bytes >= GI {
        // Totals: two decimals are enough to read (the JSON has the bytes).
        let hundredths = (u128::from(bytes) * 100 + u128::from(GI) / 2) / u128::from(GI);
        let s = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        format!("{}Gi", s.trim_end_matches('0').trim_end_matches('.'))
    } else if bytes.is_multiple_of(MI) {
        format!("{}Mi", bytes / MI)
    } else if bytes.is_multiple_of(KI) {
        format!("{}Ki", bytes / KI)
    } else {
        bytes.to_string()
    }
}

fn component(o: &Value) -> Option<Component> {
    let kind = o.get("kind")?.as_str()?;
    if !matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return None;
    }
    let mut requests = Amounts::default();
    let mut limits = Amounts::default();
    for c in o
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let r = |p: &str| text(c.pointer(p));
        requests.cpu = add(requests.cpu.take(), r("/resources/requests/cpu"), true);
        requests.memory = add(
            requests.memory.take(),
            r("/resources/requests/memory"),
            false,
        );
        limits.cpu = add(limits.cpu.take(), r("/resources/limits/cpu"), true);
        limits.memory = add(limits.memory.take(), r("/resources/limits/memory"), false);
    }
    let claims = o
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some(Claim {
                name: t.pointer("/metadata/name")?.as_str()?.to_owned(),
                size: text(t.pointer("/spec/resources/requests/storage"))?,
                storage_class_name: text(t.pointer("/spec/storageClassName")),
            })
        })
        .collect();
    Some(Component {
        name: o.pointer("/metadata/name")?.as_str()?.to_owned(),
        kind: kind.to_owned(),
        role: text(o.pointer("/metadata/labels/app.kubernetes.io~1component")).unwrap_or_default(),
        replicas: (kind != "DaemonSet").then(|| {
            o.pointer("/spec/replicas")
                .and_then(Value::as_u64)
                .unwrap_or(1)
        }),
        requests,
        limits,
        claims,
    })
}

/// `someName` -> `some-name`: how the chart names a component from its values key.
fn kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The workloads a HelmRelease of the upstream chart runs (`spec.output: HelmRelease`),
/// read from its values: every component with replicas, named as the chart names it
/// (`fullnameOverride`, `-<component>` but for the single binary), kind `HelmRelease`.
fn chart_components(o: &Value) -> Vec<Component> {
    if o.get("kind").and_then(Value::as_str) != Some("HelmRelease") {
        return Vec::new();
    }
    let Some(values) = o.pointer("/spec/values").and_then(Value::as_object) else {
        return Vec::new();
    };
    let fullname = values
        .get("fullnameOverride")
        .and_then(Value::as_str)
        .unwrap_or("loki");
    values
        .iter()
        .filter_map(|(key, v)| {
            let replicas = v.get("replicas").and_then(Value::as_u64)?;
            if replicas == 0 || v.get("enabled").and_then(Value::as_bool) == Some(false) {
                return None;
            }
            let r = |p: &str| text(v.pointer(p));
            let persistence = v.get("persistence");
            let claims = persistence
                .filter(|p| p.get("enabled").and_then(Value::as_bool) == Some(true))
                .and_then(|p| {
                    Some(Claim {
                        name: r("/persistence/claims/0/name").unwrap_or_else(|| "storage".into()),
                        size: text(p.get("size"))?,
                        storage_class_name: text(p.get("storageClass")),
                    })
                })
                .into_iter()
                .collect();
            Some(Component {
                name: if key == "singleBinary" {
                    fullname.to_owned()
                } else {
                    format!("{fullname}-{}", kebab(key))
                },
                kind: "HelmRelease".to_owned(),
                role: kebab(key),
                replicas: Some(replicas),
                requests: Amounts {
                    cpu: r("/resources/requests/cpu"),
                    memory: r("/resources/requests/memory"),
                },
                limits: Amounts {
                    cpu: r("/resources/limits/cpu"),
                    memory: r("/resources/limits/memory"),
                },
                claims,
            })
        })
        .collect()
}

/// By name, the per-node DaemonSets last; with `spec.output: HelmRelease`, the chart's
/// workloads (kind `HelmRelease`) from the release's values.
pub fn components(objects: &[Value]) -> Vec<Component> {
    let mut out: Vec<Component> = objects.iter().filter_map(component).collect();
    out.extend(objects.iter().flat_map(chart_components));
    out.sort_by(|a, b| (a.replicas.is_none(), &a.name).cmp(&(b.replicas.is_none(), &b.name)));
    out
}

pub fn totals(components: &[Component]) -> Totals {
    let mut cluster = Sum::default();
    let mut per_node = Sum::default();
    for c in components {
        let (sum, n) = match c.replicas {
            Some(n) => (&mut cluster, n),
            None => (&mut per_node, 1),
        };
        let nf = f64::from(u32::try_from(n).unwrap_or(u32::MAX));
        sum.pods += n;
        sum.cpu_request_millicores += to_u64(value(c.requests.cpu.as_ref()) * 1000.0 * nf);
        sum.memory_request_bytes += to_u64(value(c.requests.memory.as_ref()) * nf);
        sum.memory_limit_bytes += to_u64(value(c.limits.memory.as_ref()) * nf);
        sum.storage_bytes += c
            .claims
            .iter()
            .map(|cl| to_u64(value(Some(&cl.size)) * nf))
            .sum::<u64>();
    }
    for s in [&mut cluster, &mut per_node] {
        s.cpu_request = cpu_text(s.cpu_request_millicores);
        s.memory_request = bytes_text(s.memory_request_bytes);
        s.memory_limit = bytes_text(s.memory_limit_bytes);
        s.storage = bytes_text(s.storage_bytes);
    }
    Totals { cluster, per_node }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helm_release_lists_the_charts_workloads() {
        let release = serde_json::json!({
            "kind": "HelmRelease",
            "spec": {"values": {
                "fullnameOverride": "logs",
                "singleBinary": {"replicas": 0},
                "ingester": {"replicas": 3, "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                    "persistence": {"enabled": true, "size": "10Gi", "claims": [{"name": "data"}]}},
                "queryFrontend": {"replicas": 2},
                "chunksCache": {"enabled": false, "replicas": 1},
                "loki": {"auth_enabled": true}
            }}
        });
        let c = components(&[release]);
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["logs-ingester", "logs-query-frontend"]);
        assert_eq!(c[0].kind, "HelmRelease");
        assert_eq!(c[0].claims[0].name, "data");
        assert_eq!(c[0].claims[0].size, "10Gi");
        let t = totals(&c);
        assert_eq!(t.cluster.pods, 5);
        assert_eq!(t.cluster.cpu_request, "1.5");
    }

    #[test]
    fn display_forms() {
        assert_eq!(cpu_text(100), "100m");
        assert_eq!(cpu_text(2000), "2");
        assert_eq!(cpu_text(2500), "2.5");
        assert_eq!(cpu_text(29_750), "29.75");
        assert_eq!(cpu_text(1001), "1.001");
        assert_eq!(bytes_text(256 << 20), "256Mi");
        assert_eq!(bytes_text(1 << 30), "1Gi");
        assert_eq!(bytes_text(7 << 29), "3.5Gi");
        assert_eq!(bytes_text((5 << 30) + (1 << 28)), "5.25Gi");
        assert_eq!(bytes_text(111_296 << 20), "108.69Gi");
        assert_eq!(bytes_text((1 << 30) + 1), "1Gi");
        assert_eq!(bytes_text(1536 << 10), "1536Ki");
        assert_eq!(bytes_text(3 << 40), "3Ti");
        assert_eq!(bytes_text(0), "0");
    }
}
