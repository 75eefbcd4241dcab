//! The JSON Schema (`loki-stack-fn schema`, schema/lokistack.schema.json): in step with
//! the code, valid for its meta-schema, accepting every config of the repository (through
//! their modelines) and every example of the docs that renders (check-jsonschema), and
//! agreeing with the function on generated and mutated configs (the `jsonschema` crate):
//!
//! * what the schema refuses, the function refuses (the schema is never stricter);
//! * what the schema accepts, the function renders, or refuses only for one of the
//!   reasons in `SEMANTIC`: rules a JSON Schema cannot say (across fields, Go RE2, the
//!   unbounded-label guard...). Any other refusal of a schema-valid config means a rule
//!   is missing from the schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use e2e::doc_blocks::{self, Expect};
use e2e::generate::{self, Entropy, mutate};
use e2e::{cmd, root, run, run_fn, stack_dir, tool};
use loki_stack_fn::diagnostic::{Diagnostic, Diagnostics};
use loki_stack_fn::{PlainTarget, render_plain};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::Value;

fn schema_path() -> PathBuf {
    root().join(loki_stack_fn::spec::schema::PATH)
}

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema())
        .unwrap()
}

#[test]
fn the_committed_schema_is_what_the_code_generates() {
    let committed = std::fs::read_to_string(schema_path()).unwrap();
    assert!(
        committed == loki_stack_fn::spec::schema::to_pretty_string(),
        "{} is stale: run `make schema` and commit it",
        schema_path().display()
    );
    let printed = run_fn(&["schema"], None).ok();
    assert!(
        printed.stdout == committed,
        "`loki-stack-fn schema` differs"
    );
    assert!(committed.ends_with("}\n"));
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["properties"]["kind"]["const"], "LokiStack");
}

