//! Loki as a Grafana datasource, loaded by kube-prometheus-stack's Grafana sidecar from
//! ConfigMaps labelled `grafana_datasource: "1"` in Grafana's namespace.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::labels;
use super::meta::object_meta;
use crate::config::grafana as cfg;
use crate::contract::{DATASOURCE, DATASOURCE_KEY};
use crate::spec::Resolved;
use crate::spec::resolved::Datasource;

pub fn config_map(r: &Resolved, d: &Datasource) -> Result<ConfigMap, String> {
    let mut l = labels::stack(r);
    l.extend(d.labels.clone());
    let text = crate::yaml::to_string(&cfg::build(r, d))?;
    Ok(ConfigMap {
        metadata: object_meta(DATASOURCE, Some(&d.namespace), l),
        data: Some(BTreeMap::from([(DATASOURCE_KEY.to_owned(), text)])),
        ..ConfigMap::default()
    })
}
