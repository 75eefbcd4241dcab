//! `spec.storage`: exactly one backend, and credentials only by reference.

use super::checker::Checker;
use crate::spec::names;
use crate::spec::resolved::{
    Backend, Gcs, Migration, S3, Sse, Storage, StorageAuth, StorageSecret,
};
use crate::spec::types::{Mode, Profile, Spec, SseType, StorageSpec};

pub(super) fn storage(
    c: &mut Checker,
    spec: &Spec,
    profile: Profile,
    mode: Mode,
) -> Option<Storage> {
    let given = spec.storage.clone().unwrap_or_default();
    let before = c.errors.len();
    let mut chosen: Vec<&str> = Vec::new();
    if given.filesystem.is_some() {
        chosen.push("filesystem");
    }
    if given.s3.is_some() {
        chosen.push("s3");
    }
    if given.gcs.is_some() {
        chosen.push("gcs");
    }
    if chosen.len() > 1 {
        c.error(
            "spec.storage",
            format!(
                "{} storage backends at once ({}): Loki stores chunks and index in exactly one; \
                 keep one of them",
                chosen.len(),
                chosen.join(" and ")
            ),
        );
        return None;
    }
    let backend = if let Some(s3) = &given.s3 {
        s3_backend(c, s3).map(Backend::S3)
    } else if let Some(gcs) = &given.gcs {
        gcs_backend(c, gcs).map(Backend::Gcs)
    } else if mode != Mode::SingleBinary {
        let field = if given.filesystem.is_some() {
            "spec.storage.filesystem"
        } else {
            "spec.storage"
        };
        c.error(
            field,
            format!(
                "{mode:?} needs object storage: its pods run on different nodes and a \
                 filesystem would give each pod only its own disk; set spec.storage.s3 \
                 {{bucket, region}} or spec.storage.gcs {{bucket}}"
            ),
        );
        None
    } else if profile == Profile::Cloud && given.filesystem.is_none() {
        c.error(
            "spec.storage",
            "no storage backend: the cloud profile stores logs in object storage; set \
             spec.storage.s3 {bucket, region} or spec.storage.gcs {bucket}",
        );
        None
    } else {
        Some(Backend::Filesystem)
    };
    let auth = auth(c, &given, backend.as_ref());
    if let (Some(Backend::S3(_) | Backend::Gcs(_)), Some(a)) = (&backend, &auth)
        && a.secret.is_none()
        && a.service_account_annotations.is_empty()
    {
        c.warn(
            "spec.storage.auth",
            "no credentials configured: Loki will use whatever the node grants (instance \
             profile or node service account); prefer workload identity \
             (spec.storage.auth.serviceAccountAnnotations)",
        );
    }
    let migration = migration(c, &given, backend.as_ref());
    if c.errors.len() != before {
        return None;
    }
    Some(Storage {
        backend: backend?,
        auth: auth?,
        migration,
    })
}

/// `spec.storage.migration`: names the store a switch leaves, in [`Backend::store_id`]
/// form, and what becomes of its logs. Whether the switch happens is only known on
/// change (`plan --from`, kpt re-render), where it is checked against the earlier config.
fn migration(c: &mut Checker, given: &StorageSpec, backend: Option<&Backend>) -> Option<Migration> {
    let m = given.migration.as_ref()?;
    let field = "spec.storage.migration";
    let forms =
        "\"filesystem\", \"s3://<bucket>\", \"s3://<endpoint>/<bucket>\" or \"gcs://<bucket>\"";
    let from = match m.from.as_deref() {
        None | Some("") => {
            c.error(
                &format!("{field}.from"),
                format!("required: the store the running stack uses ({forms}; `loki-stack-fn plan` prints it)"),
            );
            None
        }
        Some(f) if !is_store_id(f) => {
            c.error(
                &format!("{field}.from"),
                format!("invalid store {f:?}: write {forms}"),
            );
            None
        }
        Some(f) if backend.is_some_and(|b| b.store_id() == f) => {
            c.error(
                &format!("{field}.from"),
                format!(
                    "{f:?} is the store this config uses: spec.storage.migration.from names the \
                     store the running stack uses and this config leaves"
                ),
            );
            None
        }
        Some(f) => Some(f.to_owned()),
    };
    let old_logs = m.old_logs.or_else(|| {
        c.error(
            &format!("{field}.oldLogs"),
            "required: Abandon (Loki no longer reads the logs in the old store) or Copied \
             (you copied its chunks and index to the new store before the switch)",
        );
        None
    });
    Some(Migration {
        from: from?,
        old_logs: old_logs?,
    })
}

