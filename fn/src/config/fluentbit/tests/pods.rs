//! `job="kubernetes-pods"`: levels from JSON (bunyan's numbers too), logfmt (valid,
//! invalid, escaped, too long) and plain lines; extra labels and structured metadata;
//! the opt-out annotation; the old-line window; the `app` label; the agent's own lines.

use super::harness::{Batch, Pod, PodLine, Reply, SEC, Stack, kept_with};
use crate::config::promtail::sim::NOW_NS;
use crate::config::promtail::tests::{LOGFMT_REAL, LOGFMT_REFUSED};

const KEYS: &str = "extraLabels: [component], structuredMetadata: [trace_id]";

/// Pod lines of every shape, each in one pod of namespace `app`.
pub const LINES: &[&str] = &[
    // JSON, the level under each key and spelling
    r#"{"level":"info","msg":"listening","addr":":8080"}"#,
    r#"{"level":"INFO","msg":"x"}"#,
    r#"{"level":"Warning","msg":"x"}"#,
    r#"{"level":"err","msg":"x"}"#,
    r#"{"level":"FATAL","msg":"x"}"#,
    r#"{"level":"dpanic","msg":"x"}"#,
    r#"{"level":"notice","msg":"x"}"#,
    r#"{"level":"trace","msg":"x"}"#,
    r#"{"level":"critical","msg":"x"}"#,
    r#"{"level":"verbose","msg":"x"}"#,
    r#"{"lvl":"dbug","msg":"x"}"#,
    r#"{"severity":"ERROR","message":"x"}"#,
    r#"{"level":"","severity":"warn"}"#,
    r#"{"level":null,"lvl":"info"}"#,
    r#"{"level":"","lvl":"","severity":""}"#,
    r#"{"msg":"no level"}"#,
    r#"{"level":true}"#,
    r#"{"level":false,"lvl":"eror"}"#,
    "  \t{\"level\":\"wrn\"}",
    r#"{ "level" : "ftl" , "msg" : "spaced" }"#,
    r#"{"level":"warn","tags":["a","b"],"pods":[{"name":"x"},{"name":"y"}]}"#,
    r#"{"lev\u0065l":"\u0057ARN"}"#,
    r#"{"level":"info","level":"error"}"#,
    // bunyan and pino: numeric levels
    r#"{"name":"api","hostname":"h","pid":1,"level":30,"msg":"hi","time":"2026-11-30T23:58:00.000Z","v":0}"#,
    r#"{"level":10,"msg":"x"}"#,
    r#"{"level":20,"msg":"x"}"#,
    r#"{"level":40,"msg":"x"}"#,
    r#"{"level":50,"msg":"x"}"#,
    r#"{"level":60,"msg":"x"}"#,
    r#"{"level":35,"msg":"x"}"#,
    r#"{"level":30.0,"msg":"x"}"#,
    r#"{"level":3e1,"msg":"x"}"#,
    r#"{"level":3.0E+1,"msg":"x"}"#,
    r#"{"level":"30","msg":"x"}"#,
    r#"{"level":30.5,"msg":"x"}"#,
    r#"{"level":-0,"msg":"x"}"#,
    // JSON that is not valid: no fields
    r#"{"level":"info""#,
    r#"{level: "info"}"#,
    r#"{"level":"info",}"#,
    r#"{"level":"info"} trailing"#,
    r#"{"level":'info'}"#,
    r#"{"level":01}"#,
    "{\"level\":\"in\tfo\"}",
    r#"["level","info"]"#,
    // logfmt
    "level=WARN msg=hi",
    "lvl=info msg=\"only level is read from logfmt\"",
    "msg=\"level=debug inside\" level=info",
    "level=info msg=\"a level=warn inside\"",
    "level=\"error\" msg=quoted",
    "level=\"e\\u0072ror\" msg=escaped",
    "level= msg=empty",
    "level msg=bare",
    "level=info level=debug",
    "the level=warn here",
    "xlevel=error",
    "level=info msg=\u{fc}ber caf\u{e9}=1",
    "level=info k\u{FFFD}=1",
    "level=info msg=\"unterminated",
    "level=info a==b",
    "level=info \"quoted\"",
    "level=info\u{1}",
    "level=info msg=\"del \u{7f}\"",
    // plain
    "GET /healthz HTTP/1.1 200",
    "2026-11-30 23:58:00.123 INFO  [main] o.s.b.StartupInfoLogger : Started App",
    "E1130 23:58:00.000000       1 reflector.go:158] failed to list",
    "",
    "   ",
    "\u{feff}{\"level\":\"info\"}",
];

