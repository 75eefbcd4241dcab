//! Tests of the gateway config (kept apart from the model and builder).
use super::*;

fn resolve(spec: &str) -> Resolved {
    let text = format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{spec}"
    );
    let doc: serde_json::Value = crate::yaml::from_str(&text).unwrap();
    crate::spec::parse(&doc).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

const CLOUD: &str = "  profile: cloud\n  retention: {period: 7d}\n  storage: {s3: {bucket: example-loki-chunks, region: eu-west-1}}\n";
const AUTH: &str = "  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n";

fn distributed(extra: &str) -> Resolved {
    resolve(&format!("{CLOUD}{extra}"))
}

fn simple_scalable(extra: &str) -> Resolved {
    resolve(&format!("{CLOUD}  mode: SimpleScalable\n{extra}"))
}

fn single_binary(extra: &str) -> Resolved {
    resolve(&format!(
        "  profile: local\n  retention: {{period: 72h}}\n  gateway: {{enabled: true}}\n{extra}"
    ))
}

/// The Service name a path is routed to, or None.
fn service_of(r: &Resolved, path: &str) -> Option<String> {
    let route = routes(r).into_iter().find(|x| x.path == path)?;
    let host = route
        .backend
        .strip_prefix("http://")?
        .strip_suffix(":3100")?
        .to_owned();
    let suffix = format!(".{}.svc.{}", r.namespace, r.cluster_domain);
    Some(host.strip_suffix(&suffix)?.to_owned())
}

#[track_caller]
fn assert_routes(r: &Resolved, paths: &[&str], service: &str) {
    for p in paths {
        assert_eq!(service_of(r, p).as_deref(), Some(service), "{p}");
    }
}

#[test]
fn distributed_routes_each_api_to_its_component() {
    let r = distributed("  ruler: {enabled: true}\n");
    assert_routes(&r, &PUSH_PATHS, "loki-distributor");
    assert_routes(&r, &COMPACTOR_PATHS, "loki-compactor");
    assert_routes(&r, &RULER_PATHS, "loki-ruler");
    assert_routes(&r, &RULER_PREFIXES, "loki-ruler");
    for p in NOT_ROUTED {
        assert_eq!(service_of(&r, p), None, "{p}");
    }
    assert_routes(&r, &TAIL_PATHS, "loki-query-frontend");
    assert_routes(&r, &QUERY_PREFIXES, "loki-query-frontend");
}

#[test]
fn simple_scalable_routes_to_write_read_and_backend() {
    let r = simple_scalable("  ruler: {enabled: true}\n");
    assert_routes(&r, &PUSH_PATHS, "loki-write");
    assert_routes(&r, &COMPACTOR_PATHS, "loki-backend");
    assert_routes(&r, &RULER_PATHS, "loki-backend");
    assert_routes(&r, &TAIL_PATHS, "loki-read");
    assert_routes(&r, &QUERY_PREFIXES, "loki-read");
    for p in NOT_ROUTED {
        assert_eq!(service_of(&r, p), None, "{p}");
    }
}

#[test]
fn single_binary_routes_everything_to_loki() {
    let r = single_binary("  ruler: {enabled: true}\n");
    for route in routes(&r) {
        assert_eq!(
            service_of(&r, route.path).as_deref(),
            Some("loki"),
            "{}",
            route.path
        );
    }
    assert_routes(&r, &PUSH_PATHS, "loki");
    assert_routes(&r, &RULER_PATHS, "loki");
}

#[test]
fn rules_are_routed_only_with_a_ruler() {
    let r = distributed("");
    for p in RULER_PATHS.iter().chain(&RULER_PREFIXES) {
        assert_eq!(service_of(&r, p), None, "{p}");
    }
    let conf = render(&r, r.gateway.as_ref().unwrap());
    assert!(!conf.contains("rules"), "{conf}");
}

#[test]
fn every_location_is_unique_and_tails_upgrade() {
    for r in [
        distributed("  ruler: {enabled: true}\n"),
        simple_scalable(""),
        single_binary(""),
    ] {
        let all = routes(&r);
        for (i, a) in all.iter().enumerate() {
            assert!(a.path.starts_with('/'));
            assert_eq!(a.websocket, TAIL_PATHS.contains(&a.path), "{}", a.path);
            for b in all.iter().skip(i + 1) {
                assert!(a.path != b.path || a.kind != b.kind, "{} twice", a.path);
            }
        }
        let conf = render(&r, r.gateway.as_ref().unwrap());
        let mut seen = std::collections::BTreeSet::new();
        for l in conf
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("location"))
        {
            assert!(seen.insert(l.to_owned()), "duplicate {l}");
        }
    }
}

