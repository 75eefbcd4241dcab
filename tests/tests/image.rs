//! The container image (`make image`, tools/build-image.sh), proven without a container
//! runtime: the OCI layout read with skopeo, each architecture unpacked with umoci and its
//! entrypoint run from the unpacked root filesystem in a bubblewrap sandbox (no network,
//! the image's numeric user; arm64 under qemu-aarch64-static), its output compared byte for
//! byte with the native release binary's; the config, labels and sizes checked; two builds
//! compared; the printed push command run against a registry on 127.0.0.1; and kpt (with
//! base/Kptfile.image) and kustomize (with components/container-image) rendering through
//! the image, with a `docker` stand-in (tests/docker-shim) that runs it from the layout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::http::free_port;
use e2e::image::*;
use e2e::{bin, cmd, copy_dir, path_env, read_tree, root, run, stack_dir, tool};
use serde_json::Value;

fn entrypoint_output_matches_the_native_binary(arch: &str) {
    let b = unpack(&layout(), arch);
    let (uid, gid) = (
        b.runtime["process"]["user"]["uid"].as_u64().unwrap() as u32,
        b.runtime["process"]["user"]["gid"].as_u64().unwrap() as u32,
    );
    assert_eq!(
        b.runtime["process"]["args"],
        serde_json::json!(["/loki-stack-fn"]),
        "{arch}: the image runs the bare binary: KRM mode, ResourceList on stdin"
    );
    assert_ne!(uid, 0, "{arch}: the image must not run as root");
    for (name, input) in inputs() {
        let native = run_raw(&mut Command::new(bin()), &input);
        let image = run_in_image(&b, arch, uid, gid, &[], &input);
        assert_same(&format!("{arch}, {name}"), &image, &native);
        if name == "local overlay" {
            assert_eq!(native.code, 0);
            let text = String::from_utf8(native.stdout.clone()).unwrap();
            assert!(
                text.starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
                    && text.matches("\n  kind: ").count() >= 16,
                "{arch}: the local overlay renders a whole stack:\n{text}"
            );
        }
    }
    // kpt and kustomize run container functions with `--user nobody`, kpt fn doc with --help.
    let (uid, gid) = passwd_user(&b.rootfs, "nobody");
    assert_eq!((uid, gid), (65534, 65534));
    let local = &inputs()[0].1;
    let native = run_raw(&mut Command::new(bin()), local);
    assert_same(
        &format!("{arch}, local overlay as nobody"),
        &run_in_image(&b, arch, uid, gid, &[], local),
        &native,
    );
    let help = run_raw(Command::new(bin()).arg("--help"), b"");
    assert_same(
        &format!("{arch}, --help"),
        &run_in_image(&b, arch, uid, gid, &["--help"], b""),
        &help,
    );
}

#[test]
fn amd64_image_renders_byte_for_byte_what_the_native_binary_renders() {
    entrypoint_output_matches_the_native_binary("amd64");
}

#[test]
fn arm64_image_under_qemu_renders_byte_for_byte_what_the_native_binary_renders() {
    entrypoint_output_matches_the_native_binary("arm64");
}

