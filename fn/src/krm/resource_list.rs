//! Reading and writing `config.kubernetes.io/v1` ResourceLists.
//!
//! What we do not generate passes through exactly: as the text it came as (the
//! scanner, [`super::scan`]), or, when the whole input had to be parsed, as an untyped
//! tree (`serde_json::Value` with key order preserved): every field, every annotation.

use serde_json::Value;

use super::item::Item;
use super::result::KrmResult;
use super::scan;
use crate::diagnostic::Diagnostic;
use crate::spec::kind_of;

pub use super::{API_VERSION, KIND};

#[derive(Debug, Clone, Default)]
pub struct ResourceList<'a> {
    pub items: Vec<Item<'a>>,
    pub function_config: Option<Value>,
}

/// Reads a ResourceList: the scanner keeps the items as text; what it cannot copy
/// faithfully is parsed whole, up to [`crate::yaml::MAX_DOCUMENT_BYTES`].
pub fn read(input: &str) -> Result<ResourceList<'_>, Diagnostic> {
    match scan::scan(input) {
        Ok(list) => Ok(ResourceList {
            items: list.items,
            function_config: list.function_config,
        }),
        Err(scan::Fallback(why)) if input.len() > crate::yaml::MAX_DOCUMENT_BYTES => {
            Err(Diagnostic::new(format!(
                "input of {} needs the full YAML parse ({why}), which reads at most {}: \
                 send block-style YAML without anchors, aliases or tags (as kpt and \
                 kustomize do), or a smaller package; nothing was rendered",
                crate::yaml::size(input.len()),
                crate::yaml::size(crate::yaml::MAX_DOCUMENT_BYTES),
            )))
        }
        Err(_) => parse(input),
    }
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

/// Parses the whole ResourceList into trees (the path for JSON and unusual YAML).
pub fn parse(input: &str) -> Result<ResourceList<'static>, Diagnostic> {
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
        items: items.into_iter().map(Item::Tree).collect(),
        function_config,
    })
}

/// Block-style YAML, the form kpt writes back into package files: the package items
/// (text items as they came, at column 0), then the generated objects. Written field by
/// field: the items are not copied into one big value first.
pub fn serialize(
    items: &[&Item<'_>],
    generated: &[Value],
    function_config: Option<&Value>,
    results: &[KrmResult],
) -> Result<String, String> {
    let text: usize = items.iter().map(|i| i.text_len()).sum();
    let mut out = String::with_capacity(text + 256 * 1024);
    out.push_str("apiVersion: ");
    out.push_str(API_VERSION);
    out.push_str("\nkind: ");
    out.push_str(KIND);
    out.push('\n');
    if items.is_empty() && generated.is_empty() {
        out.push_str("items: []\n");
    } else {
        out.push_str("items:\n");
        for item in items {
            item.write(&mut out);
        }
        for object in generated {
            crate::yaml::push_sequence_entry(&mut out, object);
        }
    }
    if let Some(fc) = function_config {
        crate::yaml::push_field(&mut out, "functionConfig", fc);
    }
    if !results.is_empty() {
        let results = serde_json::to_value(results).map_err(|e| e.to_string())?;
        crate::yaml::push_field(&mut out, "results", &results);
    }
    Ok(out)
}
