//! docs/src/reference/refusal-catalog.md, "Every refusal and its fix": generated from
//! tests/data/refusals.json (each case's config, group and fix) and what the real binary
//! prints for it. The test fails when the committed page differs from what it generates;
//! `UPDATE_GOLDEN=1` (`make golden`) writes it. The book's checker runs every example on the
//! page again (the `lokistack: refused` and `output: refusal` markers).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;

use e2e::{bin, cmd, root, run};
use serde_json::Value;

const PAGE: &str = "docs/src/reference/refusal-catalog.md";

/// The page's sections, in this order. A case's `group` must be one of them: a new group is
/// added here, so that a typo does not open a section of its own.
const GROUPS: &[&str] = &[
    "Retention and tenancy",
    "Topology",
    "Storage and credentials",
    "Exposure and authentication",
    "Collection and redaction",
    "Fluent Bit and Talos",
    "Delivery",
    "Grafana and monitoring",
    "HelmRelease output",
    "Fleets (profile agent)",
];

/// The annotation every case carries (the runners' file name), dropped on the page so that
/// the message names `lokistack.yaml`, the file the book's checker writes.
const PATH_ANNOTATION: &str = "    config.kubernetes.io/path: cloud/lokistack.yaml\n";

struct Case {
    name: String,
    config: String,
    field: String,
    message: String,
    group: String,
    fix: String,
}

fn cases() -> Vec<Case> {
    let path = root().join("tests/data/refusals.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    cases
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            Case {
                name: text("name"),
                config: text("config"),
                field: text("field"),
                message: text("message"),
                group: text("group"),
                fix: text("fix"),
            }
        })
        .collect()
}

/// The config as a user would write it: without the runners' path annotation (and without
/// `annotations:` when that was its only entry); every other line exactly as in the case.
fn page_config(case: &Case) -> String {
    assert!(
        case.config.contains(PATH_ANNOTATION),
        "{}: the config has no {PATH_ANNOTATION:?}",
        case.name
    );
    let config = case.config.replacen(PATH_ANNOTATION, "", 1);
    let bare = "  annotations:\n";
    match config.find(bare) {
        Some(at) if !config[at + bare.len()..].starts_with("    ") => config.replacen(bare, "", 1),
        _ => config,
    }
}

/// What `loki-stack-fn render -f lokistack.yaml` prints on stderr for `config`, run as the
/// book's checker runs it: the file in an empty directory, the command in that directory.
fn refusal(case: &Case, config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lokistack.yaml"), config).unwrap();
    let out = run(
        cmd(bin())
            .args(["render", "-f", "lokistack.yaml"])
            .current_dir(dir.path()),
        None,
    );
    let named = format!("loki-stack-fn: error: lokistack.yaml: {}: ", case.field);
    assert!(
        out.code == 1
            && out.stdout.is_empty()
            && out.stderr.contains(&named)
            && out.stderr.contains(&case.message),
        "{}: not refused with {named:?} and {:?}: exit {}\nstdout:\n{}\nstderr:\n{}",
        case.name,
        case.message,
        out.code,
        out.stdout,
        out.stderr
    );
    out.stderr
}

/// `text` as lines of at most 96 characters (the book's prose width), broken at spaces outside
/// code spans (a line break inside one would show as a space), each line ending in `\n`.
fn wrap(text: &str) -> String {
    const WIDTH: usize = 96;
    let mut out = String::new();
    let mut line = String::new();
    let mut in_code = false;
    for word in text.split(' ') {
        if line.is_empty() {
            line.push_str(word);
        } else if !in_code && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = word.to_owned();
        } else {
            line.push(' ');
            line.push_str(word);
        }
        if word.matches('`').count() % 2 == 1 {
            in_code = !in_code;
        }
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// mdBook's id of a heading.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

fn catalog(cases: &[Case]) -> String {
    let lost: Vec<&str> = cases
        .iter()
        .filter(|c| !GROUPS.contains(&c.group.as_str()))
        .map(|c| c.name.as_str())
        .collect();
    assert!(lost.is_empty(), "cases in no section of the page: {lost:?}");
    let mut page = String::from(
        "# Every refusal and its fix\n\n\
         <!-- Generated by tests/tests/refusal_catalog.rs from tests/data/refusals.json:\n     \
         edit that file, then run `make golden`. -->\n\n",
    );
    page.push_str(&wrap(
        "Every config below is refused by `loki-stack-fn`: exit code 1, nothing rendered, and one \
         error line naming the file and the field. Each entry shows the config (saved as \
         `lokistack.yaml`), the exact message of `loki-stack-fn render -f lokistack.yaml`, and how \
         to fix it. Under kustomize or kpt the same message comes back as an error result, with \
         the path of your file. The entries are the test suite's refusal cases \
         (`tests/data/refusals.json`), and the book's checks run every example on this page. \
         [Refusals](refusals.md) gives the overview.",
    ));
    page.push('\n');
    for group in GROUPS {
        let n = cases.iter().filter(|c| c.group == *group).count();
        writeln!(page, "- [{group}](#{}) ({n})", anchor(group)).unwrap();
    }
    for group in GROUPS {
        write!(page, "\n## {group}\n").unwrap();
        for case in cases.iter().filter(|c| c.group == *group) {
            let config = page_config(case);
            let stderr = refusal(case, &config);
            assert!(
                !config.contains("```") && !stderr.contains("```"),
                "{}: a fence inside a block",
                case.name
            );
            write!(
                page,
                "\n### {}\n\n<!-- lokistack: refused {} -->\n```yaml\n{config}```\n\n\
                 <!-- output: refusal -->\n```text\n{stderr}```\n\n{}",
                case.name,
                case.field,
                wrap(&format!("**How to fix:** {}", case.fix))
            )
            .unwrap();
        }
    }
    page
}

#[test]
fn every_refusal_case_has_a_group_and_a_fix() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut problems = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        if !names.insert(anchor(&case.name)) {
            problems.push(format!("{}: a second case with this name", case.name));
        }
        if !GROUPS.contains(&case.group.as_str()) {
            problems.push(format!(
                "{}: group {:?} is not one of {GROUPS:?} (a new group goes in GROUPS)",
                case.name, case.group
            ));
        }
        let fix = case.fix.trim();
        if fix.is_empty() || !fix.ends_with('.') || fix.contains('\n') {
            problems.push(format!(
                "{}: fix {:?} is not one or two sentences on one line",
                case.name, case.fix
            ));
        }
        if !case.config.ends_with('\n') {
            problems.push(format!(
                "{}: the config does not end with a newline",
                case.name
            ));
        }
    }
    for group in GROUPS {
        if !cases.iter().any(|c| c.group == *group) {
            problems.push(format!("group {group:?} has no case"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn golden_refusal_catalog() {
    let page = catalog(&cases());
    let path = root().join(PAGE);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == page,
        "{PAGE} differs from what tests/data/refusals.json and the binary give: run `make golden` and review the diff"
    );
}
