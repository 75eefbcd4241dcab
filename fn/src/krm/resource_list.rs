//! Reading and writing `config.kubernetes.io/v1` ResourceLists.
//!
//! Items are held untyped (`serde_json::Value` with key order preserved) so that what
//! we do not generate passes through exactly: every field, every annotation.

use serde_json::Value;

use super::result::KrmResult;
use crate::diagnostic::Diagnostic;
use crate::spec::kind_of;

pub const API_VERSION: &str = "config.kubernetes.io/v1";
pub const KIND: &str = "ResourceList";

#[derive(Debug, Clone, Default)]
pub struct ResourceList {
    pub items: Vec<Value>,
    pub function_config: Option<Value>,
}

/// Parses one document of YAML or JSON into an untyped value.
pub fn parse_document(input: &str, what: &str) -> Result<Value, Diagnostic> {
    let trimmed = input.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(Diagnostic::new(format!("empty input: expected {what}")));
    }
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed)
            .map_err(|e| Diagnostic::new(format!("input is not valid JSON ({what}): {e}")))
    } else {
        crate::yaml::from_str(input)
            .map_err(|e| Diagnostic::new(format!("input is not valid YAML ({what}): {e}")))
    }
}

pub fn parse(input: &str) -> Result<ResourceList, Diagnostic> {
    let what = "a ResourceList (apiVersion: config.kubernetes.io/v1, kind: ResourceList)";
    let doc = parse_document(input, what)?;
    let Value::Object(mut map) = doc else {
        return Err(Diagnostic::new(format!(
            "input is {}, not {what}",
            kind_of(&doc)
        )));
    };
    match map.get("kind").and_then(Value::as_str) {
        Some(KIND) => {}
        Some(other) => {
            return Err(Diagnostic::at(
                "kind",
                format!(
                    "expected kind {KIND:?}, got {other:?}: KRM functions read a ResourceList on \
                     stdin (to render a plain {other} file use `loki-stack-fn render -f FILE`)"
                ),
            ));
        }
        None => {
            return Err(Diagnostic::at(
                "kind",
                format!("missing: the input is not {what}"),
            ));
        }
    }
    match map.get("apiVersion").and_then(Value::as_str) {
        Some(API_VERSION | "config.kubernetes.io/v1alpha1") => {}
        other => {
            return Err(Diagnostic::at(
                "apiVersion",
                format!("expected {API_VERSION:?}, got {other:?}"),
            ));
        }
    }
    let items = match map.remove("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Diagnostic::at(
                "items",
                format!("expected a sequence of objects, got {}", kind_of(&other)),
            ));
        }
    };
    for (i, item) in items.iter().enumerate() {
        if !item.is_object() {
            return Err(Diagnostic::at(
                format!("items[{i}]"),
                format!("expected an object (a mapping), got {}", kind_of(item)),
            ));
        }
    }
    let function_config = match map.remove("functionConfig") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(other) => {
            return Err(Diagnostic::at(
                "functionConfig",
                format!("expected a LokiStack object, got {}", kind_of(&other)),
            ));
        }
    };
    Ok(ResourceList {
        items,
        function_config,
    })
}

/// Block-style YAML, the form kpt writes back into package files. Written field by
/// field: the items are not copied into one big value first.
pub fn serialize(
    items: &[Value],
    function_config: Option<&Value>,
    results: &[KrmResult],
) -> Result<String, String> {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("apiVersion: ");
    out.push_str(API_VERSION);
    out.push_str("\nkind: ");
    out.push_str(KIND);
    out.push('\n');
    crate::yaml::push_sequence_field(&mut out, "items", items);
    if let Some(fc) = function_config {
        crate::yaml::push_field(&mut out, "functionConfig", fc);
    }
    if !results.is_empty() {
        let results = serde_json::to_value(results).map_err(|e| e.to_string())?;
        crate::yaml::push_field(&mut out, "results", &results);
    }
    Ok(out)
}
