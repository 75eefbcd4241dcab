//! Profile defaults + user overrides -> `Resolved`, checking every value on the way.
//! All problems are collected, so one run reports everything that needs fixing.

mod access;
mod storage;
mod topology;

use std::collections::BTreeMap;

use super::duration::{Duration, HOUR_MS};
use super::names;
use super::profile::{self, Defaults};
use super::quantity::Quantity;
use super::resolved::{
    Amounts, Collector, Datasource, Limits, Loki, Resolved, Resources, Retention, Schema,
    ServiceMonitor, StreamRetention,
};
use super::selector;
use super::sizes;
use super::types::{LokiStack, Mode, Profile, ResourcesSpec};
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
    let schemas = schemas(&mut c, spec.schemas.as_deref(), d);
    let retention = retention(&mut c, spec.retention.as_ref(), d);
    let limits = limits(&mut c, spec.limits.as_ref(), sizes::limits(size));
    let collector = collector(&mut c, spec, d);
    let datasource = datasource(&mut c, spec, d);
    let service_monitor = service_monitor(&mut c, spec, d);

    let tenancy = access::tenancy(&mut c, spec, d);
    let gateway = access::gateway(&mut c, spec, d, mode, &tenancy, &cluster_domain);
    let exposure = access::exposure(&mut c, spec, gateway.as_ref());
    let caches = access::caches(&mut c, spec, d, mode, size);
    let ruler = access::ruler(&mut c, spec);
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

fn schemas(
    c: &mut Checker,
    given: Option<&[super::types::SchemaSpec]>,
    d: &Defaults,
) -> Vec<Schema> {
    let list: Vec<Schema> = match given {
        Some(list) => list
            .iter()
            .map(|s| Schema {
                from: s.from.clone(),
                version: s.version.clone(),
            })
            .collect(),
        None => d
            .schemas
            .iter()
            .map(|(from, version)| Schema {
                from: (*from).to_owned(),
                version: (*version).to_owned(),
            })
            .collect(),
    };
    if list.is_empty() {
        c.error(
            "spec.schemas",
            "needs at least one schema period, e.g. {from: \"2024-01-01\", version: v13}",
        );
    }
    let mut previous: Option<&str> = None;
    for (i, s) in list.iter().enumerate() {
        let field = format!("spec.schemas[{i}]");
        if !is_date(&s.from) {
            c.error(
                &format!("{field}.from"),
                format!(
                    "invalid date {:?}: write YYYY-MM-DD, quoted, e.g. \"2024-01-01\"",
                    s.from
                ),
            );
        } else if let Some(prev) = previous
            && s.from.as_str() <= prev
        {
            c.error(
                &format!("{field}.from"),
                format!(
                    "{:?} does not come after the previous period's {prev:?}: schema periods \
                     are append-only and must be in increasing date order",
                    s.from
                ),
            );
        }
        previous = Some(&s.from);
        if s.version != "v13" {
            c.error(
                &format!("{field}.version"),
                format!(
                    "unsupported schema {:?}: Loki 3.x needs v13 (tsdb) for structured metadata",
                    s.version
                ),
            );
        }
    }
    list
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1970..=9999).contains(&y) && (1..=days).contains(&d)
}

const MIN_RETENTION_MS: u64 = 24 * HOUR_MS;

fn retention_period(c: &mut Checker, field: &str, text: &str) -> Option<Duration> {
    let period = c.check(field, Duration::parse(text))?;
    if period.as_millis() == 0 {
        c.error(
            field,
            format!(
                "{text:?} disables retention: Loki would keep logs forever and fill the disk; \
                 use at least 24h"
            ),
        );
        return None;
    }
    if period.as_millis() < MIN_RETENTION_MS {
        c.error(
            field,
            format!(
                "{text:?} is shorter than 24h, the shortest retention Loki's compactor applies"
            ),
        );
        return None;
    }
    Some(period)
}

