//! Profile defaults + user overrides -> `Resolved`, checking every value on the way.
//! All problems are collected, so one run reports everything that needs fixing.

mod access;
mod cardinality;
mod collector;
mod delivery;
mod helm;
mod network;
mod observability;
#[cfg(test)]
mod regression_tests;
mod retention;
mod storage;
mod topology;

use std::collections::BTreeMap;

use super::names;
use super::profile::{self, Defaults};
use super::quantity::Quantity;
use super::resolved::{Amounts, Loki, Resolved, Resources};
use super::sizes;
use super::types::{LokiStack, Mode, Output, Profile, ResourcesSpec};
use crate::diagnostic::Diagnostic;

/// Collects diagnostics while values are resolved.
#[derive(Default)]
struct Checker {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Checker {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic::at(field, message));
    }

    fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic::at(field, message));
    }

    /// Keeps `Ok` values, records `Err` messages under `field`.
    fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| self.error(field, e)).ok()
    }

    /// A value that lands in a config file Loki or Promtail reads with
    /// `-config.expand-env` must not hold what that rewrites: `\\` (escapes are
    /// rewritten), `${` and `$$`, and with `any_dollar` (Loki with S3 keys from a Secret,
    /// where `$NAME` expands too) any `$`. The rendered files are checked again whole
    /// (render::loki, config::promtail); this names the field.
    fn expand_env_safe(&mut self, field: &str, value: &str, any_dollar: bool, why: &str) {
        let bad = if value.contains('\\') {
            Some("\\")
        } else if any_dollar && value.contains('$') {
            Some("$")
        } else {
            ["${", "$$"].into_iter().find(|b| value.contains(b))
        };
        if let Some(bad) = bad {
            self.error(
                field,
                format!(
                    "{value:?} contains {bad:?}, which -config.expand-env would rewrite: {why}"
                ),
            );
        }
    }
}

pub fn resolve(stack: &LokiStack) -> Result<Resolved, Vec<Diagnostic>> {
    let mut c = Checker::default();
    let spec = &stack.spec;

    let name = match stack.metadata.name.as_deref() {
        None | Some("") => {
            c.error("metadata.name", "required: name the stack, e.g. \"loki\"");
            None
        }
        Some(n) => c
            .check("metadata.name", names::check_dns_label(n))
            .map(|()| n.to_owned()),
    };

    let Some(profile) = spec.profile else {
        c.error(
            "spec.profile",
            "required: \"local\" (single binary, filesystem PVC) or \"cloud\" (object storage, \
             scalable)",
        );
        return Err(c.errors);
    };
    let d: &Defaults = profile::defaults(profile);

    let namespace = spec
        .namespace
        .clone()
        .unwrap_or_else(|| d.namespace.to_owned());
    c.check("spec.namespace", names::check_dns_label(&namespace));
    let cluster_domain = spec
        .cluster_domain
        .clone()
        .unwrap_or_else(|| d.cluster_domain.to_owned());
    if cluster_domain.is_empty()
        || !cluster_domain
            .split('.')
            .all(|p| names::check_dns_label(p).is_ok())
    {
        c.error(
            "spec.clusterDomain",
            format!(
                "invalid cluster domain {cluster_domain:?}: a DNS name such as \"cluster.local\""
            ),
        );
    }

    let mode = spec.mode.unwrap_or(d.mode);
    match (profile, mode) {
        (Profile::Cloud, Mode::SingleBinary) => c.error(
            "spec.mode",
            "SingleBinary is not scalable and has no redundancy: the cloud profile runs \
             Distributed (the default) or SimpleScalable; remove spec.mode or use profile \
             local",
        ),
        (_, Mode::SimpleScalable) => c.warn(
            "spec.mode",
            "SimpleScalable is deprecated upstream and removed in Loki 4: plan the move to \
             Distributed (the cloud default)",
        ),
        _ => {}
    }
    let size = spec.size.unwrap_or(d.size);

    let loki_spec = spec.loki.clone().unwrap_or_default();
    let loki_image = loki_spec.image.unwrap_or_else(|| d.loki_image.to_owned());
    c.check("spec.loki.image", names::check_image(&loki_image));

    let storage = storage::storage(&mut c, spec, profile, mode);
    if storage.as_ref().is_some_and(|st| {
        matches!(st.backend, super::resolved::Backend::S3(_)) && st.auth.secret.is_some()
    }) {
        storage::loki_expand_env(&mut c, spec);
    }
    let schemas = retention::schemas(&mut c, spec.schemas.as_deref(), d);
    let retention = retention::retention(&mut c, spec.retention.as_ref(), d);
    let limits = retention::limits(&mut c, spec.limits.as_ref(), sizes::limits(size));
    let collector = collector::collector(&mut c, spec, d);
    let datasource = observability::datasource(&mut c, spec, d);
    let service_monitor = observability::service_monitor(&mut c, spec, d);
    let prometheus_rule = observability::prometheus_rule(&mut c, spec, d, service_monitor.as_ref());
    let dashboards = observability::dashboards(&mut c, spec, d);

    let tenancy = access::tenancy(&mut c, spec, d);
    let gateway = access::gateway(&mut c, spec, d, mode, &tenancy, &cluster_domain);
    let exposure = access::exposure(&mut c, spec, gateway.as_ref());
    let caches = access::caches(&mut c, spec, d, mode, size);
    let ruler = access::ruler(&mut c, spec);
    let network = network::network(&mut c, spec, d, &namespace, datasource.as_ref(), &exposure);
    let components = topology::components(
        &mut c,
        spec,
        d,
        &topology::Shape {
            mode,
            size,
            gateway: gateway.is_some(),
            chunks_cache_mb: caches.chunks.as_ref().map(|x| x.memory_mb),
            results_cache_mb: caches.results.as_ref().map(|x| x.memory_mb),
            ruler: ruler.is_some(),
        },
    );
    let ingesters: u32 = [
        super::resolved::Part::Ingester,
        super::resolved::Part::Write,
        super::resolved::Part::SingleBinary,
    ]
    .iter()
    .filter_map(|p| components.get(p))
    .map(|w| w.replicas)
    .sum();
    let zones = topology::zones(&mut c, spec, mode, ingesters);
    let replication_factor =
        topology::replication_factor(&mut c, spec, d, mode, ingesters, zones.len());
    let output = spec.output.unwrap_or_default();
    if output == Output::HelmRelease {
        helm::check(
            &mut c,
            name.as_deref(),
            &zones,
            gateway.as_ref(),
            &caches,
            retention.as_ref(),
        );
    }

    match (name, storage, retention, limits, collector) {
        (Some(name), Some(storage), Some(retention), Some(limits), Some(collector))
            if c.errors.is_empty() =>
        {
            Ok(Resolved {
                name,
                profile,
                namespace,
                mode,
                loki: Loki {
                    image: loki_image,
                    log_level: loki_spec.log_level.unwrap_or(d.loki_log_level),
                },
                storage,
                schemas,
                retention,
                limits,
                collector,
                datasource,
                service_monitor,
                prometheus_rule,
                dashboards,
                size,
                components,
                replication_factor,
                zones,
                tenancy,
                gateway,
                exposure,
                caches,
                ruler,
                cluster_domain,
                network,
                output,
                warnings: c.warnings,
            })
        }
        _ => Err(c.errors),
    }
}

