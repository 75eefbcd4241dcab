//! Tests of the Promtail config (kept apart from the model and builder).
pub(crate) use super::go_logfmt::{go_logfmt_decode, go_logfmt_pairs};
use super::levels::*;
use super::pods::relabels_for_test as relabels;
use super::stages::*;
use super::*;

fn gate() -> regex::bytes::Regex {
    regex::bytes::Regex::new(LOGFMT_LINE).unwrap()
}

/// Pieces of generated logfmt-ish lines: keys, values, quotes, escapes (valid and
/// not), blanks, U+FFFD, invalid UTF-8, control characters.
pub(crate) const LOGFMT_PIECES: &[&[u8]] = &[
    b"level",
    b"=",
    b"info",
    b"\"",
    b" ",
    b"  ",
    b"\t",
    b"msg",
    b"\\",
    b"\\\"",
    b"\\n",
    b"\\q",
    b"\\u00e9",
    b"\\u12",
    b"a b",
    b"x",
    b"ts=2024-01-01T00:00:00Z",
    b"\xef\xbf\xbd",
    b"\xff",
    b"\xc3\xa9",
    b"\x01",
    b"\x7f",
    b"{",
    b"}",
    b"[",
    b"]",
    b"`",
    b"'",
    b"/",
    b"\"quoted value\"",
    b"k=v",
    b"=x",
];

/// A small deterministic generator (no test-only dependency needed).
pub(crate) struct Lcg(pub(crate) u64);
impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    pub(crate) fn pick<'a>(&mut self, xs: &[&'a [u8]]) -> &'a [u8] {
        let i = usize::try_from(self.next()).unwrap_or(0) % xs.len();
        xs[i]
    }
}

#[test]
fn the_logfmt_gate_only_admits_lines_go_logfmt_decodes() {
    let pieces = LOGFMT_PIECES;
    let gate = gate();
    let mut rng = Lcg(42);
    let (mut admitted, mut clean_rejected) = (0, 0);
    for _ in 0..300_000 {
        let n = 1 + usize::try_from(rng.next() % 12).unwrap_or(0);
        let line: Vec<u8> = (0..n).flat_map(|_| rng.pick(pieces).to_vec()).collect();
        if gate.is_match(&line) {
            admitted += 1;
            assert_eq!(
                go_logfmt_decode(&line),
                Ok(()),
                "gate admits a line go-logfmt refuses: {:?}",
                String::from_utf8_lossy(&line)
            );
        } else if go_logfmt_decode(&line).is_ok() {
            clean_rejected += 1;
        }
    }
    assert!(
        admitted > 10_000,
        "the gate admits too little to be useful: {admitted}"
    );
    // Strictness costs some parseable lines; they are still shipped, just without level.
    assert!(clean_rejected > 0);
}

/// Real logfmt lines: the gate admits them.
pub(crate) const LOGFMT_REAL: &[&str] = &[
    "level=info msg=\"starting server\" addr=:8080",
    "ts=2024-05-01T10:00:00.000Z caller=main.go:12 level=warn msg=slow duration=1.5s",
    "time=\"2024-05-01T10:00:00Z\" level=error msg=\"connection refused (retrying)\" attempt=3",
    "level=debug",
    "t=2024 lvl=info level=INFO path=/api/v1/push status=204",
    "level=info key=\"with \\\"escaped\\\" quotes\" path=\"C:\\\\tmp\" u=\"\\u00e9\"",
    "level=warn msg=\"[brackets] and `ticks`\"",
];

/// Lines the gate refuses.
pub(crate) const LOGFMT_REFUSED: &[&str] = &[
    "{\"level\":\"info\"}",
    "level=info msg=\"unterminated",
    "level=info msg=\"bad \\q escape\"",
    "plain text level=info with \"quotes\"",
    "level=info a==b",
];

