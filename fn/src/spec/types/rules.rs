//! What the JSON Schema (`loki-stack-fn schema`) says about a field's value beyond its
//! type: the string rules of `resolve`, written as JSON Schema keywords and attached to
//! the fields with `#[schemars(transform = ...)]`; and the fixed values they name
//! (the schema version, reserved labels, ports taken on a node), which `resolve` uses too.
//!
//! Each rule is exactly as strict as the check it mirrors (named in its doc) or looser,
//! never stricter: what the function accepts, the schema accepts. The function refuses
//! more (cross-field rules, Go RE2, overflow), and `tests/tests/schema.rs` checks both
//! directions. The patterns are plain ECMA-262 that Python's `re` and Rust's `regex` read
//! the same way: no look-around, no `\d` or `\s` (Unicode-dependent), no back-references.

use schemars::Schema;
use serde_json::{Map, Value, json};

/// The only index schema Loki 3 runs with structured metadata.
pub const SCHEMA_VERSION: &str = "v13";

/// Ports a Talos node (or the collector itself, on the host network with the
/// receiver on) already listens on.
pub const TAKEN_PORTS: [(u16, &str); 12] = [
    (2020, "Fluent Bit's own HTTP server (metrics, health)"),
    (2379, "etcd"),
    (2380, "etcd peers"),
    (6443, "the kube-apiserver"),
    (9100, "node-exporter"),
    (10249, "kube-proxy metrics"),
    (10250, "the kubelet"),
    (10256, "kube-proxy health"),
    (10257, "kube-controller-manager"),
    (10259, "kube-scheduler"),
    (50000, "Talos apid"),
    (50001, "Talos trustd"),
];

/// Labels every entry may carry (`cluster`: an agent's, `spec.remote.cluster`);
/// `extraLabels` must not reuse them.
pub const RESERVED_LABELS: [&str; 13] = [
    "cluster",
    "job",
    "namespace",
    "pod",
    "container",
    "node",
    "app",
    "level",
    "service",
    "service_name",
    "filename",
    "stream",
    "verb",
];

/// `names::check_dns_label`: a DNS-1123 label.
pub const DNS_LABEL: &str = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
/// One or more DNS-1123 labels joined by dots (`clusterDomain`, StorageClass names).
pub const DNS_NAME: &str =
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";
/// `names::check_label_key`: `[DNS subdomain/]name`.
pub const LABEL_KEY: &str = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
/// `names::check_label_value`: empty, or at most 63 characters.
pub const LABEL_VALUE: &str = "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";
/// `duration::Duration::parse`: Prometheus durations, units in order, or `0`.
pub const DURATION: &str =
    "^(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$";
/// `quantity::Quantity::parse`: a number with a Kubernetes suffix or an exponent.
pub const QUANTITY: &str =
    r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTP]i|[numkMGTP])?$";
