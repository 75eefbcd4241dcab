//! The KRM function protocol, driven through the real binary: what kustomize and kpt
//! send, what must come back, and what every malformed input gets instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{annotation, cmd, doc, lokistack, resource_list, run, run_fn, tool};
use serde_json::Value;

const CONFIG: &str = "spec:\n  profile: local\n  retention:\n    period: 72h\n";

fn config_with(annotations: &[(&str, &str)]) -> String {
    let mut s = String::from(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\n",
    );
    if !annotations.is_empty() {
        s.push_str("  annotations:\n");
        for (k, v) in annotations {
            s.push_str(&format!("    {k}: {v:?}\n"));
        }
    }
    s.push_str(CONFIG);
    s
}

fn items(output: &Value) -> Vec<Value> {
    output["items"].as_array().cloned().unwrap_or_default()
}

fn generated(output: &Value) -> Vec<Value> {
    items(output)
        .into_iter()
        .filter(|i| annotation(i, "lokistack.krm.dev/owner").is_some())
        .collect()
}

#[test]
fn kustomize_generator_call_returns_config_and_stack() {
    // kustomize sends the config as the only item, marked local-config.
    let config = config_with(&[("config.kubernetes.io/local-config", "true")]);
    let input = resource_list(&config, &[&config]);
    let out = run_fn(&[], Some(input.as_bytes())).ok();
    let rl = doc(&out.stdout);
    assert_eq!(rl["kind"], "ResourceList");
    let all = items(&rl);
    assert_eq!(
        all[0],
        doc(&config),
        "the config item must pass through unchanged"
    );
    let ours = generated(&rl);
    let kinds: Vec<&str> = ours.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    for kind in [
        "Namespace",
        "StatefulSet",
        "DaemonSet",
        "ServiceMonitor",
        "ConfigMap",
        "Secret",
        "RenderGuard",
    ] {
        assert!(kinds.contains(&kind), "missing {kind} in {kinds:?}");
    }
    for o in &ours {
        let path = annotation(o, "internal.config.kubernetes.io/path").unwrap();
        assert_eq!(annotation(o, "config.kubernetes.io/path"), Some(path));
        assert!(
            path.starts_with("generated/") && path.ends_with(".yaml"),
            "{path}"
        );
        assert_eq!(
            annotation(o, "lokistack.krm.dev/owner"),
            Some("LokiStack/loki")
        );
    }
    let results = rl["results"].as_array().unwrap();
    assert_eq!(results[0]["severity"], "info");
}

const FOREIGN: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: keep-me
  namespace: apps
  annotations:
    config.kubernetes.io/index: '0'
    config.kubernetes.io/path: apps/pod.yaml
    internal.config.kubernetes.io/index: '0'
    internal.config.kubernetes.io/path: apps/pod.yaml
    internal.config.kubernetes.io/seqindent: compact
    internal.config.kubernetes.io/id: '7'
    config.k8s.io/id: '7'
spec:
  containers:
  - name: c
    image: busybox:1.36
    env:
    - name: FEATURE
      value: "on"
    - name: YES
      value: "yes"
    - name: MODE
      value: "0644"
  volumes:
  - name: cfg
    configMap:
      name: cfg
      defaultMode: 0644
"#;

/// kpt sends non-KRM files too (a kustomization.yaml has no apiVersion/kind).
const NOT_KRM: &str = "resources:\n- pod.yaml\nmetadata:\n  annotations:\n    config.kubernetes.io/path: apps/kustomization.yaml\n";

#[test]
fn foreign_items_pass_through_with_meaning_and_annotations_intact() {
    let config = config_with(&[("config.kubernetes.io/path", "lokistack.yaml")]);
    let input = resource_list(&config, &[FOREIGN, NOT_KRM, &config]);
    let out = run_fn(&[], Some(input.as_bytes())).ok();
    let rl = doc(&out.stdout);
    let all = items(&rl);
    assert_eq!(all[0], doc(FOREIGN));
    assert_eq!(all[1], doc(NOT_KRM));
    assert_eq!(all[2], doc(&config));

    // Read back with PyYAML, a YAML 1.1 reader like the ones kyaml guards against: the
    // item is copied as it came, so PyYAML reads it exactly as it reads the input (the
    // plain `YES` it takes for a boolean included); octal stays 420, quoted keywords
    // stay strings.
    let script = r#"
import sys, yaml
rl = yaml.safe_load(sys.stdin)
pod = rl["items"][0]
assert pod == yaml.safe_load(sys.argv[1]), pod
env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
assert env == {"FEATURE": "on", True: "yes", "MODE": "0644"}, env
assert pod["spec"]["volumes"][0]["configMap"]["defaultMode"] == 0o644
a = pod["metadata"]["annotations"]
assert a["config.kubernetes.io/path"] == "apps/pod.yaml" and a["internal.config.kubernetes.io/id"] == "7", a
print("ok")
"#;
    let py = run(
        cmd(tool("python3")).args(["-c", script, FOREIGN]),
        Some(out.stdout.as_bytes()),
    );
    assert_eq!(py.stdout.trim(), "ok", "{}", py.stderr);
    assert!(
        out.stdout.contains("value: \"on\""),
        "\"on\" must be quoted for YAML 1.1 readers"
    );
}

