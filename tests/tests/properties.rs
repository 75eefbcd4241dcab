//! Property tests over random valid configs (tests/src/generate/: every profile (agents
//! too: either collector, each remote auth, CA, in-cluster http), mode,
//! backend, size, tenancy, zones, caches, gateway auth, exposure, collector option,
//! network policy kind and monitoring toggle): each renders, twice byte for byte the
//! same, and every rendered stack keeps the structural invariants (tests/src/
//! invariants.rs). A deterministic sample is validated by `kubernetes-validate --strict`.
//!
//! `PROPTEST_CASES=5000 cargo nextest run -E 'test(/properties/)'` runs more cases;
//! `PROPTEST_RNG_SEED=<n>` other ones (CI uses a fixed seed, so a red CI reproduces).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use e2e::generate::{self, Entropy};
use e2e::{cmd, invariants, root, run, tool};
use loki_stack_fn::{PlainTarget, render_plain, yaml};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;

/// Cases and seed from PROPTEST_CASES / PROPTEST_RNG_SEED, else `cases` and a fixed seed.
fn runner(cases: u32) -> TestRunner {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x10c1_57ac);
    }
    TestRunner::new(config)
}

fn choices() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..400)
}

/// `n` generated configs from the runner's seed.
fn sample(runner: &mut TestRunner, n: usize) -> Vec<Value> {
    (0..n)
        .map(|_| {
            let bytes = choices().new_tree(runner).unwrap().current();
            generate::config(&mut Entropy::new(&bytes))
        })
        .collect()
}

#[test]
fn generated_configs_render_deterministically_with_sound_structure() {
    runner(96)
        .run(&choices(), |bytes| {
            let config = generate::config(&mut Entropy::new(&bytes));
            let text = yaml::value_to_string(&config);
            let first = render_plain(&text, None, PlainTarget::Apply)
                .map_err(|e| TestCaseError::fail(format!("refused:\n{e}\n{text}")))?;
            let second = render_plain(&text, None, PlainTarget::Apply)
                .map_err(|e| TestCaseError::fail(format!("refused the second time: {e}")))?;
            prop_assert!(first.yaml == second.yaml, "two renders differ:\n{text}");
            let violations = invariants::check(&first.objects);
            prop_assert!(violations.is_empty(), "{violations:#?}\n{text}");
            Ok(())
        })
        .unwrap();
}

