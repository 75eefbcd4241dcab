//! Differential test: generated Go regexes and lines (ASCII, multibyte, invalid UTF-8)
//! through the Lua runtime and through the `regex` crate made to mean what Go means.

use std::collections::BTreeMap;

use regex_syntax::ast::{
    self, Ast, ClassBracketed, ClassPerlKind, ClassSet, ClassSetItem, ClassSetRange, ClassSetUnion,
    Flag, Flags, FlagsItem, FlagsItemKind, Group, GroupKind, HexLiteralKind, Literal, LiteralKind,
    Position, Span,
};

use super::compile;
use super::tests::{Outcome, run_lua};

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

/// xorshift64*: a small seeded generator.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const LITERALS: &[&str] = &[
    "a",
    "b",
    "k",
    "s",
    "K",
    "S",
    "x",
    "\u{e9}",
    "\u{c9}",
    "\u{df}",
    "\u{1D11E}",
    "\u{212A}",
    "\u{17F}",
    "-",
    " ",
    r"\.",
    "1",
    "_",
    r"\n",
    r"\x{FFFD}",
    "ab",
    "ks",
];
const CLASSES: &[&str] = &[
    "[ab]",
    "[^ab]",
    "[a-k]",
    "[^a-z]",
    "[[:alpha:]]",
    "[[:^digit:]]",
    r"[\d\s]",
    r"[^\w]",
    "[\u{e9}-\u{fc}]",
    "[kK]",
    r"[^\n]",
    "[a-cx-z1]",
    "[[:upper:]k]",
    "[[:punct:]]",
    "[^k]",
    r"\d",
    r"\D",
    r"\s",
    r"\S",
    r"\w",
    r"\W",
    ".",
    "[[:word:]]",
    "[[:space:]]",
];
const ANCHORS: &[&str] = &["^", "$", r"\A", r"\z", r"\b", r"\B"];
const REPEATS: &[&str] = &[
    "*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{0,2}", "{2,}", "{0,1}?", "{1,2}?", "{0}",
];
const GROUPS: &[&str] = &[
    "(", "(?:", "(?P<n>", "(?<n>", "(?i:", "(?s:", "(?m:", "(?U:", "(?i-s:",
];

struct Gen {
    rng: Rng,
    names: usize,
}

impl Gen {
    fn regex(&mut self, depth: usize) -> String {
        let alts = if depth < 3 && self.rng.below(4) == 0 {
            2 + self.rng.below(2)
        } else {
            1
        };
        (0..alts)
            .map(|_| self.concat(depth))
            .collect::<Vec<_>>()
            .join("|")
    }

    fn concat(&mut self, depth: usize) -> String {
        let mut out = String::new();
        if self.rng.below(10) == 0 {
            out.push_str(self.rng.pick(&["(?i)", "(?s)", "(?m)", "(?U)"]));
        }
        for _ in 0..1 + self.rng.below(4) {
            out.push_str(&self.piece(depth));
        }
        out
    }

    fn piece(&mut self, depth: usize) -> String {
        let atom = match self.rng.below(if depth < 3 { 10 } else { 8 }) {
            0..=2 => self.rng.pick(LITERALS).to_owned(),
            3..=5 => self.rng.pick(CLASSES).to_owned(),
            6 | 7 => {
                let a = self.rng.pick(ANCHORS).to_owned();
                if self.rng.below(3) > 0 {
                    return a;
                }
                a
            }
            _ => {
                let open = self.rng.pick(GROUPS);
                let open = if open.contains("<n>") {
                    self.names += 1;
                    open.replace("<n>", &format!("<n{}>", self.names))
                } else {
                    open.to_owned()
                };
                format!("{open}{})", self.regex(depth + 1))
            }
        };
        if self.rng.below(3) == 0 {
            format!("{atom}{}", self.rng.pick(REPEATS))
        } else {
            atom
        }
    }

    fn line(&mut self) -> Vec<u8> {
        const PARTS: &[&[u8]] = &[
            b"a",
            b"b",
            b"k",
            b"K",
            b"s",
            b"S",
            b"x",
            b" ",
            b"-",
            b".",
            b"_",
            b"1",
            b"\n",
            b"ab",
            b"aks",
            "\u{17F}".as_bytes(),
            "\u{212A}".as_bytes(),
            "\u{e9}".as_bytes(),
            "\u{c9}".as_bytes(),
            "\u{df}".as_bytes(),
            "\u{1D11E}".as_bytes(),
            b"\xff",
            b"\xc3",
            b"\xe2\x82",
            b"\xed\xa0\x80",
        ];
        let n = self.rng.below(12);
        (0..n)
            .flat_map(|_| PARTS[self.rng.below(PARTS.len())].to_vec())
            .collect()
    }
}

#[test]
fn generated_regexes_and_lines_agree_with_the_regex_crate() {
    let mut generator = Gen {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        names: 0,
    };
    let (mut patterns, mut programs, mut cases) = (Vec::new(), Vec::new(), Vec::new());
    while patterns.len() < 700 {
        generator.names = 0;
        let pattern = generator.regex(0);
        let program = compile(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        for _ in 0..6 {
            cases.push((programs.len(), generator.line()));
        }
        // Lines that hold the pattern's own pieces match more often.
        let hit: String = pattern
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ')
            .collect();
        cases.push((programs.len(), hit.into_bytes()));
        patterns.push(pattern);
        programs.push(program);
    }
    let outcomes = run_lua(&programs, &cases, "<R>");
    let mut failures = Vec::new();
    let mut matched = 0;
    let references: Vec<Reference> = patterns.iter().map(|p| Reference::new(p)).collect();
    for ((p, line), got) in cases.iter().zip(&outcomes) {
        let pattern = &patterns[*p];
        let want = references[*p].outcome(line, "<R>");
        matched += usize::from(want.found);
        if *got != want {
            failures.push(format!(
                "{pattern}  (regex crate: {})\n  line {:?}\n  lua  {got:?}\n  want {want:?}",
                rust_pattern(pattern),
                String::from_utf8_lossy(line)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        matched > cases.len() / 4,
        "{matched} of {} match",
        cases.len()
    );
    // The shortcuts were taken often enough to be tested.
    let count = |f: &dyn Fn(&super::Program) -> bool| programs.iter().filter(|p| f(p)).count();
    let first = count(&|p| p.first.is_some());
    let exact = count(&|p| p.literal.as_ref().is_some_and(|l| !l.lowered));
    let lowered = count(&|p| p.literal.as_ref().is_some_and(|l| l.lowered));
    let anchored = count(&|p| p.anchored);
    assert!(
        first > 100 && exact > 100 && lowered > 10 && anchored > 10,
        "{first} {exact} {lowered} {anchored}"
    );
}
