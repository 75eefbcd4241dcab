//! `loki-stack-fn plan` through the real binary: golden plans (text and JSON) of base,
//! every overlay and fixture, exit codes, `--from` an earlier render and live objects,
//! `make plan`, and the change hazards of a kpt re-render.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::{cmd, copy_dir, read_tree, resolved_config, root, run, run_fn, stack_dir, tool};
use serde_json::Value;

/// A fixed date, so that golden plans do not change with the calendar.
const TODAY: &str = "2026-05-01";

fn configs() -> Vec<(String, String)> {
    e2e::every_stack()
}

#[test]
fn golden_plans() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = root().join("tests/golden/plan");
    let mut stale = Vec::new();
    for (name, config) in configs() {
        for (output, ext) in [("text", "txt"), ("json", "json")] {
            let out = run_fn(
                &["plan", "-f", "-", "--today", TODAY, "--output", output],
                Some(config.as_bytes()),
            )
            .ok();
            assert!(!out.stdout.contains('\u{1b}'), "no colour into a pipe");
            let path = dir.join(format!("{}.{ext}", name.replace('/', "-")));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &out.stdout).unwrap();
                continue;
            }
            if std::fs::read_to_string(&path).unwrap_or_default() != out.stdout {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "plan output differs from {stale:?}: if the change is intended, run `make golden` and review the diff"
    );
}

fn json_plan(args: &[&str], stdin: Option<&[u8]>) -> (i32, Value, String) {
    let mut all = vec!["plan", "--output", "json", "--today", TODAY];
    all.extend_from_slice(args);
    let out = run_fn(&all, stdin);
    let v = if out.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&out.stdout).unwrap()
    };
    (out.code, v, out.stderr)
}

#[test]
fn the_json_plan_of_the_local_overlay_says_what_it_deploys() {
    let config = resolved_config("overlays/local");
    let (code, p, _) = json_plan(&["-f", "-"], Some(config.as_bytes()));
    assert_eq!(code, 0);
    assert_eq!(p["planVersion"], 1);
    assert_eq!(p["today"], TODAY);
    assert_eq!(p["stack"]["owner"], "LokiStack/loki");
    assert_eq!(p["stack"]["mode"], "SingleBinary");
    let loki = &p["components"][0];
    assert_eq!(loki["name"], "loki");
    assert_eq!(loki["replicas"], 1);
    assert_eq!(loki["requests"]["memory"], "256Mi");
    assert_eq!(loki["claims"][0]["size"], "10Gi");
    assert_eq!(
        p["components"][1]["replicas"],
        Value::Null,
        "promtail runs per node"
    );
    assert_eq!(p["totals"]["cluster"]["cpuRequestMillicores"], 100);
    assert_eq!(p["storage"]["store"], "filesystem");
    assert_eq!(p["schemas"][0]["state"], "inEffect");
    assert_eq!(p["retention"]["period"], "72h");
    assert_eq!(p["tenancy"]["enabled"], false);
    assert_eq!(p["collection"]["talosServices"], true);
    assert_eq!(
        p["collection"]["redaction"]["namespaces"][0], "vault",
        "{}",
        p["collection"]
    );
    assert_eq!(p["monitoring"]["serviceMonitors"][0], "loki");
    assert_eq!(p["changes"], Value::Null);
    let total: u64 = p["objects"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, 25);
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn exit_codes_usage_io_and_refused_configs() {
    let tmp = tempfile::tempdir().unwrap();
    let good = write(tmp.path(), "good.yaml", &resolved_config("overlays/local"));
    assert_eq!(run_fn(&["plan", "-f", &good], None).code, 0);
    // Usage: 2, with the usage line.
    for args in [
        vec!["plan"],
        vec!["plan", "-f", &good, "--today", "1 May"],
        vec!["plan", "-f", &good, "--output", "yaml"],
        vec!["plan", "-f", &good, "--frm", "x"],
    ] {
        let out = run_fn(&args, None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("plan -f CONFIG"), "{}", out.stderr);
    }
    // I/O: 3, naming the file.
    let out = run_fn(&["plan", "-f", "/nonexistent/lokistack.yaml"], None);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("/nonexistent/lokistack.yaml"));
    let out = run_fn(
        &["plan", "-f", &good, "--from", "/nonexistent/prev.yaml"],
        None,
    );
    assert_eq!(out.code, 3);
    // A refused config: 1, the field and the file, nothing on stdout.
    let bad = write(
        tmp.path(),
        "bad.yaml",
        &resolved_config("overlays/local").replace("period: 72h", "period: 12h"),
    );
    let out = run_fn(&["plan", "-f", &bad], None);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("bad.yaml: spec.retention.period"),
        "{}",
        out.stderr
    );
    // An unreadable --from: 1, naming it.
    let junk = write(tmp.path(), "junk.yaml", "- 1\n- 2\n");
    let out = run_fn(&["plan", "-f", &good, "--from", &junk], None);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("junk.yaml: document 1, item 0 is a number"),
        "{}",
        out.stderr
    );
}

