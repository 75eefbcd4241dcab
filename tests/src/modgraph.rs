//! The module graph of a crate read from its sources, for the house rule of fn/ (no import
//! circle, tests/architecture.rs).
//!
//! Granularity: a node is a file module (`a/b.rs`, or `a/b/mod.rs` for the directory
//! module `a::b`; inline `mod x { .. }` blocks, tests included, belong to their file).
//! An edge `m -> n` is any path in `m` that names an item of `n`: `use crate::..`,
//! `crate::a::b::f()`, `super::..` and `self::..` resolved to absolute module paths, and
//! paths through a child module (`names::PORT` where `mod names;`). A child using its
//! parent's items is an edge; declaring `mod child;` is not. A path goes to the longest
//! module prefix it names (`crate::render::names::PORT` -> `render::names`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other(char),
}

/// The tokens of a Rust file with their lines; comments, strings and chars dropped.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(at(i) == '\n');
                    i += 1;
                }
                if i >= c.len() {
                    break;
                }
            }
        } else if ch == '"' || ((ch == 'r' || ch == 'b') && matches!(at(i + 1), '"' | '#' | 'r')) {
            // A string, raw string or byte string (`r#ident` raw identifiers fall through).
            let mut j = i;
            while matches!(at(j), 'b' | 'r') && j < i + 2 {
                j += 1;
            }
            let raw = c[i..j].contains(&'r');
            let hashes = (j..).take_while(|&k| at(k) == '#').count();
            if at(j + hashes) != '"' {
                let (word, next) = ident(&c, i);
                out.push((Tok::Ident(word), line));
                i = next;
                continue;
            }
            i = j + hashes + 1;
            while i < c.len() {
                if !raw && c[i] == '\\' {
                    i += 2;
                    continue;
                }
                if c[i] == '"' && (i + 1..=i + hashes).all(|k| at(k) == '#') {
                    i += hashes + 1;
                    break;
                }
                line += usize::from(c[i] == '\n');
                i += 1;
            }
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let (word, next) = ident(&c, i);
            out.push((Tok::Ident(word), line));
            i = next;
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            let tok = match ch {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                ';' => Tok::Semi,
                '*' => Tok::Star,
                other => Tok::Other(other),
            };
            out.push((tok, line));
            i += 1;
        }
    }
    out
}

fn ident(c: &[char], start: usize) -> (String, usize) {
    let mut end = start;
    while end < c.len() && (c[end].is_alphanumeric() || c[end] == '_' || c[end] == '#') {
        end += 1;
    }
    (
        c[start..end].iter().collect::<String>().replace("r#", ""),
        end,
    )
}

fn word(tok: Option<&(Tok, usize)>) -> Option<&str> {
    match tok {
        Some((Tok::Ident(w), _)) => Some(w),
        _ => None,
    }
}

/// The paths a `use` tree starting at `i` names (each with its prefix), and where it ends.
fn use_tree(
    t: &[(Tok, usize)],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match t.get(i).map(|x| &x.0) {
            Some(Tok::Ident(w)) if w == "as" => i += 2,
            // `{self, ..}`: the group's prefix itself.
            Some(Tok::Ident(w))
                if w == "self" && !prefix.is_empty() && path.len() == prefix.len() =>
            {
                i += 1
            }
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                i += 1;
            }
            Some(Tok::Path) => i += 1,
            Some(Tok::Star) => i += 1,
            Some(Tok::Open) => {
                i += 1;
                while !matches!(t.get(i).map(|x| &x.0), Some(Tok::Close) | None) {
                    i = use_tree(t, i, &path, out);
                    if matches!(t.get(i).map(|x| &x.0), Some(Tok::Comma)) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            _ => {
                if !path.is_empty() {
                    out.push(path);
                }
                return i;
            }
        }
    }
}

/// One file module: its module path (`render::names`), file and tokens.
#[derive(Debug)]
struct File {
    module: Vec<String>,
    path: PathBuf,
    toks: Vec<(Tok, usize)>,
}

/// Every file module of the crate rooted at `root` (`lib.rs` or `main.rs`), following
/// `mod x;` declarations; and every module path (inline ones too) mapped to its file.
fn modules(root: &Path) -> (Vec<File>, BTreeMap<Vec<String>, Vec<String>>) {
    let mut files = Vec::new();
    let mut known = BTreeMap::new();
    let mut todo = vec![(Vec::<String>::new(), root.to_path_buf())];
    while let Some((module, path)) = todo.pop() {
        let src =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let toks = tokens(&src);
        let name = path.file_name().unwrap().to_str().unwrap();
        let dir = if matches!(name, "mod.rs" | "lib.rs" | "main.rs") {
            path.parent().unwrap().to_path_buf()
        } else {
            path.with_extension("")
        };
        known.insert(module.clone(), module.clone());
        walk(&toks, |inline, event| {
            if let Event::Mod(child, has_body) = event {
                let mut full = module.clone();
                full.extend(inline.iter().cloned());
                full.push(child.to_string());
                if has_body {
                    known.insert(full, module.clone());
                } else {
                    let d = inline.iter().fold(dir.clone(), |d, m| d.join(m));
                    let file = d.join(format!("{child}.rs"));
                    let file = if file.exists() {
                        file
                    } else {
                        d.join(child).join("mod.rs")
                    };
                    todo.push((full, file));
                }
            }
        });
        files.push(File { module, path, toks });
    }
    (files, known)
}

enum Event<'a> {
    Mod(&'a str, bool),
    Path(Vec<String>, usize),
}

