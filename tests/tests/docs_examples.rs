//! Examples that cannot rot: every LokiStack example of the README and the book is
//! rendered by the release binary (or refused, naming the field, where its marker says
//! so), and every shown output with a marker is compared with the golden file or command
//! that produces it (docs/src/development/tests.md, "Examples in the docs"; the checker is
//! `e2e::doc_blocks`). The fixtures in tests/data/docs/ prove that a broken example is
//! caught.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::doc_blocks::{Report, book_files, check_files};
use e2e::root;

fn fixture(name: &str) -> Report {
    check_files(&[root().join("tests/data/docs").join(name)])
}

#[test]
fn every_example_and_output_in_the_docs_is_real() {
    let files = book_files();
    assert!(
        files.iter().any(|f| f.ends_with("README.md"))
            && files
                .iter()
                .any(|f| f.ends_with("docs/src/getting-started.md"))
            && !files.iter().any(|f| f.ends_with("SUMMARY.md")),
        "{files:?}"
    );
    let report = check_files(&files);
    eprintln!(
        "{} files: {} examples rendered, {} refused, {} outputs checked, {} includes",
        files.len(),
        report.rendered,
        report.refused,
        report.outputs,
        report.includes
    );
    assert!(
        report.failures.is_empty(),
        "{} problems in the docs' code blocks:\n\n{}",
        report.failures.len(),
        report.failures.join("\n\n")
    );
    // A floor, so that a parser that finds nothing cannot pass.
    assert!(
        report.rendered >= 12 && report.refused >= 3 && report.outputs >= 12,
        "{report:?}"
    );
}

#[test]
fn every_kind_of_marker_passes_on_good_blocks() {
    let report = fixture("good.md");
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(
        (
            report.rendered,
            report.refused,
            report.outputs,
            report.includes
        ),
        (3, 1, 4, 1),
        "{report:?}"
    );
}

#[test]
fn a_broken_example_or_output_is_caught_with_its_file_and_line() {
    let report = fixture("broken.md");
    let failures = report.failures.join("\n\n");
    eprintln!("{failures}");
    let expected = [
        // A marker with a blank line before its block.
        "tests/data/docs/broken.md:5: the marker `<!-- lokistack -->` is not on the line right before a code block",
        // A misspelt field.
        "tests/data/docs/broken.md:14: the example must render, but `loki-stack-fn render -f lokistack.yaml` exits 1:\n    loki-stack-fn: error: lokistack.yaml: spec.retention.perod: unknown field \"perod\"",
        // Refused, but for another field than the marker says.
        "tests/data/docs/broken.md:23: the example is refused, but not for spec.retention.period (no error `lokistack.yaml: spec.retention.period: ...`):\n    loki-stack-fn: error: lokistack.yaml: spec.mode: SingleBinary is not scalable",
        // A stale refusal message.
        "tests/data/docs/broken.md:44: the block is not the stderr of the example at line 32, which is:\n    loki-stack-fn: error: lokistack.yaml: spec.retention.period: \"12h\" is shorter than 24h",
        // An unmarked LokiStack excerpt, which must render as well.
        "tests/data/docs/broken.md:50: the example must render, but `loki-stack-fn render -f lokistack.yaml` exits 1:\n    loki-stack-fn: error: lokistack.yaml: spec.mode: SingleBinary is not scalable",
        // A stale excerpt of a golden file.
        "tests/data/docs/broken.md:59: the block is not in tests/golden/plan/overlays-local.txt (line 62 `  loki        StatefulSet  single-binary  1         100m     256Mi    2Gi        storage 10Gi` differs from tests/golden/plan/overlays-local.txt: the run that matches longest starts at its line 4 and goes on with its line 6 `  loki        StatefulSet  single-binary  1         100m     256Mi    1Gi        storage 10Gi`)",
        // A command that is not on the allow-list.
        "tests/data/docs/broken.md:68: output: command: `kubectl version` is not a command this test runs",
        // A stale excerpt of a command's output.
        "tests/data/docs/broken.md:73: the block is not what `loki-stack-fn --help` prints (line 74 `    loki-stack-fn render -f FILE       Plain YAML of the stack on stdout.` is nowhere in",
        // An example marker on a shell block, an include of a missing file.
        "tests/data/docs/broken.md:78: a LokiStack marker on a ```sh block",
        "tests/data/docs/broken.md:82: {{#include ../../golden/nothing-here.yaml}}: there is no file tests/golden/nothing-here.yaml",
        // A refusal block after an example that renders.
        "tests/data/docs/broken.md:96: output: refusal, but the example before it (line 89) is not marked refused",
    ];
    assert_eq!(report.failures.len(), expected.len(), "{failures}");
    for (got, want) in report.failures.iter().zip(expected) {
        assert!(got.starts_with(want), "want: {want}\n\ngot: {got}");
    }
}
