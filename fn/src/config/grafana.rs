//! Grafana's datasource provisioning file, as the kube-prometheus-stack sidecar loads it.

use serde::Serialize;

use crate::spec::Resolved;
use crate::spec::resolved::Datasource;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provisioning {
    pub api_version: u32,
    pub datasources: Vec<DatasourceEntry>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasourceEntry {
    pub name: String,
    pub uid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub access: &'static str,
    pub url: String,
    pub is_default: bool,
    pub editable: bool,
    pub json_data: JsonData,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonData {
    pub max_lines: u32,
    /// Seconds; Loki's own query timeout is longer, so Grafana gives up first.
    pub timeout: u32,
}

pub fn build(r: &Resolved, d: &Datasource) -> Provisioning {
    Provisioning {
        api_version: 1,
        datasources: vec![DatasourceEntry {
            name: d.name.clone(),
            uid: d.uid.clone(),
            kind: "loki",
            access: "proxy",
            url: r.loki_url(),
            is_default: false,
            editable: false,
            json_data: JsonData {
                max_lines: d.max_lines,
                timeout: 60,
            },
        }],
    }
}
