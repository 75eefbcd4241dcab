//! Redaction: every built-in rule set against secret-bearing lines (JSON, logfmt, plain
//! text, query strings), run through the generated pod pipeline by `sim` with Promtail's
//! replace semantics; ordinary lines pass unchanged.

use super::model::Stage;
use super::sim::{self, Entry};
use super::tests::resolved;
use super::{JOB, build};
use crate::spec::redaction::BUILTIN;

fn pods(extra: &str) -> Vec<Stage> {
    build(&resolved(extra))
        .scrape_configs
        .remove(0)
        .pipeline_stages
}

const SENSITIVE: &str = "  collector: {sensitiveNamespaces: [vault]}\n";

fn cri(content: &str) -> String {
    format!("2026-11-30T23:58:00.000000000Z stdout F {content}")
}

fn pod_line(stages: &[Stage], namespace: &str, content: &str) -> Entry {
    sim::run(
        stages,
        &[
            ("job", JOB),
            ("namespace", namespace),
            ("pod", "p"),
            ("container", "c"),
            ("filename", "/var/log/pods/x/c/0.log"),
        ],
        &cri(content),
    )
}

/// (rule set, line, the secret that must be gone)
pub(crate) const SECRETS: &[(&str, &str, &str)] = &[
    (
        "bearer-token",
        "GET /v1/secret HTTP/1.1 Authorization: Bearer s3cr3tT0kenValue42",
        "s3cr3tT0kenValue42",
    ),
    (
        "bearer-token",
        r#"{"level":"info","headers":{"authorization":"Basic dXNlcjpodW50ZXIy"}}"#,
        "dXNlcjpodW50ZXIy",
    ),
    (
        "bearer-token",
        "level=debug msg=request authorization=\"Bearer abc.def-ghi_jkl\"",
        "abc.def-ghi_jkl",
    ),
    (
        "bearer-token",
        "calling upstream with bearer ZXlKaGJHY2lPaUpJVXpJMU5pSjk",
        "ZXlKaGJHY2lPaUpJVXpJMU5pSjk",
    ),
    (
        "bearer-token",
        r#"{"X-Api-Key":"ak_live_0123456789abcdef","msg":"ok"}"#,
        "ak_live_0123456789abcdef",
    ),
    (
        "bearer-token",
        "x-vault-token: hvs.CAESIJx0123456789",
        "hvs.CAESIJx0123456789",
    ),
    (
        "password",
        "level=info msg=\"db connect\" user=app password=hunter2 host=db",
        "hunter2",
    ),
    (
        "password",
        r#"level=info msg=login password="correct horse battery" ok=true"#,
        "correct horse battery",
    ),
    (
        "password",
        r#"{"level":"info","msg":"config","db_password":"p@ss\"w0rd","client_secret":"cs-123"}"#,
        "p@ss",
    ),
    (
        "password",
        r#"{"level":"info","msg":"config","client_secret": "cs-1234567"}"#,
        "cs-1234567",
    ),
    (
        "password",
        "GET /callback?code=abc&access_token=tok-987654&state=x 200",
        "tok-987654",
    ),
    (
        "password",
        "loading config: api_key: AbCdEf0123456789",
        "AbCdEf0123456789",
    ),
    (
        "url-credentials",
        "connecting to postgres://app:Sup3rS3cret@db.example:5432/app",
        "Sup3rS3cret",
    ),
    (
        "url-credentials",
        r#"{"level":"info","remote":"https://git:ghp_abcdef123456@github.com/org/repo.git"}"#,
        "ghp_abcdef123456",
    ),
    (
        "aws-key",
        "using AWS credentials AKIAIOSFODNN7EXAMPLE from env",
        "AKIAIOSFODNN7EXAMPLE",
    ),
    (
        "aws-key",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "aws-key",
        r#"{"AWS_SECRET_ACCESS_KEY":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "aws-key",
        "GET https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    ),
    (
        "private-key",
        r#"{"msg":"loaded","key":"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA75uy\n-----END RSA PRIVATE KEY-----"}"#,
        "MIIEowIBAAKCAQEA75uy",
    ),
    (
        "private-key",
        "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ),
    (
        "private-key",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    ),
    (
        "jwt",
        "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U issued",
        "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    ),
];

/// Lines with nothing secret: no rule may touch them.
pub(crate) const ORDINARY: &[&str] = &[
    "level=info msg=\"request served\" method=GET path=/api/v1/users status=200 duration=12ms",
    r#"{"level":"info","ts":"2026-11-30T23:58:00Z","msg":"listening","addr":":8080"}"#,
    "GET /healthz HTTP/1.1 200 2 \"-\" \"kube-probe/1.35\"",
    "2026-11-30 23:58:00.123 INFO  [main] o.s.b.StartupInfoLogger : Started App in 4.2 seconds",
    "Tokenizer loaded 30522 tokens in 1.2s",
    "password policy updated for 3 users",
    "connecting to https://db.example:5432/app",
    r#"{"level":"warn","msg":"retrying","attempt":3,"secretName":""}"#,
    "E1130 23:58:00.000000       1 reflector.go:158] failed to list *v1.Secret: forbidden",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
];

#[test]
fn every_builtin_rule_set_removes_its_secrets_and_keeps_the_line_parseable() {
    for set in BUILTIN {
        assert!(
            SECRETS.iter().any(|(s, _, _)| *s == set.name),
            "no sample line for the {} rule set",
            set.name
        );
    }
    let stages = pods(SENSITIVE);
    for (set, line, secret) in SECRETS {
        let e = pod_line(&stages, "vault", line);
        assert!(!e.line.contains(secret), "[{set}] {line}\n  -> {}", e.line);
        assert!(e.line.contains("[REDACTED]"), "[{set}] {}", e.line);
        if serde_json::from_str::<serde_json::Value>(line).is_ok() {
            assert!(
                serde_json::from_str::<serde_json::Value>(&e.line).is_ok(),
                "[{set}] still JSON: {}",
                e.line
            );
        }
        assert!(e.misfires.is_empty(), "[{set}] {:?}", e.misfires);
        // Only the sensitive namespaces are redacted by default.
        assert_eq!(
            pod_line(&stages, "app", line).line,
            *line,
            "[{set}] app namespace"
        );
    }
}

#[test]
fn each_rule_set_alone_handles_its_own_lines() {
    for set in BUILTIN {
        let stages = pods(&format!(
            "  collector: {{sensitiveNamespaces: [vault], redaction: {{builtin: [{}]}}}}\n",
            set.name
        ));
        for (_, line, secret) in SECRETS.iter().filter(|(s, _, _)| *s == set.name) {
            let e = pod_line(&stages, "vault", line);
            assert!(
                !e.line.contains(secret),
                "[{}] {line} -> {}",
                set.name,
                e.line
            );
        }
    }
}

#[test]
fn ordinary_lines_pass_every_rule_unchanged() {
    let stages = pods("  collector: {redaction: {scope: All}}\n");
    for line in ORDINARY {
        for namespace in ["vault", "app"] {
            let e = pod_line(&stages, namespace, line);
            assert_eq!(e.line, *line, "{namespace}");
        }
    }
}

#[test]
fn scope_all_redacts_every_job() {
    let config = build(&resolved("  collector: {redaction: {scope: All}}\n"));
    for job in &config.scrape_configs {
        let replaces = count_replaces(&job.pipeline_stages);
        assert!(replaces > 0, "{} has no replace stage", job.job_name);
    }
    let e = pod_line(
        &pods("  collector: {redaction: {scope: All}}\n"),
        "app",
        "password=hunter2",
    );
    assert_eq!(e.line, "password=[REDACTED]");
}

fn count_replaces(stages: &[Stage]) -> usize {
    stages
        .iter()
        .map(|s| match s {
            Stage::Replace(_) => 1,
            Stage::Match(m) => count_replaces(&m.stages),
            _ => 0,
        })
        .sum()
}

#[test]
fn custom_rules_run_after_the_builtin_ones_with_their_own_replacement() {
    let stages = pods(
        "  collector:\n    sensitiveNamespaces: [payments]\n    redaction:\n      builtin: []\n      rules:\n      - {name: card-number, regex: '\\b([0-9]{4})[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?([0-9]{4})\\b', replace: '****'}\n      - {name: iban, regex: '\\b(DE[0-9]{20})\\b'}\n",
    );
    let e = pod_line(
        &stages,
        "payments",
        "charged 4111 1111 1111 1234 from DE89370400440532013000",
    );
    assert_eq!(e.line, "charged **** 1111 1111 **** from [REDACTED]");
    // With `builtin: []`, the built-in rules are off.
    let e = pod_line(&stages, "payments", "password=hunter2");
    assert_eq!(e.line, "password=hunter2");
}

#[test]
fn redaction_sees_whole_entries_after_multiline_and_before_parsing() {
    let stages = pods(
        "  collector:\n    sensitiveNamespaces: [vault]\n    pods:\n      multiline: [{namespace: vault, firstline: '^[0-9]{4}-'}]\n",
    );
    let position = |pred: &dyn Fn(&Stage) -> bool| stages.iter().position(pred);
    let multiline = position(
        &|s| matches!(s, Stage::Match(m) if m.stages.iter().any(|x| matches!(x, Stage::Multiline(_)))),
    );
    let redaction = position(&|s| matches!(s, Stage::Match(m) if count_replaces(&m.stages) > 0));
    let parse = position(
        &|s| matches!(s, Stage::Match(m) if m.stages.iter().any(|x| matches!(x, Stage::Json(_)))),
    );
    assert!(
        multiline < redaction && redaction < parse,
        "{multiline:?} {redaction:?} {parse:?}"
    );
    // A PEM block joined by multiline is redacted whole.
    let joined = "2026-11-30 loaded key\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\nAoGCCqGSM49\n-----END EC PRIVATE KEY-----";
    let e = pod_line(&stages, "vault", joined);
    assert!(
        !e.line.contains("MHcCAQEEIBkg") && !e.line.contains("AoGCCqGSM49"),
        "{}",
        e.line
    );
}

#[test]
fn custom_regexes_with_backslashes_survive_expand_env() {
    let extra = "  collector:\n    sensitiveNamespaces: [win]\n    redaction:\n      rules:\n      - {name: share, regex: '\\\\\\\\fs01\\\\([a-z$]+)\\/', replace: x}\n";
    let r = resolved(extra);
    let text = crate::yaml::to_string(&build(&r)).unwrap_or_default();
    assert_eq!(super::check_expand_env_safe(&text), Ok(()), "{text}");
    assert!(text.contains(r"\x5c\x5cfs01\x5c([a-z$]+)/"), "{text}");
    // What Promtail reads back (YAML, then expand-env, which changes nothing) works.
    let e = pod_line(&pods(extra), "win", r"opened \\fs01\share$/doc.txt");
    assert_eq!(e.line, r"opened \\fs01\x/doc.txt");
}

#[test]
fn builtin_rules_are_go_re2_and_expand_env_safe_as_written() {
    for set in BUILTIN {
        for (name, regex) in set.rules {
            assert_eq!(
                crate::spec::re2::for_promtail(regex).as_deref(),
                Ok(*regex),
                "{}/{name}",
                set.name
            );
            assert!(
                crate::spec::re2::capture_groups(regex) >= 1,
                "{}/{name}",
                set.name
            );
        }
    }
}
