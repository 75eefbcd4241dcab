//! `loki-stack-fn graph` through the real binary: golden pictures of base, every overlay
//! and fixture, their completeness against the rendered objects, `make graph`, errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use e2e::{cmd, docs, root, run, run_fn, tool};
use serde_json::Value;

fn golden_path(name: &str) -> std::path::PathBuf {
    root().join(format!("tests/golden/graph/{}.mmd", name.replace('/', "-")))
}

#[test]
fn golden_graphs() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for (name, config) in e2e::every_stack() {
        let out = run_fn(&["graph", "-f", "-"], Some(config.as_bytes())).ok();
        let again = run_fn(&["graph", "-f", "-"], Some(config.as_bytes())).ok();
        assert_eq!(out.stdout, again.stdout, "{name}: not deterministic");
        let path = golden_path(&name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
        } else if std::fs::read_to_string(&path).unwrap_or_default() != out.stdout {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "graph output differs from {stale:?}: if the change is intended, run `make golden` and review the diff"
    );
}

/// The parts of a Mermaid flowchart this test reads.
#[derive(Debug, Default)]
struct Chart {
    /// Node id -> its label.
    nodes: BTreeMap<String, String>,
    /// Box id -> the node ids drawn inside it (nested boxes included).
    boxes: BTreeMap<String, BTreeSet<String>>,
    /// `(from, to, solid, label)`.
    edges: Vec<(String, String, bool, String)>,
}

fn parse(mmd: &str) -> Chart {
    let mut c = Chart::default();
    let mut open: Vec<String> = Vec::new();
    for line in mmd.lines().map(str::trim) {
        if line.starts_with("%%") || line.starts_with("flowchart") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("subgraph ") {
            let id = rest.split_whitespace().next().unwrap().to_owned();
            c.boxes.entry(id.clone()).or_default();
            open.push(id);
        } else if line == "end" {
            open.pop().expect("end without subgraph");
        } else if let Some((from, rest)) = line
            .split_once(" -->|\"")
            .map(|(a, b)| (a, (b, true)))
            .or_else(|| line.split_once(" -.->|\"").map(|(a, b)| (a, (b, false))))
        {
            let (rest, solid) = rest;
            let (label, to) = rest.split_once("\"| ").unwrap();
            c.edges
                .push((from.to_owned(), to.to_owned(), solid, label.to_owned()));
        } else {
            let end = line
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or_else(|| panic!("not a node: {line}"));
            let (id, label) = line.split_at(end);
            for b in &open {
                c.boxes.get_mut(b).unwrap().insert(id.to_owned());
            }
            c.nodes.insert(id.to_owned(), label.to_owned());
        }
    }
    assert!(open.is_empty(), "unclosed subgraph");
    c
}

fn id(prefix: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}_{clean}")
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

/// A rendered workload: node id, pod labels, whether it stands for a chart's pods.
struct Pods {
    id: String,
    labels: BTreeMap<String, String>,
    chart: bool,
}

fn workloads(objects: &[Value]) -> Vec<Pods> {
    let labels = |v: Option<&Value>| -> BTreeMap<String, String> {
        v.and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    };
    objects
        .iter()
        .filter_map(|o| {
            let name = s(o, "/metadata/name");
            let prefix = match s(o, "/kind") {
                "Deployment" => "deploy",
                "StatefulSet" => "sts",
                "DaemonSet" => "ds",
                "HelmRelease" => {
                    let mut l = BTreeMap::new();
                    l.insert(
                        "app.kubernetes.io/name".into(),
                        s(o, "/spec/chart/spec/chart").into(),
                    );
                    l.insert(
                        "app.kubernetes.io/instance".into(),
                        s(o, "/spec/releaseName").into(),
                    );
                    return Some(Pods {
                        id: id("helm", name),
                        labels: l,
                        chart: true,
                    });
                }
                _ => return None,
            };
            Some(Pods {
                id: id(prefix, name),
                labels: labels(o.pointer("/spec/template/metadata/labels")),
                chart: false,
            })
        })
        .collect()
}

/// Does `sel` (matchLabels only: the stack renders no expressions in policies) select
/// the pods? A chart's pods also carry component / part-of labels of their own.
fn selects(sel: &Value, p: &Pods) -> bool {
    sel.get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| match p.labels.get(k) {
            Some(own) => Some(own.as_str()) == v.as_str(),
            None => {
                p.chart
                    && ["app.kubernetes.io/component", "app.kubernetes.io/part-of"]
                        .contains(&k.as_str())
            }
        })
}

type Flow = (String, String, String);

