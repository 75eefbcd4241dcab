//! `pipeline.lua`: the stack's settings as a Lua table `C` (the contract's values and
//! every regex compiled for the VM), the regex VM, then the fixed pipeline
//! (`lua/*.lua` beside this file: JSON, logfmt, levels and time, records).

use std::fmt::Write as _;

use super::layout::{CONFIG_FILE, NODE_ENV};
use crate::collection::{self, levels, talos};
use crate::config::lua_regex::{self, VM_LUA};
use crate::spec::Resolved;
use crate::spec::collector::RedactionScope;

/// The fixed part, in order: one Lua chunk, split by concern.
const PIPELINE_LUA: &str = concat!(
    include_str!("lua/prelude.lua"),
    include_str!("lua/json.lua"),
    include_str!("lua/logfmt.lua"),
    include_str!("lua/time.lua"),
    include_str!("lua/records.lua"),
);

/// A Lua string literal (ASCII only: other bytes as `\ddd`).
fn s(text: &str) -> String {
    lua_regex::lua_string(text.as_bytes())
}

fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let inner: Vec<String> = items.into_iter().map(s).collect();
    format!("{{{}}}", inner.join(", "))
}

fn map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let inner: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| format!("[{}] = {}", s(k), s(v)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

fn program(pattern: &str) -> Result<String, String> {
    lua_regex::compile(pattern)
        .map(|p| p.to_lua())
        .map_err(|e| format!("internal error compiling a regex for Fluent Bit: {e}"))
}

/// Keys of JSON/logfmt lines read besides the level: a list with its logfmt gate keys
/// and its set, as `fields_of` in pipeline.lua takes them.
fn keys(keys: &[String]) -> String {
    let logfmt: Vec<&str> = std::iter::once("level")
        .chain(keys.iter().map(String::as_str))
        .collect();
    let set: Vec<String> = keys.iter().map(|k| format!("[{}] = true", s(k))).collect();
    let mut t = list(keys.iter().map(String::as_str));
    t.pop();
    if !keys.is_empty() {
        t.push_str(", ");
    }
    let _ = write!(
        t,
        "logfmt = {}, set = {{{}}}}}",
        list(logfmt),
        set.join(", ")
    );
    t
}

/// The `C` table.
fn settings(r: &Resolved) -> Result<String, String> {
    let c = &r.collector;
    let mut t = String::from("C = {\n");
    let mut field = |name: &str, value: String| {
        let _ = writeln!(t, "  {name} = {value},");
    };
    field("node", format!("os.getenv({})", s(NODE_ENV)));
    field(
        "window",
        (collection::old_line_window_ms(r) / 1000).to_string(),
    );
    field(
        "own",
        format!(
            "{{namespace = {}, container = {}}}",
            s(&r.namespace),
            s(c.kind.name())
        ),
    );
    field(
        "jobs",
        format!(
            "{{pods = {}, machine = {}, audit = {}}}",
            s(collection::PODS_JOB),
            s(collection::MACHINE_JOB),
            s(collection::AUDIT_JOB)
        ),
    );
    let level_map = levels::LEVELS
        .iter()
        .flat_map(|(level, spellings)| spellings.iter().map(move |sp| (*sp, *level)));
    field("levels", map(level_map));
    field("other_level", s(levels::OTHER_LEVEL));
    field("level_keys", list(levels::LEVEL_KEYS));
    field("syslog", map(levels::SYSLOG_SEVERITIES));
    field("klog", map(levels::KLOG_SEVERITIES));
    let pod_keys: Vec<String> = c
        .extra_labels
        .iter()
        .chain(&c.structured_metadata)
        .cloned()
        .collect();
    field("pod_keys", keys(&pod_keys));
    field("no_keys", keys(&[]));
    field(
        "extra_labels",
        list(c.extra_labels.iter().map(String::as_str)),
    );
    field(
        "structured_metadata",
        list(c.structured_metadata.iter().map(String::as_str)),
    );
    field("app_labels", list(collection::APP_LABEL_SOURCES));
    field("opt_out", s(crate::spec::collector::OPT_OUT_ANNOTATION));
    let sensitive: Vec<String> = c
        .sensitive_namespaces
        .iter()
        .map(|ns| format!("[{}] = true", s(ns)))
        .collect();
    field("sensitive", format!("{{{}}}", sensitive.join(", ")));
    field(
        "redact_all",
        (!c.redaction.is_empty() && c.redaction_scope == RedactionScope::All).to_string(),
    );
    let mut rules = Vec::new();
    for rule in &c.redaction {
        rules.push(format!(
            "    {{{}, {}}}, -- {}",
            program(&rule.regex)?,
            s(&rule.replace),
            rule.name
        ));
    }
    field("rules", format!("{{\n{}\n  }}", rules.join("\n")));
    let services = talos::SERVICES
        .iter()
        .map(|(name, format)| format!("[{}] = {}", s(name), s(format_name(*format))));
    field(
        "services",
        format!("{{{}}}", services.collect::<Vec<_>>().join(", ")),
    );
    field("files", c.system_logs.to_string());
    field("log_dir", s(collection::NODE_LOG_DIR));
    field(
        "receiver",
        format!(
            "{{message = {}, service = {}, level = {}, time = {}, kernel = {}}}",
            s(talos::RECEIVER_MESSAGE),
            s(talos::RECEIVER_SERVICE),
            s(talos::RECEIVER_LEVEL),
            s(talos::RECEIVER_TIME),
            s(talos::KERNEL_SERVICE)
        ),
    );
    let metadata: Vec<String> = talos::AUDIT_METADATA
        .iter()
        .map(|(k, p)| format!("{{{}, {}}}", s(k), s(p)))
        .collect();
    field(
        "audit",
        format!(
            "{{verb = {}, time = {}, metadata = {{{}}}}}",
            s(talos::AUDIT_VERB),
            s(talos::AUDIT_TIME),
            metadata.join(", ")
        ),
    );
    let mut re = String::from("{\n");
    for (name, pattern) in [
        ("epoch_ms", talos::EPOCH_MS_VALUE.to_owned()),
        ("rfc3339", talos::RFC3339_VALUE.to_owned()),
        ("iso8601", talos::ISO8601_VALUE.to_owned()),
        ("klog_line", talos::KLOG_LINE.to_owned()),
        ("go_log_time", talos::GO_LOG_TIME.to_owned()),
        ("zap_console", talos::ZAP_CONSOLE.to_owned()),
        ("kernel_line", talos::KERNEL_LINE.to_owned()),
        ("ansi", format!("({})", talos::ANSI)),
    ] {
        let _ = writeln!(re, "    {name} = {},", program(&pattern)?);
    }
    re.push_str("  }");
    field("re", re);
    t.push_str("}\n");
    Ok(t)
}

fn format_name(f: talos::Format) -> &'static str {
    match f {
        talos::Format::GoLog { .. } => "GoLog",
        talos::Format::Kubelet => "Kubelet",
        talos::Format::Logrus => "Logrus",
        talos::Format::ZapJson => "ZapJson",
        talos::Format::ZapConsole => "ZapConsole",
        talos::Format::Kernel => "Kernel",
        talos::Format::Syslog => "Syslog",
    }
}

/// The whole script.
pub fn script(r: &Resolved) -> Result<String, String> {
    let mut out = format!(
        "-- Generated by loki-stack-fn: the Lua filter of {CONFIG_FILE} (LokiStack {}).\n\n",
        r.name
    );
    out.push_str(&settings(r)?);
    out.push('\n');
    out.push_str(VM_LUA);
    if !VM_LUA.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(PIPELINE_LUA);
    Ok(out)
}
