//! The rendered alerts, run by the real `promtool` (Prometheus 2.42, from Debian's
//! `prometheus` package, which `make tools` installs; a missing promtool fails the test).
//!
//! - The delivery alerts behave as the README says: the scenarios in
//!   `tests/data/promtool/` (promtool unit tests: input series, then which alerts fire when,
//!   with their labels and annotations; each says what it proves) run against the
//!   PrometheusRule rendered for the stack they are written for: `promtail.yaml` against the
//!   default local stack (`base/config/lokistack.yaml`), `fluent-bit.yaml` against
//!   `tests/stacks/local-fluent-bit.yaml`.
//! - Every PrometheusRule rendered for base, each overlay and each stack in `tests/stacks/` is
//!   a valid rule file for Prometheus (`promtool check rules`), with no duplicate rule but the
//!   two the Loki mixin means (two rules for one alert).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use e2e::{Output, cmd, docs, root, run, run_fn};
use serde_json::Value;

/// Which stack each scenario file is written for: (file in tests/data/promtool/, LokiStack
/// file relative to the repository root).
const SCENARIOS: &[(&str, &str)] = &[
    (
        "promtail.yaml",
        "kubernetes/observability/loki-stack/base/config/lokistack.yaml",
    ),
    ("fluent-bit.yaml", "tests/stacks/local-fluent-bit.yaml"),
];

/// promtool, or a failure that says `make tools` installs it (never a skip: a green run
/// means promtool really ran).
fn promtool() -> PathBuf {
    e2e::tool("promtool")
}

fn scenario_dir() -> PathBuf {
    root().join("tests/data/promtool")
}

fn render(name: &str, config: &str) -> Vec<Value> {
    let out = run_fn(&["render", "-f", "-"], Some(config.as_bytes()));
    assert_eq!(out.code, 0, "{name}: render failed:\n{}", out.stderr);
    docs(&out.stdout)
}

/// The stack's PrometheusRules (their `spec`, `groups`), by name.
fn prometheus_rules(name: &str, config: &str) -> Vec<(String, Value)> {
    render(name, config)
        .into_iter()
        .filter(|o| o["kind"] == "PrometheusRule")
        .map(|o| {
            let id = format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap_or_default(),
                o["metadata"]["name"].as_str().unwrap()
            );
            (id, o["spec"].clone())
        })
        .collect()
}

/// Writes a rule file (JSON is YAML, and promtool reads it as such).
fn write_rule_file(path: &Path, spec: &Value) {
    assert!(
        spec["groups"].as_array().is_some_and(|g| !g.is_empty()),
        "{}: no rule groups in {spec}",
        path.display()
    );
    std::fs::write(path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
}

#[track_caller]
fn promtool_ok(what: &str, out: &Output) {
    assert!(
        out.code == 0,
        "{what}: promtool exited {}.\n{}\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
}

#[test]
fn delivery_alert_scenarios_pass_promtool_test_rules() {
    let promtool = promtool();
    // Every scenario file is run: one that names no stack here would never run.
    let mut files: Vec<String> = std::fs::read_dir(scenario_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut known: Vec<String> = SCENARIOS.iter().map(|(f, _)| (*f).to_owned()).collect();
    known.sort();
    assert_eq!(
        files, known,
        "tests/data/promtool/ holds other files than SCENARIOS names"
    );

    for (file, stack) in SCENARIOS {
        let config = std::fs::read_to_string(root().join(stack)).unwrap();
        let rules = prometheus_rules(stack, &config);
        assert_eq!(rules.len(), 1, "{stack}: one PrometheusRule expected");
        let (id, spec) = &rules[0];
        assert_eq!(id, "logging/loki", "{stack}");

        // promtool reads `rule_files: [rules.yaml]` beside the scenario file.
        let dir = tempfile::tempdir().unwrap();
        write_rule_file(&dir.path().join("rules.yaml"), spec);
        let scenarios = std::fs::read_to_string(scenario_dir().join(file)).unwrap();
        assert!(
            scenarios.contains("rule_files: [rules.yaml]"),
            "{file}: must read rule_files: [rules.yaml] (the rendered rules the test writes)"
        );
        std::fs::write(dir.path().join(file), &scenarios).unwrap();

        let out = run(
            cmd(&promtool)
                .current_dir(dir.path())
                .args(["test", "rules", file]),
            None,
        );
        promtool_ok(
            &format!("tests/data/promtool/{file} against the rules rendered for {stack}"),
            &out,
        );
        assert!(
            out.stdout.contains("SUCCESS"),
            "{file}: promtool printed no SUCCESS:\n{}{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
fn every_rendered_prometheus_rule_passes_promtool_check_rules() {
    let promtool = promtool();
    let configs = e2e::every_stack();
    assert!(configs.len() >= 10, "{}", configs.len());

    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, config) in &configs {
        let rules = prometheus_rules(name, config);
        assert!(!rules.is_empty(), "{name}: no PrometheusRule rendered");
        for (id, spec) in rules {
            let file = format!("{name}-{id}.yaml").replace('/', "-");
            write_rule_file(&dir.path().join(&file), &spec);
            files.push(file);
        }
    }
    let check = |lint: &str| {
        run(
            cmd(&promtool)
                .current_dir(dir.path())
                .args(["check", "rules", lint])
                .args(&files),
            None,
        )
    };
    let out = check("--lint=none");
    promtool_ok(
        "promtool check rules on every rendered PrometheusRule",
        &out,
    );
    // One SUCCESS line per file: promtool checked each.
    let checked = out.stdout.matches("SUCCESS").count();
    assert_eq!(checked, files.len(), "{}\n{}", out.stdout, out.stderr);

    // Its only lint (duplicate-rules: same alert name and labels) may report nothing but the
    // mixin's two-rule alerts (since the last run, and since startup), which are meant so.
    let out = check("--lint=all");
    promtool_ok("promtool check rules --lint=all", &out);
    let reported: Vec<&str> = out
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Metric: "))
        .collect();
    let meant = [
        "LokiCompactorHasNotSuccessfullyRunCompaction",
        "LokiRetentionHasNotSuccessfullyRun",
    ];
    assert!(
        reported.iter().all(|m| meant.contains(m)),
        "promtool reports duplicate rules:\n{}",
        out.stderr
    );
}
