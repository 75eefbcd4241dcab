//! The code blocks of the book (`docs/src/**/*.md`) and the README, with the markers that
//! say what each one is, so that `tests/docs_examples.rs` can check every example and
//! every shown output against the real thing (docs/src/development/tests.md, "Examples in
//! the docs").
//!
//! A marker is an HTML comment on the line right before a code fence (no blank line
//! between them):
//!
//! * `<!-- lokistack -->`: a LokiStack example (a ```yaml block) that must render;
//! * `<!-- lokistack: refused FIELD -->`: one that must be refused, naming FIELD and the file;
//! * `<!-- output: PATH -->`: the block's lines are in the repository file PATH, as one
//!   contiguous run (a line `...` in the block skips any number of lines);
//! * `<!-- output: refusal -->`: the block is the stderr of the example before it;
//! * `<!-- output: command ARGS -->`: the block is in the stdout of `ARGS` (an allow-list).
//!
//! A ```yaml block with a top-level `kind: LokiStack`, or whose first key is `spec:`, is an
//! example without a marker too. A block holding an mdBook `{{#include PATH}}` is that file:
//! it only has to exist.

mod check;
mod example;

use std::path::{Path, PathBuf};

pub use check::{Report, check_files};
pub use example::{Example, Expect, examples};

use crate::root;

/// What a marker says about the code block after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `<!-- lokistack -->`
    Renders,
    /// `<!-- lokistack: refused FIELD -->`
    Refused(String),
    /// `<!-- output: PATH -->`
    File(String),
    /// `<!-- output: refusal -->`
    Refusal,
    /// `<!-- output: command ARGS -->`
    Command(Vec<String>),
}

/// One fenced code block.
#[derive(Clone, Debug)]
pub struct Block {
    /// The Markdown file, relative to the repository root.
    pub file: String,
    /// The line of the opening fence (1-based).
    pub line: usize,
    /// The first word of the info string (`yaml`, `sh`, ... or empty).
    pub lang: String,
    /// The lines between the fences, each ending in `\n`.
    pub text: String,
    pub marker: Option<Marker>,
}

impl Block {
    /// `file:line`, how failures name the block.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The `{{#include PATH}}` targets in the block (mdBook includes).
    pub fn includes(&self) -> Vec<&str> {
        self.text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("{{#include "))
            .filter_map(|rest| rest.strip_suffix("}}"))
            .map(str::trim)
            .collect()
    }

    pub fn is_yaml(&self) -> bool {
        matches!(self.lang.as_str(), "yaml" | "yml")
    }

    /// An unmarked ```yaml block that is a LokiStack all the same: a top-level
    /// `kind: LokiStack`, or `spec:` as its first key.
    pub fn looks_like_lokistack(&self) -> bool {
        let significant = |l: &&str| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && t != "---"
        };
        self.is_yaml()
            && self.includes().is_empty()
            && (self.text.lines().any(|l| {
                l.strip_prefix("kind:")
                    .is_some_and(|k| k.split('#').next().unwrap_or_default().trim() == "LokiStack")
            }) || self
                .text
                .lines()
                .find(significant)
                .is_some_and(|l| l.starts_with("spec:")))
    }
}

/// The blocks of one Markdown file, and the marker mistakes found (as failures).
#[derive(Debug, Default)]
pub struct Parsed {
    pub blocks: Vec<Block>,
    pub errors: Vec<String>,
}

/// A marker comment: `None` for any other line, `Some(Err)` for a malformed marker.
fn marker(line: &str) -> Option<Result<Marker, String>> {
    let body = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if body == "lokistack" {
        return Some(Ok(Marker::Renders));
    }
    if let Some(rest) = body.strip_prefix("lokistack:") {
        let words: Vec<&str> = rest.split_whitespace().collect();
        return Some(match words.as_slice() {
            ["refused", field] => Ok(Marker::Refused((*field).to_owned())),
            _ => Err(format!(
                "`{body}`: write `lokistack: refused FIELD` (one field, e.g. spec.retention.period)"
            )),
        });
    }
    if let Some(rest) = body.strip_prefix("output:") {
        let words: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
        return Some(match words.first().map(String::as_str) {
            Some("refusal") if words.len() == 1 => Ok(Marker::Refusal),
            Some("command") if words.len() > 1 => Ok(Marker::Command(words[1..].to_vec())),
            Some(path) if words.len() == 1 && path != "command" => {
                Ok(Marker::File(path.to_owned()))
            }
            _ => Err(format!(
                "`{body}`: write `output: PATH`, `output: refusal` or `output: command ARGS`"
            )),
        });
    }
    if body.starts_with("lokistack") || body.starts_with("output") {
        return Some(Err(format!("`{body}` is not a marker this test knows")));
    }
    None
}