fn retention(
    c: &mut Checker,
    given: Option<&super::types::RetentionSpec>,
    d: &Defaults,
) -> Option<Retention> {
    match given {
        Some(r) => retention_of(c, "spec.retention", r, Some(d.suggested_retention)),
        None => {
            missing_retention(c, "spec.retention.period", Some(d.suggested_retention));
            None
        }
    }
}

fn missing_retention(c: &mut Checker, field: &str, suggested: Option<&str>) {
    c.error(
        field,
        format!(
            "required: without retention Loki keeps logs forever and fills the disk; set \
             it explicitly, e.g. {:?} (at least 24h)",
            suggested.unwrap_or("7d")
        ),
    );
}

/// A `{period, streams}` block (the stack's or a tenant's) at `field`.
fn retention_of(
    c: &mut Checker,
    field: &str,
    given: &super::types::RetentionSpec,
    suggested: Option<&str>,
) -> Option<Retention> {
    let Some(text) = given.period.as_deref() else {
        missing_retention(c, &format!("{field}.period"), suggested);
        return None;
    };
    let period = retention_period(c, &format!("{field}.period"), text);
    let mut streams = Vec::new();
    for (i, s) in given
        .streams
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let sf = format!("{field}.streams[{i}]");
        c.check(&format!("{sf}.selector"), selector::check(&s.selector));
        if let Some(p) = retention_period(c, &format!("{sf}.period"), &s.period) {
            streams.push(StreamRetention {
                selector: s.selector.clone(),
                period: p,
                priority: s.priority.unwrap_or(1),
            });
        }
    }
    period.map(|period| Retention { period, streams })
}

fn limits(
    c: &mut Checker,
    given: Option<&super::types::LimitsSpec>,
    (rate, burst, streams): (f64, f64, u32),
) -> Option<Limits> {
    let given = given.cloned().unwrap_or_default();
    let out = Limits {
        ingestion_rate_mb: given.ingestion_rate_mb.unwrap_or(rate),
        ingestion_burst_size_mb: given.ingestion_burst_size_mb.unwrap_or(burst),
        max_streams_per_user: given.max_streams_per_user.unwrap_or(streams),
    };
    let before = c.errors.len();
    if !(out.ingestion_rate_mb.is_finite() && out.ingestion_rate_mb > 0.0) {
        c.error(
            "spec.limits.ingestionRateMB",
            "must be a positive number of MB per second",
        );
    }
    if !(out.ingestion_burst_size_mb.is_finite() && out.ingestion_burst_size_mb > 0.0) {
        c.error(
            "spec.limits.ingestionBurstSizeMB",
            "must be a positive number of MB",
        );
    } else if out.ingestion_burst_size_mb < out.ingestion_rate_mb {
        c.error(
            "spec.limits.ingestionBurstSizeMB",
            format!(
                "{} is smaller than ingestionRateMB {}: the burst must be at least the rate",
                out.ingestion_burst_size_mb, out.ingestion_rate_mb
            ),
        );
    }
    if out.max_streams_per_user == 0 {
        c.error(
            "spec.limits.maxStreamsPerUser",
            "must be at least 1 (0 would let one tenant create unlimited streams)",
        );
    }
    (c.errors.len() == before).then_some(out)
}