#[test]
fn the_logfmt_gate_admits_real_logfmt() {
    let gate = gate();
    for line in LOGFMT_REAL {
        assert!(gate.is_match(line.as_bytes()), "{line}");
        assert_eq!(go_logfmt_decode(line.as_bytes()), Ok(()));
    }
    for line in LOGFMT_REFUSED {
        assert!(!gate.is_match(line.as_bytes()), "{line}");
    }
    let json = regex::Regex::new(JSON_LINE).unwrap();
    assert!(json.is_match("  {\"level\":\"info\"}"));
    assert!(!json.is_match("level=info {"));
    let has_level = regex::Regex::new(HAS_LEVEL_KEY).unwrap();
    assert!(has_level.is_match("ts=1 level=info"));
    assert!(!has_level.is_match("loglevel=info"));
}

#[test]
fn lines_too_long_for_the_decoder_are_not_gated_in() {
    // Rust's regex compiles Unicode `.` larger than Go's; raise its size limit.
    let long = regex::RegexBuilder::new(&long_line())
        .size_limit(1 << 30)
        .build()
        .unwrap();
    let line = |n: usize| format!("level=info msg={}", "x".repeat(n - 15));
    assert!(!long.is_match(&line(LONG_LINE_CHARS - 1)));
    assert!(long.is_match(&line(LONG_LINE_CHARS)));
    assert!(
        long.is_match(&"é".repeat(16_000)),
        "counts characters, not bytes"
    );
}

#[test]
fn backslash_class_matches_only_a_backslash() {
    let class = regex::Regex::new(&format!("^{BACKSLASH}$")).unwrap();
    let matched: Vec<char> = (0..0x3_0000)
        .filter_map(char::from_u32)
        .filter(|c| class.is_match(&c.to_string()))
        .collect();
    assert_eq!(matched, ['\\']);
    assert!(!BACKSLASH.contains('\\'));
    assert_eq!(
        LOGFMT_LINE.matches(BACKSLASH).count(),
        4,
        "the pair macro spells BACKSLASH out"
    );
}

#[test]
fn every_level_spelling_maps_to_one_level() {
    let mut seen = std::collections::BTreeSet::new();
    for (level, spellings) in LEVELS {
        assert!(spellings.contains(&level), "{level} maps to itself");
        for s in spellings {
            assert!(seen.insert(*s), "{s} is mapped twice");
            assert_eq!(s.to_ascii_lowercase(), *s, "compared after ToLower");
        }
    }
    let t = level_template();
    assert_eq!(t.matches("{{").count(), t.matches("}}").count());
    assert!(
        !t.contains('$'),
        "no template variables: expand-env would see them"
    );
}

pub(crate) fn resolved(extra: &str) -> Resolved {
    let doc: serde_json::Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: local\n  retention: {{period: 72h}}\n{extra}"
    ))
    .unwrap();
    crate::spec::parse(&doc).unwrap()
}

#[test]
fn excluded_namespaces_are_dropped_before_anything_else() {
    let with = relabels(&resolved(
        "  collector: {pods: {excludeNamespaces: [payments, kube-public]}}\n",
    ));
    assert_eq!(with[0].action, "drop");
    assert_eq!(with[0].source_labels, ["__meta_kubernetes_namespace"]);
    assert_eq!(with[0].regex.as_deref(), Some("payments|kube-public"));
    let without = relabels(&resolved(""));
    assert!(
        without
            .iter()
            .all(|r| r.action != "drop" || r.source_labels != ["__meta_kubernetes_namespace"])
    );
}

#[test]
fn the_rendered_config_survives_expand_env() {
    let text = crate::yaml::to_string(&build(&resolved(""))).unwrap();
    assert_eq!(check_expand_env_safe(&text), Ok(()));
    assert!(text.contains("field: spec.nodeName=${HOSTNAME}"));
    assert!(
        text.contains("selector: |-"),
        "selectors are literal blocks:\n{text}"
    );
    // Promtail's match-stage parser knows no backtick strings.
    assert!(!text.contains("~ `"), "backtick LogQL string:\n{text}");
}