fn is_store_id(s: &str) -> bool {
    let bucket_ok = |b: &str| {
        !b.is_empty()
            && b.bytes()
                .all(|x| x.is_ascii_alphanumeric() || matches!(x, b'-' | b'_' | b'.'))
    };
    if s == "filesystem" {
        return true;
    }
    if let Some(rest) = s.strip_prefix("gcs://") {
        return bucket_ok(rest);
    }
    if let Some(rest) = s.strip_prefix("s3://") {
        return match rest.rsplit_once('/') {
            Some((endpoint, bucket)) => {
                bucket_ok(bucket)
                    && !endpoint.is_empty()
                    && !endpoint.contains('/')
                    && !endpoint.chars().any(char::is_whitespace)
            }
            None => bucket_ok(rest),
        };
    }
    false
}

/// S3 bucket names: 3-63 characters, lowercase letters, digits, '-' and '.'.
fn check_s3_bucket(bucket: &str) -> Result<(), String> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && bucket
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && bucket
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && !bucket.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid bucket name {bucket:?}: 3 to 63 lowercase letters, digits, '-' or '.', \
             starting and ending with a letter or digit (the name only, not an s3:// URL)"
        ))
    }
}

fn s3_backend(c: &mut Checker, s3: &crate::spec::types::S3Spec) -> Option<S3> {
    let bucket = match s3.bucket.as_deref() {
        None | Some("") => {
            c.error(
                "spec.storage.s3.bucket",
                "required: the bucket Loki stores logs in",
            );
            None
        }
        Some(b) => c
            .check("spec.storage.s3.bucket", check_s3_bucket(b))
            .map(|()| b.to_owned()),
    };
    let (endpoint, insecure) = match s3.endpoint.as_deref() {
        None | Some("") => (None, false),
        Some(e) => {
            let (rest, insecure) = if let Some(r) = e.strip_prefix("http://") {
                (r, true)
            } else if let Some(r) = e.strip_prefix("https://") {
                (r, false)
            } else {
                (e, false)
            };
            let host = rest.trim_end_matches('/');
            if host.is_empty()
                || host.contains('/')
                || host.contains("://")
                || host.chars().any(|ch| ch.is_whitespace() || ch == '$')
            {
                c.error(
                    "spec.storage.s3.endpoint",
                    format!(
                        "invalid endpoint {e:?}: write host[:port], optionally with http:// \
                         or https://, and no path (the bucket goes in spec.storage.s3.bucket)"
                    ),
                );
            }
            (Some(host.to_owned()), insecure)
        }
    };
    let region = s3.region.clone().filter(|r| !r.is_empty());
    match &region {
        None if endpoint.is_none() => c.error(
            "spec.storage.s3.region",
            "required for AWS S3 (e.g. \"eu-west-1\"); only an S3-compatible endpoint may \
             omit it",
        ),
        Some(r)
            if !r
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            c.error(
                "spec.storage.s3.region",
                format!(
                    "invalid region {r:?}: lowercase letters, digits and '-', e.g. \"eu-west-1\""
                ),
            );
        }
        _ => {}
    }
    let sse = match &s3.sse {
        None => None,
        Some(sse) => match (sse.kind, sse.kms_key_id.as_deref()) {
            (None, _) => {
                c.error("spec.storage.s3.sse.type", "required: SSE-S3 or SSE-KMS");
                None
            }
            (Some(SseType::SseKms), None | Some("")) => {
                c.error(
                    "spec.storage.s3.sse.kmsKeyId",
                    "required with SSE-KMS: the KMS key id or ARN",
                );
                None
            }
            (Some(SseType::SseS3), Some(_)) => {
                c.error(
                    "spec.storage.s3.sse.kmsKeyId",
                    "only applies to SSE-KMS: SSE-S3 uses keys S3 manages; remove it or use \
                     type SSE-KMS",
                );
                None
            }
            (Some(kind), key) => Some(Sse {
                kind,
                kms_key_id: key.map(str::to_owned),
            }),
        },
    };
    Some(S3 {
        bucket: bucket?,
        region,
        endpoint,
        insecure,
        force_path_style: s3.force_path_style.unwrap_or(false),
        sse,
    })
}

fn gcs_backend(c: &mut Checker, gcs: &crate::spec::types::GcsSpec) -> Option<Gcs> {
    match gcs.bucket.as_deref() {
        None | Some("") => {
            c.error(
                "spec.storage.gcs.bucket",
                "required: the bucket Loki stores logs in",
            );
            None
        }
        Some(b) => {
            let ok = (3..=63).contains(&b.len())
                && b.bytes().all(|x| {
                    x.is_ascii_lowercase() || x.is_ascii_digit() || matches!(x, b'-' | b'_' | b'.')
                })
                && b.bytes().next().is_some_and(|x| x.is_ascii_alphanumeric())
                && b.bytes().last().is_some_and(|x| x.is_ascii_alphanumeric());
            if ok {
                Some(Gcs {
                    bucket: b.to_owned(),
                })
            } else {
                c.error(
                    "spec.storage.gcs.bucket",
                    format!(
                        "invalid bucket name {b:?}: 3 to 63 lowercase letters, digits, '-', '_' \
                         or '.', starting and ending with a letter or digit (not a gs:// URL)"
                    ),
                );
                None
            }
        }
    }
}

