//! `spec.storage`: where Loki keeps chunks and index, and how it authenticates.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::rules;

/// Exactly one backend (`filesystem`, `s3` or `gcs`), plus credentials by reference.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageSpec {
    /// A PVC (SingleBinary only). The local profile's default: 10Gi.
    pub filesystem: Option<FilesystemSpec>,
    /// Amazon S3 or an S3-compatible store (MinIO, Ceph).
    pub s3: Option<S3Spec>,
    /// Google Cloud Storage.
    pub gcs: Option<GcsSpec>,
    /// Credentials, only ever by reference (object storage only). Inline keys anywhere
    /// under `spec` are refused.
    pub auth: Option<StorageAuthSpec>,
    /// Acknowledges a switch of the object store (backend or bucket) of a running stack:
    /// without it such a change is refused (`plan --from`, kpt re-render).
    pub migration: Option<StorageMigrationSpec>,
}

/// `spec.storage.migration`: a store switch is refused on change (`plan --from`, kpt)
/// unless it says which store it leaves and what becomes of the logs there.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageMigrationSpec {
    /// The store the running stack uses, as `plan` prints it: `filesystem`,
    /// `s3://<bucket>`, `s3://<endpoint>/<bucket>` or `gcs://<bucket>`.
    pub from: Option<String>,
    /// What becomes of the logs in that store: `Abandon` (left there, no longer read or
    /// deleted by retention) or `Copied` (copied to the new store before the switch).
    pub old_logs: Option<OldLogs>,
}

/// The logs already in the store a migration leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum OldLogs {
    /// Left where they are: Loki no longer reads them (delete them yourself).
    Abandon,
    /// Copied (chunks and index) to the new store before the switch.
    Copied,
}

impl OldLogs {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Abandon => "Abandon",
            Self::Copied => "Copied",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3Spec {
    /// Required: the bucket's name only (not an `s3://` URL), 3 to 63 lowercase letters,
    /// digits, `-` or `.`.
    #[schemars(transform = rules::s3_bucket)]
    pub bucket: Option<String>,
    /// The bucket's region, e.g. `eu-west-1`; required unless `endpoint` is set.
    #[schemars(transform = rules::s3_region)]
    pub region: Option<String>,
    /// S3-compatible endpoint (MinIO, Ceph): `host[:port]` or an `http(s)://` URL,
    /// without a path.
    #[schemars(transform = rules::s3_endpoint)]
    pub endpoint: Option<String>,
    /// Path-style addressing (`endpoint/bucket`), which most S3-compatible stores need.
    /// Default false.
    pub force_path_style: Option<bool>,
    /// Server-side encryption.
    pub sse: Option<SseSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SseSpec {
    /// Required: `SSE-S3` (keys S3 manages) or `SSE-KMS` (a KMS key: `kmsKeyId`).
    #[serde(rename = "type")]
    pub kind: Option<SseType>,
    /// SSE-KMS only, required there: the KMS key id, ARN or alias (`alias/loki`).
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum SseType {
    #[serde(rename = "SSE-S3")]
    SseS3,
    #[serde(rename = "SSE-KMS")]
    SseKms,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GcsSpec {
    /// Required: the bucket's name only (not a `gs://` URL).
    #[schemars(transform = rules::gcs_bucket)]
    pub bucket: Option<String>,
}

/// How Loki authenticates to the object store: workload identity (preferred) or a
/// Secret, not both. Without either Loki uses what the node grants (a warning).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageAuthSpec {
    /// Workload identity, put on Loki's ServiceAccount: IRSA
    /// (`eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/loki`) or GKE
    /// (`iam.gke.io/gcp-service-account: loki@PROJECT.iam.gserviceaccount.com`).
    #[schemars(transform = rules::service_account_annotations)]
    pub service_account_annotations: Option<BTreeMap<String, String>>,
    /// A Secret in the stack's namespace holding the credentials.
    pub secret_ref: Option<StorageSecretRef>,
}

/// A Secret in the stack's namespace holding the object store credentials.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageSecretRef {
    /// Required: the Secret's name.
    #[schemars(transform = rules::dns_label)]
    pub name: Option<String>,
    /// S3: key of the access key id (default `AWS_ACCESS_KEY_ID`).
    #[schemars(transform = rules::secret_key)]
    pub access_key_id_key: Option<String>,
    /// S3: key of the secret access key (default `AWS_SECRET_ACCESS_KEY`).
    #[schemars(transform = rules::secret_key)]
    pub secret_access_key_key: Option<String>,
    /// GCS: key of the service account key file (default `key.json`).
    #[schemars(transform = rules::secret_key)]
    pub key_file_key: Option<String>,
}

/// A PersistentVolumeClaim.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FilesystemSpec {
    /// PVC size, at least 1Gi, e.g. `10Gi` (local default) or `50Gi`.
    #[schemars(transform = rules::quantity)]
    pub size: Option<String>,
    /// Empty or absent: the cluster's default StorageClass.
    #[schemars(transform = rules::storage_class)]
    pub storage_class_name: Option<String>,
}