/// The generator reaches every option (so the property above covers them).
#[test]
fn the_generator_covers_every_option() {
    let configs = sample(&mut runner(0), 600);
    let mut seen = BTreeSet::new();
    for c in &configs {
        let spec = &c["spec"];
        let at = |p: &str| spec.pointer(p);
        let profile = spec["profile"].as_str().unwrap();
        if profile == "agent" {
            let remote = &spec["remote"];
            let kind = spec
                .pointer("/collector/kind")
                .and_then(Value::as_str)
                .unwrap_or("Promtail");
            let auth = ["basic", "bearerToken"]
                .into_iter()
                .find(|a| remote["auth"].get(a).is_some())
                .unwrap_or("no auth");
            seen.insert(format!("agent {kind} {auth}"));
            let url = remote["url"].as_str().unwrap();
            if url.starts_with("http://") {
                seen.insert("agent http to a Service".to_owned());
            }
            if remote.pointer("/tls/caSecretRef").is_some() {
                seen.insert("agent CA".to_owned());
            }
            if remote.get("tenantId").is_some() {
                seen.insert("agent tenantId".to_owned());
            }
            continue;
        }
        let mode = spec["mode"].as_str().unwrap_or(if profile == "cloud" {
            "Distributed"
        } else {
            "SingleBinary"
        });
        let backend = ["filesystem", "s3", "gcs"]
            .into_iter()
            .find(|b| spec["storage"].get(b).is_some())
            .unwrap_or("default");
        seen.insert(format!("{profile} {mode} {backend}"));
        seen.insert(format!(
            "size {}",
            spec["size"].as_str().unwrap_or("default")
        ));
        let mut flags = vec![
            ("tenants", at("/tenancy/tenants").is_some()),
            (
                "tenant retention",
                at("/tenancy/tenants/0/retention").is_some(),
            ),
            (
                "tenancy off",
                at("/tenancy/enabled") == Some(&Value::Bool(false)),
            ),
            ("zones", at("/zones").is_some()),
            ("replicationFactor", at("/replicationFactor").is_some()),
            ("components", at("/components").is_some()),
            (
                "chunks cache",
                at("/caches/chunks/enabled") == Some(&Value::Bool(true)),
            ),
            (
                "results cache",
                at("/caches/results/enabled") == Some(&Value::Bool(true)),
            ),
            (
                "gateway off",
                at("/gateway/enabled") == Some(&Value::Bool(false)),
            ),
            ("gateway auth", at("/gateway/auth").is_some()),
            ("ingress", at("/exposure/ingress").is_some()),
            ("httpRoute", at("/exposure/httpRoute").is_some()),
            ("ruler", at("/ruler/enabled") == Some(&Value::Bool(true))),
            ("stream retention", at("/retention/streams").is_some()),
            (
                "talos system logs off",
                at("/collector/talos/systemLogs") == Some(&Value::Bool(false)),
            ),
            (
                "audit logs off",
                at("/collector/talos/auditLogs") == Some(&Value::Bool(false)),
            ),
            (
                "Fluent Bit",
                at("/collector/kind") == Some(&Value::from("FluentBit")),
            ),
            (
                "Talos receiver",
                at("/collector/talos/receiver/enabled") == Some(&Value::Bool(true)),
            ),
            (
                "sensitive namespaces",
                at("/collector/sensitiveNamespaces").is_some(),
            ),
            (
                "no builtin sets",
                at("/collector/redaction/builtin") == Some(&serde_json::json!([])),
            ),
            ("custom rules", at("/collector/redaction/rules").is_some()),
            (
                "redaction scope All",
                at("/collector/redaction/scope") == Some(&serde_json::json!("All")),
            ),
            ("extraLabels", at("/collector/extraLabels").is_some()),
            (
                "structuredMetadata",
                at("/collector/structuredMetadata").is_some(),
            ),
            ("multiline", at("/collector/pods/multiline").is_some()),
            (
                "excludeNamespaces",
                at("/collector/pods/excludeNamespaces").is_some(),
            ),
            (
                "serviceMonitor off",
                at("/monitoring/serviceMonitor/enabled") == Some(&Value::Bool(false)),
            ),
            (
                "prometheusRule off",
                at("/monitoring/prometheusRule/enabled") == Some(&Value::Bool(false)),
            ),
            (
                "datasource off",
                at("/grafana/datasource/enabled") == Some(&Value::Bool(false)),
            ),
            (
                "dashboards off",
                at("/grafana/dashboards/enabled") == Some(&Value::Bool(false)),
            ),
            (
                "derivedFields",
                at("/grafana/datasource/derivedFields").is_some(),
            ),
            (
                "exposureNamespaces",
                at("/network/exposureNamespaces").is_some(),
            ),
            ("sse", at("/storage/s3/sse").is_some()),
            ("storage secretRef", at("/storage/auth/secretRef").is_some()),
            (
                "workload identity",
                at("/storage/auth/serviceAccountAnnotations").is_some(),
            ),
        ];
        for p in ["kubernetes", "cilium", "none"] {
            flags.push((p, at("/network/policies") == Some(&serde_json::json!(p))));
        }
        for (name, on) in flags {
            if on {
                seen.insert(name.to_owned());
            }
        }
    }
    let mut want: Vec<String> = [
        "local SingleBinary default",
        "local SingleBinary filesystem",
        "local SingleBinary s3",
        "local SingleBinary gcs",
        "local SimpleScalable s3",
        "local SimpleScalable gcs",
        "local Distributed s3",
        "local Distributed gcs",
        "cloud SimpleScalable s3",
        "cloud SimpleScalable gcs",
        "cloud Distributed s3",
        "cloud Distributed gcs",
        "size default",
        "size small",
        "size medium",
        "size large",
    ]
    .map(str::to_owned)
    .to_vec();
    for kind in ["Promtail", "FluentBit"] {
        for auth in ["no auth", "basic", "bearerToken"] {
            want.push(format!("agent {kind} {auth}"));
        }
    }
    want.extend(
        [
            "tenants",
            "tenant retention",
            "tenancy off",
            "zones",
            "replicationFactor",
            "components",
            "chunks cache",
            "results cache",
            "gateway off",
            "gateway auth",
            "ingress",
            "httpRoute",
            "ruler",
            "stream retention",
            "talos system logs off",
            "audit logs off",
            "sensitive namespaces",
            "no builtin sets",
            "custom rules",
            "redaction scope All",
            "extraLabels",
            "structuredMetadata",
            "multiline",
            "excludeNamespaces",
            "serviceMonitor off",
            "prometheusRule off",
            "datasource off",
            "dashboards off",
            "derivedFields",
            "exposureNamespaces",
            "sse",
            "storage secretRef",
            "workload identity",
            "agent http to a Service",
            "agent CA",
            "agent tenantId",
            "kubernetes",
            "cilium",
            "none",
        ]
        .map(str::to_owned),
    );
    let missing: Vec<&String> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

/// Custom resources are checked against their CRDs (tests/tests/validate.rs), not here.
fn is_core(o: &Value) -> bool {
    let api = o["apiVersion"].as_str().unwrap_or_default();
    !(api.starts_with("monitoring.coreos.com/")
        || api.starts_with("gateway.networking.k8s.io/")
        || api.starts_with("cilium.io/"))
}

/// What the API server's schema checks of an object: ConfigMap and Secret contents are
/// strings to it (their own tests check them), so only their keys are kept.
fn shape_only(o: &Value) -> Value {
    let mut o = o.clone();
    for field in ["data", "stringData"] {
        if let Some(Value::Object(data)) = o.get_mut(field) {
            for v in data.values_mut() {
                *v = Value::String(String::new());
            }
        }
    }
    o
}

#[test]
fn a_sample_of_generated_stacks_validates_strictly() {
    let stacks = std::env::var("LOKI_STACK_VALIDATE_SAMPLE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut unique = BTreeSet::new();
    for config in sample(&mut runner(0), stacks) {
        let text = yaml::value_to_string(&config);
        let plain = render_plain(&text, None, PlainTarget::Apply).unwrap();
        for o in plain.objects.iter().filter(|o| is_core(o)) {
            unique.insert(yaml::value_to_string(&shape_only(o)));
        }
    }
    // Identical objects (the Namespace, RBAC, most Services...) are validated once.
    let dir = tempfile::tempdir().unwrap();
    let objects: Vec<&String> = unique.iter().collect();
    let mut files = Vec::new();
    for (i, chunk) in objects.chunks(500).enumerate() {
        let path = dir.path().join(format!("sample-{i}.yaml"));
        let text: Vec<&str> = chunk.iter().map(|s| s.as_str()).collect();
        std::fs::write(&path, text.join("---\n")).unwrap();
        files.push(path);
    }
    let validate = |files: &[std::path::PathBuf]| {
        run(
            cmd(tool("python3"))
                .arg(root().join("tools/kubernetes_validate_batch.py"))
                .args(["--strict", "-k", "1.30.0", "-k", "1.34.0"])
                .args(files),
            None,
        )
    };
    let out = validate(&files);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let passed = out.stdout.matches("passed for resource").count();
    assert_eq!(passed, 2 * objects.len(), "{}{}", out.stdout, out.stderr);
    assert!(
        objects.len() > 500,
        "only {} distinct objects",
        objects.len()
    );

    // The batch runner is as strict as the CLI: a misspelt field fails.
    let typo = objects
        .iter()
        .find(|o| o.starts_with("apiVersion: apps/v1\nkind: StatefulSet"))
        .unwrap()
        .replacen("\nspec:\n", "\nspec:\n  replica: 1\n", 1);
    let bad = dir.path().join("typo.yaml");
    std::fs::write(&bad, typo).unwrap();
    let out = validate(&[bad]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("'replica' was unexpected"),
        "{}",
        out.stdout
    );
}

/// The invariants do catch what they are about (guards the property test above).
#[test]
fn the_invariants_catch_broken_stacks() {
    let text = std::fs::read_to_string(root().join("tests/stacks/cloud-everything.yaml")).unwrap();
    let objects = render_plain(&text, None, PlainTarget::Apply)
        .unwrap()
        .objects;
    assert_eq!(invariants::check(&objects), Vec::<String>::new());
    fn find(objects: &[Value], kind: &str) -> usize {
        objects.iter().position(|o| o["kind"] == kind).unwrap()
    }
    type Break = fn(&mut Vec<Value>);
    let broken: Vec<(&str, Break)> = vec![
        ("rendered twice", |o: &mut Vec<Value>| o.push(o[0].clone())),
        ("targetPort", |o: &mut Vec<Value>| {
            let i = find(o, "Service");
            o[i]["spec"]["ports"][0]["targetPort"] = "nope".into();
        }),
        ("does not select its pods", |o: &mut Vec<Value>| {
            let i = find(o, "Deployment");
            o[i]["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] =
                "x".into();
        }),
        ("endpoint port", |o: &mut Vec<Value>| {
            let i = find(o, "ServiceMonitor");
            o[i]["spec"]["endpoints"][0]["port"] = "nope".into();
        }),
        ("readinessProbe uses port", |o: &mut Vec<Value>| {
            let i = find(o, "StatefulSet");
            o[i]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] =
                "nope".into();
        }),
        ("selects no pod", |o: &mut Vec<Value>| {
            let i = find(o, "PodDisruptionBudget");
            o[i]["spec"]["selector"]["matchLabels"]["x"] = "y".into();
        }),
        ("invalid label", |o: &mut Vec<Value>| {
            o[0]["metadata"]["labels"]["bad key"] = "v".into();
        }),
    ];
    for (what, breaks) in broken {
        let mut copy = objects.clone();
        breaks(&mut copy);
        let errors = invariants::check(&copy);
        assert!(
            errors.iter().any(|e| e.contains(what)),
            "{what}: {errors:#?}"
        );
    }
}

/// The repository's own stacks keep the invariants too.
#[test]
fn the_repository_stacks_keep_the_invariants() {
    for (name, config) in e2e::every_stack() {
        let objects = render_plain(&config, None, PlainTarget::Apply)
            .unwrap()
            .objects;
        // With spec.output HelmRelease the Loki Services and pods are the chart's:
        // tests/tests/helm_chart.rs checks what monitors and policies select against
        // the chart's own renders.
        let chart = objects.iter().any(|o| o["kind"] == "HelmRelease");
        let problems: Vec<String> = invariants::check(&objects)
            .into_iter()
            .filter(|p| {
                !(chart
                    && (p.ends_with("selects no Service")
                        || p.ends_with("selects no pod")
                        || (p.contains(": backend Service ") && p.ends_with("is not rendered"))))
            })
            .collect();
        assert_eq!(problems, Vec::<String>::new(), "{name}");
    }
}

/// Every generated Fluent Bit stack's config is one Fluent Bit 5.1.1 accepts (plugins,
/// properties, value types: `e2e::fluent_bit`), and its Lua filter compiles in LuaJIT
/// (`luajit -bl`, the bytecode listing: a syntax error fails it).
#[test]
fn generated_fluent_bit_configs_are_valid_for_fluent_bit_and_luajit() {
    let mut runner = runner(64);
    let schema = e2e::fluent_bit::Schema::get();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for config in sample(&mut runner, 64) {
        if config.pointer("/spec/collector/kind") != Some(&Value::from("FluentBit")) {
            continue;
        }
        let text = yaml::value_to_string(&config);
        let plain = render_plain(&text, None, PlainTarget::Apply)
            .unwrap_or_else(|e| panic!("refused:\n{e}\n{text}"));
        let cm = plain
            .objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "fluent-bit")
            .unwrap();
        let problems =
            e2e::fluent_bit::check_config(cm["data"]["fluent-bit.yaml"].as_str().unwrap(), schema);
        assert!(problems.is_empty(), "{problems:#?}\n{text}");
        let lua = dir.path().join(format!("{checked}.lua"));
        std::fs::write(&lua, cm["data"]["pipeline.lua"].as_str().unwrap()).unwrap();
        let out = run(cmd("luajit").arg("-bl").arg(&lua), None);
        assert_eq!(out.code, 0, "{}\n{text}", out.stderr);
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} Fluent Bit stacks in the sample"
    );
}