/// A Secret key: what `kubectl create secret` accepts.
fn check_secret_key(key: &str) -> Result<(), String> {
    if !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Ok(())
    } else {
        Err(format!(
            "invalid Secret key {key:?}: letters, digits, '-', '_' or '.'"
        ))
    }
}

fn auth(c: &mut Checker, given: &StorageSpec, backend: Option<&Backend>) -> Option<StorageAuth> {
    let Some(auth) = &given.auth else {
        return Some(StorageAuth::default());
    };
    let field = "spec.storage.auth";
    if matches!(backend, Some(Backend::Filesystem)) {
        c.error(
            field,
            "filesystem storage needs no credentials: remove spec.storage.auth",
        );
        return None;
    }
    let annotations = auth.service_account_annotations.clone().unwrap_or_default();
    for (k, v) in &annotations {
        c.check(
            &format!("{field}.serviceAccountAnnotations.{k}"),
            names::check_label_key(k),
        );
        if v.trim().is_empty() {
            c.error(
                &format!("{field}.serviceAccountAnnotations.{k}"),
                "must not be empty",
            );
        }
    }
    if !annotations.is_empty() && auth.secret_ref.is_some() {
        c.error(
            field,
            "both serviceAccountAnnotations and secretRef: choose one way for Loki to \
             authenticate (workload identity is preferred: nothing to rotate)",
        );
        return None;
    }
    let secret = match &auth.secret_ref {
        None => None,
        Some(r) => {
            let sf = format!("{field}.secretRef");
            let name = match r.name.as_deref() {
                None | Some("") => {
                    c.error(&format!("{sf}.name"), "required: the Secret's name");
                    None
                }
                Some(n) => c
                    .check(&format!("{sf}.name"), names::check_dns_label(n))
                    .map(|()| n.to_owned()),
            };
            let is_s3 = matches!(backend, Some(Backend::S3(_)));
            let is_gcs = matches!(backend, Some(Backend::Gcs(_)));
            let mut key = |sub: &str, given: &Option<String>, default: &str, applies: bool| {
                if given.is_some() && !applies {
                    c.error(
                        &format!("{sf}.{sub}"),
                        format!(
                            "does not apply to {} storage",
                            backend.map(Backend::loki_name).unwrap_or("this")
                        ),
                    );
                }
                let k = given.clone().unwrap_or_else(|| default.to_owned());
                c.check(&format!("{sf}.{sub}"), check_secret_key(&k));
                k
            };
            let access = key(
                "accessKeyIdKey",
                &r.access_key_id_key,
                "AWS_ACCESS_KEY_ID",
                is_s3,
            );
            let secret_key = key(
                "secretAccessKeyKey",
                &r.secret_access_key_key,
                "AWS_SECRET_ACCESS_KEY",
                is_s3,
            );
            let key_file = key("keyFileKey", &r.key_file_key, "key.json", is_gcs);
            name.map(|name| StorageSecret {
                name,
                access_key_id_key: access,
                secret_access_key_key: secret_key,
                key_file_key: key_file,
            })
        }
    };
    Some(StorageAuth {
        service_account_annotations: annotations,
        secret,
    })
}

/// With S3 keys from a Secret, Loki's config holds `${AWS_ACCESS_KEY_ID}` references and
/// Loki runs it through `-config.expand-env`: the values that land in it verbatim must
/// not hold a `$` or `\\`.
pub(super) fn loki_expand_env(c: &mut Checker, spec: &Spec) {
    let why = "with S3 keys from spec.storage.auth.secretRef Loki expands environment \
               variables in its config; use workload identity (serviceAccountAnnotations) \
               instead, or change the value";
    let mut values: Vec<(String, &str)> = Vec::new();
    if let Some(s3) = spec.storage.as_ref().and_then(|s| s.s3.as_ref()) {
        values.extend(
            s3.endpoint
                .as_deref()
                .map(|v| ("spec.storage.s3.endpoint".to_owned(), v)),
        );
        values.extend(
            s3.sse
                .as_ref()
                .and_then(|x| x.kms_key_id.as_deref())
                .map(|v| ("spec.storage.s3.sse.kmsKeyId".to_owned(), v)),
        );
    }
    values.extend(
        spec.ruler
            .as_ref()
            .and_then(|r| r.alertmanager_url.as_deref())
            .map(|v| ("spec.ruler.alertmanagerUrl".to_owned(), v)),
    );
    let streams = spec.retention.as_ref().and_then(|r| r.streams.as_deref());
    for (i, st) in streams.unwrap_or_default().iter().enumerate() {
        values.push((
            format!("spec.retention.streams[{i}].selector"),
            &st.selector,
        ));
    }
    for (field, value) in values {
        c.expand_env_safe(&field, value, true, why);
    }
}
