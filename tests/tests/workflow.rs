//! The CI workflow example (.github/workflows/loki-stack-rendered.yaml): a valid GitHub
//! Actions workflow (check-jsonschema's schema), shell steps clean under shellcheck,
//! every `make` target it runs exists, every action pinned to a commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use e2e::{cmd, doc, root, run, tool};
use serde_json::Value;

fn workflow_path() -> PathBuf {
    root().join(".github/workflows/loki-stack-rendered.yaml")
}

fn steps(workflow: &Value) -> Vec<&Value> {
    workflow["jobs"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_array().unwrap())
        .collect()
}

fn scripts(workflow: &Value) -> Vec<String> {
    steps(workflow)
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_owned))
        .collect()
}

fn check_jsonschema(path: &std::path::Path) -> e2e::Output {
    run(
        cmd(tool("check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(path),
        None,
    )
}

#[test]
fn the_workflow_is_a_valid_github_workflow() {
    let out = check_jsonschema(&workflow_path());
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("validation done"), "{}", out.stdout);
    // Guards the check: a misspelt key and a wrong trigger fail it.
    let text = std::fs::read_to_string(workflow_path()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("runs-on:", "run-on:"),
        ("  pull_request:", "  pull-request:"),
    ] {
        assert!(text.contains(from), "{from}");
        let broken = tmp.path().join("broken.yaml");
        std::fs::write(&broken, text.replacen(from, to, 1)).unwrap();
        assert_ne!(check_jsonschema(&broken).code, 0, "{to} passed");
    }
}

#[test]
fn the_workflow_checks_on_every_change_and_pushes_only_on_a_version_tag() {
    let w = doc(&std::fs::read_to_string(workflow_path()).unwrap());
    assert!(w["on"]["pull_request"].is_null() && w["on"].get("pull_request").is_some());
    assert_eq!(w["on"]["push"]["branches"][0], "main");
    assert!(
        w["on"]["push"]["tags"][0]
            .as_str()
            .unwrap()
            .starts_with('v')
    );
    assert_eq!(w["permissions"]["contents"], "read", "read-only by default");
    let check = &w["jobs"]["check"];
    assert!(check.get("if").is_none(), "the check always runs");
    let push = &w["jobs"]["push"];
    assert_eq!(push["needs"], "check");
    assert!(push["if"].as_str().unwrap().contains("refs/tags/v"));
    assert_eq!(push["permissions"]["packages"], "write");
    let push_script: String = push["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    for needed in [
        "flux push artifact",
        "flux tag artifact",
        "--revision=",
        "--source=",
    ] {
        assert!(push_script.contains(needed), "{needed}");
    }
    assert!(
        steps(&w).iter().any(|s| s["uses"]
            .as_str()
            .unwrap_or_default()
            .starts_with("fluxcd/flux2/action@")),
        "installs flux with the official action"
    );
}

#[test]
fn every_make_target_the_workflow_runs_exists() {
    let w = doc(&std::fs::read_to_string(workflow_path()).unwrap());
    let mut targets = Vec::new();
    for script in scripts(&w) {
        for line in script.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let Some(at) = words.iter().position(|w| *w == "make") {
                targets.extend(
                    words[at + 1..]
                        .iter()
                        .take_while(|t| !t.starts_with('-') && !t.contains('='))
                        .map(|t| (*t).to_owned()),
                );
            }
        }
    }
    assert!(
        targets.contains(&"check-rendered".to_owned()),
        "{targets:?}"
    );
    for target in targets
        .iter()
        .chain(std::iter::once(&"no-such-target".to_owned()))
    {
        // -q runs nothing; it exits 2 only when make cannot make the target at all.
        let out = run(
            cmd(tool("make")).args(["-q", target]).current_dir(root()),
            None,
        );
        let exists = out.code != 2 && !out.stderr.contains("No rule to make target");
        assert_eq!(
            exists,
            target != "no-such-target",
            "make {target}: {}",
            out.stderr
        );
    }
}

#[test]
fn every_action_is_pinned_to_a_commit_with_its_version() {
    let text = std::fs::read_to_string(workflow_path()).unwrap();
    let uses: Vec<&str> = text
        .lines()
        .map(str::trim_start)
        .filter_map(|l| l.strip_prefix("- uses: ").or(l.strip_prefix("uses: ")))
        .collect();
    assert!(uses.len() >= 4, "{uses:?}");
    for u in uses {
        let (action, rest) = u.split_once('@').unwrap();
        let (sha, comment) = rest.split_once(" # v").unwrap_or((rest, ""));
        assert!(action.contains('/'), "{u}");
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{u}: not pinned to a commit"
        );
        assert!(!comment.is_empty(), "{u}: say which version the commit is");
    }
}

#[test]
fn the_workflow_scripts_pass_shellcheck() {
    let w = doc(&std::fs::read_to_string(workflow_path()).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let all = scripts(&w);
    assert!(all.len() >= 4);
    for (i, script) in all.iter().enumerate() {
        // GitHub runs `bash -e {0}`; expressions are substituted before, like a word.
        let mut body = String::new();
        let mut rest = script.as_str();
        while let Some(start) = rest.find("${{") {
            body.push_str(&rest[..start]);
            let end = rest[start..].find("}}").unwrap() + start + 2;
            body.push_str("EXPR");
            rest = &rest[end..];
        }
        body.push_str(rest);
        let path = tmp.path().join(format!("step-{i}.sh"));
        std::fs::write(&path, format!("#!/usr/bin/env bash\nset -e\n{body}")).unwrap();
        let out = run(
            cmd(tool("shellcheck")).args(["-s", "bash"]).arg(&path),
            None,
        );
        assert_eq!(out.code, 0, "step {i}:\n{script}\n{}", out.stdout);
    }
}
