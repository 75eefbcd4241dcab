//! Who may read and write: tenancy, the gateway and its authentication, exposure.
//! Also the optional extras that depend on them: caches and the ruler.

use super::checker::Checker;
use super::retention::retention_of;
use crate::spec::names;
use crate::spec::profile::Defaults;
use crate::spec::resolved::{
    BasicAuth, Cache, Caches, Exposure, Gateway, HttpRoute, Ingress, ParentRef, Ruler, Tenancy,
    Tenant,
};
use crate::spec::sizes;
use crate::spec::types::{Mode, Size, Spec};

/// Loki's tenant id rule: 1 to 150 of `[A-Za-z0-9!-_.*'()]`, not `.` or `..`.
pub fn check_tenant_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 150
        && id != "."
        && id != ".."
        && id.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'!' | b'-' | b'_' | b'.' | b'*' | b'\'' | b'(' | b')')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid tenant id {id:?}: 1 to 150 letters, digits or !-_.*'() (Loki's rule), not \
             \".\" or \"..\""
        ))
    }
}

pub(super) fn tenancy(c: &mut Checker, spec: &Spec, d: &Defaults) -> Tenancy {
    let given = spec.tenancy.clone().unwrap_or_default();
    let enabled = given.enabled.unwrap_or(d.tenancy_enabled);
    let tenant_id = given
        .tenant_id
        .clone()
        .unwrap_or_else(|| d.tenant_id.to_owned());
    c.check("spec.tenancy.tenantId", check_tenant_id(&tenant_id));
    if given.tenant_id.is_some() && !enabled {
        c.error(
            "spec.tenancy.tenantId",
            "tenancy is off (spec.tenancy.enabled: false): Loki ignores tenant ids; set \
             enabled: true or remove tenantId",
        );
    }
    let mut tenants = Vec::new();
    let list = given.tenants.unwrap_or_default();
    if !list.is_empty() && !enabled {
        c.error(
            "spec.tenancy.tenants",
            "tenancy is off (spec.tenancy.enabled: false): per-tenant overrides would never \
             apply; set enabled: true",
        );
    }
    for (i, t) in list.iter().enumerate() {
        let field = format!("spec.tenancy.tenants[{i}]");
        c.check(&format!("{field}.id"), check_tenant_id(&t.id));
        if list.iter().take(i).any(|p| p.id == t.id) {
            c.error(
                &format!("{field}.id"),
                format!("tenant {:?} is listed twice", t.id),
            );
        }
        let retention = t
            .retention
            .as_ref()
            .and_then(|r| retention_of(c, &format!("{field}.retention"), r, None));
        tenants.push(Tenant {
            id: t.id.clone(),
            retention,
        });
    }
    Tenancy {
        enabled,
        tenant_id,
        tenants,
    }
}

pub(super) fn gateway(
    c: &mut Checker,
    spec: &Spec,
    d: &Defaults,
    mode: Mode,
    tenancy: &Tenancy,
    cluster_domain: &str,
) -> Option<Gateway> {
    let given = spec.gateway.clone().unwrap_or_default();
    let exposed = spec
        .exposure
        .as_ref()
        .is_some_and(|e| e.ingress.is_some() || e.http_route.is_some());
    let auth_given = given.auth.as_ref().and_then(|a| a.basic.as_ref()).is_some();
    let enabled = given
        .enabled
        .unwrap_or(mode != Mode::SingleBinary || exposed || auth_given);
    if !enabled {
        if exposed {
            c.error(
                "spec.gateway.enabled",
                "false, but spec.exposure needs the gateway: only the gateway is ever exposed",
            );
        }
        if auth_given {
            c.error(
                "spec.gateway.enabled",
                "false, but spec.gateway.auth is set: authentication happens in the gateway",
            );
        }
        if given.image.is_some() || given.resources.is_some() || given.resolver.is_some() {
            c.error(
                "spec.gateway.enabled",
                "the gateway is off, so image/resources/resolver do not apply; set enabled: \
                 true or remove them",
            );
        }
        return None;
    }
    let image = given
        .image
        .clone()
        .unwrap_or_else(|| d.gateway_image.to_owned());
    c.check("spec.gateway.image", names::check_image(&image));
    // The cluster's DNS Service, under the cluster's own domain.
    let resolver = given
        .resolver
        .clone()
        .unwrap_or_else(|| format!("{}{cluster_domain}.", d.gateway_resolver_prefix));
    if resolver.is_empty()
        || !resolver
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        c.error(
            "spec.gateway.resolver",
            format!(
                "invalid resolver {resolver:?}: a DNS server's name or address, e.g. \
                 \"kube-dns.kube-system.svc.cluster.local.\""
            ),
        );
    }
    let auth = given
        .auth
        .and_then(|a| a.basic)
        .and_then(|b| basic_auth(c, &b, tenancy));
    Some(Gateway {
        image,
        resolver,
        auth,
    })
}

