//! The rewrite against the real Onigmo: Ruby's `Regexp` is Onigmo with Ruby syntax, as
//! Fluent Bit compiles multiline rules. Generated patterns and lines (valid UTF-8, as
//! log lines are) must match in Ruby exactly where Go's regexp (the `regex` crate) does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::{firstline_rules, translate};
use crate::config::lua_regex::tests_diff::{Gen, Rng};
use crate::config::lua_regex::tests_ref::Reference;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `ruby` runs the cases: each input line `hex(pattern) hex(line)`, each output `1`/`0`.
fn ruby(cases: &[(String, Vec<u8>)]) -> Vec<bool> {
    let script = r#"
STDOUT.sync = false
cache = {}
STDIN.each_line do |l|
  p, s = l.split(" ", -1).map { |h| [h.strip].pack("H*").force_encoding("UTF-8") }
  re = (cache[p] ||= Regexp.new(p))
  puts(re.match?(s) ? "1" : "0")
end
"#;
    let mut child = Command::new("ruby")
        .args(["-e", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("ruby is needed for the Onigmo tests: run `make tools`");
    let mut input = String::new();
    for (p, line) in cases {
        input.push_str(&format!("{} {}\n", hex(p.as_bytes()), hex(line)));
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "ruby failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l == "1")
        .collect()
}

#[test]
fn generated_patterns_match_in_onigmo_where_they_match_in_go() {
    let mut generator = Gen {
        rng: Rng(0x2545_F491_4F6C_DD1D),
        names: 0,
    };
    let mut cases = Vec::new();
    let mut references = Vec::new();
    while references.len() < 600 {
        generator.names = 0;
        let pattern = generator.regex(0);
        let onigmo = translate(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let reference = Reference::new(&pattern);
        for _ in 0..8 {
            let line = generator.line();
            if std::str::from_utf8(&line).is_ok() {
                cases.push((references.len(), onigmo.clone(), line));
            }
        }
        references.push((pattern, reference));
    }
    let got = ruby(
        &cases
            .iter()
            .map(|(_, p, l)| (p.clone(), l.clone()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(got.len(), cases.len());
    let mut failures = Vec::new();
    let mut matched = 0;
    for ((i, onigmo, line), got) in cases.iter().zip(got) {
        let (pattern, reference) = &references[*i];
        let want = reference.outcome(line, "").found;
        matched += usize::from(want);
        if got != want {
            failures.push(format!(
                "{pattern} as {onigmo}\n  line {:?}: onigmo {got}, go {want}",
                String::from_utf8_lossy(line)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(10)].join("\n")
    );
    assert!(matched > cases.len() / 5, "{matched} of {}", cases.len());
}

#[test]
fn the_continuation_rule_matches_exactly_the_lines_the_first_line_rule_does_not() {
    let rules = firstline_rules(r"^\d{4}-\d{2}-\d{2}").unwrap();
    let lines: Vec<&[u8]> = vec![
        b"2026-12-01 10:00:00 ERROR boom",
        b"\tat com.example.Main(Main.java:12)",
        b"Caused by: 2026-12-01",
        b"",
        "2026-12-01 \u{e9}".as_bytes(),
    ];
    let mut cases = Vec::new();
    for l in &lines {
        cases.push((rules.start.clone(), l.to_vec()));
        cases.push((rules.continuation.clone(), l.to_vec()));
    }
    let got = ruby(&cases);
    for (i, l) in lines.iter().enumerate() {
        let (start, cont) = (got[2 * i], got[2 * i + 1]);
        assert_ne!(start, cont, "{:?}", String::from_utf8_lossy(l));
    }
    assert_eq!(
        got.iter().step_by(2).copied().collect::<Vec<_>>(),
        [true, false, false, false, true]
    );
}

#[test]
fn rules_never_hold_a_slash_fluent_bit_would_read_as_options() {
    let rules = firstline_rules(r"^[0-9]{4}/[0-9]{2}/(?i:ab)\b").unwrap();
    assert!(!rules.start.contains('/') && !rules.continuation.contains('/'));
}
