//! The one place that decides how YAML is read and written.
//!
//! Reading follows what Kubernetes tooling (kyaml, the API server) means by the text:
//! only `true`/`false` are booleans (so an unquoted `on` stays a string), and YAML 1.1
//! octal such as `defaultMode: 0644` is the number 420. Writing quotes every string that
//! a YAML 1.1 reader could take for something else (`"on"`, `"0644"`, `"2024-01-01"`),
//! uses literal blocks for multi-line strings and never folds long lines.

mod emit;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest document parsed whole into a tree (docs/src/reference/limits.md): a LokiStack config, or a
/// ResourceList the scanner cannot keep as text. A tree costs about 20 times its text.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// Most YAML nodes one document parsed whole may hold, aliases expanded: stops "billion
/// laughs" alias bombs long before they cost memory.
pub const MAX_NODES: usize = 1_000_000;
/// Most YAML events aliases may replay in one input (Kubernetes YAML rarely uses any).
pub const MAX_ALIAS_EVENTS: usize = 100_000;

/// How YAML is read (see the module docs), for inputs of at most `max_documents` documents.
pub(crate) fn read_options(max_documents: usize) -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        legacy_octal_numbers: true,
        with_snippet: false,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EVENTS,
        },
        budget: serde_saphyr::budget! {
            max_documents: max_documents,
            max_depth: 200,
            max_total_scalar_bytes: MAX_DOCUMENT_BYTES,
            max_nodes: MAX_NODES,
            max_aliases: 10_000,
            max_anchors: 10_000,
        },
    }
}

/// Parses one YAML (or JSON) document.
pub fn from_str<T: DeserializeOwned>(input: &str) -> Result<T, String> {
    serde_saphyr::from_str_with_options(input, read_options(1)).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("budget breached") {
            format!(
                "{msg}: the document expands to more than {MAX_NODES} nodes, replays more than {MAX_ALIAS_EVENTS} events through aliases or nests too deep \
                 (a YAML alias bomb?); nothing was rendered"
            )
        } else {
            msg
        }
    })
}

/// Serializes one value as a block-style YAML document (no leading `---`).
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(emit::document(&value))
}

/// Serializes a JSON value as a block-style YAML document (no leading `---`).
pub fn value_to_string(value: &serde_json::Value) -> String {
    emit::document(value)
}

/// Appends `key: value` as a top-level field of a block-style YAML document.
pub fn push_field(out: &mut String, key: &str, value: &serde_json::Value) {
    emit::field(out, key, value);
}

/// Appends `value` as one entry (`- ...`) of a block sequence at column 0.
pub fn push_sequence_entry(out: &mut String, value: &serde_json::Value) {
    emit::sequence_field_entry(out, value);
}

/// A byte count for messages: whole MiB or KiB when exact, else bytes.
pub fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{from_str, value_to_string};

    /// Strings a careless writer turns into something else for some YAML reader
    /// (shared with the end-to-end test that reads them back with PyYAML and kustomize).
    fn tricky() -> Vec<String> {
        serde_json::from_str(include_str!("../../../tests/data/tricky-strings.json")).unwrap()
    }

    #[test]
    fn every_tricky_string_reads_back_as_written() {
        let all = tricky();
        assert!(all.len() > 100);
        for s in &all {
            let s = s.as_str();
            for v in [
                json!({ "k": s }),
                json!({ "seq": [s, {"in": s}], "nested": {"deep": {"k": s}} }),
                json!({ s: "as key" }),
            ] {
                let text = value_to_string(&v);
                let back: Value =
                    from_str(&text).unwrap_or_else(|e| panic!("{s:?}: unreadable: {e}\n{text}"));
                assert_eq!(back, v, "{s:?}:\n{text}");
            }
        }
    }

    #[test]
    fn numbers_booleans_nulls_and_empty_collections() {
        let v = json!({
            "i": 420, "neg": -3, "f": 10.0, "g": 0.25, "t": true, "n": null,
            "e": {}, "l": [], "ll": [[1, 2], [], [{}]], "m": [{"a": 1, "b": [1]}]
        });
        let text = value_to_string(&v);
        assert_eq!(from_str::<Value>(&text).unwrap(), v, "{text}");
        assert!(text.contains("f: 10.0\n"), "{text}");
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let text = value_to_string(&json!({"config.yaml": "a: 1\nb:\n  c: 2\n"}));
        assert_eq!(text, "config.yaml: |\n  a: 1\n  b:\n    c: 2\n");
        let text = value_to_string(&json!({"s": ["x\ny"]}));
        assert_eq!(text, "s:\n- |-\n  x\n  y\n");
    }
}