#[test]
fn generated_files_sit_next_to_the_config() {
    let config = config_with(&[(
        "internal.config.kubernetes.io/path",
        "base/config/lokistack.yaml",
    )]);
    let out = run_fn(&[], Some(resource_list(&config, &[&config]).as_bytes())).ok();
    let rl = doc(&out.stdout);
    let paths: Vec<String> = generated(&rl)
        .iter()
        .map(|o| {
            annotation(o, "internal.config.kubernetes.io/path")
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        paths.contains(&"base/config/generated/logging/statefulset_loki.yaml".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"base/config/generated/namespace_logging.yaml".to_owned()),
        "{paths:?}"
    );
    let unique: std::collections::BTreeSet<_> = paths.iter().collect();
    assert_eq!(unique.len(), paths.len(), "one object per file");
}

#[test]
fn rerender_replaces_its_own_output_and_is_idempotent() {
    let config = config_with(&[("config.kubernetes.io/path", "lokistack.yaml")]);
    let first = run_fn(
        &[],
        Some(resource_list(&config, &[FOREIGN, &config]).as_bytes()),
    )
    .ok();
    // kpt feeds our output back as input on the next render.
    let second = run_fn(&[], Some(first.stdout.as_bytes())).ok();
    assert_eq!(first.stdout, second.stdout);
    // A changed config replaces the earlier objects instead of adding to them.
    let changed = first.stdout.replace("period: 72h", "period: 96h");
    let third = doc(&run_fn(&[], Some(changed.as_bytes())).ok().stdout);
    let first = doc(&first.stdout);
    assert_eq!(items(&third).len(), items(&first).len());
    let cm = items(&third)
        .into_iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "loki")
        .unwrap();
    assert!(
        cm["data"]["config.yaml"]
            .as_str()
            .unwrap()
            .contains("retention_period: 96h")
    );
}

#[test]
fn json_resource_list_is_accepted() {
    let input = r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[],
      "functionConfig":{"apiVersion":"lokistack.krm.dev/v1alpha1","kind":"LokiStack",
      "metadata":{"name":"loki"},"spec":{"profile":"local","retention":{"period":"72h"}}}}"#;
    let out = run_fn(&[], Some(input.as_bytes())).ok();
    assert!(generated(&doc(&out.stdout)).len() > 10);
    assert!(
        out.stdout
            .starts_with("apiVersion: config.kubernetes.io/v1\n"),
        "block YAML out"
    );
}

#[test]
fn package_object_with_a_generated_identity_is_refused() {
    let config = config_with(&[]);
    let mine = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: logging\n  annotations:\n    config.kubernetes.io/path: ns.yaml\n";
    let out = run_fn(&[], Some(resource_list(&config, &[mine]).as_bytes()));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("Namespace/logging already exists"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("ns.yaml"),
        "names the file: {}",
        out.stderr
    );
}

/// One malformed or refused input: exit 1, an error result naming the field (and file
/// when known), the input items unchanged and nothing generated.
struct Case {
    name: &'static str,
    input: Vec<u8>,
    field: Option<&'static str>,
    message: &'static str,
}

fn with_spec(extra: &str) -> Vec<u8> {
    let config = format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\n  annotations:\n    config.kubernetes.io/path: base/lokistack.yaml\nspec:\n  profile: local\n{extra}"
    );
    resource_list(&config, &[FOREIGN]).into_bytes()
}

