//! Runs `pipeline.lua` in luajit on a batch of operations.
//!
//! The luajit process gets the whole script (the settings table `C`, the regex VM, the
//! pipeline) between a prelude that fixes `os.time()` (the old-line window's "now") to
//! the sim's `NOW_NS`, and a driver. The driver reads one operation per line from a file:
//!
//! ```text
//! R <tag> <sec> <nsec> <field>...   route(tag, {sec, nsec}, record); <field> is
//!                                   s<path>=<hex> (string), n<path>=<number> or b<path>=0|1,
//!                                   <path> the keys (hex) or #<index>, comma-separated
//! K <sec>                           os.time() returns <sec> from now on
//! W <name> / X <name>               creates / removes the file <name> in C.log_dir
//! L <line>                          logfmt_pairs(line)
//! C <line>                          rune_count(line)
//! ```
//!
//! (tags, names and lines in hex), and prints one line per R, L and C: `drop`, `same`
//! (code 0), `keep <code> <sec> <nsec> l:<key>:<value>... m:<key>:<value>...` (the
//! output record: its keys, `metadata` spread as `m:`), `error <message>`, `nil`,
//! `pairs <key>:<value>...`, `count <n>`. `C.log_dir` is a temporary directory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::lua_regex::tests::run_luajit;
use crate::config::promtail::sim::NOW_NS;
use crate::spec::Resolved;

/// `NODE_NAME` of the luajit process, and the node Promtail's discovery reports.
pub const NODE: &str = "talos-w-1";
/// The time a file line without a time of its own was read.
pub const READ_NS: i128 = NOW_NS - 1_000_000_000 + 250;
pub const SEC: i128 = 1_000_000_000;

/// A value in a record.
#[derive(Debug, Clone)]
pub enum Val {
    Str(Vec<u8>),
    Num(&'static str),
    Bool(bool),
}

/// A key in a record path: a name, or an array index (from 1).
#[derive(Debug, Clone)]
pub enum Key {
    Name(String),
    Index(usize),
}

/// A record as Fluent Bit hands it to the filter.
#[derive(Debug, Clone, Default)]
pub struct Record(pub Vec<(Vec<Key>, Val)>);

impl Record {
    pub fn set(mut self, path: Vec<Key>, v: Val) -> Self {
        self.0.push((path, v));
        self
    }

