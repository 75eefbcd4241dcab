//! `spec.network`: which policy API guards the stack, and where its clients run.

use super::super::names;
use super::super::profile::Defaults;
use super::super::resolved::{Datasource, Exposure, Network};
use super::super::types::{PolicyKind, Spec};
use super::checker::Checker;

/// kube-prometheus-stack's usual namespace.
pub const PROMETHEUS_NAMESPACE: &str = "monitoring";
/// The ingress-nginx controller's namespace (its manifests and Helm chart).
pub const INGRESS_NGINX_NAMESPACE: &str = "ingress-nginx";

/// `spec.clusterDomain`, checked.
/// `spec.namespace`, checked.
pub(super) fn namespace(c: &mut Checker, spec: &Spec, d: &Defaults) -> String {
    let namespace = spec
        .namespace
        .clone()
        .unwrap_or_else(|| d.namespace.to_owned());
    c.check("spec.namespace", names::check_dns_label(&namespace));
    namespace
}

pub(super) fn cluster_domain(c: &mut Checker, spec: &Spec, d: &Defaults) -> String {
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
    cluster_domain
}

pub(super) fn network(
    c: &mut Checker,
    spec: &Spec,
    d: &Defaults,
    namespace: &str,
    datasource: Option<&Datasource>,
    exposure: &Exposure,
) -> Network {
    let given = spec.network.clone().unwrap_or_default();
    let policies = given.policies.unwrap_or(PolicyKind::Kubernetes);
    // Grafana reads from where its datasource is provisioned, unless told otherwise.
    let grafana_namespace = given.grafana_namespace.unwrap_or_else(|| {
        datasource.map_or_else(
            || d.datasource_namespace.to_owned(),
            |ds| ds.namespace.clone(),
        )
    });
    c.check(
        "spec.network.grafanaNamespace",
        names::check_dns_label(&grafana_namespace),
    );
    let prometheus_namespace = given
        .prometheus_namespace
        .unwrap_or_else(|| PROMETHEUS_NAMESPACE.to_owned());
    c.check(
        "spec.network.prometheusNamespace",
        names::check_dns_label(&prometheus_namespace),
    );
    let exposed = exposure.ingress.is_some() || exposure.http_route.is_some();
    let exposure_namespaces = match given.exposure_namespaces {
        Some(list) => {
            if !exposed {
                c.error(
                    "spec.network.exposureNamespaces",
                    "nothing is exposed (no spec.exposure): remove exposureNamespaces",
                );
            }
            if list.is_empty() && exposed {
                c.error(
                    "spec.network.exposureNamespaces",
                    "must name at least one namespace: the ingress controller's or the \
                     Gateway's proxies'",
                );
            }
            for (i, ns) in list.iter().enumerate() {
                c.check(
                    &format!("spec.network.exposureNamespaces[{i}]"),
                    names::check_dns_label(ns),
                );
            }
            list
        }
        None => default_exposure_namespaces(namespace, exposure),
    };
    if policies == PolicyKind::None
        && spec.network.as_ref().is_some_and(|n| {
            n.grafana_namespace.is_some()
                || n.prometheus_namespace.is_some()
                || n.exposure_namespaces.is_some()
        })
    {
        c.warn(
            "spec.network.policies",
            "none: no policy is rendered, so the namespaces given under spec.network are unused",
        );
    }
    Network {
        policies,
        grafana_namespace,
        prometheus_namespace,
        exposure_namespaces,
    }
}

/// ingress-nginx's namespace for an Ingress; for an HTTPRoute, the namespaces of its
/// parent Gateways (where Istio, NGINX Gateway Fabric and others run the proxy).
fn default_exposure_namespaces(namespace: &str, exposure: &Exposure) -> Vec<String> {
    let mut out = Vec::new();
    if exposure.ingress.is_some() {
        out.push(INGRESS_NGINX_NAMESPACE.to_owned());
    }
    if let Some(h) = &exposure.http_route {
        for p in &h.parent_refs {
            out.push(p.namespace.clone().unwrap_or_else(|| namespace.to_owned()));
        }
    }
    out.sort();
    out.dedup();
    out
}
