//! Exact shortcuts the Lua runtime may take: a literal every match contains, the bytes a
//! match can start with, and whether a match can only start at the start of the text.

use super::class::Ranges;
use super::compile::Inst;
use super::parse::{Look, Node};

/// A byte string every match contains: in the line, or (`lowered`) in the line with
/// ASCII letters lowered (`string.lower`), for `(?i)` letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub bytes: Vec<u8>,
    pub lowered: bool,
}

#[derive(Debug, Clone, Copy)]
enum Unit {
    Exact(char),
    /// An ASCII letter in either case (`(?i)` of a letter other than k and s).
    EitherCase(u8),
}

fn unit(set: &Ranges) -> Option<Unit> {
    match set.as_slice() {
        // U+FFFD also matches each byte of invalid UTF-8: not a literal.
        [(c, d)] if c == d && *c != 0xFFFD => char::from_u32(*c).map(Unit::Exact),
        [(u, u2), (l, l2)] if u == u2 && l == l2 && (0x41..=0x5A).contains(u) && *l == u + 0x20 => {
            u8::try_from(*l).ok().map(Unit::EitherCase)
        }
        _ => None,
    }
}

/// The units of a node that matches exactly one fixed sequence of them.
fn fixed(node: &Node, out: &mut Vec<Unit>) -> bool {
    match node {
        Node::Empty | Node::Look(_) => true,
        Node::Class(set) => unit(set).map(|u| out.push(u)).is_some(),
        Node::Cap(_, sub) => fixed(sub, out),
        Node::Concat(subs) => subs.iter().all(|s| fixed(s, out)),
        _ => false,
    }
}

fn flush(run: &mut Vec<Unit>, out: &mut Vec<Literal>) {
    if run.is_empty() {
        return;
    }
    let lowered = run.iter().any(|u| matches!(u, Unit::EitherCase(_)));
    let mut bytes = Vec::new();
    for u in run.drain(..) {
        match u {
            Unit::Exact(c) => {
                let mut buf = [0u8; 4];
                let enc = c.encode_utf8(&mut buf).as_bytes();
                if lowered {
                    bytes.extend(enc.iter().map(u8::to_ascii_lowercase));
                } else {
                    bytes.extend_from_slice(enc);
                }
            }
            Unit::EitherCase(l) => bytes.push(l),
        }
    }
    out.push(Literal { bytes, lowered });
}

fn collect(node: &Node, out: &mut Vec<Literal>) {
    match node {
        Node::Concat(subs) => {
            let mut run = Vec::new();
            for sub in subs {
                let mut units = Vec::new();
                if fixed(sub, &mut units) {
                    run.extend(units);
                } else if let Node::Plus(x, _) = sub
                    && fixed(x, &mut units)
                {
                    run.extend(units);
                    flush(&mut run, out);
                } else {
                    flush(&mut run, out);
                    collect(sub, out);
                }
            }
            flush(&mut run, out);
        }
        Node::Class(_) => {
            let mut run = Vec::new();
            if fixed(node, &mut run) {
                flush(&mut run, out);
            }
        }
        Node::Cap(_, sub) | Node::Plus(sub, _) => collect(sub, out),
        _ => {}
    }
}

/// The longest literal every match contains, if any.
pub fn literal(node: &Node) -> Option<Literal> {
    let mut all = Vec::new();
    collect(node, &mut all);
    let mut best: Option<Literal> = None;
    for lit in all {
        if best
            .as_ref()
            .is_none_or(|b| lit.bytes.len() > b.bytes.len())
        {
            best = Some(lit);
        }
    }
    best
}

fn lead_bytes(set: &Ranges, bytes: &mut [bool; 256]) {
    const SPANS: [(u32, u32, u32, u32); 4] = [
        (0, 0x7F, 0, 0),
        (0x80, 0x7FF, 6, 0xC0),
        (0x800, 0xFFFF, 12, 0xE0),
        (0x1_0000, 0x10_FFFF, 18, 0xF0),
    ];
    for &(lo, hi) in set {
        for (a, b, shift, tag) in SPANS {
            let (lo, hi) = (lo.max(a), hi.min(b));
            if lo <= hi {
                for lead in (lo >> shift) | tag..=(hi >> shift) | tag {
                    if let Some(slot) = usize::try_from(lead).ok().and_then(|i| bytes.get_mut(i)) {
                        *slot = true;
                    }
                }
            }
        }
        if lo <= 0xFFFD && 0xFFFD <= hi {
            // Every byte of invalid UTF-8 is read as U+FFFD.
            for slot in bytes.iter_mut().skip(0x80) {
                *slot = true;
            }
        }
    }
}

/// Walks the instructions reachable from `start` without consuming input; `stop` cuts a
/// path. Returns false as soon as `visit` does.
fn closure(
    insts: &[Inst],
    start: usize,
    stop: &dyn Fn(&Inst) -> bool,
    visit: &mut dyn FnMut(&Inst) -> bool,
) -> bool {
    let mut seen = vec![false; insts.len()];
    let mut stack = vec![start];
    while let Some(pc) = stack.pop() {
        let (Some(inst), Some(mark)) = (insts.get(pc), seen.get_mut(pc)) else {
            continue;
        };
        if *mark {
            continue;
        }
        *mark = true;
        if stop(inst) {
            continue;
        }
        if !visit(inst) {
            return false;
        }
        match inst {
            Inst::Nop { out } | Inst::Save { out, .. } | Inst::Assert { out, .. } => {
                stack.push(*out)
            }
            Inst::Split { out, arg } => stack.extend([*arg, *out]),
            Inst::Fail | Inst::Match | Inst::Rune { .. } => {}
        }
    }
    true
}

/// The bytes a match can start with, when that rules some out and every such byte
/// starts a rune wherever it is (so not 0x80 to 0xBF).
pub fn first_bytes(insts: &[Inst], start: usize) -> Option<Vec<u8>> {
    let mut bytes = [false; 256];
    let ok = closure(insts, start, &|_| false, &mut |inst| match inst {
        Inst::Match => false,
        Inst::Rune { set, .. } => {
            lead_bytes(set, &mut bytes);
            true
        }
        _ => true,
    });
    let continuation = bytes.iter().skip(0x80).take(0x40).any(|b| *b);
    let count = bytes.iter().filter(|b| **b).count();
    if !ok || continuation || count > 200 {
        return None;
    }
    Some(
        (0..=255u8)
            .filter(|b| bytes.get(usize::from(*b)) == Some(&true))
            .collect(),
    )
}

/// True when every path to a match passes `\A` (or `^` without `(?m)`) first.
pub fn anchored(insts: &[Inst], start: usize) -> bool {
    closure(
        insts,
        start,
        &|inst| {
            matches!(
                inst,
                Inst::Assert {
                    look: Look::BeginText,
                    ..
                }
            )
        },
        &mut |inst| !matches!(inst, Inst::Match | Inst::Rune { .. }),
    )
}