/// Every config of the repository: (file, its text).
fn repository_configs() -> Vec<PathBuf> {
    let mut files = vec![stack_dir().join("base/config/lokistack.yaml")];
    files.extend(
        e2e::overlays()
            .iter()
            .map(|o| stack_dir().join(format!("overlays/{o}/config/lokistack.yaml"))),
    );
    let mut stacks: Vec<PathBuf> = std::fs::read_dir(root().join("tests/stacks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    stacks.sort();
    files.extend(stacks);
    files
}

/// The LokiStack examples of the README and the book that must render, as files named
/// after their block (`e2e::doc_blocks`: whole documents, and `spec:` excerpts made whole).
/// The refused ones are the function's business: the schema may accept them (a rule across
/// fields) or not.
fn doc_examples(dir: &Path) -> Vec<PathBuf> {
    let parsed = doc_blocks::parse_files(&doc_blocks::book_files());
    let (examples, _) = doc_blocks::examples(&parsed.blocks);
    let files: Vec<PathBuf> = examples
        .iter()
        .filter(|e| e.expect == Expect::Renders)
        .map(|e| {
            let name = format!("{}-{}.yaml", e.block.file.replace('/', "_"), e.block.line);
            let path = dir.join(name);
            std::fs::write(&path, &e.document).unwrap();
            path
        })
        .collect();
    assert!(files.len() >= 10, "the docs' examples not found: {files:?}");
    files
}

#[test]
fn every_config_and_example_carries_the_modeline_and_validates() {
    let schema = schema_path();
    let files = repository_configs();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let rel = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: no yaml-language-server modeline", f.display()));
        let target = f.parent().unwrap().join(rel).canonicalize().unwrap();
        assert_eq!(target, schema.canonicalize().unwrap(), "{}", f.display());
    }
    let dir = tempfile::tempdir().unwrap();
    let examples = doc_examples(dir.path());
    let check = tool("check-jsonschema");
    let out = run(cmd(&check).arg("--check-metaschema").arg(&schema), None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = run(
        cmd(&check)
            .arg("--schemafile")
            .arg(&schema)
            .args(&files)
            .args(&examples),
        None,
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("ok -- validation done"),
        "{}",
        out.stdout
    );
    // The same validator refuses a misspelt field and a quantity with the wrong unit.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        e2e::lokistack("  retention: {perod: 72h}\n  storage: {filesystem: {size: 10GB}}\n"),
    )
    .unwrap();
    let out = run(cmd(&check).arg("--schemafile").arg(&schema).arg(&bad), None);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("'perod' was unexpected"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("'10GB' does not match"),
        "{}",
        out.stdout
    );
}

const REQUIRED: &str = "every field is optional in the schema: the overlays' configs are \
                        partial documents (strategic-merge patches) and validate against it too";
const ACROSS: &str = "a rule across fields, or about a field's value and another's";
const VALUE: &str = "a rule about a value that a pattern cannot say";

/// Refusals of schema-valid configs that are fine: what a JSON Schema cannot say (README,
/// "Refusals"). `(message fragment, why the schema cannot say it)`.
const SEMANTIC: &[(&str, &str)] = &[
    // Required fields, or fields another field's value requires.
    ("required: ", REQUIRED),
    ("required with ", REQUIRED),
    ("required for AWS S3", REQUIRED),
    ("set datasourceUid (a query in another datasource", REQUIRED),
    // Rules across fields.
    ("do not apply", ACROSS),
    ("does not apply to", ACROSS),
    ("only applies", ACROSS),
    ("is off", ACROSS),
    ("must be empty when the operator is Exists", ACROSS),
    ("nothing is exposed", ACROSS),
    ("but spec.exposure needs the gateway", ACROSS),
    ("but spec.gateway.auth is set", ACROSS),
    ("lets anyone read every log", ACROSS),
    ("filesystem storage needs no credentials", ACROSS),
    ("both serviceAccountAnnotations and secretRef", ACROSS),
    ("set either env or file, not both", ACROSS),
    ("storage backends at once", ACROSS),
    ("needs object storage", ACROSS),
    ("no storage backend", ACROSS),
    ("is not scalable", ACROSS),
    ("is not part of this stack", ACROSS),
    ("sizes a SingleBinary Loki", ACROSS),
    ("keeps nothing on disk", ACROSS),
    ("runs exactly one replica", ACROSS),
    ("SingleBinary has one ingester", ACROSS),
    ("copies need at least", ACROSS),
    ("copies over", ACROSS),
    ("zone-aware ingesters need mode Distributed", ACROSS),
    ("zones but only", ACROSS),
    ("is larger than the limit", ACROSS),
    ("the burst must be at least the rate", ACROSS),
    ("does not come after the previous period", ACROSS),
    ("the gateway makes the user the tenant", ACROSS),
    ("collected with no redaction rule", ACROSS),
    ("is already a label", ACROSS),
    ("must name at least one namespace", ACROSS),
    ("Loki expands environment variables in its config", ACROSS),
    ("set spec.collector.kind: FluentBit to receive them", ACROSS),
    ("has no line limit", ACROSS),
    ("Promtail has no disk buffer", ACROSS),
    // Uniqueness by a key of list items (uniqueItems compares whole items).
    ("is listed twice", ACROSS),
    ("is used twice", ACROSS),
    // Values: Go RE2 and what Promtail and Grafana do with them, durations' and sizes'
    // amounts, the cardinality guard, the host paths that do not survive a reboot.
    ("is not a Go RE2 regex", VALUE),
    ("has no capture group", VALUE),
    ("must not be empty", VALUE),
    ("disables retention", VALUE),
    ("is shorter than 24h", VALUE),
    ("must be longer than 0s", VALUE),
    ("between 1ms and 1m", VALUE),
    ("is too small for Loki's WAL", VALUE),
    ("is outside 5m to 24h", VALUE),
    ("is not a whole number of bytes of at least 64Mi", VALUE),
    ("looks unbounded", VALUE),
    ("does not survive a reboot", VALUE),
    ("is inside /var/log", VALUE),
    ("at most 64 printable characters", VALUE),
    ("inline credentials are refused", VALUE),
    ("Fluent Bit cannot apply it exactly", VALUE),
    (
        "which Fluent Bit replaces with an environment variable",
        VALUE,
    ),
    // Profile agent: what configures a Loki is the central stack's, spec.remote the
    // agent's; http:// only to a Service of the cluster (spec.clusterDomain's).
    ("profile agent runs no Loki", ACROSS),
    ("only for profile agent", ACROSS),
    ("basic and bearerToken at once", ACROSS),
    (
        "empty: set basic.secretRef or bearerToken.secretRef",
        REQUIRED,
    ),
    ("a CA only means something with https://", ACROSS),
    ("differs from spec.remote.cluster", ACROSS),
    ("plain http:// to a host outside the cluster", ACROSS),
    ("the host is not a DNS name or an IP address", VALUE),
    ("the path has empty, '.' or '..' segments", VALUE),
    ("unclosed '[' in the host", VALUE),
    (": no host", VALUE),
    ("1 to 65535", VALUE),
    // spec.output HelmRelease: what the upstream chart cannot express depends on
    // another field's value (docs/src/gitops/helm-release.md).
    ("with spec.output HelmRelease", ACROSS),
];

fn explained(d: &Diagnostic) -> bool {
    SEMANTIC
        .iter()
        .any(|(fragment, _)| d.message.contains(fragment))
}

fn function(config: &Value) -> Result<(), Vec<Diagnostic>> {
    render_plain(&config.to_string(), None, PlainTarget::Apply)
        .map(|_| ())
        .map_err(|Diagnostics(ds)| ds)
}

/// Checks one config both ways; the problem, if any.
fn agree(validator: &jsonschema::Validator, config: &Value) -> Option<String> {
    let schema_errors: Vec<String> = validator
        .iter_errors(config)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    match (schema_errors.is_empty(), function(config)) {
        (false, Ok(())) => Some(format!(
            "the schema refuses what the function renders: {schema_errors:?}"
        )),
        (true, Err(ds)) if !ds.iter().all(explained) => Some(format!(
            "the schema accepts what the function refuses: {:?}",
            ds.iter()
                .filter(|d| !explained(d))
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        )),
        _ => None,
    }
}

fn runner(cases: u32) -> TestRunner {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x005c_4e3a);
    }
    TestRunner::new(config)
}

