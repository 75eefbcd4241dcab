//! What the hazards need from a Loki config (schema periods, store, retention,
//! replication), read back from the rendered ConfigMaps `loki` (`config.yaml`) and
//! `loki-runtime` (`runtime-config.yaml`): the same for an earlier render and for the
//! live objects, which hold the same text.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::loki::{CONFIG_FILE, RUNTIME_CONFIG_FILE};
use crate::contract as names;
use crate::spec::duration::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: String,
    pub store: String,
    pub object_store: String,
    pub schema: String,
    pub index_prefix: String,
    pub index_period: String,
}

impl Period {
    /// `v13, tsdb, filesystem, index loki_index_ every 24h`.
    pub fn describe(&self) -> String {
        format!(
            "{}, {}, {}, index {} every {}",
            self.schema, self.store, self.object_store, self.index_prefix, self.index_period
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    pub selector: String,
    pub period: Duration,
}

/// A retention block: Loki's `limits_config` or one tenant's override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub period: Duration,
    pub streams: Vec<Stream>,
}

impl Scope {
    /// The period a stream selector gets in this scope.
    pub fn of(&self, selector: &str) -> &Duration {
        self.streams
            .iter()
            .find(|s| s.selector == selector)
            .map_or(&self.period, |s| &s.period)
    }
}

#[derive(Debug, Clone, Default)]
pub struct LokiView {
    pub periods: Vec<Period>,
    /// [`crate::spec::resolved::Backend::store_id`] form.
    pub store: Option<String>,
    pub replication_factor: Option<u64>,
    pub retention: Option<Scope>,
    pub tenants: BTreeMap<String, Scope>,
}

fn config_map_data<'a>(objects: &'a [Value], name: &str, key: &str) -> Option<&'a str> {
    objects
        .iter()
        .find(|o| {
            o.get("kind").and_then(Value::as_str) == Some("ConfigMap")
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        })?
        .get("data")?
        .get(key)?
        .as_str()
}

/// The Loki config of a stack's objects; `Ok(None)` when they hold no Loki ConfigMap.
pub fn read(objects: &[Value]) -> Result<Option<LokiView>, String> {
    let Some(text) = config_map_data(objects, names::LOKI, CONFIG_FILE) else {
        return Ok(None);
    };
    let config: Value = crate::yaml::from_str(text)
        .map_err(|e| format!("ConfigMap {}, key {CONFIG_FILE}: {e}", names::LOKI))?;
    let s = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let periods = config
        .pointer("/schema_config/configs")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| Period {
                    from: s(p, "/from"),
                    store: s(p, "/store"),
                    object_store: s(p, "/object_store"),
                    schema: s(p, "/schema"),
                    index_prefix: s(p, "/index/prefix"),
                    index_period: s(p, "/index/period"),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut view = LokiView {
        periods,
        store: store_of(&config),
        replication_factor: config
            .pointer("/common/replication_factor")
            .and_then(Value::as_u64),
        retention: config.get("limits_config").and_then(|l| scope(l, None)),
        tenants: BTreeMap::new(),
    };
    if let Some(text) = config_map_data(objects, names::LOKI_RUNTIME, RUNTIME_CONFIG_FILE) {
        let runtime: Value = crate::yaml::from_str(text).map_err(|e| {
            format!(
                "ConfigMap {}, key {RUNTIME_CONFIG_FILE}: {e}",
                names::LOKI_RUNTIME
            )
        })?;
        if let Some(overrides) = runtime.get("overrides").and_then(Value::as_object) {
            for (tenant, o) in overrides {
                // Loki starts a tenant's limits from the defaults: what the override
                // does not set is the global value.
                if let Some(sc) = scope(o, view.retention.as_ref()) {
                    view.tenants.insert(tenant.clone(), sc);
                }
            }
        }
    }
    Ok(Some(view))
}

fn duration(v: Option<&Value>) -> Option<Duration> {
    Duration::parse(v?.as_str()?).ok()
}

fn scope(limits: &Value, defaults: Option<&Scope>) -> Option<Scope> {
    let period = match duration(limits.get("retention_period")) {
        Some(p) => p,
        None => defaults?.period.clone(),
    };
    let Some(list) = limits.get("retention_stream").and_then(Value::as_array) else {
        let streams = defaults.map(|d| d.streams.clone()).unwrap_or_default();
        return Some(Scope { period, streams });
    };
    let streams = list
        .iter()
        .filter_map(|s| {
            Some(Stream {
                selector: s.get("selector")?.as_str()?.to_owned(),
                period: duration(s.get("period"))?,
            })
        })
        .collect();
    Some(Scope { period, streams })
}

fn store_of(config: &Value) -> Option<String> {
    let storage = config.pointer("/common/storage")?;
    if storage.get("filesystem").is_some() {
        return Some("filesystem".to_owned());
    }
    if let Some(s3) = storage.get("s3") {
        let bucket = s3.get("bucketnames")?.as_str()?;
        return Some(match s3.get("endpoint").and_then(Value::as_str) {
            Some(endpoint) => format!("s3://{endpoint}/{bucket}"),
            None => format!("s3://{bucket}"),
        });
    }
    let gcs = storage.get("gcs")?;
    Some(format!("gcs://{}", gcs.get("bucket_name")?.as_str()?))
}
