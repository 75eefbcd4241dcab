//! Where Loki keeps chunks and index, and the credentials it reaches them with.

use std::collections::BTreeMap;

use crate::spec::types::{OldLogs, SseType};

#[derive(Debug, Clone)]
pub struct Storage {
    pub backend: Backend,
    pub auth: StorageAuth,
    /// `spec.storage.migration`: the store a switch leaves (checked on change).
    pub migration: Option<Migration>,
}

#[derive(Debug, Clone)]
pub struct Migration {
    /// [`Backend::store_id`] of the store left behind.
    pub from: String,
    pub old_logs: OldLogs,
}

/// Where chunks and the index live. Filesystem only in SingleBinary (the PVC).
#[derive(Debug, Clone)]
pub enum Backend {
    Filesystem,
    S3(S3),
    Gcs(Gcs),
}

impl Backend {
    /// Loki's name for it (`object_store`, `delete_request_store`).
    pub fn loki_name(&self) -> &'static str {
        match self {
            Backend::Filesystem => "filesystem",
            Backend::S3(_) => "s3",
            Backend::Gcs(_) => "gcs",
        }
    }

    /// Which store logs are in: `filesystem`, `s3://<bucket>`, `s3://<endpoint>/<bucket>`
    /// or `gcs://<bucket>`. Two configs with different ids keep logs in different places.
    pub fn store_id(&self) -> String {
        match self {
            Backend::Filesystem => "filesystem".to_owned(),
            Backend::S3(s3) => match &s3.endpoint {
                Some(endpoint) => format!("s3://{endpoint}/{}", s3.bucket),
                None => format!("s3://{}", s3.bucket),
            },
            Backend::Gcs(gcs) => format!("gcs://{}", gcs.bucket),
        }
    }
}

#[derive(Debug, Clone)]
pub struct S3 {
    pub bucket: String,
    pub region: Option<String>,
    /// Host[:port] without scheme.
    pub endpoint: Option<String>,
    /// The endpoint was given as `http://`.
    pub insecure: bool,
    pub force_path_style: bool,
    pub sse: Option<Sse>,
}

#[derive(Debug, Clone)]
pub struct Sse {
    pub kind: SseType,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Gcs {
    pub bucket: String,
}

#[derive(Debug, Clone, Default)]
pub struct StorageAuth {
    pub service_account_annotations: BTreeMap<String, String>,
    pub secret: Option<StorageSecret>,
}

#[derive(Debug, Clone)]
pub struct StorageSecret {
    pub name: String,
    pub access_key_id_key: String,
    pub secret_access_key_key: String,
    pub key_file_key: String,
}
