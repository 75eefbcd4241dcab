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

/// By name, the per-node DaemonSets last.
pub fn components(objects: &[Value]) -> Vec<Component> {
    let mut out: Vec<Component> = objects.iter().filter_map(component).collect();
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