/// Extra labels and structured metadata (`component`, `trace_id`).
const KEYED: &[&str] = &[
    r#"{"level":"info","component":"billing","trace_id":"4bf92f35","user":"bob"}"#,
    r#"{"component":5,"trace_id":17}"#,
    r#"{"component":"","trace_id":""}"#,
    r#"{"component":null,"trace_id":null}"#,
    r#"{"component":true,"trace_id":false}"#,
    r#"{"component":"caf\u00e9","trace_id":"a\"b"}"#,
    "component=auth trace_id=77aa msg=hi",
    "component=\"auth service\" level=info trace_id=\"x y\"",
    "component=\"caf\\u00e9\" trace_id=\"tab\\there\"",
    "component=\"\\ud83d\\ude00\" trace_id=\"\\ud83d\" level=info",
    "trace_id=1 trace_id=2 component=a component=",
    "component=auth trace_id=77aa msg=\"unterminated",
    "msg=\"component=a inside\"",
];

fn long(chars: usize, fill: &str) -> String {
    let head = "level=info msg=";
    format!("{head}{}", fill.repeat(chars - head.chars().count()))
}

#[test]
fn pod_lines_get_the_same_level_labels_and_metadata() {
    let stack = Stack::new(KEYS);
    let mut b = Batch::default();
    let pod = Pod::new("app", "api-7c9d8b6f5d-x2k8q", "api").owner("api-7c9d8b6f5d", true);
    let mut lines: Vec<String> = LINES.iter().map(|l| (*l).to_owned()).collect();
    lines.extend(KEYED.iter().map(|l| (*l).to_owned()));
    lines.extend(LOGFMT_REAL.iter().map(|l| (*l).to_owned()));
    lines.extend(LOGFMT_REFUSED.iter().map(|l| (*l).to_owned()));
    // Lines of 16000 characters or more are not read as logfmt (go-logfmt's buffer).
    for (chars, fill) in [
        (15_999, "x"),
        (16_000, "x"),
        (15_999, "\u{e9}"),
        (16_000, "\u{e9}"),
    ] {
        lines.push(long(chars, fill));
    }
    for (i, content) in lines.iter().enumerate() {
        let mut line = PodLine::new(&pod, content);
        if i % 2 == 1 {
            line.stream = "stderr";
        }
        b.promtail(
            format!("pod line {content:.80?}"),
            line.op(),
            stack.promtail_pod(&line),
        );
    }
    let n = b.run(&stack);
    assert!(n > 90, "{n}");
}

