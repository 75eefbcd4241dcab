//! The function's YAML writer, checked against the readers downstream: PyYAML (YAML
//! 1.1, as kubernetes-validate and checkov read) and kyaml/go-yaml (kustomize). Strings
//! that a careless writer turns into booleans, numbers, dates, comments or other
//! strings pass through the function as ConfigMap data and must come back unchanged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{cmd, docs, lokistack, root, run, run_fn, tool};
use serde_json::{Value, json};

/// Strings that are something else to some YAML reader, or need care to write
/// (`tests/data/tricky-strings.json`, shared with the writer's unit test).
fn tricky() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/data/tricky-strings.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn item() -> Value {
    item_with(|_| true)
}

fn item_with(keep: fn(&str) -> bool) -> Value {
    let strings: Vec<String> = tricky().into_iter().filter(|s| keep(s)).collect();
    let data: serde_json::Map<String, Value> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("k{i:03}"), Value::String((*s).to_owned())))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "tricky", "namespace": "other", "annotations": {"on": "0644"}},
        "data": data,
        "list": strings,
    })
}

/// The ConfigMap as the function writes it back (KRM mode, JSON in, YAML out).
fn written() -> String {
    written_with(|_| true)
}

fn written_with(keep: fn(&str) -> bool) -> String {
    let config: Value = docs(&lokistack("  retention: {period: 72h}\n")).remove(0);
    let input = json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [item_with(keep)],
        "functionConfig": config,
    });
    let out = run_fn(&[], Some(input.to_string().as_bytes())).ok();
    // Just the item: the first entry of `items`, as its own document.
    let list = docs(&out.stdout).remove(0);
    assert_eq!(list["items"][0]["metadata"]["name"], "tricky");
    let start = out.stdout.find("items:\n- ").unwrap() + "items:\n".len();
    let end = out.stdout[start..]
        .find("\n- apiVersion")
        .map_or(out.stdout.len(), |e| start + e + 1);
    let block = &out.stdout[start..end];
    // `- ` + indented mapping -> a top-level mapping.
    block
        .lines()
        .map(|l| {
            l.strip_prefix("- ")
                .or_else(|| l.strip_prefix("  "))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn pyyaml_reads_back_every_tricky_string() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("item.yaml");
    let want = dir.path().join("want.json");
    std::fs::write(&yaml, written()).unwrap();
    std::fs::write(&want, item().to_string()).unwrap();
    let out = run(
        cmd(tool("python")).arg("-c").arg(
            "import json, sys, yaml\n\
             got = yaml.safe_load(open(sys.argv[1]))\n\
             want = json.load(open(sys.argv[2]))\n\
             bad = [(k, want['data'][k], got['data'].get(k)) for k in want['data'] if got['data'].get(k) != want['data'][k]]\n\
             bad += [('list', w, g) for w, g in zip(want['list'], got['list']) if w != g]\n\
             bad += [('annotations', want['metadata'], got['metadata'])] if got['metadata'] != want['metadata'] else []\n\
             print(repr(bad)) if bad else print('ok', len(want['data']))\n\
             sys.exit(1 if bad else 0)",
        )
        .arg(&yaml)
        .arg(&want),
        None,
    );
    assert_eq!(
        out.code, 0,
        "PyYAML read differently: {}{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.starts_with(&format!("ok {}", tricky().len())));
}

/// Control characters: go-yaml reads them, but kustomize then refuses to write them
/// ("control characters are not allowed"), whoever wrote the input.
fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{2028}')
}

#[test]
fn kustomize_reads_back_every_tricky_string() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("item.yaml"),
        written_with(|s| !has_control(s)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- item.yaml\n",
    )
    .unwrap();
    let out = run(cmd(tool("kustomize")).arg("build").arg(dir.path()), None).ok();
    let got = docs(&out.stdout).remove(0);
    let want = item_with(|s| !has_control(s));
    for (k, v) in want["data"].as_object().unwrap() {
        assert_eq!(&got["data"][k], v, "kustomize read {k} differently");
    }
    assert_eq!(got["list"], want["list"]);
    assert!(got["data"].as_object().unwrap().len() > 80);
    assert_eq!(
        got["metadata"]["annotations"],
        want["metadata"]["annotations"]
    );
}
