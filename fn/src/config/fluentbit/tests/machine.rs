//! `job="machine-logs"`: every Talos service's line format from its file
//! (`machine.<service>`), and the same lines from Talos' JSON-lines sender (`talos`, the
//! receiver, Fluent Bit only), which ships a service's lines only while Talos writes no
//! file for it.

use super::harness::{
    Batch, Op, READ_NS, Record, Reply, SEC, Stack, kept_with, machine_op, names, rfc3339_nano,
};
use crate::config::promtail::sim::{Entry, NOW_NS};
use crate::config::promtail::system_tests::{BROKEN, SAMPLES};

const RECEIVER: &str = "talos: {receiver: {enabled: true}}";

/// Every sample line under its own service and under every other one (a line of
/// another shape must be left alone the same way), broken lines, old lines.
#[test]
fn service_files_give_what_promtail_gives() {
    let stack = Stack::new("");
    let mut b = Batch::default();
    let services: Vec<&str> = SAMPLES
        .iter()
        .map(|s| s.0)
        .chain(["ext-other", "foo.bar"])
        .collect();
    let lines = SAMPLES.iter().map(|s| s.1).chain(BROKEN.iter().copied());
    let extra = [
        "kern:    info: [2026-11-27T00:00:00Z]: four days old",
        "{\"ts\":1795737600000.5,\"msg\":\"old\",\"v\":0}",
        "{\"level\":\"info\",\"ts\":\"2026-11-30T23:58:00.000+0100\",\"msg\":\"offset\"}",
        "{\"level\":\"error\",\"time\":\"2026-11-30T23:58:00.5-02:30\",\"msg\":\"offset\"}",
        "2026-11-30T23:58:00.000Z \u{1b}[1;31mERROR\u{1b}[0m bold red",
        "\u{1b}[32mlevel=info\u{1b}[0m msg=coloured",
        "{\"ts\":\"1796083080000\",\"msg\":\"ts as a string\"}",
        "{\"ts\":179608308000000,\"msg\":\"ts out of the shape\"}",
        "{\"level\":\"info\",\"ts\":\"2026-11-30 23:58:00\",\"msg\":\"not ISO 8601\"}",
        "{\"severity\":3,\"timestamp\":\"2026-11-30T23:58:00Z\",\"content\":\"x\"}",
        "{\"severity\":\"7\",\"timestamp\":\"2026-11-30T23:58:00Z\",\"content\":\"x\"}",
        "{\"severity\":9,\"content\":\"x\"}",
        "W1130 23:58:00.000000    1234 x.go:1] warn",
        "F1130 23:58:00.000000    1234 x.go:1] fatal",
    ];
    for line in lines.chain(extra) {
        for service in &services {
            b.promtail(
                format!("{service}: {line:?}"),
                machine_op(service, line),
                Some(stack.promtail_machine(service, line)),
            );
        }
    }
    // A time of the right shape that is no date: Promtail's timestamp stage fails and
    // `fudge`s it (the stream's previous time plus 1 ns); the filter keeps the time the
    // line was read. Deliberate: no per-stream state in the filter.
    for (service, line) in [
        (
            "kernel",
            "kern:    info: [2026-02-30T00:00:00Z]: no such day",
        ),
        ("apid", "2026/13/01 00:00:00.000000 x.go:1: no such month"),
        (
            "etcd",
            "{\"level\":\"info\",\"ts\":\"2026-11-30T24:00:00.000Z\"}",
        ),
    ] {
        b.lua(
            format!("{service}: unparsable time {line:?}"),
            machine_op(service, line),
            |r| match r {
                Reply::Keep(out) if out.ts_ns == READ_NS => Ok(()),
                other => Err(format!("not kept with its read time: {other:?}")),
            },
        );
    }
    let n = b.run(&stack);
    assert!(n > 1500, "{n}");
}

/// A record of Talos' sender: `msg`, `talos-service` (none for the kernel),
/// `talos-level`, `talos-time`.
fn talos(service: Option<&str>, msg: &str, level: Option<&str>, time: Option<&str>) -> Op {
    let mut r = Record::default().str(&["msg"], msg);
    if let Some(s) = service {
        r = r.str(&["talos-service"], s);
    }
    if let Some(l) = level {
        r = r.str(&["talos-level"], l);
    }
    if let Some(t) = time {
        r = r.str(&["talos-time"], t);
    }
    Op::Route {
        tag: "talos".to_owned(),
        ts_ns: READ_NS,
        record: r,
    }
}

/// The receiver's record of a sample line: the level and time Talos sends with it are
/// the ones the file path reads from the line.
fn sent(service: &str, line: &str, file: &Entry) -> Op {
    let service = (service != "kernel").then_some(service);
    let time = file.time.map(rfc3339_nano);
    talos(
        service,
        &format!("{line}\n"),
        file.labels.get("level").map(String::as_str),
        time.as_deref(),
    )
}

