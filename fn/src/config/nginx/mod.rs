//! The gateway's nginx.conf: which Loki Service answers which API path, per mode.
//!
//! nginx has no schema to serialize into, so the routing is a typed list ([`Route`])
//! and [`render`] is the only code that writes nginx syntax. Everything it interpolates
//! comes from validated values (Service names, the resolver, the htpasswd key), so no
//! user input can add directives.
//!
//! Choices that matter in production:
//! - Backends are set through a variable (`set $backend ...; proxy_pass
//!   $backend$request_uri;`): nginx then resolves Service names per request through
//!   `resolver` instead of once at startup, so it starts before Loki's Services exist
//!   and follows their ClusterIPs if a Service is re-created.
//! - `proxy_set_header` in a location replaces (does not add to) the headers set at an
//!   outer level, so every proxied location carries its complete header list. A tail
//!   location that forgot `X-Scope-OrgID` would let a client pick any tenant.
//! - With basic auth and tenancy, the authenticated user *is* the tenant: the gateway
//!   overwrites the client's `X-Scope-OrgID` (as the upstream chart does). Without auth
//!   the client's header passes through unchanged (cluster-internal clients only:
//!   exposure requires auth).

use crate::contract as names;
use crate::spec::Resolved;
use crate::spec::resolved::{Gateway, Part};
use crate::spec::types::Mode;

/// The port nginx listens on: the unprivileged image cannot bind below 1024.
pub const LISTEN_PORT: u16 = 8080;
/// nginx runs as this UID/GID in the nginx-unprivileged image.
pub const UID: i64 = 101;
/// Where the ConfigMap is mounted; nginx reads `nginx.conf` from here.
pub const CONFIG_DIR: &str = "/etc/nginx";
pub const CONFIG_FILE: &str = "nginx.conf";
/// Where the htpasswd Secret is mounted (only its htpasswd key).
pub const SECRETS_DIR: &str = "/etc/nginx/secrets";
/// Health endpoint for the kubelet's probes: answered by nginx itself, no auth.
pub const READY_PATH: &str = "/ready";

/// Push APIs (Loki native, legacy Prometheus-style, OpenTelemetry).
pub const PUSH_PATHS: [&str; 3] = ["/loki/api/v1/push", "/api/prom/push", "/otlp/v1/logs"];
/// Live tail: websockets, so the Upgrade handshake must be forwarded.
pub const TAIL_PATHS: [&str; 2] = ["/loki/api/v1/tail", "/api/prom/tail"];
/// Query API prefixes (everything below them not routed more specifically).
pub const QUERY_PREFIXES: [&str; 2] = ["/loki/api/v1/", "/api/prom/"];
/// Log deletion and the cache generation numbers the queriers poll: the compactor.
pub const COMPACTOR_PATHS: [&str; 2] = [
    "/loki/api/v1/delete",
    "/loki/api/v1/cache/generation_numbers",
];
/// Admin pages that can change the cluster (ring "forget", flush, shutdown) are never
/// routed: reach them with `kubectl port-forward`, not through an exposed gateway.
pub const NOT_ROUTED: [&str; 8] = [
    "/ring",
    "/flush",
    "/ingester/shutdown",
    "/distributor/ring",
    "/compactor/ring",
    "/ruler/ring",
    "/indexgateway/ring",
    "/scheduler/ring",
];
/// Ruler APIs: exact paths.
pub const RULER_PATHS: [&str; 4] = [
    "/loki/api/v1/rules",
    "/api/prom/rules",
    "/prometheus/api/v1/rules",
    "/prometheus/api/v1/alerts",
];
/// Ruler APIs: prefixes (a rule group's namespace and name follow).
pub const RULER_PREFIXES: [&str; 2] = ["/loki/api/v1/rules/", "/api/prom/rules/"];

/// How a location matches the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `location = /path`: exactly this path (the query string is not part of it).
    Exact,
    /// `location ^~ /path/`: this prefix; the longest prefix wins and no regex
    /// location can take over.
    Prefix,
}

