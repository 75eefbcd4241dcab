//! Helpers for the end-to-end tests: where the binary and the tools are, how to run
//! them, and how to compare what different runners print.
//!
//! Tools are required, not optional: a missing tool fails the test with the command
//! that installs it (`make tools`), so a green run always means the tool really ran.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod deploy;
pub mod doc_blocks;
pub mod fluent_bit;
pub mod fuzz;
pub mod generate;
pub mod gitops;
pub mod http;
pub mod image;
pub mod invariants;
pub mod links;
pub mod modgraph;
pub mod netpol;
pub mod nginx;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn stack_dir() -> PathBuf {
    root().join("kubernetes/observability/loki-stack")
}

/// `../shared` beside the repository (CRD schemas).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("LOKI_STACK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}

/// The release binary under test (`make test` builds it and sets LOKI_STACK_FN).
pub fn bin() -> PathBuf {
    let path = std::env::var_os("LOKI_STACK_FN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/release/loki-stack-fn"));
    assert!(
        path.is_file(),
        "{} does not exist: run the tests with `make test` (it builds the release binary)",
        path.display()
    );
    path
}

/// PATH with the binary's directory, the pinned tools and the venv in front, so that
/// kpt and kustomize find `loki-stack-fn` by its bare name, as the repo's configs ask.
pub fn path_env() -> OsString {
    let mut dirs = vec![
        bin().parent().unwrap().to_path_buf(),
        root().join(".cache/tools/bin"),
        root().join(".venv/bin"),
    ];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(dirs).unwrap()
}

/// Absolute path of a required tool, or a failure that says how to get it.
pub fn tool(name: &str) -> PathBuf {
    for dir in std::env::split_paths(&path_env()) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("required tool `{name}` is not on PATH: run `make tools` (or `make test`, which does)")
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "command failed.\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A command with PATH set up for the tests.
pub fn cmd(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env("PATH", path_env());
    c
}

/// Runs a command, feeding `stdin`, and captures everything.
pub fn run(c: &mut Command, stdin: Option<&[u8]>) -> Output {
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {c:?}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // Write from a thread: the child may answer before reading everything.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the function binary with arguments and stdin.
pub fn run_fn(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run(cmd(bin()).args(args), stdin)
}

/// Writes (`make golden`: UPDATE_GOLDEN set) or compares the golden file `path` (relative
/// to the repository root) with `actual`.
#[track_caller]
pub fn golden_file(path: &str, actual: &str) {
    let path = root().join(path);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == actual,
        "{} differs from:\n{actual}\nif the change is intended, run `make golden` and review the diff",
        path.display()
    );
}

/// Parses a YAML stream the way Kubernetes tools read it.
pub fn docs(yaml: &str) -> Vec<Value> {
    let opts = serde_saphyr::options! {
        strict_booleans: true,
        legacy_octal_numbers: true,
    };
    serde_saphyr::from_multiple_with_options::<Value>(yaml, opts)
        .unwrap_or_else(|e| panic!("not a YAML stream: {e}\n{yaml}"))
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

pub fn doc(yaml: &str) -> Value {
    let mut d = docs(yaml);
    assert_eq!(d.len(), 1, "expected one document:\n{yaml}");
    d.remove(0)
}

pub fn annotation<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.pointer("/metadata/annotations")?.get(key)?.as_str()
}

pub fn is_local_config(o: &Value) -> bool {
    annotation(o, "config.kubernetes.io/local-config") == Some("true")
}

pub fn id(o: &Value) -> String {
    let s = |p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    format!(
        "{} {} {}/{}",
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

/// What a cluster would receive: local-config objects and the runners' bookkeeping
/// annotations dropped, sorted by identity. Runners may format differently; these
/// values must not differ.
pub fn applied_objects(objects: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = objects
        .into_iter()
        .filter(|o| !is_local_config(o))
        .map(|mut o| {
            if let Some(Value::Object(a)) = o.pointer_mut("/metadata/annotations") {
                a.retain(|k, _| {
                    !(k.starts_with("config.kubernetes.io/")
                        || k.starts_with("internal.config.kubernetes.io/")
                        || k.starts_with("config.k8s.io/"))
                });
                if a.is_empty() {
                    o.as_object_mut()
                        .and_then(|m| m.get_mut("metadata"))
                        .and_then(Value::as_object_mut)
                        .map(|m| m.remove("annotations"));
                }
            }
            o
        })
        .collect();
    out.sort_by_key(id);
    out
}

/// The LokiStack of an overlay (or `base`) with its patches applied, from kubectl.
pub fn resolved_config(dir: &str) -> String {
    let path = stack_dir().join(dir).join("config");
    run(cmd(tool("kubectl")).arg("kustomize").arg(&path), None)
        .ok()
        .stdout
}

/// Extra stacks the tests render besides base and the overlays (`tests/stacks/*.yaml`):
/// `(name, LokiStack text)`.
pub fn fixture_stacks() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join("tests/stacks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            (
                format!("stacks-{}", p.file_stem().unwrap().to_string_lossy()),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every LokiStack the tests render: `base`, `overlays/<name>` (patches applied) and the
/// fixtures (`stacks-<name>`), as `(name, LokiStack text)`.
pub fn every_stack() -> Vec<(String, String)> {
    let mut configs = vec![("base".to_owned(), resolved_config("base"))];
    configs.extend(overlays().into_iter().map(|o| {
        let name = format!("overlays/{o}");
        let config = resolved_config(&name);
        (name, config)
    }));
    configs.extend(fixture_stacks());
    configs
}

/// The overlays shipped in the repo.
pub fn overlays() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(stack_dir().join("overlays"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A kustomize plugin home holding the binary as a legacy exec plugin.
pub fn plugin_home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let plugin_dir = dir.path().join("lokistack.krm.dev/v1alpha1/lokistack");
    std::fs::create_dir_all(&plugin_dir).unwrap();
    std::os::unix::fs::symlink(bin(), plugin_dir.join("LokiStack")).unwrap();
    dir
}

/// Copies a directory tree (for runners that write into packages).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every YAML document in every `.yaml` file below `dir`, in path order.
pub fn read_tree(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A minimal valid LokiStack, with `spec` lines appended.
pub fn lokistack(spec_lines: &str) -> String {
    format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\nspec:\n  profile: local\n{spec_lines}"
    )
}

/// A ResourceList holding `config` as functionConfig (indented) and the given items.
pub fn resource_list(config: &str, items: &[&str]) -> String {
    let indent = |s: &str, first: &str, rest: &str| {
        s.lines()
            .enumerate()
            .map(|(i, l)| format!("{}{l}\n", if i == 0 { first } else { rest }))
            .collect::<String>()
    };
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n");
    if items.is_empty() {
        out.push_str("items: []\n");
    } else {
        out.push_str("items:\n");
        for item in items {
            out.push_str(&indent(item, "- ", "  "));
        }
    }
    out.push_str("functionConfig:\n");
    out.push_str(&indent(config, "  ", "  "));
    out
}