    pub fn str(self, path: &[&str], v: &str) -> Self {
        self.set(names(path), Val::Str(v.as_bytes().to_vec()))
    }
}

pub fn names(path: &[&str]) -> Vec<Key> {
    path.iter().map(|k| Key::Name((*k).to_owned())).collect()
}

#[derive(Debug, Clone)]
pub enum Op {
    Route {
        tag: String,
        ts_ns: i128,
        record: Record,
    },
    Clock(i128),
    Touch(String),
    Remove(String),
    Logfmt(Vec<u8>),
    Runes(Vec<u8>),
}

/// The filter's output record.
#[derive(Clone, PartialEq, Eq)]
pub struct Out {
    pub code: i64,
    pub ts_ns: i128,
    pub log: Vec<u8>,
    pub labels: BTreeMap<String, String>,
    pub metadata: BTreeMap<String, String>,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "code {} at {} {:.200?} labels {:?} metadata {:?}",
            self.code,
            self.ts_ns,
            String::from_utf8_lossy(&self.log),
            self.labels,
            self.metadata
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Drop,
    Same,
    Keep(Out),
    Error(String),
    Pairs(Option<Vec<(Vec<u8>, Vec<u8>)>>),
    Count(usize),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(field: &str) -> Vec<u8> {
    (0..field.len() / 2)
        .map(|i| u8::from_str_radix(&field[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn text(field: &str) -> String {
    String::from_utf8(unhex(field)).unwrap_or_else(|e| panic!("not UTF-8: {e}"))
}

const DRIVER: &str = r##"
local function unhex(h) return (h:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end)) end
local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function typed(v) if type(v) == "string" then return hex(v) end return "!" .. type(v) end
local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end
C.log_dir = arg[2]
local replies = {}
for line in io.lines(arg[1]) do
  local op, rest = line:match("^(%u) ?(.*)$")
  if op == "R" then
    local words = {}
    for w in rest:gmatch("%S+") do words[#words + 1] = w end
    local tag, ts, rec = unhex(words[1]), { sec = tonumber(words[2]), nsec = tonumber(words[3]) }, {}
    for n = 4, #words do
      local kind, path, value = words[n]:match("^(%l)([^=]*)=(.*)$")
      local keys = {}
      for seg in path:gmatch("[^,]+") do
        keys[#keys + 1] = seg:sub(1, 1) == "#" and tonumber(seg:sub(2)) or unhex(seg)
      end
      local t = rec
      for k = 1, #keys - 1 do
        if t[keys[k]] == nil then t[keys[k]] = {} end
        t = t[keys[k]]
      end
      local v
      if kind == "s" then v = unhex(value) elseif kind == "n" then v = tonumber(value) else v = value == "1" end
      t[keys[#keys]] = v
    end
    local ok, code, ts2, out = pcall(route, tag, ts, rec)
    if not ok then
      replies[#replies + 1] = "error " .. hex(tostring(code))
    elseif code == -1 then
      replies[#replies + 1] = "drop"
    elseif code == 0 then
      replies[#replies + 1] = "same"
    else
      local parts = { "keep", tostring(code), string.format("%.17g", ts2.sec), string.format("%.17g", ts2.nsec) }
      for _, k in ipairs(sorted_keys(out)) do
        local v = out[k]
        if k == "metadata" and type(v) == "table" then
          for _, mk in ipairs(sorted_keys(v)) do
            parts[#parts + 1] = "m:" .. hex(tostring(mk)) .. ":" .. typed(v[mk])
          end
        else
          parts[#parts + 1] = "l:" .. hex(tostring(k)) .. ":" .. typed(v)
        end
      end
      replies[#replies + 1] = table.concat(parts, " ")
    end
  elseif op == "K" then
    __now = tonumber(rest)
  elseif op == "W" then
    assert(io.open(C.log_dir .. "/" .. unhex(rest), "w")):close()
  elseif op == "X" then
    assert(os.remove(C.log_dir .. "/" .. unhex(rest)))
  elseif op == "L" then
    local pairs_ = logfmt_pairs(unhex(rest))
    if pairs_ == nil then
      replies[#replies + 1] = "nil"
    else
      local parts = { "pairs" }
      for _, p in ipairs(pairs_) do parts[#parts + 1] = hex(p[1]) .. ":" .. hex(p[2]) end
      replies[#replies + 1] = table.concat(parts, " ")
    end
  elseif op == "C" then
    replies[#replies + 1] = "count " .. rune_count(unhex(rest))
  else
    error("unknown operation: " .. line)
  end
end
io.write(table.concat(replies, "\n"), "\n")
"##;

fn wire(op: &Op) -> String {
    match op {
        Op::Route { tag, ts_ns, record } => {
            let mut line = format!(
                "R {} {} {}",
                hex(tag.as_bytes()),
                ts_ns.div_euclid(SEC),
                ts_ns.rem_euclid(SEC)
            );
            for (path, value) in &record.0 {
                let keys: Vec<String> = path
                    .iter()
                    .map(|k| match k {
                        Key::Name(n) => hex(n.as_bytes()),
                        Key::Index(i) => format!("#{i}"),
                    })
                    .collect();
                let (kind, v) = match value {
                    Val::Str(s) => ('s', hex(s)),
                    Val::Num(n) => ('n', (*n).to_owned()),
                    Val::Bool(b) => ('b', u8::from(*b).to_string()),
                };
                let _ = write!(line, " {kind}{}={v}", keys.join(","));
            }
            line
        }
        Op::Clock(ns) => format!("K {}", ns.div_euclid(SEC)),
        Op::Touch(name) => format!("W {}", hex(name.as_bytes())),
        Op::Remove(name) => format!("X {}", hex(name.as_bytes())),
        Op::Logfmt(line) => format!("L {}", hex(line)),
        Op::Runes(line) => format!("C {}", hex(line)),
    }
}

fn parse_reply(line: &str) -> Reply {
    let words: Vec<&str> = line.split(' ').collect();
    match words[0] {
        "drop" => Reply::Drop,
        "same" => Reply::Same,
        "nil" => Reply::Pairs(None),
        "error" => Reply::Error(text(words[1])),
        "count" => Reply::Count(words[1].parse().unwrap()),
        "pairs" => Reply::Pairs(Some(
            words[1..]
                .iter()
                .map(|p| {
                    let (k, v) = p.split_once(':').unwrap();
                    (unhex(k), unhex(v))
                })
                .collect(),
        )),
        "keep" => {
            let int = |w: &str| -> i128 {
                w.parse()
                    .unwrap_or_else(|_| panic!("the time is not integral: {line}"))
            };
            let mut out = Out {
                code: words[1].parse().unwrap(),
                ts_ns: int(words[2]) * SEC + int(words[3]),
                log: Vec::new(),
                labels: BTreeMap::new(),
                metadata: BTreeMap::new(),
            };
            for w in &words[4..] {
                let mut parts = w.splitn(3, ':');
                let (kind, k, v) = (
                    parts.next().unwrap(),
                    text(parts.next().unwrap()),
                    parts.next().unwrap(),
                );
                let value = match v.strip_prefix('!') {
                    Some(t) => format!("<a Lua {t}>"),
                    None => String::from_utf8_lossy(&unhex(v)).into_owned(),
                };
                match (kind, k.as_str()) {
                    ("l", "log") => out.log = unhex(v),
                    ("l", _) => drop(out.labels.insert(k, value)),
                    _ => drop(out.metadata.insert(k, value)),
                }
            }
            Reply::Keep(out)
        }
        other => panic!("unknown reply {other}: {line}"),
    }
}

/// Runs the filter of `r` on `ops` in one luajit process: the replies of the R, L and
/// C operations, in order.
pub fn run_lua(r: &Resolved, ops: &[Op]) -> Vec<Reply> {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let script = super::super::script(r).unwrap();
    let dir = std::env::temp_dir().join(format!(
        "fluentbit-lua-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let log_dir = dir.join("log");
    std::fs::create_dir_all(&log_dir).unwrap();
    let prelude = format!(
        "__now = {}\nos.time = function() return __now end\n",
        NOW_NS / SEC
    );
    let (script_path, input_path) = (dir.join("run.lua"), dir.join("ops"));
    std::fs::write(&script_path, format!("{prelude}{script}\n{DRIVER}")).unwrap();
    let input: Vec<String> = ops.iter().map(wire).collect();
    std::fs::write(&input_path, input.join("\n") + "\n").unwrap();
    let stdout = run_luajit(
        &script_path,
        &[&input_path, &log_dir],
        &[(super::super::NODE_ENV, NODE)],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let replies: Vec<Reply> = stdout.lines().map(parse_reply).collect();
    let expected = ops
        .iter()
        .filter(|o| matches!(o, Op::Route { .. } | Op::Logfmt(_) | Op::Runes(_)))
        .count();
    assert_eq!(replies.len(), expected, "replies");
    replies
}