fn collector(c: &mut Checker, spec: &super::types::Spec, d: &Defaults) -> Option<Collector> {
    let given = spec.collector.clone().unwrap_or_default();
    let image = given.image.unwrap_or_else(|| d.collector_image.to_owned());
    c.check("spec.collector.image", names::check_image(&image));
    let resources = resources(
        c,
        "spec.collector.resources",
        given.resources.as_ref(),
        d.collector_requests,
        d.collector_memory_limit,
    );
    let exclude = given
        .pods
        .and_then(|p| p.exclude_namespaces)
        .unwrap_or_default();
    for (i, ns) in exclude.iter().enumerate() {
        c.check(
            &format!("spec.collector.pods.excludeNamespaces[{i}]"),
            names::check_dns_label(ns),
        );
    }
    let positions_dir = given
        .positions_dir
        .unwrap_or_else(|| d.positions_dir.to_owned());
    let field = "spec.collector.positionsDir";
    if !positions_dir.starts_with('/')
        || positions_dir.split('/').any(|p| p == ".." || p == ".")
        || positions_dir.trim_end_matches('/').is_empty()
    {
        c.error(
            field,
            format!(
                "{positions_dir:?} must be an absolute host path such as \"/var/lib/promtail\""
            ),
        );
    } else if ["/run", "/tmp", "/var/run", "/dev", "/proc", "/sys"]
        .iter()
        .any(|tmp| positions_dir == *tmp || positions_dir.starts_with(&format!("{tmp}/")))
    {
        c.error(
            field,
            format!(
                "{positions_dir:?} does not survive a reboot on Talos (tmpfs): Promtail would \
                 forget its read offsets and ship every log file again; use a directory under \
                 /var, e.g. \"/var/lib/promtail\""
            ),
        );
    }
    (c.errors.is_empty()).then_some(Collector {
        image,
        resources,
        exclude_namespaces: exclude,
        positions_dir: positions_dir.trim_end_matches('/').to_owned(),
    })
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

fn datasource(c: &mut Checker, spec: &super::types::Spec, d: &Defaults) -> Option<Datasource> {
    let given = spec
        .grafana
        .as_ref()
        .and_then(|g| g.datasource.clone())
        .unwrap_or_default();
    if given.enabled == Some(false) {
        return None;
    }
    let namespace = given
        .namespace
        .unwrap_or_else(|| d.datasource_namespace.to_owned());
    c.check(
        "spec.grafana.datasource.namespace",
        names::check_dns_label(&namespace),
    );
    let name = given.name.unwrap_or_else(|| d.datasource_name.to_owned());
    if name.trim().is_empty() {
        c.error("spec.grafana.datasource.name", "must not be empty");
    }
    let uid = given.uid.unwrap_or_else(|| d.datasource_uid.to_owned());
    if uid.is_empty()
        || uid.len() > 40
        || !uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        c.error(
            "spec.grafana.datasource.uid",
            format!("invalid Grafana uid {uid:?}: 1 to 40 letters, digits, '-' or '_'"),
        );
    }
    let max_lines = given.max_lines.unwrap_or(d.datasource_max_lines);
    if max_lines == 0 {
        c.error("spec.grafana.datasource.maxLines", "must be at least 1");
    }
    let labels = labels(
        c,
        "spec.grafana.datasource.labels",
        given.labels.as_ref(),
        d.datasource_labels,
    );
    Some(Datasource {
        namespace,
        name,
        uid,
        max_lines,
        labels,
    })
}

fn service_monitor(
    c: &mut Checker,
    spec: &super::types::Spec,
    d: &Defaults,
) -> Option<ServiceMonitor> {
    let given = spec
        .monitoring
        .as_ref()
        .and_then(|m| m.service_monitor.clone())
        .unwrap_or_default();
    if given.enabled == Some(false) {
        return None;
    }
    let labels = labels(
        c,
        "spec.monitoring.serviceMonitor.labels",
        given.labels.as_ref(),
        d.service_monitor_labels,
    );
    let interval_text = given
        .interval
        .unwrap_or_else(|| d.service_monitor_interval.to_owned());
    let interval = c.check(
        "spec.monitoring.serviceMonitor.interval",
        Duration::parse(&interval_text),
    )?;
    if interval.as_millis() == 0 {
        c.error(
            "spec.monitoring.serviceMonitor.interval",
            "must be longer than 0s",
        );
    }
    Some(ServiceMonitor { labels, interval })
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates() {
        assert!(is_date("2024-01-01"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("24-01-01"));
        assert!(!is_date("2024/01/01"));
    }
}