#[test]
fn from_an_earlier_render_warns_and_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let config = resolved_config("overlays/local");
    let earlier = run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
        .ok()
        .stdout;
    let prev = write(tmp.path(), "prev.yaml", &earlier);
    // Same config: nothing changes.
    let same = write(tmp.path(), "same.yaml", &config);
    let (code, p, _) = json_plan(&["-f", &same, "--from", &prev], None);
    assert_eq!(code, 0);
    assert_eq!(p["changes"]["items"], serde_json::json!([]));
    assert_eq!(p["changes"]["objects"]["unchanged"], 25);
    // Shorter retention: a warning that says how many days go, exit 0.
    let shorter = write(
        tmp.path(),
        "shorter.yaml",
        &config.replace("period: 72h", "period: 24h"),
    );
    let out = run_fn(
        &["plan", "-f", &shorter, "--from", &prev, "--today", TODAY],
        None,
    )
    .ok();
    assert!(
        out.stdout.contains(
            "WARNING  spec.retention.period: all logs: retention shortened from 72h to 24h"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("deletes up to 2 days of logs"),
        "{}",
        out.stdout
    );
    // A smaller PVC: refused (immutable claim template) and warned (cannot shrink), exit 1.
    let smaller = write(
        tmp.path(),
        "smaller.yaml",
        &config.replace("size: 10Gi", "size: 5Gi"),
    );
    let (code, p, stderr) = json_plan(&["-f", &smaller, "--from", &prev], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("1 change is refused"), "{stderr}");
    let items = p["changes"]["items"].as_array().unwrap();
    let of = |code: &str| items.iter().find(|i| i["code"] == code).unwrap();
    assert_eq!(of("immutable-field")["severity"], "refused");
    assert_eq!(of("immutable-field")["object"], "StatefulSet logging/loki");
    assert_eq!(of("pvc-shrink")["severity"], "warning");
}

/// `kubectl get -o yaml` of the applied objects, as the API server returns them.
fn as_live_list(rendered: &str) -> String {
    let mut items: Vec<Value> = e2e::docs(rendered);
    for o in &mut items {
        let meta = o["metadata"].as_object_mut().unwrap();
        meta.insert("uid".into(), "6a3c2e52-1111-4c1c-9a7e-5d8f00000000".into());
        meta.insert("resourceVersion".into(), "1234".into());
        meta.insert("creationTimestamp".into(), "2026-04-01T00:00:00Z".into());
        meta.insert(
            "managedFields".into(),
            serde_json::json!([{"manager": "kubectl-client-side-apply"}]),
        );
        if o["kind"] == "Secret" {
            // The API server returns stringData as base64 data: the CLI must decode it.
            let text = o["stringData"]["promtail.yaml"]
                .as_str()
                .unwrap()
                .to_owned();
            let b64 = run(cmd("base64").arg("-w0"), Some(text.as_bytes()))
                .ok()
                .stdout;
            let map = o.as_object_mut().unwrap();
            map.remove("stringData");
            map.insert("data".into(), serde_json::json!({"promtail.yaml": b64}));
        }
        if o["kind"] == "StatefulSet" {
            o["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"] = "Filesystem".into();
            o["spec"]["volumeClaimTemplates"][0]["status"] =
                serde_json::json!({"phase": "Pending"});
            o["status"] = serde_json::json!({"replicas": 1, "availableReplicas": 1});
        }
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}});
    serde_json::to_string_pretty(&list).unwrap()
}

#[test]
fn from_live_objects_only_what_the_render_sets_is_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let config = resolved_config("overlays/local");
    let earlier = run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
        .ok()
        .stdout;
    let live = write(tmp.path(), "live.json", &as_live_list(&earlier));
    let same = write(tmp.path(), "same.yaml", &config);
    let (code, p, _) = json_plan(&["-f", &same, "--from", &live], None);
    assert_eq!(code, 0);
    assert_eq!(
        p["changes"]["items"],
        serde_json::json!([]),
        "{}",
        p["changes"]
    );
    let renamed = write(
        tmp.path(),
        "renamed.yaml",
        &config.replace("name: loki\n", "name: logs\n"),
    );
    let (code, p, _) = json_plan(&["-f", &renamed, "--from", &live], None);
    assert_eq!(code, 1, "the selectors change");
    let items = p["changes"]["items"].as_array().unwrap();
    assert!(items.iter().any(|i| {
        i["code"] == "stack-renamed"
            && i["message"]
                .as_str()
                .unwrap()
                .contains("logging/storage-loki-0")
    }));
}