fn basic_auth(
    c: &mut Checker,
    b: &crate::spec::types::BasicAuthSpec,
    tenancy: &Tenancy,
) -> Option<BasicAuth> {
    let field = "spec.gateway.auth.basic";
    let Some(r) = &b.secret_ref else {
        c.error(
            &format!("{field}.secretRef"),
            "required: the Secret holding the htpasswd file (key .htpasswd) and the clients' \
             password (key password)",
        );
        return None;
    };
    let name = match r.name.as_deref() {
        None | Some("") => {
            c.error(
                &format!("{field}.secretRef.name"),
                "required: the Secret's name",
            );
            None
        }
        Some(n) => c
            .check(
                &format!("{field}.secretRef.name"),
                names::check_dns_label(n),
            )
            .map(|()| n.to_owned()),
    };
    let key = |c: &mut Checker, sub: &str, given: &Option<String>, default: &str| {
        let k = given.clone().unwrap_or_else(|| default.to_owned());
        c.check(
            &format!("{field}.secretRef.{sub}"),
            names::check_secret_key(&k),
        );
        k
    };
    let htpasswd_key = key(c, "htpasswdKey", &r.htpasswd_key, ".htpasswd");
    let password_key = key(c, "passwordKey", &r.password_key, "password");
    let username = match (&b.username, tenancy.enabled) {
        (Some(u), true) if *u != tenancy.tenant_id => {
            c.error(
                &format!("{field}.username"),
                format!(
                    "{u:?}: with tenancy on, the gateway makes the user the tenant \
                     (X-Scope-OrgID), so Promtail and Grafana log in as the tenant {:?}; remove \
                     username or set it to the tenant id",
                    tenancy.tenant_id
                ),
            );
            u.clone()
        }
        (Some(u), _) => u.clone(),
        (None, true) => tenancy.tenant_id.clone(),
        (None, false) => "loki".to_owned(),
    };
    if username.is_empty()
        || username.contains(':')
        || username
            .chars()
            .any(|ch| ch.is_whitespace() || ch.is_control())
    {
        c.error(
            &format!("{field}.username"),
            format!("invalid user {username:?}: no spaces or ':'"),
        );
    }
    c.expand_env_safe(
        &format!("{field}.username"),
        &username,
        false,
        "Promtail reads its config (where the user is) with -config.expand-env",
    );
    Some(BasicAuth {
        secret_name: name?,
        htpasswd_key,
        password_key,
        username,
    })
}

fn check_host(host: &str) -> bool {
    let h = host.strip_prefix("*.").unwrap_or(host);
    !h.is_empty() && h.len() <= 253 && h.split('.').all(|p| names::check_dns_label(p).is_ok())
}