fn resources(
    c: &mut Checker,
    field: &str,
    spec: Option<&ResourcesSpec>,
    default_requests: (&str, &str),
    default_memory_limit: &str,
) -> Resources {
    let requests = spec.and_then(|s| s.requests.clone()).unwrap_or_default();
    let limits = spec.and_then(|s| s.limits.clone()).unwrap_or_default();
    let mut q = |sub: &str, given: Option<String>, default: Option<&str>| {
        given
            .or_else(|| default.map(str::to_owned))
            .and_then(|text| c.check(&format!("{field}.{sub}"), Quantity::parse(&text)))
    };
    let out = Resources {
        requests: Amounts {
            cpu: q("requests.cpu", requests.cpu, Some(default_requests.0)),
            memory: q("requests.memory", requests.memory, Some(default_requests.1)),
        },
        limits: Amounts {
            cpu: q("limits.cpu", limits.cpu, None),
            memory: q("limits.memory", limits.memory, Some(default_memory_limit)),
        },
    };
    for (res, req, lim) in [
        ("cpu", &out.requests.cpu, &out.limits.cpu),
        ("memory", &out.requests.memory, &out.limits.memory),
    ] {
        if let (Some(req), Some(lim)) = (req, lim)
            && req.value() > lim.value()
        {
            c.error(
                &format!("{field}.requests.{res}"),
                format!(
                    "request {:?} is larger than the limit {:?}",
                    req.as_str(),
                    lim.as_str()
                ),
            );
        }
    }
    out
}

fn labels(
    c: &mut Checker,
    field: &str,
    given: Option<&BTreeMap<String, String>>,
    default: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let labels: BTreeMap<String, String> = match given {
        Some(l) => l.clone(),
        None => default
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    for (k, v) in &labels {
        c.check(&format!("{field}.{k}"), names::check_label_key(k));
        c.check(&format!("{field}.{k}"), names::check_label_value(v));
    }
    labels
}
