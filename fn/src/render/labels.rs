//! The labels every generated object carries, and the smaller sets used as selectors.

use std::collections::BTreeMap;

use crate::spec::Resolved;
use crate::spec::names::image_version;

pub const PART_OF: &str = "loki-stack";
pub const MANAGED_BY: &str = "loki-stack-fn";

/// A component of the stack: which program, in which role.
#[derive(Debug, Clone, Copy)]
pub struct Component<'a> {
    /// `app.kubernetes.io/name` and the plain `app` label of its pods.
    pub app: &'a str,
    /// `app.kubernetes.io/component`.
    pub role: &'a str,
    /// Image, for `app.kubernetes.io/version`.
    pub image: Option<&'a str>,
}

pub type Labels = BTreeMap<String, String>;

/// Immutable selector labels (never add to these: a Deployment/StatefulSet/DaemonSet
/// selector cannot change after creation).
pub fn selector(r: &Resolved, c: Component<'_>) -> Labels {
    Labels::from([
        ("app.kubernetes.io/name".to_owned(), c.app.to_owned()),
        ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
        ("app.kubernetes.io/component".to_owned(), c.role.to_owned()),
    ])
}

/// Labels of objects (and pod templates) of a component.
pub fn common(r: &Resolved, c: Component<'_>) -> Labels {
    let mut l = selector(r, c);
    l.insert("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned());
    l.insert(
        "app.kubernetes.io/managed-by".to_owned(),
        MANAGED_BY.to_owned(),
    );
    if let Some(v) = c.image.and_then(image_version) {
        l.insert("app.kubernetes.io/version".to_owned(), v.to_owned());
    }
    l
}

/// Pod template labels: the common set plus the plain `app` label that LogQL queries
/// and older dashboards use (`{app="loki"}`).
pub fn pod(r: &Resolved, c: Component<'_>) -> Labels {
    let mut l = common(r, c);
    l.insert("app".to_owned(), c.app.to_owned());
    l
}

/// Labels of objects that belong to the stack as a whole (namespace, datasource).
pub fn stack(r: &Resolved) -> Labels {
    Labels::from([
        ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
        ("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            MANAGED_BY.to_owned(),
        ),
    ])
}
