//! The reference for the Lua runtime: the `regex` crate made to mean what Go means
//! (ASCII `\d\s\w\b`, lines read as Go's runes), with Promtail's replace on top.

use std::collections::BTreeMap;

use regex_syntax::ast::{
    self, Ast, ClassBracketed, ClassPerlKind, ClassSet, ClassSetItem, ClassSetRange, ClassSetUnion,
    Flag, Flags, FlagsItem, FlagsItemKind, Group, GroupKind, HexLiteralKind, Literal, LiteralKind,
    Position, Span,
};

/// A match: every group's text (0 = the whole match), then the named groups'.
pub type Captures = (Vec<Option<Vec<u8>>>, BTreeMap<String, Option<Vec<u8>>>);

/// What the runtime says of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub replaced: Vec<u8>,
    pub found: bool,
    /// The first match.
    pub first: Option<Captures>,
}

fn span() -> Span {
    Span::splat(Position::new(0, 1, 1))
}

fn lit(c: char) -> Literal {
    Literal {
        span: span(),
        kind: LiteralKind::HexBrace(HexLiteralKind::X),
        c,
    }
}

/// Go's ASCII `\d`, `\s`, `\w` as a bracketed class the `regex` crate folds as Go does.
fn perl_class(kind: &ClassPerlKind, negated: bool) -> ClassBracketed {
    let ranges: &[(char, char)] = match kind {
        ClassPerlKind::Digit => &[('0', '9')],
        ClassPerlKind::Space => &[('\t', '\n'), ('\x0C', '\r'), (' ', ' ')],
        ClassPerlKind::Word => &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')],
    };
    let items = ranges
        .iter()
        .map(|&(a, b)| {
            ClassSetItem::Range(ClassSetRange {
                span: span(),
                start: lit(a),
                end: lit(b),
            })
        })
        .collect();
    ClassBracketed {
        span: span(),
        negated,
        kind: ClassSet::Item(ClassSetItem::Union(ClassSetUnion {
            span: span(),
            items,
        })),
    }
}

fn rewrite_set(set: &mut ClassSet) {
    match set {
        ClassSet::Item(item) => rewrite_item(item),
        ClassSet::BinaryOp(op) => {
            rewrite_set(&mut op.lhs);
            rewrite_set(&mut op.rhs);
        }
    }
}

fn rewrite_item(item: &mut ClassSetItem) {
    match item {
        ClassSetItem::Perl(p) => {
            *item = ClassSetItem::Bracketed(Box::new(perl_class(&p.kind, p.negated)));
        }
        ClassSetItem::Bracketed(b) => rewrite_set(&mut b.kind),
        ClassSetItem::Union(u) => u.items.iter_mut().for_each(rewrite_item),
        _ => {}
    }
}

fn rewrite(ast: &mut Ast) {
    match ast {
        Ast::ClassPerl(p) => *ast = Ast::class_bracketed(perl_class(&p.kind, p.negated)),
        Ast::Assertion(a)
            if matches!(
                a.kind,
                ast::AssertionKind::WordBoundary | ast::AssertionKind::NotWordBoundary
            ) =>
        {
            let inner = ast.clone();
            let item = |kind| FlagsItem { span: span(), kind };
            *ast = Ast::group(Group {
                span: span(),
                kind: GroupKind::NonCapturing(Flags {
                    span: span(),
                    items: vec![
                        item(FlagsItemKind::Negation),
                        item(FlagsItemKind::Flag(Flag::Unicode)),
                    ],
                }),
                ast: Box::new(inner),
            });
        }
        Ast::ClassBracketed(c) => rewrite_set(&mut c.kind),
        Ast::Repetition(r) => rewrite(&mut r.ast),
        Ast::Group(g) => rewrite(&mut g.ast),
        Ast::Alternation(a) => a.asts.iter_mut().for_each(rewrite),
        Ast::Concat(c) => c.asts.iter_mut().for_each(rewrite),
        _ => {}
    }
}

