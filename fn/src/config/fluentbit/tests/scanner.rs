//! The Lua filter checks logfmt with a hand-written scanner (`logfmt_pairs`) of
//! Promtail's gate grammar (`LOGFMT_LINE`) instead of a regex: it must accept exactly
//! the lines the gate accepts, and read the same pairs as go-logfmt. And its rune count
//! (the 16000-character limit) must count as Go does.
//!
//! Promtail's gate runs in Go's regexp, which reads an invalid UTF-8 byte as U+FFFD;
//! the `regex` crate does not match invalid bytes at all. So the reference is the gate
//! run by the `regex` crate on the line as Go decodes it (each invalid byte U+FFFD).

use super::harness::{Op, Reply, Stack, run_lua};
use crate::config::promtail::LOGFMT_LINE;
use crate::config::promtail::tests::{
    LOGFMT_PIECES, LOGFMT_REAL, LOGFMT_REFUSED, Lcg, go_logfmt_pairs,
};

/// The line as Go's regexp and `utf8.RuneCount` see it: one U+FFFD per invalid byte.
fn go_text(line: &[u8]) -> String {
    let mut out = String::new();
    for chunk in line.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(chunk.invalid().iter().map(|_| '\u{FFFD}'));
    }
    out
}

/// More pieces: non-ASCII (2-, 3- and 4-byte, U+2028, a BOM), invalid UTF-8 (a
/// continuation byte alone, cut sequences, surrogates, overlong), every control
/// character class, escapes of surrogates.
const MORE: &[&[u8]] = &[
    b"\xc3",
    b"\x80",
    b"\xe2\x82",
    b"\xe2\x82\xac",
    b"\xf0\x9f\x98\x80",
    b"\xf0\x9f\x98",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xe2\x80\xa8",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\x1f",
    b"\n",
    b"\r",
    b"\x0b",
    b"\\ud83d\\ude00",
    b"\\ud83d",
    b"\\ude00",
    b"\\uD83D\\uDE00",
    b"\\u0000",
    b"\\/",
    b"\\'",
    b"\\b\\f\\r\\t",
    b"level=",
    b"=\"",
    b"\"=",
];

#[test]
fn the_logfmt_scanner_accepts_exactly_what_the_gate_accepts() {
    let gate = regex::Regex::new(LOGFMT_LINE).unwrap();
    let pieces: Vec<&[u8]> = LOGFMT_PIECES.iter().chain(MORE).copied().collect();
    let mut rng = Lcg(7);
    let mut lines: Vec<Vec<u8>> = LOGFMT_REAL
        .iter()
        .chain(LOGFMT_REFUSED)
        .map(|l| l.as_bytes().to_vec())
        .collect();
    for _ in 0..40_000 {
        let n = 1 + usize::try_from(rng.next() % 12).unwrap_or(0);
        lines.push((0..n).flat_map(|_| rng.pick(&pieces).to_vec()).collect());
    }
    // Lines of valid pairs: the generator alone seldom builds long ones.
    let pair_pieces: &[&[u8]] = &[
        b"level=info",
        b"k=\"v w\"",
        b"caf\xc3\xa9=\xe2\x82\xac",
        b"e=\"\\u00e9\\ud83d\\ude00\\\\\"",
        b"bare",
        b"x=",
        b"u=\"\xff\"",
        b"u=\"\\n\xff\"",
    ];
    for _ in 0..2_000 {
        let n = 1 + usize::try_from(rng.next() % 8).unwrap_or(0);
        let parts: Vec<Vec<u8>> = (0..n).map(|_| rng.pick(pair_pieces).to_vec()).collect();
        let sep: &[u8] = if rng.next().is_multiple_of(2) {
            b" "
        } else {
            b" \t "
        };
        lines.push(parts.join(sep));
    }
    // Long lines (the scanner has no length limit; fields_of has, see below).
    let long_value = "\u{e9}".repeat(17_000);
    lines.push(format!("level=info msg=\"{long_value}\"").into_bytes());
    lines.push(format!("level=info msg={long_value} x=\"unterminated").into_bytes());
    lines.push([b"level=info msg=".as_slice(), &[0xff; 20_000]].concat());
    let mut ops: Vec<Op> = lines.iter().map(|l| Op::Logfmt(l.clone())).collect();
    ops.extend(lines.iter().map(|l| Op::Runes(l.clone())));
    // The rune count at the 16000 limit, with invalid bytes (Go counts each as one).
    let at_limit: Vec<Vec<u8>> = vec![
        [b"level=info ".as_slice(), &[0x80; 15_989]].concat(),
        [b"level=info ".as_slice(), &b"\xe2\x82".repeat(7_995)].concat(),
        [b"level=info ".as_slice(), &b"\xe2\x82\xac".repeat(15_989)].concat(),
    ];
    ops.extend(at_limit.iter().map(|l| Op::Runes(l.clone())));
    let replies = run_lua(&Stack::new("").r, &ops);
    let (scans, counts) = replies.split_at(lines.len());
    let mut diffs = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for (line, reply) in lines.iter().zip(scans) {
        let go = go_text(line);
        let want = gate.is_match(&go).then(|| {
            go_logfmt_pairs(line).unwrap_or_else(|e| panic!("the gate admits {go:?}: {e}"))
        });
        if want.is_some() {
            accepted += 1;
        } else {
            refused += 1;
        }
        if *reply != Reply::Pairs(want.clone()) {
            diffs.push(format!(
                "{:?}\n    gate/go-logfmt {want:?}\n    Lua            {reply:?}",
                String::from_utf8_lossy(line)
            ));
        }
    }
    for (line, reply) in lines.iter().chain(&at_limit).zip(counts) {
        let want = go_text(line).chars().count();
        if *reply != Reply::Count(want) {
            diffs.push(format!(
                "rune count of {:.60?}: Go {want}, Lua {reply:?}",
                String::from_utf8_lossy(line)
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert!(accepted > 3_000 && refused > 10_000, "{accepted} {refused}");
}
