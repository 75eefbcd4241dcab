//! Every object the function generates is valid for the API server (Kubernetes 1.30
//! and 1.34, strict: unknown fields fail), every custom resource matches its CRD, and
//! checkov finds no unexplained security problem. The same holds for what the committed
//! rendered/ directories apply (kubectl apply -k, Flux).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use e2e::gitops::{rendered_dir, rendered_overlays};
use e2e::{
    cmd, docs, fixture_stacks, overlays, resolved_config, root, run, run_fn, shared_dir, tool,
};

/// Custom resources (validated against their CRDs, not by kubernetes-validate).
fn is_custom(o: &serde_json::Value) -> bool {
    let api = o["apiVersion"].as_str().unwrap_or_default();
    api.starts_with("monitoring.coreos.com/")
        || api.starts_with("gateway.networking.k8s.io/")
        || api.starts_with("cilium.io/")
        || api.starts_with("helm.toolkit.fluxcd.io/")
        || api.starts_with("source.toolkit.fluxcd.io/")
}

/// (core objects, custom resources) in the rendered files.
fn counts(files: &[PathBuf]) -> (usize, usize) {
    let all: Vec<serde_json::Value> = files
        .iter()
        .flat_map(|f| docs(&std::fs::read_to_string(f).unwrap()))
        .collect();
    let custom = all.iter().filter(|o| is_custom(o)).count();
    (all.len() - custom, custom)
}

/// The applied stack (render CLI) of base, every overlay and every tests/stacks
/// fixture, one file each; and what `kubectl apply -k` (or Flux) applies from each
/// committed rendered/<overlay> directory.
fn rendered_stacks(dir: &tempfile::TempDir) -> Vec<PathBuf> {
    let mut configs: Vec<(String, String)> = vec![("base".to_owned(), resolved_config("base"))];
    configs.extend(overlays().into_iter().map(|o| {
        (
            format!("overlays-{o}"),
            resolved_config(&format!("overlays/{o}")),
        )
    }));
    configs.extend(fixture_stacks());
    let mut files: Vec<PathBuf> = configs
        .iter()
        .map(|(name, config)| {
            let out = run_fn(&["render", "-f", "-"], Some(config.as_bytes())).ok();
            // An agent (profile agent) is its collector alone.
            let least = if config.contains("profile: agent") {
                10
            } else {
                16
            };
            assert!(docs(&out.stdout).len() >= least, "{name}");
            let path = dir.path().join(format!("{name}.yaml"));
            std::fs::write(&path, out.stdout).unwrap();
            path
        })
        .collect();
    for overlay in rendered_overlays() {
        let out = run(
            cmd(tool("kubectl"))
                .arg("kustomize")
                .arg(rendered_dir().join(&overlay)),
            None,
        )
        .ok();
        // The agent overlay is its collector alone.
        let least = if overlay == "agent" { 10 } else { 16 };
        assert!(docs(&out.stdout).len() >= least, "rendered/{overlay}");
        let path = dir.path().join(format!("rendered-{overlay}.yaml"));
        std::fs::write(&path, out.stdout).unwrap();
        files.push(path);
    }
    files
}

#[test]
fn core_objects_validate_strictly_for_kubernetes_1_30_and_1_34() {
    let dir = tempfile::tempdir().unwrap();
    let files = rendered_stacks(&dir);
    for version in ["1.30.0", "1.34.0"] {
        let out = run(
            cmd(tool("kubernetes-validate"))
                .args(["--strict", "-k", version])
                .args(&files),
            None,
        );
        let passed = out.stdout.matches("passed for resource").count()
            + out.stderr.matches("passed for resource").count();
        assert_eq!(
            out.code, 0,
            "kubernetes-validate {version}:\n{}\n{}",
            out.stdout, out.stderr
        );
        assert!(
            !out.stdout.contains("ERROR") && !out.stderr.contains("ERROR"),
            "{}{}",
            out.stdout,
            out.stderr
        );
        // Every core object; the ServiceMonitors are checked against their CRD.
        let (core, _) = counts(&files);
        assert!(core >= 14 * files.len(), "too few objects: {core}");
        assert_eq!(
            passed, core,
            "{version}: not every object was validated:\n{}{}",
            out.stdout, out.stderr
        );
    }
}

