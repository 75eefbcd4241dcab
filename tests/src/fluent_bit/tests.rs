//! The checker itself must be able to fail: a small valid config, and one mistake of each
//! kind made in it.

use super::{Schema, check_config};

/// A small config in the rendered form, valid: the base of the failing cases below.
const VALID: &str = r#"service:
  flush: 1
  log_level: info
  http_server: "on"
  http_listen: ${POD_IP}
  http_port: 2020
parsers:
- name: kube-tag
  format: regex
  regex: ^(?<namespace_name>[^.]+)$
multiline_parsers:
- name: ml
  type: regex
  flush_timeout: 2000
  rules:
  - state: start_state
    regex: /^\d/
    next_state: cont
  - state: cont
    regex: /^\s/
    next_state: cont
pipeline:
  inputs:
  - name: tail
    alias: pods
    path: /var/log/pods/*/*/*.log
    read_from_head: "true"
    Skip_Empty_Lines: "OFF"
    mem_buf_limit: 16MB
    buffer_chunk_size: 32k
    refresh_interval: "10"
    parser_firstline: first
    parser_1: second
    multiline.parser: cri
  filters:
  - name: kubernetes
    match: pods.*
    kube_meta_cache_ttl: 300s
    buffer_size: ${BUFFER}
  outputs:
  - name: loki
    alias: loki
    match: "*"
    port: 3100
    tls: "off"
    workers: 1
    retry_limit: no_limits
    storage.total_limit_size: 1G
    net.keepalive: "on"
"#;

fn problems(config: &str) -> Vec<String> {
    check_config(config, Schema::get())
}

#[test]
fn checker_accepts_a_valid_config() {
    assert_eq!(problems(VALID), Vec::<String>::new());
}

#[test]
fn checker_reports_a_misspelt_property_and_a_wrong_typed_value() {
    let config = VALID
        .replace("read_from_head:", "read_from_hed:")
        .replace("Skip_Empty_Lines: \"OFF\"", "Skip_Empty_Lines: \"of\"");
    let found = problems(&config);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with(
            "pipeline.inputs[0] (input tail, alias pods): property 'read_from_hed' is not an option"
        ),
        "{found:#?}"
    );
    assert_eq!(
        found[1],
        "pipeline.inputs[0] (input tail, alias pods): property 'Skip_Empty_Lines' = 'of': \
         not a boolean: on/off, true/false or yes/no (flb_utils_bool)"
    );
}

#[test]
fn checker_reports_each_kind_of_mistake() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "flush: 1",
            "flush: soon",
            "service: key 'flush' = 'soon': not a number",
        ),
        (
            "http_port: 2020",
            "http_prot: 2020",
            "service: key 'http_prot' is not one",
        ),
        (
            "mem_buf_limit: 16MB",
            "mem_buf_limit: 16XB",
            "property 'mem_buf_limit' = '16XB': not a size",
        ),
        (
            "kube_meta_cache_ttl: 300s",
            "kube_meta_cache_ttl: 5min",
            "= '5min': not a time",
        ),
        (
            "port: 3100",
            "port: \"3100.0\"",
            "property 'port' = '3100.0': not an integer",
        ),
        (
            "retry_limit: no_limits",
            "retry_limit: forever",
            "not a retry limit",
        ),
        (
            "workers: 1",
            "worker: 1",
            "(output loki, alias loki): property 'worker' is not an option",
        ),
        (
            "- name: kubernetes",
            "- name: kubernetess",
            "Fluent Bit 5.1.1 has no filter plugin 'kubernetess'",
        ),
        (
            "    match: pods.*\n",
            "",
            "(filter kubernetes): no match or match_regex",
        ),
        (
            "format: regex",
            "format: json",
            "key 'regex' is ignored with format json",
        ),
        (
            "  format: regex\n",
            "  format: regex\n  time_kep: on\n",
            "key 'time_kep' is not one",
        ),
        (
            "    next_state: cont\n  - state: cont",
            "  - state: cont",
            "rules[0]: no next_state",
        ),
        (
            "next_state: cont\npipeline",
            "next_state: done\npipeline",
            "next_state 'done' is no rule's state",
        ),
        (
            "pipeline:",
            "includes: [a.yaml]\npipeline:",
            "section 'includes' is not checked",
        ),
    ];
    for (from, to, want) in cases {
        assert!(VALID.contains(from), "{from:?} is not in VALID");
        let found = problems(&VALID.replacen(from, to, 1));
        assert!(
            found.len() == 1 && found[0].contains(want),
            "{from:?} -> {to:?}: want one problem with {want:?}, got {found:#?}"
        );
    }
}
