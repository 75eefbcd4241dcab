//! The harness of tests/tests/deploy_script.rs: `scripts/deploy-loki.sh` run against the
//! kubectl stand-in, with the record of every call it made.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use serde_json::Value;

use crate::{
    Output, applied_objects, cmd, docs, path_env, resolved_config, root, run, run_fn, tool,
};

pub const CHECKS: [&str; 8] = [
    "loki-pods-ready",
    "promtail-per-node",
    "promtail-no-errors",
    "loki-ready",
    "loki-labels",
    "query-kube-system",
    "query-machine-logs",
    "grafana-datasource",
];

pub fn script() -> PathBuf {
    root().join("scripts/deploy-loki.sh")
}

/// A run of the script: its output and the stand-in's record of every kubectl call.
#[derive(Debug)]
pub struct Run {
    pub out: Output,
    pub calls: Vec<Value>,
    /// The run's TMPDIR (removed since).
    pub tmp: String,
}

impl Run {
    /// The kubectl calls (not the HTTP requests), without `kubectl kustomize` (rendering).
    pub fn cluster_calls(&self) -> Vec<Vec<String>> {
        self.calls
            .iter()
            .filter_map(|c| c.get("argv"))
            .map(|a| {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|a| a[0] != "kustomize")
            .collect()
    }

    pub fn http(&self) -> Vec<&Value> {
        self.calls
            .iter()
            .filter(|c| c.get("http").is_some())
            .collect()
    }

    /// The `PASS`/`FAIL` lines, in order.
    pub fn verdicts(&self) -> Vec<&str> {
        self.out
            .stdout
            .lines()
            .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL "))
            .collect()
    }

    #[track_caller]
    pub fn verdict(&self, check: &str) -> &str {
        self.verdicts()
            .into_iter()
            .find(|l| l[5..].split(':').next() == Some(check))
            .unwrap_or_else(|| panic!("no line for {check}:\n{}", self.out.stdout))
    }
}

/// Runs the script with the stand-in first on PATH, answering from `scenario`.
pub fn run_script(scenario: &str, args: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("calls.jsonl");
    let data = root().join("tests/data/deploy");
    let fixtures = std::env::join_paths([data.join(scenario), data.join("healthy")]).unwrap();
    let mut path = vec![root().join("tests/kubectl-standin")];
    path.extend(std::env::split_paths(&path_env()));
    let out = run(
        cmd(script())
            .args(args)
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("KUBECTL_STANDIN_REAL", tool("kubectl"))
            .env("KUBECTL_STANDIN_FIXTURES", fixtures)
            .env("KUBECTL_STANDIN_LOG", &log)
            .env("TMPDIR", tmp.path()),
        None,
    );
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tmp = tmp.path().display().to_string();
    Run { out, calls, tmp }
}

/// The objects the overlay renders to, by the release binary itself.
pub fn rendered(overlay: &str) -> Vec<Value> {
    let config = resolved_config(&format!("overlays/{overlay}"));
    applied_objects(docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    ))
}

/// The `+ kubectl apply ...` lines and, for each, the objects listed before it.
pub fn apply_steps(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut steps = Vec::new();
    let mut listed = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("==> applying") {
            listed.clear();
        } else if let Some(obj) = line.strip_prefix("    ") {
            listed.push(obj.to_owned());
        } else if line.starts_with("+ kubectl apply") {
            steps.push((line.to_owned(), std::mem::take(&mut listed)));
        }
    }
    steps
}

pub fn kind_and_name(o: &Value) -> String {
    let ns = o["metadata"]["namespace"].as_str().map(|n| format!("{n}/"));
    format!(
        "{} {}{}",
        o["kind"].as_str().unwrap(),
        ns.unwrap_or_default(),
        o["metadata"]["name"].as_str().unwrap()
    )
}