/// One location of the gateway: a path and the Loki Service that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub kind: Kind,
    pub path: &'static str,
    /// `http://<service>.<namespace>.svc.<clusterDomain>:3100`.
    pub backend: String,
    /// Forward the websocket Upgrade handshake (live tail).
    pub websocket: bool,
}

/// In-cluster URL of a part's Service, Loki's HTTP port.
pub fn backend(r: &Resolved, part: Part) -> String {
    format!(
        "http://{}:{}",
        r.service_host(&part.service()),
        names::LOKI_HTTP_PORT
    )
}

/// The parts that serve the compactor and ruler APIs in a mode.
fn owners(mode: Mode) -> (Part, Part) {
    match mode {
        Mode::SingleBinary => (Part::SingleBinary, Part::SingleBinary),
        Mode::SimpleScalable => (Part::Backend, Part::Backend),
        Mode::Distributed => (Part::Compactor, Part::Ruler),
    }
}

/// Every Loki API path the gateway forwards, to the Service that serves it in the
/// stack's mode. Order is fixed (output is byte-identical for the same input); nginx
/// itself picks exact matches first, then the longest prefix, whatever the order.
pub fn routes(r: &Resolved) -> Vec<Route> {
    // A gateway fronts the Loki of the stack; an agent runs neither.
    let (Some(mode), Some(push), Some(query)) = (r.mode(), r.push_part(), r.query_part()) else {
        return Vec::new();
    };
    let (compactor, ruler) = owners(mode);
    let push = backend(r, push);
    let query = backend(r, query);
    let compactor = backend(r, compactor);
    let ruler = backend(r, ruler);

    let exact = |path: &'static str, to: &str| Route {
        kind: Kind::Exact,
        path,
        backend: to.to_owned(),
        websocket: false,
    };
    let prefix = |path: &'static str, to: &str| Route {
        kind: Kind::Prefix,
        ..exact(path, to)
    };

    let mut out: Vec<Route> = PUSH_PATHS.iter().map(|p| exact(p, &push)).collect();
    out.extend(COMPACTOR_PATHS.iter().map(|p| exact(p, &compactor)));

    if r.ruler.is_some() {
        out.extend(RULER_PATHS.iter().map(|p| exact(p, &ruler)));
        out.extend(RULER_PREFIXES.iter().map(|p| prefix(p, &ruler)));
    }

    out.extend(TAIL_PATHS.iter().map(|p| Route {
        websocket: true,
        ..exact(p, &query)
    }));
    out.extend(QUERY_PREFIXES.iter().map(|p| prefix(p, &query)));
    out
}

/// Accumulates indented lines.
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, depth: usize, text: &str) {
        if !text.is_empty() {
            for _ in 0..depth {
                self.text.push_str("  ");
            }
            self.text.push_str(text);
        }
        self.text.push('\n');
    }
}

/// `location` header of a route.
fn location(kind: Kind, path: &str) -> String {
    match kind {
        Kind::Exact => format!("location = {path} {{"),
        Kind::Prefix => format!("location ^~ {path} {{"),
    }
}