/// An opening fence: (indent, fence char, fence length, info string).
fn opening(line: &str) -> Option<(usize, char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = rest.len() - rest.trim_start_matches(c).len();
    let info = rest[n..].trim();
    // CommonMark: at least three, and a backtick fence's info string has no backtick
    // (```` ```mermaid ```` in a sentence is inline code, not a fence).
    (n >= 3 && !(c == '`' && info.contains('`'))).then_some((indent, c, n, info))
}

fn closes(line: &str, c: char, n: usize) -> bool {
    let t = line.trim();
    t.len() >= n && t.chars().all(|x| x == c)
}

/// The code blocks of `text`, from the file `file` (relative to the repository root).
pub fn parse(file: &str, text: &str) -> Parsed {
    let mut out = Parsed::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    // The marker on the previous line, if any: (its line number and text, the marker).
    let mut pending: Option<(usize, &str, Marker)> = None;
    while let Some(line) = lines.get(i) {
        let number = i + 1;
        i += 1;
        if let Some((indent, c, n, info)) = opening(line) {
            let mut body = String::new();
            let mut closed = false;
            while let Some(l) = lines.get(i) {
                i += 1;
                if closes(l, c, n) {
                    closed = true;
                    break;
                }
                let strip = l.len() - l.trim_start_matches(' ').len();
                body.push_str(&l[strip.min(indent)..]);
                body.push('\n');
            }
            if !closed {
                out.errors
                    .push(format!("{file}:{number}: the code block is never closed"));
            }
            out.blocks.push(Block {
                file: file.to_owned(),
                line: number,
                lang: info
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                text: body,
                marker: pending.take().map(|(_, _, m)| m),
            });
            continue;
        }
        if let Some((at, text, _)) = pending.take() {
            out.errors.push(format!(
                "{file}:{at}: the marker `{text}` is not on the line right before a code block \
                 (nothing, not even a blank line, may come between them)"
            ));
        }
        match marker(line) {
            Some(Ok(m)) => pending = Some((number, line.trim(), m)),
            Some(Err(why)) => out.errors.push(format!("{file}:{number}: {why}")),
            None => {}
        }
    }
    if let Some((at, text, _)) = pending {
        out.errors.push(format!(
            "{file}:{at}: the marker `{text}` is not followed by a code block"
        ));
    }
    out
}

/// The Markdown files whose blocks are checked: README.md and every page of the book
/// (docs/src/**/*.md but SUMMARY.md), in path order.
pub fn book_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut dirs = vec![root().join("docs/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md")
                && path.file_name().is_some_and(|n| n != "SUMMARY.md")
            {
                files.push(path);
            }
        }
    }
    files[1..].sort();
    files
}

/// A path relative to the repository root, as failures print it.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The blocks of the files, and the marker mistakes in them.
pub fn parse_files(files: &[PathBuf]) -> Parsed {
    let mut all = Parsed::default();
    for path in files {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut one = parse(&relative(path), &text);
        all.blocks.append(&mut one.blocks);
        all.errors.append(&mut one.errors);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_fences_and_their_mistakes() {
        let md = "text\n<!-- lokistack -->\n```yaml\nspec: {}\n```\n\n<!-- output: a/b.txt -->\n\n```text\nx\n```\n  ```` ```mermaid ```` inline\n<!-- output: command loki-stack-fn --help -->\n~~~\n```\n~~~\n<!-- lokistack: refused -->\n- item\n  ```sh\n  echo hi\n  ```\n";
        let p = parse("f.md", md);
        let got: Vec<(usize, &str, Option<Marker>)> = p
            .blocks
            .iter()
            .map(|b| (b.line, b.lang.as_str(), b.marker.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "yaml", Some(Marker::Renders)),
                (9, "text", None),
                (
                    14,
                    "",
                    Some(Marker::Command(vec![
                        "loki-stack-fn".to_owned(),
                        "--help".to_owned()
                    ]))
                ),
                (19, "sh", None),
            ]
        );
        assert_eq!(p.blocks[2].text, "```\n");
        assert_eq!(p.blocks[3].text, "echo hi\n");
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert!(p.errors[0].starts_with(
            "f.md:7: the marker `<!-- output: a/b.txt -->` is not on the line right before"
        ));
        assert!(p.errors[1].starts_with("f.md:17: `lokistack: refused`"));
    }

    #[test]
    fn unmarked_lokistacks_are_recognised() {
        let block = |lang: &str, text: &str| Block {
            file: String::new(),
            line: 1,
            lang: lang.to_owned(),
            text: text.to_owned(),
            marker: None,
        };
        assert!(block("yaml", "# c\nspec:\n  a: 1\n").looks_like_lokistack());
        assert!(block("yaml", "apiVersion: x\nkind: LokiStack  # c\n").looks_like_lokistack());
        assert!(!block("yaml", "target:\n  kind: LokiStack\n").looks_like_lokistack());
        assert!(!block("sh", "spec:\n").looks_like_lokistack());
        assert!(!block("yaml", "tenancy:\n  spec: 1\n").looks_like_lokistack());
    }
}
