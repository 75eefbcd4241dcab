//! The JSON Schema of a `LokiStack` document, generated from the types in `types` (their
//! doc comments are the descriptions, their `#[schemars]` attributes the value rules):
//! what `loki-stack-fn schema` prints and `schema/lokistack.schema.json` holds.
//!
//! Draft-07, which every editor's YAML/JSON support reads (the yaml-language-server
//! behind VS Code's YAML extension among them). What the schema accepts, the function
//! accepts, but for the cross-field rules a schema cannot say (docs/src/reference/refusals.md).

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use super::types::{API_VERSION, KIND, LokiStack};

/// Where the schema is committed, from the repository root.
pub const PATH: &str = "schema/lokistack.schema.json";

/// The schema's identifier (`$id`): a name, not a download address.
pub fn id() -> String {
    let (group, version) = API_VERSION.split_once('/').unwrap_or((API_VERSION, ""));
    format!("https://{group}/schemas/{version}/lokistack.schema.json")
}

/// The schema as a JSON value.
pub fn json_schema() -> Value {
    let generated = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<LokiStack>()
        .to_value();
    let Value::Object(generated) = tidy(generated) else {
        return Value::Null;
    };
    // `$schema`, `$id`, `title` first; the generated keys after them, in their order.
    let mut out = Map::new();
    if let Some(meta) = generated.get("$schema") {
        out.insert("$schema".to_owned(), meta.clone());
    }
    out.insert("$id".to_owned(), Value::String(id()));
    out.insert(
        "title".to_owned(),
        Value::String(format!("{KIND} ({API_VERSION})")),
    );
    for (k, v) in generated {
        if !out.contains_key(&k) {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// Descriptions as paragraphs (a doc comment's line breaks are not the text's), and
/// the integer formats' ranges as `minimum`/`maximum`, which validators check (an
/// `int64`/`uint32` format alone they do not, and the function refuses what overflows).
fn tidy(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            if let Some(Value::String(d)) = map.get_mut("description") {
                *d = d
                    .split("\n\n")
                    .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join("\n\n");
            }
            let range = match map.get("format").and_then(Value::as_str) {
                Some("uint32") => Some((Value::from(0), Value::from(u32::MAX))),
                Some("int64") => Some((Value::from(i64::MIN), Value::from(i64::MAX))),
                _ => None,
            };
            if let Some((min, max)) = range {
                map.entry("minimum").or_insert(min);
                map.entry("maximum").or_insert(max);
            }
            for child in map.values_mut() {
                *child = tidy(std::mem::take(child));
            }
        }
        Value::Array(items) => {
            for child in items {
                *child = tidy(std::mem::take(child));
            }
        }
        _ => {}
    }
    v
}

/// The schema as printed and committed: pretty JSON and a final newline.
pub fn to_pretty_string() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