pub(super) fn exposure(c: &mut Checker, spec: &Spec, gateway: Option<&Gateway>) -> Exposure {
    let Some(given) = spec.exposure.clone() else {
        return Exposure::default();
    };
    let mut out = Exposure::default();
    if given.ingress.is_none() && given.http_route.is_none() {
        return out;
    }
    if gateway.is_some_and(|g| g.auth.is_none()) {
        c.error(
            "spec.exposure",
            "exposing Loki outside the cluster without authentication lets anyone read every \
             log and push fake ones: set spec.gateway.auth.basic.secretRef (an htpasswd \
             Secret), or remove spec.exposure and keep Loki cluster-internal",
        );
    }
    if let Some(i) = given.ingress {
        let field = "spec.exposure.ingress";
        let host = i.host.clone().unwrap_or_default();
        if !check_host(&host) {
            c.error(
                &format!("{field}.host"),
                format!(
                    "required: the DNS name clients use, e.g. \"loki.example.com\" (got {host:?})"
                ),
            );
        }
        if let Some(class) = &i.class_name {
            c.check(&format!("{field}.className"), names::check_dns_label(class));
        }
        let tls = i.tls.as_ref().and_then(|t| t.secret_name.clone());
        match &tls {
            None => c.error(
                &format!("{field}.tls.secretName"),
                "required: basic auth over plain HTTP sends the password in clear text; name \
                 the TLS Secret (e.g. one cert-manager issues)",
            ),
            Some(s) => {
                c.check(
                    &format!("{field}.tls.secretName"),
                    names::check_dns_label(s),
                );
            }
        }
        let annotations = i.annotations.clone().unwrap_or_default();
        for k in annotations.keys() {
            c.check(
                &format!("{field}.annotations.{k}"),
                names::check_label_key(k),
            );
        }
        out.ingress = Some(Ingress {
            host,
            class_name: i.class_name,
            tls_secret_name: tls,
            annotations,
        });
    }
    if let Some(r) = given.http_route {
        let field = "spec.exposure.httpRoute";
        let hostnames = r.hostnames.unwrap_or_default();
        for (i, h) in hostnames.iter().enumerate() {
            if !check_host(h) {
                c.error(
                    &format!("{field}.hostnames[{i}]"),
                    format!("invalid hostname {h:?}"),
                );
            }
        }
        let refs = r.parent_refs.unwrap_or_default();
        if refs.is_empty() {
            c.error(
                &format!("{field}.parentRefs"),
                "required: the Gateway (Gateway API) that serves the route, e.g. [{name: \
                 public, namespace: gateway-system}]; it must terminate TLS",
            );
        }
        let mut parent_refs = Vec::new();
        for (i, p) in refs.iter().enumerate() {
            let pf = format!("{field}.parentRefs[{i}]");
            let name = p.name.clone().unwrap_or_default();
            if p.name.is_none() {
                c.error(&format!("{pf}.name"), "required: the Gateway's name");
            } else {
                c.check(&format!("{pf}.name"), names::check_dns_label(&name));
            }
            if let Some(ns) = &p.namespace {
                c.check(&format!("{pf}.namespace"), names::check_dns_label(ns));
            }
            if let Some(s) = &p.section_name {
                c.check(&format!("{pf}.sectionName"), names::check_dns_label(s));
            }
            parent_refs.push(ParentRef {
                name,
                namespace: p.namespace.clone(),
                section_name: p.section_name.clone(),
            });
        }
        out.http_route = Some(HttpRoute {
            hostnames,
            parent_refs,
        });
    }
    out
}

pub(super) fn caches(c: &mut Checker, spec: &Spec, d: &Defaults, mode: Mode, size: Size) -> Caches {
    let given = spec.caches.clone().unwrap_or_default();
    let (chunks_mb, results_mb) = sizes::cache_memory_mb(size);
    let default_on = mode != Mode::SingleBinary && size != Size::Small;
    let mut one = |name: &str, g: Option<crate::spec::types::CacheSpec>, mb: u32| {
        let g = g.unwrap_or_default();
        let field = format!("spec.caches.{name}");
        if !g.enabled.unwrap_or(default_on) {
            if g.memory_mb.is_some() || g.image.is_some() {
                c.error(
                    &format!("{field}.enabled"),
                    "the cache is off, so memoryMB/image do not apply; set enabled: true",
                );
            }
            return None;
        }
        let memory_mb = g.memory_mb.unwrap_or(mb);
        if !(64..=65_536).contains(&memory_mb) {
            c.error(
                &format!("{field}.memoryMB"),
                format!("{memory_mb}: between 64 and 65536 MiB per replica"),
            );
        }
        let image = g.image.unwrap_or_else(|| d.memcached_image.to_owned());
        c.check(&format!("{field}.image"), names::check_image(&image));
        Some(Cache { memory_mb, image })
    };
    Caches {
        chunks: one("chunks", given.chunks, chunks_mb),
        results: one("results", given.results, results_mb),
    }
}

pub(super) fn ruler(c: &mut Checker, spec: &Spec) -> Option<Ruler> {
    let given = spec.ruler.clone().unwrap_or_default();
    if !given.enabled.unwrap_or(false) {
        if given.alertmanager_url.is_some() {
            c.error(
                "spec.ruler.alertmanagerUrl",
                "the ruler is off; set spec.ruler.enabled: true",
            );
        }
        return None;
    }
    if let Some(u) = &given.alertmanager_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        c.error(
            "spec.ruler.alertmanagerUrl",
            format!("{u:?}: an http:// or https:// URL"),
        );
    }
    Some(Ruler {
        alertmanager_url: given.alertmanager_url,
    })
}
