//! Every unsafe cloud, exposure, collection and agent shape is refused through the real binary: exit 1,
//! an error result naming the field and the file, the input items unchanged and
//! nothing generated. And the one shape that renders with a warning does so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{resource_list, run_fn};
use serde_json::Value;

const FOREIGN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foreign\n  namespace: other\ndata:\n  a: b\n";

/// A cloud LokiStack on S3 with IRSA, plus `extra` spec lines.
fn cloud(extra: &str) -> String {
    format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\n  annotations:\n    config.kubernetes.io/path: cloud/lokistack.yaml\nspec:\n  profile: cloud\n  retention: {{period: 7d}}\n{extra}"
    )
}

const S3: &str = "  storage:\n    s3: {bucket: example-loki-chunks, region: eu-west-1}\n    auth: {serviceAccountAnnotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/loki'}}\n";

fn local(extra: &str) -> String {
    cloud(extra).replace(
        "profile: cloud\n  retention: {period: 7d}",
        "profile: local\n  retention: {period: 72h}",
    )
}

/// An agent shipping as `edge-1`, plus `remote` lines (its `url` and the rest) and spec lines.
fn agent(remote: &str) -> String {
    format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\n  annotations:\n    config.kubernetes.io/path: cloud/lokistack.yaml\nspec:\n  profile: agent\n  remote:\n    cluster: edge-1\n{remote}"
    )
}

/// `(name, config, field, message)`: tests/data/refusals.json, shared with the WebAssembly
/// tests (wasm/test), which check the same cases give the same results there.
fn cases() -> Vec<(String, String, String, String)> {
    let path = e2e::root().join("tests/data/refusals.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    cases
        .iter()
        .map(|c| {
            let field = |k: &str| c[k].as_str().unwrap().to_owned();
            (
                field("name"),
                field("config"),
                field("field"),
                field("message"),
            )
        })
        .collect()
}

#[test]
fn every_unsafe_cloud_shape_is_refused_with_the_field() {
    let mut failures = Vec::new();
    for (name, config, field, message) in cases() {
        let input = resource_list(&config, &[FOREIGN]);
        let out = run_fn(&[], Some(input.as_bytes()));
        let mut problems = Vec::new();
        if out.code != 1 {
            problems.push(format!("exit code {} (want 1)", out.code));
        }
        let rl: Value = serde_saphyr::from_str(&out.stdout).unwrap_or(Value::Null);
        let results = rl["results"].as_array().cloned().unwrap_or_default();
        let matching = results
            .iter()
            .find(|r| r["field"]["path"] == field.as_str());
        match matching {
            None => problems.push(format!("no result for field {field}: {results:?}")),
            Some(r) => {
                if r["severity"] != "error" {
                    problems.push(format!("not an error: {r}"));
                }
                if !r["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(message.as_str())
                {
                    problems.push(format!("message lacks {message:?}: {}", r["message"]));
                }
                if r["file"]["path"] != "cloud/lokistack.yaml" {
                    problems.push(format!("file not named: {r}"));
                }
            }
        }
        if !out.stderr.contains(field.as_str()) || !out.stderr.contains(message.as_str()) {
            problems.push(format!("stderr lacks the field or message: {}", out.stderr));
        }
        let items = rl["items"].as_array().cloned().unwrap_or_default();
        if items.len() != 1 || items[0]["metadata"]["name"] != "foreign" {
            problems.push(format!("items changed: {} items", items.len()));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_same_shapes_render_once_fixed() {
    // Guards the cases above: each refusal is about its field, not a broken base.
    let auth = "  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n";
    for config in [
        cloud(S3),
        cloud(&format!(
            "{S3}{auth}  exposure: {{ingress: {{host: loki.example.com, tls: {{secretName: loki-tls}}}}}}\n"
        )),
        cloud(&format!("{S3}  zones: [a, b, c]\n")),
        cloud(&format!(
            "{S3}  tenancy: {{tenants: [{{id: team-a, retention: {{period: 30d}}}}]}}\n"
        )),
        local(&format!(
            "{auth}  exposure: {{ingress: {{host: loki.example.com, tls: {{secretName: loki-tls}}}}}}\n"
        )),
        // The collection refusals, fixed.
        local(
            "  collector:\n    sensitiveNamespaces: [vault]\n    redaction: {builtin: []}\n    pods: {excludeNamespaces: [vault]}\n",
        ),
        local(
            "  collector:\n    sensitiveNamespaces: [vault]\n    redaction:\n      rules: [{name: pin, regex: 'pin=([0-9]+)', replace: '****'}]\n",
        ),
        local("  collector: {extraLabels: [component], structuredMetadata: [trace_id]}\n"),
        local("  collector: {pods: {multiline: [{namespace: app, firstline: '^[0-9]{4}-'}]}}\n"),
        // The agent refusals, fixed: a bearer token from a Secret, a CA with https://,
        // plain http:// to a Service of the cluster, and a Loki field set to null (what
        // an overlay writes to remove the base's) is absent.
        agent(
            "    url: https://logs.example.com/central\n    auth: {bearerToken: {secretRef: {name: loki-token}}}\n    tls: {caSecretRef: {name: loki-remote-ca}}\n",
        ),
        agent("    url: http://loki-gateway.logging.svc.cluster.local\n"),
        agent(
            "    url: https://logs.example.com\n    auth: {basic: {secretRef: {name: loki-remote}}}\n  retention: null\n  storage: null\n  monitoring: {cluster: edge-1}\n",
        ),
    ] {
        let out = run_fn(&[], Some(resource_list(&config, &[FOREIGN]).as_bytes()));
        assert_eq!(out.code, 0, "{config}\n{}", out.stderr);
    }
}

#[test]
fn simple_scalable_renders_with_a_deprecation_warning() {
    let config = cloud(&format!("{S3}  mode: SimpleScalable\n"));
    let out = run_fn(&[], Some(resource_list(&config, &[FOREIGN]).as_bytes()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rl: Value = serde_saphyr::from_str(&out.stdout).unwrap();
    let warning = rl["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["severity"] == "warning")
        .unwrap_or_else(|| panic!("no warning result: {}", rl["results"]));
    assert_eq!(warning["field"]["path"], "spec.mode");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("removed in Loki 4")
    );
    let kinds: Vec<String> = rl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "StatefulSet/loki-write",
        "Deployment/loki-read",
        "StatefulSet/loki-backend",
    ] {
        assert!(kinds.iter().any(|k| k == want), "{want} missing: {kinds:?}");
    }
}
