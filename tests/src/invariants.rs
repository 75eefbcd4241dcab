//! Structural invariants of a rendered stack, for any config: identities are unique,
//! labels are valid, every selector selects what it is for, and every port, ConfigMap
//! and ServiceAccount an object refers to exists. The property tests check them on
//! generated configs; the fixture tests on the repository's stacks.
//!
//! `check` returns every violation, so a failure names all of them at once.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use loki_stack_fn::spec::names::{check_label_key, check_label_value};

/// The port of the memberlist Service, which selects every ring member on purpose.
const MEMBERLIST_PORT_NAME: &str = "tcp-memberlist";

fn str_of<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn map_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("<not a string>").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// `group kind namespace/name`.
pub fn identity(o: &Value) -> String {
    let api = str_of(o, "/apiVersion");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    format!(
        "{group} {} {}/{}",
        str_of(o, "/kind"),
        str_of(o, "/metadata/namespace"),
        str_of(o, "/metadata/name")
    )
}

fn subset(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A workload's pod template.
struct Pod<'a> {
    workload: String,
    namespace: &'a str,
    labels: BTreeMap<String, String>,
    spec: &'a Value,
}

impl Pod<'_> {
    fn component(&self) -> (String, String) {
        let l = |k: &str| self.labels.get(k).cloned().unwrap_or_default();
        (
            l("app.kubernetes.io/name"),
            l("app.kubernetes.io/component"),
        )
    }

    fn containers(&self) -> impl Iterator<Item = &Value> {
        self.spec["containers"].as_array().into_iter().flatten()
    }

    /// Port name -> number, over every container.
    fn ports(&self) -> BTreeMap<String, u64> {
        self.containers()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .map(|p| {
                (
                    str_of(p, "/name").to_owned(),
                    p["containerPort"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    fn has_port(&self, port: &Value) -> bool {
        let ports = self.ports();
        match port {
            Value::String(name) => ports.contains_key(name),
            Value::Number(n) => ports.values().any(|p| Some(*p) == n.as_u64()),
            _ => false,
        }
    }
}

fn pods(objects: &[Value]) -> Vec<Pod<'_>> {
    objects
        .iter()
        .filter(|o| o.pointer("/spec/template/spec").is_some())
        .map(|o| Pod {
            workload: identity(o),
            namespace: str_of(o, "/metadata/namespace"),
            labels: map_of(o.pointer("/spec/template/metadata/labels")),
            spec: &o["spec"]["template"]["spec"],
        })
        .collect()
}

/// A ServiceMonitor's `selector` (matchLabels and In/NotIn expressions) and namespaces.
pub fn service_monitor_selects(monitor: &Value, service: &Value) -> bool {
    let names: Vec<&str> = monitor
        .pointer("/spec/namespaceSelector/matchNames")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| vec![str_of(monitor, "/metadata/namespace")]);
    if !names.contains(&str_of(service, "/metadata/namespace")) {
        return false;
    }
    let labels = map_of(service.pointer("/metadata/labels"));
    let sel = &monitor["spec"]["selector"];
    let expressions_match = sel["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| {
            let have = labels.get(str_of(e, "/key")).map(String::as_str);
            let values: Vec<&str> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match str_of(e, "/operator") {
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "In" => have.is_some_and(|h| values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            }
        });
    subset(&map_of(sel.get("matchLabels")), &labels) && expressions_match
}

/// Every violation of the invariants in `objects` (one rendered stack).
pub fn check(objects: &[Value]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for o in objects {
        let id = identity(o);
        if !seen.insert(id.clone()) {
            errors.push(format!("{id}: rendered twice"));
        }
        if str_of(o, "/metadata/name").is_empty() {
            errors.push(format!("{id}: no name"));
        }
        if str_of(o, "/metadata/labels/app.kubernetes.io~1managed-by") != "loki-stack-fn" {
            errors.push(format!(
                "{id}: no app.kubernetes.io/managed-by: loki-stack-fn"
            ));
        }
        for labels in [
            o.pointer("/metadata/labels"),
            o.pointer("/spec/template/metadata/labels"),
        ] {
            for (k, v) in map_of(labels) {
                if check_label_key(&k).is_err() || check_label_value(&v).is_err() {
                    errors.push(format!("{id}: invalid label {k}={v:?}"));
                }
            }
        }
    }
    let pods = pods(objects);
    workloads(objects, &pods, &mut errors);
    services(objects, &pods, &mut errors);
    references(objects, &pods, &mut errors);
    errors
}

/// Each workload's selector selects its own pods and no other workload's; probes use
/// declared ports.
fn workloads(objects: &[Value], pods: &[Pod<'_>], errors: &mut Vec<String>) {
    for o in objects
        .iter()
        .filter(|o| o.pointer("/spec/template/spec").is_some())
    {
        let id = identity(o);
        let sel = map_of(o.pointer("/spec/selector/matchLabels"));
        let own = map_of(o.pointer("/spec/template/metadata/labels"));
        if sel.is_empty() || !subset(&sel, &own) {
            errors.push(format!(
                "{id}: selector {sel:?} does not select its pods {own:?}"
            ));
        }
        for p in pods
            .iter()
            .filter(|p| p.workload != id && p.namespace == str_of(o, "/metadata/namespace"))
        {
            if subset(&sel, &p.labels) {
                errors.push(format!(
                    "{id}: selector also selects the pods of {}",
                    p.workload
                ));
            }
        }
    }
    for p in pods {
        for c in p.containers() {
            let declared: BTreeMap<String, u64> = c["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        str_of(p, "/name").to_owned(),
                        p["containerPort"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                for kind in ["httpGet", "tcpSocket", "grpc"] {
                    let Some(port) = c
                        .get(probe)
                        .and_then(|pr| pr.get(kind))
                        .and_then(|h| h.get("port"))
                    else {
                        continue;
                    };
                    let ok = match port {
                        Value::String(name) => declared.contains_key(name),
                        Value::Number(n) => declared.values().any(|d| Some(*d) == n.as_u64()),
                        _ => false,
                    };
                    if !ok {
                        errors.push(format!(
                            "{}: container {} {probe} uses port {port}, which it does not declare",
                            p.workload,
                            str_of(c, "/name")
                        ));
                    }
                }
            }
        }
    }
}

/// Services select pods of exactly one component (memberlist: ring members), their
/// target ports exist in those pods, and ServiceMonitors scrape ports Services have.
fn services(objects: &[Value], pods: &[Pod<'_>], errors: &mut Vec<String>) {
    let services: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Service").collect();
    for svc in &services {
        let id = identity(svc);
        let sel = map_of(svc.pointer("/spec/selector"));
        let ns = str_of(svc, "/metadata/namespace");
        let selected: Vec<&Pod<'_>> = pods
            .iter()
            .filter(|p| p.namespace == ns && !sel.is_empty() && subset(&sel, &p.labels))
            .collect();
        let components: BTreeSet<(String, String)> =
            selected.iter().map(|p| p.component()).collect();
        let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
        let memberlist = ports.iter().any(|p| p["name"] == MEMBERLIST_PORT_NAME);
        if selected.is_empty() || (components.len() != 1 && !memberlist) {
            errors.push(format!(
                "{id}: selects the pods of {components:?}, not one component"
            ));
        }
        for port in &ports {
            let target = port.get("targetPort").unwrap_or(&port["port"]);
            for p in selected.iter().filter(|p| !p.has_port(target)) {
                errors.push(format!(
                    "{id}: targetPort {target} is not a port of {}",
                    p.workload
                ));
            }
        }
    }
    for m in objects.iter().filter(|o| o["kind"] == "ServiceMonitor") {
        let id = identity(m);
        let selected: Vec<&&Value> = services
            .iter()
            .filter(|s| service_monitor_selects(m, s))
            .collect();
        if selected.is_empty() {
            errors.push(format!("{id}: selects no Service"));
        }
        for ep in m["spec"]["endpoints"].as_array().into_iter().flatten() {
            let port = str_of(ep, "/port");
            for s in &selected {
                let names: Vec<&str> = s["spec"]["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| str_of(p, "/name"))
                    .collect();
                if !names.contains(&port) {
                    errors.push(format!(
                        "{id}: endpoint port {port:?} is not a port of {}",
                        identity(s)
                    ));
                }
            }
        }
    }
}

/// Disruption budgets and network policies select pods; Ingress and HTTPRoute backends,
/// ConfigMap volumes and ServiceAccounts exist.
fn references(objects: &[Value], pods: &[Pod<'_>], errors: &mut Vec<String>) {
    let ids: BTreeSet<(String, String, String)> = objects
        .iter()
        .map(|o| {
            (
                str_of(o, "/kind").to_owned(),
                str_of(o, "/metadata/namespace").to_owned(),
                str_of(o, "/metadata/name").to_owned(),
            )
        })
        .collect();
    let exists = |kind: &str, ns: &str, name: &str| {
        ids.contains(&(kind.to_owned(), ns.to_owned(), name.to_owned()))
    };
    for o in objects {
        let id = identity(o);
        let ns = str_of(o, "/metadata/namespace");
        let selector = match str_of(o, "/kind") {
            "PodDisruptionBudget" => o.pointer("/spec/selector/matchLabels"),
            "NetworkPolicy" => o.pointer("/spec/podSelector/matchLabels"),
            "CiliumNetworkPolicy" => o.pointer("/spec/endpointSelector/matchLabels"),
            _ => None,
        };
        if let Some(sel) = selector {
            let sel = map_of(Some(sel));
            if !pods
                .iter()
                .any(|p| p.namespace == ns && subset(&sel, &p.labels))
            {
                errors.push(format!("{id}: selects no pod"));
            }
        }
        for b in o
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for path in b
                .pointer("/http/paths")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let svc = str_of(path, "/backend/service/name");
                let port = path
                    .pointer("/backend/service/port")
                    .cloned()
                    .unwrap_or_default();
                backend(
                    objects,
                    &id,
                    ns,
                    svc,
                    port.get("name").or_else(|| port.get("number")),
                    errors,
                );
            }
            for r in b
                .get("backendRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                backend(objects, &id, ns, str_of(r, "/name"), r.get("port"), errors);
            }
        }
        if let Some(spec) = o.pointer("/spec/template/spec") {
            let sa = spec
                .get("serviceAccountName")
                .and_then(Value::as_str)
                .unwrap_or("default");
            if sa != "default" && !exists("ServiceAccount", ns, sa) {
                errors.push(format!("{id}: ServiceAccount {sa} is not rendered"));
            }
            for v in spec["volumes"].as_array().into_iter().flatten() {
                if let Some(cm) = v.pointer("/configMap/name").and_then(Value::as_str)
                    && v.pointer("/configMap/optional") != Some(&Value::Bool(true))
                    && !exists("ConfigMap", ns, cm)
                {
                    errors.push(format!("{id}: ConfigMap {cm} is not rendered"));
                }
            }
        }
    }
}

fn backend(
    objects: &[Value],
    id: &str,
    ns: &str,
    name: &str,
    port: Option<&Value>,
    errors: &mut Vec<String>,
) {
    let Some(svc) = objects.iter().find(|o| {
        o["kind"] == "Service"
            && str_of(o, "/metadata/namespace") == ns
            && str_of(o, "/metadata/name") == name
    }) else {
        errors.push(format!("{id}: backend Service {name} is not rendered"));
        return;
    };
    let ok = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| match port {
            Some(Value::String(n)) => p["name"] == n.as_str(),
            Some(Value::Number(n)) => p["port"].as_u64() == n.as_u64(),
            _ => false,
        });
    if !ok {
        errors.push(format!(
            "{id}: backend port {port:?} is not a port of Service {name}"
        ));
    }
}