/// Rust's `char::is_whitespace` (Unicode White_Space) and `char::is_control` (Cc), as
/// the inside of a character class: what several checks refuse anywhere in a value.
macro_rules! space_or_control {
    () => {
        r"\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}
/// Whitespace only (`str::trim`).
macro_rules! space {
    () => {
        r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}
/// `names::check_image`: a tag (`repo:tag`) or a digest (`repo@sha256:<64 hex>`),
/// without spaces or control characters.
pub const IMAGE: &str = concat!(
    "^([^@",
    space_or_control!(),
    "]*@sha256:[0-9a-fA-F]{64}|([^@",
    space_or_control!(),
    "]*/)?[^/@:",
    space_or_control!(),
    "]*:[^/@",
    space_or_control!(),
    "]+)$"
);
/// ... and the tag is not `latest`.
pub const IMAGE_LATEST: &str = "^([^@]*/)?[^/@:]*:latest$";
/// A value that is not empty once trimmed (`str::trim`).
pub const NOT_BLANK: &str = concat!("[^", space!(), "]");
/// Loki's label-name syntax (`extraLabels`, `structuredMetadata`).
pub const LABEL_NAME: &str = "^[A-Za-z_][A-Za-z0-9_]{0,62}$";

/// The string schema(s) a rule applies to: the field itself, or a list's items.
fn strings(s: &mut Schema) -> Option<&mut Map<String, Value>> {
    let is_list = match s.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "array"),
        Some(t) => t == "array",
        None => false,
    };
    if is_list {
        s.get_mut("items")?.as_object_mut()
    } else {
        s.as_object_mut()
    }
}

fn add(s: &mut Schema, keys: Value) {
    if let (Some(target), Value::Object(keys)) = (strings(s), keys) {
        target.extend(keys);
    }
}

/// A pattern strings must not match. (`not` alone would also refuse `null`.)
fn not_matching(pattern: &str) -> Value {
    json!({"type": "string", "pattern": pattern})
}

pub fn dns_label(s: &mut Schema) {
    add(s, json!({"pattern": DNS_LABEL}));
}

/// `check_host` of `resolve::access`: a DNS name, optionally `*.`-prefixed.
pub fn host(s: &mut Schema) {
    let body = DNS_NAME.trim_start_matches('^');
    add(
        s,
        json!({"pattern": format!(r"^(\*\.)?{body}"), "maxLength": 255}),
    );
}

pub fn dns_name(s: &mut Schema) {
    add(s, json!({"pattern": DNS_NAME}));
}

/// Empty means "the cluster's default StorageClass".
pub fn storage_class(s: &mut Schema) {
    let body = DNS_NAME.trim_start_matches('^').trim_end_matches('$');
    add(s, json!({"pattern": format!("^({body})?$")}));
}

/// Keys and values of a label map (`names::check_label_key`, `check_label_value`).
pub fn label_map(s: &mut Schema) {
    s.insert("propertyNames".into(), json!({"pattern": LABEL_KEY}));
    s.insert(
        "additionalProperties".into(),
        json!({"type": "string", "pattern": LABEL_VALUE}),
    );
}

/// Annotation maps: the keys are checked, the values are free text.
pub fn annotation_keys(s: &mut Schema) {
    s.insert("propertyNames".into(), json!({"pattern": LABEL_KEY}));
}

/// Workload identity annotations: valid keys, values not blank.
pub fn service_account_annotations(s: &mut Schema) {
    annotation_keys(s);
    s.insert(
        "additionalProperties".into(),
        json!({"type": "string", "pattern": NOT_BLANK}),
    );
}

/// A non-empty label value (`spec.zones[]`, `spec.monitoring.cluster`).
pub fn label_value(s: &mut Schema) {
    add(s, json!({"pattern": LABEL_VALUE, "minLength": 1}));
}

pub fn label_key_or_empty(s: &mut Schema) {
    let body = LABEL_KEY.trim_start_matches('^').trim_end_matches('$');
    add(s, json!({"pattern": format!("^({body})?$")}));
}

pub fn duration(s: &mut Schema) {
    add(s, json!({"pattern": DURATION, "minLength": 1}));
}

pub fn quantity(s: &mut Schema) {
    add(s, json!({"pattern": QUANTITY}));
}

pub fn image(s: &mut Schema) {
    add(
        s,
        json!({"pattern": IMAGE, "not": not_matching(IMAGE_LATEST)}),
    );
}

/// `resolve::cardinality::check_label_name`, and not a label the stack sets itself.
pub fn label_names(s: &mut Schema) {
    add(
        s,
        json!({
            "pattern": LABEL_NAME,
            "not": {"anyOf": [not_matching("^__"), {"enum": RESERVED_LABELS}]},
        }),
    );
}

/// `resolve::access::check_tenant_id`: Loki's rule.
pub fn tenant_id(s: &mut Schema) {
    add(
        s,
        json!({"pattern": "^[A-Za-z0-9!_.*'()-]{1,150}$", "not": {"enum": [".", ".."]}}),
    );
}

/// S3 bucket names (`resolve::storage::check_s3_bucket`).
pub fn s3_bucket(s: &mut Schema) {
    add(
        s,
        json!({"pattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "not": not_matching(r"\.\.")}),
    );
}

pub fn gcs_bucket(s: &mut Schema) {
    add(s, json!({"pattern": "^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$"}));
}

pub fn s3_region(s: &mut Schema) {
    add(s, json!({"pattern": "^[a-z0-9-]*$"}));
}

/// A key of a Secret (`kubectl create secret` accepts these).
pub fn secret_key(s: &mut Schema) {
    add(s, json!({"pattern": "^[-._a-zA-Z0-9]{1,253}$"}));
}

/// An absolute path without `.` or `..` segments, not `/` itself, and nothing Promtail's
/// `-config.expand-env` rewrites.
pub fn absolute_path(s: &mut Schema) {
    add(
        s,
        json!({"pattern": "^/.*[^/]", "not": not_matching(r"(^|/)\.\.?(/|$)|\\|\$\{|\$\$")}),
    );
}

/// `passwordFrom.file`: Grafana expands `$__file{...}` around it.
pub fn grafana_file(s: &mut Schema) {
    add(s, json!({"pattern": concat!("^/[^{}$", space!(), "]*$")}));
}

pub fn env_name(s: &mut Schema) {
    add(s, json!({"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}));
}

/// A Grafana uid.
pub fn uid(s: &mut Schema) {
    add(s, json!({"pattern": "^[A-Za-z0-9_-]{1,40}$"}));
}

pub fn date(s: &mut Schema) {
    add(
        s,
        json!({"pattern": "^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$", "format": "date"}),
    );
}

/// One matcher of a LogQL stream selector: `name op "value"` (or `` `value` ``).
macro_rules! matcher {
    () => {
        concat!(
            "[A-Za-z_][A-Za-z0-9_]*[",
            space!(),
            "]*(=~|!~|!=|=)[",
            space!(),
            r#"]*("([^"\\]|\\[\s\S])*"|`[^`]*`)"#
        )
    };
}
/// `selector::check`: a LogQL stream selector, `{matcher, ...}` with at least one.
pub const STREAM_SELECTOR: &str = concat!(
    "^[",
    space!(),
    r"]*\{[",
    space!(),
    "]*",
    matcher!(),
    "([",
    space!(),
    "]*,[",
    space!(),
    "]*",
    matcher!(),
    ")*[",
    space!(),
    r"]*\}[",
    space!(),
    "]*$"
);

pub fn stream_selector(s: &mut Schema) {
    add(s, json!({"pattern": STREAM_SELECTOR}));
}

/// `host[:port]`, optionally with `http://` or `https://`, no path (`resolve::storage`).
pub fn s3_endpoint(s: &mut Schema) {
    add(
        s,
        json!({
            "pattern": concat!("^((https?://)?[^/$", space!(), "]+/*)?$"),
            "not": not_matching("^https?://+$"),
        }),
    );
}

pub fn http_url(s: &mut Schema) {
    add(s, json!({"pattern": "^https?://"}));
}

/// `spec.remote.url` (`RemoteUrl::parse`): a base URL, without credentials, query or
/// fragment, nor the push path the collector appends. (http:// only to a Service of the
/// cluster depends on spec.clusterDomain: the function checks it.)
pub fn remote_url(s: &mut Schema) {
    add(
        s,
        json!({
            "pattern": concat!(
                "^https?://[^/@?#", space_or_control!(), "]+(/[^?#", space_or_control!(), "]*)?$"
            ),
            "not": not_matching("/loki/api/v1/push/*$"),
        }),
    );
}

/// The gateway's resolver: a DNS server's name or address.
pub fn resolver(s: &mut Schema) {
    add(s, json!({"pattern": r"^[A-Za-z0-9.:\[\]-]+$"}));
}

/// ... and nothing Promtail's `-config.expand-env` rewrites.
pub fn basic_auth_user(s: &mut Schema) {
    add(
        s,
        json!({
            "pattern": concat!("^[^:", space_or_control!(), "]+$"),
            "not": not_matching(r"\\|\$\{|\$\$"),
        }),
    );
}

pub fn non_empty(s: &mut Schema) {
    add(s, json!({"minLength": 1}));
}

/// Not empty once trimmed.
pub fn not_blank(s: &mut Schema) {
    add(s, json!({"pattern": NOT_BLANK}));
}

/// `re2::for_promtail`, the part a pattern can say: not empty, nothing
/// `-config.expand-env` rewrites, no control character but tab.
pub fn re2(s: &mut Schema) {
    add(
        s,
        json!({"minLength": 1, "not": not_matching(r"\$\{|\$\$|[\x00-\x08\x0a-\x1f\x7f-\x9f]")}),
    );
}

/// `check_replacement` of `resolve::collector`: constant text Promtail keeps as it is.
pub fn replacement(s: &mut Schema) {
    add(
        s,
        json!({"maxLength": 64, "not": not_matching(r"\{\{|\$\{|\$\$|\\|[\x00-\x1f\x7f-\x9f]")}),
    );
}

/// The built-in redaction rule sets, by name.
pub fn builtin_sets(s: &mut Schema) {
    add(s, json!({"enum": crate::spec::redaction::names()}));
}

pub fn toleration_operator(s: &mut Schema) {
    s.insert("enum".into(), json!(["Equal", "Exists", null]));
}

pub fn toleration_effect(s: &mut Schema) {
    s.insert(
        "enum".into(),
        json!(["", "NoSchedule", "PreferNoSchedule", "NoExecute", null]),
    );
}

/// Schema versions Loki 3 runs with (`resolve::retention::schemas`).
pub fn schema_version(s: &mut Schema) {
    s.insert("enum".into(), json!([SCHEMA_VERSION]));
}

/// Lists whose entries must be distinct.
pub fn unique(s: &mut Schema) {
    s.insert("uniqueItems".into(), Value::Bool(true));
}

/// `resolve::collector::receiver`: not a port a Talos node already listens on.
pub fn receiver_port(s: &mut Schema) {
    let taken: Vec<u16> = TAKEN_PORTS.iter().map(|(p, _)| *p).collect();
    add(s, json!({"not": {"enum": taken}}));
}

/// Distinct DNS labels (namespace lists).
pub fn unique_dns_labels(s: &mut Schema) {
    unique(s);
    dns_label(s);
}
