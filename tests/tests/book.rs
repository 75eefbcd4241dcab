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

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

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

// --- HTML: the ids of a page and the targets of its links ---------------------------------

#[derive(Debug, Default)]
struct Html {
    ids: BTreeSet<String>,
    /// `href` and `src` values, entity-decoded.
    links: Vec<String>,
    /// `<base href>`, if any.
    base: Option<String>,
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The attributes of a start tag's inside (`a href="x" id=y`): its name and its attributes.
fn tag_attributes(tag: &str) -> (String, Vec<(String, String)>) {
    let name_end = tag
        .find(|c: char| c.is_ascii_whitespace() || c == '/')
        .unwrap_or(tag.len());
    let name = tag[..name_end].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut rest = &tag[name_end..];
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            break;
        }
        let key_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            let (v, after) = match r.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = r[1..].find(q).map_or(r.len(), |e| e + 1);
                    (&r[1..end], r.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = r.find(|c: char| c.is_ascii_whitespace()).unwrap_or(r.len());
                    (&r[..end], &r[end..])
                }
            };
            value = decode_entities(v);
            rest = after;
        }
        attrs.push((key, value));
    }
    (name, attrs)
}

/// Scans HTML as mdBook writes it: start tags and their attributes; comments and the
/// insides of `<script>` and `<style>` are skipped.
fn scan_html(html: &str) -> Html {
    let mut page = Html::default();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map_or("", |e| &r[e + 3..]);
            continue;
        }
        // The end of the tag: the first `>` outside quotes.
        let mut quote = None;
        let end = rest
            .char_indices()
            .find(|&(_, c)| match quote {
                Some(q) if c == q => {
                    quote = None;
                    false
                }
                Some(_) => false,
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    false
                }
                None => c == '>',
            })
            .map_or(rest.len(), |(i, _)| i);
        let inside = &rest[1..end.max(1)];
        rest = rest.get(end + 1..).unwrap_or("");
        if inside.starts_with('/') || inside.starts_with('!') || inside.starts_with('?') {
            continue;
        }
        let (name, attrs) = tag_attributes(inside);
        for (key, value) in attrs {
            match key.as_str() {
                "id" => {
                    page.ids.insert(value);
                }
                "name" if name == "a" => {
                    page.ids.insert(value);
                }
                "href" if name == "base" => page.base = Some(value),
                "href" | "src" => page.links.push(value),
                _ => {}
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = rest.find(&close).map_or("", |e| &rest[e..]);
        }
    }
    page
}

/// `a/./b/../c` -> `a/c`; None when it climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => out = PathBuf::new(),
        }
    }
    Some(out)
}

fn is_external(link: &str) -> bool {
    ["http://", "https://", "mailto:", "//"]
        .iter()
        .any(|p| link.starts_with(p))
}

/// What `check_site` found: every broken internal link of a built HTML site, a relative
/// `href`/`src` to a file that is not there or a `#fragment` that is no `id` of its target page
/// (`page: link: why`); and how many internal links and fragments it checked.
#[derive(Debug, Default)]
struct SiteCheck {
    errors: Vec<String>,
    links: usize,
    fragments: usize,
}

fn check_site(site: &Path) -> SiteCheck {
    let pages: BTreeMap<PathBuf, Html> = files(site, "html")
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(site).unwrap().to_path_buf();
            (rel, scan_html(&fs::read_to_string(&f).unwrap()))
        })
        .collect();
    let mut check = SiteCheck::default();
    let errors = &mut check.errors;
    for (page_path, page) in &pages {
        for link in &page.links {
            if is_external(link) || link.starts_with("data:") {
                continue;
            }
            check.links += 1;
            let mut error =
                |why: String| errors.push(format!("{}: {link}: {why}", page_path.display()));
            let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
            let path = path.split('?').next().unwrap_or_default();
            let target = if path.is_empty() {
                Some(page_path.clone())
            } else {
                let path = percent_decode(path);
                let from = match (&page.base, path.starts_with('/')) {
                    (_, true) => PathBuf::new(),
                    // The 404 page's `<base href="/">`: the site is served from its root.
                    (Some(base), false) => PathBuf::from(base.trim_start_matches('/')),
                    (None, false) => page_path.parent().unwrap().to_path_buf(),
                };
                normalize(&from.join(path.trim_start_matches('/')))
            };
            let Some(mut target) = target else {
                error("leaves the site".into());
                continue;
            };
            if site.join(&target).is_dir() {
                target.push("index.html");
            }
            if !site.join(&target).is_file() {
                error(format!("no file {}", target.display()));
                continue;
            }
            if fragment.is_empty() {
                continue;
            }
            check.fragments += 1;
            let fragment = percent_decode(fragment);
            match pages.get(&target) {
                Some(t) if t.ids.contains(&fragment) => {}
                Some(_) => error(format!("no id \"{fragment}\" in {}", target.display())),
                None => error(format!("#{fragment} into {}, not a page", target.display())),
            }
        }
    }
    check
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}

