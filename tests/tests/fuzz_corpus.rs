//! Replays the committed fuzz corpus (fuzz/corpus/<target>/: the inputs libFuzzer kept
//! for the code edges they reach, minimized) and every input that ever crashed a target
//! (fuzz/regressions/<target>/) through the fuzz targets' checks (tests/src/fuzz.rs), on
//! stable Rust: no panic, every refusal a well-formed error. `make fuzz` runs the
//! fuzzer itself (nightly).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

/// The files of `fuzz/<kind>/<target>/` (none if it does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = e2e::root().join("fuzz").join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let mut files = inputs("corpus", target);
    assert!(
        files.len() >= 10,
        "fuzz/corpus/{target}: only {} inputs",
        files.len()
    );
    files.extend(inputs("regressions", target));
    let failed: Vec<String> = files
        .iter()
        .filter(|f| {
            let data = std::fs::read(f).unwrap();
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} inputs fail: {failed:#?}",
        failed.len(),
        files.len()
    );
}

#[test]
fn resource_list_corpus() {
    replay("resource_list", e2e::fuzz::resource_list);
}

#[test]
fn config_corpus() {
    replay("config", e2e::fuzz::config);
}

#[test]
fn structured_corpus() {
    replay("structured", e2e::fuzz::structured);
}
