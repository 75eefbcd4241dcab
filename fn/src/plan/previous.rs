//! The objects of an earlier render or of the live cluster, as `plan --from` reads them:
//! a multi-document YAML stream, a `kind: List` (what `kubectl get -o yaml` prints), a
//! ResourceList, or the JSON forms of these. Server-added fields are dropped, so that
//! only what a render sets is compared.

use serde_json::{Map, Value};

use crate::krm::annotations;
use crate::yaml::MAX_DOCUMENT_BYTES;

/// Most documents one `--from` file may hold.
const MAX_DOCUMENTS: usize = 100_000;

/// An object as it was before the change.
#[derive(Debug, Clone)]
pub struct Previous {
    /// Normalized: no status, no server metadata, Secret data decoded.
    pub object: Value,
    /// It came from the API server (`kubectl get`): fields it defaulted may be present,
    /// so a field missing from the new render is not a change.
    pub live: bool,
    /// `spec.replicas` / `status.replicas` as the object had them (StatefulSets).
    pub replicas: Option<u64>,
}

/// Parses the text of `--from` into its objects (Lists and ResourceLists flattened).
pub fn parse(text: &str) -> Result<Vec<Value>, String> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "larger than {} MiB: not a render of a logging stack",
            MAX_DOCUMENT_BYTES >> 20
        ));
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        vec![serde_json::from_str(trimmed).map_err(|e| format!("not valid JSON: {e}"))?]
    } else {
        let opts = crate::yaml::read_options(MAX_DOCUMENTS);
        serde_saphyr::from_multiple_with_options::<Value>(text, opts)
            .map_err(|e| format!("not valid YAML: {e}"))?
    };
    let mut out = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        flatten(doc, &mut out, &format!("document {}", i + 1), 0)?;
    }
    Ok(out)
}

fn flatten(doc: Value, out: &mut Vec<Value>, at: &str, depth: u8) -> Result<(), String> {
    match doc {
        Value::Null => Ok(()),
        Value::Array(items) if depth == 0 => {
            for (i, item) in items.into_iter().enumerate() {
                flatten(item, out, &format!("{at}, item {i}"), depth + 1)?;
            }
            Ok(())
        }
        Value::Object(mut map) => {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
            let is_list = (kind == "List" || kind.ends_with("List"))
                && map.get("items").is_some_and(Value::is_array)
                && depth < 2;
            if is_list {
                if let Some(Value::Array(items)) = map.remove("items") {
                    for (i, item) in items.into_iter().enumerate() {
                        flatten(item, out, &format!("{at}, items[{i}]"), depth + 1)?;
                    }
                }
                return Ok(());
            }
            if kind.is_empty() || !map.get("metadata").is_some_and(Value::is_object) {
                return Err(format!(
                    "{at} is not a Kubernetes object (no kind or metadata): expected the output \
                     of `loki-stack-fn render` or `kubectl get -o yaml`"
                ));
            }
            out.push(Value::Object(map));
            Ok(())
        }
        other => Err(format!(
            "{at} is {}, not a Kubernetes object",
            crate::spec::kind_of(&other)
        )),
    }
}

/// Metadata the API server or a runner adds; never part of what a render sets.
const SERVER_METADATA: [&str; 10] = [
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
    "finalizers",
];

fn is_bookkeeping_annotation(key: &str) -> bool {
    key.starts_with("config.kubernetes.io/")
        || key.starts_with("internal.config.kubernetes.io/")
        || key.starts_with("config.k8s.io/")
        || key == "kubectl.kubernetes.io/last-applied-configuration"
        || key == "deployment.kubernetes.io/revision"
}

/// True when the object carries what only the API server writes.
pub fn is_live(o: &Value) -> bool {
    o.get("status").is_some()
        || o.get("metadata")
            .and_then(Value::as_object)
            .is_some_and(|m| SERVER_METADATA.iter().any(|k| m.contains_key(*k)))
}

/// Drops server-added and runner bookkeeping fields, and folds a Secret's base64 `data`
/// and `stringData` into `stringData` (the API server returns only `data`).
pub fn normalize(o: &Value) -> Value {
    let mut o = o.clone();
    if let Some(map) = o.as_object_mut() {
        map.remove("status");
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            for k in SERVER_METADATA {
                meta.remove(k);
            }
            if let Some(Value::Object(a)) = meta.get_mut("annotations") {
                a.retain(|k, _| !is_bookkeeping_annotation(k));
                if a.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
        if map.get("kind").and_then(Value::as_str) == Some("Secret") {
            fold_secret(map);
        }
    }
    o
}

fn fold_secret(map: &mut Map<String, Value>) {
    let mut merged = Map::new();
    if let Some(Value::Object(data)) = map.remove("data") {
        for (k, v) in data {
            let decoded = v
                .as_str()
                .and_then(decode_base64)
                .and_then(|b| String::from_utf8(b).ok())
                .map_or(v, Value::String);
            merged.insert(k, decoded);
        }
    }
    if let Some(Value::Object(data)) = map.remove("stringData") {
        merged.extend(data);
    }
    if !merged.is_empty() {
        map.insert("stringData".to_owned(), Value::Object(merged));
    }
}

/// Standard base64 with padding (what the API server writes); whitespace is skipped.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    (padding <= 2 && bits < 6).then_some(out)
}

/// The stack an object was rendered for (`lokistack.krm.dev/owner`).
pub fn owner_of(o: &Value) -> Option<&str> {
    annotations::get(o, crate::render::OWNER_ANNOTATION)
}

/// Builds a [`Previous`] from a raw object.
pub fn previous(o: &Value) -> Previous {
    let replicas = o
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .or_else(|| o.pointer("/status/replicas").and_then(Value::as_u64));
    Previous {
        live: is_live(o),
        object: normalize(o),
        replicas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn streams_lists_and_resource_lists_are_flattened() {
        let stream = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\nmetadata: {resourceVersion: \"\"}\n";
        let got = parse(stream).unwrap();
        let names: Vec<&str> = got
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b"]);
        let rl = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n";
        assert_eq!(parse(rl).unwrap().len(), 1);
        let json = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"d"}}]}"#;
        assert_eq!(parse(json).unwrap()[0]["kind"], "Service");
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn what_is_not_an_object_is_refused_with_where() {
        assert!(parse("- 1\n- 2\n").unwrap_err().contains("item 0"));
        assert!(parse("just text\n").unwrap_err().contains("document 1"));
        assert!(parse("a: [\n").unwrap_err().contains("not valid YAML"));
        assert!(
            parse("kind: X\n")
                .unwrap_err()
                .contains("no kind or metadata")
        );
    }

    #[test]
    fn server_fields_go_and_secret_data_is_decoded() {
        let live = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "uid": "u", "resourceVersion": "1",
                "creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": [],
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}",
                                "lokistack.krm.dev/owner": "LokiStack/loki"}},
            "data": {"promtail.yaml": "c2VydmVyOgogIGh0dHA6IDEK", "bin": "/w=="},
            "type": "Opaque"
        });
        assert!(is_live(&live));
        let n = normalize(&live);
        assert_eq!(
            n,
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "s", "annotations": {"lokistack.krm.dev/owner": "LokiStack/loki"}},
                "type": "Opaque",
                "stringData": {"promtail.yaml": "server:\n  http: 1\n", "bin": "/w=="}
            })
        );
        assert!(!is_live(
            &json!({"kind": "Secret", "metadata": {"name": "s"}})
        ));
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8h").unwrap(), b"hello!");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("a=b").is_none());
        assert!(decode_base64("é").is_none());
    }
}