#[test]
fn expand_env_safety_check() {
    assert!(check_expand_env_safe("field: spec.nodeName=${HOSTNAME}\nx: $1\n").is_ok());
    assert!(check_expand_env_safe("x: ${HOME}").is_err());
    assert!(check_expand_env_safe("x: $$1").is_err());
    assert!(check_expand_env_safe("x: \"a\\\\b\"").is_err());
    assert!(check_expand_env_safe("x: a\\/b").is_err());
}

/// Regression: on a node with a few days of pod logs, Promtail's first start sent
/// batches Loki refused ("timestamp too old", HTTP 400) and logged an error for each.
/// Lines older than Loki accepts (less a margin) are dropped right after `cri`, which
/// sets their timestamp, with a counter reason.
#[test]
fn lines_older_than_loki_accepts_are_dropped_after_cri() {
    for (retention, older_than) in [
        ("24h", "23h50m"),
        ("72h", "71h50m"),
        ("7d", "167h50m"),
        ("30d", "167h50m"),
        ("1d12h", "35h50m"),
    ] {
        let doc: serde_json::Value = crate::yaml::from_str(&format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: local\n  retention: {{period: {retention}}}\n"
        ))
        .unwrap();
        let r = crate::spec::parse(&doc).unwrap();
        let stages = build(&r).scrape_configs.remove(0).pipeline_stages;
        assert!(matches!(stages.first(), Some(Stage::Cri(_))));
        match stages.get(1) {
            Some(Stage::Drop(d)) => {
                assert_eq!(d.older_than, older_than, "retention {retention}");
                assert_eq!(d.drop_counter_reason, TOO_OLD_REASON);
            }
            other => panic!("the stage after cri is {other:?}, not the age drop"),
        }
        // Loki's own limit is the same setting: never stricter than Promtail's.
        let loki = crate::config::loki::build_resolved(&r);
        let loki_ms =
            crate::spec::duration::Duration::parse(&loki.limits_config.reject_old_samples_max_age)
                .unwrap()
                .as_millis();
        assert_eq!(
            loki_ms,
            crate::config::loki::max_sample_age_ms(&r),
            "retention {retention}"
        );
    }
}

#[test]
fn go_durations_have_no_days() {
    assert_eq!(go_duration(60_000), "1m");
    assert_eq!(go_duration(3_600_000), "1h");
    assert_eq!(go_duration(4_260_000), "1h11m");
    assert_eq!(go_duration(7 * 24 * 3_600_000), "168h");
    assert_eq!(go_duration(2 * 3_600_000 + 600_000), "2h10m");
    assert_eq!(go_duration(90_000), "1m30s");
    assert_eq!(go_duration(3_600_000 + 30_000), "1h30s");
    assert_eq!(go_duration(500), "500ms");
}

fn pod_entry(extra: &str, labels: &[(&str, &str)], content: &str) -> super::sim::Entry {
    let stages = build(&resolved(extra))
        .scrape_configs
        .remove(0)
        .pipeline_stages;
    let mut all = vec![("job", JOB), ("filename", "/var/log/pods/ns_p_uid/c/0.log")];
    all.extend_from_slice(labels);
    super::sim::run(
        &stages,
        &all,
        &format!("2026-11-30T23:58:00.000000000Z stdout F {content}"),
    )
}

#[test]
fn pod_streams_carry_a_fixed_label_set() {
    let e = pod_entry(
        "",
        &[("namespace", "app"), ("pod", "p"), ("container", "c")],
        r#"{"level":"ERROR","msg":"x","trace_id":"abc","user":"bob"}"#,
    );
    let keys: Vec<&str> = e.labels.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["container", "job", "level", "namespace", "pod", "stream"]
    );
    assert_eq!(e.labels["level"], "error");
    // Pod labels never become Loki labels wholesale: no labelmap anywhere.
    let r = resolved("");
    assert!(relabels(&r).iter().all(|x| x.action != "labelmap"));
    let text = crate::yaml::to_string(&build(&r)).unwrap_or_default();
    assert!(!text.contains("labelmap"), "{text}");
}