// --- Markdown: links and GitHub's heading anchors -----------------------------------------

/// The lines of a Markdown file outside fenced code blocks, with their numbers.
fn prose_lines(md: &str) -> Vec<(usize, String)> {
    let mut fence: Option<String> = None;
    let mut out = Vec::new();
    for (i, line) in md.lines().enumerate() {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3 && marker.chars().all(|c| c == marker.chars().next().unwrap()) {
            match &fence {
                None => fence = Some(marker),
                Some(f) if marker.starts_with(f.as_str()) && t.trim() == marker => fence = None,
                Some(_) => {}
            }
            continue;
        }
        if fence.is_none() {
            out.push((i + 1, line.to_owned()));
        }
    }
    out
}

fn blank_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
        } else {
            out.push(if in_code { ' ' } else { c });
        }
    }
    out
}

/// Link targets of a Markdown file (inline `[t](target)`, `![t](target)` and reference
/// definitions `[t]: target`), with line numbers.
fn md_links(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(md) {
        let line = blank_code_spans(&line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let r = &rest[i + 2..];
            let end = r.find(')').unwrap_or(r.len());
            let target = r[..end].trim();
            let target = target.split_once(' ').map_or(target, |(t, _)| t);
            out.push((n, target.trim_matches(['<', '>']).to_owned()));
            rest = &r[end..];
        }
        let t = line.trim_start();
        if t.starts_with('[')
            && let Some((label, target)) = t.split_once("]:")
            && !label.contains("](")
        {
            let target = target.split_whitespace().next().unwrap_or_default();
            out.push((n, target.trim_matches(['<', '>']).to_owned()));
        }
    }
    out
}

/// The anchors GitHub gives a Markdown file's headings (github-slugger: lower case; letters,
/// digits, `_`, `-` and spaces kept; spaces as `-`; a repeated slug gets `-1`, `-2`, ...),
/// and the `id`/`name` of its HTML anchors.
fn github_anchors(md: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(md) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let text = line[hashes..].trim().trim_end_matches('#').trim();
            let slug: String = heading_text(text)
                .to_lowercase()
                .chars()
                .filter(|&c| c.is_alphanumeric() || c == '_' || c == '-' || c == ' ')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let n = seen.entry(slug.clone()).or_insert(0);
            out.insert(if *n == 0 { slug } else { format!("{slug}-{n}") });
            *n += 1;
        }
        for tag in line.split('<').skip(1) {
            let (name, attrs) = tag_attributes(tag.split('>').next().unwrap_or_default());
            for (key, value) in attrs {
                if key == "id" || (key == "name" && name == "a") {
                    out.insert(value);
                }
            }
        }
    }
    out
}

/// A heading's text as GitHub shows it: links as their text, no code or emphasis marks.
fn heading_text(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let r = &rest[i + 1..];
        match r
            .find("](")
            .and_then(|j| r[j..].find(')').map(|k| (j, j + k)))
        {
            Some((j, k)) => {
                out.push_str(&r[..j]);
                rest = &r[k + 1..];
            }
            None => {
                out.push('[');
                rest = r;
            }
        }
    }
    out.push_str(rest);
    out.replace(['`', '*'], "")
}

/// Every broken relative link of a Markdown file as GitHub shows it: a path that is not in
/// the repository, or a `#anchor` that is not one of the target Markdown file's anchors.
fn check_markdown(file: &Path) -> Vec<String> {
    let md = fs::read_to_string(file).unwrap();
    let dir = file.parent().unwrap();
    let mut errors = Vec::new();
    for (line, link) in md_links(&md) {
        if is_external(&link) {
            continue;
        }
        let mut error =
            |why: String| errors.push(format!("{}:{line}: {link}: {why}", file.display()));
        let (path, fragment) = link.split_once('#').unwrap_or((&link, ""));
        let target = if path.is_empty() {
            file.to_path_buf()
        } else {
            dir.join(percent_decode(path))
        };
        if !target.exists() {
            error("no such file".into());
            continue;
        }
        if fragment.is_empty() {
            continue;
        }
        if target.extension().is_none_or(|e| e != "md") {
            error("an anchor into a file that is not Markdown".into());
            continue;
        }
        let anchors = github_anchors(&fs::read_to_string(&target).unwrap());
        if !anchors.contains(&percent_decode(fragment)) {
            error(format!(
                "no heading with anchor \"{fragment}\" in {}",
                target.display()
            ));
        }
    }
    errors
}

// --- SUMMARY.md -------------------------------------------------------------------------

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
