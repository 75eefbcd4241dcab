//! `results` entries of a ResourceList (kpt prints them; kustomize ignores them).

use serde::Serialize;

use crate::diagnostic::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KrmResult {
    pub message: String,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct File {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
}

impl KrmResult {
    pub fn info(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            severity: Severity::Info,
            resource_ref: None,
            field: None,
            file: None,
        }
    }

    pub fn warning(d: &Diagnostic, resource: Option<ResourceRef>, index: Option<u32>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::from_diagnostic(d, resource, index)
        }
    }

    pub fn from_diagnostic(
        d: &Diagnostic,
        resource: Option<ResourceRef>,
        index: Option<u32>,
    ) -> Self {
        Self {
            message: d.message.clone(),
            severity: Severity::Error,
            resource_ref: resource,
            field: d.field.clone().map(|path| Field { path }),
            file: d.file.clone().map(|path| File { path, index }),
        }
    }
}
