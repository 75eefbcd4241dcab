//! The generator's collector, monitoring and Grafana options.

use serde_json::{Value, json};

use super::{Entropy, IMAGES, MEMORY, NAMESPACES, labels, obj, resources, s};

const BUILTIN: &[&str] = &[
    "bearer-token",
    "password",
    "url-credentials",
    "aws-key",
    "private-key",
    "jwt",
];
const EXTRA_LABELS: &[&str] = &[
    "component",
    "region",
    "method",
    "status_class",
    "logger",
    "tier",
];
const METADATA: &[&str] = &["trace_id", "span_id", "user_id", "request_path", "tenant"];

pub(crate) fn collector(e: &mut Entropy) -> Option<Value> {
    let kind = e.maybe(&["Promtail", "FluentBit"]);
    let fluent_bit = kind == Some("FluentBit");
    let exclude = e.subset(NAMESPACES, 3);
    let multiline_pool = [
        json!({"namespace": "shop", "container": "java", "firstline": r"^\d{4}-\d{2}-\d{2}", "maxWaitTime": "2s"}),
        json!({"namespace": "payments", "firstline": r"^\[", "maxLines": 2}),
        json!({"namespace": "x1", "firstline": "^(INFO|WARN|ERROR) ", "maxWaitTime": "1m", "maxLines": 1000}),
    ];
    let mut multiline = e.subset(&multiline_pool, 3);
    if fluent_bit {
        // Fluent Bit's multiline parser has no line limit: maxLines is refused.
        for m in &mut multiline {
            if let Some(m) = m.as_object_mut() {
                m.remove("maxLines");
            }
        }
    }
    let pods = obj(vec![
        (
            "excludeNamespaces",
            (!exclude.is_empty() || e.chance()).then(|| json!(exclude)),
        ),
        (
            "multiline",
            (!multiline.is_empty()).then(|| json!(multiline)),
        ),
    ]);
    let sensitive = e.subset(NAMESPACES, 4);
    let builtin = e.chance().then(|| e.subset(BUILTIN, 6));
    let rule_pool = [
        json!({"name": "card-number", "regex": r"\b(\d{4})[ -]?\d{4}[ -]?\d{4}[ -]?(\d{4})\b", "replace": "****"}),
        json!({"name": "session", "regex": "session=([^ ;]+)"}),
        json!({"name": "ssn", "regex": r"(\d{3}-\d{2}-\d{4})", "replace": "XXX-XX-XXXX"}),
    ];
    let mut rules = e.subset(&rule_pool, 3);
    // A collected sensitive namespace needs at least one rule.
    let collected = sensitive.iter().any(|ns| !exclude.contains(ns));
    if collected && builtin.as_ref().is_some_and(Vec::is_empty) && rules.is_empty() {
        rules.push(rule_pool[1].clone());
    }
    let redaction = obj(vec![
        ("builtin", builtin.map(|b| json!(b))),
        ("rules", (!rules.is_empty()).then(|| json!(rules))),
        ("scope", e.maybe(&["SensitiveNamespaces", "All"]).map(s)),
    ]);
    let extra = e.subset(EXTRA_LABELS, 5);
    let metadata: Vec<&str> = e
        .subset(METADATA, 5)
        .into_iter()
        .filter(|m| !extra.contains(m))
        .collect();
    obj(vec![
        ("kind", kind.map(s)),
        ("image", e.maybe(IMAGES).map(s)),
        ("resources", resources(e, MEMORY)),
        ("pods", pods),
        (
            "positionsDir",
            e.maybe(&["/var/lib/promtail", "/var/lib/logs/promtail/", "/opt/p"])
                .map(s),
        ),
        (
            "talos",
            obj(vec![
                ("systemLogs", e.maybe(&[false, true]).map(Value::Bool)),
                ("auditLogs", e.maybe(&[false, true]).map(Value::Bool)),
                (
                    "receiver",
                    // Only Fluent Bit receives what Talos sends (Promtail: refused when on).
                    obj(vec![
                        (
                            "enabled",
                            if fluent_bit {
                                e.maybe(&[false, true]).map(Value::Bool)
                            } else {
                                e.maybe(&[false]).map(Value::Bool)
                            },
                        ),
                        ("port", e.maybe(&[5170, 1514, 65535]).map(|p| json!(p))),
                    ]),
                ),
            ]),
        ),
        (
            "sensitiveNamespaces",
            (!sensitive.is_empty()).then(|| json!(sensitive)),
        ),
        ("redaction", redaction),
        ("extraLabels", (!extra.is_empty()).then(|| json!(extra))),
        (
            "structuredMetadata",
            (!metadata.is_empty()).then(|| json!(metadata)),
        ),
    ])
}

fn enabled(e: &mut Entropy) -> Option<Value> {
    e.maybe(&[false, true]).map(Value::Bool)
}

pub(crate) fn monitoring(e: &mut Entropy) -> Option<Value> {
    obj(vec![
        (
            "serviceMonitor",
            obj(vec![
                ("enabled", enabled(e)),
                ("labels", labels(e)),
                ("interval", e.maybe(&["30s", "1m", "15s", "1m30s"]).map(s)),
            ]),
        ),
        ("cluster", e.maybe(&["kubernetes", "prod-eu.1"]).map(s)),
        (
            "prometheusRule",
            obj(vec![("enabled", enabled(e)), ("labels", labels(e))]),
        ),
    ])
}

pub(crate) fn grafana(e: &mut Entropy) -> Option<Value> {
    let derived_pool = [
        json!({"name": "TraceID", "matcherRegex": r"traceID=(\w+)", "datasourceUid": "tempo"}),
        json!({"name": "trace", "matcherType": "label", "matcherRegex": "trace_id", "url": "https://t.example.com/${__value.raw}"}),
    ];
    let derived = e.subset(&derived_pool, 2);
    let datasource = obj(vec![
        ("enabled", enabled(e)),
        ("namespace", e.maybe(&["monitoring", "grafana"]).map(s)),
        ("name", e.maybe(&["Loki", "Logs (prod)"]).map(s)),
        ("uid", e.maybe(&["loki", "loki-2_x"]).map(s)),
        ("maxLines", e.maybe(&[1, 1000, 5000]).map(|m| json!(m))),
        ("labels", labels(e)),
        ("isDefault", enabled(e)),
        (
            "derivedFields",
            (!derived.is_empty()).then(|| json!(derived)),
        ),
        (
            "passwordFrom",
            e.maybe(&[
                json!({"env": "LOKI_PW"}),
                json!({"file": "/etc/secrets/loki/password"}),
            ]),
        ),
    ]);
    let dashboards = obj(vec![
        ("enabled", enabled(e)),
        ("namespace", e.maybe(&["grafana", "dashboards"]).map(s)),
        ("labels", labels(e)),
    ]);
    obj(vec![("datasource", datasource), ("dashboards", dashboards)])
}
