//! Rune sets as sorted, disjoint ranges: Go's Perl and POSIX classes (ASCII), negation
//! and `(?i)` simple case folding, refused where Go's Unicode 15.0 folds differently.

use regex_syntax::ast::{ClassAsciiKind, ClassPerlKind};
use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};

/// A set of runes: sorted, disjoint, non-adjacent inclusive ranges.
pub type Ranges = Vec<(u32, u32)>;

/// Code points whose simple case folding in Unicode 16.0 (the tables of `regex-syntax`)
/// differs from Unicode 15.0 (Go's `unicode` tables, Go 1.21 to 1.25): characters new in
/// 16.0 that have a case partner, and their partners. Checked against the tables by a test.
pub const FOLD_CHANGED_AFTER_15: &[(u32, u32)] = &[
    (0x19B, 0x19B),
    (0x264, 0x264),
    (0x1C89, 0x1C8A),
    (0xA7CB, 0xA7CD),
    (0xA7DA, 0xA7DC),
    (0x10D50, 0x10D65),
    (0x10D70, 0x10D85),
];

const MAX_RUNE: u32 = 0x10_FFFF;

fn to_class(r: &[(u32, u32)]) -> ClassUnicode {
    ClassUnicode::new(r.iter().filter_map(|&(lo, hi)| {
        // Surrogates cannot be decoded from any input: clipping them changes nothing.
        let lo = char::from_u32(lo).or_else(|| char::from_u32(0xE000))?;
        let hi = char::from_u32(hi).or_else(|| char::from_u32(0xD7FF))?;
        (lo <= hi).then(|| ClassUnicodeRange::new(lo, hi))
    }))
}

fn from_class(c: &ClassUnicode) -> Ranges {
    c.iter()
        .map(|r| (u32::from(r.start()), u32::from(r.end())))
        .collect()
}

/// Sorts and merges.
pub fn normalize(r: &[(u32, u32)]) -> Ranges {
    let mut v: Ranges = r.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    v.sort_unstable();
    let mut out: Ranges = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Every rune not in `r` (0 to U+10FFFF).
pub fn negate(r: &[(u32, u32)]) -> Ranges {
    let mut out = Vec::new();
    let mut next = 0u32;
    for &(lo, hi) in &normalize(r) {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi.saturating_add(1);
    }
    if next <= MAX_RUNE {
        out.push((next, MAX_RUNE));
    }
    out
}

/// `r` with every rune's simple case folding orbit (Go's `(?i)`).
pub fn fold(r: &[(u32, u32)], what: &str) -> Result<Ranges, String> {
    let r = normalize(r);
    if let Some(&(lo, _)) = r.iter().find(|&&(lo, hi)| {
        FOLD_CHANGED_AFTER_15
            .iter()
            .any(|&(a, b)| lo <= b && a <= hi)
    }) {
        return Err(format!(
            "{what} under (?i) covers a character whose case folding changed after Unicode 15.0 \
             (near U+{lo:04X}): Go folds with Unicode 15.0, this compiler with 16.0"
        ));
    }
    let mut c = to_class(&r);
    c.try_case_fold_simple()
        .map_err(|_| "case folding tables are missing (regex-syntax unicode-case)".to_owned())?;
    Ok(normalize(&from_class(&c)))
}

/// Go's `\d`, `\s`, `\w`: ASCII only (`\s` has no `\v`).
pub fn perl(kind: &ClassPerlKind) -> Ranges {
    match kind {
        ClassPerlKind::Digit => vec![(0x30, 0x39)],
        ClassPerlKind::Space => vec![(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
        ClassPerlKind::Word => vec![(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    }
}

/// Go's `[[:name:]]` classes: ASCII only.
pub fn posix(kind: &ClassAsciiKind) -> Ranges {
    match kind {
        ClassAsciiKind::Alnum => vec![(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
        ClassAsciiKind::Alpha => vec![(0x41, 0x5A), (0x61, 0x7A)],
        ClassAsciiKind::Ascii => vec![(0x00, 0x7F)],
        ClassAsciiKind::Blank => vec![(0x09, 0x09), (0x20, 0x20)],
        ClassAsciiKind::Cntrl => vec![(0x00, 0x1F), (0x7F, 0x7F)],
        ClassAsciiKind::Digit => vec![(0x30, 0x39)],
        ClassAsciiKind::Graph => vec![(0x21, 0x7E)],
        ClassAsciiKind::Lower => vec![(0x61, 0x7A)],
        ClassAsciiKind::Print => vec![(0x20, 0x7E)],
        ClassAsciiKind::Punct => vec![(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
        ClassAsciiKind::Space => vec![(0x09, 0x0D), (0x20, 0x20)],
        ClassAsciiKind::Upper => vec![(0x41, 0x5A)],
        ClassAsciiKind::Word => vec![(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
        ClassAsciiKind::Xdigit => vec![(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
    }
}
