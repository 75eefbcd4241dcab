//! Profile `agent`: only the collector, shipping to a central Loki (`spec.remote`).
//! What configures a Loki is refused here: the central stack owns it.

use super::access::check_tenant_id;
use super::checker::Checker;
use super::{collector, network, observability};
use crate::diagnostic::Diagnostic;
use crate::spec::names;
use crate::spec::profile::Defaults;
use crate::spec::resolved::{Remote, RemoteAuth, RemoteUrl, Resolved, SecretKey, Tenancy};
use crate::spec::types::{KeyRef, LokiStack, Output, RemoteSpec, Spec};

/// The fields that configure a Loki, as they are named in `spec`.
fn loki_fields(spec: &Spec) -> Vec<&'static str> {
    let set = [
        ("mode", spec.mode.is_some()),
        ("loki", spec.loki.is_some()),
        ("storage", spec.storage.is_some()),
        ("schemas", spec.schemas.is_some()),
        ("retention", spec.retention.is_some()),
        ("limits", spec.limits.is_some()),
        ("size", spec.size.is_some()),
        ("components", spec.components.is_some()),
        ("replicationFactor", spec.replication_factor.is_some()),
        ("zones", spec.zones.is_some()),
        ("tenancy", spec.tenancy.is_some()),
        ("gateway", spec.gateway.is_some()),
        ("exposure", spec.exposure.is_some()),
        ("caches", spec.caches.is_some()),
        ("ruler", spec.ruler.is_some()),
        ("output", spec.output.is_some()),
    ];
    set.into_iter()
        .filter(|(_, s)| *s)
        .map(|(f, _)| f)
        .collect()
}

fn refuse_loki_fields(c: &mut Checker, spec: &Spec) {
    for field in loki_fields(spec) {
        let why = match field {
            "retention" => {
                " (retention is enforced where the logs are stored: set it in the central \
                 stack's LokiStack)"
            }
            "tenancy" => " (the tenant this cluster writes to is spec.remote.tenantId)",
            "output" => " (an agent renders no Loki, as Manifests or as a HelmRelease)",
            _ => "",
        };
        c.error(
            &format!("spec.{field}"),
            format!(
                "profile agent runs no Loki: spec.{field} configures one, and the central \
                 stack owns it{why}; remove it here"
            ),
        );
    }
}

/// Resolves a LokiStack of profile `agent`.
pub(super) fn resolve(
    stack: &LokiStack,
    name: Option<String>,
    d: &Defaults,
    mut c: Checker,
) -> Result<Resolved, Vec<Diagnostic>> {
    let spec = &stack.spec;
    refuse_loki_fields(&mut c, spec);
    let namespace = network::namespace(&mut c, spec, d);
    let cluster_domain = network::cluster_domain(&mut c, spec, d);
    let remote = match &spec.remote {
        None => {
            c.error(
                "spec.remote",
                "required with profile agent: the central Loki to ship to, e.g. {url: \
                 https://logs.example.com, cluster: edge-1, auth: {basic: {secretRef: {name: \
                 loki-remote}}}}",
            );
            None
        }
        Some(r) => remote(&mut c, r, &cluster_domain),
    };
    let collector = collector::collector(&mut c, spec, d);
    let datasource = observability::datasource(&mut c, spec, d);
    let mut service_monitor = observability::service_monitor(&mut c, spec, d);
    if let (Some(sm), Some(r)) = (service_monitor.as_mut(), remote.as_ref()) {
        match spec.monitoring.as_ref().and_then(|m| m.cluster.as_deref()) {
            None => sm.cluster.clone_from(&r.cluster),
            Some(given) if given != r.cluster => c.error(
                "spec.monitoring.cluster",
                format!(
                    "{given:?} differs from spec.remote.cluster {:?}: the logs and the metrics \
                     of one cluster carry one cluster label; remove spec.monitoring.cluster",
                    r.cluster
                ),
            ),
            Some(_) => {}
        }
    }
    let prometheus_rule = observability::prometheus_rule(&mut c, spec, d, service_monitor.as_ref());
    let dashboards = observability::dashboards(&mut c, spec, d);
    let exposure = Default::default();
    let network = network::network(&mut c, spec, d, &namespace, datasource.as_ref(), &exposure);

    match (name, remote, collector) {
        (Some(name), Some(remote), Some(collector)) if c.errors.is_empty() => Ok(Resolved {
            name,
            profile: crate::spec::types::Profile::Agent,
            namespace,
            central: None,
            tenancy: Tenancy {
                enabled: true,
                tenant_id: remote.tenant_id.clone(),
                tenants: Vec::new(),
            },
            remote: Some(remote),
            collector,
            datasource,
            service_monitor,
            prometheus_rule,
            dashboards,
            components: Default::default(),
            zones: Vec::new(),
            gateway: None,
            exposure,
            caches: Default::default(),
            ruler: None,
            cluster_domain,
            network,
            output: Output::Manifests,
            warnings: c.warnings,
        }),
        _ => Err(c.errors),
    }
}

