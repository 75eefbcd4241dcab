//! Mutations of a config, from bytes as well: a value replaced (by a value of another
//! type, or by a string near the edge of some field's rule), a field removed or added
//! (unknown, misspelt, a credential), a value wrapped in a list or a mapping. The schema
//! tests check what the schema and the function say about the results; the fuzzer
//! checks the function never panics on them.

use serde_json::{Map, Value, json};

use super::Entropy;

/// Strings at the edge of the fields' rules: each is valid for some field and invalid
/// for others, and many are what the function's checks and the schema's patterns
/// disagree on if one of them is wrong.
pub const STRINGS: &[&str] = &[
    "",
    " ",
    "x",
    "-x",
    "x-",
    "a.b",
    "a..b",
    "A",
    "UPPER",
    "my_ns",
    "0",
    "1",
    "-1",
    "+1k",
    "72h",
    "24h",
    "23h",
    "1h1h",
    "30m1h",
    "1d12h",
    "500ms",
    "1ms1s",
    "0s",
    "3 days",
    "72H",
    "7d",
    "10Gi",
    "1Gi",
    "1Ei",
    "1E",
    "1e3",
    "1e",
    ".5",
    "1.",
    ".",
    "1..5",
    "10GB",
    "500m",
    "1.5",
    "grafana/loki",
    "grafana/loki:latest",
    "grafana/loki:3.7.6",
    "a:b:latest",
    "a:b:c",
    "localhost:5000/loki",
    "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "x@sha256:abc",
    "a b:1",
    "eu-west-1",
    "EU-west-1",
    "abc",
    "ab",
    "xn--a.b",
    "a_b_c",
    "logs.example.com",
    "*.example.com",
    "*.",
    "example.com.",
    "team-a",
    ".",
    "..",
    "(ops)",
    "a/b",
    "app.kubernetes.io/name",
    "/x",
    "x/",
    "Bad Key",
    "k8s.io/x_y.z",
    "trace_id",
    "__x",
    "job",
    "level",
    "component",
    "user",
    "2024-01-01",
    "2024-02-30",
    "2024-1-01",
    "1969-12-31",
    "{namespace=\"dev\"}",
    "{}",
    "namespace=dev",
    "{a=\"b\",}",
    "http://x",
    "https://x",
    "ftp://x",
    "/var/lib/promtail",
    "/tmp/p",
    "/var/log/p",
    "relative/p",
    "[REDACTED]",
    "${X}",
    "$$",
    "{{.Value}}",
    "\\",
    "(a)",
    "(?=a)",
    "a(b",
    "(\\d+)",
    "x\u{feff}",
    "\u{85}",
    "ünï",
    "\t",
    "a\nb",
    "v13",
    "v12",
    "SSE-S3",
    "SSE-KMS",
    "local",
    "Local",
    "cloud",
    "SingleBinary",
    "Distributed",
    "small",
    "Exists",
    "Equal",
    "NoExecute",
    "kubernetes",
    "cilium",
    "All",
    "jwt",
    "Promtail",
    "LOKI_PW",
    "1X",
    "/etc/x",
    "/etc/{x}",
    "[::1]:53",
];

/// Keys that do not belong: misspellings, other tools' fields, credentials.
const KEYS: &[&str] = &[
    "perod",
    "Period",
    "enable",
    "replica",
    "extra",
    "password",
    "secretAccessKey",
    "access_key_id",
    "token",
    "apiKey",
    "x-y",
    "",
    "0",
    "name",
    "spec",
];

fn value(e: &mut Entropy) -> Value {
    match e.below(18) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(false),
        3 => json!(0),
        4 => json!(1),
        5 => json!(-1),
        6 => json!(3.0),
        7 => json!(1.5),
        8 => json!(1e20),
        9 => json!(4_294_967_296_u64),
        10 => json!(65_536),
        11 => json!(100),
        12 => json!([]),
        13 => json!({}),
        14 => json!(["a"]),
        15 => json!({"a": 1}),
        16 => json!(u64::MAX),
        _ => json!(-9_223_372_036_854_775_808_i64),
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Paths of every value below the root.
fn paths(v: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(Seg::Key(k.clone()));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Seg::Index(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

/// One mutation of `v` in place.
pub fn mutate_once(v: &mut Value, e: &mut Entropy) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let path = all[e.below(all.len())].clone();
    let op = e.below(7);
    if op == 2 {
        // Remove the value from its parent.
        let (last, parent) = path
            .split_last()
            .map_or((None, &path[..]), |(l, p)| (Some(l), p));
        match (at(v, parent), last) {
            (Some(Value::Object(m)), Some(Seg::Key(k))) => {
                m.shift_remove(k);
            }
            (Some(Value::Array(a)), Some(Seg::Index(i))) if *i < a.len() => {
                a.remove(*i);
            }
            _ => {}
        }
        return;
    }
    let Some(target) = at(v, &path) else {
        return;
    };
    match op {
        0 => *target = value(e),
        1 => *target = Value::String(e.pick(STRINGS).to_owned()),
        3 => {
            let key = e.pick(KEYS).to_owned();
            let new = value(e);
            match target {
                Value::Object(m) => {
                    m.insert(key, new);
                }
                other => *other = Value::Object(Map::from_iter([(key, new)])),
            }
        }
        4 => *target = Value::Array(vec![target.take()]),
        5 => {
            let key = e.pick(STRINGS).to_owned();
            *target = Value::Object(Map::from_iter([(key, target.take())]));
        }
        _ => {
            // A list gets a copy of its first item (duplicates); anything else a string.
            match target {
                Value::Array(a) if !a.is_empty() => a.push(a[0].clone()),
                other => *other = Value::String(e.pick(STRINGS).to_owned()),
            }
        }
    }
}

/// `config` after 1 to 3 mutations.
pub fn mutate(config: &Value, e: &mut Entropy) -> Value {
    let mut v = config.clone();
    for _ in 0..=e.below(3) {
        mutate_once(&mut v, e);
    }
    v
}
