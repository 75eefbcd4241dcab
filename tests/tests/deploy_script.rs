//! `scripts/deploy-loki.sh`: shellcheck-clean, and run against a kubectl stand-in
//! (`tests/kubectl-standin/kubectl`, first on PATH) that answers from the fixture files in
//! `tests/data/deploy/<scenario>/` (falling back to `healthy/`) and records every call.
//! The rendering inside the script is the real one: the stand-in hands `kubectl
//! kustomize` to the real kubectl, and what the script applies is compared with the
//! release binary's own rendering of the overlay.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::deploy::*;
use e2e::{applied_objects, cmd, docs, id, root, run, tool};
use serde_json::Value;

#[test]
fn shellcheck_is_clean() {
    let out = run(cmd(tool("shellcheck")).arg(script()), None);
    assert_eq!(out.code, 0, "shellcheck:\n{}{}", out.stdout, out.stderr);
}

#[test]
fn healthy_cluster_passes_every_check() {
    let r = run_script("healthy", &["verify", "local"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    let want: Vec<String> = CHECKS.iter().map(|c| format!("PASS {c}")).collect();
    assert_eq!(r.verdicts(), want, "{}", r.out.stdout);
    // Reading only; Loki through a port-forward to the `loki` Service, no tenant.
    for call in r.cluster_calls() {
        assert!(
            ["get", "logs", "port-forward"].contains(&call[0].as_str()),
            "verify must not change the cluster: {call:?}"
        );
    }
    assert!(r.cluster_calls().iter().any(|c| c[0] == "port-forward"
        && c.contains(&"service/loki".to_owned())
        && c.contains(&":3100".to_owned())));
    let paths: Vec<&str> = r
        .http()
        .iter()
        .map(|h| h["http"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/ready",
            "/loki/api/v1/labels",
            "/loki/api/v1/query_range",
            "/loki/api/v1/query_range"
        ]
    );
    assert!(r.http().iter().all(|h| h["tenant"].is_null()));
    let queries: Vec<&str> = r
        .http()
        .iter()
        .filter_map(|h| h["query"].as_str())
        .collect();
    assert_eq!(
        queries,
        ["{namespace=\"kube-system\"}", "{job=\"machine-logs\"}"]
    );
    // Every Promtail pod's logs were read.
    let logs = r.cluster_calls().iter().filter(|c| c[0] == "logs").count();
    assert_eq!(logs, 3);
    // The cordoned node (talos-w-3, no Promtail pod) is not counted.
    assert!(r.out.stdout.contains("each of the 3 schedulable nodes"));
}

/// What `verify local` prints on the healthy cluster (docs/src/day2/deploy-script.md),
/// the checkout shown as /path/to/repo and the script's temporary directory as
/// /tmp/deploy-loki.XXXXXX. `make golden` writes it.
#[test]
fn golden_output_of_verify_on_the_healthy_cluster() {
    let r = run_script("healthy", &["verify", "local"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    let mut text = r
        .out
        .stdout
        .replace(&r.tmp, "/tmp")
        .replace(&root().display().to_string(), "/path/to/repo");
    let work = "/tmp/deploy-loki.";
    let mut from = 0;
    while let Some(i) = text[from..].find(work).map(|i| from + i + work.len()) {
        text.replace_range(i..i + 6, "XXXXXX");
        from = i;
    }
    e2e::golden_file("tests/golden/deploy/verify-local.txt", &text);
}

#[test]
fn promtail_missing_on_the_tainted_control_plane_fails() {
    let r = run_script("promtail-missing-on-control-plane", &["verify", "local"]);
    assert_eq!(r.out.code, 1, "{}", r.out.stdout);
    assert_eq!(
        r.verdict("promtail-per-node"),
        "FAIL promtail-per-node: talos-cp-1 (tainted node-role.kubernetes.io/control-plane:NoSchedule): no Promtail pod"
    );
    let fails: Vec<&str> = r
        .verdicts()
        .into_iter()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert_eq!(fails.len(), 1, "{}", r.out.stdout);
    assert!(
        !r.out.stdout.contains("talos-w-3"),
        "a cordoned node is not required"
    );
}

#[test]
fn promtail_logging_errors_fails() {
    let r = run_script("promtail-errors", &["verify", "local"]);
    assert_eq!(r.out.code, 1, "{}", r.out.stdout);
    let line = r.verdict("promtail-no-errors");
    assert!(
        line.starts_with("FAIL promtail-no-errors: promtail-q9d2r (talos-w-2): 2 level=error lines, first: level=error"),
        "{line}"
    );
    let fails = r
        .verdicts()
        .into_iter()
        .filter(|l| l.starts_with("FAIL"))
        .count();
    assert_eq!(fails, 1, "{}", r.out.stdout);
}

#[test]
fn loki_not_ready_fails() {
    let r = run_script("loki-not-ready", &["verify", "local"]);
    assert_eq!(r.out.code, 1, "{}", r.out.stdout);
    assert_eq!(
        r.verdict("loki-pods-ready"),
        "FAIL loki-pods-ready: loki-0 (Running, not Ready: ContainersNotReady)"
    );
    assert!(
        r.verdict("loki-ready")
            .starts_with("FAIL loki-ready: GET /ready answered 503: Ingester not ready"),
        "{}",
        r.verdict("loki-ready")
    );
    assert_eq!(r.verdict("promtail-per-node"), "PASS promtail-per-node");
}

#[test]
fn cloud_queries_the_query_frontend_as_the_tenant() {
    let r = run_script("cloud-aws", &["verify", "cloud-aws"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    let want: Vec<String> = CHECKS.iter().map(|c| format!("PASS {c}")).collect();
    assert_eq!(r.verdicts(), want);
    assert_eq!(r.http().len(), 4);
    for h in r.http() {
        assert_eq!(h["service"], "loki-query-frontend");
        assert_eq!(h["tenant"], "cluster", "the tenant Promtail pushes as");
    }
}

#[test]
fn dry_run_deploy_prints_the_applies_namespace_first_and_changes_nothing() {
    let r = run_script("healthy", &["--dry-run", "deploy", "local"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    assert!(
        r.cluster_calls().is_empty(),
        "dry run called kubectl: {:?}",
        r.cluster_calls()
    );
    // The rendering ran (kubectl kustomize, handed to the real kubectl).
    assert!(r.calls.iter().any(|c| c["argv"][0] == "kustomize"));
    let steps = apply_steps(&r.out.stdout);
    // Namespace, built-in kinds, then each CRD group: PrometheusRules, ServiceMonitors.
    assert_eq!(steps.len(), 4, "{}", r.out.stdout);
    assert!(steps[0].0.contains("--server-side") && steps[0].0.contains("01-namespace.yaml"));
    assert_eq!(steps[0].1, ["Namespace logging"]);
    assert!(steps[2].0.contains("prometheusrules.monitoring.coreos.com"));
    assert_eq!(steps[2].1, ["PrometheusRule logging/loki"]);
    assert!(steps[3].0.contains("servicemonitors.monitoring.coreos.com"));
    assert_eq!(
        steps[3].1,
        [
            "ServiceMonitor logging/loki",
            "ServiceMonitor logging/promtail"
        ]
    );
    // Together, exactly the overlay's objects.
    let mut got: Vec<String> = steps.iter().flat_map(|s| s.1.clone()).collect();
    let mut want: Vec<String> = rendered("local").iter().map(kind_and_name).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // Rollouts after the applies, then the checks' commands.
    let stdout = &r.out.stdout;
    let last_apply = stdout.rfind("+ kubectl apply").unwrap();
    for w in ["statefulset/loki", "daemonset/promtail"] {
        let at = stdout
            .find(&format!(
                "+ kubectl rollout status -n logging {w} --timeout=5m"
            ))
            .unwrap_or_else(|| panic!("no rollout of {w}:\n{stdout}"));
        assert!(at > last_apply);
    }
    assert!(stdout.contains("+ kubectl port-forward -n logging service/loki :3100"));
    assert!(!stdout.contains("PASS") && !stdout.contains("FAIL"));
}

#[test]
fn deploy_applies_the_real_rendering_in_order_waits_and_verifies() {
    let r = run_script("healthy", &["deploy", "cloud-aws"]);
    // The cloud fixtures' pods are not the healthy (local) ones, but the applies come first.
    let calls = r.cluster_calls();
    let applies: Vec<&Vec<String>> = calls.iter().filter(|c| c[0] == "apply").collect();
    // The Namespace, the built-in kinds, then one apply per CRD group the stack uses.
    let crd_groups: std::collections::BTreeSet<String> = rendered("cloud-aws")
        .iter()
        .filter(|o| o["apiVersion"].as_str().unwrap().contains(".coreos.com/"))
        .map(|o| o["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(applies.len(), 2 + crd_groups.len(), "{calls:?}");
    for a in &applies {
        assert!(a.contains(&"--server-side".to_owned()), "{a:?}");
    }
    // What the stand-in received, file by file.
    let files: Vec<Vec<Value>> = r
        .calls
        .iter()
        .filter(|c| c["argv"][0] == "apply")
        .map(|c| {
            let f = c["files"].as_object().unwrap();
            assert_eq!(f.len(), 1);
            docs(f.values().next().unwrap().as_str().unwrap())
        })
        .collect();
    assert_eq!(files[0].len(), 1);
    assert_eq!(files[0][0]["kind"], "Namespace");
    for f in &files[2..] {
        assert!(
            f.iter()
                .all(|o| o["apiVersion"] == "monitoring.coreos.com/v1")
        );
    }
    let got = applied_objects(files.into_iter().flatten().collect());
    let want = rendered("cloud-aws");
    assert_eq!(
        got.iter().map(id).collect::<Vec<_>>(),
        want.iter().map(id).collect::<Vec<_>>()
    );
    assert_eq!(got, want, "the script applies what the binary renders");
    // Every workload waited for, after the applies, before the checks.
    let first_rollout = calls.iter().position(|c| c[0] == "rollout").unwrap();
    let last_apply = calls.iter().rposition(|c| c[0] == "apply").unwrap();
    assert!(first_rollout > last_apply);
    let rollouts: Vec<&str> = calls
        .iter()
        .filter(|c| c[0] == "rollout")
        .map(|c| c[4].as_str())
        .collect();
    let workloads = want
        .iter()
        .filter(|o| {
            ["Deployment", "StatefulSet", "DaemonSet"].contains(&o["kind"].as_str().unwrap())
        })
        .count();
    assert_eq!(rollouts.len(), workloads, "{rollouts:?}");
    assert!(
        rollouts.contains(&"daemonset/promtail") && rollouts.contains(&"statefulset/loki-ingester")
    );
    assert!(
        calls
            .iter()
            .all(|c| c[0] != "rollout" || c.contains(&"--timeout=5m".to_owned()))
    );
    // Then verify ran: the healthy fixtures answer for the `loki` Service only, so the
    // query-frontend's port-forward fails and deploy exits non-zero.
    assert!(r.out.stdout.contains("PASS loki-pods-ready"));
    assert!(
        r.out
            .stdout
            .contains("FAIL loki-ready: kubectl port-forward service/loki-query-frontend failed")
    );
    assert_eq!(r.out.code, 1);

    let r = run_script("cloud-aws", &["deploy", "cloud-aws"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    assert_eq!(r.verdicts().len(), CHECKS.len());
}

#[test]
fn deploy_skips_objects_whose_crd_is_missing() {
    let r = run_script("no-crds", &["deploy", "local"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    assert!(r.out.stdout.contains(
        "SKIP ServiceMonitor logging/loki: CRD servicemonitors.monitoring.coreos.com is not installed"
    ));
    let calls = r.cluster_calls();
    assert!(
        calls
            .iter()
            .any(|c| c[..3] == ["get", "crd", "servicemonitors.monitoring.coreos.com"])
    );
    let applies = calls.iter().filter(|c| c[0] == "apply").count();
    assert_eq!(applies, 2, "Namespace, then the stack: {calls:?}");
    assert!(
        !r.calls
            .iter()
            .any(|c| c["files"].as_object().is_some_and(|f| f
                .values()
                .any(|t| t.as_str().unwrap().contains("kind: ServiceMonitor"))))
    );
}

#[test]
fn uninstall_keeps_the_pvcs_unless_delete_data() {
    let r = run_script("healthy", &["uninstall", "local"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    let calls = r.cluster_calls();
    let deletes: Vec<&Vec<String>> = calls.iter().filter(|c| c[0] == "delete").collect();
    assert_eq!(
        deletes.len(),
        3,
        "ServiceMonitors, PrometheusRules, then the stack: {deletes:?}"
    );
    assert!(deletes.iter().all(|c| !c.contains(&"pvc".to_owned())));
    let deleted: Vec<&str> = r
        .calls
        .iter()
        .filter(|c| c["argv"][0] == "delete")
        .flat_map(|c| {
            c["files"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_str().unwrap())
        })
        .collect();
    let deleted = docs(&deleted.join("---\n"));
    assert!(
        deleted.iter().all(|o| o["kind"] != "Namespace"),
        "the Namespace holds the PVCs"
    );
    assert!(
        deleted
            .iter()
            .any(|o| o["metadata"]["name"] == "loki-grafana-datasource")
    );
    assert_eq!(deleted.len(), rendered("local").len() - 1);
    assert!(
        r.out
            .stdout
            .contains("storage-loki-0  10Gi  storageClass=local-path")
    );
    assert!(r.out.stdout.contains("total: 10 GiB"));
    assert!(r.out.stdout.contains("add --delete-data to delete them"));

    let r = run_script("cloud-aws", &["uninstall", "cloud-aws", "--delete-data"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    assert!(r.out.stdout.contains("6 PersistentVolumeClaims"));
    assert!(r.out.stdout.contains("total: 60 GiB"));
    let calls = r.cluster_calls();
    let pvc = calls
        .iter()
        .position(|c| c[..2] == ["delete", "pvc"])
        .unwrap();
    assert!(calls[pvc].contains(&"storage-loki-ingester-2".to_owned()));
    let last = calls.last().unwrap();
    assert!(
        last[0] == "delete"
            && r.calls.last().unwrap()["files"]
                .to_string()
                .contains("kind: Namespace")
    );
    // The PVC list (and its sizes) was printed before anything was deleted.
    let listed = r.out.stdout.find("storage-loki-ingester-0  10Gi").unwrap();
    assert!(listed < r.out.stdout.find("+ kubectl delete").unwrap());
}

#[test]
fn unknown_env_lists_the_overlays_and_help_works() {
    let r = run_script("healthy", &["verify", "nope"]);
    assert_eq!(r.out.code, 2);
    let listed = r
        .out
        .stderr
        .split_once("unknown ENV nope; overlays: ")
        .map(|(_, l)| l.lines().next().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("{}", r.out.stderr));
    let mut listed: Vec<&str> = listed.split_whitespace().collect();
    listed.sort_unstable();
    assert_eq!(listed, e2e::overlays(), "{}", r.out.stderr);
    assert!(r.calls.is_empty());
    let r = run_script("healthy", &["--help"]);
    assert_eq!(r.out.code, 0);
    assert!(r.out.stdout.contains("--delete-data") && r.out.stdout.contains("--dry-run"));
    let r = run_script("healthy", &["frobnicate", "local"]);
    assert_eq!(r.out.code, 2);
}

#[test]
fn a_fluent_bit_overlay_checks_fluent_bit_on_every_node() {
    let r = run_script("fluent-bit", &["verify", "local-fluent-bit"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    let want: Vec<String> = CHECKS
        .iter()
        .map(|c| format!("PASS {}", c.replace("promtail", "fluent-bit")))
        .collect();
    assert_eq!(r.verdicts(), want, "{}", r.out.stdout);
    assert!(
        r.cluster_calls()
            .iter()
            .any(|c| c[0] == "get" && c.contains(&"app.kubernetes.io/name=fluent-bit".to_owned()))
    );
    assert_eq!(
        r.cluster_calls().iter().filter(|c| c[0] == "logs").count(),
        3
    );
    assert!(
        r.out
            .stdout
            .contains("one ready Fluent Bit pod on each of the 3 schedulable nodes"),
        "{}",
        r.out.stdout
    );
}

#[test]
fn fluent_bit_error_lines_fail() {
    let r = run_script("fluent-bit-errors", &["verify", "local-fluent-bit"]);
    assert_eq!(r.out.code, 1, "{}", r.out.stdout);
    let line = r.verdict("fluent-bit-no-errors");
    assert!(
        line.starts_with(
            "FAIL fluent-bit-no-errors: fluent-bit-q9d2r (talos-w-2): 2 [error] lines, first: [2026/12/07 10:05:00.123456789] [error] [output:loki:loki]"
        ),
        "{line}"
    );
    assert_eq!(r.verdict("fluent-bit-per-node"), "PASS fluent-bit-per-node");
}

#[test]
fn an_agent_overlay_checks_its_collector_and_leaves_loki_to_the_central_stack() {
    // overlays/agent: Fluent Bit alone, shipping to the central stack; no Loki to query
    // here and no datasource (it is off in the agent profile).
    let r = run_script("fluent-bit", &["verify", "agent"]);
    assert_eq!(r.out.code, 0, "{}\n{}", r.out.stdout, r.out.stderr);
    assert_eq!(
        r.verdicts(),
        ["PASS fluent-bit-per-node", "PASS fluent-bit-no-errors"],
        "{}",
        r.out.stdout
    );
    assert!(
        r.out.stdout.contains("profile agent: no Loki runs here"),
        "{}",
        r.out.stdout
    );
    for call in r.cluster_calls() {
        assert!(
            ["get", "logs"].contains(&call[0].as_str())
                && !call.contains(&"app.kubernetes.io/name=loki".to_owned())
                && !call.contains(&"loki-grafana-datasource".to_owned()),
            "{call:?}"
        );
    }
    let r = run_script("fluent-bit", &["--dry-run", "verify", "agent"]);
    assert_eq!(r.out.code, 0, "{}", r.out.stderr);
    assert!(
        !r.out.stdout.contains("port-forward") && !r.out.stdout.contains("name=loki "),
        "{}",
        r.out.stdout
    );
}
