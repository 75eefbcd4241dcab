//! Facts about the objects the pinned chart renders that this stack addresses: pod
//! labels and container port names (checked against the chart's own renders in
//! tests/tests/helm_chart.rs).

use crate::render::labels::Labels;
use crate::spec::Resolved;
use crate::spec::resolved::Part;

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
