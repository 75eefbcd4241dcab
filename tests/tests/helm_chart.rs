//! HelmRelease output (`spec.output: HelmRelease`) against the upstream chart: the
//! values of every such overlay and fixture match the chart's values.schema.json, and
//! every Service, port and pod label that the stack around the release addresses
//! (ServiceMonitors, NetworkPolicies, Promtail's push URL, the datasource URL) exists
//! in what the chart itself renders for that mode (../shared/reference/loki-chart/
//! rendered: release `loki` in namespace `loki`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{
    cmd, docs, fixture_stacks, overlays, resolved_config, root, run, run_fn, shared_dir, tool,
};
use serde_json::{Map, Value};

/// The overlays and fixtures that render a HelmRelease: `(name, LokiStack text)`.
fn helm_stacks() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = overlays()
        .into_iter()
        .map(|o| (o.clone(), resolved_config(&format!("overlays/{o}"))))
        .collect();
    out.extend(fixture_stacks());
    out.retain(|(_, c)| c.contains("output: HelmRelease"));
    out
}

fn render(config: &str) -> Vec<Value> {
    docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    )
}

fn schema() -> std::path::PathBuf {
    let s = shared_dir().join("reference/loki-chart/values.schema.json");
    assert!(
        s.is_file(),
        "{} is missing (../shared beside the repo)",
        s.display()
    );
    s
}

#[test]
fn helm_release_values_match_the_charts_schema() {
    let stacks = helm_stacks();
    assert!(
        stacks.iter().any(|(n, _)| n == "cloud-aws-helm") && stacks.len() >= 3,
        "{:?}",
        stacks.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = stacks
        .iter()
        .map(|(name, config)| {
            let out = run_fn(&["render", "-f", "-"], Some(config.as_bytes())).ok();
            let path = dir.path().join(format!("{name}.yaml"));
            std::fs::write(&path, out.stdout).unwrap();
            path
        })
        .collect();
    let out = run(
        cmd(tool("python3"))
            .arg(root().join("tools/validate_helm_values.py"))
            .arg(schema())
            .args(&files),
        None,
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "{} HelmRelease values checked, 0 errors",
            files.len()
        )),
        "{}",
        out.stdout
    );
    // Guard: the schema does catch a wrong type.
    let text =
        std::fs::read_to_string(&files[0])
            .unwrap()
            .replacen("replicas: 0", "replicas: none", 1);
    std::fs::write(&files[0], text).unwrap();
    let out = run(
        cmd(tool("python3"))
            .arg(root().join("tools/validate_helm_values.py"))
            .arg(schema())
            .arg(&files[0]),
        None,
    );
    assert_ne!(out.code, 0, "{}", out.stdout);
}

/// A LokiStack in the reference's release and namespace, with `spec` lines.
fn stack(spec: &str) -> String {
    format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\nspec:\n  output: HelmRelease\n  namespace: loki\n{spec}"
    )
}

fn selects(sel: &Map<String, Value>, labels: &Value) -> bool {
    sel.iter().all(|(k, v)| &labels[k] == v)
}

struct Pod {
    name: String,
    labels: Value,
    ports: Vec<(String, u64)>,
}

