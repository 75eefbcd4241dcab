//! JSON edge cases: numbers (Go's float text: 30.0 and 3e1 are "30", 1e21 has 22
//! digits), booleans, null, empty and nested values, invalid JSON, duplicate keys,
//! escapes, nesting depth.

use super::harness::{Batch, Pod, PodLine, Reply, Stack};

/// JSON values, each tried as the level, an extra label and structured metadata.
const VALUES: &[&str] = &[
    "30",
    "30.0",
    "3e1",
    "3E+1",
    "300e-1",
    "-0",
    "-0.0",
    "0",
    "0.1",
    "0.30000000000000004",
    "1e-7",
    "1.2345678901234567e-10",
    "123.456",
    "1e20",
    "1e21",
    "1.5e300",
    "9007199254740993",
    "123456789012345678",
    "12345678901234567890",
    "1796083080000.703",
    "true",
    "false",
    "null",
    "\"\"",
    "\"info\"",
    "\"a\\u00e9\\n\\\"b\\\"\"",
    "\"\\ud83d\\ude00\"",
    "[]",
    "{}",
    "[\"a\",1,true,null]",
    "{\"a\":\"b\"}",
    "{\"a\":1,\"b\":[2,{\"c\":\"d\"}]}",
    "[[]]",
];

/// Lines that are not JSON (or whose JSON is refused) and shapes around the gate.
const SHAPES: &[&str] = &[
    "{\"level\":1e400,\"component\":\"x\"}",
    "{\"level\":NaN}",
    "{\"level\":Infinity}",
    "{\"level\":+1}",
    "{\"level\":.5}",
    "{\"level\":1.}",
    "{\"level\":0x1F}",
    "{\"level\":01}",
    "{\"level\":\"\\x\"}",
    "{\"level\":\"\\u12\"}",
    "{\"level\":\"info\"}}",
    "{\"level\":\"info\"",
    "{\"level\":\"info\" \"x\":1}",
    "{\"level\" \"info\"}",
    "{\"level\":\"info\",\"level\":\"warn\"}",
    "{\"component\":\"a\",\"component\":\"b\",\"trace_id\":1,\"trace_id\":null}",
    "{\"number\":42,\"level\":\"warn\",\"component\":\"orders\"}",
    "{\"level\":{\"number\":\"warn\"}}",
    "{\"trace_id\":{\"number\":\"7\"}}",
    "{\"level\":\"warn\",\"\":\"empty key\"}",
    "\u{b}{\"level\":\"info\"}",
    "\u{c}{\"level\":\"info\"}",
    "\r{\"level\":\"info\"}",
    "{\"level\":\"info\"}\r",
    "{}",
    "{ }",
    "{\"a\":[1,2,[3,{\"b\":null}]],\"level\":\"error\"}",
];

fn nested(depth: usize) -> String {
    format!(
        "{{\"level\":\"warn\",\"deep\":{}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn json_values_give_what_promtail_gives() {
    let stack = Stack::new("extraLabels: [component], structuredMetadata: [trace_id]");
    let mut b = Batch::default();
    let pod = Pod::new("app", "p-0", "c");
    let mut lines: Vec<String> = Vec::new();
    for v in VALUES {
        lines.push(format!("{{\"level\":{v},\"msg\":\"x\"}}"));
        lines.push(format!("{{\"severity\":{v}}}"));
        lines.push(format!("{{\"component\":{v},\"trace_id\":{v}}}"));
    }
    lines.extend(SHAPES.iter().map(|s| (*s).to_owned()));
    // Up to the Lua decoder's depth limit, as Go.
    lines.push(nested(64));
    for line in &lines {
        let l = PodLine::new(&pod, line);
        b.promtail(format!("{line:.100?}"), l.op(), stack.promtail_pod(&l));
    }
    // Deeper: the Lua decoder gives up (no fields, the line is kept); Go reads up to
    // 10000 levels. Deliberate: a bound on the work per record.
    for depth in [65, 10_000, 100_000] {
        let l = PodLine::new(&pod, &nested(depth));
        b.lua(format!("nested {depth} deep"), l.op(), |r| match r {
            Reply::Keep(out) if !out.labels.contains_key("level") => Ok(()),
            other => Err(format!("{other:.200?}")),
        });
    }
    // Object keys of a nested value come out sorted (Promtail: Go's map order, random).
    let l = PodLine::new(&pod, "{\"component\":{\"b\":1,\"a\":2}}");
    b.lua("nested object keys", l.op(), |r| {
        super::harness::kept_with(r, &[("component", "{\"a\":2,\"b\":1}")])
    });
    let n = b.run(&stack);
    assert!(n > 120, "{n}");
}
