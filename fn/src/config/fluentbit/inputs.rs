//! The inputs (the same files Promtail reads, and Talos' sender on the node's loopback)
//! and the multiline parsers that join entries: the user's rules per namespace and
//! machined's continuation lines.

use serde_json::{Value, json};

use super::layout::{DATA_MOUNT, MEM_BUF_LIMIT, POD_TAG_PREFIX};
use crate::collection::{self, talos};
use crate::config::lua_regex::onigmo;
use crate::spec::Resolved;
use crate::spec::collector::Multiline;

/// machined continues multi-line messages on lines without its time prefix.
pub const MACHINED_FIRSTLINE: &str = "^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:";
const MACHINED: &str = "machined";

/// A `tail` input with the settings every one shares: positions in a database on the
/// host (a restart neither loses nor re-ships lines), new files read from their start
/// (as Promtail does), lines longer than Loki's 256 KiB limit truncated rather than
/// stopping the file. What is read goes to the disk buffer: past 16 MB in memory new
/// chunks stay on disk only, and reading goes on while Loki is unreachable.
fn tail(alias: &str, tag: &str, path: &str, db: &str) -> serde_json::Map<String, Value> {
    let v = json!({
        "name": "tail",
        "alias": alias,
        "tag": tag,
        "path": path,
        "db": format!("{DATA_MOUNT}/{db}"),
        "db.locking": "true",
        "read_from_head": "true",
        "refresh_interval": "10",
        "buffer_chunk_size": "32k",
        "buffer_max_size": "256k",
        "truncate_long_lines": "on",
        "skip_empty_lines": "off",
        "mem_buf_limit": MEM_BUF_LIMIT,
        "storage.type": "filesystem",
    });
    match v {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

pub fn inputs(r: &Resolved) -> Vec<Value> {
    let c = &r.collector;
    let mut pods = tail(
        collection::PODS_JOB,
        &format!("{POD_TAG_PREFIX}<namespace_name>.<container_name>.<pod_name>"),
        &format!("{}/*/*/*.log", collection::PODS_LOG_DIR),
        "pods.db",
    );
    pods.insert(
        "tag_regex".to_owned(),
        json!(format!(
            "^{}/(?<namespace_name>[^_]+)_(?<pod_name>[^_]+)_[^/]+/(?<container_name>[^/]+)/",
            collection::PODS_LOG_DIR
        )),
    );
    if !c.exclude_namespaces.is_empty() {
        let globs: Vec<String> = c
            .exclude_namespaces
            .iter()
            .map(|ns| format!("{}/{ns}_*/*/*.log", collection::PODS_LOG_DIR))
            .collect();
        pods.insert("exclude_path".to_owned(), json!(globs.join(",")));
    }
    pods.insert("multiline.parser".to_owned(), json!("cri"));
    let mut out = vec![Value::Object(pods)];

    if c.system_logs {
        let mut files = tail(
            collection::MACHINE_JOB,
            "machine.<service>",
            talos::SERVICE_LOG_GLOB,
            "machine.db",
        );
        files.insert(
            "tag_regex".to_owned(),
            json!(r"^/var/log/(?<service>[^/]+)\.log$"),
        );
        // machined has an input of its own, with its multiline parser.
        files.insert(
            "exclude_path".to_owned(),
            json!(format!("{}/{MACHINED}.log", collection::NODE_LOG_DIR)),
        );
        out.push(Value::Object(files));
        let mut machined = tail(
            &format!("{}-{MACHINED}", collection::MACHINE_JOB),
            &format!("machine.{MACHINED}"),
            &format!("{}/{MACHINED}.log", collection::NODE_LOG_DIR),
            "machined.db",
        );
        machined.insert("multiline.parser".to_owned(), json!(MACHINED));
        out.push(Value::Object(machined));
    }
    if c.audit_logs {
        out.push(Value::Object(tail(
            collection::AUDIT_JOB,
            "audit",
            talos::AUDIT_LOG_FILE,
            "audit.db",
        )));
    }
    if let Some(port) = c.receiver_port {
        // Talos' sender connects to 127.0.0.1 on the node: the pod is on the host
        // network and listens on the loopback only, never on the node's addresses.
        out.push(json!({
            "name": "tcp",
            "alias": "talos-receiver",
            "tag": "talos",
            "listen": "127.0.0.1",
            "port": port,
            "format": "json",
            "mem_buf_limit": MEM_BUF_LIMIT,
            "storage.type": "filesystem",
        }));
    }
    out
}

fn parser_name(i: usize) -> String {
    format!("multiline-{i}")
}

/// A regex multiline parser: an entry starts at a line matching `firstline` (anywhere
/// in the line, as Promtail's `multiline` stage tests it); every other line continues it.
fn multiline_parser(name: &str, firstline: &str, wait_ms: u64) -> Result<Value, String> {
    let rules = onigmo::firstline_rules(firstline)?;
    Ok(json!({
        "name": name,
        "type": "regex",
        "flush_timeout": wait_ms,
        "rules": [
            {"state": "start_state", "regex": format!("/{}/", rules.start), "next_state": "cont"},
            {"state": "cont", "regex": format!("/{}/", rules.continuation), "next_state": "cont"},
        ],
    }))
}

pub fn multiline_parsers(r: &Resolved) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    if r.collector.system_logs {
        out.push(multiline_parser(MACHINED, MACHINED_FIRSTLINE, 3000)?);
    }
    for (i, m) in r.collector.multiline.iter().enumerate() {
        out.push(multiline_parser(
            &parser_name(i),
            &m.firstline,
            m.max_wait_time.as_millis(),
        )?);
    }
    Ok(out)
}

fn tag_of(m: &Multiline) -> String {
    match &m.container {
        Some(container) => format!("{POD_TAG_PREFIX}{}.{container}.*", m.namespace),
        None => format!("{POD_TAG_PREFIX}{}.*", m.namespace),
    }
}

/// The user's multiline rules, after the `cri` parser of the pods' input has unwrapped
/// each line, before anything reads the entry (so redaction sees whole stack traces).
pub fn multiline_filters(r: &Resolved) -> Vec<Value> {
    r.collector
        .multiline
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "name": "multiline",
                "alias": parser_name(i),
                "match": tag_of(m),
                "multiline.key_content": "log",
                "multiline.parser": parser_name(i),
                "flush_ms": m.max_wait_time.as_millis(),
            })
        })
        .collect()
}
