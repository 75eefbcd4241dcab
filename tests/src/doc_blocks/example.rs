//! LokiStack examples: which blocks are examples, and the whole document each one stands
//! for (a `spec:` excerpt is made whole over a fixed base).

use serde_json::{Value, json};

use super::{Block, Marker};

/// What an example must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Renders,
    /// Refused, with an error naming this field (and the file).
    Refused(String),
}

/// One LokiStack example of the docs.
#[derive(Clone, Debug)]
pub struct Example {
    /// The block it comes from.
    pub block: Block,
    pub expect: Expect,
    /// The file `lokistack.yaml` that is rendered: the block itself when it is a whole
    /// document, else the excerpt merged over the base (as JSON, which is YAML).
    pub document: String,
}

pub const API_VERSION: &str = "lokistack.krm.dev/v1alpha1";

/// The document a `spec:` excerpt is merged over: apiVersion, kind, `metadata.name: loki`,
/// `spec.profile` local (cloud when the excerpt says `profile: cloud`), `spec.retention.
/// period` 72h (cloud: 7d) and, for cloud when the excerpt has no `spec.storage`, an S3
/// bucket with an IRSA role.
pub fn base(excerpt_spec: &Value) -> Value {
    let cloud = excerpt_spec.get("profile").and_then(Value::as_str) == Some("cloud");
    let mut spec = json!({
        "profile": if cloud { "cloud" } else { "local" },
        "retention": {"period": if cloud { "7d" } else { "72h" }},
    });
    if cloud && excerpt_spec.get("storage").is_none() {
        spec["storage"] = json!({
            "s3": {"bucket": "my-loki-chunks", "region": "eu-west-1"},
            "auth": {"serviceAccountAnnotations": {
                "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/loki"
            }},
        });
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "LokiStack",
        "metadata": {"name": "loki"},
        "spec": spec,
    })
}

/// Deep merge: mappings key by key, anything else replaced by `over`.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// The document of an example block, or why the block is not one.
fn document(block: &Block) -> Result<String, String> {
    let opts = serde_saphyr::options! {
        strict_booleans: true,
        legacy_octal_numbers: true,
    };
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options::<Value>(&block.text, opts)
        .map_err(|e| format!("the example is not YAML: {e}"))?
        .into_iter()
        .filter(|d| !d.is_null())
        .collect();
    let [doc] = docs.as_slice() else {
        return Err(format!(
            "an example is one YAML document, this block has {}",
            docs.len()
        ));
    };
    let Some(map) = doc.as_object() else {
        return Err("the example is not a YAML mapping".to_owned());
    };
    if let Some(kind) = map.get("kind") {
        if kind != "LokiStack" {
            return Err(format!("the example is a {kind}, not a LokiStack"));
        }
        return Ok(block.text.clone());
    }
    match map.get("spec") {
        Some(spec) if map.len() == 1 && spec.is_object() => {
            let mut whole = base(spec);
            merge(&mut whole, doc);
            Ok(format!("{whole:#}\n"))
        }
        _ => Err(
            "the example is neither a whole LokiStack (with `kind: LokiStack`) nor an \
             excerpt that starts at `spec:` (a mapping, the only top-level key)"
                .to_owned(),
        ),
    }
}

/// The examples among `blocks` (marked, or unmarked ```yaml LokiStacks), and the blocks
/// that are wrongly marked or not examples at all (as failures).
pub fn examples(blocks: &[Block]) -> (Vec<Example>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for block in blocks {
        let expect = match &block.marker {
            Some(Marker::Renders) => Expect::Renders,
            Some(Marker::Refused(field)) => Expect::Refused(field.clone()),
            None if block.looks_like_lokistack() => Expect::Renders,
            _ => continue,
        };
        if !block.is_yaml() {
            errors.push(format!(
                "{}: a LokiStack marker on a ```{} block: examples are ```yaml blocks",
                block.at(),
                block.lang
            ));
            continue;
        }
        if !block.includes().is_empty() {
            errors.push(format!(
                "{}: a marker on an {{{{#include}}}} block: the block is the included file, \
                 it takes no marker",
                block.at()
            ));
            continue;
        }
        match document(block) {
            Ok(document) => out.push(Example {
                block: block.clone(),
                expect,
                document,
            }),
            Err(why) => errors.push(format!("{}: {why}", block.at())),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_made_whole_over_the_base() {
        let block = |text: &str| Block {
            file: "f.md".to_owned(),
            line: 3,
            lang: "yaml".to_owned(),
            text: text.to_owned(),
            marker: Some(Marker::Renders),
        };
        let doc = |text: &str| -> Value { crate::doc(&document(&block(text)).unwrap()) };
        let local = doc("spec:\n  retention: {streams: []}\n  collector: {kind: FluentBit}\n");
        assert_eq!(local["metadata"]["name"], "loki");
        assert_eq!(local["spec"]["profile"], "local");
        assert_eq!(local["spec"]["retention"]["period"], "72h");
        assert_eq!(local["spec"]["retention"]["streams"], json!([]));
        assert_eq!(local["spec"]["collector"]["kind"], "FluentBit");
        assert!(local["spec"].get("storage").is_none());
        let cloud = doc("spec:\n  profile: cloud\n  retention: {period: 30d}\n");
        assert_eq!(cloud["spec"]["retention"]["period"], "30d");
        assert_eq!(cloud["spec"]["storage"]["s3"]["bucket"], "my-loki-chunks");
        let gcs = doc("spec:\n  profile: cloud\n  storage: {gcs: {bucket: b}}\n");
        assert_eq!(gcs["spec"]["storage"], json!({"gcs": {"bucket": "b"}}));
        let whole = "kind: LokiStack\nspec: {}\n";
        assert_eq!(document(&block(whole)).unwrap(), whole);
        for (text, why) in [
            ("tenancy: {}\n", "neither a whole LokiStack"),
            ("kind: Kptfile\n", "is a \"Kptfile\", not a LokiStack"),
            ("spec: {}\n---\nspec: {}\n", "this block has 2"),
            ("spec: [\n", "not YAML"),
        ] {
            let err = document(&block(text)).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
