//! Fluent Bit 5.1's YAML config (`fluent-bit.yaml`) and its Lua filter
//! (`pipeline.lua`): the collection contract (`crate::collection`) translated for
//! Fluent Bit. Inputs tail the same files Promtail reads (and, with the Talos receiver,
//! listen on the node's loopback); the `kubernetes` filter adds each pod's labels and
//! annotations; one Lua filter does what Promtail's stages do (opt-out, old lines,
//! redaction, JSON/logfmt levels, Talos formats) and leaves each record as the line
//! plus its labels; one `loki` output ships them.
//!
//! Fluent Bit replaces `${NAME}` in config values with environment variables:
//! `check_env_safe` allows only the variables the DaemonSet sets.

mod inputs;
mod layout;
mod lua;
mod output;

pub use layout::*;
pub use lua::script;

use serde_json::{Value, json};

use crate::collection::{self, delivery};
use crate::spec::Resolved;

/// The `kubernetes` filter's tag parser name.
const KUBE_TAG_PARSER: &str = "kube-tag";

/// Whether the DaemonSet runs on the host network: only to receive what Talos sends to
/// the node's loopback.
pub fn host_network(r: &Resolved) -> bool {
    r.collector.receiver_port.is_some()
}

/// The variables the config may reference, all set by the DaemonSet.
pub fn env_vars(r: &Resolved) -> Vec<&'static str> {
    let mut vars = vec![NODE_ENV];
    if host_network(r) {
        vars.push(POD_IP_ENV);
    }
    vars.extend(
        layout::credential_env(&collection::target::target(r))
            .into_iter()
            .map(|(var, _, _)| var),
    );
    vars
}

/// `fluent-bit.yaml`.
pub fn build(r: &Resolved) -> Result<Value, String> {
    let listen = if host_network(r) {
        format!("${{{POD_IP_ENV}}}")
    } else {
        "0.0.0.0".to_owned()
    };
    let mut config = serde_json::Map::new();
    config.insert(
        "service".to_owned(),
        json!({
            "flush": 1,
            "log_level": "info",
            "http_server": "on",
            "http_listen": listen,
            "http_port": HTTP_PORT,
            "health_check": "on",
            "hc_errors_count": 5,
            "hc_retry_failure_count": 5,
            "hc_period": 60,
            // The disk buffer (spec.collector.delivery): every input writes its chunks
            // there, and a chunk stays until Loki took it, however long retries last.
            "storage.path": format!("{DATA_MOUNT}/{BUFFER_DIR}"),
            "storage.sync": "normal",
            "storage.checksum": "off",
            "storage.max_chunks_up": MAX_CHUNKS_UP,
            "storage.backlog.mem_limit": "16M",
            "storage.delete_irrecoverable_chunks": "on",
            "storage.metrics": "on",
            // Every retry after exactly base + 1 seconds: `retry_limit` of them last
            // `retryFor` (collection::delivery).
            "scheduler.base": delivery::FLUENT_BIT_RETRY_WAIT_S,
            "scheduler.cap": delivery::FLUENT_BIT_RETRY_WAIT_S,
        }),
    );
    config.insert(
        "parsers".to_owned(),
        json!([{
            "name": KUBE_TAG_PARSER,
            "format": "regex",
            "regex": r"^(?<namespace_name>[^.]+)\.(?<container_name>[^.]+)\.(?<pod_name>.+)$",
        }]),
    );
    let multiline = inputs::multiline_parsers(r)?;
    if !multiline.is_empty() {
        config.insert("multiline_parsers".to_owned(), Value::Array(multiline));
    }
    config.insert(
        "pipeline".to_owned(),
        json!({
            "inputs": inputs::inputs(r),
            "filters": filters(r),
            "outputs": [output::loki(r)],
        }),
    );
    Ok(Value::Object(config))
}

fn filters(r: &Resolved) -> Vec<Value> {
    let mut out = inputs::multiline_filters(r);
    out.push(json!({
        "name": "kubernetes",
        "alias": "kubernetes-metadata",
        "match": format!("{POD_TAG_PREFIX}*"),
        "kube_tag_prefix": POD_TAG_PREFIX,
        "regex_parser": KUBE_TAG_PARSER,
        "labels": "on",
        "annotations": "on",
        "namespace_annotations": "on",
        "owner_references": "on",
        "merge_log": "off",
        // Whole pod objects, however many labels and annotations they carry.
        "buffer_size": "0",
        // Label and annotation changes (the opt-out) are seen within 5 minutes.
        "kube_meta_cache_ttl": "300",
        "kube_meta_namespace_cache_ttl": "300",
    }));
    out.push(json!({
        "name": "lua",
        "alias": "collection-contract",
        "match": "*",
        "script": format!("{CONFIG_DIR}/{LUA_FILE}"),
        "call": "route",
        "time_as_table": "on",
    }));
    out
}

/// The rendered file must mean the same after Fluent Bit replaces `${NAME}` in it.
pub fn check_env_safe(text: &str, allowed: &[&str]) -> Result<(), String> {
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let tail = rest.get(pos..).unwrap_or_default();
        let Some(var) = allowed
            .iter()
            .map(|v| format!("${{{v}}}"))
            .find(|r| tail.starts_with(r.as_str()))
        else {
            return Err(format!(
                "the Fluent Bit config contains {:?}, which Fluent Bit would replace with an \
                 environment variable",
                tail.chars().take(20).collect::<String>()
            ));
        };
        rest = tail.get(var.len()..).unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests;
