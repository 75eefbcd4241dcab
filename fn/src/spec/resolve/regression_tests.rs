//! Bugs found by comparing the JSON Schema with the function (tests/tests/schema.rs) and
//! by the fuzzer (fuzz/), each named after what it was.

use crate::diagnostic::Diagnostic;
use crate::spec::resolved::Part;
use crate::spec::resolved::Resolved;

fn parse(spec: &str) -> Result<Resolved, Vec<Diagnostic>> {
    let doc: serde_json::Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{retention}{spec}",
        retention = if spec.contains("  retention:") { "" } else { "  retention: {period: 72h}\n" }
    ))
    .unwrap();
    crate::spec::parse(&doc)
}

fn refused_at(spec: &str, field: &str) -> String {
    let errors = parse(spec).expect_err(spec);
    errors
        .iter()
        .find(|d| d.field.as_deref() == Some(field))
        .map(|d| d.message.clone())
        .unwrap_or_else(|| panic!("no error at {field}: {errors:?}"))
}

const CLOUD: &str = "  profile: cloud\n  storage: {s3: {bucket: b-b-b, region: eu-west-1}}\n";

#[test]
fn gateway_resources_were_ignored() {
    let r = parse(&format!(
        "{CLOUD}  gateway: {{resources: {{requests: {{cpu: 123m, memory: 100Mi}}, limits: {{memory: 200Mi}}}}}}\n"
    ))
    .unwrap();
    let gw = &r.components[&Part::Gateway].resources;
    assert_eq!(gw.requests.cpu.as_ref().unwrap().as_str(), "123m");
    assert_eq!(gw.limits.memory.as_ref().unwrap().as_str(), "200Mi");
    // spec.components.gateway.resources wins, as spec.components.singleBinary does.
    let r = parse(&format!(
        "{CLOUD}  gateway: {{resources: {{requests: {{cpu: 123m}}}}}}\n  components: {{gateway: {{resources: {{requests: {{cpu: 321m}}}}}}}}\n"
    ))
    .unwrap();
    let gw = &r.components[&Part::Gateway].resources;
    assert_eq!(gw.requests.cpu.as_ref().unwrap().as_str(), "321m");
    let msg = refused_at(
        &format!("{CLOUD}  gateway: {{resources: {{requests: {{memory: /x}}}}}}\n"),
        "spec.gateway.resources.requests.memory",
    );
    assert!(msg.contains("invalid quantity"), "{msg}");
}

#[test]
fn values_of_disabled_sections_were_not_checked() {
    let local = "  profile: local\n";
    for (spec, field) in [
        (
            "  grafana: {datasource: {enabled: false, labels: {release: '-1'}}}\n",
            "spec.grafana.datasource.labels.release",
        ),
        (
            "  grafana: {datasource: {enabled: false, uid: 'a b'}}\n",
            "spec.grafana.datasource.uid",
        ),
        (
            "  grafana: {dashboards: {enabled: false, namespace: Bad}}\n",
            "spec.grafana.dashboards.namespace",
        ),
        (
            "  monitoring: {serviceMonitor: {enabled: false, interval: 5 min}}\n",
            "spec.monitoring.serviceMonitor.interval",
        ),
        (
            "  monitoring: {serviceMonitor: {enabled: false}, cluster: 'a b'}\n",
            "spec.monitoring.cluster",
        ),
        (
            "  monitoring: {prometheusRule: {enabled: false, labels: {'bad key': x}}}\n",
            "spec.monitoring.prometheusRule.labels.bad key",
        ),
        (
            "  gateway: {enabled: false, image: 'nginx:latest'}\n",
            "spec.gateway.enabled",
        ),
    ] {
        refused_at(&format!("{local}{spec}"), field);
    }
    // What a disabled datasource still gives the dashboards is checked once.
    let errors = parse(&format!(
        "{local}  grafana: {{datasource: {{enabled: false, uid: 'a b', namespace: Bad}}}}\n"
    ))
    .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn missing_names_were_reported_as_invalid_empty_names() {
    for (spec, field) in [
        (
            "  collector: {pods: {multiline: [{firstline: '^x'}]}}\n",
            "spec.collector.pods.multiline[0].namespace",
        ),
        (
            "  collector: {redaction: {rules: [{regex: '(x)'}]}}\n",
            "spec.collector.redaction.rules[0].name",
        ),
        (
            "  gateway: {auth: {basic: {secretRef: {name: s}}}}\n  exposure: {httpRoute: {parentRefs: [{namespace: gw}]}}\n",
            "spec.exposure.httpRoute.parentRefs[0].name",
        ),
    ] {
        let msg = refused_at(&format!("  profile: local\n{spec}"), field);
        assert!(msg.starts_with("required: "), "{field}: {msg}");
    }
}

#[test]
fn cache_memory_overflow_panicked() {
    // memcached's container memory is computed from memoryMB before the range error
    // stops the render: u32 arithmetic overflowed (a panic in debug builds, a wrapped
    // size in release ones).
    for mb in [4_294_967_295_u32, 3_500_000_000] {
        let msg = refused_at(
            &format!("{CLOUD}  caches: {{chunks: {{enabled: true, memoryMB: {mb}}}}}\n"),
            "spec.caches.chunks.memoryMB",
        );
        assert!(msg.contains("between 64 and 65536"), "{msg}");
    }
}

/// Found by the fuzzer (target `config`, fuzz/corpus/config/crash-97cb85d9...): a value
/// that -config.expand-env would rewrite was refused when the rendered Loki (or
/// Promtail) config was checked, with no field in the error.
#[test]
fn expand_env_refusal_had_no_field() {
    let s3_secret = "  profile: cloud\n  storage: {s3: {bucket: b-b-b, region: eu-west-1}, auth: {secretRef: {name: s3}}}\n";
    for (spec, field) in [
        (
            format!("{s3_secret}  retention: {{period: 7d, streams: [{{selector: '{{a=\"$x\"}}', period: 24h}}]}}\n"),
            "spec.retention.streams[0].selector",
        ),
        (
            format!("{s3_secret}  ruler: {{enabled: true, alertmanagerUrl: 'http://am/$x'}}\n"),
            "spec.ruler.alertmanagerUrl",
        ),
        (
            "  profile: local\n  collector: {positionsDir: '/var/lib/${X}'}\n".to_owned(),
            "spec.collector.positionsDir",
        ),
        (
            "  profile: local\n  gateway: {auth: {basic: {secretRef: {name: s}, username: 'a$$b'}}}\n".to_owned(),
            "spec.gateway.auth.basic.username",
        ),
    ] {
        let msg = refused_at(&spec, field);
        assert!(msg.contains("-config.expand-env"), "{field}: {msg}");
    }
    // Without S3 keys from a Secret, Loki's config is not expanded: `$` is fine there.
    parse("  profile: local\n  retention: {period: 7d, streams: [{selector: '{a=\"$x\"}', period: 24h}]}\n")
        .unwrap();
}
