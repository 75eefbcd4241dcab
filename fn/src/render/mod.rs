//! Every object of the stack, from a resolved spec: one module per component, each a
//! pure function of `Resolved`. The result is sorted so output is byte-identical for
//! the same input.

pub mod alerts;
pub mod cache;
pub mod collector;
pub mod dashboards;
pub mod disruption;
pub mod exposure;
pub mod gateway;
pub mod grafana;
pub mod guard;
pub mod helm;
pub mod jobs;
pub mod labels;
pub mod loki;
pub mod meta;
pub mod monitoring;
pub mod namespace;
pub mod network;
#[cfg(test)]
mod observability_tests;
pub mod pod;

use serde_json::Value;

use crate::spec::Resolved;
use crate::spec::types::Output;
use meta::to_value;

/// Annotation naming the LokiStack that generated an object. On re-render (kpt feeds
/// our earlier output back in) objects carrying our own owner value are replaced.
pub const OWNER_ANNOTATION: &str = "lokistack.krm.dev/owner";

/// Who generated an object: `LokiStack/<name>` (or `LokiStack/<namespace>/<name>`).
pub fn owner(config_namespace: Option<&str>, name: &str) -> String {
    match config_namespace {
        Some(ns) if !ns.is_empty() => format!("{}/{ns}/{name}", crate::spec::KIND),
        _ => format!("{}/{name}", crate::spec::KIND),
    }
}

/// Renders the whole stack, sorted. Errors are internal invariant violations (for
/// example, a config that would not enforce retention), never input problems.
pub fn render(r: &Resolved) -> Result<Vec<Value>, String> {
    let mut out = vec![to_value(&namespace::render(r))?];
    match r.output {
        // An agent runs no Loki: it ships to spec.remote.
        _ if r.central.is_none() => {}
        Output::Manifests => {
            out.extend(loki::objects(r)?);
            out.extend(gateway::objects(r)?);
            out.extend(cache::objects(r)?);
            for pdb in disruption::budgets(r) {
                out.push(to_value(&pdb)?);
            }
        }
        // The chart renders Loki, its gateway, caches and budgets.
        Output::HelmRelease => out.extend(helm::objects(r)?),
    }
    out.extend(exposure::objects(r)?);
    out.extend(network::objects(r)?);

    out.extend(collector::objects(r)?);

    if let Some(d) = &r.datasource {
        out.push(to_value(&grafana::config_map(r, d)?)?);
    }
    if let Some(s) = &r.service_monitor {
        for sm in monitoring::service_monitors(r, s) {
            out.push(to_value(&sm)?);
        }
    }
    if let Some(p) = &r.prometheus_rule {
        out.push(to_value(&alerts::prometheus_rule(r, p))?);
    }
    if let Some(d) = &r.dashboards {
        for cm in dashboards::config_maps(r, d)? {
            out.push(to_value(&cm)?);
        }
    }
    sort(&mut out);
    Ok(out)
}

/// Adds the ownership annotation to every object.
pub fn mark_owned(objects: &mut [Value], owner: &str) {
    for o in objects {
        set_annotation(o, OWNER_ANNOTATION, owner);
    }
}

/// Field order as people write manifests: `apiVersion`, `kind`, `metadata` (`name`,
/// `namespace`, `labels`, `annotations`, ...), then the rest as serialized.
pub fn conventional_order(object: &mut Value) {
    /// Moves `first` to the front in this order, in place (no rebuilt map).
    fn reorder(map: &mut serde_json::Map<String, Value>, first: &[&str]) {
        let mut at = 0;
        for key in first {
            if let Some((k, v)) = map.shift_remove_entry(*key) {
                map.shift_insert(at, k, v);
                at += 1;
            }
        }
    }
    let Some(map) = object.as_object_mut() else {
        return;
    };
    reorder(map, &["apiVersion", "kind", "metadata"]);
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        reorder(meta, &["name", "namespace", "labels", "annotations"]);
    }
}

pub fn set_annotation(object: &mut Value, key: &str, value: &str) {
    set_annotations(object, &[(key, value)]);
}

/// Sets several annotations, finding (or creating) `metadata.annotations` once.
pub fn set_annotations(object: &mut Value, pairs: &[(&str, &str)]) {
    /// The object at `key`, created if missing (looked up first: `entry` would allocate
    /// the key every time).
    fn child<'a>(
        map: &'a mut serde_json::Map<String, Value>,
        key: &str,
    ) -> Option<&'a mut serde_json::Map<String, Value>> {
        if !map.contains_key(key) {
            map.insert(key.to_owned(), Value::Object(serde_json::Map::new()));
        }
        map.get_mut(key).and_then(Value::as_object_mut)
    }
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let Some(annotations) = child(map, "metadata").and_then(|m| child(m, "annotations")) else {
        return;
    };
    for (key, value) in pairs {
        annotations.insert((*key).to_owned(), Value::String((*value).to_owned()));
    }
}

