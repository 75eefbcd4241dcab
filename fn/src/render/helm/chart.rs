//! The pinned chart (name, version, repository) and facts about the objects it renders
//! that this stack addresses: pod labels and container port names (checked against the
//! chart's own renders in tests/tests/helm_chart.rs).

use crate::render::labels::Labels;
use crate::spec::Resolved;
use crate::spec::resolved::Part;

/// The chart: `loki` of grafana-community/helm-charts (the OSS chart moved there from
/// grafana/helm-charts), pinned. To bump it: docs/src/gitops/helm-release.md.
pub const CHART: &str = "loki";
pub const CHART_VERSION: &str = "18.11.0";
/// The chart repository the grafana-community release workflow publishes (GitHub
/// Pages; the same charts are also pushed to oci://ghcr.io/grafana-community/helm-charts).
pub const REPOSITORY_URL: &str = "https://grafana-community.github.io/helm-charts";
/// The HelmRepository's name (in the stack's namespace).
pub const REPOSITORY: &str = "grafana-community";

/// `app.kubernetes.io/name` of every pod of the chart (`nameOverride` unset).
pub const APP: &str = "loki";
/// The label and value of the chart's ring members (memberlist joiners).
pub const MEMBERLIST_LABEL: (&str, &str) = ("app.kubernetes.io/part-of", "memberlist");
/// Container port names of the chart: memberlist, memcached's client port.
pub const MEMBERLIST_PORT_NAME: &str = "http-memberlist";
pub const MEMCACHED_PORT_NAME: &str = "client";

/// `app.kubernetes.io/component` of a part's pods in the chart.
pub fn component(part: Part) -> String {
    match part {
        Part::ChunksCache | Part::ResultsCache => format!("memcached-{}", part.role()),
        other => other.role().to_owned(),
    }
}

/// The chart's selector labels of a part's pods (release = the stack name).
pub fn pods_of(r: &Resolved, part: Part) -> Labels {
    Labels::from([
        ("app.kubernetes.io/name".to_owned(), APP.to_owned()),
        ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
        ("app.kubernetes.io/component".to_owned(), component(part)),
    ])
}
