//! Every way to run the function yields the same objects for the same overlay:
//! standalone kustomize (KRM exec), kpt (render and eval), kubectl (legacy plugin),
//! the `render` CLI and `make render`. And the one way that cannot work (kubectl on the
//! KRM overlay) fails loudly instead of printing a stack without Loki.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use e2e::{
    applied_objects, cmd, copy_dir, docs, id, overlays, plugin_home, read_tree, resolved_config,
    root, run, run_fn, stack_dir, tool,
};
use serde_json::Value;

/// The reference: the CLI on the overlay's LokiStack as kubectl resolves its patches.
fn cli_objects(dir: &str) -> Vec<Value> {
    let config = resolved_config(dir);
    applied_objects(docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    ))
}

#[track_caller]
fn assert_same_objects(runner: &str, got: Vec<Value>, want: &[Value]) {
    let got_ids: Vec<String> = got.iter().map(id).collect();
    let want_ids: Vec<String> = want.iter().map(id).collect();
    assert_eq!(got_ids, want_ids, "{runner}: different objects");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w, "{runner}: {} differs", id(w));
    }
    // An agent (profile agent) is its collector alone: a dozen objects.
    let least = if want
        .iter()
        .any(|o| o["kind"] == "StatefulSet" || o["kind"] == "HelmRelease")
    {
        16
    } else {
        10
    };
    assert!(
        want.len() >= least,
        "suspiciously few objects: {}",
        want.len()
    );
}

fn kustomize_dirs() -> Vec<String> {
    let mut dirs = vec!["base".to_owned()];
    dirs.extend(overlays().into_iter().map(|o| format!("overlays/{o}")));
    dirs
}

#[test]
fn standalone_kustomize_runs_the_krm_function() {
    for dir in kustomize_dirs() {
        let out = run(
            cmd(tool("kustomize"))
                .args(["build", "--enable-alpha-plugins", "--enable-exec"])
                .arg(stack_dir().join(&dir)),
            None,
        )
        .ok();
        let objects = docs(&out.stdout);
        assert!(
            objects
                .iter()
                .all(|o| !out.stdout.contains("config.kubernetes.io/path")
                    && o["kind"] != "RenderGuard"),
            "{dir}: kustomize output must carry no runner annotations or local-config objects"
        );
        assert_same_objects(
            &format!("kustomize {dir}"),
            applied_objects(objects),
            &cli_objects(&dir),
        );
    }
}

#[test]
fn kubectl_runs_the_legacy_plugin_variant() {
    let home = plugin_home();
    for overlay in overlays() {
        let dir = format!("overlays/{overlay}");
        let out = run(
            cmd(tool("kubectl"))
                .env("KUSTOMIZE_PLUGIN_HOME", home.path())
                .args(["kustomize", "--enable-alpha-plugins"])
                .arg(stack_dir().join(&dir).join("kubectl")),
            None,
        )
        .ok();
        assert_same_objects(
            &format!("kubectl {dir}/kubectl"),
            applied_objects(docs(&out.stdout)),
            &cli_objects(&dir),
        );
    }
}

#[test]
fn kubectl_on_a_krm_overlay_fails_loudly_instead_of_printing_no_loki() {
    let home = plugin_home();
    for dir in kustomize_dirs() {
        let out = run(
            cmd(tool("kubectl"))
                .env("KUSTOMIZE_PLUGIN_HOME", home.path())
                .args(["kustomize", "--enable-alpha-plugins"])
                .arg(stack_dir().join(&dir)),
            None,
        );
        assert_ne!(
            out.code, 0,
            "{dir}: kubectl must fail, printed:\n{}",
            out.stdout
        );
        assert!(out.stdout.is_empty(), "{dir}: no partial output");
        assert!(
            out.stderr.contains(
                "loki-stack-fn-did-not-run--exec-functions-need-kustomize-enable-exec-or-kpt"
            ),
            "{dir}: the error must say why: {}",
            out.stderr
        );
    }
}

