//! The gateway's nginx.conf, as the release binary renders it, run by the real nginx:
//! `nginx -t` accepts it, and a running nginx in front of fake Loki Services sends
//! every Loki API path to the right Service, asks for the password, makes the user
//! the tenant, and answers probes and unknown paths itself.
//!
//! Only what the test machine lacks is changed in the config before nginx reads it,
//! and each change is counted so it cannot hide anything else:
//! - `resolver`: nginx resolves the resolver's own name at startup, and there is no
//!   kube-dns here (127.0.0.1 instead; the backends become IP addresses, which need
//!   no resolver);
//! - `/tmp/...` (pid, temp files) to a private directory, the htpasswd path to a test
//!   file, `listen 8080` to a free loopback port, Service URLs to fake backends.
//!
//! Everything stays on 127.0.0.1; every socket has a timeout and every wait a bound.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{docs, run, run_fn, tool};
use serde_json::Value;

const CLOUD: &str = "apiVersion: lokistack.krm.dev/v1alpha1
kind: LokiStack
metadata: {name: loki}
spec:
  profile: cloud
  retention: {period: 7d}
  storage: {s3: {bucket: example-loki-chunks, region: eu-west-1}}
";
const AUTH: &str = "  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n";
const PASSWORD: &str = "s3cret-pw";
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A stack to render, and what its gateway must do.
struct Case {
    name: &'static str,
    config: String,
    auth: bool,
    /// Loki's tenancy (cloud: on).
    tenancy: bool,
    /// (request path, the Service that must answer it).
    routes: Vec<(&'static str, &'static str)>,
}

/// Paths every mode serves, and which of the mode's Services answers them:
/// (push, query, compactor, ingester).
fn common_routes(
    push: &'static str,
    query: &'static str,
    compactor: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("/loki/api/v1/push", push),
        ("/api/prom/push", push),
        ("/otlp/v1/logs", push),
        (
            "/loki/api/v1/query_range?query=%7Bapp%3D%22x%22%7D&limit=10",
            query,
        ),
        ("/loki/api/v1/query?query=1", query),
        ("/loki/api/v1/labels", query),
        ("/loki/api/v1/label/namespace/values", query),
        ("/loki/api/v1/series", query),
        ("/loki/api/v1/index/stats", query),
        ("/loki/api/v1/tail?query=%7Bapp%3D%22x%22%7D", query),
        ("/api/prom/query", query),
        ("/api/prom/label", query),
        ("/api/prom/tail", query),
        ("/loki/api/v1/delete?query=%7Bapp%3D%22x%22%7D", compactor),
        ("/loki/api/v1/cache/generation_numbers", compactor),
    ]
}

fn ruler_routes(ruler: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("/loki/api/v1/rules", ruler),
        ("/loki/api/v1/rules/team-a/errors", ruler),
        ("/api/prom/rules", ruler),
        ("/api/prom/rules/team-a", ruler),
        ("/prometheus/api/v1/rules", ruler),
        ("/prometheus/api/v1/alerts", ruler),
    ]
}

fn cases() -> Vec<Case> {
    let distributed = common_routes("loki-distributor", "loki-query-frontend", "loki-compactor");

    let mut with_ruler = distributed.clone();
    with_ruler.extend(ruler_routes("loki-ruler"));

    let mut simple_scalable = common_routes("loki-write", "loki-read", "loki-backend");
    simple_scalable.extend(ruler_routes("loki-backend"));

    let mut single_binary = common_routes("loki", "loki", "loki");
    single_binary.extend(ruler_routes("loki"));

    vec![
        Case {
            name: "distributed, basic auth, tenancy",
            config: format!("{CLOUD}{AUTH}"),
            auth: true,
            tenancy: true,
            routes: distributed.clone(),
        },
        Case {
            name: "distributed, ruler, basic auth, tenancy",
            config: format!("{CLOUD}{AUTH}  ruler: {{enabled: true}}\n"),
            auth: true,
            tenancy: true,
            routes: with_ruler,
        },
        Case {
            name: "distributed, no auth, tenancy",
            config: CLOUD.to_owned(),
            auth: false,
            tenancy: true,
            routes: distributed,
        },
        Case {
            name: "simple scalable, ruler, basic auth, tenancy",
            config: format!("{CLOUD}{AUTH}  mode: SimpleScalable\n  ruler: {{enabled: true}}\n"),
            auth: true,
            tenancy: true,
            routes: simple_scalable,
        },
        Case {
            name: "single binary, ruler, basic auth, no tenancy",
            config: "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec:\n  profile: local\n  retention: {period: 72h}\n  ruler: {enabled: true}\n  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n".to_owned(),
            auth: true,
            tenancy: false,
            routes: single_binary,
        },
    ]
}

