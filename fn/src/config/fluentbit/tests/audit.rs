//! `job="kube-audit"`: the `verb` label, the event's time and its structured metadata.

use super::harness::{Batch, Stack, audit_op};
use crate::config::promtail::system_tests::AUDIT_EVENT;

#[test]
fn audit_events_give_what_promtail_gives() {
    let stack = Stack::new("");
    let mut b = Batch::default();
    let mut lines = vec![AUDIT_EVENT.to_owned()];
    for (from, to) in [
        // the fields missing, null, of other types
        (r#""verb":"get","#, ""),
        (
            r#""groups":["system:nodes"]"#,
            r#""groups":["system:nodes","system:authenticated"]"#,
        ),
        (r#""verb":"get""#, r#""verb":null"#),
        (r#""verb":"get""#, r#""verb":"deletecollection""#),
        (r#""verb":"get""#, r#""verb":7"#),
        (r#""code":200"#, r#""code":201.0"#),
        (r#""code":200"#, r#""code":"200""#),
        (r#","responseStatus":{"metadata":{},"code":200}"#, ""),
        (
            r#""username":"system:node:talos-cp-1""#,
            r#""username":"admin""#,
        ),
        (
            r#""user":{"username":"system:node:talos-cp-1","groups":["system:nodes"]}"#,
            r#""user":"admin""#,
        ),
        (r#""objectRef":{"#, r#""objectRef":{"resource":"pods","#),
        (
            r#""auditID":"0f3a2b1c-4d5e-4f70-8192-a3b4c5d6e7f8""#,
            r#""auditID":"""#,
        ),
        // the time
        (
            r#""stageTimestamp":"2026-11-30T23:58:00.000000Z""#,
            r#""stageTimestamp":"2026-11-30T23:58:00.123456789+01:00""#,
        ),
        (
            r#""stageTimestamp":"2026-11-30T23:58:00.000000Z""#,
            r#""stageTimestamp":"2026-11-27T00:00:00Z""#,
        ),
        (
            r#""stageTimestamp":"2026-11-30T23:58:00.000000Z""#,
            r#""stageTimestamp":"2026-11-30 23:58:00""#,
        ),
        (r#","stageTimestamp":"2026-11-30T23:58:00.000000Z""#, ""),
        // not JSON, cut short
        (r#"{"kind""#, r#"{kind""#),
        (
            r#""stageTimestamp":"2026-11-30T23:58:00.000000Z"}"#,
            r#""stageTimestamp":"2026-11-30T23:58:00"#,
        ),
    ] {
        assert!(AUDIT_EVENT.contains(from), "{from}");
        lines.push(AUDIT_EVENT.replacen(from, to, 1));
    }
    lines.push("not an event".to_owned());
    lines.push(String::new());
    for line in &lines {
        b.promtail(
            format!("audit {line:?}"),
            audit_op(line),
            Some(stack.promtail_audit(line)),
        );
    }
    b.run(&stack);
}
