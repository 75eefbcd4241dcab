//! The subset of Loki 3.7's `config.yaml` this stack sets. Field names follow Loki's
//! configuration reference exactly; `None` fields are left to Loki's defaults.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Config {
    pub auth_enabled: bool,
    pub server: Server,
    pub common: Common,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memberlist: Option<Memberlist>,
    pub schema_config: SchemaConfig,
    pub storage_config: StorageConfig,
    pub ingester: Ingester,
    pub querier: Querier,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontend: Option<Frontend>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontend_worker: Option<FrontendWorker>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_gateway: Option<IndexGateway>,
    pub compactor: Compactor,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_range: Option<QueryRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_store_config: Option<ChunkStoreConfig>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_server_read_timeout: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_server_write_timeout: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Common {
    pub path_prefix: String,
    pub replication_factor: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_addr: Option<&'static str>,
    /// The compactor's gRPC address (scalable modes: one compactor for all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compactor_grpc_address: Option<String>,
    pub ring: Ring,
    pub storage: CommonStorage,
}

#[derive(Debug, Serialize)]
pub struct Ring {
    pub kvstore: KvStore,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_awareness_enabled: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct KvStore {
    pub store: &'static str,
}

#[derive(Debug, Default, Serialize)]
pub struct CommonStorage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<FilesystemStorage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Storage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs: Option<GcsStorage>,
}

#[derive(Debug, Serialize)]
pub struct FilesystemStorage {
    pub chunks_directory: String,
    pub rules_directory: String,
}

/// Loki's `aws` storage block (common.storage.s3).
#[derive(Debug, Serialize)]
pub struct S3Storage {
    pub bucketnames: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub s3forcepathstyle: bool,
    pub insecure: bool,
    /// `${AWS_ACCESS_KEY_ID}` when the keys come from a Secret (expand-env).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sse: Option<S3Sse>,
}

#[derive(Debug, Serialize)]
pub struct S3Sse {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GcsStorage {
    pub bucket_name: String,
}

#[derive(Debug, Serialize)]
pub struct Memberlist {
    pub join_members: Vec<String>,
    pub bind_port: u16,
    pub advertise_port: u16,
    /// The first pod of a new stack has nobody to join: it must start anyway.
    pub abort_if_cluster_join_fails: bool,
    pub rejoin_interval: &'static str,
    pub dead_node_reclaim_time: &'static str,
    pub left_ingesters_timeout: &'static str,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_gateway_client: Option<IndexGatewayClient>,
}

#[derive(Debug, Serialize)]
pub struct IndexGatewayClient {
    pub server_address: String,
}

#[derive(Debug, Serialize)]
pub struct Ingester {
    pub wal: Wal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_encoding: Option<&'static str>,
    /// Lines up to half of it behind the newest of their stream are accepted: covers
    /// what the collector retries (`collection::delivery`).
    pub max_chunk_age: String,
}

#[derive(Debug, Serialize)]
pub struct Querier {
    /// Queries ask the ingesters for this long back: every line they may still hold.
    pub query_ingesters_within: String,
}

#[derive(Debug, Serialize)]
pub struct Wal {
    pub enabled: bool,
    pub dir: String,
    pub flush_on_shutdown: bool,
}

#[derive(Debug, Serialize)]
pub struct Frontend {
    pub scheduler_address: String,
    pub tail_proxy_url: String,
    pub compress_responses: bool,
}

#[derive(Debug, Serialize)]
pub struct FrontendWorker {
    pub scheduler_address: String,
}

#[derive(Debug, Serialize)]
pub struct IndexGateway {
    pub mode: &'static str,
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
pub struct QueryRange {
    pub align_queries_with_step: bool,
    pub cache_results: bool,
    pub results_cache: ResultsCache,
}

#[derive(Debug, Serialize)]
pub struct ResultsCache {
    pub cache: CacheConfig,
}

#[derive(Debug, Serialize)]
pub struct CacheConfig {
    pub default_validity: &'static str,
    pub memcached_client: MemcachedClient,
}

#[derive(Debug, Serialize)]
pub struct MemcachedClient {
    pub addresses: String,
    pub timeout: &'static str,
    pub consistent_hash: bool,
    pub max_idle_conns: u32,
}

#[derive(Debug, Serialize)]
pub struct ChunkStoreConfig {
    pub chunk_cache_config: ChunkCacheConfig,
}

#[derive(Debug, Serialize)]
pub struct ChunkCacheConfig {
    pub default_validity: &'static str,
    pub memcached: Memcached,
    pub memcached_client: MemcachedClient,
}

#[derive(Debug, Serialize)]
pub struct Memcached {
    pub batch_size: u32,
    pub parallelism: u32,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cache_freshness_per_query: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamRetention {
    pub selector: String,
    pub priority: u32,
    pub period: String,
}

#[derive(Debug, Serialize)]
pub struct Ruler {
    pub rule_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<RulerStorage>,
    pub wal: RulerWal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_api: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alertmanager_url: Option<String>,
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

/// `runtime-config.yaml`: per-tenant overrides.
#[derive(Debug, Serialize)]
pub struct RuntimeFile {
    pub overrides: BTreeMap<String, TenantOverrides>,
}

#[derive(Debug, Serialize)]
pub struct TenantOverrides {
    pub retention_period: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retention_stream: Vec<StreamRetention>,
}
