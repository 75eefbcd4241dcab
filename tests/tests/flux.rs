//! The Flux objects under kubernetes/flux/: they match the Flux CRD schemas in
//! ../shared, build with kustomize and kubectl (OCI source and the GitRepository form),
//! and each environment's Kustomization points at its rendered directory, health-checks
//! exactly the workloads that environment renders and keeps the namespace when pruning.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use e2e::gitops::{
    flux_dir, flux_envs, kubectl_kustomize, kustomize_build, make, render_objects,
    rendered_overlays, workloads,
};
use e2e::{Output, cmd, copy_dir, docs, resolved_config, root, run, shared_dir, tool};
use serde_json::Value;

const STACK_PATH: &str = "kubernetes/observability/loki-stack";

/// A copy of kubernetes/flux with the GitRepository component enabled in every
/// environment, exactly as the comment in each kustomization.yaml says.
fn git_form() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let flux = tmp.path().join("flux");
    copy_dir(&flux_dir(), &flux);
    for env in flux_envs() {
        let k = flux.join(&env).join("kustomization.yaml");
        let text = std::fs::read_to_string(&k).unwrap();
        let enabled = text
            .replace("# components:\n", "components:\n")
            .replace("# - ../sources/git\n", "- ../sources/git\n");
        assert_ne!(text, enabled, "{env}: no commented GitRepository component");
        std::fs::write(&k, enabled).unwrap();
    }
    (tmp, flux)
}