#[test]
fn the_receiver_gives_what_the_file_gives_until_a_file_appears() {
    let stack = Stack::new(RECEIVER);
    let mut b = Batch::default();
    for (service, line, _, _) in SAMPLES {
        let file = stack.promtail_machine(service, line);
        b.promtail(
            format!("received {service}: {line:?}"),
            sent(service, line, &file),
            Some(file),
        );
    }
    // What only the receiver sees.
    let mut lua = |what: &str, op: Op, labels: &'static [(&'static str, &'static str)]| {
        b.lua(what, op, move |r| kept_with(r, labels));
    };
    let svc = Some("apid");
    lua(
        "talos-level warning",
        talos(svc, "x", Some("warning"), None),
        &[
            ("level", "warn"),
            ("service", "apid"),
            ("job", "machine-logs"),
        ],
    );
    lua(
        "talos-level ERROR",
        talos(svc, "x", Some("ERROR"), None),
        &[("level", "error")],
    );
    lua(
        "talos-level bogus",
        talos(svc, "x", Some("bogus"), None),
        &[("level", "unknown")],
    );
    lua(
        "an empty talos-service is the kernel",
        talos(Some(""), "x", None, None),
        &[("service", "kernel"), ("node", super::harness::NODE)],
    );
    let no_level = |r: &Reply| match r {
        Reply::Keep(out) if !out.labels.contains_key("level") => Ok(()),
        other => Err(format!("{other:?}")),
    };
    b.lua(
        "a talos-level that is no string",
        Op::Route {
            tag: "talos".into(),
            ts_ns: READ_NS,
            record: Record::default()
                .str(&["msg"], "x")
                .str(&["talos-service"], "apid")
                .set(names(&["talos-level"]), super::harness::Val::Num("6")),
        },
        no_level,
    );
    b.lua(
        "ANSI escapes and trailing newlines go",
        talos(
            svc,
            "\u{1b}[31mred\u{1b}[0m\n\n",
            None,
            Some("2026-11-30T23:58:00.5Z"),
        ),
        |r| match r {
            Reply::Keep(out) if out.log == b"red" && out.ts_ns == NOW_NS - 120 * SEC + SEC / 2 => {
                Ok(())
            }
            other => Err(format!("{other:?}")),
        },
    );
    b.lua(
        "a talos-time that does not parse: the time it was received",
        talos(svc, "x", None, Some("yesterday")),
        |r| match r {
            Reply::Keep(out) if out.ts_ns == READ_NS => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );
    let dropped = |r: &Reply| match r {
        Reply::Drop => Ok(()),
        other => Err(format!("not dropped: {other:?}")),
    };
    b.lua(
        "four days old",
        talos(svc, "x", None, Some("2026-11-27T00:00:00Z")),
        dropped,
    );
    b.lua(
        "a service name that is no file name",
        talos(Some("../etc/passwd"), "x", None, None),
        dropped,
    );
    b.lua(
        "a msg that is no string",
        Op::Route {
            tag: "talos".into(),
            ts_ns: READ_NS,
            record: Record::default()
                .str(&["talos-service"], "apid")
                .set(names(&["msg"]), super::harness::Val::Num("1")),
        },
        dropped,
    );
    b.lua(
        "a tag of no job passes unchanged",
        Op::Route {
            tag: "other.x".into(),
            ts_ns: READ_NS,
            record: Record::default().str(&["log"], "x"),
        },
        |r| match r {
            Reply::Same => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );
    // Dedup: once Talos writes /var/log/<service>.log (>= 1.12), the file job ships the
    // service and the receiver drops it. Each service's file is looked up at most once
    // a minute.
    let kubelet = |b: &mut Batch, what: &str, kept: bool| {
        let line = SAMPLES
            .iter()
            .find(|s| s.0 == "kubelet")
            .map(|s| s.1)
            .unwrap();
        let file = stack.promtail_machine("kubelet", line);
        let op = sent("kubelet", line, &file);
        b.promtail(format!("kubelet {what}"), op, kept.then_some(file));
    };
    let kernel = |b: &mut Batch, what: &str, kept: bool| {
        let line = SAMPLES
            .iter()
            .find(|s| s.0 == "kernel")
            .map(|s| s.1)
            .unwrap();
        let file = stack.promtail_machine("kernel", line);
        b.promtail(
            format!("kernel {what}"),
            sent("kernel", line, &file),
            kept.then_some(file),
        );
    };
    let fresh = |b: &mut Batch, what: &str, kept: bool| {
        let line = "level=info msg=x";
        let mut file = stack.promtail_machine("ext-fresh", line);
        file.labels.remove("level");
        let op = talos(Some("ext-fresh"), line, None, None);
        b.promtail(format!("ext-fresh {what}"), op, kept.then_some(file));
    };
    kubelet(&mut b, "without a file", true);
    b.act(Op::Touch("kubelet.log".into()));
    b.act(Op::Touch("kernel.log".into()));
    b.act(Op::Touch("ext-fresh.log".into()));
    kubelet(
        &mut b,
        "with a file, looked up less than a minute ago",
        true,
    );
    kernel(
        &mut b,
        "with a file, looked up less than a minute ago",
        true,
    );
    fresh(&mut b, "with a file, looked up for the first time", false);
    b.act(Op::Clock(NOW_NS + 60 * SEC));
    kubelet(&mut b, "with a file, a minute later", false);
    kernel(&mut b, "with a file, a minute later", false);
    b.act(Op::Remove("kubelet.log".into()));
    kubelet(&mut b, "without the file, within the minute", false);
    b.act(Op::Clock(NOW_NS + 120 * SEC));
    kubelet(&mut b, "without the file, a minute later", true);
    kernel(&mut b, "with its file still there", false);
    b.run(&stack);
}

/// Without the file job (`systemLogs: false`) the receiver ships every service.
#[test]
fn without_service_files_the_receiver_ships_everything() {
    let stack = Stack::new("talos: {receiver: {enabled: true}, systemLogs: false}");
    let mut b = Batch::default();
    b.act(Op::Touch("kubelet.log".into()));
    b.act(Op::Clock(NOW_NS + 3600 * SEC));
    b.lua(
        "kubelet with a file",
        talos(Some("kubelet"), "x", Some("info"), None),
        |r| kept_with(r, &[("service", "kubelet"), ("level", "info")]),
    );
    b.run(&stack);
}