/// What the rendered policies allow, as `(from, to workload id, port)`.
fn allowed(objects: &[Value], pods: &[Pods]) -> BTreeSet<Flow> {
    let mut out = BTreeSet::new();
    let mut add = |from: Vec<String>, to: &Value, ports: Vec<String>| {
        for t in pods.iter().filter(|p| selects(to, p)) {
            for f in &from {
                for port in &ports {
                    out.insert((f.clone(), t.id.clone(), port.clone()));
                }
            }
        }
    };
    let pods_of = |sel: &Value| -> Vec<String> {
        pods.iter()
            .filter(|p| selects(sel, p))
            .map(|p| p.id.clone())
            .collect()
    };
    for o in objects {
        let rules = o
            .pointer("/spec/ingress")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        match s(o, "/kind") {
            "NetworkPolicy" => {
                let to = &o["spec"]["podSelector"];
                for r in rules {
                    let ports: Vec<String> = r["ports"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p["port"].as_str().unwrap().to_owned())
                        .collect();
                    for peer in r["from"].as_array().unwrap() {
                        let from = match peer.get("namespaceSelector") {
                            Some(ns) => vec![format!(
                                "ns:{}",
                                s(ns, "/matchLabels/kubernetes.io~1metadata.name")
                            )],
                            None => pods_of(&peer["podSelector"]),
                        };
                        add(from, to, ports.clone());
                    }
                }
            }
            "CiliumNetworkPolicy" => {
                let to = &o["spec"]["endpointSelector"];
                for r in rules {
                    let Some(to_ports) = r.get("toPorts") else {
                        continue;
                    };
                    let ports: Vec<String> = to_ports[0]["ports"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p["port"].as_str().unwrap().to_owned())
                        .collect();
                    for peer in r
                        .get("fromEndpoints")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let from = match peer["matchLabels"].get("k8s:io.kubernetes.pod.namespace")
                        {
                            Some(ns) => vec![format!("ns:{}", ns.as_str().unwrap())],
                            None => pods_of(peer),
                        };
                        add(from, to, ports.clone());
                    }
                    if r.get("fromEntities").is_some() {
                        add(vec!["cilium-ingress".to_owned()], to, ports.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The solid arrows as flows: boxes taken as their workloads, outside peers by name.
fn drawn(c: &Chart, pods: &[Pods]) -> BTreeSet<Flow> {
    let workload_ids: BTreeSet<&str> = pods.iter().map(|p| p.id.as_str()).collect();
    let expand = |end: &str| -> Vec<String> {
        if let Some(members) = c.boxes.get(end) {
            return members
                .iter()
                .filter(|m| workload_ids.contains(m.as_str()))
                .cloned()
                .collect();
        }
        if let Some(ns) = end.strip_prefix("from_ns_") {
            return vec![format!("ns:{}", ns.replace('_', "-"))];
        }
        if end == "cilium_ingress" {
            return vec!["cilium-ingress".to_owned()];
        }
        assert!(
            workload_ids.contains(end),
            "a solid arrow ends at {end}, not a workload or peer"
        );
        vec![end.to_owned()]
    };
    let mut out = BTreeSet::new();
    for (from, to, _, label) in c.edges.iter().filter(|e| e.2) {
        for f in expand(from) {
            for t in expand(to) {
                for port in label.split(", ") {
                    let port = port.split(" to ").next().unwrap();
                    out.insert((f.clone(), t.clone(), port.to_owned()));
                }
            }
        }
    }
    out
}

/// The rule: every workload rendered (Deployment, StatefulSet,
/// DaemonSet, HelmRelease) is a node; the solid arrows, with each box (`subgraph`) taken
/// as the workloads drawn inside it, are exactly the `(from, to workload, port)` flows the
/// rendered NetworkPolicies / CiliumNetworkPolicies allow (Prometheus' scrapes included:
/// policies allow them too); dotted arrows start at a Secret or Service node or end at
/// the object store or an agent's central Loki (egress), never join two workloads or
/// outside peers.
#[test]
fn every_workload_is_drawn_and_the_arrows_are_exactly_the_allowed_flows() {
    for (name, config) in e2e::every_stack() {
        let yaml = run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout;
        let objects = docs(&yaml);
        let mmd = run_fn(&["graph", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout;
        let c = parse(&mmd);
        let pods = workloads(&objects);
        assert!(!pods.is_empty(), "{name}");
        for p in &pods {
            assert!(c.nodes.contains_key(&p.id), "{name}: no node for {}", p.id);
        }
        let want = allowed(&objects, &pods);
        let got = drawn(&c, &pods);
        let missing: Vec<_> = want.difference(&got).collect();
        let extra: Vec<_> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: missing {missing:?}, not allowed {extra:?}"
        );
        let has_policies = objects
            .iter()
            .any(|o| s(o, "/kind").ends_with("NetworkPolicy"));
        assert_eq!(want.is_empty(), !has_policies, "{name}");
        for (from, to, _, label) in c.edges.iter().filter(|e| !e.2) {
            assert!(
                from.starts_with("secret_")
                    || from.starts_with("svc_")
                    || to.starts_with("store_")
                    || to.starts_with("remote_"),
                "{name}: dotted arrow {from} -> {to} ({label})"
            );
        }
    }
}

#[test]
fn the_pictures_show_replicas_the_store_and_external_secrets() {
    let read = |n: &str| std::fs::read_to_string(golden_path(n)).unwrap();
    let aws = read("overlays/cloud-aws");
    assert!(
        aws.contains("<b>loki-ingester</b><br/>StatefulSet × 3"),
        "{aws}"
    );
    assert!(aws.contains("DaemonSet, one pod per node"));
    assert!(aws.contains("store_s3_example_loki_chunks[(\"s3 bucket example-loki-chunks"));
    assert!(aws.contains("ds_promtail -->|\"http\"| deploy_loki_gateway"));
    let helm = read("overlays/cloud-aws-helm");
    assert!(
        helm.contains("helm_loki[\"<b>loki</b><br/>HelmRelease: chart loki"),
        "{helm}"
    );
    assert!(helm.contains("ingester × 3"));
    let everything = read("stacks-cloud-everything");
    assert!(
        everything.contains("secret_loki_s3 -.->|\"env\"|"),
        "{everything}"
    );
    assert!(
        read("stacks-cloud-cilium").contains("cilium_ingress -->|\"8080\"| deploy_loki_gateway")
    );
}

#[test]
fn graph_arguments_and_errors_are_those_of_the_other_commands() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["graph"],
        vec!["graph", "-f"],
        vec!["graph", "-f", "x", "--out-dir", "d"],
    ] {
        let out = run_fn(&args, None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("graph -f CONFIG"), "{}", out.stderr);
    }
    let out = run_fn(&["graph", "-f", "/nonexistent/lokistack.yaml"], None);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("/nonexistent/lokistack.yaml"));
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(
        &bad,
        e2e::resolved_config("overlays/local").replace("period: 72h", "period: 12h"),
    )
    .unwrap();
    let out = run_fn(&["graph", "-f", bad.to_str().unwrap()], None);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("bad.yaml: spec.retention.period"),
        "{}",
        out.stderr
    );
    assert!(
        run_fn(&["--help"], None)
            .ok()
            .stdout
            .contains("loki-stack-fn graph -f FILE")
    );
}

#[test]
fn make_graph_prints_the_picture_of_an_overlay() {
    let out = run(
        cmd(tool("make"))
            .args(["-s", "--no-print-directory", "graph", "ENV=cloud-aws"])
            .current_dir(root()),
        None,
    )
    .ok();
    assert_eq!(
        out.stdout,
        std::fs::read_to_string(golden_path("overlays/cloud-aws")).unwrap()
    );
}

#[test]
fn the_book_shows_the_pictures_of_local_cloud_aws_and_the_helm_release() {
    let dir = root().join("docs/src/day2");
    let chapter = std::fs::read_to_string(dir.join("graph.md")).unwrap();
    let local = std::fs::read_to_string(golden_path("overlays/local")).unwrap();
    assert!(
        chapter.contains(&format!("```mermaid\n{local}```\n")),
        "docs/src/day2/graph.md: the local picture differs from tests/golden/graph/overlays-local.mmd"
    );
    // The others are mdBook includes of the golden files: they cannot go stale, if the path
    // (relative to the chapter) names the golden file.
    for name in ["overlays/cloud-aws", "overlays/cloud-aws-helm"] {
        let rel = format!("../../../tests/golden/graph/{}.mmd", name.replace('/', "-"));
        assert!(
            chapter.contains(&format!("```mermaid\n{{{{#include {rel}}}}}\n```\n")),
            "docs/src/day2/graph.md does not include {rel} in a mermaid block"
        );
        assert_eq!(
            dir.join(&rel).canonicalize().unwrap(),
            golden_path(name).canonicalize().unwrap()
        );
    }
}

#[test]
fn the_completeness_check_catches_a_missing_or_an_extra_arrow() {
    let config = e2e::resolved_config("overlays/cloud-aws");
    let objects = docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    );
    let pods = workloads(&objects);
    let want = allowed(&objects, &pods);
    let mmd = std::fs::read_to_string(golden_path("overlays/cloud-aws")).unwrap();
    let push = "  ds_promtail -->|\"http\"| deploy_loki_gateway\n";
    assert!(mmd.contains(push));
    let flow = (
        "ds_promtail".to_owned(),
        "deploy_loki_gateway".to_owned(),
        "http".to_owned(),
    );
    assert!(want.contains(&flow));
    assert!(!drawn(&parse(&mmd.replace(push, "")), &pods).contains(&flow));
    let bogus = format!("{mmd}  ds_promtail -->|\"grpc\"| group_1\n");
    let extra: Vec<Flow> = drawn(&parse(&bogus), &pods)
        .difference(&want)
        .cloned()
        .collect();
    assert_eq!(
        extra.len(),
        7,
        "promtail -> each of the 7 Loki workloads: {extra:?}"
    );
}
