//! The LokiStacks in the repository that select Fluent Bit, and the `fluent-bit.yaml`
//! the binary renders for each.

use std::path::Path;

use serde_json::Value;

use crate::{docs, fixture_stacks, overlays, resolved_config, root, run_fn};

/// Every LokiStack in the repo that selects Fluent Bit: `(name, LokiStack text)`.
pub fn fluent_bit_stacks() -> Vec<(String, String)> {
    let mut candidates = fixture_stacks();
    // The overlays' config/ holds patches: what selects a collector is the LokiStack
    // kustomize makes of them (an overlay may also inherit it from another one).
    candidates.push(("base".to_owned(), resolved_config("base")));
    for overlay in overlays() {
        let name = format!("overlays/{overlay}");
        let config = resolved_config(&name);
        candidates.push((name, config));
    }
    let mut others = Vec::new();
    yaml_files_mentioning_fluent_bit(&root(), &mut others);
    others.sort();
    candidates.extend(others);
    candidates
        .into_iter()
        .filter(|(_, text)| selects_fluent_bit(text))
        .collect()
}

/// Directories the walk for other LokiStack files skips (paths from the repository root):
/// those covered above, generated output, and the fuzz corpora (mutated inputs, not stacks
/// anyone renders). Hidden directories, `target` and `node_modules` are skipped anywhere.
const NOT_FIXTURES: &[&str] = &[
    "fuzz",
    "tests/stacks",
    "tests/golden",
    "kubernetes/observability/loki-stack",
];

/// YAML files below `dir` whose text mentions `FluentBit`: `(path from the root, text)`.
fn yaml_files_mentioning_fluent_bit(dir: &Path, out: &mut Vec<(String, String)>) {
    let top = root();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(&top)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !file_name.starts_with('.')
                && !["target", "node_modules"].contains(&file_name.as_str())
                && !NOT_FIXTURES.contains(&rel.as_str())
            {
                yaml_files_mentioning_fluent_bit(&path, out);
            }
        } else if file_name.ends_with(".yaml") || file_name.ends_with(".yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            if text.contains("FluentBit") {
                out.push((rel, text));
            }
        }
    }
}

fn selects_fluent_bit(text: &str) -> bool {
    docs(text).iter().any(|d| {
        d.get("kind").and_then(Value::as_str) == Some("LokiStack")
            && d.pointer("/spec/collector/kind").and_then(Value::as_str) == Some("FluentBit")
    })
}

/// The `fluent-bit.yaml` of the ConfigMap `logging/fluent-bit` the binary renders.
pub fn rendered_fluent_bit_yaml(name: &str, config: &str) -> String {
    let out = run_fn(&["render", "-f", "-"], Some(config.as_bytes()));
    assert_eq!(
        out.code, 0,
        "{name}: the function did not render it:\n{}",
        out.stderr
    );
    let found: Vec<String> = docs(&out.stdout)
        .iter()
        .filter(|o| {
            o.get("kind").and_then(Value::as_str) == Some("ConfigMap")
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some("fluent-bit")
                && o.pointer("/metadata/namespace").and_then(Value::as_str) == Some("logging")
        })
        .map(|o| {
            o.pointer("/data/fluent-bit.yaml")
                .and_then(Value::as_str)
                .unwrap_or_else(|| {
                    panic!("{name}: ConfigMap logging/fluent-bit has no fluent-bit.yaml")
                })
                .to_owned()
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{name}: selects Fluent Bit but renders {} ConfigMaps logging/fluent-bit",
        found.len()
    );
    found.into_iter().next().unwrap()
}