fn pods(objects: &[Value]) -> Vec<Pod> {
    objects
        .iter()
        .filter(|o| o.pointer("/spec/template/spec").is_some())
        .map(|o| Pod {
            name: o["metadata"]["name"].as_str().unwrap().to_owned(),
            labels: o["spec"]["template"]["metadata"]["labels"].clone(),
            ports: o["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_owned(),
                        p["containerPort"].as_u64().unwrap(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// `http://<service>.<namespace>.svc[.<domain>][:port]/...` -> (service, port).
fn service_of(url: &str) -> (String, u64) {
    let rest = url.strip_prefix("http://").unwrap();
    let authority = rest.split('/').next().unwrap();
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, p.parse().unwrap()),
        None => (authority, 80),
    };
    let mut parts = host.split('.');
    let service = parts.next().unwrap().to_owned();
    assert_eq!(parts.next(), Some("loki"), "{url}: not the namespace loki");
    (service, port)
}

fn check_against(mode: &str, spec: &str, reference: &str) -> Vec<String> {
    let ours = render(&stack(spec));
    let file = shared_dir()
        .join("reference/loki-chart/rendered")
        .join(reference);
    let theirs = docs(&std::fs::read_to_string(&file).unwrap());
    let services: Vec<&Value> = theirs.iter().filter(|o| o["kind"] == "Service").collect();
    let chart_pods = pods(&theirs);
    let mut problems = Vec::new();
    let mut checked = 0;
    // ServiceMonitors: each selects exactly one Service of the chart, which has the port.
    for m in ours.iter().filter(|o| o["kind"] == "ServiceMonitor") {
        let name = m["metadata"]["name"].as_str().unwrap();
        if name == "promtail" {
            continue;
        }
        let sel = &m["spec"]["selector"];
        let chosen: Vec<&&Value> = services
            .iter()
            .filter(|s| {
                let labels = &s["metadata"]["labels"];
                selects(sel["matchLabels"].as_object().unwrap(), labels)
                    && labels["prometheus.io/service-monitor"] != "false"
            })
            .collect();
        let port = m["spec"]["endpoints"][0]["port"].as_str().unwrap();
        match chosen.as_slice() {
            [s] if s["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == port) =>
            {
                checked += 1;
            }
            other => problems.push(format!(
                "{mode}: ServiceMonitor {name} selects {} chart Services with port {port}",
                other.len()
            )),
        }
    }
    // NetworkPolicies on the chart's pods: their targets, peers and named ports exist.
    for p in ours.iter().filter(|o| o["kind"] == "NetworkPolicy") {
        let name = p["metadata"]["name"].as_str().unwrap();
        let target = p["spec"]["podSelector"]["matchLabels"].as_object().unwrap();
        if target.get("app.kubernetes.io/name").and_then(Value::as_str) != Some("loki") {
            continue; // this stack's own pods (Promtail) and the stack-wide deny
        }
        let selected: Vec<&Pod> = chart_pods
            .iter()
            .filter(|pod| selects(target, &pod.labels))
            .collect();
        if selected.is_empty() {
            problems.push(format!("{mode}: {name} selects no pod of the chart"));
        }
        for rule in p["spec"]["ingress"].as_array().into_iter().flatten() {
            for port in rule["ports"].as_array().unwrap() {
                let port = port["port"].as_str().unwrap();
                if !selected
                    .iter()
                    .any(|pod| pod.ports.iter().any(|(n, _)| n == port))
                {
                    let names: Vec<&str> = selected.iter().map(|p| p.name.as_str()).collect();
                    problems.push(format!("{mode}: {name}: none of {names:?} has port {port}"));
                }
            }
            for peer in rule["from"].as_array().unwrap() {
                let Some(l) = peer
                    .pointer("/podSelector/matchLabels")
                    .and_then(Value::as_object)
                else {
                    continue;
                };
                if l.get("app.kubernetes.io/name").and_then(Value::as_str) == Some("loki")
                    && !chart_pods.iter().any(|pod| selects(l, &pod.labels))
                {
                    problems.push(format!("{mode}: {name}: peer {l:?} is no pod of the chart"));
                }
            }
        }
        checked += 1;
    }
    // Promtail's push URL and Grafana's datasource URL.
    let promtail = ours
        .iter()
        .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "promtail")
        .unwrap();
    let config: Value =
        serde_saphyr::from_str(promtail["stringData"]["promtail.yaml"].as_str().unwrap()).unwrap();
    let datasource = ours
        .iter()
        .find(|o| o["metadata"]["name"] == "loki-grafana-datasource")
        .unwrap();
    let ds: Value =
        serde_saphyr::from_str(datasource["data"]["loki-datasource.yaml"].as_str().unwrap())
            .unwrap();
    for (what, url) in [
        ("Promtail", config["clients"][0]["url"].as_str().unwrap()),
        ("datasource", ds["datasources"][0]["url"].as_str().unwrap()),
    ] {
        let (service, port) = service_of(url);
        let found = services.iter().any(|s| {
            s["metadata"]["name"] == service.as_str()
                && s["spec"]["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["port"].as_u64() == Some(port))
        });
        if !found {
            problems.push(format!(
                "{mode}: {what} URL {url}: no chart Service {service}:{port}"
            ));
        }
        checked += 1;
    }
    if checked < 8 {
        problems.push(format!("{mode}: only {checked} checks ran"));
    }
    problems
}

#[test]
fn what_the_stack_addresses_exists_in_the_charts_own_renders() {
    let s3 = "  storage: {s3: {bucket: loki-chunks, region: eu-west-1}}\n";
    let mut problems = Vec::new();
    problems.extend(check_against(
        "SingleBinary",
        "  profile: local\n  retention: {period: 72h}\n  gateway: {enabled: true}\n",
        "a-monolithic-filesystem.yaml",
    ));
    problems.extend(check_against(
        "SingleBinary without gateway",
        "  profile: local\n  retention: {period: 72h}\n",
        "a-monolithic-filesystem.yaml",
    ));
    problems.extend(check_against(
        "Distributed",
        &format!("  profile: cloud\n  size: medium\n  retention: {{period: 7d}}\n{s3}"),
        "b-distributed-s3.yaml",
    ));
    problems.extend(check_against(
        "Distributed without gateway",
        &format!(
            "  profile: cloud\n  retention: {{period: 7d}}\n  gateway: {{enabled: false}}\n{s3}"
        ),
        "b-distributed-s3.yaml",
    ));
    problems.extend(check_against(
        "SimpleScalable",
        &format!(
            "  profile: cloud\n  mode: SimpleScalable\n  size: medium\n  retention: {{period: 7d}}\n{s3}"
        ),
        "c-simplescalable-s3.yaml",
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_cross_check_does_find_a_wrong_name() {
    // Guard: the reference for another mode lacks what this mode addresses.
    let problems = check_against(
        "SimpleScalable vs monolithic",
        "  profile: cloud\n  mode: SimpleScalable\n  retention: {period: 7d}\n  storage: {s3: {bucket: loki-chunks, region: eu-west-1}}\n",
        "a-monolithic-filesystem.yaml",
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ServiceMonitor loki-write")),
        "{problems:?}"
    );
}
