//! Where a collector ships when that is outside the cluster (an agent's central Loki): the
//! push URL in its rendered config, Promtail's `clients` or Fluent Bit's `loki` output.

use serde_json::Value;

/// `(ConfigMap or Secret name, base URL)` of every collector config that pushes to a host
/// outside the cluster (not `*.svc`, `*.svc.<domain>`).
pub fn push_targets(objects: &[Value]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for o in objects {
        let field = match o.get("kind").and_then(Value::as_str) {
            Some("ConfigMap") => "data",
            Some("Secret") => "stringData",
            _ => continue,
        };
        let name = o
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let texts = o
            .get(field)
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(Value::as_str);
        for text in texts.filter(|t| t.contains("clients:") || t.contains("name: loki")) {
            let Ok(config) = crate::yaml::from_str::<Value>(text) else {
                continue;
            };
            for url in promtail_urls(&config).chain(fluent_bit_urls(&config)) {
                if let Some(base) = outside_base(&url) {
                    out.push((name.to_owned(), base));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn promtail_urls(config: &Value) -> impl Iterator<Item = String> + '_ {
    config
        .get("clients")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("url").and_then(Value::as_str))
        .map(str::to_owned)
}

fn fluent_bit_urls(config: &Value) -> impl Iterator<Item = String> + '_ {
    config
        .pointer("/pipeline/outputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|o| o.get("name").and_then(Value::as_str) == Some("loki"))
        .filter_map(|o| {
            let host = o.get("host").and_then(Value::as_str)?;
            let tls = o.get("tls").and_then(Value::as_str) == Some("on");
            let port = o
                .get("port")
                .and_then(|p| p.as_u64().or_else(|| p.as_str()?.parse().ok()))?;
            let uri = o.get("uri").and_then(Value::as_str).unwrap_or_default();
            let scheme = if tls { "https" } else { "http" };
            Some(format!("{scheme}://{host}:{port}{uri}"))
        })
}

/// The URL without the push path, or `None` for a host inside the cluster.
fn outside_base(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host.ends_with(".svc") || host.contains(".svc.") {
        return None;
    }
    let base = url.strip_suffix("/loki/api/v1/push").unwrap_or(url);
    let base = base
        .strip_suffix(":443")
        .filter(|_| url.starts_with("https://"))
        .unwrap_or(base);
    Some(base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::outside_base;

    #[test]
    fn only_hosts_outside_the_cluster_are_central_lokis() {
        assert_eq!(
            outside_base("https://logs.example.com:443/loki/api/v1/push").as_deref(),
            Some("https://logs.example.com")
        );
        assert_eq!(
            outside_base("https://logs.example.com:8443/central/loki/api/v1/push").as_deref(),
            Some("https://logs.example.com:8443/central")
        );
        assert_eq!(
            outside_base("http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push"),
            None
        );
        assert_eq!(
            outside_base("http://loki.logging.svc:3100/loki/api/v1/push"),
            None
        );
    }
}
