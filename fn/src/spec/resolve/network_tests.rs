//! Tests of `spec.network` (network.rs), through the whole spec parse.

use crate::spec::types::PolicyKind;

fn parse(
    spec: &str,
) -> Result<crate::spec::resolved::Resolved, Vec<crate::diagnostic::Diagnostic>> {
    let doc: serde_json::Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: local\n  retention: {{period: 72h}}\n{spec}"
    ))
    .unwrap();
    crate::spec::parse(&doc)
}

#[test]
fn defaults_follow_the_datasource_and_monitoring() {
    let r = parse("").unwrap();
    assert_eq!(r.network.policies, PolicyKind::Kubernetes);
    assert_eq!(r.network.grafana_namespace, "monitoring");
    assert_eq!(r.network.prometheus_namespace, "monitoring");
    assert!(r.network.exposure_namespaces.is_empty());
    let r = parse("  grafana: {datasource: {namespace: grafana}}\n").unwrap();
    assert_eq!(r.network.grafana_namespace, "grafana");
    let r = parse(
        "  grafana: {datasource: {namespace: grafana}}\n  network: {policies: cilium, grafanaNamespace: dash, prometheusNamespace: prom}\n",
    )
    .unwrap();
    assert_eq!(r.network.policies, PolicyKind::Cilium);
    assert_eq!(r.network.grafana_namespace, "dash");
    assert_eq!(r.network.prometheus_namespace, "prom");
}

#[test]
fn bad_values_are_refused_by_field() {
    let errors = parse("  network: {policies: calico}\n").unwrap_err();
    assert!(!errors.is_empty());
    let errors = parse(
        "  network: {grafanaNamespace: Not_A_Label, prometheusNamespace: '', exposureNamespaces: [x]}\n",
    )
    .unwrap_err();
    let fields: Vec<String> = errors.iter().map(|d| format!("{d:?}")).collect();
    let all = fields.join("\n");
    assert!(all.contains("spec.network.grafanaNamespace"), "{all}");
    assert!(all.contains("spec.network.prometheusNamespace"), "{all}");
    assert!(all.contains("spec.network.exposureNamespaces"), "{all}");
}
