//! Links and anchors in Markdown sources: relative links to files that exist, anchors by
//! mdBook's and GitHub's heading rules; code spans and blocks are not links.
#![allow(clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

pub use super::html::files;
use super::html::{is_external, percent_decode, tag_attributes};

// --- Markdown: links and GitHub's heading anchors -----------------------------------------

/// The lines of a Markdown file outside fenced code blocks, with their numbers.
pub fn prose_lines(md: &str) -> Vec<(usize, String)> {
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

pub fn blank_code_spans(line: &str) -> String {
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
pub fn md_links(md: &str) -> Vec<(usize, String)> {
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
pub fn github_anchors(md: &str) -> BTreeSet<String> {
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
pub fn heading_text(md: &str) -> String {
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
pub fn check_markdown(file: &Path) -> Vec<String> {
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
