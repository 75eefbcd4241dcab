//! Regexes the user hands to Promtail, which compiles them with Go's `regexp` (RE2
//! syntax). They are parsed here, never run: the core only needs to know that Go will
//! accept them and that Promtail's `-config.expand-env` leaves them alone.

use regex_syntax::ast::{
    self, Ast, ClassSetItem, FlagsItemKind, HexLiteralKind, LiteralKind, RepetitionRange, Visitor,
};

/// Go's regexp refuses repeat counts above this (`{1001}` and more, nesting included).
pub const MAX_REPEAT: u32 = 1000;

/// Checks `pattern` for Go RE2 and returns the text to put into the Promtail config:
/// the same regex with the escapes `-config.expand-env` would rewrite spelled another
/// way (`\\` as `\x5c`, `\/` as `/`).
pub fn for_promtail(pattern: &str) -> Result<String, String> {
    if pattern.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if pattern.contains("${") || pattern.contains("$$") {
        return Err(format!(
            "{pattern:?} contains \"${{\" or \"$$\", which Promtail's -config.expand-env \
             would rewrite; an end anchor is a single \"$\" not followed by \"{{\""
        ));
    }
    if pattern.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!(
            "{pattern:?} contains a control character: write it as an escape such as \\x1b"
        ));
    }
    let parsed = ast::parse::ParserBuilder::new()
        .nest_limit(100)
        .build()
        .parse(pattern)
        .map_err(|e| describe(pattern, &e.kind().to_string(), e.span()))?;
    ast::visit(&parsed, Re2Only { pattern })?;
    Ok(rewrite_escapes(pattern))
}

fn describe(pattern: &str, what: &str, span: &ast::Span) -> String {
    let at = pattern
        .get(span.start.offset..span.end.offset)
        .unwrap_or_default();
    let hint = if what.contains("look-around") {
        " (Go RE2 has no look-ahead or look-behind: match the context and capture only \
         what to replace)"
    } else if what.contains("backreference") {
        " (Go RE2 has no back-references)"
    } else {
        ""
    };
    format!(
        "{pattern:?} is not a Go RE2 regex: {what} at {at:?} (offset {}){hint}",
        span.start.offset
    )
}

/// `regex-syntax` accepts a superset of RE2; this refuses the difference.
struct Re2Only<'a> {
    pattern: &'a str,
}

impl Re2Only<'_> {
    fn refuse(&self, what: &str, span: &ast::Span) -> Result<(), String> {
        Err(describe(self.pattern, what, span))
    }
}

impl Visitor for Re2Only<'_> {
    type Output = ();
    type Err = String;

    fn finish(self) -> Result<(), String> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), String> {
        match ast {
            Ast::Repetition(r) => {
                if let ast::RepetitionKind::Range(range) = &r.op.kind {
                    let (RepetitionRange::Exactly(n)
                    | RepetitionRange::AtLeast(n)
                    | RepetitionRange::Bounded(_, n)) = range;
                    if *n > MAX_REPEAT {
                        return self
                            .refuse(&format!("a repeat count above {MAX_REPEAT}"), &r.op.span);
                    }
                }
                Ok(())
            }
            Ast::Assertion(a) => match a.kind {
                ast::AssertionKind::StartLine
                | ast::AssertionKind::EndLine
                | ast::AssertionKind::StartText
                | ast::AssertionKind::EndText
                | ast::AssertionKind::WordBoundary
                | ast::AssertionKind::NotWordBoundary => Ok(()),
                _ => self.refuse("a word-boundary form Go does not know", &a.span),
            },
            Ast::Flags(f) => self.flags(&f.flags),
            Ast::Group(g) => match &g.kind {
                ast::GroupKind::NonCapturing(flags) => self.flags(flags),
                _ => Ok(()),
            },
            Ast::Literal(l) => self.literal(l),
            _ => Ok(()),
        }
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        if let ClassSetItem::Literal(l) = item {
            self.literal(l)?;
        }
        Ok(())
    }

    fn visit_class_set_binary_op_pre(&mut self, op: &ast::ClassSetBinaryOp) -> Result<(), String> {
        self.refuse(
            "a class set operation (&&, --, ~~), which Go does not know",
            &op.span,
        )
    }
}