/// Walks a file's tokens with the stack of inline modules it is in, reporting module
/// declarations and every path (`use` trees expanded).
fn walk(t: &[(Tok, usize)], mut f: impl FnMut(&[String], Event)) {
    let (mut inline, mut opened, mut depth) = (Vec::<String>::new(), Vec::<usize>::new(), 0);
    let mut i = 0;
    while i < t.len() {
        let prev_path = i > 0 && t[i - 1].0 == Tok::Path;
        match &t[i].0 {
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = word(t.get(i + 1)) {
                    let body = t.get(i + 2).map(|x| &x.0) == Some(&Tok::Open);
                    f(&inline, Event::Mod(name, body));
                    if body {
                        inline.push(name.to_string());
                        opened.push(depth);
                        depth += 1;
                        i += 3;
                        continue;
                    }
                }
                i += 1;
            }
            Tok::Ident(w) if w == "use" => {
                let mut paths = Vec::new();
                let line = t[i].1;
                i = use_tree(t, i + 1, &[], &mut paths);
                for p in paths {
                    f(&inline, Event::Path(p, line));
                }
            }
            Tok::Ident(w) if !prev_path => {
                let (line, mut p) = (t[i].1, vec![w.clone()]);
                i += 1;
                while t.get(i).map(|x| &x.0) == Some(&Tok::Path) {
                    match word(t.get(i + 1)) {
                        Some(next) => p.push(next.to_string()),
                        None => break,
                    }
                    i += 2;
                }
                if p.len() > 1 {
                    f(&inline, Event::Path(p, line));
                }
            }
            Tok::Open => {
                depth += 1;
                i += 1;
            }
            Tok::Close => {
                depth -= 1;
                if opened.last() == Some(&depth) {
                    opened.pop();
                    inline.pop();
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// The module (file) a path used in module `at` goes to, if it is one of the crate's.
fn resolve(
    at: &[String],
    path: &[String],
    known: &BTreeMap<Vec<String>, Vec<String>>,
) -> Option<Vec<String>> {
    let (mut abs, rest) = match path.first().map(String::as_str)? {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (at.to_vec(), &path[1..]),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            (at[..at.len().checked_sub(ups)?].to_vec(), &path[ups..])
        }
        first => {
            let mut child = at.to_vec();
            child.push(first.to_string());
            if !known.contains_key(&child) {
                return None;
            }
            (at.to_vec(), path)
        }
    };
    let mut target = abs.clone();
    for seg in rest {
        abs.push(seg.clone());
        if known.contains_key(&abs) {
            target = abs.clone();
        } else {
            break;
        }
    }
    known.get(&target).cloned()
}

/// The edges between the file modules of a crate: (from, to) -> first place it is used.
type Graph = BTreeMap<(String, String), String>;

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

fn graph(root: &Path) -> (BTreeSet<String>, Graph) {
    let (files, known) = modules(root);
    let base = root.parent().unwrap();
    let mut edges = Graph::new();
    for file in &files {
        walk(&file.toks, |inline, event| {
            let Event::Path(path, line) = event else {
                return;
            };
            let mut at = file.module.clone();
            at.extend(inline.iter().cloned());
            if let Some(to) = resolve(&at, &path, &known).filter(|to| *to != file.module) {
                let place = format!(
                    "{}:{line} `{}`",
                    file.path.strip_prefix(base).unwrap().display(),
                    path.join("::")
                );
                edges
                    .entry((name(&file.module), name(&to)))
                    .or_insert(place);
            }
        });
    }
    (files.iter().map(|f| name(&f.module)).collect(), edges)
}

/// The strongly connected components of more than one module (Tarjan).
fn knots(nodes: &BTreeSet<String>, edges: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        next: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, (usize, usize)>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, (n, n));
        s.stack.push(v);
        for w in s.next.get(v).cloned().unwrap_or_default() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.index[w].1.min(s.index[v].1);
                s.index.get_mut(v).unwrap().1 = low;
            } else if s.stack.contains(&w) {
                let low = s.index[w].0.min(s.index[v].1);
                s.index.get_mut(v).unwrap().1 = low;
            }
        }
        if s.index[v].0 == s.index[v].1 {
            let at = s.stack.iter().rposition(|x| *x == v).unwrap();
            let mut knot: Vec<String> = s.stack.drain(at..).map(String::from).collect();
            knot.sort();
            if knot.len() > 1 {
                s.found.push(knot);
            }
        }
    }
    let mut s = State {
        next: BTreeMap::new(),
        index: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for (a, b) in edges.keys() {
        s.next.entry(a.as_str()).or_default().push(b.as_str());
    }
    for v in nodes {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found.sort();
    s.found
}

/// Every circle of the crate at `root` (its `lib.rs` or `main.rs`): its modules and, as
/// text, the edges inside it (each with the first place it is used); and how many modules
/// and edges were read.
pub fn circles(root: &Path) -> (Vec<(Vec<String>, String)>, usize, usize) {
    let (nodes, edges) = graph(root);
    let mut found = Vec::new();
    for knot in knots(&nodes, &edges) {
        let mut text = format!(
            "circle through {} modules: {}\n",
            knot.len(),
            knot.join(", ")
        );
        for ((a, b), place) in &edges {
            if knot.contains(a) && knot.contains(b) {
                writeln!(text, "  {a} -> {b}  ({place})").unwrap();
            }
        }
        found.push((knot, text));
    }
    (found, nodes.len(), edges.len())
}