/// nginx.conf of the gateway. Byte-identical for the same input.
pub fn render(r: &Resolved, gw: &Gateway) -> String {
    let auth = gw.auth.as_ref();
    let tenant_is_user = auth.is_some() && r.tenancy.enabled;
    let routes = routes(r);
    let mut w = Writer {
        text: String::with_capacity(8192),
    };

    w.line(
        0,
        "# The Loki gateway, generated by loki-stack-fn: change the LokiStack, not this file.",
    );
    // A proxy is I/O bound: two workers use a second core without a big footprint.
    w.line(0, "worker_processes 2;");
    w.line(0, "worker_rlimit_nofile 8192;");
    w.line(0, "error_log /dev/stderr warn;");
    // The root filesystem is read-only: everything nginx writes goes to the /tmp emptyDir.
    w.line(0, "pid /tmp/nginx.pid;");
    w.line(0, "");
    w.line(0, "events {");
    w.line(1, "worker_connections 4096;");
    w.line(0, "}");
    w.line(0, "");
    w.line(0, "http {");
    for (directive, dir) in [
        ("client_body_temp_path", "client_temp"),
        ("proxy_temp_path", "proxy_temp"),
        ("fastcgi_temp_path", "fastcgi_temp"),
        ("uwsgi_temp_path", "uwsgi_temp"),
        ("scgi_temp_path", "scgi_temp"),
    ] {
        w.line(1, &format!("{directive} /tmp/{dir};"));
    }
    w.line(0, "");
    w.line(1, "server_tokens off;");
    w.line(1, "default_type text/plain;");
    w.line(
        1,
        "# Promtail batches are at most 1 MiB by default; room for bigger batches and OTLP.",
    );
    w.line(1, "client_max_body_size 8m;");
    w.line(1, "# Long range queries and live tails stay open.");
    w.line(1, "proxy_read_timeout 600s;");
    w.line(1, "proxy_send_timeout 600s;");
    w.line(
        1,
        "# A connect that takes longer means the Service has no ready endpoint.",
    );
    w.line(1, "proxy_connect_timeout 30s;");
    w.line(1, "proxy_http_version 1.1;");
    w.line(0, "");
    w.line(
        1,
        "# No headers in the log: the Authorization header carries the password.",
    );
    w.line(
        1,
        "log_format gateway '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent $request_time \"$http_user_agent\"';",
    );
    w.line(1, "access_log /dev/stdout gateway;");
    w.line(0, "");
    w.line(
        1,
        "# Service names are resolved per request (proxy_pass with a variable).",
    );
    w.line(1, &format!("resolver {} valid=10s ipv6=off;", gw.resolver));
    w.line(1, "resolver_timeout 5s;");
    w.line(0, "");
    w.line(1, "map $http_upgrade $connection_upgrade {");
    w.line(2, "default upgrade;");
    w.line(2, "\"\" close;");
    w.line(1, "}");
    w.line(0, "");
    w.line(1, "server {");
    w.line(2, &format!("listen {LISTEN_PORT};"));
    if let Some(a) = auth {
        w.line(2, "auth_basic \"Loki\";");
        w.line(
            2,
            &format!("auth_basic_user_file {SECRETS_DIR}/{};", a.htpasswd_key),
        );
    }
    w.line(0, "");
    w.line(2, "location = / {");
    w.line(3, "auth_basic off;");
    w.line(3, "return 200 'OK';");
    w.line(2, "}");
    w.line(2, &format!("location = {READY_PATH} {{"));
    w.line(3, "auth_basic off;");
    w.line(3, "access_log off;");
    w.line(3, "return 200 \"ready\\n\";");
    w.line(2, "}");

    for route in &routes {
        w.line(0, "");
        w.line(2, &location(route.kind, route.path));
        w.line(3, &format!("set $backend \"{}\";", route.backend));
        if route.websocket {
            w.line(3, "proxy_set_header Upgrade $http_upgrade;");
            w.line(3, "proxy_set_header Connection $connection_upgrade;");
        }
        if tenant_is_user {
            w.line(3, "proxy_set_header X-Scope-OrgID $remote_user;");
        }
        if auth.is_some() {
            // Loki does not need the password; do not hand it on.
            w.line(3, "proxy_set_header Authorization \"\";");
        }
        w.line(3, "proxy_pass $backend$request_uri;");
        w.line(2, "}");
    }

    // nginx answers a prefix without its trailing slash (`/loki/api/v1`) with a 301 to
    // the prefix; such paths are no API, so they get the 404 of every unknown path.
    let bare: Vec<&str> = routes
        .iter()
        .filter(|p| p.kind == Kind::Prefix)
        .filter_map(|p| p.path.strip_suffix('/'))
        .filter(|b| !routes.iter().any(|e| e.kind == Kind::Exact && e.path == *b))
        .collect();
    for b in bare {
        w.line(0, "");
        w.line(2, &format!("location = {b} {{"));
        w.line(3, "return 404;");
        w.line(2, "}");
    }

    w.line(0, "");
    w.line(2, "# Anything else is no Loki API this gateway serves.");
    w.line(2, "location / {");
    w.line(3, "return 404;");
    w.line(2, "}");
    w.line(1, "}");
    w.line(0, "}");

    w.text
}

#[cfg(test)]
mod tests;