/// The real nginx (Debian's), or a failure that says how to get it.
fn nginx() -> PathBuf {
    let debian = Path::new("/usr/sbin/nginx");
    if debian.is_file() {
        return debian.to_path_buf();
    }
    tool("nginx")
}

fn render(config: &str) -> Vec<Value> {
    docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    )
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn nginx_conf(objects: &[Value]) -> String {
    find(objects, "ConfigMap", "loki-gateway")["data"]["nginx.conf"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `text` with `from` replaced by `to`, which must occur exactly `times` times.
#[track_caller]
fn replace(text: &str, from: &str, to: &str, times: usize) -> String {
    assert_eq!(text.matches(from).count(), times, "{from:?} in:\n{text}");
    text.replace(from, to)
}

/// The value of a one-argument directive (`name value;`).
fn directive<'a>(conf: &'a str, name: &str) -> Option<&'a str> {
    conf.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.strip_suffix(';'))
}

/// The config with the test machine's paths, resolver and htpasswd file (see the
/// module comment). Backends and the port are left as rendered.
fn localize(conf: &str, dir: &Path, htpasswd: &Path) -> String {
    let mut c = replace(conf, "/tmp/", &format!("{}/", dir.display()), 6);
    let resolver = directive(&c, "resolver").unwrap().to_owned();
    assert!(resolver.ends_with(" valid=10s ipv6=off"), "{resolver}");
    c = replace(
        &c,
        &format!("resolver {resolver};"),
        "resolver 127.0.0.1 valid=10s ipv6=off;",
        1,
    );
    if let Some(file) = directive(&c, "auth_basic_user_file").map(str::to_owned) {
        c = replace(
            &c,
            &format!("auth_basic_user_file {file};"),
            &format!("auth_basic_user_file {};", htpasswd.display()),
            1,
        );
    }
    c
}

/// `nginx <args> -e stderr -p <dir> -c <conf>`. `user root` keeps workers able to
/// read the private test directory when the tests run as root (nginx ignores it with a
/// warning otherwise).
fn nginx_command(dir: &Path, conf: &Path, globals: &str) -> Command {
    let mut c = Command::new(nginx());
    c.arg("-e")
        .arg("stderr")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(conf)
        .arg("-g")
        .arg(format!("user root; {globals}"));
    c
}

/// The htpasswd line of a user: APR1-MD5 from openssl if there is one, else the
/// `{PLAIN}` scheme nginx also reads.
fn htpasswd_line(user: &str, password: &str) -> String {
    let openssl = Command::new("openssl")
        .args(["passwd", "-apr1", password])
        .stdin(Stdio::null())
        .output();
    match openssl {
        Ok(out) if out.status.success() => {
            let hash = String::from_utf8(out.stdout).unwrap();
            assert!(hash.starts_with("$apr1$"), "{hash}");
            format!("{user}:{}\n", hash.trim())
        }
        _ => format!("{user}:{{PLAIN}}{password}\n"),
    }
}

#[test]
fn nginx_accepts_the_rendered_config() {
    for case in cases() {
        let objects = render(&case.config);
        let conf = nginx_conf(&objects);
        let dir = tempfile::tempdir().unwrap();
        let htpasswd = dir.path().join("htpasswd");
        std::fs::write(&htpasswd, htpasswd_line("cluster", PASSWORD)).unwrap();
        let file = dir.path().join("nginx.conf");
        std::fs::write(&file, localize(&conf, dir.path(), &htpasswd)).unwrap();

        let out = run(nginx_command(dir.path(), &file, "").arg("-t"), None);
        assert_eq!(
            out.code, 0,
            "{}: nginx -t failed:\n{}\n{conf}",
            case.name, out.stderr
        );
        assert!(out.stderr.contains("test is successful"), "{}", out.stderr);
        assert_eq!(
            conf.contains("auth_basic_user_file"),
            case.auth,
            "{}",
            case.name
        );
    }
}

