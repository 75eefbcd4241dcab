//! `config.yaml` of Loki 3.7 (`-config.file`), the subset this stack sets.
//! Field names follow Loki's configuration reference exactly.

use serde::Serialize;

use crate::spec::Resolved;
use crate::spec::resolved::Storage;

/// Loki's data directory (the PVC). Everything Loki writes lives below it or in /tmp.
pub const DATA_DIR: &str = "/var/loki";
pub const CONFIG_DIR: &str = "/etc/loki/config";
pub const CONFIG_FILE: &str = "config.yaml";
pub const RUNTIME_CONFIG_DIR: &str = "/etc/loki/runtime-config";
pub const RUNTIME_CONFIG_FILE: &str = "runtime-config.yaml";
pub const HTTP_PORT: u16 = 3100;
pub const GRPC_PORT: u16 = 9095;

#[derive(Debug, Serialize)]
pub struct Config {
    pub auth_enabled: bool,
    pub server: Server,
    pub common: Common,
    pub schema_config: SchemaConfig,
    pub storage_config: StorageConfig,
    pub ingester: Ingester,
    pub compactor: Compactor,
    pub limits_config: LimitsConfig,
    pub ruler: Ruler,
    pub pattern_ingester: Enabled,
    pub runtime_config: RuntimeConfig,
    pub analytics: Analytics,
    pub tracing: Enabled,
}

#[derive(Debug, Serialize)]
pub struct Server {
    pub http_listen_port: u16,
    pub grpc_listen_port: u16,
    pub log_level: &'static str,
    pub log_format: &'static str,
    pub grpc_server_max_recv_msg_size: u64,
    pub grpc_server_max_send_msg_size: u64,
}

#[derive(Debug, Serialize)]
pub struct Common {
    pub path_prefix: String,
    pub replication_factor: u32,
    pub instance_addr: &'static str,
    pub ring: Ring,
    pub storage: CommonStorage,
}

#[derive(Debug, Serialize)]
pub struct Ring {
    pub kvstore: KvStore,
}

#[derive(Debug, Serialize)]
pub struct KvStore {
    pub store: &'static str,
}

#[derive(Debug, Serialize)]
pub struct CommonStorage {
    pub filesystem: FilesystemStorage,
}

#[derive(Debug, Serialize)]
pub struct FilesystemStorage {
    pub chunks_directory: String,
    pub rules_directory: String,
}

#[derive(Debug, Serialize)]
pub struct SchemaConfig {
    pub configs: Vec<PeriodConfig>,
}

#[derive(Debug, Serialize)]
pub struct PeriodConfig {
    pub from: String,
    pub store: &'static str,
    pub object_store: &'static str,
    pub schema: String,
    pub index: IndexConfig,
}

#[derive(Debug, Serialize)]
pub struct IndexConfig {
    pub prefix: &'static str,
    pub period: &'static str,
}

#[derive(Debug, Serialize)]
pub struct StorageConfig {
    pub tsdb_shipper: TsdbShipper,
}

#[derive(Debug, Serialize)]
pub struct TsdbShipper {
    pub active_index_directory: String,
    pub cache_location: String,
}

#[derive(Debug, Serialize)]
pub struct Ingester {
    pub wal: Wal,
}

#[derive(Debug, Serialize)]
pub struct Wal {
    pub enabled: bool,
    pub dir: String,
    pub flush_on_shutdown: bool,
}

#[derive(Debug, Serialize)]
pub struct Compactor {
    pub working_directory: String,
    pub compaction_interval: &'static str,
    pub retention_enabled: bool,
    pub retention_delete_delay: &'static str,
    pub delete_request_store: &'static str,
}

