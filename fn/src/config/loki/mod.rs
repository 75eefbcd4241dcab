//! `config.yaml` of Loki 3.7 (`-config.file`): one file for every component and mode;
//! each pod picks its part with `-target`. Field names follow Loki's configuration
//! reference exactly (see `model`).

mod model;

use std::collections::BTreeMap;

pub use model::*;

use crate::contract as names;
use crate::spec::Resolved;
use crate::spec::duration::go_duration;
use crate::spec::resolved::{Backend, Central, Part, Retention};
use crate::spec::types::{Mode, SseType};

/// Loki's data directory (the PVC). Everything Loki writes lives below it or in /tmp.
pub const DATA_DIR: &str = "/var/loki";
pub const CONFIG_DIR: &str = "/etc/loki/config";
pub const CONFIG_FILE: &str = "config.yaml";
pub const RUNTIME_CONFIG_DIR: &str = "/etc/loki/runtime-config";
pub const RUNTIME_CONFIG_FILE: &str = "runtime-config.yaml";
pub use crate::contract::{LOKI_GRPC_PORT as GRPC_PORT, LOKI_HTTP_PORT as HTTP_PORT};
/// Environment variables that carry S3 keys from a Secret (`-config.expand-env`).
pub const S3_KEY_ENV: [&str; 2] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
/// Where the GCS service account key file is mounted (`GOOGLE_APPLICATION_CREDENTIALS`).
pub const GCS_KEY_DIR: &str = "/etc/loki/gcs";

fn data(sub: &str) -> String {
    format!("{DATA_DIR}/{sub}")
}

const WEEK_MS: u64 = 7 * 24 * 3_600_000;

/// Loki refuses samples older than this: a week, but never older than retention
/// (those would be deleted at the next compaction anyway).
fn reject_old_samples_max_age(c: &Central) -> String {
    if c.retention.period.as_millis() < WEEK_MS {
        c.retention.period.as_str().to_owned()
    } else {
        "168h".to_owned()
    }
}

/// [`reject_old_samples_max_age`] in milliseconds: collectors drop older lines before
/// sending them, so that Loki never answers a batch with "timestamp too old".
///
/// An agent does not know the central Loki's retention: a week, Loki's own default and
/// the longest the central stack accepts.
pub fn max_sample_age_ms(r: &Resolved) -> u64 {
    r.central
        .as_ref()
        .map_or(WEEK_MS, |c| c.retention.period.as_millis().min(WEEK_MS))
}

/// Loki's own `ingester.max_chunk_age` and `querier.query_ingesters_within`.
const DEFAULT_MAX_CHUNK_AGE_MS: u64 = 2 * 3_600_000;
const DEFAULT_QUERY_INGESTERS_WITHIN_MS: u64 = 3 * 3_600_000;
/// Room in the late-line window for the last retry and the batch's own age.
const LATE_MARGIN_MS: u64 = 5 * 60_000;

/// `ingester.max_chunk_age`: Loki accepts lines up to half of it behind the newest line
/// of their stream, and a collector retries a line for `retryFor` (Fluent Bit delivers
/// new chunks before the retried ones).
pub fn max_chunk_age_ms(r: &Resolved) -> u64 {
    let retry_for = r.collector.delivery.retry_for.as_millis();
    DEFAULT_MAX_CHUNK_AGE_MS.max(2 * (retry_for + LATE_MARGIN_MS))
}

/// `querier.query_ingesters_within`: Loki's own ratio to `max_chunk_age` (3h to 2h),
/// so that queries still ask the ingesters for every line they may hold.
pub fn query_ingesters_within_ms(r: &Resolved) -> u64 {
    DEFAULT_QUERY_INGESTERS_WITHIN_MS.max(max_chunk_age_ms(r) / 2 * 3)
}

/// Whether Loki must run with `-config.expand-env=true` (S3 keys from a Secret).
pub fn needs_expand_env(r: &Resolved) -> bool {
    r.central.as_ref().is_some_and(|c| {
        matches!(c.storage.backend, Backend::S3(_)) && c.storage.auth.secret.is_some()
    })
}

fn grpc_address(r: &Resolved, service: &str) -> String {
    format!("{}:{GRPC_PORT}", r.service_host(service))
}

