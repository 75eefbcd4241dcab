//! Redaction: the secret-bearing and ordinary lines of the Promtail tests, in a
//! sensitive and an ordinary namespace, and with `redaction: {scope: All}` on every
//! job (pods, service files, the receiver, audit).

use super::harness::{Batch, Op, Pod, PodLine, READ_NS, Record, Stack, audit_op, machine_op};
use crate::config::promtail::redact_tests::{ORDINARY, SECRETS};

fn corpus() -> impl Iterator<Item = &'static str> {
    SECRETS.iter().map(|s| s.1).chain(ORDINARY.iter().copied())
}

#[test]
fn sensitive_namespaces_are_redacted_as_promtail_does() {
    let stack = Stack::new("sensitiveNamespaces: [vault, payments], extraLabels: [component]");
    let mut b = Batch::default();
    for namespace in ["vault", "payments", "app"] {
        let pod = Pod::new(namespace, "p-0", "c").owner("p", true);
        for line in corpus() {
            let l = PodLine::new(&pod, line);
            b.promtail(
                format!("{namespace}: {line}"),
                l.op(),
                stack.promtail_pod(&l),
            );
        }
    }
    // Only pods: the node's own files are not redacted by this scope.
    for line in corpus() {
        b.promtail(
            format!("ext-x: {line}"),
            machine_op("ext-x", line),
            Some(stack.promtail_machine("ext-x", line)),
        );
        b.promtail(
            format!("audit: {line}"),
            audit_op(line),
            Some(stack.promtail_audit(line)),
        );
    }
    let n = b.run(&stack);
    assert_eq!(n, 5 * (SECRETS.len() + ORDINARY.len()));
}

#[test]
fn scope_all_redacts_every_job_as_promtail_does() {
    let stack = Stack::new("redaction: {scope: All}, talos: {receiver: {enabled: true}}");
    let mut b = Batch::default();
    let pod = Pod::new("app", "p-0", "c");
    for line in corpus() {
        let l = PodLine::new(&pod, line);
        b.promtail(format!("app: {line}"), l.op(), stack.promtail_pod(&l));
        for service in ["ext-x", "kubelet", "containerd"] {
            b.promtail(
                format!("{service}: {line}"),
                machine_op(service, line),
                Some(stack.promtail_machine(service, line)),
            );
        }
        b.promtail(
            format!("audit: {line}"),
            audit_op(line),
            Some(stack.promtail_audit(line)),
        );
        // The receiver: as the file of a service without a format of its own.
        let file = stack.promtail_machine("ext-x", line);
        let op = Op::Route {
            tag: "talos".into(),
            ts_ns: READ_NS,
            record: Record::default()
                .str(&["msg"], line)
                .str(&["talos-service"], "ext-x"),
        };
        let mut want = file.clone();
        want.labels.remove("level");
        b.promtail(format!("received ext-x: {line}"), op, Some(want));
    }
    b.run(&stack);
}

#[test]
fn custom_rules_run_after_the_builtin_ones_as_in_promtail() {
    let stack = Stack::new(
        "sensitiveNamespaces: [payments], redaction: {builtin: [password], rules: [{name: card-number, regex: '\\b([0-9]{4})[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?([0-9]{4})\\b', replace: '****'}, {name: iban, regex: '\\b(DE[0-9]{20})\\b'}]}",
    );
    let mut b = Batch::default();
    let pod = Pod::new("payments", "p-0", "c");
    for line in corpus().chain([
        "charged 4111 1111 1111 1234 from DE89370400440532013000",
        "level=info card=4111-1111-1111-1234 password=hunter2",
        "{\"level\":\"warn\",\"iban\":\"DE89370400440532013000\"}",
    ]) {
        let l = PodLine::new(&pod, line);
        b.promtail(format!("payments: {line}"), l.op(), stack.promtail_pod(&l));
    }
    b.run(&stack);
}
