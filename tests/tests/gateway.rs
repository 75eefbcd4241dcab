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

use e2e::http::{Seen, basic, fake_service, free_port, request};
use e2e::nginx::{
    directive, find, htpasswd_line, localize, nginx_command, nginx_conf, render, replace, start,
};
use e2e::run;

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
