//! The book (docs/, mdBook), built by tools/build-book.sh with the pinned mdBook into a
//! temporary directory (the build fails on any mdBook warning): every internal link and
//! anchor of every page resolves (so a `foo.md#bar` link in the sources whose page or
//! heading is gone fails too: mdBook turns it into `foo.html#bar`), every chapter of
//! SUMMARY.md is built and every page under docs/src is in SUMMARY.md, no `{{#include}}` is
//! left, README.md's links and anchors resolve by GitHub's rules, and Mermaid draws the
//! introduction's diagram in headless Chromium (tools/book_browser_test.py). The checkers
//! are shown to catch a planted broken link and anchor on small fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use e2e::links::html::check_site;
use e2e::links::markdown::{check_markdown, files, md_links};
use e2e::{Output, root, run};

/// Runs tools/build-book.sh on BOOK, writing DEST.
fn build_book(book: &Path, dest: &Path) -> Output {
    run(
        Command::new(root().join("tools/build-book.sh"))
            .arg(book)
            .arg(dest),
        None,
    )
}

/// The repository's book, built into a temporary directory.
fn built_book() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    build_book(&root().join("docs"), out.path()).ok();
    out
}

/// The chapter files SUMMARY.md lists (relative to docs/src), draft chapters left out.
fn summary_chapters(src: &Path) -> Vec<String> {
    md_links(&fs::read_to_string(src.join("SUMMARY.md")).unwrap())
        .into_iter()
        .map(|(_, target)| target)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Where mdBook writes a chapter: `x.md` -> `x.html` (README.md too: docs/book.toml turns
/// mdBook's `index` preprocessor off).
fn html_of(chapter: &str) -> String {
    format!("{}.html", chapter.trim_end_matches(".md"))
}

// --- Tests ----------------------------------------------------------------------------------

#[test]
fn every_internal_link_and_anchor_of_the_book_resolves() {
    let book = built_book();
    let pages = files(book.path(), "html");
    assert!(pages.len() > 40, "only {} pages built", pages.len());
    let check = check_site(book.path());
    assert!(
        check.errors.is_empty(),
        "{} broken links in the built book:\n{}",
        check.errors.len(),
        check.errors.join("\n")
    );
    // Each page links to its neighbours, its resources and its own headings.
    assert!(
        check.links > 1000 && check.fragments > 150,
        "only {} internal links, {} with a #fragment, were checked",
        check.links,
        check.fragments
    );
    eprintln!(
        "{} internal links checked, {} with a #fragment",
        check.links, check.fragments
    );
}

#[test]
fn every_chapter_of_summary_is_built_and_no_page_is_left_out() {
    let book = built_book();
    let src = root().join("docs/src");
    let chapters = summary_chapters(&src);
    let listed: BTreeSet<&str> = chapters.iter().map(String::as_str).collect();
    assert!(
        listed.len() > 40,
        "SUMMARY.md lists {} chapters",
        listed.len()
    );
    for chapter in &chapters {
        let html = book.path().join(html_of(chapter));
        assert!(
            html.is_file(),
            "{chapter} is in SUMMARY.md but {} was not built",
            html.display()
        );
        let page = fs::read_to_string(&html).unwrap();
        assert!(
            page.contains("<main>") && page.contains("<h1"),
            "{} has no heading",
            html.display()
        );
    }
    let orphans: Vec<String> = files(&src, "md")
        .into_iter()
        .map(|f| f.strip_prefix(&src).unwrap().to_string_lossy().into_owned())
        .filter(|f| f != "SUMMARY.md" && !listed.contains(f.as_str()))
        .collect();
    assert!(
        orphans.is_empty(),
        "pages under docs/src that SUMMARY.md does not list (mdBook would not build them): {orphans:?}"
    );
}

#[test]
fn no_mdbook_directive_is_left_in_the_book() {
    let book = built_book();
    let mut left = Vec::new();
    for file in files(book.path(), "html")
        .into_iter()
        .chain(files(book.path(), "js"))
    {
        let text = fs::read_to_string(&file).unwrap();
        for directive in [
            "{{#include",
            "{{#rustdoc_include",
            "{{#playground",
            "{{#title",
        ] {
            if text.contains(directive) {
                left.push(format!("{}: {directive}", file.display()));
            }
        }
    }
    assert!(
        left.is_empty(),
        "mdBook directives left unexpanded:\n{}",
        left.join("\n")
    );
    let intro = fs::read_to_string(book.path().join("introduction.html")).unwrap();
    assert!(
        intro.contains("<code class=\"language-mermaid\">flowchart LR"),
        "the introduction's diagram is not the included graph"
    );
}

#[test]
fn the_readme_links_and_anchors_resolve() {
    let readme = root().join("README.md");
    let links = md_links(&fs::read_to_string(&readme).unwrap());
    assert!(
        links
            .iter()
            .filter(|(_, l)| l.starts_with("docs/src/"))
            .count()
            > 30,
        "README.md links into the book: {links:?}"
    );
    let errors = check_markdown(&readme);
    assert!(
        errors.is_empty(),
        "broken links in README.md:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_book_sources_relative_links_resolve() {
    // The HTML check above covers these (mdBook writes `x.md#a` as `x.html#a`); this one
    // names the source file and line, and follows GitHub's anchors, where the book is read too.
    let mut errors = Vec::new();
    for file in files(&root().join("docs/src"), "md") {
        errors.extend(check_markdown(&file));
    }
    assert!(
        errors.is_empty(),
        "broken links in docs/src:\n{}",
        errors.join("\n")
    );
}

#[test]
fn mermaid_draws_the_introduction_diagram_in_chromium() {
    let book = built_book();
    let python = root().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run make tools",
        python.display()
    );
    let out = run(
        Command::new(python)
            .arg(root().join("tools/book_browser_test.py"))
            .arg(book.path()),
        None,
    );
    assert_eq!(
        out.code, 0,
        "the book in Chromium:\n{}\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("ok   light: it is a flowchart"),
        "{}",
        out.stdout
    );
}

// --- The checkers themselves --------------------------------------------------------------

/// A small book: a chapter with good links, one to a missing page, one to a heading that is
/// not there, and one to a missing heading of its own page.
fn fixture_book(dir: &Path, chapter_one: &str) {
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::copy(root().join("docs/book.toml"), dir.join("book.toml")).unwrap();
    fs::copy(
        root().join("docs/mermaid-init.js"),
        dir.join("mermaid-init.js"),
    )
    .unwrap();
    fs::write(
        src.join("SUMMARY.md"),
        "# Summary\n\n- [One](one.md)\n- [Two](two.md)\n",
    )
    .unwrap();
    fs::write(src.join("one.md"), chapter_one).unwrap();
    fs::write(src.join("two.md"), "# Two\n\n## A heading\n\nText.\n").unwrap();
}

#[test]
fn the_link_checker_catches_a_broken_link_and_a_broken_anchor() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    let site = tmp.path().join("site");
    fixture_book(
        &book,
        "# One\n\n## Here\n\nGood: [two](two.md), [its heading](two.md#a-heading), [here](#here).\n\n\
         Broken: [gone](gone.md), [no heading](two.md#no-such-heading), [not here](#nowhere).\n",
    );
    build_book(&book, &site).ok();
    let errors = check_site(&site).errors;
    eprintln!("caught in the fixture book:\n{}", errors.join("\n"));
    for expected in [
        "one.html: gone.html: no file gone.html",
        "one.html: two.html#no-such-heading: no id \"no-such-heading\" in two.html",
        "one.html: #nowhere: no id \"nowhere\" in one.html",
        // The same chapter as the book's front page and in the print page.
        "index.html: gone.html: no file gone.html",
        "print.html: #no-such-heading: no id \"no-such-heading\" in print.html",
    ] {
        assert!(
            errors.iter().any(|e| e == expected),
            "not caught: {expected}\ncaught: {errors:#?}"
        );
    }
    let planted = ["gone.html", "#no-such-heading", "#nowhere"];
    assert!(
        errors.iter().all(|e| planted.iter().any(|p| e.contains(p))),
        "more than the planted errors: {errors:#?}"
    );

    let md = check_markdown(&book.join("src/one.md"));
    eprintln!("caught in its source:\n{}", md.join("\n"));
    assert_eq!(md.len(), 3, "{md:#?}");
    assert!(
        md[0].ends_with("one.md:7: gone.md: no such file"),
        "{md:#?}"
    );
    assert!(
        md[1].contains(
            "one.md:7: two.md#no-such-heading: no heading with anchor \"no-such-heading\""
        ),
        "{md:#?}"
    );
    assert!(md[2].contains("one.md:7: #nowhere: no heading"), "{md:#?}");
}

#[test]
fn the_readme_checker_follows_github_anchors() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    fs::create_dir_all(&docs).unwrap();
    fs::write(
        docs.join("page.md"),
        "# Querying (LogQL)\n\n## `make plan`: what changes\n\n## Repeat\n\n## Repeat\n\n\
         ```sh\n# not a heading\n```\n\n<a id=\"custom\"></a>\n",
    )
    .unwrap();
    let readme = tmp.path().join("README.md");
    fs::write(
        &readme,
        "See [q](docs/page.md#querying-logql), [plan](docs/page.md#make-plan-what-changes),\n\
         [second](docs/page.md#repeat-1), [custom](docs/page.md#custom), [site](https://example.com/x#y).\n\
         `[in code](docs/nothing.md)`\n\n```md\n[in a fence](docs/nothing.md)\n```\n\n\
         Broken: [missing](docs/missing.md) and [bad anchor](docs/page.md#not-a-heading),\n\
         [a numbered one](docs/page.md#not-a-heading-1).\n",
    )
    .unwrap();
    let errors = check_markdown(&readme);
    eprintln!("caught in the fixture README:\n{}", errors.join("\n"));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].ends_with("README.md:9: docs/missing.md: no such file"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("README.md:9: docs/page.md#not-a-heading: no heading with anchor"),
        "{errors:#?}"
    );
    assert!(
        errors[2].contains("README.md:10: docs/page.md#not-a-heading-1: no heading"),
        "{errors:#?}"
    );
}

#[test]
fn the_book_build_fails_on_an_mdbook_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    fixture_book(&book, "# One\n\n```text\n{{#include missing.txt}}\n```\n");
    let out = build_book(&book, &tmp.path().join("site"));
    assert_ne!(
        out.code, 0,
        "built despite a missing include:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("missing.txt") && out.stderr.contains("mdBook failed or warned"),
        "{}",
        out.stderr
    );
    fixture_book(&book, "# One\n\nFine.\n");
    build_book(&book, &tmp.path().join("site")).ok();
}
