//! Helpers for the GitOps tests: the rendered directories (`render --out-dir`,
//! `make rendered`), the Flux objects under `kubernetes/flux/`, and `make`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Output, applied_objects, cmd, docs, root, run, run_fn, stack_dir, tool};

/// The committed rendered output: `<stack>/rendered/<overlay>/`.
pub fn rendered_dir() -> PathBuf {
    stack_dir().join("rendered")
}

/// The Flux objects.
pub fn flux_dir() -> PathBuf {
    root().join("kubernetes/flux")
}

/// Subdirectories of `dir`, sorted by name.
fn subdirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The overlays `make rendered` renders: those with a `config/` kustomization.
pub fn rendered_overlays() -> Vec<String> {
    subdirs(&stack_dir().join("overlays"))
        .into_iter()
        .filter(|o| {
            stack_dir()
                .join("overlays")
                .join(o)
                .join("config/kustomization.yaml")
                .is_file()
        })
        .collect()
}

/// The Flux environments: every directory of `kubernetes/flux/` but `sources/`.
pub fn flux_envs() -> Vec<String> {
    subdirs(&flux_dir())
        .into_iter()
        .filter(|d| d != "sources")
        .collect()
}

/// `loki-stack-fn render -f - --out-dir DIR` with `config` on stdin.
pub fn render_to(config: &str, dir: &Path) -> Output {
    run_fn(
        &["render", "-f", "-", "--out-dir", dir.to_str().unwrap()],
        Some(config.as_bytes()),
    )
}

/// `(name, contents)` of every entry of a directory, sorted; anything that is not a
/// readable regular file shows as `<not a file>`.
pub fn dir_files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap_or_else(|_| "<not a file>".into());
            (e.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    out.sort();
    out
}

/// What a cluster receives from `render -f` of a LokiStack config.
pub fn render_objects(config: &str) -> Vec<Value> {
    applied_objects(docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    ))
}

/// `kustomize build DIR` (the standalone kustomize), parsed.
pub fn kustomize_build(dir: &Path) -> Vec<Value> {
    docs(
        &run(cmd(tool("kustomize")).arg("build").arg(dir), None)
            .ok()
            .stdout,
    )
}

/// `kubectl kustomize DIR` (what `kubectl apply -k` applies), parsed.
pub fn kubectl_kustomize(dir: &Path) -> Vec<Value> {
    docs(
        &run(cmd(tool("kubectl")).arg("kustomize").arg(dir), None)
            .ok()
            .stdout,
    )
}

/// `make -s --no-print-directory ARGS` in the repository root.
pub fn make(args: &[&str]) -> Output {
    run(
        cmd(tool("make"))
            .args(["-s", "--no-print-directory"])
            .args(args)
            .current_dir(root()),
        None,
    )
}

/// `(apiVersion, kind, namespace, name)` of the objects Flux health-checks for a stack:
/// its workloads (StatefulSets, Deployments, DaemonSets) and any HelmRelease.
pub fn workloads(objects: &[Value]) -> BTreeSet<(String, String, String, String)> {
    let s = |o: &Value, p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    objects
        .iter()
        .filter(|o| {
            ["StatefulSet", "Deployment", "DaemonSet", "HelmRelease"]
                .contains(&o["kind"].as_str().unwrap_or_default())
        })
        .map(|o| {
            (
                s(o, "/apiVersion"),
                s(o, "/kind"),
                s(o, "/metadata/namespace"),
                s(o, "/metadata/name"),
            )
        })
        .collect()
}
