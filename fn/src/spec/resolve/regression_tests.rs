//! Bugs found by comparing the JSON Schema with the function (tests/tests/schema.rs), each
//! named after what it was.

use crate::diagnostic::Diagnostic;
use crate::spec::Resolved;
use crate::spec::resolved::Part;

fn parse(spec: &str) -> Result<Resolved, Vec<Diagnostic>> {
    let doc: serde_json::Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  retention: {{period: 72h}}\n{spec}"
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