fn kpt_render(pkg: &Path) -> String {
    let out = run(
        cmd(tool("kpt"))
            .args(["fn", "render", "--allow-exec", "--truncate-output=false"])
            .arg(pkg),
        None,
    );
    assert_eq!(
        out.code, 0,
        "kpt fn render failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    out.stderr
}

#[test]
fn kpt_renders_the_base_package_and_a_second_render_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("loki-stack");
    copy_dir(&stack_dir().join("base"), &pkg);
    // A file of someone else's, with the YAML 1.1 traps and comments kpt must keep.
    let foreign = "# keep this comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings # and this one\n  namespace: apps\ndata:\n  feature: \"on\"\n  mode: \"0644\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secret\n  namespace: apps\ntype: Opaque\nstringData:\n  enabled: \"yes\"\n";
    std::fs::write(pkg.join("app.yaml"), foreign).unwrap();

    let log = kpt_render(&pkg);
    assert!(
        log.contains("rendered 25 objects for LokiStack/loki"),
        "kpt shows our info result:\n{log}"
    );
    let first = read_tree(&pkg);
    assert_eq!(
        std::fs::read_to_string(pkg.join("app.yaml")).unwrap(),
        foreign,
        "foreign file changed"
    );
    let generated: Vec<Value> = first
        .iter()
        .filter(|(p, _)| p.starts_with(pkg.join("config/generated")))
        .flat_map(|(_, text)| docs(text))
        .collect();
    assert_same_objects(
        "kpt fn render base",
        applied_objects(generated),
        &cli_objects("base"),
    );

    kpt_render(&pkg);
    let second = read_tree(&pkg);
    assert_eq!(first, second, "kpt fn render is not idempotent");
}

#[test]
fn kpt_prints_error_results_and_writes_nothing_on_a_refused_config() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("loki-stack");
    copy_dir(&stack_dir().join("base"), &pkg);
    let config = pkg.join("config/lokistack.yaml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("period: 72h", "perod: 72h");
    std::fs::write(&config, &text).unwrap();
    let before = read_tree(&pkg);
    let out = run(
        cmd(tool("kpt"))
            .args(["fn", "render", "--allow-exec"])
            .arg(&pkg),
        None,
    );
    assert_ne!(out.code, 0);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("spec.retention.perod") && all.contains("did you mean \"period\""),
        "{all}"
    );
    assert!(
        all.contains("config/lokistack.yaml"),
        "names the file: {all}"
    );
    assert_eq!(read_tree(&pkg), before, "kpt must write nothing");
}

#[test]
fn kpt_fn_eval_exec_renders_each_overlay() {
    for overlay in overlays() {
        let dir = format!("overlays/{overlay}");
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("lokistack.yaml");
        std::fs::write(&config, resolved_config(&dir)).unwrap();
        let out_dir = tmp.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        let out = run(
            cmd(tool("kpt"))
                .args(["fn", "eval", "--exec", "loki-stack-fn", "--fn-config"])
                .arg(&config)
                .arg(&out_dir),
            None,
        );
        assert_eq!(
            out.code, 0,
            "kpt fn eval failed:\n{}\n{}",
            out.stdout, out.stderr
        );
        let objects: Vec<Value> = read_tree(&out_dir)
            .iter()
            .flat_map(|(_, t)| docs(t))
            .collect();
        assert_same_objects(
            &format!("kpt fn eval {dir}"),
            applied_objects(objects),
            &cli_objects(&dir),
        );
    }
}

#[test]
fn kustomize_fails_the_build_when_the_function_refuses_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = tmp.path().join("loki-stack");
    copy_dir(&stack_dir(), &stack);
    let patch = stack.join("overlays/local/config/lokistack.yaml");
    let text = std::fs::read_to_string(&patch)
        .unwrap()
        .replace("size: 10Gi", "size: 10GB");
    std::fs::write(&patch, text).unwrap();
    let out = run(
        cmd(tool("kustomize"))
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(stack.join("overlays/local")),
        None,
    );
    assert_ne!(out.code, 0, "kustomize must fail:\n{}", out.stdout);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("spec.storage.filesystem.size")
            && out.stderr.contains("did you mean \"10Gi\""),
        "kustomize shows our stderr: {}",
        out.stderr
    );

    let home = plugin_home();
    let out = run(
        cmd(tool("kubectl"))
            .env("KUSTOMIZE_PLUGIN_HOME", home.path())
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(stack.join("overlays/local/kubectl")),
        None,
    );
    assert_ne!(out.code, 0, "kubectl must fail:\n{}", out.stdout);
    assert!(
        out.stderr.contains("did you mean \"10Gi\"")
            && out
                .stderr
                .contains("overlays/local/kubectl/kustomization.yaml"),
        "names the field and the kustomization: {}",
        out.stderr
    );
}

#[test]
fn make_render_prints_the_local_stack() {
    let out = run(
        cmd(tool("make"))
            .args(["-s", "--no-print-directory", "render"])
            .current_dir(root()),
        None,
    )
    .ok();
    assert_same_objects(
        "make render",
        applied_objects(docs(&out.stdout)),
        &cli_objects("overlays/local"),
    );
    let out = run(
        cmd(tool("make"))
            .args([
                "-s",
                "--no-print-directory",
                "render",
                "ENV=no-such-overlay",
            ])
            .current_dir(root()),
        None,
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("no overlay no-such-overlay"),
        "{}",
        out.stderr
    );
}
