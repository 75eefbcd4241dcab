//! Every unsafe cloud, exposure and collection shape is refused through the real binary: exit 1,
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

/// `(name, config, field, message)`
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let auth = "  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n";
    vec![
        (
            "single binary in cloud",
            cloud(&format!("{S3}  mode: SingleBinary\n")),
            "spec.mode",
            "not scalable",
        ),
        (
            "distributed on filesystem",
            local("  mode: Distributed\n  storage: {filesystem: {size: 10Gi}}\n"),
            "spec.storage.filesystem",
            "needs object storage",
        ),
        (
            "simple scalable without storage",
            local("  mode: SimpleScalable\n"),
            "spec.storage",
            "needs object storage",
        ),
        (
            "cloud without storage",
            cloud(""),
            "spec.storage",
            "needs object storage",
        ),
        (
            "two backends",
            cloud(
                "  storage:\n    s3: {bucket: example-loki-chunks, region: eu-west-1}\n    gcs: {bucket: example-loki-chunks}\n",
            ),
            "spec.storage",
            "2 storage backends at once (s3 and gcs)",
        ),
        (
            "inline S3 access key id",
            cloud(
                "  storage:\n    s3: {bucket: b-b-b, region: eu-west-1, accessKeyId: AKIAEXAMPLE}\n",
            ),
            "spec.storage.s3.accessKeyId",
            "spec.storage.auth.secretRef",
        ),
        (
            "inline S3 secret key",
            cloud("  storage:\n    s3: {bucket: b-b-b, region: eu-west-1, secretAccessKey: x}\n"),
            "spec.storage.s3.secretAccessKey",
            "inline credentials are refused",
        ),
        (
            "inline GCS key JSON",
            cloud("  storage:\n    gcs: {bucket: b-b-b, keyJson: '{}'}\n"),
            "spec.storage.gcs.keyJson",
            "workload identity",
        ),
        (
            "inline gateway password",
            cloud(&format!(
                "{S3}  gateway: {{auth: {{basic: {{username: u, password: p}}}}}}\n"
            )),
            "spec.gateway.auth.basic.password",
            "spec.gateway.auth.basic.secretRef",
        ),
        (
            "exposure without auth",
            cloud(&format!(
                "{S3}  exposure: {{ingress: {{host: loki.example.com, tls: {{secretName: loki-tls}}}}}}\n"
            )),
            "spec.exposure",
            "without authentication",
        ),
        (
            "exposure in local without auth",
            local("  exposure: {ingress: {host: loki.example.com, tls: {secretName: loki-tls}}}\n"),
            "spec.exposure",
            "without authentication",
        ),
        (
            "http route without auth",
            cloud(&format!(
                "{S3}  exposure: {{httpRoute: {{parentRefs: [{{name: public}}]}}}}\n"
            )),
            "spec.exposure",
            "without authentication",
        ),
        (
            "ingress without TLS",
            cloud(&format!(
                "{S3}{auth}  exposure: {{ingress: {{host: loki.example.com}}}}\n"
            )),
            "spec.exposure.ingress.tls.secretName",
            "clear text",
        ),
        (
            "replication above ingesters",
            cloud(&format!(
                "{S3}  components: {{ingester: {{replicas: 2}}}}\n"
            )),
            "spec.replicationFactor",
            "at least 3 ingesters",
        ),
        (
            "explicit replication above ingesters",
            cloud(&format!("{S3}  replicationFactor: 5\n")),
            "spec.replicationFactor",
            "has 3",
        ),
        (
            "fewer ingesters than zones",
            cloud(&format!(
                "{S3}  replicationFactor: 2\n  zones: [a, b, c]\n  components: {{ingester: {{replicas: 2}}}}\n"
            )),
            "spec.zones",
            "every zone needs at least one",
        ),
        (
            "zones outside Distributed",
            cloud(&format!("{S3}  mode: SimpleScalable\n  zones: [a, b, c]\n")),
            "spec.zones",
            "need mode Distributed",
        ),
        (
            "tenant retention under 24h",
            cloud(&format!(
                "{S3}  tenancy: {{tenants: [{{id: team-a, retention: {{period: 12h}}}}]}}\n"
            )),
            "spec.tenancy.tenants[0].retention.period",
            "shorter than 24h",
        ),
        (
            "tenant retention without period",
            cloud(&format!(
                "{S3}  tenancy: {{tenants: [{{id: team-a, retention: {{}}}}]}}\n"
            )),
            "spec.tenancy.tenants[0].retention.period",
            "required",
        ),
        (
            "tenants with tenancy off",
            cloud(&format!(
                "{S3}  tenancy: {{enabled: false, tenants: [{{id: team-a}}]}}\n"
            )),
            "spec.tenancy.tenants",
            "tenancy is off",
        ),
        (
            "two compactors",
            cloud(&format!(
                "{S3}  components: {{compactor: {{replicas: 2}}}}\n"
            )),
            "spec.components.compactor.replicas",
            "exactly one replica",
        ),
        (
            "component of another mode",
            cloud(&format!("{S3}  components: {{write: {{replicas: 3}}}}\n")),
            "spec.components.write",
            "not part of this stack",
        ),
        (
            "SSE-KMS without key",
            cloud("  storage:\n    s3: {bucket: b-b-b, region: eu-west-1, sse: {type: SSE-KMS}}\n"),
            "spec.storage.s3.sse.kmsKeyId",
            "required with SSE-KMS",
        ),
        (
            "bucket URL",
            cloud("  storage:\n    s3: {bucket: 's3://logs', region: eu-west-1}\n"),
            "spec.storage.s3.bucket",
            "not an s3:// URL",
        ),
        (
            "S3 secret keys on GCS",
            cloud(
                "  storage:\n    gcs: {bucket: b-b-b}\n    auth: {secretRef: {name: gcs, accessKeyIdKey: K}}\n",
            ),
            "spec.storage.auth.secretRef.accessKeyIdKey",
            "does not apply to gcs",
        ),
        (
            "sensitive namespace collected without redaction",
            local("  collector:\n    sensitiveNamespaces: [vault]\n    redaction: {builtin: []}\n"),
            "spec.collector.redaction",
            "collected with no redaction rule",
        ),
        (
            "redaction regex with look-ahead (not Go RE2)",
            local(
                "  collector:\n    sensitiveNamespaces: [vault]\n    redaction:\n      rules: [{name: pin, regex: 'pin=(?=[0-9])([0-9]+)'}]\n",
            ),
            "spec.collector.redaction.rules[0].regex",
            "look-around",
        ),
        (
            "redaction regex with a back-reference",
            local("  collector:\n    redaction:\n      rules: [{name: twice, regex: '(a)\\1'}]\n"),
            "spec.collector.redaction.rules[0].regex",
            "back-references",
        ),
        (
            "redaction regex without a capture group",
            local(
                "  collector:\n    redaction:\n      rules: [{name: pin, regex: 'pin=[0-9]+'}]\n",
            ),
            "spec.collector.redaction.rules[0].regex",
            "no capture group",
        ),
        (
            "redaction regex that -config.expand-env would expand",
            local(
                "  collector:\n    redaction:\n      rules: [{name: env, regex: 'x=(${HOME})'}]\n",
            ),
            "spec.collector.redaction.rules[0].regex",
            "expand-env",
        ),
        (
            "unknown built-in rule set",
            local("  collector:\n    redaction: {builtin: [jwts]}\n"),
            "spec.collector.redaction.builtin[0]",
            "did you mean \"jwt\"",
        ),
        (
            "unbounded label from log content",
            local("  collector: {extraLabels: [trace_id]}\n"),
            "spec.collector.extraLabels[0]",
            "structuredMetadata",
        ),
        (
            "a label the stack sets itself",
            local("  collector: {extraLabels: [namespace]}\n"),
            "spec.collector.extraLabels[0]",
            "sets itself",
        ),
        (
            "too many extra labels",
            local("  collector: {extraLabels: [a, b, c, d, e, f]}\n"),
            "spec.collector.extraLabels",
            "at most 5",
        ),
        (
            "multiline without firstline",
            local("  collector: {pods: {multiline: [{namespace: app}]}}\n"),
            "spec.collector.pods.multiline[0].firstline",
            "required",
        ),
        (
            "positions inside the read-only log mount",
            local("  collector: {positionsDir: /var/log/promtail}\n"),
            "spec.collector.positionsDir",
            "read-only",
        ),
        (
            "cloud retention absent",
            cloud(S3).replace("  retention: {period: 7d}\n", ""),
            "spec.retention.period",
            "e.g. \"7d\"",
        ),
    ]
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
        let matching = results.iter().find(|r| r["field"]["path"] == field);
        match matching {
            None => problems.push(format!("no result for field {field}: {results:?}")),
            Some(r) => {
                if r["severity"] != "error" {
                    problems.push(format!("not an error: {r}"));
                }
                if !r["message"].as_str().unwrap_or_default().contains(message) {
                    problems.push(format!("message lacks {message:?}: {}", r["message"]));
                }
                if r["file"]["path"] != "cloud/lokistack.yaml" {
                    problems.push(format!("file not named: {r}"));
                }
            }
        }
        if !out.stderr.contains(field) || !out.stderr.contains(message) {
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