#[test]
fn extra_labels_and_structured_metadata_come_from_json_and_logfmt() {
    let extra = "  collector: {extraLabels: [component], structuredMetadata: [trace_id, user]}\n";
    let base = [("namespace", "app"), ("pod", "p"), ("container", "c")];
    let e = pod_entry(
        extra,
        &base,
        r#"{"level":"info","component":"billing","trace_id":"4bf92f35","user":"bob"}"#,
    );
    assert_eq!(e.labels["component"], "billing");
    assert_eq!(e.metadata["trace_id"], "4bf92f35");
    assert_eq!(e.metadata["user"], "bob");
    assert!(!e.labels.contains_key("trace_id"));
    // logfmt lines without a level key still yield the keys.
    let e = pod_entry(extra, &base, "component=auth trace_id=77aa msg=hi");
    assert!(e.misfires.is_empty(), "{:?}", e.misfires);
    assert_eq!(e.labels["component"], "auth");
    assert_eq!(e.metadata["trace_id"], "77aa");
}

#[test]
fn promtails_own_debug_lines_are_dropped() {
    let own = [
        ("namespace", "logging"),
        ("pod", "promtail-x"),
        ("container", "promtail"),
    ];
    let e = pod_entry(
        "",
        &own,
        "level=debug ts=2026-11-30T23:58:00Z msg=\"tail routine\"",
    );
    assert_eq!(e.dropped.as_deref(), Some(super::pods::OWN_DEBUG_REASON));
    let e = pod_entry(
        "",
        &own,
        "level=info ts=2026-11-30T23:58:00Z msg=\"Adding target\"",
    );
    assert_eq!(e.dropped, None);
    let other = [
        ("namespace", "app"),
        ("pod", "a"),
        ("container", "promtail"),
    ];
    assert_eq!(pod_entry("", &other, "level=debug msg=x").dropped, None);
}

#[test]
fn pods_and_namespaces_opt_out_by_annotation() {
    let r = resolved("");
    let all = relabels(&r);
    let drops: Vec<&Relabel> = all.iter().filter(|x| x.action == "drop").collect();
    let sources: Vec<&str> = drops.iter().flat_map(|x| x.source_labels.clone()).collect();
    assert_eq!(sources, super::pods::OPT_OUT_META);
    for d in &drops {
        let rx = regex::Regex::new(&format!("^(?:{})$", d.regex.as_deref().unwrap_or(""))).unwrap();
        assert!(rx.is_match("false") && rx.is_match("False") && !rx.is_match("true"));
    }
    let sd = &build(&r).scrape_configs[0].kubernetes_sd_configs[0];
    assert!(sd.attach_metadata.as_ref().is_some_and(|a| a.namespace));
}

#[test]
fn multiline_joins_only_the_named_pods() {
    let stages = build(&resolved(
        "  collector: {pods: {multiline: [{namespace: app, container: java, firstline: '^[0-9]{4}-', maxWaitTime: 2s}]}}\n",
    ))
    .scrape_configs
    .remove(0)
    .pipeline_stages;
    let found = stages.iter().find_map(|s| match s {
        Stage::Match(m) => m.stages.iter().find_map(|x| match x {
            Stage::Multiline(ml) => Some((m.selector.0.clone(), ml)),
            _ => None,
        }),
        _ => None,
    });
    let (selector, ml) = found.expect("a multiline stage");
    assert_eq!(
        selector,
        r#"{job="kubernetes-pods", namespace="app", container="java"}"#
    );
    assert_eq!(
        (
            ml.firstline.as_str(),
            ml.max_wait_time.as_str(),
            ml.max_lines
        ),
        ("^[0-9]{4}-", "2s", 128)
    );
    assert!(matches!(stages.first(), Some(Stage::Cri(_))), "after cri");
}