/// `spec.remote` outside profile agent.
pub(super) fn refuse_remote(c: &mut Checker, spec: &Spec) {
    if spec.remote.is_some() {
        c.error(
            "spec.remote",
            "only for profile agent (a cluster that runs the collector alone and ships to a \
             central Loki); this profile runs its own Loki, which its collector ships to",
        );
    }
}

fn remote(c: &mut Checker, given: &RemoteSpec, cluster_domain: &str) -> Option<Remote> {
    let url = match given.url.as_deref() {
        None | Some("") => {
            c.error(
                "spec.remote.url",
                "required: the central Loki's base URL, e.g. https://logs.example.com",
            );
            None
        }
        Some(u) => c.check("spec.remote.url", RemoteUrl::parse(u, cluster_domain)),
    };
    let cluster = match given.cluster.as_deref() {
        None | Some("") => {
            c.error(
                "spec.remote.cluster",
                "required: this cluster's name, the cluster label of every stream it ships \
                 (e.g. edge-1)",
            );
            None
        }
        Some(v) => c
            .check("spec.remote.cluster", names::check_label_value(v))
            .map(|()| v.to_owned()),
    };
    let tenant_id = given.tenant_id.clone().or_else(|| cluster.clone());
    if let Some(t) = &given.tenant_id {
        c.check("spec.remote.tenantId", check_tenant_id(t));
    }
    let auth = given.auth.as_ref().and_then(|a| auth(c, a));
    let ca = given
        .tls
        .as_ref()
        .and_then(|t| t.ca_secret_ref.as_ref())
        .and_then(|r| key_ref(c, "spec.remote.tls.caSecretRef", r, "ca.crt"));
    if let (Some(u), Some(_)) = (&url, &ca)
        && !u.tls
    {
        c.error(
            "spec.remote.tls.caSecretRef",
            "the URL is plain http://: a CA only means something with https://",
        );
    }
    Some(Remote {
        url: url?,
        tenant_id: tenant_id?,
        auth,
        ca,
        cluster: cluster?,
    })
}

fn auth(c: &mut Checker, a: &crate::spec::types::RemoteAuthSpec) -> Option<RemoteAuth> {
    match (&a.basic, &a.bearer_token) {
        (Some(_), Some(_)) => {
            c.error(
                "spec.remote.auth",
                "basic and bearerToken at once: the collector sends one Authorization header; \
                 keep one",
            );
            None
        }
        (None, None) => {
            c.error(
                "spec.remote.auth",
                "empty: set basic.secretRef or bearerToken.secretRef, or remove auth",
            );
            None
        }
        (Some(b), None) => {
            let Some(r) = &b.secret_ref else {
                c.error(
                    "spec.remote.auth.basic.secretRef",
                    "required: the Secret with the user name and password, e.g. {name: \
                     loki-remote}",
                );
                return None;
            };
            let field = "spec.remote.auth.basic.secretRef";
            let name = secret_name(c, field, r.name.as_deref())?;
            let username_key = r
                .username_key
                .clone()
                .unwrap_or_else(|| "username".to_owned());
            let password_key = r
                .password_key
                .clone()
                .unwrap_or_else(|| "password".to_owned());
            let a = c.check(
                &format!("{field}.usernameKey"),
                names::check_secret_key(&username_key),
            );
            let b = c.check(
                &format!("{field}.passwordKey"),
                names::check_secret_key(&password_key),
            );
            a.and(b)?;
            Some(RemoteAuth::Basic {
                secret: name,
                username_key,
                password_key,
            })
        }
        (None, Some(t)) => {
            let field = "spec.remote.auth.bearerToken.secretRef";
            let Some(r) = &t.secret_ref else {
                c.error(
                    field,
                    "required: the Secret with the token, e.g. {name: loki-remote, key: token}",
                );
                return None;
            };
            key_ref(c, field, r, "token").map(RemoteAuth::BearerToken)
        }
    }
}

fn secret_name(c: &mut Checker, field: &str, name: Option<&str>) -> Option<String> {
    match name {
        None | Some("") => {
            c.error(
                &format!("{field}.name"),
                "required: a Secret in the stack's namespace",
            );
            None
        }
        Some(n) => c
            .check(&format!("{field}.name"), names::check_dns_label(n))
            .map(|()| n.to_owned()),
    }
}

fn key_ref(c: &mut Checker, field: &str, r: &KeyRef, default_key: &str) -> Option<SecretKey> {
    let name = secret_name(c, field, r.name.as_deref());
    let key = r.key.clone().unwrap_or_else(|| default_key.to_owned());
    let ok = c.check(&format!("{field}.key"), names::check_secret_key(&key));
    Some(SecretKey {
        name: name?,
        key: ok.map(|()| key)?,
    })
}