#[derive(Debug, Serialize)]
pub struct LimitsConfig {
    pub retention_period: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retention_stream: Vec<StreamRetention>,
    pub ingestion_rate_mb: f64,
    pub ingestion_burst_size_mb: f64,
    pub max_global_streams_per_user: u32,
    pub reject_old_samples: bool,
    pub reject_old_samples_max_age: String,
    pub allow_structured_metadata: bool,
    pub volume_enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct StreamRetention {
    pub selector: String,
    pub priority: u32,
    pub period: String,
}

#[derive(Debug, Serialize)]
pub struct Ruler {
    pub rule_path: String,
    pub storage: RulerStorage,
    pub wal: RulerWal,
}

#[derive(Debug, Serialize)]
pub struct RulerStorage {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub local: RulerLocal,
}

#[derive(Debug, Serialize)]
pub struct RulerLocal {
    pub directory: String,
}

#[derive(Debug, Serialize)]
pub struct RulerWal {
    pub dir: String,
}

#[derive(Debug, Serialize)]
pub struct Enabled {
    pub enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct RuntimeConfig {
    pub file: String,
}

#[derive(Debug, Serialize)]
pub struct Analytics {
    pub reporting_enabled: bool,
}

fn data(sub: &str) -> String {
    format!("{DATA_DIR}/{sub}")
}

/// Loki refuses samples older than this: a week, but never older than retention
/// (those would be deleted at the next compaction anyway).
fn reject_old_samples_max_age(r: &Resolved) -> String {
    const WEEK_MS: u64 = 7 * 24 * 3_600_000;
    if r.retention.period.as_millis() < WEEK_MS {
        r.retention.period.as_str().to_owned()
    } else {
        "168h".to_owned()
    }
}

pub fn build(r: &Resolved) -> Config {
    let Storage::Filesystem { .. } = &r.storage;
    Config {
        auth_enabled: false,
        server: Server {
            http_listen_port: HTTP_PORT,
            grpc_listen_port: GRPC_PORT,
            log_level: r.loki.log_level.as_str(),
            log_format: "logfmt",
            grpc_server_max_recv_msg_size: 104_857_600,
            grpc_server_max_send_msg_size: 104_857_600,
        },
        common: Common {
            path_prefix: DATA_DIR.to_owned(),
            replication_factor: 1,
            // One process holds every ring; its members talk over loopback.
            instance_addr: "127.0.0.1",
            ring: Ring {
                kvstore: KvStore { store: "inmemory" },
            },
            storage: CommonStorage {
                filesystem: FilesystemStorage {
                    chunks_directory: data("chunks"),
                    rules_directory: data("rules"),
                },
            },
        },
        schema_config: SchemaConfig {
            configs: r
                .schemas
                .iter()
                .map(|s| PeriodConfig {
                    from: s.from.clone(),
                    store: "tsdb",
                    object_store: "filesystem",
                    schema: s.version.clone(),
                    index: IndexConfig {
                        prefix: "loki_index_",
                        period: "24h",
                    },
                })
                .collect(),
        },
        storage_config: StorageConfig {
            tsdb_shipper: TsdbShipper {
                active_index_directory: data("tsdb-index"),
                cache_location: data("tsdb-cache"),
            },
        },
        ingester: Ingester {
            wal: Wal {
                enabled: true,
                dir: data("wal"),
                flush_on_shutdown: true,
            },
        },
        compactor: Compactor {
            working_directory: data("compactor"),
            compaction_interval: "10m",
            retention_enabled: true,
            retention_delete_delay: "2h",
            delete_request_store: "filesystem",
        },
        limits_config: LimitsConfig {
            retention_period: r.retention.period.as_str().to_owned(),
            retention_stream: r
                .retention
                .streams
                .iter()
                .map(|s| StreamRetention {
                    selector: s.selector.clone(),
                    priority: s.priority,
                    period: s.period.as_str().to_owned(),
                })
                .collect(),
            ingestion_rate_mb: r.limits.ingestion_rate_mb,
            ingestion_burst_size_mb: r.limits.ingestion_burst_size_mb,
            max_global_streams_per_user: r.limits.max_streams_per_user,
            reject_old_samples: true,
            reject_old_samples_max_age: reject_old_samples_max_age(r),
            allow_structured_metadata: true,
            volume_enabled: true,
        },
        ruler: Ruler {
            rule_path: data("rules-temp"),
            storage: RulerStorage {
                kind: "local",
                local: RulerLocal {
                    directory: data("rules"),
                },
            },
            wal: RulerWal {
                dir: data("ruler-wal"),
            },
        },
        pattern_ingester: Enabled { enabled: false },
        runtime_config: RuntimeConfig {
            file: format!("{RUNTIME_CONFIG_DIR}/{RUNTIME_CONFIG_FILE}"),
        },
        analytics: Analytics {
            reporting_enabled: false,
        },
        tracing: Enabled { enabled: false },
    }
}

/// The promise the stack makes about data lifetime, checked on the final config:
/// retention is set, at least a day, and actually applied by the compactor (which Loki
/// only starts with a delete request store).
pub fn check_retention_is_enforced(c: &Config) -> Result<(), String> {
    if !c.compactor.retention_enabled {
        return Err(
            "the compactor would not apply retention (retention_enabled is false): \
                    logs would never be deleted"
                .to_owned(),
        );
    }
    if c.compactor.delete_request_store.is_empty() {
        return Err(
            "compactor.delete_request_store is empty: Loki refuses to start with \
                    retention enabled and no delete request store"
                .to_owned(),
        );
    }
    let period = crate::spec::duration::Duration::parse(&c.limits_config.retention_period)?;
    if period.as_millis() < 24 * crate::spec::duration::HOUR_MS {
        return Err(format!(
            "limits_config.retention_period {:?} is under 24h",
            c.limits_config.retention_period
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved() -> Resolved {
        let doc: serde_json::Value = crate::yaml::from_str(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec: {profile: local, retention: {period: 72h}}\n",
        )
        .unwrap();
        crate::spec::parse(&doc).unwrap()
    }

    #[test]
    fn retention_must_be_applied_by_the_compactor() {
        let good = build(&resolved());
        assert_eq!(check_retention_is_enforced(&good), Ok(()));

        let mut off = build(&resolved());
        off.compactor.retention_enabled = false;
        assert!(
            check_retention_is_enforced(&off)
                .unwrap_err()
                .contains("never be deleted")
        );

        let mut no_store = build(&resolved());
        no_store.compactor.delete_request_store = "";
        assert!(
            check_retention_is_enforced(&no_store)
                .unwrap_err()
                .contains("delete_request_store")
        );

        let mut short = build(&resolved());
        short.limits_config.retention_period = "12h".to_owned();
        assert!(
            check_retention_is_enforced(&short)
                .unwrap_err()
                .contains("under 24h")
        );
    }

    #[test]
    fn every_path_loki_writes_is_on_the_pvc() {
        let text = crate::yaml::to_string(&build(&resolved())).unwrap();
        for line in text.lines() {
            if let Some((_, value)) = line.split_once(": ")
                && value.starts_with('/')
                && !value.starts_with(CONFIG_DIR)
                && !value.starts_with(RUNTIME_CONFIG_DIR)
            {
                assert!(
                    value == DATA_DIR
                        || value.starts_with("/var/loki/")
                        || value.starts_with("/tmp/"),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn old_samples_are_never_older_than_retention() {
        let r = resolved();
        assert_eq!(build(&r).limits_config.reject_old_samples_max_age, "72h");
    }
}