fn common_storage(r: &Resolved, c: &Central) -> CommonStorage {
    match &c.storage.backend {
        Backend::Filesystem => CommonStorage {
            filesystem: Some(FilesystemStorage {
                chunks_directory: data("chunks"),
                rules_directory: data("rules"),
            }),
            ..CommonStorage::default()
        },
        Backend::S3(s3) => {
            let keys = needs_expand_env(r);
            let env = |v: &str| keys.then(|| format!("${{{v}}}"));
            CommonStorage {
                s3: Some(S3Storage {
                    bucketnames: s3.bucket.clone(),
                    region: s3.region.clone(),
                    endpoint: s3.endpoint.clone(),
                    s3forcepathstyle: s3.force_path_style,
                    insecure: s3.insecure,
                    access_key_id: env(S3_KEY_ENV[0]),
                    secret_access_key: env(S3_KEY_ENV[1]),
                    sse: s3.sse.as_ref().map(|sse| S3Sse {
                        kind: match sse.kind {
                            SseType::SseS3 => "SSE-S3",
                            SseType::SseKms => "SSE-KMS",
                        },
                        kms_key_id: sse.kms_key_id.clone(),
                    }),
                }),
                ..CommonStorage::default()
            }
        }
        Backend::Gcs(gcs) => CommonStorage {
            gcs: Some(GcsStorage {
                bucket_name: gcs.bucket.clone(),
            }),
            ..CommonStorage::default()
        },
    }
}

fn stream_retention(ret: &Retention) -> Vec<StreamRetention> {
    ret.streams
        .iter()
        .map(|s| StreamRetention {
            selector: s.selector.clone(),
            priority: s.priority,
            period: s.period.as_str().to_owned(),
        })
        .collect()
}

fn memcached_client(r: &Resolved, part: Part, timeout: &'static str) -> MemcachedClient {
    MemcachedClient {
        // SRV lookup of the headless Service's named port: every memcached pod.
        addresses: format!(
            "dnssrvnoa+_{}._tcp.{}",
            names::MEMCACHED_PORT_NAME,
            r.service_host(&part.service())
        ),
        timeout,
        consistent_hash: true,
        max_idle_conns: 72,
    }
}

/// [`build`] of a stack known to run Loki (tests).
#[cfg(test)]
pub fn build_resolved(r: &Resolved) -> Config {
    build(r, r.central.as_ref().expect("a stack that runs Loki"))
}

