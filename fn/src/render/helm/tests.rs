//! The value mapping per mode and backend.
use serde_json::Value;

fn resolve(spec: &str) -> crate::spec::Resolved {
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  output: HelmRelease\n{spec}"
    ))
    .unwrap();
    crate::spec::parse(&doc).unwrap()
}

#[test]
fn placeholder() {
    let r = resolve("  profile: local\n  retention: {period: 72h}\n");
    let v = super::values::values(&r).unwrap();
    assert_eq!(v["deploymentMode"], "SingleBinary");
}
