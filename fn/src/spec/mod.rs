//! The `LokiStack` function config: its types, profile defaults and validation.

pub mod collector;
pub mod credentials;
pub mod duration;
pub mod names;
pub mod profile;
pub mod quantity;
pub mod re2;
pub mod redaction;
mod remote_url;
mod resolve;
pub mod resolved;
pub mod resources;
pub mod schema;
pub mod selector;
pub mod sizes;
mod strict;
mod suggest;
pub mod types;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
pub use resolved::Resolved;
pub use types::{API_VERSION, KIND};

/// Reads a LokiStack document (already parsed from YAML/JSON) and resolves it.
/// Every diagnostic carries the field path; callers add the file.
pub fn parse(doc: &Value) -> Result<Resolved, Vec<Diagnostic>> {
    check_type(doc)?;
    let leaked = credentials::check(doc);
    if !leaked.is_empty() {
        return Err(leaked);
    }
    let stack: types::LokiStack =
        serde_path_to_error::deserialize(strict::Strict(doc)).map_err(|e| {
            let path = e.path().to_string();
            vec![structural(&path, &e.into_inner().to_string())]
        })?;
    resolve::resolve(&stack)
}

/// `apiVersion`/`kind` first, so that a wrong document gets "this is not a LokiStack"
/// rather than a list of unknown fields.
fn check_type(doc: &Value) -> Result<(), Vec<Diagnostic>> {
    let Some(map) = doc.as_object() else {
        return Err(vec![Diagnostic::new(format!(
            "the function config must be a mapping (a {KIND} document), got {}",
            kind_of(doc)
        ))]);
    };
    let mut errors = Vec::new();
    match map.get("kind").and_then(Value::as_str) {
        Some(KIND) => {}
        Some(other) => errors.push(Diagnostic::at(
            "kind",
            format!(
                "expected kind {KIND:?}, got {other:?}: this function only reads {KIND} configs"
            ),
        )),
        None => errors.push(Diagnostic::at(
            "kind",
            format!("missing: expected kind: {KIND}"),
        )),
    }
    match map.get("apiVersion").and_then(Value::as_str) {
        Some(API_VERSION) => {}
        Some(other) => errors.push(Diagnostic::at(
            "apiVersion",
            format!("expected {API_VERSION:?}, got {other:?}"),
        )),
        None => errors.push(Diagnostic::at(
            "apiVersion",
            format!("missing: expected apiVersion: {API_VERSION}"),
        )),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

/// Turns serde's structural errors into field-precise ones with a suggestion.
fn structural(path: &str, message: &str) -> Diagnostic {
    // serde: "unknown field `perod`, expected one of `period`, `streams`"
    //        "unknown field `x`, there are no fields"
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, tail)) = rest.split_once('`')
    {
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let parent = path
            .strip_suffix(field)
            .map(|p| p.trim_end_matches('.'))
            .unwrap_or(path);
        let full = if parent.is_empty() || parent == "." {
            field.to_owned()
        } else {
            format!("{parent}.{field}")
        };
        let mut msg = format!("unknown field {field:?}");
        if let Some(best) = suggest::closest(field, &expected) {
            msg.push_str(&format!("; did you mean {best:?}?"));
        }
        if !expected.is_empty() {
            msg.push_str(&format!(" (valid fields here: {})", expected.join(", ")));
        }
        return Diagnostic::at(full, msg);
    }
    // serde: "unknown variant `Local`, expected `local` or `cloud`"
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((variant, tail)) = rest.split_once('`')
    {
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let mut msg = format!("unknown value {variant:?}");
        if let Some(best) = suggest::closest(variant, &expected) {
            msg.push_str(&format!("; did you mean {best:?}?"));
        }
        msg.push_str(&format!(" (one of: {})", expected.join(", ")));
        return Diagnostic::at(path, msg);
    }
    let mut msg = message.to_owned();
    if message.starts_with("invalid type:") && message.ends_with("expected a string") {
        msg.push_str(" (quote the value, e.g. \"1\")");
    }
    let field = if path.is_empty() || path == "." {
        "spec"
    } else {
        path
    };
    Diagnostic::at(field, msg)
}