/// A Go regex for the `regex` crate: ASCII `\d\s\w\b` as in Go, the rest as written
/// (both read `(?i)` as simple case folding, `$` as the end of the text).
pub fn rust_pattern(go: &str) -> String {
    let mut ast = ast::parse::Parser::new().parse(go).unwrap();
    rewrite(&mut ast);
    let mut out = String::new();
    ast::print::Printer::new().print(&ast, &mut out).unwrap();
    out
}

/// The runes of a line as Go reads them (invalid bytes: U+FFFD each) as a `String`,
/// with the line's byte offset of each of its char boundaries.
fn go_text(line: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut offsets = vec![0; 1];
    let mut i = 0;
    while i < line.len() {
        let end = (i + 1..=line.len().min(i + 4))
            .find(|&e| std::str::from_utf8(&line[i..e]).is_ok())
            .filter(|&e| std::str::from_utf8(&line[i..e]).is_ok_and(|s| s.chars().count() == 1));
        let (c, width) = match end {
            Some(e) => (
                std::str::from_utf8(&line[i..e])
                    .unwrap()
                    .chars()
                    .next()
                    .unwrap(),
                e - i,
            ),
            None => ('\u{FFFD}', 1),
        };
        text.push(c);
        offsets.resize(text.len() + 1, 0);
        i += width;
        offsets[text.len()] = i;
    }
    (text, offsets)
}

/// Go's regexp, stood in for by the `regex` crate.
pub struct Reference {
    re: regex::Regex,
    /// Go's groups and names: the `regex` crate forgets a trailing group under `{0}`.
    groups: usize,
    names: Vec<String>,
}

fn group_names(ast: &Ast, out: &mut Vec<String>) {
    match ast {
        Ast::Group(g) => {
            if let GroupKind::CaptureName { name, .. } = &g.kind {
                out.push(name.name.clone());
            }
            group_names(&g.ast, out);
        }
        Ast::Repetition(r) => group_names(&r.ast, out),
        Ast::Alternation(a) => a.asts.iter().for_each(|a| group_names(a, out)),
        Ast::Concat(c) => c.asts.iter().for_each(|a| group_names(a, out)),
        _ => {}
    }
}

impl Reference {
    pub fn new(go: &str) -> Reference {
        let rust = rust_pattern(go).replace("[[]", r"[\[]");
        let re = regex::RegexBuilder::new(&rust)
            .size_limit(1 << 30)
            .build()
            .unwrap_or_else(|e| panic!("{go} as {rust}: {e}"));
        let mut names = Vec::new();
        group_names(&ast::parse::Parser::new().parse(go).unwrap(), &mut names);
        let groups = crate::spec::re2::capture_groups(go);
        Reference { re, groups, names }
    }

    /// Promtail's replace (sim::go_replace) and the first match, on any bytes.
    pub fn outcome(&self, line: &[u8], repl: &str) -> Outcome {
        let (text, at) = go_text(line);
        let mut replaced = Vec::new();
        let mut prev = 0;
        for caps in self.re.captures_iter(&text) {
            for m in caps.iter().skip(1).flatten() {
                let (start, end) = (at[m.start()], at[m.end()]);
                if prev == 0 || prev <= start {
                    replaced.extend_from_slice(&line[prev..start]);
                    replaced.extend_from_slice(repl.as_bytes());
                    prev = end;
                }
            }
        }
        replaced.extend_from_slice(&line[prev..]);
        let first = self.re.captures(&text).map(|caps| {
            let bytes =
                |m: Option<regex::Match>| m.map(|m| line[at[m.start()]..at[m.end()]].to_vec());
            let groups = (0..=self.groups).map(|i| bytes(caps.get(i))).collect();
            let named: BTreeMap<String, Option<Vec<u8>>> = self
                .names
                .iter()
                .map(|n| (n.clone(), bytes(caps.name(n))))
                .collect();
            (groups, named)
        });
        Outcome {
            replaced,
            found: self.re.is_match(&text),
            first,
        }
    }
}
