//! The workload hazards (immutable fields, shrinking claims, orphaned PVCs, renames),
//! and the same hazards from live objects as `kubectl get -o yaml` prints them.

use serde_json::{Value, json};

use super::tests::{
    CLOUD, LOCAL, codes, compare_specs, compare_with, only, render, render_named, today,
};
use super::*;

// --- workloads -----------------------------------------------------------------------

fn sized(size: &str) -> String {
    format!("{LOCAL}  storage: {{filesystem: {{size: {size}}}}}\n")
}

#[test]
fn refused_a_volume_claim_template_change_and_warned_a_shrink() {
    let c = compare_specs(&sized("20Gi"), &sized("10Gi"));
    let r = only(&c, "immutable-field");
    assert_eq!(r.severity, Severity::Refused);
    assert_eq!(r.object.as_deref(), Some("StatefulSet logging/loki"));
    assert_eq!(r.field.as_deref(), Some("spec.volumeClaimTemplates"));
    assert!(
        r.fix
            .as_deref()
            .unwrap()
            .contains("kubectl -n logging delete statefulset loki --cascade=orphan"),
        "{r:?}"
    );
    let w = only(&c, "pvc-shrink");
    assert_eq!(w.severity, Severity::Warning);
    assert!(
        w.message.contains("asks for 10Gi instead of 20Gi"),
        "{}",
        w.message
    );
    assert!(w.message.contains("storage-loki-0"), "{}", w.message);

    let c = compare_specs(&sized("10Gi"), &sized("20Gi"));
    let r = only(&c, "immutable-field");
    assert!(
        r.message
            .contains("kubectl -n logging patch pvc storage-loki-0"),
        "{}",
        r.message
    );
    assert_eq!(c.warnings, 0);
}