#[test]
fn make_plan_prints_the_plan_of_an_overlay() {
    let out = run(
        cmd(tool("make"))
            .args([
                "-s",
                "--no-print-directory",
                "plan",
                "ENV=cloud-aws",
                &format!("TODAY={TODAY}"),
            ])
            .current_dir(root()),
        None,
    )
    .ok();
    let want =
        std::fs::read_to_string(root().join("tests/golden/plan/overlays-cloud-aws.txt")).unwrap();
    assert_eq!(out.stdout, want);
}

fn kpt_render(pkg: &std::path::Path) -> e2e::Output {
    run(
        cmd(tool("kpt"))
            .args(["fn", "render", "--allow-exec", "--truncate-output=false"])
            .arg(pkg),
        None,
    )
}

#[test]
fn kpt_rerender_warns_on_shorter_retention_and_refuses_an_edited_past_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("loki-stack");
    copy_dir(&stack_dir().join("base"), &pkg);
    let config = pkg.join("config/lokistack.yaml");
    let original = std::fs::read_to_string(&config).unwrap();
    for run in ["first render", "unchanged re-render"] {
        let out = kpt_render(&pkg);
        assert_eq!(out.code, 0, "{}", out.stderr);
        // kpt's round trip through the package files must not look like a change.
        assert!(
            !out.stderr.contains("changes since") && !out.stderr.contains("[warning]"),
            "{run}: {}",
            out.stderr
        );
    }

    std::fs::write(&config, original.replace("period: 72h", "period: 24h")).unwrap();
    let out = kpt_render(&pkg);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("[warning]")
            && out.stderr.contains("retention shortened from 72h to 24h")
            && out.stderr.contains("deletes up to 2 days of logs"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("changes since the earlier output: 4 changed"),
        "{}",
        out.stderr
    );
    let cm =
        std::fs::read_to_string(pkg.join("config/generated/logging/configmap_loki.yaml")).unwrap();
    assert!(
        cm.contains("retention_period: 24h"),
        "the warned change is rendered"
    );

    // The schema period in effect since 2024-01-01 moved into the past: refused, no write.
    let schema = "  schemas:\n  - from: \"2023-06-01\"\n    version: v13\n";
    std::fs::write(
        &config,
        format!("{}{schema}", original.replace("period: 72h", "period: 24h")),
    )
    .unwrap();
    let before = read_tree(&pkg);
    let out = kpt_render(&pkg);
    assert_ne!(out.code, 0);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("[error]") && all.contains("spec.schemas"),
        "{all}"
    );
    assert!(all.contains("in effect since 2024-01-01"), "{all}");
    assert!(
        all.contains("config/lokistack.yaml"),
        "names the file: {all}"
    );
    assert_eq!(read_tree(&pkg), before, "kpt must write nothing");
}

/// The plan of a change to the local overlay (24h retention instead of 72h, a 5Gi PVC
/// instead of 10Gi) from its earlier render (docs/src/day2/plan.md).
#[test]
fn golden_plan_of_a_change_to_the_local_overlay() {
    let tmp = tempfile::tempdir().unwrap();
    let config = resolved_config("overlays/local");
    let earlier = run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
        .ok()
        .stdout;
    write(tmp.path(), "earlier.yaml", &earlier);
    let changed = config
        .replace("period: 72h", "period: 24h")
        .replace("size: 10Gi", "size: 5Gi");
    write(tmp.path(), "changed.yaml", &changed);
    let out = run(
        cmd(e2e::bin())
            .args(["plan", "-f", "changed.yaml", "--from", "earlier.yaml"])
            .args(["--today", TODAY])
            .current_dir(tmp.path()),
        None,
    );
    assert_eq!(out.code, 1, "a change is refused: {}", out.stderr);
    e2e::golden_file("tests/golden/plan/change-overlays-local.txt", &out.stdout);
}

/// kpt's error result when a re-render drops the schema period in effect
/// (docs/src/day2/hazards.md). kpt's function reads the clock: the date it proposes for a
/// new period, tomorrow, is written as the day after TODAY.
#[test]
fn golden_kpt_error_of_a_removed_schema_period() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("loki-stack");
    copy_dir(&stack_dir().join("base"), &pkg);
    assert_eq!(kpt_render(&pkg).code, 0);
    let config = pkg.join("config/lokistack.yaml");
    let original = std::fs::read_to_string(&config).unwrap();
    let schema = "  schemas:\n  - from: \"2023-06-01\"\n    version: v13\n";
    std::fs::write(&config, format!("{original}{schema}")).unwrap();
    let out = kpt_render(&pkg);
    assert_ne!(out.code, 0);
    let mut errors: String = format!("{}{}", out.stdout, out.stderr)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("[error]"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (start, end) = ("\"", "\" (tomorrow)");
    let mut from = 0;
    while let Some(i) = errors[from..].find(end).map(|i| from + i) {
        assert!(i >= 10 && errors[..i - 10].ends_with(start), "{errors}");
        errors.replace_range(i - 10..i, "2026-05-02");
        from = i + end.len();
    }
    e2e::golden_file("tests/golden/plan/kpt-schema-period-removed.txt", &errors);
}