/// `<svc>.<ns>.svc.cluster.local` of every `set $backend "http://...:3100"`.
fn backend_hosts(conf: &str) -> Vec<String> {
    let mut hosts: Vec<String> = conf
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("set $backend \"http://")?
                .strip_suffix(":3100\";")
                .map(str::to_owned)
        })
        .collect();
    hosts.sort();
    hosts.dedup();
    assert!(!hosts.is_empty(), "no backends in:\n{conf}");
    assert_eq!(
        conf.matches("set $backend").count(),
        conf.matches("proxy_pass $backend$request_uri;").count(),
        "every proxied location goes through the variable:\n{conf}"
    );
    hosts
}

#[test]
fn every_backend_is_a_rendered_service_on_lokis_port() {
    for case in cases() {
        let objects = render(&case.config);
        for host in backend_hosts(&nginx_conf(&objects)) {
            let (name, rest) = host.split_once('.').unwrap();
            let (namespace, domain) = rest.split_once('.').unwrap();
            assert_eq!(domain, "svc.cluster.local", "{}: {host}", case.name);
            let svc = objects
                .iter()
                .find(|o| {
                    o["kind"] == "Service"
                        && o["metadata"]["name"] == name
                        && o["metadata"]["namespace"] == namespace
                })
                .unwrap_or_else(|| panic!("{}: {host}: no such Service", case.name));
            assert!(
                svc["spec"]["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["port"] == 3100),
                "{}: {name} has no port 3100",
                case.name
            );
            assert_ne!(svc["spec"]["clusterIP"], "None", "{name}: headless");
        }
    }
}

#[test]
fn the_deployment_runs_the_config_it_is_given() {
    let objects = render(&format!("{CLOUD}{AUTH}"));
    let conf = nginx_conf(&objects);
    let pod = &find(&objects, "Deployment", "loki-gateway")["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let mount = |volume: &str| {
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == volume)
            .unwrap_or_else(|| panic!("no mount {volume}"))["mountPath"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let volume = |name: &str| {
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
            .clone()
    };
    // The image reads /etc/nginx/nginx.conf: the ConfigMap's key, mounted there.
    assert_eq!(mount("config"), "/etc/nginx");
    assert_eq!(volume("config")["configMap"]["name"], "loki-gateway");
    // nginx reads the htpasswd file from the Secret's mounted key.
    let secret = volume("auth");
    let key = secret["secret"]["items"][0]["path"].as_str().unwrap();
    assert_eq!(
        directive(&conf, "auth_basic_user_file"),
        Some(format!("{}/{key}", mount("auth")).as_str())
    );
    // nginx writes its pid and temp files to the writable /tmp only.
    assert_eq!(mount("tmp"), "/tmp");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(directive(&conf, "pid"), Some("/tmp/nginx.pid"));
    // The probes' port is the one nginx listens on, and /ready needs no password.
    assert_eq!(c["ports"][0]["name"], "http");
    assert_eq!(
        directive(&conf, "listen"),
        Some(c["ports"][0]["containerPort"].to_string().as_str())
    );
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/ready");
    let svc = find(&objects, "Service", "loki-gateway");
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], "http");
}

/// What a fake Loki Service saw of one request.
#[derive(Debug)]
struct Seen {
    service: String,
    target: String,
    org_id: String,
    upgrade: String,
    authorization: bool,
    body: String,
}

impl Seen {
    fn parse(body: &str) -> Option<Seen> {
        let mut f: BTreeMap<&str, &str> = BTreeMap::new();
        for line in body.lines() {
            let (k, v) = line.split_once('=')?;
            f.insert(k, v);
        }
        Some(Seen {
            service: f.get("service")?.to_string(),
            target: f.get("target")?.to_string(),
            org_id: f.get("org_id")?.to_string(),
            upgrade: f.get("upgrade")?.to_string(),
            authorization: *f.get("authorization")? == "present",
            body: f.get("body")?.to_string(),
        })
    }
}

/// Reads one HTTP/1.1 message (head and a Content-Length body), at most 1 MiB.
fn read_message(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        assert!(buf.len() < 1 << 20, "request head too large");
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed before the end of the head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = header(&head, "content-length")
        .map(|v| v.parse().unwrap())
        .unwrap_or(0);
    assert!(length < 1 << 20);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed before the end of the body");
        body.extend_from_slice(&chunk[..n]);
    }
    (head, body)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A fake Loki Service on a loopback port: answers 200 with what it received.
