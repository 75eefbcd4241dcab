//! Go RE2 syntax to a tree with Go's meaning: regex-syntax's AST read with Go's flags,
//! ASCII classes and case folding, counted repetition expanded as Go's `Simplify` does.

use regex_syntax::ast::{
    self, Ast, ClassSet, ClassSetItem, Flag, FlagsItemKind, GroupKind, HexLiteralKind, LiteralKind,
    RepetitionKind, RepetitionRange,
};

use super::class::{self, Ranges};

/// The message of a pattern Fluent Bit cannot apply exactly.
pub fn refuse(pattern: &str, what: &str) -> String {
    format!("{pattern:?}: Fluent Bit cannot apply it exactly: {what}")
}

/// Go refuses repeat counts above this, nested counts multiplied.
const MAX_REPEAT: u32 = 1000;
/// Nesting depth regex-syntax may parse (as `spec::re2` does).
const NEST_LIMIT: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    BeginLine,
    EndLine,
    BeginText,
    EndText,
    Word,
    NotWord,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Empty,
    /// One rune of the set (an empty set never matches).
    Class(Ranges),
    Look(Look),
    Cap(u32, Box<Node>),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Star(Box<Node>, bool),
    Plus(Box<Node>, bool),
    Quest(Box<Node>, bool),
}

/// The tree, the number of capture groups and the named ones.
#[derive(Debug)]
pub struct Parsed {
    pub node: Node,
    pub groups: u32,
    pub names: Vec<(u32, String)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    fold: bool,
    multi_line: bool,
    dot_nl: bool,
    swap_greed: bool,
}

struct Translator<'a> {
    pattern: &'a str,
    flags: Flags,
    groups: u32,
    names: Vec<(u32, String)>,
}