#[test]
fn the_schema_and_the_function_agree_on_generated_and_mutated_configs() {
    let validator = validator();
    let mut runner = runner(400);
    let cases = runner.config().cases;
    let choices = prop::collection::vec(any::<u8>(), 0..600);
    let mut problems = Vec::new();
    let (mut valid, mut refused) = (0, 0);
    for _ in 0..cases {
        let bytes = choices.new_tree(&mut runner).unwrap().current();
        let mut e = Entropy::new(&bytes);
        let config = generate::config(&mut e);
        assert!(
            validator.is_valid(&config),
            "the schema refuses a generated config: {config}"
        );
        for _ in 0..5 {
            let mutated = mutate::mutate(&config, &mut e);
            if validator.is_valid(&mutated) {
                valid += 1;
            }
            if function(&mutated).is_err() {
                refused += 1;
            }
            if let Some(p) = agree(&validator, &mutated) {
                problems.push(format!("{p}\n  in {mutated}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Both sides of the comparison are exercised.
    assert!(
        valid > 100 && refused > 100,
        "valid {valid}, refused {refused}"
    );
}

/// Numbers at the edges of the fields' ranges.
const NUMBERS: &[f64] = &[
    -1.0,
    0.0,
    0.5,
    1.0,
    1.5,
    2.0,
    3.0,
    26.0,
    63.0,
    64.0,
    100.0,
    101.0,
    1000.0,
    1001.0,
    65_536.0,
    65_537.0,
    4_294_967_295.0,
    4_294_967_296.0,
    1e20,
];

/// JSON pointers of every string (and number) value, and of every key of a free-form map.
fn leaves(v: &Value, at: String, out: &mut Vec<(String, bool)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                leaves(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                leaves(child, format!("{at}/{i}"), out);
            }
        }
        Value::String(_) => out.push((at, true)),
        Value::Number(_) => out.push((at, false)),
        _ => {}
    }
}

/// Every edge string at every string field, every edge number at every number field, of
/// the fixture stacks and of the generated configs with the most fields: the schema and
/// the function (its whole check, without the render) agree on each.
#[test]
fn every_edge_value_at_every_field() {
    let validator = validator();
    let mut configs: Vec<Value> = e2e::fixture_stacks()
        .iter()
        .map(|(_, text)| e2e::doc(text))
        .collect();
    let mut runner = runner(0);
    let choices = prop::collection::vec(any::<u8>(), 300..600);
    let mut generated: Vec<(usize, Value)> = (0..300)
        .map(|_| {
            let bytes = choices.new_tree(&mut runner).unwrap().current();
            let c = generate::config(&mut Entropy::new(&bytes));
            let mut l = Vec::new();
            leaves(&c, String::new(), &mut l);
            (l.len(), c)
        })
        .collect();
    generated.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    configs.extend(generated.into_iter().take(6).map(|(_, c)| c));
    // Smaller documents first: a field is tried where it first occurs, and the function's
    // check (debug build) takes time with the size of the document.
    configs.sort_by_key(|c| c.to_string().len());
    let accepts = |v: &Value| match loki_stack_fn::spec::parse(v) {
        Ok(_) => Ok(()),
        Err(ds) => Err(ds),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    // Each field once (its first occurrence): `/0/`, `/1/`... of a list are one field.
    let mut fields = std::collections::BTreeSet::new();
    for config in &configs {
        assert!(
            validator.is_valid(config) && accepts(config).is_ok(),
            "{config}"
        );
        let mut paths = Vec::new();
        leaves(config, String::new(), &mut paths);
        for (path, is_string) in paths {
            let field: Vec<&str> = path
                .split('/')
                .map(|seg| {
                    if seg.parse::<usize>().is_ok() {
                        "[]"
                    } else {
                        seg
                    }
                })
                .collect();
            if !fields.insert(field.join("/")) {
                continue;
            }
            let values: Vec<Value> = if is_string {
                mutate::STRINGS.iter().map(|s| Value::from(*s)).collect()
            } else {
                NUMBERS.iter().map(|n| serde_json::json!(n)).collect()
            };
            for new in values {
                let mut v = config.clone();
                *v.pointer_mut(&path).unwrap() = new.clone();
                checked += 1;
                let schema_ok = validator.is_valid(&v);
                match (schema_ok, accepts(&v)) {
                    (false, Ok(())) => problems.push(format!(
                        "{path} = {new}: the schema refuses it, the function accepts it"
                    )),
                    (true, Err(ds)) if !ds.iter().all(explained) => problems.push(format!(
                        "{path} = {new}: the schema accepts it, the function refuses it: {}",
                        ds.iter()
                            .filter(|d| !explained(d))
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    )),
                    _ => {}
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(checked > 10_000, "only {checked} values checked");
}

/// The refusal suite (tests/data/refusals.json): a case the schema accepts is refused
/// for a reason it cannot say; the others the schema refuses too, so an editor shows them.
#[test]
fn the_refusal_suite_is_semantic_where_the_schema_accepts_it() {
    let validator = validator();
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/refusals.json")).unwrap(),
    )
    .unwrap();
    let (mut by_schema, mut semantic) = (0, 0);
    for case in &cases {
        let config = e2e::doc(case["config"].as_str().unwrap());
        let errors = function(&config).expect_err(case["name"].as_str().unwrap());
        if validator.is_valid(&config) {
            semantic += 1;
            let unexplained: Vec<String> = errors
                .iter()
                .filter(|d| !explained(d))
                .map(ToString::to_string)
                .collect();
            assert!(unexplained.is_empty(), "{}: {unexplained:?}", case["name"]);
        } else {
            by_schema += 1;
        }
    }
    assert!(by_schema > 0 && semantic > 0, "{by_schema} {semantic}");
}