fn fake_service(service: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
            stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
            let (head, body) = read_message(&mut stream);
            let target = head.split(' ').nth(1).unwrap_or_default();
            let reply = format!(
                "service={service}\ntarget={target}\norg_id={}\nupgrade={}\nauthorization={}\nbody={}\n",
                header(&head, "x-scope-orgid").unwrap_or("-"),
                header(&head, "upgrade").unwrap_or("-"),
                if header(&head, "authorization").is_some() {
                    "present"
                } else {
                    "absent"
                },
                String::from_utf8_lossy(&body),
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    port
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_encodes_like_rfc_4648() {
    assert_eq!(base64(b"cluster:s3cret-pw"), "Y2x1c3RlcjpzM2NyZXQtcHc=");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
}

#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

/// One request to the gateway over plain HTTP/1.1.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: loki-gateway\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    Reply {
        status,
        body: body.to_owned(),
    }
}

fn basic(user: &str, password: &str) -> (&'static str, String) {
    (
        "Authorization",
        format!("Basic {}", base64(format!("{user}:{password}").as_bytes())),
    )
}

/// A running nginx, killed (and reaped) when dropped, also when a test fails.
struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts nginx in the foreground as one process (`master_process off`: killing the
/// child stops everything), and waits (bounded) until `/ready` answers.
fn start(dir: &Path, conf: &Path, port: u16) -> Running {
    let log = dir.join("nginx.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = nginx_command(dir, conf, "daemon off; master_process off;")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start nginx: {e}"));
    let mut running = Running { child, log };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            panic!("nginx exited ({status}):\n{}", running.log());
        }
        if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1))
            .is_ok()
            && request(port, "GET", "/ready", &[], "").status == 200
        {
            return running;
        }
        assert!(
            Instant::now() < deadline,
            "nginx did not answer /ready within 15s:\n{}",
            running.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Points every `set $backend "http://<svc>.<ns>.svc.cluster.local:3100"` at a fake
/// Service named `<svc>`; returns the config and the Services.
fn fake_backends(conf: &str, namespace: &str) -> (String, Vec<String>) {
    let hosts = backend_hosts(conf);
    let mut out = conf.to_owned();
    let mut services = Vec::new();
    for host in hosts {
        let suffix = format!(".{namespace}.svc.cluster.local");
        let service = host
            .strip_suffix(&suffix)
            .unwrap_or_else(|| panic!("{host}: not a Service of {namespace}"))
            .to_owned();
        let port = fake_service(service.clone());
        out = out.replace(
            &format!("\"http://{host}:3100\""),
            &format!("\"http://127.0.0.1:{port}\""),
        );
        services.push(service);
    }
    assert!(!out.contains(":3100"), "a backend was not replaced:\n{out}");
    (out, services)
}

#[test]
fn nginx_routes_every_loki_api_to_its_service() {
    for case in cases() {
        let name = case.name;
        let objects = render(&case.config);
        let namespace = find(&objects, "Deployment", "loki-gateway")["metadata"]["namespace"]
            .as_str()
            .unwrap()
            .to_owned();
        let conf = nginx_conf(&objects);
        let dir = tempfile::tempdir().unwrap();
        let htpasswd = dir.path().join("htpasswd");
        std::fs::write(
            &htpasswd,
            format!(
                "{}{}",
                htpasswd_line("cluster", PASSWORD),
                htpasswd_line("team-a", PASSWORD)
            ),
        )
        .unwrap();
        let port = free_port();
        let (local, services) = fake_backends(&localize(&conf, dir.path(), &htpasswd), &namespace);
        let local = replace(
            &local,
            "listen 8080;",
            &format!("listen 127.0.0.1:{port};"),
            1,
        );
        let file = dir.path().join("nginx.conf");
        std::fs::write(&file, &local).unwrap();
        let nginx = start(dir.path(), &file, port);

        let creds = || {
            if case.auth {
                vec![basic("team-a", PASSWORD)]
            } else {
                Vec::new()
            }
        };

        // Every API path reaches its Service, path and query string unchanged.
        for (path, service) in &case.routes {
            assert!(
                services.iter().any(|s| s == service),
                "{name}: no {service} backend"
            );
            let push = path.contains("push") || path.starts_with("/otlp/");
            let (method, body) = if push {
                ("POST", "{\"streams\":[]}")
            } else {
                ("GET", "")
            };
            let reply = request(port, method, path, &creds(), body);
            assert_eq!(
                reply.status,
                200,
                "{name}: {path}: {reply:?}\n{}",
                nginx.log()
            );
            let seen = Seen::parse(&reply.body)
                .unwrap_or_else(|| panic!("{name}: {path}: not from a backend: {reply:?}"));
            assert_eq!(&seen.service, service, "{name}: {path}");
            assert_eq!(seen.target, *path, "{name}");
            assert_eq!(seen.body, body, "{name}: {path}");
            // The password stays in the gateway.
            assert!(
                !seen.authorization,
                "{name}: {path}: Authorization reached Loki"
            );
        }

        // Live tail: the websocket handshake reaches the query path.
        let mut tail = creds();
        tail.push(("Upgrade", "websocket".to_owned()));
        tail.push(("Connection", "Upgrade".to_owned()));
        let reply = request(
            port,
            "GET",
            "/loki/api/v1/tail?query=%7Ba%3D%22b%22%7D",
            &tail,
            "",
        );
        assert_eq!(
            Seen::parse(&reply.body).unwrap().upgrade,
            "websocket",
            "{name}"
        );
        let reply = request(port, "GET", "/loki/api/v1/query?query=1", &creds(), "");
        assert_eq!(Seen::parse(&reply.body).unwrap().upgrade, "-", "{name}");

        // Probes need no password; nothing else is served.
        assert_eq!(
            request(port, "GET", "/ready", &[], "").status,
            200,
            "{name}"
        );
        assert_eq!(request(port, "GET", "/ready", &[], "").body, "ready\n");
        assert_eq!(request(port, "GET", "/", &[], "").status, 200, "{name}");
        for unknown in [
            "/metrics",
            "/loki/api/v1",
            "/api/prom",
            "/config",
            "/nope/loki/api/v1/push",
        ]
        .into_iter()
        // Admin pages that change the cluster are not routed (config::nginx::NOT_ROUTED).
        .chain([
            "/ring",
            "/flush",
            "/ingester/shutdown",
            "/distributor/ring",
            "/compactor/ring",
            "/ruler/ring",
            "/indexgateway/ring",
            "/scheduler/ring",
        ]) {
            let reply = request(port, "GET", unknown, &creds(), "");
            assert_eq!(reply.status, 404, "{name}: {unknown}: {reply:?}");
        }

        // The tenant: the user with auth and tenancy, whatever the client claims.
        let claims = |org: &str| {
            let mut h = creds();
            h.push(("X-Scope-OrgID", org.to_owned()));
            h
        };
        for path in [
            "/loki/api/v1/push",
            "/loki/api/v1/query?query=1",
            "/loki/api/v1/tail",
        ] {
            let method = if path.ends_with("push") {
                "POST"
            } else {
                "GET"
            };
            let body = if method == "POST" { "{}" } else { "" };
            let seen =
                Seen::parse(&request(port, method, path, &claims("cluster"), body).body).unwrap();
            let want = match (case.auth, case.tenancy) {
                (true, true) => "team-a",
                // Without auth the client's header passes unchanged (Loki ignores it
                // without tenancy).
                _ => "cluster",
            };
            assert_eq!(seen.org_id, want, "{name}: {path}");
        }

        if case.auth {
            // No password, a wrong password, an unknown user: 401, never a backend.
            for headers in [
                Vec::new(),
                vec![basic("team-a", "wrong")],
                vec![basic("nobody", PASSWORD)],
            ] {
                for (path, _) in &case.routes {
                    let reply = request(port, "GET", path, &headers, "");
                    assert_eq!(reply.status, 401, "{name}: {path}: {headers:?}: {reply:?}");
                    assert!(Seen::parse(&reply.body).is_none());
                }
            }
            let seen = Seen::parse(
                &request(
                    port,
                    "GET",
                    "/loki/api/v1/labels",
                    &[basic("cluster", PASSWORD)],
                    "",
                )
                .body,
            )
            .unwrap();
            assert_eq!(seen.org_id, if case.tenancy { "cluster" } else { "-" });
        } else {
            let seen =
                Seen::parse(&request(port, "GET", "/loki/api/v1/labels", &[], "").body).unwrap();
            assert_eq!(seen.org_id, "-", "{name}");
        }
        drop(nginx);
    }
}