#[test]
fn index_lists_amd64_and_arm64_and_skopeo_resolves_it() {
    let layout = layout();
    let tag = tag();
    let (digest, manifests) = image_index(&layout);
    let arches: Vec<&str> = manifests.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(arches, ARCHES);
    let index = blob(&layout, &digest);
    for (m, arch) in index["manifests"].as_array().unwrap().iter().zip(ARCHES) {
        assert_eq!(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
        assert_eq!(m["platform"]["os"], "linux");
        // The same manifest is tagged per architecture (what the tests unpack).
        assert_eq!(
            tagged(&layout, &format!("{tag}-{arch}"))["digest"],
            m["digest"]
        );
    }
    // The blob's name is its digest.
    assert_eq!(
        format!("sha256:{}", sha256_hex(&blob_path(&layout, &digest))),
        digest
    );
    let reference = format!("oci:{}:{tag}", layout.display());
    let raw = run(
        cmd(tool("skopeo")).args(["inspect", "--raw", &reference]),
        None,
    )
    .ok();
    assert_eq!(
        raw.stdout.as_bytes(),
        std::fs::read(blob_path(&layout, &digest)).unwrap(),
        "skopeo reads the tag {tag} as the index"
    );
    for arch in ARCHES {
        let seen: Value = serde_json::from_str(
            &run(
                cmd(tool("skopeo")).args([
                    "inspect",
                    "--override-os",
                    "linux",
                    "--override-arch",
                    arch,
                    &reference,
                ]),
                None,
            )
            .ok()
            .stdout,
        )
        .unwrap();
        assert_eq!(
            seen["Architecture"], arch,
            "skopeo picks {arch} from the index"
        );
        assert_eq!(seen["Os"], "linux");
        assert_eq!(seen["Labels"]["org.opencontainers.image.version"], tag);
    }
}

fn cargo_repository() -> String {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    cargo
        .lines()
        .find_map(|l| l.strip_prefix("repository = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap()
        .to_owned()
}

#[test]
fn config_runs_the_function_as_a_numeric_non_root_user_with_labels() {
    let layout = layout();
    let tag = tag();
    let (_, manifests) = image_index(&layout);
    for (arch, digest) in manifests {
        let manifest = blob(&layout, &digest);
        let config = blob(&layout, manifest["config"]["digest"].as_str().unwrap());
        assert_eq!(config["architecture"], arch);
        assert_eq!(config["os"], "linux");
        let c = &config["config"];
        assert_eq!(
            c["Entrypoint"],
            serde_json::json!(["/loki-stack-fn"]),
            "{arch}"
        );
        assert!(c["Cmd"].is_null(), "{arch}: no arguments: KRM mode");
        let user = c["User"].as_str().unwrap();
        let ids: Vec<u32> = user
            .split(':')
            .map(|p| {
                p.parse()
                    .unwrap_or_else(|_| panic!("{arch}: user {user} is not numeric"))
            })
            .collect();
        assert_eq!(ids.len(), 2, "{arch}: uid:gid, got {user}");
        assert!(ids.iter().all(|&id| id != 0), "{arch}: user {user} is root");

        let labels = &c["Labels"];
        let label = |k: &str| {
            labels[k]
                .as_str()
                .unwrap_or_else(|| panic!("{arch}: label {k} missing"))
                .to_owned()
        };
        assert_eq!(label("org.opencontainers.image.title"), "loki-stack-fn");
        assert_eq!(label("org.opencontainers.image.version"), tag);
        assert_eq!(label("org.opencontainers.image.licenses"), "Apache-2.0");
        assert_eq!(label("org.opencontainers.image.source"), cargo_repository());
        assert!(!label("org.opencontainers.image.description").is_empty());
        // The revision is a commit of this repository and `created` is its commit time.
        let revision = label("org.opencontainers.image.revision");
        assert_eq!(revision.len(), 40, "{revision}");
        let when = run(
            cmd("git")
                .current_dir(root())
                .args(["show", "-s", "--format=%cI", &revision]),
            None,
        )
        .ok();
        let created = label("org.opencontainers.image.created");
        assert_eq!(config["created"], created.as_str());
        let epoch = |t: &str| {
            run(cmd("date").args(["-u", "-d", t, "+%s"]), None)
                .ok()
                .stdout
        };
        assert_eq!(
            epoch(&created),
            epoch(when.stdout.trim()),
            "created = commit time"
        );
        for h in config["history"].as_array().unwrap() {
            assert_eq!(h["created"], created.as_str(), "{arch}: history time");
        }
        // kpt's function metadata (Porch reads it from the manifest annotations).
        assert_eq!(label("dev.kpt.fn.meta.types"), "mutator");
        for k in [
            "dev.kpt.fn.meta.description",
            "dev.kpt.fn.meta.documentationurl",
        ] {
            assert!(!label(k).is_empty());
        }
        for (k, v) in labels.as_object().unwrap() {
            assert_eq!(&manifest["annotations"][k], v, "{arch}: annotation {k}");
        }
    }
}

#[test]
fn each_architecture_holds_only_the_static_binary_and_passwd_and_fits_in_8_mb() {
    let layout = layout();
    let (_, manifests) = image_index(&layout);
    for (arch, digest) in manifests {
        let manifest = blob(&layout, &digest);
        let size = |d: &Value| d["size"].as_u64().unwrap();
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1, "{arch}: one layer");
        assert_eq!(
            layers[0]["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        let compressed = std::fs::metadata(blob_path(&layout, &digest))
            .unwrap()
            .len()
            + size(&manifest["config"])
            + layers.iter().map(size).sum::<u64>();
        assert!(
            compressed <= MAX_COMPRESSED,
            "{arch}: {compressed} bytes compressed, over the {MAX_COMPRESSED} target"
        );
        // A valid tar (GNU tar reads it to the end) with exactly these entries.
        let listing = run(
            cmd("tar")
                .args(["--list", "--verbose", "--numeric-owner", "--gzip", "--file"])
                .arg(blob_path(&layout, layers[0]["digest"].as_str().unwrap())),
            None,
        )
        .ok()
        .stdout;
        let entries: Vec<(String, String, String)> = listing
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f[0].to_owned(), f[1].to_owned(), f[5].to_owned())
            })
            .collect();
        let want = [
            ("drwxr-xr-x", "0/0", "etc/"),
            ("-rw-r--r--", "0/0", "etc/group"),
            ("-rw-r--r--", "0/0", "etc/passwd"),
            ("-rwxr-xr-x", "0/0", "loki-stack-fn"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(entries, want, "{arch}: layer contents\n{listing}");

        // Static: an ELF executable for the right machine with no program interpreter.
        let b = unpack(&layout, &arch);
        let elf = std::fs::read(b.rootfs.join("loki-stack-fn")).unwrap();
        assert_eq!(&elf[..5], b"\x7fELF\x02", "{arch}: 64-bit ELF");
        let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]);
        let machine = u16_at(0x12);
        assert_eq!(
            machine,
            match arch.as_str() {
                "amd64" => 0x3e,
                _ => 0xb7,
            },
            "{arch}: ELF machine"
        );
        let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
        let (phentsize, phnum) = (u16_at(0x36) as usize, u16_at(0x38) as usize);
        for i in 0..phnum {
            let o = phoff + i * phentsize;
            let p_type = u32::from_le_bytes(elf[o..o + 4].try_into().unwrap());
            assert_ne!(p_type, 3, "{arch}: PT_INTERP: the binary is not static");
        }
        let passwd = std::fs::read_to_string(b.rootfs.join("etc/passwd")).unwrap();
        assert!(
            passwd.lines().all(|l| l.ends_with(":/sbin/nologin")),
            "no login shell (and there is no shell in the image):\n{passwd}"
        );
    }
}

/// tools/build-image.sh into a fresh directory; its stdout.
fn build_image(dir: &Path, epoch: Option<&str>) -> String {
    let mut c = cmd(root().join("tools/build-image.sh"));
    c.current_dir(root()).arg(dir);
    if let Some(e) = epoch {
        c.env("SOURCE_DATE_EPOCH", e);
    }
    run(&mut c, None).ok().stdout
}

/// Every file below `dir`: relative path -> bytes, in path order.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn two_builds_are_byte_identical_and_time_comes_from_source_date_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let first = build_image(&a, None);
    let second = build_image(&b, None);
    let (digest_a, manifests_a) = image_index(&a);
    let (digest_b, manifests_b) = image_index(&b);
    assert_eq!(digest_a, digest_b, "index digest");
    assert_eq!(manifests_a, manifests_b, "manifest digests");
    assert!(
        files(&a) == files(&b),
        "every blob and index.json byte-identical"
    );
    assert!(
        first.contains(&digest_a) && second.contains(&digest_b),
        "the build prints the index digest:\n{first}"
    );
    // A different SOURCE_DATE_EPOCH gives another image: the time in it is that and nothing else.
    let c = tmp.path().join("c");
    build_image(&c, Some("1700000000"));
    let (digest_c, manifests_c) = image_index(&c);
    assert_ne!(digest_c, digest_a);
    let manifest = blob(&c, &manifests_c[0].1);
    let config = blob(&c, manifest["config"]["digest"].as_str().unwrap());
    assert_eq!(config["created"], "2023-11-14T22:13:20Z");
}

