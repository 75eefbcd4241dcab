//! `spec.output: HelmRelease`: the settings the upstream chart's values cannot express
//! are refused here, naming the field and why, instead of being dropped silently.
//! Everything else maps (render/helm).

use super::super::resolved::{Caches, Gateway, Retention};
use super::checker::Checker;

/// The longest chart object name is `<fullname>-query-scheduler-headless`; the chart
/// truncates names to 63 characters, which would no longer match what Promtail,
/// Grafana, the monitors and the policies address.
pub const MAX_NAME: usize = 63 - "-query-scheduler-headless".len();

/// The chart mounts the basic-auth Secret and reads exactly this key.
pub const CHART_HTPASSWD_KEY: &str = ".htpasswd";

/// The chart's zone-aware ingesters have exactly three zones (`zoneA`, `zoneB`, `zoneC`).
pub const CHART_ZONES: usize = 3;

pub(super) fn check(
    c: &mut Checker,
    name: Option<&str>,
    zones: &[String],
    gateway: Option<&Gateway>,
    caches: &Caches,
    retention: Option<&Retention>,
) {
    // The chart always runs Loki with -config.expand-env=true: a value of config.yaml
    // that the expansion would change is refused (per-tenant selectors live in the
    // runtime config, which is not expanded).
    for (i, s) in retention.map_or(&[][..], |r| &r.streams).iter().enumerate() {
        if let Err(e) = crate::config::expand_env::check(&s.selector, &[], "Loki", true) {
            c.error(
                &format!("spec.retention.streams[{i}].selector"),
                format!(
                    "{e}: with spec.output HelmRelease the chart runs Loki with \
                     -config.expand-env=true, which would change this selector; write it \
                     without '$' and '\\\\'"
                ),
            );
        }
    }
    if let Some(n) = name
        && n.len() > MAX_NAME
    {
        c.error(
            "metadata.name",
            format!(
                "{n:?} is {} characters: with spec.output HelmRelease it is the chart's \
                 fullnameOverride, and the chart cuts object names at 63 characters \
                 (\"{n}-query-scheduler-headless\" would be cut); use at most {MAX_NAME}",
                n.len()
            ),
        );
    }
    if !zones.is_empty() && zones.len() != CHART_ZONES {
        c.error(
            "spec.zones",
            format!(
                "{} zones: with spec.output HelmRelease the chart's zone-aware ingesters \
                 (ingester.zoneAwareReplication) have exactly {CHART_ZONES} zones; name 3 \
                 zones or use spec.output Manifests",
                zones.len()
            ),
        );
    }
    if let Some(auth) = gateway.and_then(|g| g.auth.as_ref())
        && auth.htpasswd_key != CHART_HTPASSWD_KEY
    {
        c.error(
            "spec.gateway.auth.basic.secretRef.htpasswdKey",
            format!(
                "{:?}: with spec.output HelmRelease the chart's nginx reads the htpasswd \
                 file from the Secret's key {CHART_HTPASSWD_KEY:?} \
                 (gateway.basicAuth.existingSecret); store it under that key",
                auth.htpasswd_key
            ),
        );
    }
    if let (Some(chunks), Some(results)) = (&caches.chunks, &caches.results)
        && chunks.image != results.image
    {
        c.error(
            "spec.caches.results.image",
            format!(
                "{:?} differs from spec.caches.chunks.image {:?}: with spec.output \
                 HelmRelease both caches run the chart's one memcached.image",
                results.image, chunks.image
            ),
        );
    }
}
