//! Big packages (tools/gen-package.py: thousands of unrelated objects of every shape)
//! through the real binary, kpt and kustomize: every foreign object comes back as it was
//! (read by PyYAML and by a Kubernetes YAML reader), ours are added, the text fast path
//! gives what the full parse gives, and the input limits hold. Times are `make bench`'s.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use e2e::{annotation, cmd, copy_dir, doc, docs, read_tree, root, run, run_fn, tool};
use serde_json::Value;

const OWNER: &str = "lokistack.krm.dev/owner";

/// `tools/gen-package.py MODE N OUT`.
fn generate(mode: &str, n: usize, out: &Path) {
    run(
        cmd(tool("python3"))
            .arg(root().join("tools/gen-package.py"))
            .args([mode, &n.to_string()])
            .arg(out),
        None,
    )
    .ok();
}

/// Runs a Python snippet (PyYAML from the venv) with arguments; it prints `ok` or fails.
fn python(script: &str, args: &[&Path]) {
    let out = run(cmd(tool("python")).arg("-c").arg(script).args(args), None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.trim(), "ok", "{}", out.stderr);
}

#[test]
fn a_large_resource_list_passes_through_as_the_full_parse_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (rl, json) = (tmp.path().join("rl.yaml"), tmp.path().join("rl.json"));
    generate("rl", 2000, &rl);
    // The same list as JSON, which the scanner leaves to the full parse.
    python(
        "import json, sys, yaml\njson.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], 'w'))\nprint('ok')",
        &[&rl, &json],
    );
    let fast = run_fn(&[], Some(&std::fs::read(&rl).unwrap())).ok();
    let slow = run_fn(&[], Some(&std::fs::read(&json).unwrap())).ok();
    assert_eq!(
        doc(&fast.stdout),
        doc(&slow.stdout),
        "Kubernetes YAML reader"
    );
    let (out, full) = (tmp.path().join("out.yaml"), tmp.path().join("full.yaml"));
    std::fs::write(&out, &fast.stdout).unwrap();
    std::fs::write(&full, &slow.stdout).unwrap();
    python(
        r#"
import sys, yaml
load = lambda p: yaml.load(open(p), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
given, out, full = (load(p) for p in sys.argv[1:4])
n = len(given["items"])
assert n == 2002, n
assert out["items"][:n] == given["items"], "a foreign item changed"
ours = out["items"][n:]
assert len(ours) == 26 and all(o["metadata"]["annotations"]["lokistack.krm.dev/owner"] == "LokiStack/loki" for o in ours)
assert out == full, "fast and full parse differ"
print("ok")
"#,
        &[&rl, &out, &full],
    );
}

/// Every document of every file under `objs/`, as PyYAML reads the two trees, is equal.
fn same_objects(before: &Path, after: &Path) {
    python(
        r#"
import os, sys, yaml
def read(root):
    d = os.path.join(root, "objs")
    return {f: list(yaml.safe_load_all(open(os.path.join(d, f)))) for f in sorted(os.listdir(d))}
a, b = read(sys.argv[1]), read(sys.argv[2])
assert len(a) > 100 and a.keys() == b.keys(), (len(a), len(b))
bad = [f for f in a if a[f] != b[f]]
assert not bad, bad[:5]
print("ok")
"#,
        &[before, after],
    );
}

fn kpt(args: &[&str], pkg: &Path) -> String {
    let out = run(
        cmd(tool("kpt"))
            .args(["fn"])
            .args(args)
            .arg("--truncate-output=false")
            .arg(pkg),
        None,
    );
    assert_eq!(out.code, 0, "kpt failed:\n{}\n{}", out.stdout, out.stderr);
    out.stderr
}

/// Our objects in the package: the files under a `generated/` directory.
fn generated_files(pkg: &Path) -> Vec<Value> {
    read_tree(pkg)
        .iter()
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "generated"))
        .flat_map(|(_, text)| docs(text))
        .collect()
}

#[test]
fn kpt_renders_a_large_package_and_keeps_every_other_object() {
    let tmp = tempfile::tempdir().unwrap();
    let (given, pkg) = (tmp.path().join("given"), tmp.path().join("pkg"));
    generate("dir", 2000, &given);
    copy_dir(&given, &pkg);
    let log = kpt(&["render", "--allow-exec"], &pkg);
    assert!(
        log.contains("rendered 25 objects for LokiStack/loki"),
        "{log}"
    );
    same_objects(&given, &pkg);
    let ours = generated_files(&pkg);
    assert_eq!(ours.len(), 26, "25 objects and the render guard");
    assert!(
        ours.iter()
            .all(|o| annotation(o, OWNER) == Some("LokiStack/loki"))
    );
    // A second render replaces our output and changes nothing.
    let first = read_tree(&pkg);
    kpt(&["render", "--allow-exec"], &pkg);
    assert_eq!(read_tree(&pkg), first, "not idempotent");
}