pub fn build(r: &Resolved, c: &Central) -> Config {
    let single = c.mode == Mode::SingleBinary;
    // Which part serves a role in this mode.
    let (scheduler, querier, index_gateway, compactor) = match c.mode {
        Mode::SingleBinary => (None, None, None, None),
        Mode::SimpleScalable => (
            Some(Part::Backend),
            Some(Part::Read),
            Some(Part::Backend),
            Some(Part::Backend),
        ),
        Mode::Distributed => (
            Some(Part::QueryScheduler),
            Some(Part::Querier),
            Some(Part::IndexGateway),
            Some(Part::Compactor),
        ),
    };
    let scheduler_address = scheduler.map(|p| grpc_address(r, &p.headless()));
    Config {
        auth_enabled: r.tenancy.enabled,
        server: Server {
            http_listen_port: HTTP_PORT,
            grpc_listen_port: GRPC_PORT,
            log_level: c.loki.log_level.as_str(),
            log_format: "logfmt",
            grpc_server_max_recv_msg_size: 104_857_600,
            grpc_server_max_send_msg_size: 104_857_600,
            // Long queries pass through the gateway and the frontend.
            http_server_read_timeout: (!single).then_some("600s"),
            http_server_write_timeout: (!single).then_some("600s"),
        },
        common: Common {
            path_prefix: DATA_DIR.to_owned(),
            replication_factor: c.replication_factor,
            // One process holds every ring; its members talk over loopback.
            instance_addr: single.then_some("127.0.0.1"),
            compactor_grpc_address: compactor.map(|p| grpc_address(r, &p.service())),
            ring: Ring {
                kvstore: KvStore {
                    store: if single { "inmemory" } else { "memberlist" },
                },
                zone_awareness_enabled: (!r.zones.is_empty()).then_some(true),
            },
            storage: common_storage(r, c),
        },
        memberlist: (!single).then(|| Memberlist {
            join_members: vec![format!(
                "{}:{}",
                r.service_host(names::MEMBERLIST),
                names::MEMBERLIST_PORT
            )],
            bind_port: names::MEMBERLIST_PORT,
            advertise_port: names::MEMBERLIST_PORT,
            abort_if_cluster_join_fails: false,
            rejoin_interval: "90s",
            dead_node_reclaim_time: "30s",
            left_ingesters_timeout: "30s",
        }),
        schema_config: SchemaConfig {
            configs: c
                .schemas
                .iter()
                .map(|s| PeriodConfig {
                    from: s.from.clone(),
                    store: "tsdb",
                    object_store: c.storage.backend.loki_name(),
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
                index_gateway_client: index_gateway.map(|p| IndexGatewayClient {
                    server_address: format!("dns+{}", grpc_address(r, &p.headless())),
                }),
            },
        },
        ingester: Ingester {
            wal: Wal {
                enabled: true,
                dir: data("wal"),
                flush_on_shutdown: true,
            },
            chunk_encoding: (!single).then_some("snappy"),
            max_chunk_age: go_duration(max_chunk_age_ms(r)),
        },
        querier: Querier {
            query_ingesters_within: go_duration(query_ingesters_within_ms(r)),
        },
        frontend: scheduler_address.as_ref().map(|a| Frontend {
            scheduler_address: a.clone(),
            tail_proxy_url: format!(
                "http://{}:{HTTP_PORT}",
                r.service_host(&querier.unwrap_or(Part::Querier).service())
            ),
            compress_responses: true,
        }),
        frontend_worker: scheduler_address.map(|a| FrontendWorker {
            scheduler_address: a,
        }),
        index_gateway: index_gateway.map(|_| IndexGateway { mode: "simple" }),
        compactor: Compactor {
            working_directory: data("compactor"),
            compaction_interval: "10m",
            retention_enabled: true,
            retention_delete_delay: "2h",
            delete_request_store: c.storage.backend.loki_name(),
        },
        query_range: r.caches.results.as_ref().map(|_| QueryRange {
            align_queries_with_step: true,
            cache_results: true,
            results_cache: ResultsCache {
                cache: CacheConfig {
                    default_validity: "12h",
                    memcached_client: memcached_client(r, Part::ResultsCache, "500ms"),
                },
            },
        }),
        chunk_store_config: r.caches.chunks.as_ref().map(|_| ChunkStoreConfig {
            chunk_cache_config: ChunkCacheConfig {
                default_validity: "0s",
                memcached: Memcached {
                    batch_size: 4,
                    parallelism: 5,
                },
                memcached_client: memcached_client(r, Part::ChunksCache, "2000ms"),
            },
        }),
        limits_config: LimitsConfig {
            retention_period: c.retention.period.as_str().to_owned(),
            retention_stream: stream_retention(&c.retention),
            ingestion_rate_mb: c.limits.ingestion_rate_mb,
            ingestion_burst_size_mb: c.limits.ingestion_burst_size_mb,
            max_global_streams_per_user: c.limits.max_streams_per_user,
            reject_old_samples: true,
            reject_old_samples_max_age: reject_old_samples_max_age(c),
            allow_structured_metadata: true,
            volume_enabled: true,
            max_cache_freshness_per_query: r.caches.results.as_ref().map(|_| "10m"),
        },
        ruler: Ruler {
            rule_path: data("rules-temp"),
            // Object storage: the ruler reads rules from common.storage.
            storage: matches!(c.storage.backend, Backend::Filesystem).then(|| RulerStorage {
                kind: "local",
                local: RulerLocal {
                    directory: data("rules"),
                },
            }),
            wal: RulerWal {
                dir: data("ruler-wal"),
            },
            enable_api: r.ruler.as_ref().map(|_| true),
            alertmanager_url: r.ruler.as_ref().and_then(|x| x.alertmanager_url.clone()),
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

/// The runtime config: per-tenant retention overrides.
pub fn runtime(r: &Resolved) -> RuntimeFile {
    RuntimeFile {
        overrides: r
            .tenancy
            .tenants
            .iter()
            .filter_map(|t| {
                let ret = t.retention.as_ref()?;
                Some((
                    t.id.clone(),
                    TenantOverrides {
                        retention_period: ret.period.as_str().to_owned(),
                        retention_stream: stream_retention(ret),
                    },
                ))
            })
            .collect::<BTreeMap<_, _>>(),
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
    if c.compactor.delete_request_store
        != c.schema_config
            .configs
            .last()
            .map_or("", |p| p.object_store)
    {
        return Err(format!(
            "compactor.delete_request_store {:?} is not the object store of the schema",
            c.compactor.delete_request_store
        ));
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
mod modes;

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
        let good = build_resolved(&resolved());
        assert_eq!(check_retention_is_enforced(&good), Ok(()));

        let mut off = build_resolved(&resolved());
        off.compactor.retention_enabled = false;
        assert!(
            check_retention_is_enforced(&off)
                .unwrap_err()
                .contains("never be deleted")
        );

        let mut no_store = build_resolved(&resolved());
        no_store.compactor.delete_request_store = "";
        assert!(
            check_retention_is_enforced(&no_store)
                .unwrap_err()
                .contains("delete_request_store")
        );

        let mut short = build_resolved(&resolved());
        short.limits_config.retention_period = "12h".to_owned();
        assert!(
            check_retention_is_enforced(&short)
                .unwrap_err()
                .contains("under 24h")
        );
    }

    #[test]
    fn every_path_loki_writes_is_on_the_pvc() {
        let text = crate::yaml::to_string(&build_resolved(&resolved())).unwrap();
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
        assert_eq!(
            build_resolved(&r).limits_config.reject_old_samples_max_age,
            "72h"
        );
    }
}