/// A throwaway registry (Debian's docker-registry) on 127.0.0.1, killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_registry() -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
    let child = cmd(tool("docker-registry"))
        .arg("serve")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let registry = Registry {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the registry did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    registry
}

#[test]
fn the_printed_push_command_pushes_both_architectures_with_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let built = tmp.path().join("oci");
    let printed = build_image(&built, None);
    let push = printed
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("skopeo copy --all "))
        .unwrap_or_else(|| panic!("no push command printed:\n{printed}"));
    assert!(
        push.ends_with(&format!("docker://REGISTRY/loki-stack-fn:{}", tag())),
        "{push}"
    );
    let registry = start_registry();
    let host = format!("127.0.0.1:{}", registry.port);
    // Exactly the printed command, with a registry and plain HTTP (it is on loopback).
    let args: Vec<String> = push
        .replace("REGISTRY", &host)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(args[0], "skopeo");
    let mut c = cmd(tool("skopeo"));
    c.args(&args[1..3])
        .arg("--dest-tls-verify=false")
        .args(&args[3..]);
    run(&mut c, None).ok();

    let (digest, manifests) = image_index(&built);
    let pushed = format!("docker://{host}/loki-stack-fn");
    let raw = |reference: &str| {
        run(
            cmd(tool("skopeo")).args(["inspect", "--raw", "--tls-verify=false", reference]),
            None,
        )
        .ok()
        .stdout
    };
    assert_eq!(
        raw(&format!("{pushed}:{}", tag())).as_bytes(),
        std::fs::read(blob_path(&built, &digest)).unwrap(),
        "the registry serves the same index (same digest)"
    );
    for (arch, m) in manifests {
        assert_eq!(
            raw(&format!("{pushed}@{m}")).as_bytes(),
            std::fs::read(blob_path(&built, &m)).unwrap(),
            "the registry serves the {arch} manifest under its digest"
        );
    }
}

