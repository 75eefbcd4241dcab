//! The chart's `loki:` values: Loki's own config. Schema, limits, retention, the
//! compactor and the late-line window are taken from the very config Manifests output
//! renders (`config::loki::build`), so both outputs run Loki with the same settings;
//! the chart templates the rest (memberlist, addresses, caches).

use serde_json::{Map, Value, json};

use super::components::image;
use crate::config::loki as cfg;
use crate::render::meta::to_value;
use crate::spec::Resolved;
use crate::spec::resolved::{Backend, Central, S3};
use crate::spec::types::SseType;

/// A section of our rendered Loki config, by its key.
fn section(config: &Value, key: &str) -> Result<Value, String> {
    config
        .get(key)
        .cloned()
        .ok_or_else(|| format!("internal error: the Loki config has no {key}"))
}

pub fn values(r: &Resolved, c: &Central) -> Result<Value, String> {
    let config = cfg::build(r, c);
    // The invariant Manifests output checks holds for these values too.
    cfg::check_retention_is_enforced(&config)?;
    let config = to_value(&config)?;
    let mut loki = Map::new();
    loki.insert("image".to_owned(), image(&c.loki.image));
    loki.insert("auth_enabled".to_owned(), json!(r.tenancy.enabled));
    loki.insert(
        "server".to_owned(),
        json!({"log_level": c.loki.log_level.as_str(), "log_format": "logfmt"}),
    );
    loki.insert(
        "commonConfig".to_owned(),
        json!({"path_prefix": cfg::DATA_DIR, "replication_factor": c.replication_factor}),
    );
    loki.insert("storage".to_owned(), storage(c));
    loki.insert(
        "schemaConfig".to_owned(),
        section(&config, "schema_config")?,
    );
    loki.insert(
        "limits_config".to_owned(),
        section(&config, "limits_config")?,
    );
    loki.insert("compactor".to_owned(), section(&config, "compactor")?);
    // The late-line window that covers the collector's retries (the chart's own
    // `ingester` value, `wal.flush_on_shutdown`, is kept).
    loki.insert(
        "ingester".to_owned(),
        json!({
            "max_chunk_age": section(&config, "ingester")?.get("max_chunk_age").cloned(),
            "wal": {"flush_on_shutdown": true},
        }),
    );
    loki.insert("querier".to_owned(), section(&config, "querier")?);
    let runtime = to_value(&cfg::runtime(r))?;
    if runtime
        .get("overrides")
        .and_then(Value::as_object)
        .is_some_and(|o| !o.is_empty())
    {
        loki.insert("runtimeConfig".to_owned(), runtime);
    }
    if let Some(url) = r.ruler.as_ref().and_then(|x| x.alertmanager_url.as_ref()) {
        loki.insert(
            "rulerConfig".to_owned(),
            json!({"alertmanager_url": url, "enable_api": true}),
        );
    }
    loki.insert("analytics".to_owned(), json!({"reporting_enabled": false}));
    Ok(Value::Object(loki))
}

/// `loki.storage`: the backend, its bucket for chunks, rules and the admin API, and its
/// settings. Credentials are never values: see `credentials`.
fn storage(c: &Central) -> Value {
    match &c.storage.backend {
        Backend::Filesystem => json!({"type": "filesystem"}),
        Backend::S3(s3) => json!({
            "type": "s3",
            "bucketNames": buckets(&s3.bucket),
            "s3": s3_values(s3),
        }),
        Backend::Gcs(gcs) => json!({
            "type": "gcs",
            "bucketNames": buckets(&gcs.bucket),
        }),
    }
}

/// One bucket for everything, as Manifests output does.
fn buckets(bucket: &str) -> Value {
    json!({"chunks": bucket, "ruler": bucket, "admin": bucket})
}

fn s3_values(s3: &S3) -> Value {
    let mut m = Map::new();
    if let Some(region) = &s3.region {
        m.insert("region".to_owned(), json!(region));
    }
    if let Some(endpoint) = &s3.endpoint {
        m.insert("endpoint".to_owned(), json!(endpoint));
    }
    m.insert("s3ForcePathStyle".to_owned(), json!(s3.force_path_style));
    m.insert("insecure".to_owned(), json!(s3.insecure));
    if let Some(sse) = &s3.sse {
        let mut s = Map::new();
        s.insert(
            "type".to_owned(),
            json!(match sse.kind {
                SseType::SseS3 => "SSE-S3",
                SseType::SseKms => "SSE-KMS",
            }),
        );
        if let Some(key) = &sse.kms_key_id {
            s.insert("kms_key_id".to_owned(), json!(key));
        }
        m.insert("sse".to_owned(), Value::Object(s));
    }
    Value::Object(m)
}

/// The storage Secret of `spec.storage.auth.secretRef` as the chart's `defaults`
/// (every Loki pod): S3 keys as the AWS SDK's environment variables (Loki's S3 client
/// falls back to the SDK's default credential chain when the config names no keys, so
/// no `-config.expand-env` is needed); the GCS key file mounted and named by
/// `GOOGLE_APPLICATION_CREDENTIALS`. Empty without a Secret (workload identity).
pub fn credentials(c: &Central) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(secret) = &c.storage.auth.secret else {
        return out;
    };
    match &c.storage.backend {
        Backend::S3(_) => {
            let env: Vec<Value> = cfg::S3_KEY_ENV
                .iter()
                .zip([&secret.access_key_id_key, &secret.secret_access_key_key])
                .map(|(var, key)| {
                    json!({"name": var, "valueFrom": {"secretKeyRef": {"name": secret.name, "key": key}}})
                })
                .collect();
            out.insert("extraEnv".to_owned(), Value::Array(env));
        }
        Backend::Gcs(_) => {
            out.insert(
                "extraEnv".to_owned(),
                json!([{"name": "GOOGLE_APPLICATION_CREDENTIALS",
                        "value": format!("{}/key.json", cfg::GCS_KEY_DIR)}]),
            );
            out.insert(
                "extraVolumes".to_owned(),
                json!([{"name": "gcs-key", "secret": {"secretName": secret.name,
                        "items": [{"key": secret.key_file_key, "path": "key.json"}]}}]),
            );
            out.insert(
                "extraVolumeMounts".to_owned(),
                json!([{"name": "gcs-key", "mountPath": cfg::GCS_KEY_DIR, "readOnly": true}]),
            );
        }
        Backend::Filesystem => {}
    }
    out
}