/// Apply order: what others depend on first (kubectl apply -f reads top to bottom).
const KIND_ORDER: [&str; 22] = [
    "Namespace",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Secret",
    "ConfigMap",
    // Before the workloads: their pods start guarded.
    "NetworkPolicy",
    "CiliumNetworkPolicy",
    "Service",
    "StatefulSet",
    "DaemonSet",
    "Deployment",
    "PodDisruptionBudget",
    // The chart's source first, then the release (its Services exist once it is ready).
    "HelmRepository",
    "HelmRelease",
    "Ingress",
    "HTTPRoute",
    "ServiceMonitor",
    "PrometheusRule",
    guard::KIND,
];

pub fn sort_key(o: &Value) -> (usize, String, String) {
    let meta = |k: &str| {
        o.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or_default();
    let rank = KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len());
    (rank, meta("namespace"), meta("name"))
}

fn sort(objects: &mut [Value]) {
    objects.sort_by_cached_key(sort_key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract as names;

    fn render_spec(spec: &str) -> Vec<Value> {
        let doc: Value = crate::yaml::from_str(&format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{spec}"
        ))
        .unwrap();
        render(&crate::spec::parse(&doc).unwrap()).unwrap()
    }

    fn stack() -> Vec<Value> {
        render_spec("  profile: local\n  retention: {period: 72h}\n")
    }

    const CLOUD: &str = "  profile: cloud\n  retention: {period: 7d}\n  storage: {s3: {bucket: b-b-b, region: eu-west-1}}\n  gateway: {auth: {basic: {secretRef: {name: gw}}}}\n";

    /// Every shape the renderer has: local, SSD, Distributed with zones, caches, ruler.
    fn all_stacks() -> Vec<Vec<Value>> {
        vec![
            stack(),
            render_spec(&format!("{CLOUD}  mode: SimpleScalable\n  size: medium\n")),
            render_spec(&format!(
                "{CLOUD}  size: large\n  zones: [a, b, c]\n  ruler: {{enabled: true}}\n"
            )),
            render_spec(&format!(
                "{CLOUD}  collector: {{kind: FluentBit, talos: {{receiver: {{enabled: true}}}}}}\n"
            )),
        ]
    }

    /// The pod template labels of every workload.
    fn pod_label_sets(objects: &[Value]) -> Vec<&serde_json::Map<String, Value>> {
        objects
            .iter()
            .filter_map(|o| {
                o.pointer("/spec/template/metadata/labels")
                    .and_then(Value::as_object)
            })
            .collect()
    }

    #[test]
    fn every_service_selects_pods_of_exactly_one_component() {
        for objects in all_stacks() {
            let pods = pod_label_sets(&objects);
            for svc in objects.iter().filter(|o| o["kind"] == "Service") {
                let name = svc["metadata"]["name"].as_str().unwrap();
                let sel = svc
                    .pointer("/spec/selector")
                    .and_then(Value::as_object)
                    .unwrap();
                let mut components: Vec<(&Value, &Value)> = pods
                    .iter()
                    .filter(|p| sel.iter().all(|(k, v)| p.get(k) == Some(v)))
                    .map(|p| {
                        (
                            &p["app.kubernetes.io/name"],
                            &p["app.kubernetes.io/component"],
                        )
                    })
                    .collect();
                components.dedup();
                if name == names::MEMBERLIST {
                    // The ring's join address: every ring member, on purpose.
                    assert!(components.len() >= 3, "{name}: {components:?}");
                    assert!(components.iter().all(|(n, _)| *n == "loki"), "{name}");
                    continue;
                }
                assert_eq!(components.len(), 1, "{name} selects {components:?}");
            }
        }
    }

    #[test]
    fn pod_templates_roll_on_config_change_and_budgets_cover_replicas() {
        for objects in all_stacks() {
            for o in objects.iter().filter(|o| {
                ["Deployment", "StatefulSet", "DaemonSet"].contains(&o["kind"].as_str().unwrap())
            }) {
                let name = o["metadata"]["name"].as_str().unwrap();
                let a = &o["spec"]["template"]["metadata"]["annotations"];
                let memcached = name.ends_with("-cache");
                assert!(
                    memcached || a.get("checksum/config").is_some(),
                    "{name} lacks checksum/config"
                );
                let replicas = o["spec"]["replicas"].as_u64().unwrap_or(1);
                let sel = o["spec"]["selector"]["matchLabels"].as_object().unwrap();
                let covered = objects.iter().any(|p| {
                    p["kind"] == "PodDisruptionBudget"
                        && p["spec"]["selector"]["matchLabels"]
                            .as_object()
                            .unwrap()
                            .iter()
                            .all(|(k, v)| sel.get(k) == Some(v))
                });
                let zoned = sel.contains_key("lokistack.krm.dev/ingester-zone");
                if replicas > 1 || zoned {
                    assert!(
                        covered,
                        "{name} ({replicas} replicas) has no PodDisruptionBudget"
                    );
                }
                if let Some(claims) = o["spec"]["volumeClaimTemplates"].as_array() {
                    assert!(!claims.is_empty());
                    assert_eq!(
                        o["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"], "Retain",
                        "{name}"
                    );
                }
            }
            // Never a LoadBalancer or NodePort.
            for svc in objects.iter().filter(|o| o["kind"] == "Service") {
                let t = svc["spec"]["type"].as_str().unwrap_or("ClusterIP");
                assert_eq!(t, "ClusterIP", "{}", svc["metadata"]["name"]);
            }
        }
    }

    #[test]
    fn every_pod_is_pod_security_restricted_except_the_collector() {
        for objects in all_stacks() {
            for o in objects
                .iter()
                .filter(|o| o.pointer("/spec/template/spec").is_some())
            {
                let name = o["metadata"]["name"].as_str().unwrap();
                if name == names::PROMTAIL || name == names::FLUENT_BIT {
                    continue;
                }
                let pod = &o["spec"]["template"]["spec"];
                assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
                assert_eq!(
                    pod["securityContext"]["seccompProfile"]["type"],
                    "RuntimeDefault"
                );
                assert!(pod.get("hostNetwork").is_none() && pod.get("hostPID").is_none());
                for v in pod["volumes"].as_array().into_iter().flatten() {
                    assert!(v.get("hostPath").is_none(), "{name}: hostPath");
                }
                for c in pod["containers"].as_array().unwrap() {
                    let sc = &c["securityContext"];
                    assert_eq!(sc["allowPrivilegeEscalation"], false, "{name}");
                    assert_eq!(sc["readOnlyRootFilesystem"], true, "{name}");
                    assert_eq!(sc["capabilities"]["drop"][0], "ALL", "{name}");
                    assert_ne!(sc["runAsUser"], 0, "{name}");
                }
            }
        }
    }

    #[test]
    fn rendering_is_deterministic_for_every_shape() {
        assert_eq!(all_stacks(), all_stacks());
    }

    #[test]
    fn checkov_skip_reasons_are_readable_by_checkov() {
        // checkov splits `CHECK=reason` on every '=': a '=' in the reason breaks the skip.
        let mut skips = 0;
        for o in stack() {
            if let Some(a) = o
                .pointer("/metadata/annotations")
                .and_then(Value::as_object)
            {
                for (k, v) in a.iter().filter(|(k, _)| k.starts_with("checkov.io/skip")) {
                    let v = v.as_str().unwrap();
                    assert_eq!(v.matches('=').count(), 1, "{k}: {v}");
                    assert!(v.starts_with("CKV"), "{k}: {v}");
                    skips += 1;
                }
            }
        }
        assert!(skips > 0);
    }

    #[test]
    fn selectors_select_their_pods() {
        for o in stack() {
            let Some(selector) = o
                .pointer("/spec/selector/matchLabels")
                .and_then(Value::as_object)
            else {
                continue;
            };
            let Some(labels) = o
                .pointer("/spec/template/metadata/labels")
                .and_then(Value::as_object)
            else {
                continue; // ServiceMonitors select Services, not pods
            };
            for (k, v) in selector {
                assert_eq!(labels.get(k), Some(v), "{}: {k}", o["metadata"]["name"]);
            }
        }
    }

    #[test]
    fn services_select_pods_of_a_workload() {
        let objects = stack();
        let pods = pod_label_sets(&objects);
        for svc in objects.iter().filter(|o| o["kind"] == "Service") {
            let sel = svc
                .pointer("/spec/selector")
                .and_then(Value::as_object)
                .unwrap();
            assert!(
                pods.iter()
                    .any(|p| sel.iter().all(|(k, v)| p.get(k) == Some(v))),
                "Service {} selects no pods",
                svc["metadata"]["name"]
            );
        }
    }

    /// With an Ingress and an HTTPRoute (render/exposure.rs), no Service is public.
    #[test]
    fn exposure_never_makes_a_public_service() {
        let all = render_spec(
            "  profile: cloud\n  retention: {period: 7d}\n  storage: {s3: {bucket: example-loki-chunks, region: eu-west-1}}\n  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n  exposure:\n    ingress: {host: loki.example.com, tls: {secretName: loki-tls}}\n    httpRoute: {parentRefs: [{name: public}]}\n",
        );
        assert!(all.iter().any(|o| o["kind"] == "HTTPRoute"));
        for o in all.iter().filter(|o| o["kind"] == "Service") {
            let t = o["spec"]["type"].as_str().unwrap_or("ClusterIP");
            assert_eq!(t, "ClusterIP", "{}", o["metadata"]["name"]);
        }
    }
}
