//! Go RE2 regexes compiled to programs for a Lua Pike VM (`vm.lua`), so Fluent Bit's Lua
//! filter (LuaJIT) redacts exactly as Promtail's `replace` stage does; the rest is refused.

mod class;
mod compile;
pub mod onigmo;
mod parse;
mod prefilter;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
pub(crate) mod tests_diff;
#[cfg(test)]
pub(crate) mod tests_ref;

use std::fmt::Write as _;

use compile::Inst;
use parse::{Look, refuse};
use prefilter::Literal;

pub use compile::MAX_INSTS;

/// The runtime (Lua 5.1 with the `bit` library: LuaJIT 2.1). Defines three globals and
/// nothing else, where `prog` is the value of a [`Program::to_lua`] expression:
/// `re_replace_groups(prog, s, repl)` (Promtail's `replace` stage with a constant
/// replacement), `re_find(prog, s)` (a boolean) and `re_match(prog, s)` (nil, or the
/// first match: `[0]` the whole, `[1]`..`[n]` the groups, nil when a group took no part,
/// and the named groups by name). A Fluent Bit Lua filter script is this text, then
/// `local P1 = <to_lua>` for each rule, then the filter function, e.g.
/// `record.log = re_replace_groups(P1, record.log, "[REDACTED]")`. A program keeps its
/// scratch state in its own table (`st`): one Lua state runs one search at a time.
pub const VM_LUA: &str = include_str!("vm.lua");

/// A compiled regex: what `to_lua` writes for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    insts: Vec<Inst>,
    start: usize,
    /// Capture groups, the whole match not counted.
    groups: u32,
    names: Vec<(u32, String)>,
    literal: Option<Literal>,
    first: Option<Vec<u8>>,
    anchored: bool,
}

/// Compiles a Go RE2 regex (Promtail's syntax and meaning). Refuses, with the reason,
/// what is not Go RE2 and what the runtime cannot reproduce exactly.
pub fn compile(pattern: &str) -> Result<Program, String> {
    let parsed = parse::parse(pattern)?;
    let (insts, start) = compile::compile(&parsed.node).map_err(|e| refuse(pattern, &e))?;
    let first = prefilter::first_bytes(&insts, start);
    let anchored = prefilter::anchored(&insts, start);
    Ok(Program {
        literal: prefilter::literal(&parsed.node),
        first,
        anchored,
        start,
        insts,
        groups: parsed.groups,
        names: parsed.names,
    })
}

/// A Lua string literal of any bytes, ASCII only (`\ddd` escapes).
pub fn lua_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        if (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\{b:03}");
        }
    }
    out.push('"');
    out
}

/// A Lua pattern `[...]` matching one of `bytes` (sorted).
fn lua_byte_set(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![b'['];
    let plain = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
    let mut i = 0;
    while let Some(&lo) = bytes.get(i) {
        let mut j = i;
        while bytes
            .get(j + 1)
            .is_some_and(|&n| bytes.get(j).and_then(|b| b.checked_add(1)) == Some(n))
        {
            j += 1;
        }
        let hi = bytes.get(j).copied().unwrap_or(lo);
        if j >= i + 2 && plain(lo) && plain(hi) {
            out.extend([lo, b'-', hi]);
            i = j + 1;
            continue;
        }
        match lo {
            0 => out.extend_from_slice(b"%z"),
            b if b.is_ascii_punctuation() => out.extend([b'%', b]),
            b => out.push(b),
        }
        i += 1;
    }
    out.push(b']');
    out
}

fn look_code(look: Look) -> u32 {
    match look {
        Look::BeginLine => 1,
        Look::EndLine => 2,
        Look::BeginText => 3,
        Look::EndText => 4,
        Look::Word => 5,
        Look::NotWord => 6,
    }
}

impl Program {
    /// Follows `Nop`s (Lua indexes from 1).
    fn target(&self, mut pc: usize) -> usize {
        for _ in 0..self.insts.len() {
            match self.insts.get(pc) {
                Some(Inst::Nop { out }) if *out != pc => pc = *out,
                _ => break,
            }
        }
        pc + 1
    }

    /// A Lua table constructor for the runtime; the same program gives the same text.
    pub fn to_lua(&self) -> String {
        let n = self.insts.len();
        let (mut op, mut a, mut b, mut nx) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut classes: Vec<String> = Vec::new();
        for inst in &self.insts {
            let (o, x, y, next) = match inst {
                Inst::Rune { set, out } => {
                    let next = self.target(*out);
                    match set.as_slice() {
                        [(0, 0x10_FFFF)] => (4, 0, 0, next),
                        [(0, 9), (11, 0x10_FFFF)] => (5, 0, 0, next),
                        [] => (10, 0, 0, 0),
                        [(lo, hi)] if lo == hi => (1, *lo as usize, 0, next),
                        [(lo, hi)] => (2, *lo as usize, *hi as usize, next),
                        ranges => {
                            let flat: Vec<String> = ranges
                                .iter()
                                .flat_map(|(lo, hi)| [lo.to_string(), hi.to_string()])
                                .collect();
                            classes.push(format!("{{{}}}", flat.join(",")));
                            (3, classes.len(), 0, next)
                        }
                    }
                }
                Inst::Split { out, arg } => (6, self.target(*out), self.target(*arg), 0),
                Inst::Save { slot, out } => (7, *slot as usize + 1, 0, self.target(*out)),
                Inst::Assert { look, out } => (8, look_code(*look) as usize, 0, self.target(*out)),
                Inst::Match => (9, 0, 0, 0),
                Inst::Fail => (10, 0, 0, 0),
                Inst::Nop { out } => (11, 0, 0, self.target(*out)),
            };
            op.push(o.to_string());
            a.push(x.to_string());
            b.push(y.to_string());
            nx.push(next.to_string());
        }
        let mut out = format!(
            "{{ncap={},start={},anchored={},\nop={{{}}},\na={{{}}},\nb={{{}}},\nnx={{{}}},\ncls={{{}}},\nnames={{",
            self.groups + 1,
            self.target(self.start),
            self.anchored,
            op.join(","),
            a.join(","),
            b.join(","),
            nx.join(","),
            classes.join(","),
        );
        for (i, (index, name)) in self.names.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(out, "{sep}[{index}]={}", lua_string(name.as_bytes()));
        }
        out.push('}');
        if let Some(lit) = &self.literal {
            let _ = write!(
                out,
                ",\nlit={},lower={}",
                lua_string(&lit.bytes),
                lit.lowered
            );
        }
        if let Some(first) = &self.first {
            let _ = write!(out, ",\nfirst={}", lua_string(&lua_byte_set(first)));
        }
        out.push('}');
        out
    }
}