impl Re2Only<'_> {
    fn flags(&self, flags: &ast::Flags) -> Result<(), String> {
        for item in &flags.items {
            if let FlagsItemKind::Flag(flag) = &item.kind {
                match flag {
                    ast::Flag::CaseInsensitive
                    | ast::Flag::MultiLine
                    | ast::Flag::DotMatchesNewLine
                    | ast::Flag::SwapGreed => {}
                    _ => {
                        return self
                            .refuse("a flag Go does not know (only i, m, s, U)", &item.span);
                    }
                }
            }
        }
        Ok(())
    }

    fn literal(&self, l: &ast::Literal) -> Result<(), String> {
        match l.kind {
            LiteralKind::HexFixed(HexLiteralKind::UnicodeShort | HexLiteralKind::UnicodeLong)
            | LiteralKind::HexBrace(HexLiteralKind::UnicodeShort | HexLiteralKind::UnicodeLong) => {
                self.refuse(
                    "\\u or \\U, which Go does not know (write \\x{...})",
                    &l.span,
                )
            }
            // `\/`, `\#`...: Go accepts any escaped ASCII punctuation too.
            _ => Ok(()),
        }
    }
}

/// How many capture groups a regex (already checked) has.
pub fn capture_groups(pattern: &str) -> usize {
    fn count(ast: &Ast) -> usize {
        match ast {
            Ast::Group(g) => {
                usize::from(!matches!(g.kind, ast::GroupKind::NonCapturing(_))) + count(&g.ast)
            }
            Ast::Repetition(r) => count(&r.ast),
            Ast::Alternation(a) => a.asts.iter().map(count).sum(),
            Ast::Concat(c) => c.asts.iter().map(count).sum(),
            _ => 0,
        }
    }
    ast::parse::Parser::new()
        .parse(pattern)
        .map(|a| count(&a))
        .unwrap_or(0)
}

/// Spells `\\` as `\x5c` and `\/` as `/`: the same regex, which `-config.expand-env`
/// (drone/envsubst) does not rewrite.
fn rewrite_escapes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push_str("\\x5c"),
            Some('/') => out.push('/'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::for_promtail;

    #[test]
    fn go_accepts_what_passes() {
        for ok in [
            r"(?i)password=([^\s&]+)",
            r"(?P<x>a)(?<y>b)",
            r"\x{1F600}\x41[[:alpha:]]\pL\p{Greek}",
            r"a{2,1000}",
            r"(?s:.)+?\z\A\b\B",
            r"[^]a-z]",
        ] {
            assert!(for_promtail(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn what_go_refuses_is_refused_with_a_reason() {
        for (bad, why) in [
            (r"(?=a)", "look-around"),
            (r"(?<!a)b", "look-around"),
            (r"(a)\1", "back-references"),
            (r"a{1001}", "repeat count"),
            (r"[a-z&&[^aeiou]]", "class set operation"),
            (r"(?x)a b", "flag"),
            (r"\u0041", "\\u"),
            (r"\<word\>", "word-boundary"),
            (r"(unclosed", "not a Go RE2 regex"),
            ("a${HOME}", "expand-env"),
            ("a\u{7}b", "control character"),
            ("", "empty"),
        ] {
            let err = for_promtail(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn escapes_expand_env_would_rewrite_are_respelled() {
        assert_eq!(for_promtail(r"a\\b\/c\d").as_deref(), Ok(r"a\x5cb/c\d"));
        assert_eq!(for_promtail(r"[\\]").as_deref(), Ok(r"[\x5c]"));
        let rewritten = for_promtail(r"x\\\\y").unwrap_or_default();
        let re = regex::Regex::new(&rewritten).unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match(r"x\\y"));
    }
}
