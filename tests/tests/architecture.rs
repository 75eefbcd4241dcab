//! The house rule of fn/ (docs/architecture.md): no import circle between its modules.
//!
//! The graph is read by `e2e::modgraph`, whose docs say its granularity: a node is a file
//! module (`a/b.rs`, or `a/b/mod.rs` for `a::b`), an edge any path naming another's item
//! (`use crate::..`, `crate::a::f()`, `super::..` resolved); a child using its parent's
//! items is an edge.
//!
//! Why a test that reads the sources rather than cargo-modules: CI needs no extra pinned
//! tool (nor a nightly rustc it may want), and the check runs in milliseconds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use e2e::modgraph::circles;

/// The circles not yet broken (issue 18), each its modules separated by spaces: a circle
/// found must lie inside one of these, and each of these must still be found (remove it
/// once it is broken). Empty is the goal.
const KNOWN: &[&str] = &[];

/// [`KNOWN`] of the binary (main.rs and its modules: what the subcommands share is in
/// cli_io.rs, below them).
const KNOWN_BIN: &[&str] = &[];

/// The circles of the crate at `root` not allowed by `known`, and the stale `known` ones.
fn offences(root: &Path, known: &[&str]) -> String {
    let known: Vec<Vec<&str>> = known.iter().map(|k| k.split(' ').collect()).collect();
    let (found, nodes, edges) = circles(root);
    // The reader must see the crate, not an empty graph that has no circle either.
    assert!(
        nodes > 2 && edges > 2,
        "only {nodes} modules and {edges} edges read"
    );
    let inside = |knot: &[String], k: &[&str]| knot.iter().all(|m| k.contains(&m.as_str()));
    let mut report = String::new();
    for (knot, text) in &found {
        if !known.iter().any(|k| inside(knot, k)) {
            report.push_str(text);
        }
    }
    for k in &known {
        if !found
            .iter()
            .any(|(knot, _)| inside(knot, k) && knot.len() > 1)
        {
            writeln!(
                report,
                "no longer a circle, remove it from KNOWN: {}",
                k.join(", ")
            )
            .unwrap();
        }
    }
    report
}

fn src() -> PathBuf {
    e2e::root().join("fn/src")
}

#[test]
fn the_library_has_no_import_circle() {
    let report = offences(&src().join("lib.rs"), KNOWN);
    assert!(
        report.is_empty(),
        "import circles between the modules of fn/ (docs/architecture.md):\n{report}"
    );
}

#[test]
fn the_binary_has_no_import_circle() {
    let report = offences(&src().join("main.rs"), KNOWN_BIN);
    assert!(
        report.is_empty(),
        "import circles between the modules of the binary:\n{report}"
    );
}

/// The check finds what it is for: a circle through a parent and its child, through a
/// `use` group, and a path through a child module; and not test modules' `super::*`.
#[test]
fn a_planted_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write(
        "a/mod.rs",
        "//! a\npub mod x;\npub fn f() { x::g(); }\n#[cfg(test)]\nmod tests { use super::*; }\n",
    );
    write(
        "a/x.rs",
        "use super::{f as _, *};\npub fn g() { let _ = \"crate::b::h\"; }\n",
    );
    write("b.rs", "use crate::{c::{self, K}};\npub fn h() {}\n");
    write(
        "c.rs",
        "pub const K: u8 = 0;\npub fn k() { crate::b::h() }\n",
    );
    let (found, nodes, _) = circles(&dir.path().join("lib.rs"));
    assert_eq!(nodes, 5);
    let report: String = found.into_iter().map(|(_, text)| text).collect();
    assert_eq!(
        report,
        "circle through 2 modules: a, a::x\n  a -> a::x  (a/mod.rs:3 `x::g`)\n  a::x -> a  (a/x.rs:1 `super::f`)\n\
         circle through 2 modules: b, c\n  b -> c  (b.rs:1 `crate::c`)\n  c -> b  (c.rs:2 `crate::b::h`)\n"
    );
}
