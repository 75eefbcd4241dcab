//! Reading the OCI layout `make image` writes and running its entrypoint from an
//! unpacked root filesystem (bubblewrap; arm64 under qemu-user): helpers of
//! tests/tests/image.rs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{cmd, resolved_config, resource_list, root, run, run_fn, tool};
use serde_json::Value;

pub const ARCHES: [&str; 2] = ["amd64", "arm64"];
/// Size target per architecture: what a pull transfers (manifest, config, gzip layers).
pub const MAX_COMPRESSED: u64 = 8_000_000;

/// The layout `make image` writes (`make test` builds it first).
pub fn layout() -> PathBuf {
    let dir = root().join("target/image/oci");
    assert!(
        dir.join("index.json").is_file(),
        "{} is missing: run the tests with `make test` (it runs `make image`)",
        dir.display()
    );
    dir
}

/// The image tag: the crate version, as the binary reports it.
pub fn tag() -> String {
    let out = run_fn(&["--version"], None).ok();
    out.stdout
        .trim()
        .strip_prefix("loki-stack-fn ")
        .unwrap()
        .to_owned()
}

pub fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    let hex = digest.strip_prefix("sha256:").unwrap();
    layout.join("blobs/sha256").join(hex)
}

pub fn blob(layout: &Path, digest: &str) -> Value {
    json(&blob_path(layout, digest))
}

/// The descriptor tagged `name` in the layout's index.json.
pub fn tagged(layout: &Path, name: &str) -> Value {
    let index = json(&layout.join("index.json"));
    let found: Vec<&Value> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["annotations"]["org.opencontainers.image.ref.name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "tag {name} in {index}");
    found[0].clone()
}

/// The multi-arch index's digest, its manifests' digests by architecture.
pub fn image_index(layout: &Path) -> (String, Vec<(String, String)>) {
    let d = tagged(layout, &tag());
    assert_eq!(d["mediaType"], "application/vnd.oci.image.index.v1+json");
    let digest = d["digest"].as_str().unwrap().to_owned();
    let index = blob(layout, &digest);
    let manifests = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["platform"]["architecture"].as_str().unwrap().to_owned(),
                m["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (digest, manifests)
}

pub fn sha256_hex(path: &Path) -> String {
    let out = run(cmd("sha256sum").arg(path), None).ok();
    out.stdout.split_whitespace().next().unwrap().to_owned()
}

/// Raw bytes in and out (the comparisons are byte for byte).
#[derive(Debug)]
pub struct Raw {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

pub fn run_raw(c: &mut Command, stdin: &[u8]) -> Raw {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {c:?}: {e}"));
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    Raw {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// One architecture's image unpacked by umoci into an OCI runtime bundle.
#[derive(Debug)]
pub struct Bundle {
    pub _dir: tempfile::TempDir,
    pub rootfs: PathBuf,
    /// The runtime config umoci derived from the image config (what a runtime executes).
    pub runtime: Value,
}

pub fn unpack(layout: &Path, arch: &str) -> Bundle {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    run(
        cmd(tool("umoci"))
            .arg("unpack")
            .arg("--image")
            .arg(format!("{}:{}-{arch}", layout.display(), tag()))
            .arg(&bundle),
        None,
    )
    .ok();
    let runtime = json(&bundle.join("config.json"));
    Bundle {
        rootfs: bundle.join("rootfs"),
        runtime,
        _dir: dir,
    }
}

/// The emulator an architecture needs on this machine, if any.
pub fn emulator(arch: &str) -> Option<PathBuf> {
    let native = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    (arch != native).then(|| {
        tool(match arch {
            "arm64" => "qemu-aarch64-static",
            "amd64" => "qemu-x86_64-static",
            other => panic!("no emulator for {other}"),
        })
    })
}

/// The bundle's process (args, env, cwd) run as `uid:gid` in a bubblewrap sandbox whose
/// root is the image's root filesystem, read-only, with no network and nothing else
/// mounted. Under emulation the sandbox root is a tmpfs holding the image's top-level
/// entries (bound read-only) and the static emulator beside them.
pub fn run_in_image(
    b: &Bundle,
    arch: &str,
    uid: u32,
    gid: u32,
    extra: &[&str],
    stdin: &[u8],
) -> Raw {
    let process = &b.runtime["process"];
    let mut c = Command::new(tool("bwrap"));
    c.args(["--unshare-all", "--die-with-parent", "--new-session"])
        .args([
            "--clearenv",
            "--uid",
            &uid.to_string(),
            "--gid",
            &gid.to_string(),
        ]);
    let emu = emulator(arch);
    match &emu {
        None => {
            c.arg("--ro-bind").arg(&b.rootfs).arg("/");
        }
        Some(qemu) => {
            c.args(["--tmpfs", "/"]);
            for entry in std::fs::read_dir(&b.rootfs).unwrap() {
                let entry = entry.unwrap();
                c.arg("--ro-bind")
                    .arg(entry.path())
                    .arg(Path::new("/").join(entry.file_name()));
            }
            c.arg("--ro-bind").arg(qemu).arg("/.emulator");
            c.args(["--remount-ro", "/"]);
        }
    }
    for kv in process["env"].as_array().unwrap() {
        let (k, v) = kv.as_str().unwrap().split_once('=').unwrap();
        c.args(["--setenv", k, v]);
    }
    c.args(["--chdir", process["cwd"].as_str().unwrap(), "--"]);
    if emu.is_some() {
        c.arg("/.emulator");
    }
    for a in process["args"].as_array().unwrap() {
        c.arg(a.as_str().unwrap());
    }
    c.args(extra);
    run_raw(&mut c, stdin)
}

/// (uid, gid) of `name` in the image's /etc/passwd, as `docker run --user name` resolves it.
pub fn passwd_user(rootfs: &Path, name: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap();
    let line = passwd
        .lines()
        .find(|l| l.split(':').next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in the image's /etc/passwd:\n{passwd}"));
    let f: Vec<&str> = line.split(':').collect();
    (f[2].parse().unwrap(), f[3].parse().unwrap())
}

/// The inputs both binaries get: the local overlay as kustomize sends it, the largest
/// fixture stack, and an empty input (refused, exit 1, error result).
pub fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let local = resolved_config("overlays/local");
    let largest =
        std::fs::read_to_string(root().join("tests/stacks/cloud-everything.yaml")).unwrap();
    vec![
        (
            "local overlay",
            resource_list(&local, &[&local]).into_bytes(),
        ),
        (
            "cloud-everything stack",
            resource_list(&largest, &[&largest]).into_bytes(),
        ),
        ("empty input", Vec::new()),
    ]
}

#[track_caller]
pub fn assert_same(what: &str, got: &Raw, want: &Raw) {
    assert_eq!(
        (got.code, &got.stderr),
        (want.code, &want.stderr),
        "{what}: exit code or stderr differs from the native binary's\nimage stderr:\n{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert!(
        got.stdout == want.stdout,
        "{what}: stdout differs from the native binary's ({} vs {} bytes)",
        got.stdout.len(),
        want.stdout.len()
    );
}
