//! The one `loki` output: the record keys the Lua filter sets become labels, the
//! `metadata` map structured metadata, and what is left (the line) is sent as it is.
//! One output on purpose: Fluent Bit 5.1.1 mixes up `remove_keys` between two or more
//! `loki` outputs (upstream #10704); `workers: 1` keeps it safe if one is ever added.

use serde_json::{Value, json};

use super::layout::{PASSWORD_ENV, REMOTE_PASSWORD_ENV, REMOTE_TOKEN_ENV, REMOTE_USERNAME_ENV};
use crate::collection::delivery;
use crate::collection::target::target;
use crate::collection::target::{Auth, Username};
use crate::spec::Resolved;

/// The record key whose map becomes structured metadata.
pub const METADATA_KEY: &str = "metadata";

/// Every label a record may carry, in a fixed order: the contract's label names, then
/// `extraLabels`.
pub fn label_keys(r: &Resolved) -> Vec<String> {
    let mut keys: Vec<String> = [
        "job",
        "namespace",
        "pod",
        "container",
        "app",
        "node",
        "stream",
        "level",
        "service",
        crate::collection::talos::AUDIT_VERB,
    ]
    .iter()
    .map(|k| (*k).to_owned())
    .collect();
    keys.extend(r.collector.extra_labels.iter().cloned());
    keys
}

/// `http://host:port/path` split for Fluent Bit (host, port, uri, tls).
fn split_url(url: &str) -> (bool, String, u16, String) {
    let (tls, rest) = match url.strip_prefix("https://") {
        Some(rest) => (true, rest),
        None => (false, url.strip_prefix("http://").unwrap_or(url)),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().unwrap_or(if tls { 443 } else { 80 })),
        None => (authority, if tls { 443 } else { 80 }),
    };
    (tls, host.to_owned(), port, format!("/{path}"))
}

pub fn loki(r: &Resolved) -> Value {
    let t = target(r);
    let (tls, host, port, uri) = split_url(&t.url);
    let labels = label_keys(r);
    let mut remove: Vec<String> = labels.clone();
    remove.push(METADATA_KEY.to_owned());
    let mut out = json!({
        "name": "loki",
        "alias": "loki",
        "match": "*",
        "host": host,
        "port": port,
        "uri": uri,
        "tls": if tls { "on" } else { "off" },
        "label_keys": labels.iter().map(|k| format!("${k}")).collect::<Vec<_>>().join(","),
        "structured_metadata_map_keys": format!("${METADATA_KEY}"),
        "remove_keys": remove.iter().map(|k| format!("${k}")).collect::<Vec<_>>().join(","),
        "drop_single_key": "raw",
        "line_format": "key_value",
        "workers": 1,
        // At least `retryFor` (collection::delivery), then the chunk is dropped and
        // counted; so are the oldest chunks when the disk buffer is full.
        "retry_limit": delivery::fluent_bit_retry_limit(r.collector.delivery.retry_for.as_millis()),
    });
    if let Some(map) = out.as_object_mut() {
        if let Some(buffer) = &r.collector.delivery.buffer {
            // Whole bytes: Fluent Bit reads "1G" as 10^9, not 2^30.
            map.insert(
                "storage.total_limit_size".to_owned(),
                json!((buffer.value() as u64).to_string()),
            );
        }
        if let Some(tenant) = &t.tenant_id {
            map.insert("tenant_id".to_owned(), json!(tenant));
        }
        match &t.auth {
            None => {}
            Some(Auth::Basic { username, .. }) => {
                let (user, password) = match username {
                    Username::Fixed(u) => (u.clone(), PASSWORD_ENV),
                    Username::Key(_) => {
                        (format!("${{{REMOTE_USERNAME_ENV}}}"), REMOTE_PASSWORD_ENV)
                    }
                };
                map.insert("http_user".to_owned(), json!(user));
                map.insert("http_passwd".to_owned(), json!(format!("${{{password}}}")));
            }
            Some(Auth::Bearer(_)) => {
                map.insert(
                    "bearer_token".to_owned(),
                    json!(format!("${{{REMOTE_TOKEN_ENV}}}")),
                );
            }
        }
        if tls {
            // Fluent Bit checks the certificate's chain by default, not its host name.
            map.insert("tls.verify".to_owned(), json!("on"));
            map.insert("tls.verify_hostname".to_owned(), json!("on"));
            if let Some(ca) = t.ca_file() {
                map.insert("tls.ca_file".to_owned(), json!(ca));
            }
        }
        if let Some(cluster) = &t.cluster {
            map.insert("labels".to_owned(), json!(format!("cluster={cluster}")));
        }
        if t.wan {
            map.insert("compress".to_owned(), json!("gzip"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_split_into_host_port_and_path() {
        assert_eq!(
            super::split_url("http://loki.logging.svc.cluster.local:3100/loki/api/v1/push"),
            (
                false,
                "loki.logging.svc.cluster.local".to_owned(),
                3100,
                "/loki/api/v1/push".to_owned()
            )
        );
        assert_eq!(
            super::split_url("https://loki.example.com/loki/api/v1/push"),
            (
                true,
                "loki.example.com".to_owned(),
                443,
                "/loki/api/v1/push".to_owned()
            )
        );
    }
}