#[test]
fn refused_statefulset_service_name_and_selector_changes() {
    let mut before = render(LOCAL).objects;
    let sts = before
        .iter_mut()
        .find(|o| o["kind"] == "StatefulSet")
        .unwrap();
    sts["spec"]["serviceName"] = "loki-old".into();
    sts["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] = "old".into();
    let c = compare_with(&before, &render(LOCAL), today());
    let fields: Vec<&str> = c
        .of(Severity::Refused)
        .filter_map(|x| x.field.as_deref())
        .collect();
    assert_eq!(
        fields,
        ["spec.selector", "spec.serviceName"],
        "{:#?}",
        c.items
    );
    let sel = c.of(Severity::Refused).next().unwrap();
    assert!(
        sel.fix
            .as_deref()
            .unwrap()
            .contains("delete statefulset loki, then apply")
    );
}

#[test]
fn refused_deployment_and_daemonset_selector_changes() {
    let mut before = render(CLOUD).objects;
    for o in &mut before {
        if o["kind"] == "Deployment" || o["kind"] == "DaemonSet" {
            o["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] = "old".into();
        }
    }
    let c = compare_with(&before, &render(CLOUD), today());
    let objects: Vec<&str> = c
        .of(Severity::Refused)
        .filter_map(|x| x.object.as_deref())
        .collect();
    assert!(
        objects.contains(&"Deployment logging/loki-distributor"),
        "{objects:?}"
    );
    assert!(
        objects.contains(&"DaemonSet logging/promtail"),
        "{objects:?}"
    );
    assert!(
        c.of(Severity::Refused)
            .all(|x| x.field.as_deref() == Some("spec.selector"))
    );
}

#[test]
fn warned_a_renamed_stack_names_its_orphaned_pvcs() {
    let before = render(LOCAL).objects;
    // Renamed and moved: nothing claims the old PVC again.
    let moved = render_named("logs", &format!("{LOCAL}  namespace: logs\n"));
    let c = compare_with(&before, &moved, today());
    let r = only(&c, "stack-renamed");
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.field.as_deref(), Some("metadata.name"));
    assert!(
        r.message
            .contains("belong to LokiStack/loki, this config is LokiStack/logs"),
        "{}",
        r.message
    );
    assert!(
        r.message
            .contains("PVCs logging/storage-loki-0 are orphaned"),
        "{}",
        r.message
    );
    assert!(
        r.fix
            .unwrap()
            .contains("kubectl -n logging delete pvc storage-loki-0")
    );
    assert_eq!(c.previous_owner.as_deref(), Some("LokiStack/loki"));
    // Renamed in place: the selectors change (refused) and the PVC is claimed again.
    let c = compare_with(&before, &render_named("logs", LOCAL), today());
    assert!(
        only(&c, "stack-renamed")
            .message
            .contains("No PVC is orphaned; logging/storage-loki-0 are claimed again")
    );
    assert!(c.refused >= 2, "{:#?}", c.items);
}

#[test]
fn warned_pvcs_orphaned_by_a_removed_statefulset_and_a_removed_namespace() {
    let c = compare_specs(CLOUD, &format!("{CLOUD}  mode: SimpleScalable\n"));
    let orphans: Vec<&Change> = c
        .items
        .iter()
        .filter(|x| x.code == "pvcs-orphaned")
        .collect();
    let ingester = orphans
        .iter()
        .find(|x| x.object.as_deref() == Some("StatefulSet logging/loki-ingester"))
        .unwrap();
    assert!(
        ingester
            .message
            .contains("storage-loki-ingester-0, storage-loki-ingester-1, storage-loki-ingester-2"),
        "{}",
        ingester.message
    );
    let c = compare_specs(LOCAL, &format!("{LOCAL}  namespace: logs\n"));
    let ns = only(&c, "namespace-removed");
    assert_eq!(ns.severity, Severity::Warning);
    assert!(
        ns.message.contains("StatefulSet logging/loki"),
        "{}",
        ns.message
    );
    assert!(only(&c, "pvcs-orphaned").message.contains("storage-loki-0"));
}

// --- live objects --------------------------------------------------------------------

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What `kubectl get -o yaml` returns for an applied object: server metadata, status,
/// defaulted fields, Secret data in base64, canonical quantities.
fn as_live(o: &Value) -> Value {
    let mut o = o.clone();
    let meta = o["metadata"].as_object_mut().unwrap();
    meta.insert("uid".into(), "0b6f6a2e-9c4e-4f53-9d1a-1f6f0e1c2d3e".into());
    meta.insert("resourceVersion".into(), "48213".into());
    meta.insert("generation".into(), 1.into());
    meta.insert("creationTimestamp".into(), "2026-04-01T10:00:00Z".into());
    meta.insert(
        "managedFields".into(),
        json!([{"manager": "kubectl", "operation": "Apply", "apiVersion": "v1"}]),
    );
    meta.entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .unwrap()
        .insert(
            "kubectl.kubernetes.io/last-applied-configuration".into(),
            "{}".into(),
        );
    match o["kind"].as_str().unwrap() {
        "Namespace" => {
            o["metadata"]["labels"]["kubernetes.io/metadata.name"] = o["metadata"]["name"].clone();
            o["spec"] = json!({"finalizers": ["kubernetes"]});
            o["status"] = json!({"phase": "Active"});
        }
        "Secret" => {
            let data: serde_json::Map<String, Value> = o["stringData"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), base64(v.as_str().unwrap().as_bytes()).into()))
                .collect();
            let map = o.as_object_mut().unwrap();
            map.remove("stringData");
            map.insert("data".into(), Value::Object(data));
        }
        "Service" => {
            let spec = o["spec"].as_object_mut().unwrap();
            let ip = spec
                .entry("clusterIP")
                .or_insert_with(|| "10.96.12.34".into())
                .clone();
            spec.insert("clusterIPs".into(), json!([ip]));
            spec.insert("ipFamilies".into(), json!(["IPv4"]));
            spec.insert("ipFamilyPolicy".into(), "SingleStack".into());
            spec.insert("sessionAffinity".into(), "None".into());
            spec.insert("internalTrafficPolicy".into(), "Cluster".into());
            spec.entry("type").or_insert_with(|| "ClusterIP".into());
            o["status"] = json!({"loadBalancer": {}});
        }
        "StatefulSet" | "Deployment" | "DaemonSet" => {
            let pod = o["spec"]["template"]["spec"].as_object_mut().unwrap();
            pod.insert("dnsPolicy".into(), "ClusterFirst".into());
            pod.insert("restartPolicy".into(), "Always".into());
            pod.insert("schedulerName".into(), "default-scheduler".into());
            for c in pod.get_mut("containers").unwrap().as_array_mut().unwrap() {
                c["terminationMessagePath"] = "/dev/termination-log".into();
                c["terminationMessagePolicy"] = "File".into();
                if c["resources"]["requests"]["cpu"] == "1000m" {
                    c["resources"]["requests"]["cpu"] = "1".into();
                }
            }
            if let Some(claims) = o["spec"]["volumeClaimTemplates"].as_array_mut() {
                for t in claims {
                    t["spec"]["volumeMode"] = "Filesystem".into();
                    t["status"] = json!({"phase": "Pending"});
                    t["metadata"]["creationTimestamp"] = Value::Null;
                }
            }
            o["status"] = json!({"replicas": 1, "readyReplicas": 1, "observedGeneration": 1});
        }
        _ => {}
    }
    o
}

