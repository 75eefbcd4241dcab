//! Go RE2 patterns rewritten for Onigmo (Ruby syntax, UTF-8), the regex engine of
//! Fluent Bit's multiline parsers. Only whether a line matches matters there, so the
//! rewrite keeps the language exactly: classes as explicit code-point ranges (Go's
//! ASCII `\d\s\w` and its case folding already applied by `parse`), `\b` as ASCII
//! look-arounds, text anchors as `\A`/`\z`, groups without captures.

use std::fmt::Write as _;

use super::parse::{self, Look, Node};
use super::refuse;

/// Onigmo rules for a multiline parser: an entry starts at a line in which `firstline`
/// matches (anywhere, as Promtail's `multiline` stage tests it); any other line
/// continues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub start: String,
    pub continuation: String,
}

pub fn firstline_rules(pattern: &str) -> Result<Rules, String> {
    let parsed = parse::parse(pattern)?;
    let start = emit(&parsed.node).map_err(|e| refuse(pattern, &e))?;
    Ok(Rules {
        continuation: format!(r"\A(?![\s\S]*?(?:{start}))"),
        start,
    })
}

/// The same language in Onigmo's syntax.
pub fn translate(pattern: &str) -> Result<String, String> {
    let parsed = parse::parse(pattern)?;
    emit(&parsed.node).map_err(|e| refuse(pattern, &e))
}

const WORD: &str = "[0-9A-Za-z_]";

/// A rune inside a class: `\uHHHH` in the Basic Multilingual Plane (Onigmo's Ruby
/// syntax, and Ruby's own, read it), the character itself above it (never special).
fn push_rune(out: &mut String, c: u32) {
    match char::from_u32(c) {
        Some(ch) if c > 0xFFFF => out.push(ch),
        _ => {
            let _ = write!(out, r"\u{c:04X}");
        }
    }
}

fn push_range(out: &mut String, lo: u32, hi: u32) {
    push_rune(out, lo);
    if hi > lo {
        out.push('-');
        push_rune(out, hi);
    }
}

fn emit(node: &Node) -> Result<String, String> {
    let mut out = String::new();
    node_to(node, &mut out)?;
    Ok(out)
}

fn group(node: &Node, out: &mut String) -> Result<(), String> {
    out.push_str("(?:");
    node_to(node, out)?;
    out.push(')');
    Ok(())
}

fn node_to(node: &Node, out: &mut String) -> Result<(), String> {
    match node {
        Node::Empty => out.push_str("(?:)"),
        Node::Class(ranges) if ranges.is_empty() => out.push_str("(?!)"),
        Node::Class(ranges) => {
            out.push('[');
            for &(lo, hi) in ranges {
                // No input decodes to a surrogate: clipping them changes nothing.
                let lo = if (0xD800..=0xDFFF).contains(&lo) {
                    0xE000
                } else {
                    lo
                };
                let hi = if (0xD800..=0xDFFF).contains(&hi) {
                    0xD7FF
                } else {
                    hi
                };
                if hi < lo {
                    continue;
                }
                if lo < 0xD800 && hi > 0xDFFF {
                    push_range(out, lo, 0xD7FF);
                    push_range(out, 0xE000, hi);
                } else {
                    push_range(out, lo, hi);
                }
            }
            out.push(']');
        }
        Node::Look(look) => out.push_str(&match look {
            // Onigmo's `^`/`$` are always line anchors: Go's `(?m)` ones.
            Look::BeginLine => "^".to_owned(),
            Look::EndLine => "$".to_owned(),
            Look::BeginText => r"\A".to_owned(),
            Look::EndText => r"\z".to_owned(),
            Look::Word => {
                format!("(?:(?<={WORD})(?!{WORD})|(?<!{WORD})(?={WORD}))")
            }
            Look::NotWord => {
                format!("(?:(?<={WORD})(?={WORD})|(?<!{WORD})(?!{WORD}))")
            }
        }),
        Node::Cap(_, inner) => group(inner, out)?,
        Node::Concat(nodes) => {
            out.push_str("(?:");
            for n in nodes {
                node_to(n, out)?;
            }
            out.push(')');
        }
        Node::Alt(nodes) => {
            out.push_str("(?:");
            for (i, n) in nodes.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                node_to(n, out)?;
            }
            out.push(')');
        }
        Node::Star(inner, greedy) | Node::Plus(inner, greedy) | Node::Quest(inner, greedy) => {
            group(inner, out)?;
            out.push(match node {
                Node::Star(..) => '*',
                Node::Plus(..) => '+',
                _ => '?',
            });
            if !greedy {
                out.push('?');
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
