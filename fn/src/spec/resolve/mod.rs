//! Profile defaults + user overrides -> `Resolved`, checking every value on the way.
//! All problems are collected, so one run reports everything that needs fixing.

mod access;
mod agent;
mod cardinality;
mod checker;
mod collector;
mod delivery;
mod helm;
mod network;
#[cfg(test)]
mod network_tests;
mod observability;
#[cfg(test)]
mod regression_tests;
mod retention;
mod storage;
mod topology;

use super::names;
use super::profile::{self, Defaults};
use super::resolved::{Central, Loki, Resolved};
use super::sizes;
use super::types::{LokiStack, Mode, Output, Profile};
use crate::diagnostic::Diagnostic;
use checker::Checker;

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
            "required: \"local\" (single binary, filesystem PVC), \"cloud\" (object storage, \
             scalable) or \"agent\" (the collector alone, shipping to a central Loki: \
             spec.remote)",
        );
        return Err(c.errors);
    };
    let d: &Defaults = profile::defaults(profile);
    if profile == Profile::Agent {
        return agent::resolve(stack, name, d, c);
    }
    agent::refuse_remote(&mut c, spec);

    let namespace = network::namespace(&mut c, spec, d);
    let cluster_domain = network::cluster_domain(&mut c, spec, d);

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
                central: Some(Central {
                    mode,
                    loki: Loki {
                        image: loki_image,
                        log_level: loki_spec.log_level.unwrap_or(d.loki_log_level),
                    },
                    storage,
                    schemas,
                    retention,
                    limits,
                    size,
                    replication_factor,
                }),
                remote: None,
                collector,
                datasource,
                service_monitor,
                prometheus_rule,
                dashboards,
                components,
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