/// `kubectl get -o yaml` of every object, as one `kind: List`, read back as text.
fn live_list(objects: &[Value]) -> Vec<Value> {
    let items: Vec<Value> = objects.iter().map(as_live).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}});
    crate::plan::previous::parse(&crate::yaml::value_to_string(&list)).unwrap()
}

#[test]
fn live_objects_of_the_same_config_are_unchanged() {
    let live = live_list(&render(LOCAL).objects);
    let c = compare_with(&live, &render(LOCAL), today());
    assert!(c.items.is_empty(), "{:#?}", c.items);
    assert_eq!(c.objects.changed + c.objects.added + c.objects.removed, 0);
    let live = live_list(&render(CLOUD).objects);
    let c = compare_with(&live, &render(CLOUD), today());
    assert!(c.items.is_empty(), "{:#?}", c.items);
}

#[test]
fn live_objects_show_the_same_hazards_as_a_render() {
    let live = live_list(&render(&sized("20Gi").replace("7d", "14d")).objects);
    let c = compare_with(&live, &render(&sized("10Gi")), today());
    assert_eq!(codes(&c, Severity::Refused), ["immutable-field"]);
    assert_eq!(
        codes(&c, Severity::Warning),
        ["retention-shortened", "pvc-shrink"]
    );
    // With the live PVCs in the input, the orphaned ones are named from them too.
    let mut with_pvc = live_list(&render(LOCAL).objects);
    with_pvc.push(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "storage-loki-1", "namespace": "logging"}}));
    let c = compare_with(
        &with_pvc,
        &render(&format!("{LOCAL}  namespace: logs\n")),
        today(),
    );
    assert!(
        only(&c, "pvcs-orphaned")
            .message
            .contains("storage-loki-0, storage-loki-1")
    );
}

#[test]
fn objects_of_other_stacks_and_unreadable_configs() {
    // Another stack's objects next to ours are not a rename.
    let mut before = render(LOCAL).objects;
    before.extend(render_named("other", &format!("{LOCAL}  namespace: other\n")).objects);
    let c = compare_with(&before, &render(LOCAL), today());
    assert!(c.items.is_empty(), "{:#?}", c.items);
    // An unreadable earlier Loki config is a warning, not a crash.
    let mut before = render(LOCAL).objects;
    super::tests::edit_loki_config(&mut before, "auth_enabled: false", "auth_enabled: [");
    let c = compare_with(&before, &render(LOCAL), today());
    assert_eq!(
        only(&c, "loki-config-unreadable").severity,
        Severity::Warning
    );
}

#[test]
fn malformed_earlier_objects_never_panic() {
    let new = render(LOCAL);
    let odd = [
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "loki", "namespace": "logging", "annotations": {"lokistack.krm.dev/owner": "LokiStack/loki"}},
            "spec": {"replicas": u64::MAX, "volumeClaimTemplates": [{"metadata": {"name": "storage"}, "spec": "x"}], "selector": 3}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "gone", "namespace": "logging", "annotations": {"lokistack.krm.dev/owner": "LokiStack/loki"}},
            "spec": {"replicas": u64::MAX, "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "loki", "annotations": {"lokistack.krm.dev/owner": "LokiStack/loki"}},
            "data": {"config.yaml": 7}}),
        json!({"kind": "Deployment", "metadata": {"annotations": {"lokistack.krm.dev/owner": "LokiStack/loki"}}, "spec": []}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "promtail", "namespace": "logging",
            "annotations": {"lokistack.krm.dev/owner": "LokiStack/loki"}}, "data": {"promtail.yaml": "!!"}}),
    ];
    let c = compare_with(&odd, &new, today());
    assert!(c.refused >= 1, "the selector changes: {:#?}", c.items);
    let gone = only(&c, "pvcs-orphaned");
    assert!(gone.message.contains("data-gone-999") && !gone.message.contains("data-gone-1000"));
}