/// `c` with tests/docker-shim first on PATH (the `docker` that kpt and kustomize call runs
/// the image from the layout: see the script) and no `loki-stack-fn` binary on PATH, so
/// only the image can render.
fn with_docker_shim<'a>(c: &'a mut Command, log: &Path) -> &'a mut Command {
    let mut dirs = vec![root().join("tests/docker-shim")];
    dirs.extend(std::env::split_paths(&path_env()).filter(|d| !d.join("loki-stack-fn").exists()));
    c.env("PATH", std::env::join_paths(dirs).unwrap())
        .env("DOCKER_SHIM_LAYOUT", layout())
        .env("DOCKER_SHIM_LOG", log)
}

/// The runner's `docker run` calls: with the image's name, no network, as nobody.
#[track_caller]
fn assert_ran_the_image_as_nobody(log: &Path) {
    let calls = std::fs::read_to_string(log).unwrap_or_default();
    let image = format!("registry.example.com/loki-stack-fn:{}", tag());
    let runs: Vec<&str> = calls
        .lines()
        .filter(|l| l.starts_with("docker run "))
        .collect();
    assert_eq!(runs.len(), 1, "one docker run:\n{calls}");
    assert!(
        runs[0].contains(" --network none ")
            && runs[0].contains(" --user nobody ")
            && runs[0].ends_with(&format!(" {image}")),
        "{}",
        runs[0]
    );
}

#[test]
fn kpt_renders_with_the_image_kptfile_what_it_renders_with_exec() {
    let tmp = tempfile::tempdir().unwrap();
    let (exec_pkg, image_pkg) = (tmp.path().join("exec"), tmp.path().join("image"));
    copy_dir(&stack_dir().join("base"), &exec_pkg);
    copy_dir(&stack_dir().join("base"), &image_pkg);
    // As the README says: the image variant copied over the Kptfile.
    std::fs::copy(image_pkg.join("Kptfile.image"), image_pkg.join("Kptfile")).unwrap();
    let render = |c: &mut Command, flags: &[&str], pkg: &Path| {
        let out = run(
            c.args(["fn", "render", "--truncate-output=false"])
                .args(flags)
                .arg(pkg),
            None,
        )
        .ok();
        assert!(
            out.stderr
                .contains("rendered 25 objects for LokiStack/loki"),
            "{}",
            out.stderr
        );
    };
    render(&mut cmd(tool("kpt")), &["--allow-exec"], &exec_pkg);
    let log = tmp.path().join("docker.log");
    render(
        with_docker_shim(&mut cmd(tool("kpt")), &log),
        &[],
        &image_pkg,
    );
    assert_ran_the_image_as_nobody(&log);

    let tree = |dir: &Path| -> Vec<(PathBuf, String)> {
        read_tree(dir)
            .into_iter()
            .map(|(p, text)| (p.strip_prefix(dir).unwrap().to_path_buf(), text))
            .filter(|(p, _)| p != Path::new("Kptfile"))
            .collect()
    };
    let (with_exec, with_image) = (tree(&exec_pkg), tree(&image_pkg));
    assert!(with_exec.len() > 16, "{} files", with_exec.len());
    assert!(
        with_exec == with_image,
        "the package differs after rendering with the image"
    );
}

#[test]
fn kustomize_renders_with_the_container_component_what_it_renders_with_exec() {
    // A kustomization beside the repo's (kustomize accepts only relative paths): the local
    // overlay's LokiStack with components/container-image, as the README shows.
    let tmp = tempfile::tempdir_in(root().join("target")).unwrap();
    let up = "../../../kubernetes/observability/loki-stack";
    std::fs::create_dir(tmp.path().join("config")).unwrap();
    std::fs::write(
        tmp.path().join("config/kustomization.yaml"),
        format!("resources:\n- {up}/overlays/local/config\ncomponents:\n- {up}/components/container-image\n"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "generators:\n- config\ncomponents:\n- ../../kubernetes/observability/loki-stack/components/render-guard\n",
    )
    .unwrap();
    let log = tmp.path().join("docker.log");
    let with_image = run(
        with_docker_shim(&mut cmd(tool("kustomize")), &log)
            .args(["build", "--enable-alpha-plugins"])
            .arg(tmp.path()),
        None,
    )
    .ok();
    assert_ran_the_image_as_nobody(&log);
    let with_exec = run(
        cmd(tool("kustomize"))
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(stack_dir().join("overlays/local")),
        None,
    )
    .ok();
    assert!(with_exec.stdout.matches("\nkind: ").count() >= 15);
    assert!(
        with_image.stdout == with_exec.stdout,
        "kustomize prints something else with the image"
    );
}
