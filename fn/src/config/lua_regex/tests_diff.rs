//! Differential test: generated Go regexes and lines (ASCII, multibyte, invalid UTF-8)
//! through the Lua runtime and through the reference (`tests_ref`).

use super::compile;
use super::tests::run_lua;
use super::tests_ref::{Reference, rust_pattern};

/// xorshift64*: a small seeded generator.
pub(crate) struct Rng(pub(crate) u64);

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

pub(crate) struct Gen {
    pub(crate) rng: Rng,
    pub(crate) names: usize,
}

impl Gen {
    pub(crate) fn regex(&mut self, depth: usize) -> String {
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

    pub(crate) fn line(&mut self) -> Vec<u8> {
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
