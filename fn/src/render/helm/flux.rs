//! The Flux objects of HelmRelease output: a `HelmRepository` for the upstream chart's
//! repository and a `HelmRelease` of the pinned chart (small typed structs: k8s-openapi
//! has no Flux types).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;

use super::chart::{CHART, CHART_VERSION, REPOSITORY, REPOSITORY_URL};
use crate::render::labels;
use crate::render::meta::object_meta;
use crate::spec::Resolved;

/// `source.toolkit.fluxcd.io/v1` HelmRepository: the fields this stack sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmRepository {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: HelmRepositorySpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmRepositorySpec {
    pub url: &'static str,
    pub interval: &'static str,
}

/// `helm.toolkit.fluxcd.io/v2` HelmRelease: the fields this stack sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmRelease {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: HelmReleaseSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseSpec {
    pub interval: &'static str,
    pub timeout: &'static str,
    pub release_name: String,
    pub target_namespace: String,
    pub chart: ChartTemplate,
    pub install: Install,
    pub upgrade: Upgrade,
    pub values: Value,
}

#[derive(Debug, Serialize)]
pub struct ChartTemplate {
    pub spec: ChartSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartSpec {
    pub chart: &'static str,
    pub version: &'static str,
    pub source_ref: SourceRef,
    pub interval: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SourceRef {
    pub kind: &'static str,
    pub name: &'static str,
    pub namespace: String,
}

#[derive(Debug, Serialize)]
pub struct Install {
    pub remediation: Remediation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upgrade {
    pub cleanup_on_fail: bool,
    pub remediation: Remediation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remediation {
    pub retries: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediate_last_failure: Option<bool>,
}

pub fn helm_repository(r: &Resolved) -> HelmRepository {
    HelmRepository {
        api_version: "source.toolkit.fluxcd.io/v1",
        kind: "HelmRepository",
        metadata: object_meta(REPOSITORY, Some(&r.namespace), labels::stack(r)),
        spec: HelmRepositorySpec {
            url: REPOSITORY_URL,
            interval: "12h",
        },
    }
}

pub fn helm_release(r: &Resolved, values: Value) -> HelmRelease {
    HelmRelease {
        api_version: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: object_meta(&r.name, Some(&r.namespace), labels::stack(r)),
        spec: HelmReleaseSpec {
            interval: "30m",
            // StatefulSets with PVCs and ingesters that flush on shutdown take a while.
            timeout: "15m",
            release_name: r.name.clone(),
            target_namespace: r.namespace.clone(),
            chart: ChartTemplate {
                spec: ChartSpec {
                    chart: CHART,
                    version: CHART_VERSION,
                    source_ref: SourceRef {
                        kind: "HelmRepository",
                        name: REPOSITORY,
                        namespace: r.namespace.clone(),
                    },
                    interval: "12h",
                },
            },
            install: Install {
                remediation: Remediation {
                    retries: 3,
                    remediate_last_failure: None,
                },
            },
            upgrade: Upgrade {
                cleanup_on_fail: true,
                remediation: Remediation {
                    retries: 3,
                    remediate_last_failure: Some(true),
                },
            },
            values,
        },
    }
}
