//! `make rendered` and `make check-rendered`: the committed rendered/ directories stay in
//! step with the configs. The check passes on the repository and fails, showing the
//! diff and the hint, on a copy whose config, files or overlays changed; `make rendered`
//! brings the copy back in step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use e2e::gitops::{dir_files, make, rendered_overlays};
use e2e::{Output, copy_dir, stack_dir};

/// A change made to a directory.
type Change = fn(&Path);

const HINT: &str = "rendered output is stale: run make rendered and commit";

/// A copy of the stack directory (configs and committed rendered/).
fn stack_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let stack = tmp.path().join("loki-stack");
    copy_dir(&stack_dir(), &stack);
    (tmp, stack)
}

fn check(stack: &Path) -> Output {
    make(&["check-rendered", &format!("STACK={}", stack.display())])
}

fn rendered(stack: &Path) -> Output {
    make(&["rendered", &format!("STACK={}", stack.display())])
}

#[track_caller]
fn assert_stale(out: &Output, what: &str) -> String {
    assert_ne!(
        out.code, 0,
        "{what}: check-rendered passed:\n{}",
        out.stdout
    );
    assert!(
        out.stderr.contains(HINT),
        "{what}: no hint:\n{}",
        out.stderr
    );
    out.stdout.clone()
}

#[test]
fn check_rendered_passes_on_the_repository() {
    let out = make(&["check-rendered"]).ok();
    assert!(
        out.stdout.contains("rendered output is up to date"),
        "{}",
        out.stdout
    );
    for overlay in rendered_overlays() {
        assert!(out.stdout.contains(&overlay), "{overlay} was not checked");
    }
}

#[test]
fn a_changed_config_fails_the_check_with_the_diff_until_make_rendered() {
    let (_tmp, stack) = stack_copy();
    check(&stack).ok();
    let config = stack.join("overlays/local/config/lokistack.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("period: 72h"));
    std::fs::write(&config, text.replace("period: 72h", "period: 96h")).unwrap();

    let diff = assert_stale(&check(&stack), "retention 72h -> 96h");
    assert!(
        diff.contains("diff -ruN")
            && diff.contains("/local/configmap_logging_loki.yaml")
            && diff.contains("-      retention_period: 72h")
            && diff.contains("+      retention_period: 96h"),
        "the diff shows the change:\n{diff}"
    );
    // The pods roll: their checksum changes too, and nothing in the other overlays.
    assert!(
        diff.contains("/local/statefulset_logging_loki.yaml"),
        "{diff}"
    );
    assert!(!diff.contains("/cloud-aws/"), "{diff}");

    rendered(&stack).ok();
    check(&stack).ok();
    let written =
        std::fs::read_to_string(stack.join("rendered/local/configmap_logging_loki.yaml")).unwrap();
    assert!(written.contains("retention_period: 96h"));
}

#[test]
fn an_extra_missing_or_edited_file_fails_the_check() {
    let (_tmp, stack) = stack_copy();
    let local = stack.join("rendered/local");
    let cases: [(&str, Change); 3] = [
        ("extra file", |d| {
            std::fs::write(d.join("configmap_logging_extra.yaml"), "kind: ConfigMap\n").unwrap()
        }),
        ("missing file", |d| {
            std::fs::remove_file(d.join("service_logging_loki.yaml")).unwrap()
        }),
        ("hand edit", |d| {
            let f = d.join("daemonset_logging_promtail.yaml");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, t.replacen("memory:", "memory: ", 1)).unwrap();
        }),
    ];
    for (what, change) in cases {
        let before = dir_files(&local);
        change(&local);
        let diff = assert_stale(&check(&stack), what);
        assert!(diff.contains("/local/"), "{what}:\n{diff}");
        // make rendered restores exactly the generated set (a file we did not write is
        // refused instead of deleted).
        if what == "extra file" {
            let out = rendered(&stack);
            assert_ne!(out.code, 0, "must not delete a file it did not write");
            assert!(
                out.stderr.contains("configmap_logging_extra.yaml"),
                "{}",
                out.stderr
            );
            std::fs::remove_file(local.join("configmap_logging_extra.yaml")).unwrap();
        }
        rendered(&stack).ok();
        assert_eq!(dir_files(&local), before, "{what}: restored");
        check(&stack).ok();
    }
}

#[test]
fn a_missing_extra_or_new_overlay_fails_the_check() {
    let (_tmp, stack) = stack_copy();
    // The rendered directory of an overlay is missing.
    std::fs::remove_dir_all(stack.join("rendered/cloud-gcp")).unwrap();
    let diff = assert_stale(&check(&stack), "missing overlay dir");
    assert!(diff.contains("/cloud-gcp/kustomization.yaml"), "{diff}");
    rendered(&stack).ok();
    check(&stack).ok();

    // A new overlay (copy of local): not rendered yet.
    copy_dir(
        &stack.join("overlays/local"),
        &stack.join("overlays/staging"),
    );
    let diff = assert_stale(&check(&stack), "new overlay");
    assert!(diff.contains("/staging/namespace_logging.yaml"), "{diff}");
    rendered(&stack).ok();
    assert!(stack.join("rendered/staging/kustomization.yaml").is_file());
    check(&stack).ok();

    // The overlay is removed: its rendered directory is extra, make rendered removes it.
    std::fs::remove_dir_all(stack.join("overlays/staging")).unwrap();
    assert_stale(&check(&stack), "removed overlay");
    let out = rendered(&stack).ok();
    assert!(out.stderr.contains("removed"), "{}", out.stderr);
    assert!(!stack.join("rendered/staging").exists());
    check(&stack).ok();

    // An overlay without a config/ kustomization is not one make rendered renders.
    std::fs::create_dir_all(stack.join("overlays/notes")).unwrap();
    check(&stack).ok();
}

#[test]
fn a_refused_config_fails_make_rendered_and_changes_nothing() {
    let (_tmp, stack) = stack_copy();
    let config = stack.join("overlays/local/config/lokistack.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("size: 10Gi", "size: 10GB")).unwrap();
    let before = e2e::read_tree(&stack.join("rendered"));
    for out in [rendered(&stack), check(&stack)] {
        assert_ne!(out.code, 0);
        assert!(
            out.stderr.contains("spec.storage.filesystem.size") && out.stderr.contains("local"),
            "names the field and the overlay:\n{}",
            out.stderr
        );
    }
    assert_eq!(e2e::read_tree(&stack.join("rendered")), before);
}

#[test]
fn the_script_is_shellcheck_clean() {
    let script = e2e::root().join("tools/rendered.sh");
    let out = e2e::run(e2e::cmd(e2e::tool("shellcheck")).arg(&script), None);
    assert_eq!(out.code, 0, "shellcheck:\n{}{}", out.stdout, out.stderr);
}