/// The location block of a path, as text.
fn block<'a>(conf: &'a str, header: &str) -> &'a str {
    let start = conf
        .find(header)
        .unwrap_or_else(|| panic!("no {header}\n{conf}"));
    let rest = &conf[start..];
    &rest[..rest.find('}').unwrap()]
}

#[test]
fn auth_lines_only_with_auth() {
    let r = distributed(AUTH);
    let conf = render(&r, r.gateway.as_ref().unwrap());
    assert!(conf.contains("\n    auth_basic \"Loki\";\n"), "{conf}");
    assert!(conf.contains("auth_basic_user_file /etc/nginx/secrets/.htpasswd;"));
    assert!(block(&conf, "location = /loki/api/v1/push").contains("Authorization \"\""));
    // Probes never need credentials.
    assert!(block(&conf, "location = /ready").contains("auth_basic off;"));
    assert!(block(&conf, "location = / {").contains("auth_basic off;"));

    let r = distributed("");
    let conf = render(&r, r.gateway.as_ref().unwrap());
    assert!(!conf.contains("auth_basic \"") && !conf.contains("auth_basic_user_file"));
    assert!(!conf.contains("proxy_set_header Authorization"));
}

#[test]
fn custom_htpasswd_key_is_the_file_read() {
    let r = distributed("  gateway: {auth: {basic: {secretRef: {name: s, htpasswdKey: users}}}}\n");
    let conf = render(&r, r.gateway.as_ref().unwrap());
    assert!(conf.contains("auth_basic_user_file /etc/nginx/secrets/users;"));
}

#[test]
fn the_user_is_the_tenant_only_with_tenancy_and_auth() {
    const SET: &str = "proxy_set_header X-Scope-OrgID $remote_user;";
    // Cloud: tenancy on. Every proxied location, tails included (a location's own
    // proxy_set_header would otherwise drop an inherited one).
    let r = distributed(AUTH);
    let conf = render(&r, r.gateway.as_ref().unwrap());
    let proxied = conf.matches("proxy_pass $").count();
    assert!(proxied >= 8, "{proxied}");
    assert_eq!(conf.matches(SET).count(), proxied, "{conf}");
    assert!(block(&conf, "location = /loki/api/v1/tail").contains(SET));

    // Tenancy without auth: the client's header passes unchanged.
    let r = distributed("");
    assert!(r.tenancy.enabled);
    assert!(!render(&r, r.gateway.as_ref().unwrap()).contains("X-Scope-OrgID"));

    // Auth without tenancy: Loki ignores tenants.
    let r = distributed(&format!("{AUTH}  tenancy: {{enabled: false}}\n"));
    assert!(!render(&r, r.gateway.as_ref().unwrap()).contains("X-Scope-OrgID"));
}

#[test]
fn backends_are_variables_resolved_through_the_resolver() {
    let r = distributed("");
    let gw = r.gateway.as_ref().unwrap();
    let conf = render(&r, gw);
    assert!(conf.contains(&format!("resolver {} valid=10s ipv6=off;", gw.resolver)));
    let host = r.service_host("loki-distributor");
    assert!(conf.contains(&format!("set $backend \"http://{host}:3100\";")));
    assert_eq!(
        conf.matches("proxy_pass $").count(),
        conf.matches("proxy_pass $backend$request_uri;").count()
    );
    assert!(conf.contains("listen 8080;"));
    assert!(conf.contains("pid /tmp/nginx.pid;"));
    assert!(block(&conf, "location = /loki/api/v1/tail").contains("Upgrade $http_upgrade"));
    assert!(!block(&conf, "location = /loki/api/v1/push").contains("Upgrade"));
}

#[test]
fn bare_prefixes_are_not_found_instead_of_redirected() {
    let r = distributed("  ruler: {enabled: true}\n");
    let conf = render(&r, r.gateway.as_ref().unwrap());
    assert!(block(&conf, "location = /loki/api/v1 {").contains("return 404;"));
    assert!(block(&conf, "location = /api/prom {").contains("return 404;"));
    // An exact route of the same path is not shadowed.
    assert!(block(&conf, "location = /loki/api/v1/rules {").contains("proxy_pass"));
    assert!(block(&conf, "location / {").contains("return 404;"));
}

#[test]
fn output_is_deterministic() {
    for extra in ["", AUTH, "  ruler: {enabled: true}\n"] {
        let a = distributed(extra);
        let b = distributed(extra);
        assert_eq!(
            render(&a, a.gateway.as_ref().unwrap()),
            render(&b, b.gateway.as_ref().unwrap())
        );
        assert_eq!(routes(&a), routes(&b));
    }
}