#[test]
fn kpt_fn_eval_exec_on_a_large_package() {
    let tmp = tempfile::tempdir().unwrap();
    let (given, pkg) = (tmp.path().join("given"), tmp.path().join("pkg"));
    generate("dir", 2000, &given);
    copy_dir(&given, &pkg);
    let config = tmp.path().join("lokistack.yaml");
    std::fs::copy(given.join("config/lokistack.yaml"), &config).unwrap();
    let config = config.to_str().unwrap();
    let log = kpt(
        &["eval", "--exec", "loki-stack-fn", "--fn-config", config],
        &pkg,
    );
    assert!(log.contains("rendered 25 objects"), "{log}");
    same_objects(&given, &pkg);
    assert_eq!(generated_files(&pkg).len(), 26);
}

#[test]
fn kustomize_passes_a_large_package_through_the_function() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 300 files: kustomize reads resources one file at a time (2,000 took minutes on CI).
    generate("dir", 300, &dir.join("pkg"));
    let files: Vec<String> = read_tree(&dir.join("pkg/objs"))
        .iter()
        .map(|(p, _)| format!("- {}\n", p.strip_prefix(dir).unwrap().display()))
        .collect();
    let resources = format!("resources:\n{}", files.concat());
    // The function as a transformer: it sees every object and adds the stack.
    let config = std::fs::read_to_string(dir.join("pkg/config/lokistack.yaml")).unwrap();
    std::fs::write(dir.join("fn.yaml"), config).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), &resources).unwrap();
    let build = |d: &Path, out: &str| {
        let built = run(
            cmd(tool("kustomize"))
                .args(["build", "--enable-alpha-plugins", "--enable-exec"])
                .arg(d),
            None,
        )
        .ok();
        std::fs::write(d.join(out), built.stdout).unwrap();
        d.join(out)
    };
    let plain = build(dir, "plain.yaml");
    std::fs::write(
        dir.join("kustomization.yaml"),
        format!("{resources}transformers:\n- fn.yaml\n"),
    )
    .unwrap();
    let with_fn = build(dir, "with-fn.yaml");
    python(
        r#"
import sys, yaml
load = lambda p: list(yaml.load_all(open(p), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
plain, with_fn = load(sys.argv[1]), load(sys.argv[2])
owned = lambda o: "lokistack.krm.dev/owner" in o["metadata"].get("annotations", {})
assert len(plain) == 300, len(plain)
assert [o for o in with_fn if not owned(o)] == plain, "kustomize sees other objects changed"
ours = [o for o in with_fn if owned(o)]
assert len(ours) == 25 and "RenderGuard" not in [o["kind"] for o in ours], "the stack, without the guard (local-config)"
print("ok")
"#,
        &[&plain, &with_fn],
    );
}

/// `n` generated objects as kpt sends them, with `edit` applied to the text.
fn resource_list(n: usize, edit: impl Fn(String) -> String) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let rl = tmp.path().join("rl.yaml");
    generate("rl", n, &rl);
    edit(std::fs::read_to_string(rl).unwrap()).into_bytes()
}

#[test]
fn over_16_mib_the_text_path_works_and_the_full_parse_is_refused() {
    // 25,000 objects: about 19 MB, more than the full parse reads.
    let big = resource_list(25_000, |s| s);
    assert!(big.len() > 16 << 20, "{}", big.len());
    let out = run_fn(&[], Some(&big)).ok();
    assert!(out.stdout.len() > big.len());
    assert!(out.stdout.contains("-24999"), "the last object is there");
    // An alias sends the input to the full parse, which refuses that size.
    let aliased = resource_list(25_000, |s| {
        s.replacen("  kind: Service\n", "  kind: &k Service\n", 1)
            .replacen("  kind: Secret\n", "  kind: *k\n", 1)
    });
    let out = run_fn(&[], Some(&aliased));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("needs the full YAML parse (YAML anchors or tags)")
            && out.stderr.contains("at most 16 MiB"),
        "{}",
        out.stderr
    );
    // Small, the same input is parsed whole and rendered.
    let small = resource_list(50, |s| {
        s.replacen("  kind: Service\n", "  kind: &k Service\n", 1)
            .replacen("  kind: Secret\n", "  kind: *k\n", 1)
    });
    let out = run_fn(&[], Some(&small)).ok();
    assert_eq!(doc(&out.stdout)["items"].as_array().unwrap().len(), 52 + 26);
}

#[test]
fn the_input_limit_can_be_lowered_or_raised_within_bounds() {
    let input = resource_list(10, |s| s);
    let with_limit = |limit: &str| {
        run(
            cmd(e2e::bin()).env("LOKI_STACK_FN_MAX_INPUT_BYTES", limit),
            Some(&input),
        )
    };
    let out = with_limit("1Ki");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("larger than 1 KiB, the limit"),
        "{}",
        out.stderr
    );
    assert_eq!(with_limit("128Mi").ok().code, 0);
    assert_eq!(with_limit(&input.len().to_string()).ok().code, 0);
    assert_eq!(with_limit(&(input.len() - 1).to_string()).code, 1);
    for bad in ["0", "2Gi", "lots", "-1", "1.5Mi"] {
        let out = with_limit(bad);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("LOKI_STACK_FN_MAX_INPUT_BYTES must be"),
            "{}",
            out.stderr
        );
    }
}
