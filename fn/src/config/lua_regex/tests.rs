//! The Lua runtime run by the real `luajit` against Rust references: the built-in
//! redaction rules on the secret corpus, refusals, determinism.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use super::tests_ref::Outcome;
use super::{Program, VM_LUA, compile};
use crate::config::promtail::redact_tests::{ORDINARY, SECRETS};
use crate::config::promtail::sim::go_replace;
use crate::spec::redaction::{BUILTIN, REPLACEMENT};

pub fn luajit() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("luajit"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("luajit is not on PATH: run `make tools` (tools/install-lua.sh installs it)")
        })
}

/// Runs `luajit SCRIPT ARGS...` (with `env`) and returns its standard output; fails the
/// test when luajit does.
pub fn run_luajit(
    script: &std::path::Path,
    args: &[&std::path::Path],
    env: &[(&str, &str)],
) -> String {
    let out = Command::new(luajit())
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "luajit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn unhex(field: &str) -> Vec<u8> {
    (0..field.len() / 2)
        .map(|i| u8::from_str_radix(&field[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn opt(field: &str) -> Option<Vec<u8>> {
    field.strip_prefix('=').map(unhex)
}

const DRIVER: &str = r#"
local function hex(s)
  return "=" .. (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end
local f = assert(io.open(arg[1], "rb"))
local data = f:read("*a")
f:close()
local out, i = {}, 1
while i <= #data do
  local sp = data:find(" ", i, true)
  local nl = data:find("\n", sp, true)
  local p = P[tonumber(data:sub(i, sp - 1))]
  local len = tonumber(data:sub(sp + 1, nl - 1))
  local line = data:sub(nl + 1, nl + len)
  i = nl + len + 2
  local parts = { hex(re_replace_groups(p, line, REPL)), re_find(p, line) and "1" or "0" }
  local m = re_match(p, line)
  if m == nil then
    parts[#parts + 1] = "none"
  else
    for g = 0, p.ncap - 1 do parts[#parts + 1] = m[g] and hex(m[g]) or "-" end
    local names = {}
    for _, name in pairs(p.names) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      parts[#parts + 1] = "@" .. name
      parts[#parts + 1] = m[name] and hex(m[name]) or "-"
    end
  end
  out[#out + 1] = table.concat(parts, " ")
end
io.write(table.concat(out, "\n"), "\n")
"#;

/// Runs every case (program index, line) in one luajit process.
pub fn run_lua(programs: &[Program], cases: &[(usize, Vec<u8>)], repl: &str) -> Vec<Outcome> {
    let mut script = format!("{VM_LUA}\nlocal REPL = \"{repl}\"\nlocal P = {{}}\n");
    for (i, p) in programs.iter().enumerate() {
        // One function per program keeps each under Lua's per-function limits.
        writeln!(
            script,
            "P[{}] = (function() return {} end)()",
            i + 1,
            p.to_lua()
        )
        .unwrap();
    }
    script.push_str(DRIVER);
    let mut input = Vec::new();
    for (p, line) in cases {
        input.extend(format!("{} {}\n", p + 1, line.len()).bytes());
        input.extend(line);
        input.push(b'\n');
    }
    let dir = std::env::temp_dir().join(format!(
        "lua-regex-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (script_path, input_path) = (dir.join("run.lua"), dir.join("cases"));
    std::fs::write(&script_path, script).unwrap();
    std::fs::write(&input_path, input).unwrap();
    let text = run_luajit(&script_path, &[&input_path], &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    let outcomes: Vec<Outcome> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let first = (f[2] != "none").then(|| {
                let groups = f[2..].iter().take_while(|x| !x.starts_with('@'));
                let caps: Vec<_> = groups.map(|x| opt(x)).collect();
                let rest = &f[2 + caps.len()..];
                let named = rest
                    .chunks(2)
                    .map(|c| (c[0][1..].to_owned(), opt(c[1])))
                    .collect();
                (caps, named)
            });
            Outcome {
                replaced: opt(f[0]).unwrap(),
                found: f[1] == "1",
                first,
            }
        })
        .collect();
    assert_eq!(outcomes.len(), cases.len(), "{text}");
    outcomes
}

/// Lines beyond the corpus: Go's ASCII `\b`/`\s`, `(?i)`'s Kelvin sign and long s, PEM
/// blocks, invalid UTF-8, empty lines.
pub const EXTRA: &[&[u8]] = &[
    b"",
    b"password=hunter2 token=abc&api_key=zzz secret: s3 api-key: k",
    "tok\u{212A}en=abc pa\u{17F}\u{17F}word=def".as_bytes(),
    "\u{e9}bearer abcdefghijkl and caf\u{e9} Authorization: Bearer \u{e9}t\u{e9}".as_bytes(),
    b"password=\xff\xfehunter2 \xc3 Authorization: Bearer abc\xe2\x82defghij",
    b"-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END RSA PRIVATE KEY----- tail",
    b"-----BEGIN PRIVATE KEY-----\nunterminated",
    b"   ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/   ",
    b"QUJDREVGR0hJSktMTU5PUA==",
    b"postgres://admin:s3cr3t@db:5432/app https://u:p@h and ftp://:x@y",
    b"{\"password\":\"a\\\"b\",\"apiKey\":\"k\",\"token\": \"t\"}",
    b"AKIAABCDEFGHIJKLMNOP ASIA0123456789ABCDEF xAKIAABCDEFGHIJKLMNOP",
    b"aws_secret_access_key=abcdefghijABCDEFGHIJ0123456789/+=abcdefgh",
    b"GET /x?X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2F HTTP/1.1",
    b"jwt eyJabcd.eyJefgh. eyJabcd.eyJefgh.sig",
    "Proxy-Authorization: Negotiate YII= \u{212A}".as_bytes(),
    b"x\ny password=a\npassword=b\n",
];

#[test]
fn builtin_rules_redact_in_lua_as_promtail_does() {
    let mut patterns = Vec::new();
    for set in BUILTIN {
        for (_, regex) in set.rules {
            patterns.push(*regex);
        }
    }
    let programs: Vec<Program> = patterns
        .iter()
        .map(|p| compile(p).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let mut lines: Vec<Vec<u8>> = SECRETS
        .iter()
        .map(|(_, l, _)| l.as_bytes().to_vec())
        .collect();
    lines.extend(ORDINARY.iter().map(|l| l.as_bytes().to_vec()));
    lines.extend(EXTRA.iter().map(|l| l.to_vec()));
    let cases: Vec<(usize, Vec<u8>)> = (0..programs.len())
        .flat_map(|p| lines.iter().map(move |l| (p, l.clone())))
        .collect();
    let outcomes = run_lua(&programs, &cases, REPLACEMENT);
    let mut checked_against_sim = 0;
    let mut redacted = 0;
    let references: Vec<_> = patterns
        .iter()
        .map(|p| super::tests_ref::Reference::new(p))
        .collect();
    for ((p, line), got) in cases.iter().zip(&outcomes) {
        let pattern = patterns[*p];
        let want = references[*p].outcome(line, REPLACEMENT);
        assert_eq!(
            got,
            &want,
            "{pattern}\n  on {:?}",
            String::from_utf8_lossy(line)
        );
        // Promtail's simulation agrees where its `regex` crate is Go (ASCII lines).
        if line.is_ascii() {
            let line = std::str::from_utf8(line).unwrap();
            assert_eq!(
                got.replaced,
                go_replace(pattern, REPLACEMENT, line).as_bytes()
            );
            checked_against_sim += 1;
        }
        redacted += usize::from(got.replaced != *line);
    }
    assert!(
        checked_against_sim > 400 && redacted > 40,
        "{checked_against_sim} {redacted}"
    );
}

#[test]
fn what_lua_cannot_do_exactly_is_refused_with_the_reason() {
    let big = "[a-z]{1000}".repeat(11);
    for (pattern, why) in [
        (r"\pL+", "Unicode class"),
        (r"[\p{Greek}a]", "Unicode class"),
        (r"a**", "repetition of a repetition"),
        (r"a{2}{3}", "repetition of a repetition"),
        (r"a{2, 3}", "blanks"),
        ("(?i)\u{264}", "Unicode 15.0"),
        (r"(?i)[\x{A7C0}-\x{A7FF}]", "Unicode 15.0"),
        (r"(?P<a.b>x)", "group name"),
        (r"(?x)a b", "flag"),
        (r"a{1001}", "repeat count"),
        (r"(a{100}){20}", "repeat count"),
        (r"\u0041", "\\u"),
        (r"\b{start}a", "word-boundary"),
        (big.as_str(), "instructions"),
    ] {
        let err = compile(pattern).expect_err(pattern);
        assert!(
            err.contains("Fluent Bit cannot apply it exactly") && err.contains(why),
            "{pattern}: {err}"
        );
    }
    for (pattern, why) in [
        (r"(?=a)", "look-around"),
        (r"(a", "unclosed"),
        (r"(a)\1", "backreference"),
    ] {
        let err = compile(pattern).expect_err(pattern);
        assert!(
            err.contains("is not a Go RE2 regex") && err.contains(why),
            "{pattern}: {err}"
        );
    }
    // Case folding that Unicode 15.0 and 16.0 agree on is fine, also near the changes.
    assert!(compile(r"(?i)[a-z\x{A7C0}-\x{A7CA}]k").is_ok());
}

#[test]
fn the_lua_text_is_deterministic_and_plain_ascii() {
    for set in BUILTIN {
        for (_, regex) in set.rules {
            let a = compile(regex).unwrap().to_lua();
            assert_eq!(a, compile(regex).unwrap().to_lua());
            assert!(
                a.is_ascii() && a.starts_with('{') && a.ends_with('}'),
                "{a}"
            );
        }
    }
    let p = compile("(?i)(?P<key>b)c").unwrap().to_lua();
    assert!(
        p.contains("names={[1]=\"key\"}") && p.contains("lit=\"bc\",lower=true"),
        "{p}"
    );
}

#[test]
fn the_fold_changes_after_unicode_15_are_the_ones_listed() {
    use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, HirKind};
    let class = |p: &str| match regex_syntax::Parser::new().parse(p).unwrap().into_kind() {
        HirKind::Class(Class::Unicode(c)) => c,
        other => panic!("{other:?}"),
    };
    let mut new = class(r"\p{Age=16.0}");
    new.difference(&class(r"\p{Age=15.0}"));
    let mut changed = ClassUnicode::empty();
    for r in new.iter() {
        for c in r.start()..=r.end() {
            let mut orbit = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            orbit.case_fold_simple();
            if orbit.iter().count() > 1 || orbit.iter().any(|r| r.start() != r.end()) {
                changed.union(&orbit);
            }
        }
    }
    let got: Vec<(u32, u32)> = changed
        .iter()
        .map(|r| (u32::from(r.start()), u32::from(r.end())))
        .collect();
    assert_eq!(got, super::class::FOLD_CHANGED_AFTER_15);
}

/// Not a test: prints how long luajit takes for a 16 KiB line through every built-in
/// rule (`cargo nextest run -p loki-stack-fn --run-ignored only lua_regex_timing
/// --no-capture`). Asserts nothing about the time.
#[test]
#[ignore = "a measurement, not a test"]
fn lua_regex_timing() {
    let mut script = format!("{VM_LUA}\nlocal P = {{}}\n");
    for set in BUILTIN {
        for (_, regex) in set.rules {
            let lua = compile(regex).unwrap().to_lua();
            writeln!(script, "P[#P + 1] = {lua}").unwrap();
        }
    }
    script.push_str(
        r#"
local function fill(unit) return string.rep(unit, math.ceil(16384 / #unit)):sub(1, 16384) end
local lines = {
  {"logfmt with secrets", fill('level=info msg="request served" path=/api/v1/users password=hunter2 status=200 ')},
  {"JSON", fill('{"level":"info","msg":"listening","addr":":8080","user":"x","token":"abc"},')},
  {"prose", fill("the quick brown fox jumps over the lazy dog while nobody watches it ")},
  {"key: value text", fill("password: x secret: y token: z api_key: w ")},
  {"base64", fill("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx")},
  {"hostile: key parts", fill("passwordsecrettokenapikeycredentials") .. "=x"},
  {"hostile: short", fill(" a: b=c ")},
}
for _, l in ipairs(lines) do
  local runs, t0 = 20, os.clock()
  local out
  for _ = 1, runs do
    out = l[2]
    for i = 1, #P do out = re_replace_groups(P[i], out, "[REDACTED]") end
  end
  io.write(string.format("%-20s %6.2f ms per 16 KiB line (%d rules)\n", l[1], (os.clock() - t0) * 1000 / runs, #P))
end
"#,
    );
    let path = std::env::temp_dir().join(format!("lua-regex-timing-{}.lua", std::process::id()));
    std::fs::write(&path, script).unwrap();
    let out = Command::new(luajit()).arg(&path).output().unwrap();
    std::fs::remove_file(&path).unwrap();
    println!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn deep_programs_run_without_exhausting_the_lua_stack() {
    let patterns = [
        "(?:a??){1000}(?:b??){1000}(?:c??){1000}(?:d??){1000}".to_owned(),
        "(a??){830}(b??){830}(c??){830}x".to_owned(),
        format!("{}x{}", "(".repeat(99), ")".repeat(99)),
    ];
    let programs: Vec<Program> = patterns.iter().map(|p| compile(p).unwrap()).collect();
    let cases: Vec<(usize, Vec<u8>)> = (0..programs.len())
        .flat_map(|p| [(p, b"abcdx".to_vec()), (p, b"x".repeat(50))])
        .collect();
    let outcomes = run_lua(&programs, &cases, "-");
    for ((p, line), got) in cases.iter().zip(&outcomes) {
        let want = super::tests_ref::Reference::new(&patterns[*p]).outcome(line, "-");
        assert_eq!(got, &want, "{}", patterns[*p]);
    }
}

/// Go's FindAll: an empty match is not taken right after a match and the next search
/// starts one rune on; every group of every match is replaced.
#[test]
fn empty_matches_and_groups_are_replaced_as_go_does() {
    let table: &[(&str, &[u8], &[u8])] = &[
        ("(a*)", b"baaac", b"-b-c-"),
        ("(a|)", b"ab", b"-b-"),
        (
            "(x*)",
            "\u{e9}\u{1D11E}".as_bytes(),
            "-\u{e9}-\u{1D11E}-".as_bytes(),
        ),
        ("(x*)", b"\xff\xc3", b"-\xff-\xc3-"),
        ("(a)(b)?", b"ab a", b"-- -"),
        ("(?i)(k)", "k K \u{212A}".as_bytes(), b"- - -"),
        (
            r"\b(\w)",
            "\u{e9}t\u{e9}".as_bytes(),
            "\u{e9}-\u{e9}".as_bytes(),
        ),
        (r"(\s)", b"a\x0bb c", b"a\x0bb-c"),
        ("^(a)|(b)$", b"ab\nab", b"-b\na-"),
        ("(?m)^(a)|(b)$", b"ab\nab", b"--\n--"),
    ];
    let programs: Vec<Program> = table.iter().map(|(p, _, _)| compile(p).unwrap()).collect();
    let cases: Vec<(usize, Vec<u8>)> = table
        .iter()
        .enumerate()
        .map(|(i, (_, line, _))| (i, line.to_vec()))
        .collect();
    for ((pattern, line, want), got) in table.iter().zip(run_lua(&programs, &cases, "-")) {
        assert_eq!(
            String::from_utf8_lossy(&got.replaced),
            String::from_utf8_lossy(want),
            "{pattern} on {:?}",
            String::from_utf8_lossy(line)
        );
    }
}