fn cases() -> Vec<Case> {
    let rl = |fc: &str| resource_list(fc, &[FOREIGN]).into_bytes();
    let mut bomb = String::from(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\na: &a [x,x,x,x,x,x,x,x,x,x]\n",
    );
    for (i, prev) in ('b'..='k').zip('a'..='j') {
        bomb.push_str(&format!("{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    bomb.push_str("items: [*k]\n");
    let mut huge = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n".to_vec();
    let line = format!(
        "- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: x}}, data: {{a: \"{}\"}}}}\n",
        "x".repeat(1000)
    );
    while huge.len() < 100 * 1024 * 1024 {
        huge.extend_from_slice(line.as_bytes());
    }
    vec![
        Case { name: "empty stdin", input: vec![], field: None, message: "empty input" },
        Case { name: "not YAML", input: b"items: [a\n".to_vec(), field: None, message: "not valid YAML" },
        Case { name: "YAML that is not a ResourceList", input: b"apiVersion: v1\nkind: ConfigMap\n".to_vec(), field: Some("kind"), message: "expected kind \"ResourceList\"" },
        Case { name: "a sequence", input: b"- a\n- b\n".to_vec(), field: None, message: "not a ResourceList" },
        Case { name: "items not a list", input: b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 3\n".to_vec(), field: Some("items"), message: "expected a sequence" },
        Case { name: "missing functionConfig", input: b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n".to_vec(), field: Some("functionConfig"), message: "missing" },
        Case { name: "other functionConfig kind", input: rl("apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStacks\nmetadata: {name: loki}\n"), field: Some("kind"), message: "expected kind \"LokiStack\"" },
        Case { name: "other functionConfig apiVersion", input: rl("apiVersion: lokistack.krm.dev/v1\nkind: LokiStack\nmetadata: {name: loki}\n"), field: Some("apiVersion"), message: "expected \"lokistack.krm.dev/v1alpha1\"" },
        Case { name: "unknown field", input: with_spec("  retention:\n    perod: 72h\n"), field: Some("spec.retention.perod"), message: "did you mean \"period\"" },
        Case { name: "unknown top-level spec field", input: with_spec("  namspace: logging\n  retention: {period: 72h}\n"), field: Some("spec.namspace"), message: "did you mean \"namespace\"" },
        Case { name: "wrong type", input: with_spec("  retention: {period: 72h}\n  limits:\n    maxStreamsPerUser: lots\n"), field: Some("spec.limits.maxStreamsPerUser"), message: "invalid type" },
        Case { name: "wrong type for a label", input: with_spec("  retention: {period: 72h}\n  grafana: {datasource: {labels: {grafana_datasource: 1}}}\n"), field: Some("spec.grafana.datasource.labels.grafana_datasource"), message: "quote the value" },
        Case { name: "bad duration", input: with_spec("  retention:\n    period: 3 days\n"), field: Some("spec.retention.period"), message: "did you mean \"3d\"" },
        Case { name: "bad quantity", input: with_spec("  retention: {period: 72h}\n  storage:\n    filesystem:\n      size: 10GB\n"), field: Some("spec.storage.filesystem.size"), message: "did you mean \"10Gi\"" },
        Case { name: "invalid namespace", input: with_spec("  retention: {period: 72h}\n  namespace: Logging_NS\n"), field: Some("spec.namespace"), message: "DNS-1123" },
        Case { name: "retention absent", input: with_spec(""), field: Some("spec.retention.period"), message: "required" },
        Case { name: "retention zero", input: with_spec("  retention: {period: 0s}\n"), field: Some("spec.retention.period"), message: "disables retention" },
        Case { name: "retention under 24h", input: with_spec("  retention: {period: 23h}\n"), field: Some("spec.retention.period"), message: "shorter than 24h" },
        Case { name: "stream retention under 24h", input: with_spec("  retention:\n    period: 72h\n    streams:\n    - {selector: '{namespace=\"dev\"}', period: 1h}\n"), field: Some("spec.retention.streams[0].period"), message: "shorter than 24h" },
        Case { name: "bad stream selector", input: with_spec("  retention:\n    period: 72h\n    streams:\n    - {selector: 'namespace=dev', period: 24h}\n"), field: Some("spec.retention.streams[0].selector"), message: "invalid stream selector" },
        Case { name: "profile misspelt", input: resource_list("apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec: {profile: Local, retention: {period: 72h}}\n", &[]).into_bytes(), field: Some("spec.profile"), message: "did you mean \"local\"" },
        Case { name: "profile cloud without storage", input: resource_list("apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec: {profile: cloud, retention: {period: 168h}}\n", &[]).into_bytes(), field: Some("spec.storage"), message: "needs object storage" },
        Case { name: "unpinned image", input: with_spec("  retention: {period: 72h}\n  loki: {image: 'grafana/loki:latest'}\n"), field: Some("spec.loki.image"), message: "not pinned" },
        Case { name: "positions on tmpfs", input: with_spec("  retention: {period: 72h}\n  collector: {positionsDir: /run/promtail}\n"), field: Some("spec.collector.positionsDir"), message: "does not survive a reboot" },
        Case { name: "non-UTF-8 bytes", input: b"apiVersion: config.kubernetes.io/v1\nkind: \xff\xfeResourceList\n".to_vec(), field: None, message: "not valid UTF-8" },
        Case { name: "YAML alias bomb", input: bomb.into_bytes(), field: None, message: "alias" },
        Case { name: "100 MB input", input: huge, field: None, message: "larger than 64 MiB" },
        Case { name: "two documents", input: b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n---\na: 1\n".to_vec(), field: None, message: "not valid YAML" },
    ]
}

#[test]
fn every_bad_input_gets_an_error_result_and_exit_1() {
    let mut failures = Vec::new();
    for case in cases() {
        let started = std::time::Instant::now();
        let out = run_fn(&[], Some(&case.input));
        let elapsed = started.elapsed();
        let mut problems = Vec::new();
        if out.code != 1 {
            problems.push(format!("exit code {} (want 1)", out.code));
        }
        if !out.stderr.contains(case.message) {
            problems.push(format!("stderr lacks {:?}: {}", case.message, out.stderr));
        }
        if elapsed > std::time::Duration::from_secs(5) {
            problems.push(format!("took {elapsed:?}"));
        }
        match serde_saphyr::from_str::<Value>(&out.stdout) {
            Err(e) => problems.push(format!("stdout is not a ResourceList: {e}\n{}", out.stdout)),
            Ok(rl) => {
                let results = rl["results"].as_array().cloned().unwrap_or_default();
                let first = results.first().cloned().unwrap_or(Value::Null);
                if first["severity"] != "error" {
                    problems.push(format!("first result is not an error: {first}"));
                }
                if !first["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(case.message)
                {
                    problems.push(format!("result message lacks {:?}: {first}", case.message));
                }
                if let Some(field) = case.field {
                    if first["field"]["path"] != field {
                        problems.push(format!(
                            "field.path is {} (want {field})",
                            first["field"]["path"]
                        ));
                    }
                    if !out.stderr.contains(field) {
                        problems.push(format!("stderr does not name {field}"));
                    }
                }
                if case.name == "unknown field" || case.name == "bad duration" {
                    if first["file"]["path"] != "base/lokistack.yaml" {
                        problems.push(format!(
                            "file.path is {} (want base/lokistack.yaml)",
                            first["file"]["path"]
                        ));
                    }
                    if !out.stderr.contains("base/lokistack.yaml") {
                        problems.push("stderr does not name the file".to_owned());
                    }
                }
                let ours = rl["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter(|i| annotation(i, "lokistack.krm.dev/owner").is_some())
                            .count()
                    })
                    .unwrap_or(0);
                if ours != 0 {
                    problems.push(format!("{ours} generated items in an error output"));
                }
            }
        }
        if out.stderr.contains("panicked") {
            problems.push("panicked".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", case.name, problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_refused_config_keeps_the_package_items_unchanged() {
    let input = with_spec("");
    let out = run_fn(&[], Some(&input));
    assert_eq!(out.code, 1);
    let rl = doc(&out.stdout);
    assert_eq!(items(&rl), vec![doc(FOREIGN)]);
}

#[test]
fn all_problems_are_reported_at_once() {
    let out = run_fn(
        &[],
        Some(&with_spec(
            "  namespace: Bad_NS\n  retention: {period: 1h}\n  storage: {filesystem: {size: 10GB}}\n",
        )),
    );
    assert_eq!(out.code, 1);
    let rl = doc(&out.stdout);
    let mut fields: Vec<&str> = rl["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"]["path"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "spec.namespace",
            "spec.retention.period",
            "spec.storage.filesystem.size"
        ]
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let config = config_with(&[("config.kubernetes.io/path", "lokistack.yaml")]);
    let input = resource_list(&config, &[FOREIGN, &config]);
    let a = run_fn(&[], Some(input.as_bytes())).ok();
    let b = run_fn(&[], Some(input.as_bytes())).ok();
    assert_eq!(a.stdout, b.stdout);
    let plain = lokistack("  retention: {period: 72h}\n");
    let a = run_fn(&["render", "-f", "-"], Some(plain.as_bytes())).ok();
    let b = run_fn(&["render", "-f", "-"], Some(plain.as_bytes())).ok();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn renaming_the_stack_points_at_the_earlier_output() {
    let config = config_with(&[("config.kubernetes.io/path", "lokistack.yaml")]);
    let first = run_fn(&[], Some(resource_list(&config, &[&config]).as_bytes())).ok();
    let mut rl = doc(&first.stdout);
    // The user renames the stack in the package's config file (items[0]) and in the
    // functionConfig kpt derives from it; the earlier output is still in the package.
    rl["items"][0]["metadata"]["name"] = "logs".into();
    rl["functionConfig"]["metadata"]["name"] = "logs".into();
    let input = serde_json::to_string(&rl).unwrap();
    let out = run_fn(&[], Some(input.as_bytes()));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("was generated by LokiStack/loki, not by this LokiStack (renamed?)"),
        "{}",
        out.stderr
    );
}