/// Go reads `[` inside a class as itself (unless it opens `[:name:]`), and `&&`, `--`,
/// `~~` there as plain characters; regex-syntax reads them as a nested class and set
/// operators. Escapes them so both read the same class.
fn go_classes(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        if c == '\\' {
            out.push(c);
            if let Some(n) = next {
                out.push(n);
            }
            i += 2;
            continue;
        }
        if !in_class {
            out.push(c);
            i += 1;
            if c == '[' {
                in_class = true;
                // A leading `^`, then a leading `]`, are part of the class.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push(']');
                    i += 1;
                }
            }
            continue;
        }
        match c {
            ']' => in_class = false,
            '[' if next == Some(':') => {
                // `[:name:]` up to its `:]`.
                let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
                if let Some(end) = rest.find(":]") {
                    out.push_str(rest.get(..end + 2).unwrap_or_default());
                    i += rest.get(..end + 2).unwrap_or_default().chars().count();
                    continue;
                }
                out.push('\\');
            }
            '[' => out.push('\\'),
            '&' | '~' | '-' if next == Some(c) => out.push('\\'),
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

pub fn parse(pattern: &str) -> Result<Parsed, String> {
    let ast = ast::parse::ParserBuilder::new()
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(&go_classes(pattern))
        .map_err(|e| format!("{pattern:?} is not a Go RE2 regex: {}", e.kind()))?;
    let mut t = Translator {
        pattern,
        flags: Flags::default(),
        groups: 0,
        names: Vec::new(),
    };
    let node = t.node(&ast, MAX_REPEAT)?;
    Ok(Parsed {
        node,
        groups: t.groups,
        names: t.names,
    })
}

impl Translator<'_> {
    fn text(&self, span: &ast::Span) -> &str {
        self.pattern
            .get(span.start.offset..span.end.offset)
            .unwrap_or_default()
    }

    fn refuse(&self, what: &str, span: &ast::Span) -> String {
        refuse(self.pattern, &format!("{what} at {:?}", self.text(span)))
    }

    /// `budget`: the largest repeat count allowed here (Go multiplies nested counts).
    fn node(&mut self, ast: &Ast, budget: u32) -> Result<Node, String> {
        match ast {
            Ast::Empty(_) => Ok(Node::Empty),
            Ast::Flags(f) => {
                self.set_flags(&f.flags)?;
                Ok(Node::Empty)
            }
            Ast::Literal(l) => self.literal_node(l),
            Ast::Dot(_) => Ok(Node::Class(if self.flags.dot_nl {
                vec![(0, 0x10_FFFF)]
            } else {
                vec![(0, 9), (11, 0x10_FFFF)]
            })),
            Ast::Assertion(a) => Ok(Node::Look(match a.kind {
                ast::AssertionKind::StartLine if self.flags.multi_line => Look::BeginLine,
                ast::AssertionKind::EndLine if self.flags.multi_line => Look::EndLine,
                ast::AssertionKind::StartLine | ast::AssertionKind::StartText => Look::BeginText,
                ast::AssertionKind::EndLine | ast::AssertionKind::EndText => Look::EndText,
                ast::AssertionKind::WordBoundary => Look::Word,
                ast::AssertionKind::NotWordBoundary => Look::NotWord,
                _ => return Err(self.refuse("a word-boundary form Go does not know", &a.span)),
            })),
            Ast::ClassUnicode(c) => Err(self.unicode_class(&c.span)),
            Ast::ClassPerl(c) => {
                let set = self.folded(&class::perl(&c.kind), &c.span)?;
                Ok(Node::Class(if c.negated {
                    class::negate(&set)
                } else {
                    set
                }))
            }
            Ast::ClassBracketed(c) => {
                let mut set = Vec::new();
                self.class_set(&c.kind, &mut set)?;
                let set = class::normalize(&set);
                Ok(Node::Class(if c.negated {
                    class::negate(&set)
                } else {
                    set
                }))
            }
            Ast::Repetition(r) => self.repetition(r, budget),
            Ast::Group(g) => {
                let saved = self.flags;
                let node = match &g.kind {
                    GroupKind::NonCapturing(flags) => {
                        self.set_flags(flags)?;
                        self.node(&g.ast, budget)?
                    }
                    GroupKind::CaptureIndex(i) => self.capture(*i, &g.ast, budget)?,
                    GroupKind::CaptureName { name, .. } => {
                        if name.name.is_empty()
                            || !name
                                .name
                                .chars()
                                .all(|c| c == '_' || c.is_ascii_alphanumeric())
                        {
                            return Err(self.refuse(
                                "a group name Go refuses (only ASCII letters, digits and _)",
                                &name.span,
                            ));
                        }
                        self.names.push((name.index, name.name.clone()));
                        self.capture(name.index, &g.ast, budget)?
                    }
                };
                self.flags = saved;
                Ok(node)
            }
            Ast::Alternation(a) => {
                let mut subs = Vec::with_capacity(a.asts.len());
                for sub in &a.asts {
                    subs.push(self.node(sub, budget)?);
                }
                Ok(Node::Alt(subs))
            }
            Ast::Concat(c) => {
                let mut subs = Vec::with_capacity(c.asts.len());
                for sub in &c.asts {
                    match self.node(sub, budget)? {
                        Node::Empty => {}
                        Node::Concat(inner) => subs.extend(inner),
                        n => subs.push(n),
                    }
                }
                Ok(match subs.len() {
                    0 => Node::Empty,
                    1 => subs.pop().unwrap_or(Node::Empty),
                    _ => Node::Concat(subs),
                })
            }
        }
    }

    fn capture(&mut self, index: u32, ast: &Ast, budget: u32) -> Result<Node, String> {
        self.groups = self.groups.max(index);
        Ok(Node::Cap(index, Box::new(self.node(ast, budget)?)))
    }

    fn unicode_class(&self, span: &ast::Span) -> String {
        self.refuse(
            "a Unicode class (\\p or \\P): its tables are not carried to Fluent Bit",
            span,
        )
    }

    fn set_flags(&mut self, flags: &ast::Flags) -> Result<(), String> {
        let mut on = true;
        for item in &flags.items {
            match &item.kind {
                FlagsItemKind::Negation => on = false,
                FlagsItemKind::Flag(Flag::CaseInsensitive) => self.flags.fold = on,
                FlagsItemKind::Flag(Flag::MultiLine) => self.flags.multi_line = on,
                FlagsItemKind::Flag(Flag::DotMatchesNewLine) => self.flags.dot_nl = on,
                FlagsItemKind::Flag(Flag::SwapGreed) => self.flags.swap_greed = on,
                FlagsItemKind::Flag(_) => {
                    return Err(
                        self.refuse("a flag Go does not know (only i, m, s, U)", &item.span)
                    );
                }
            }
        }
        Ok(())
    }

    fn literal_char(&self, l: &ast::Literal) -> Result<u32, String> {
        match l.kind {
            LiteralKind::HexFixed(HexLiteralKind::UnicodeShort | HexLiteralKind::UnicodeLong)
            | LiteralKind::HexBrace(HexLiteralKind::UnicodeShort | HexLiteralKind::UnicodeLong) => {
                Err(self.refuse("\\u or \\U, which Go does not know", &l.span))
            }
            LiteralKind::Octal => Err(self.refuse("an octal escape", &l.span)),
            _ => Ok(u32::from(l.c)),
        }
    }

    fn folded(&self, set: &[(u32, u32)], span: &ast::Span) -> Result<Ranges, String> {
        if self.flags.fold {
            class::fold(set, &format!("{:?}", self.text(span)))
                .map_err(|e| refuse(self.pattern, &e))
        } else {
            Ok(class::normalize(set))
        }
    }

    fn literal_node(&self, l: &ast::Literal) -> Result<Node, String> {
        let c = self.literal_char(l)?;
        Ok(Node::Class(self.folded(&[(c, c)], &l.span)?))
    }

    /// Go folds each item, negates negated items after folding, then takes the union.
    fn class_set(&self, set: &ClassSet, out: &mut Ranges) -> Result<(), String> {
        match set {
            ClassSet::BinaryOp(op) => Err(self.refuse(
                "a class set operation (&&, --, ~~), which Go does not know",
                &op.span,
            )),
            ClassSet::Item(item) => self.class_item(item, out),
        }
    }

    fn class_item(&self, item: &ClassSetItem, out: &mut Ranges) -> Result<(), String> {
        match item {
            ClassSetItem::Empty(_) => Ok(()),
            ClassSetItem::Literal(l) => {
                let c = self.literal_char(l)?;
                out.extend(self.folded(&[(c, c)], &l.span)?);
                Ok(())
            }
            ClassSetItem::Range(r) => {
                let (lo, hi) = (self.literal_char(&r.start)?, self.literal_char(&r.end)?);
                out.extend(self.folded(&[(lo, hi)], &r.span)?);
                Ok(())
            }
            ClassSetItem::Ascii(a) => {
                let set = self.folded(&class::posix(&a.kind), &a.span)?;
                out.extend(if a.negated { class::negate(&set) } else { set });
                Ok(())
            }
            ClassSetItem::Perl(p) => {
                let set = self.folded(&class::perl(&p.kind), &p.span)?;
                out.extend(if p.negated { class::negate(&set) } else { set });
                Ok(())
            }
            ClassSetItem::Unicode(u) => Err(self.unicode_class(&u.span)),
            ClassSetItem::Bracketed(b) => Err(self.refuse(
                "a nested class: Go reads the inner [ as a literal [",
                &b.span,
            )),
            ClassSetItem::Union(u) => {
                for item in &u.items {
                    self.class_item(item, out)?;
                }
                Ok(())
            }
        }
    }

    fn repetition(&mut self, r: &ast::Repetition, budget: u32) -> Result<Node, String> {
        if matches!(*r.ast, Ast::Repetition(_)) {
            return Err(self.refuse(
                "a repetition of a repetition (such as a** or a{2}*), which Go refuses",
                &r.span,
            ));
        }
        let greedy = r.greedy != self.flags.swap_greed;
        let (min, max) = match &r.op.kind {
            RepetitionKind::ZeroOrOne => (0, Some(1)),
            RepetitionKind::ZeroOrMore => (0, None),
            RepetitionKind::OneOrMore => (1, None),
            RepetitionKind::Range(range) => {
                if self.text(&r.op.span).contains(char::is_whitespace) {
                    return Err(self.refuse(
                        "a counted repetition with blanks, which Go reads as literal text",
                        &r.op.span,
                    ));
                }
                match range {
                    RepetitionRange::Exactly(n) => (*n, Some(*n)),
                    RepetitionRange::AtLeast(n) => (*n, None),
                    RepetitionRange::Bounded(a, b) => (*a, Some(*b)),
                }
            }
        };
        let counted = matches!(r.op.kind, RepetitionKind::Range(_));
        let count = max.unwrap_or(min);
        if counted && count > budget {
            return Err(self.refuse(
                &format!(
                    "a repeat count above {MAX_REPEAT} (nested counts multiplied), which Go refuses"
                ),
                &r.op.span,
            ));
        }
        let inner_budget = if counted && count > 0 {
            budget / count
        } else {
            budget
        };
        let sub = self.node(&r.ast, inner_budget)?;
        if !counted {
            return Ok(match (min, max) {
                (0, Some(1)) => simplify1(Op::Quest, greedy, sub),
                (0, None) => simplify1(Op::Star, greedy, sub),
                _ => simplify1(Op::Plus, greedy, sub),
            });
        }
        Ok(expand(min, max, greedy, sub))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Star,
    Plus,
    Quest,
}

/// Go's `simplify1`: the empty string repeated is itself; `(?:x*)*` is `x*`.
fn simplify1(op: Op, greedy: bool, sub: Node) -> Node {
    match (op, sub) {
        (_, Node::Empty) => Node::Empty,
        (Op::Star, Node::Star(x, g)) if g == greedy => Node::Star(x, g),
        (Op::Plus, Node::Plus(x, g)) if g == greedy => Node::Plus(x, g),
        (Op::Quest, Node::Quest(x, g)) if g == greedy => Node::Quest(x, g),
        (Op::Star, sub) => Node::Star(Box::new(sub), greedy),
        (Op::Plus, sub) => Node::Plus(Box::new(sub), greedy),
        (Op::Quest, sub) => Node::Quest(Box::new(sub), greedy),
    }
}

/// Go's `Simplify` of `x{min,max}`: `x{2,}` is `xx+`, `x{2,5}` is `xx(x(x(x)?)?)?`.
fn expand(min: u32, max: Option<u32>, greedy: bool, sub: Node) -> Node {
    let copies = |n: u32| (0..n).map(|_| sub.clone()).collect::<Vec<_>>();
    let Some(max) = max else {
        return match min {
            0 => simplify1(Op::Star, greedy, sub.clone()),
            1 => simplify1(Op::Plus, greedy, sub.clone()),
            _ => {
                let mut v = copies(min - 1);
                v.push(simplify1(Op::Plus, greedy, sub.clone()));
                Node::Concat(v)
            }
        };
    };
    if max == 0 {
        return Node::Empty;
    }
    if min == 1 && max == 1 {
        return sub;
    }
    let mut prefix = copies(min);
    if max > min {
        let mut suffix = simplify1(Op::Quest, greedy, sub.clone());
        for _ in min + 1..max {
            suffix = simplify1(Op::Quest, greedy, Node::Concat(vec![sub.clone(), suffix]));
        }
        if prefix.is_empty() {
            return suffix;
        }
        prefix.push(suffix);
    }
    Node::Concat(prefix)
}

#[cfg(test)]
mod go_class_tests {
    #![allow(clippy::unwrap_used)]
    use super::parse;

    #[test]
    fn brackets_and_doubled_operators_inside_classes_mean_what_go_reads() {
        for (go, same) in [
            ("[[]", r"[\[]"),
            ("[a[b]]", r"[a\[b]\]"),
            ("[]a]", r"[\]a]"),
            ("[^]a]", r"[^\]a]"),
            ("[a&&b]", r"[a\&&b]"),
            ("[[:digit:][]", r"[0-9\[]"),
            (r"[\[x]", r"[\[x]"),
        ] {
            assert_eq!(parse(go).unwrap().node, parse(same).unwrap().node, "{go}");
        }
    }
}