#[test]
fn kubernetes_validate_does_reject_an_unknown_field() {
    // Guards the test above: strict mode must fail on a typo.
    let dir = tempfile::tempdir().unwrap();
    let files = rendered_stacks(&dir);
    let text = std::fs::read_to_string(&files[0]).unwrap().replace(
        "  podManagementPolicy: Parallel",
        "  podManagementPolicy: Parallel\n  podManagmentPolicy: Parallel",
    );
    std::fs::write(&files[0], text).unwrap();
    let out = run(
        cmd(tool("kubernetes-validate"))
            .args(["--strict", "-k", "1.30.0"])
            .arg(&files[0]),
        None,
    );
    assert_ne!(out.code, 0, "{}", out.stdout);
}

#[test]
fn custom_resources_match_the_shared_crd_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let files = rendered_stacks(&dir);
    let schemas = shared_dir().join("crds/jsonschema");
    assert!(
        schemas.is_dir(),
        "{} is missing (../shared beside the repo)",
        schemas.display()
    );
    let out = run(
        cmd(tool("python3"))
            .arg(root().join("tools/validate_crs.py"))
            .arg(&schemas)
            .args(&files),
        None,
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let (_, custom) = counts(&files);
    assert!(
        custom >= 2 * files.len(),
        "too few custom resources: {custom}"
    );
    // Every kind the stack renders has its CRD's schema (and was checked against it).
    for (group, kind, version) in [
        ("monitoring.coreos.com", "ServiceMonitor", "v1"),
        ("monitoring.coreos.com", "PrometheusRule", "v1"),
        ("helm.toolkit.fluxcd.io", "HelmRelease", "v2"),
        ("source.toolkit.fluxcd.io", "HelmRepository", "v1"),
    ] {
        let schema = format!("{}_{version}.json", kind.to_lowercase());
        assert!(
            schemas.join(group).join(&schema).is_file(),
            "missing schema {schema}"
        );
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("OK ") && l.contains(&format!(": {kind}/"))),
            "no {kind} was validated:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains(&format!("{custom} custom resources checked, 0 errors")),
        "{}",
        out.stdout
    );
}

#[test]
fn checkov_finds_nothing_unexplained() {
    // Not tempdir(): its ".tmp" name is a hidden directory, which checkov skips.
    let dir = tempfile::Builder::new()
        .prefix("checkov-")
        .tempdir()
        .unwrap();
    rendered_stacks(&dir);
    let out = run(
        cmd(tool("checkov"))
            .args([
                "--framework",
                "kubernetes",
                "--skip-download",
                "--output",
                "json",
                "-d",
            ])
            .arg(dir.path())
            .env("BC_SKIP_MAPPING", "TRUE"),
        None,
    );
    let report: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "checkov output is not JSON ({e}):\n{}\n{}",
            out.stdout, out.stderr
        )
    });
    let summary = &report["summary"];
    assert!(
        summary["resource_count"].as_u64().unwrap_or(0) >= 30,
        "checkov scanned nothing: {summary}"
    );
    assert_eq!(summary["failed"], 0, "checkov failures:\n{}", out.stdout);
    assert!(
        summary["passed"].as_u64().unwrap() > 100,
        "checkov checked too little: {summary}"
    );
    // Each skip is an annotation with a reason on the object itself.
    let skipped = report["results"]["skipped_checks"].as_array().unwrap();
    assert_eq!(skipped.len() as u64, summary["skipped"].as_u64().unwrap());
    for check in skipped {
        let comment = check["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or_default();
        assert!(
            comment.len() > 20,
            "skip of {} without a reason",
            check["check_id"]
        );
    }
    assert_eq!(out.code, 0, "{}", out.stderr);
}