#[test]
fn opt_out_window_app_and_own_lines() {
    let stack = Stack::new("");
    let mut b = Batch::default();
    let line = "level=info msg=hi";
    let web = || Pod::new("app", "web-5d4f8c7b9-x2k8q", "web");
    // The opt-out annotation, on the pod or its namespace, "false" in any case.
    let key = crate::spec::collector::OPT_OUT_ANNOTATION;
    for value in [
        "false",
        "False",
        "FALSE",
        "fAlSe",
        "fal\u{17f}e",
        "true",
        "no",
        "",
        "false ",
    ] {
        b.pod(
            &stack,
            "pod opt-out",
            &PodLine::new(&web().annotations(&[(key, value)]), line),
        );
        b.pod(
            &stack,
            "namespace opt-out",
            &PodLine::new(&web().namespace_annotations(&[(key, value)]), line),
        );
    }
    b.pod(
        &stack,
        "opted in, namespace out",
        &PodLine::new(
            &web()
                .annotations(&[(key, "true")])
                .namespace_annotations(&[(key, "false")]),
            line,
        ),
    );
    // The old-line window: 72h retention, less 10 minutes.
    let window = i128::from(crate::collection::old_line_window_ms(&stack.r)) * 1_000_000;
    for (what, t) in [
        ("three days old", NOW_NS - 3 * 86_400 * SEC),
        ("at the window", NOW_NS - window),
        ("1ns past the window", NOW_NS - window - 1),
        ("1s past the window", NOW_NS - window - SEC),
        ("1s inside the window", NOW_NS - window + SEC),
        ("an hour ahead", NOW_NS + 3600 * SEC),
        ("now", NOW_NS),
        ("with nanoseconds", NOW_NS - 120 * SEC + 123_456_789),
    ] {
        b.pod(&stack, what, &PodLine::new(&web(), line).at(t));
    }
    // The app label: the first label set, the controller without its hash, the pod.
    let p = |name: &str| Pod::new("app", name, "c");
    let app = [
        p("x-1").labels(&[
            ("app.kubernetes.io/name", "shop"),
            ("app", "a"),
            ("k8s-app", "k"),
        ]),
        p("x-2").labels(&[("app", "a"), ("k8s-app", "k"), ("component", "c")]),
        p("x-3").labels(&[("k8s-app", "kube-dns"), ("component", "c")]),
        p("kube-apiserver-talos-cp-1")
            .labels(&[("component", "kube-apiserver"), ("tier", "control-plane")]),
        p("x-4").labels(&[("app.kubernetes.io/name", ""), ("app", "fallback")]),
        p("x-5")
            .labels(&[("app.kubernetes.io/name", "shop")])
            .owner("web-5d4f8c7b9", true),
        p("web-5d4f8c7b9-x2k8q").owner("web-5d4f8c7b9", true),
        p("nightly-28421640-abcde").owner("nightly-28421640", true),
        p("db-0").owner("db", true),
        p("x-6").owner("web-abcdefabcd", true),
        p("x-7").owner("web-abcdefabcde", true),
        p("x-8").owner("web-abcdefa", true),
        p("x-9").owner("a-12345678-12345678", true),
        p("x-10").owner("-12345678", true),
        p("x-11").owner("Web-5d4f8c7b9", true),
        p("x-12").owner("web_5d4f8c7b9", true),
        p("x-13").owner("web.v2-5d4f8c7b9", true),
        p("x-14").owner("web-5d4f8c7b9", false),
        p("web.v2-x"),
        p("standalone"),
    ];
    for pod in &app {
        b.pod(&stack, "app label", &PodLine::new(pod, line));
    }
    // Promtail's own lines (container promtail): Promtail drops its debug lines; the
    // Fluent Bit stack ships them like any other pod's (deliberate: each agent drops
    // its own).
    let promtail_pod = Pod::new(&stack.r.namespace, "promtail-x7k2p", "promtail");
    let debug = PodLine::new(&promtail_pod, "level=debug msg=\"tail routine\"");
    assert!(
        stack
            .promtail_pod(&debug)
            .is_some_and(|e| e.dropped.is_some())
    );
    b.lua("Promtail's debug line under Fluent Bit", debug.op(), |r| {
        kept_with(r, &[("level", "debug"), ("container", "promtail")])
    });
    // Fluent Bit's own lines: `[time] [level] ...`; its debug lines are dropped.
    let own = Pod::new(&stack.r.namespace, "fluent-bit-x7k2p", "fluent-bit");
    for (text, level) in [
        (
            "[2026/12/01 00:00:00] [debug] [input:tail:tail.0] inode=1",
            Some("debug"),
        ),
        (
            "[2026/12/01 00:00:00.123456789] [ info] [fluent bit] version=5.1",
            Some("info"),
        ),
        (
            "[2026/12/01 00:00:00] [ warn] [net] getaddrinfo(host='loki')",
            Some("warn"),
        ),
        (
            "[2026/12/01 00:00:00] [error] [output:loki:loki.0] HTTP 400",
            Some("error"),
        ),
        ("[2026/12/01 00:00:00] [trace] x", Some("trace")),
        ("level=debug msg=\"not its format\"", None),
        ("plain", None),
    ] {
        let l = PodLine::new(&own, text);
        // Promtail would read none of these (it is not its own format).
        assert!(stack.promtail_pod(&l).is_some_and(
            |e| e.dropped.is_none() && (level.is_none() || !e.labels.contains_key("level"))
        ));
        b.lua(
            format!("Fluent Bit's own line {text:?}"),
            l.op(),
            move |r| match (level, r) {
                (Some("debug"), Reply::Drop) => Ok(()),
                (Some("debug"), other) => Err(format!("not dropped: {other:?}")),
                (Some(level), r) => kept_with(r, &[("level", level), ("app", "fluent-bit-x7k2p")]),
                (None, Reply::Keep(out)) if !out.labels.contains_key("level") => Ok(()),
                (None, other) => Err(format!("a level from another format: {other:?}")),
            },
        );
    }
    // The same lines in another namespace's container named fluent-bit are ordinary.
    let other = Pod::new("app", "fluent-bit-x", "fluent-bit");
    let l = PodLine::new(&other, "[2026/12/01 00:00:00] [debug] x");
    b.pod(&stack, "another namespace's fluent-bit", &l);
    b.run(&stack);
}