fn one<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found: Vec<&Value> = objects.iter().filter(|o| o["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "one {kind}: {objects:?}");
    found[0]
}

fn validate_crs(files: &[PathBuf]) -> Output {
    run(
        cmd(tool("python3"))
            .arg(root().join("tools/validate_crs.py"))
            .arg(shared_dir().join("crds/jsonschema"))
            .args(files),
        None,
    )
}

#[test]
fn environments_are_overlays_and_include_local_and_the_clouds() {
    let envs = flux_envs();
    for env in ["local", "cloud-aws", "cloud-gcp"] {
        assert!(
            envs.contains(&env.to_owned()),
            "kubernetes/flux/{env} is missing"
        );
    }
    for env in &envs {
        assert!(
            rendered_overlays().contains(env),
            "kubernetes/flux/{env}: no overlay {env} with a config/"
        );
    }
}

#[test]
fn flux_objects_match_the_shared_crd_schemas() {
    let schemas = shared_dir().join("crds/jsonschema");
    for (group, file) in [
        ("source.toolkit.fluxcd.io", "ocirepository_v1.json"),
        ("source.toolkit.fluxcd.io", "gitrepository_v1.json"),
        ("kustomize.toolkit.fluxcd.io", "kustomization_v1.json"),
    ] {
        assert!(schemas.join(group).join(file).is_file(), "{group}/{file}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_git_tmp, git) = git_form();
    let mut files = Vec::new();
    for env in flux_envs() {
        for (form, dir) in [("oci", flux_dir()), ("git", git.clone())] {
            let out = run(
                cmd(tool("kubectl")).arg("kustomize").arg(dir.join(&env)),
                None,
            )
            .ok();
            let path = tmp.path().join(format!("{env}-{form}.yaml"));
            std::fs::write(&path, out.stdout).unwrap();
            files.push(path);
        }
    }
    let out = validate_crs(&files);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let n = 2 * files.len();
    assert!(
        out.stdout
            .contains(&format!("{n} custom resources checked, 0 errors")),
        "{}",
        out.stdout
    );
    for kind in ["OCIRepository", "GitRepository", "Kustomization"] {
        assert!(
            out.stdout.contains(&format!(": {kind}/loki-stack against")),
            "{kind} not validated:\n{}",
            out.stdout
        );
    }
}

#[test]
fn the_schema_check_rejects_a_typo_and_a_wrong_type() {
    // Guards the test above: the schemas are strict where it matters.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(flux_dir().join("local/loki-stack.yaml")).unwrap();
    for (from, to) in [
        ("  healthChecks:", "  healthCheck:"),
        ("  prune: true", "  prune: \"yes\""),
        ("    kind: OCIRepository", "    kind: OciRepository"),
        ("  timeout: 5m", "  timeout: 5 minutes"),
    ] {
        assert!(text.contains(from), "{from}");
        let path = tmp.path().join("broken.yaml");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let out = validate_crs(&[path]);
        assert_ne!(out.code, 0, "{to:?} passed:\n{}", out.stdout);
    }
}

#[test]
fn each_environment_builds_with_either_source_and_references_it() {
    let (_tmp, git) = git_form();
    for env in flux_envs() {
        for (form, dir, kind, absent) in [
            ("oci", flux_dir(), "OCIRepository", "GitRepository"),
            ("git", git.clone(), "GitRepository", "OCIRepository"),
        ] {
            let path = dir.join(&env);
            let built = kubectl_kustomize(&path);
            let other = kustomize_build(&path);
            assert_eq!(built, other, "{env} {form}: kubectl and kustomize differ");
            assert_eq!(built.len(), 2, "{env} {form}: source + Kustomization");
            assert!(!built.iter().any(|o| o["kind"] == absent), "{env} {form}");
            let source = one(&built, kind);
            let ks = one(&built, "Kustomization");
            assert_eq!(ks["apiVersion"], "kustomize.toolkit.fluxcd.io/v1");
            let sref = &ks["spec"]["sourceRef"];
            assert_eq!(sref["kind"], source["kind"], "{env} {form}");
            assert_eq!(sref["name"], source["metadata"]["name"], "{env} {form}");
            let ns = |o: &Value| o["metadata"]["namespace"].as_str().unwrap().to_owned();
            assert_eq!(
                sref["namespace"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or(ns(ks)),
                ns(source)
            );
        }
    }
}

#[test]
fn each_kustomization_applies_its_rendered_directory_and_checks_its_workloads() {
    for env in flux_envs() {
        let built = kubectl_kustomize(&flux_dir().join(&env));
        let spec = &one(&built, "Kustomization")["spec"];
        let path = spec["path"].as_str().unwrap();
        assert_eq!(path, format!("./{STACK_PATH}/rendered/{env}"), "{env}");
        assert!(
            root().join(path).join("kustomization.yaml").is_file(),
            "{env}: {path} is not a rendered directory in the repository"
        );
        assert_eq!(spec["prune"], true, "{env}");
        assert_eq!(spec["wait"], true, "{env}");
        for field in ["interval", "retryInterval", "timeout"] {
            assert!(spec[field].is_string(), "{env}: {field}");
        }
        let depends: Vec<&str> = spec["dependsOn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert!(
            depends.contains(&"kube-prometheus-stack"),
            "{env}: {depends:?}"
        );

        // healthChecks name exactly what the overlay's config renders.
        let want = workloads(&render_objects(&resolved_config(&format!(
            "overlays/{env}"
        ))));
        let got: std::collections::BTreeSet<_> = spec["healthChecks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let s = |k: &str| h[k].as_str().unwrap_or_default().to_owned();
                (s("apiVersion"), s("kind"), s("namespace"), s("name"))
            })
            .collect();
        assert_eq!(got, want, "{env}: healthChecks vs the rendered workloads");
        // (An environment whose output is a HelmRelease checks the HelmRelease; an agent
        // its collector, Promtail or Fluent Bit.)
        assert!(
            want.iter().any(
                |w| (w.1 == "DaemonSet" && (w.3 == "promtail" || w.3 == "fluent-bit"))
                    || w.1 == "HelmRelease"
            ),
            "{env}: {want:?}"
        );
    }
}

#[test]
fn flux_keeps_the_namespace_when_it_prunes() {
    // The Kustomization's patches, applied by kustomize the way Flux applies them on top
    // of the rendered directory: the Namespace, and only it, is exempt from pruning.
    for env in flux_envs() {
        let built = kubectl_kustomize(&flux_dir().join(&env));
        let spec = &one(&built, "Kustomization")["spec"];
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(
            &root().join(spec["path"].as_str().unwrap()),
            &tmp.path().join("stack"),
        );
        let patches = serde_json::to_string(&spec["patches"]).unwrap();
        std::fs::write(
            tmp.path().join("kustomization.yaml"),
            format!("resources:\n- stack\npatches: {patches}\n"),
        )
        .unwrap();
        let patched = e2e::applied_objects(kustomize_build(tmp.path()));
        let plain = e2e::applied_objects(kustomize_build(&tmp.path().join("stack")));
        assert_eq!(patched.len(), plain.len());
        let prune = |o: &Value| {
            o.pointer("/metadata/annotations/kustomize.toolkit.fluxcd.io~1prune")
                .cloned()
        };
        for (p, o) in patched.iter().zip(&plain) {
            if p["kind"] == "Namespace" {
                assert_eq!(prune(p), Some(Value::from("disabled")), "{env}");
            } else {
                assert_eq!(p, o, "{env}: only the Namespace changes");
            }
        }
        assert!(patched.iter().any(|o| o["kind"] == "Namespace"), "{env}");
    }
}

#[test]
fn both_sources_deliver_the_rendered_tree_at_the_kustomizations_paths() {
    // The GitRepository keeps only the rendered tree (sparse checkout, repository paths).
    let (_tmp, git) = git_form();
    let built = kubectl_kustomize(&git.join("local"));
    let sparse: Vec<&str> = one(&built, "GitRepository")["spec"]["sparseCheckout"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(sparse, [format!("{STACK_PATH}/rendered")]);
    // The OCI artifact CI pushes (make flux-artifact) holds the same tree at the same path.
    let out = make(&["flux-artifact"]).ok();
    assert!(
        out.stdout.contains("target/flux-artifact"),
        "{}",
        out.stdout
    );
    let artifact = root().join("target/flux-artifact");
    for env in flux_envs() {
        let built = kubectl_kustomize(&flux_dir().join(&env));
        let path = one(&built, "Kustomization")["spec"]["path"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            path.starts_with(&format!("./{}/", sparse[0])),
            "{env}: {path}"
        );
        let in_artifact = artifact.join(&path);
        assert_eq!(
            e2e::read_tree(&in_artifact)
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>(),
            e2e::read_tree(&root().join(&path))
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>(),
            "{env}: the artifact holds the committed rendered directory"
        );
        assert!(
            docs(&std::fs::read_to_string(in_artifact.join("kustomization.yaml")).unwrap()).len()
                == 1
        );
    }
    let oci = kubectl_kustomize(&flux_dir().join("local"));
    let url = one(&oci, "OCIRepository")["spec"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let workflow =
        std::fs::read_to_string(root().join(".github/workflows/loki-stack-rendered.yaml")).unwrap();
    let pushed = url.rsplit('/').next().unwrap();
    assert!(
        workflow.contains(&format!("/{pushed}\""))
            && workflow.contains("--path=target/flux-artifact"),
        "the workflow pushes target/flux-artifact to the repository the OCIRepository reads ({url})"
    );
    assert!(Path::new(&artifact).is_dir());
}
