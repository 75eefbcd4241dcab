//! Where Fluent Bit's files, ports and environment variables are in its DaemonSet: the
//! names the config, the Lua filter and the renderer agree on.

/// Where the ConfigMap (config and Lua script) is mounted.
pub const CONFIG_DIR: &str = "/etc/fluent-bit";
pub const CONFIG_FILE: &str = "fluent-bit.yaml";
pub const LUA_FILE: &str = "pipeline.lua";
/// Where the host's positions directory is mounted (tail databases, disk buffer).
pub const DATA_MOUNT: &str = "/var/lib/fluent-bit";
/// The disk buffer (`storage.path`), under the positions directory: it survives a
/// restart of the pod, and a reboot.
pub const BUFFER_DIR: &str = "buffer";
/// Chunks (up to 2 MB each) held in memory at once; the rest wait on disk.
pub const MAX_CHUNKS_UP: u32 = 32;
/// What an input holds in memory; past it, its new chunks stay on disk only.
pub const MEM_BUF_LIMIT: &str = "16MB";
/// Where the gateway password is mounted (key `password`), with gateway auth on.
pub const GATEWAY_AUTH_DIR: &str = "/etc/loki-gateway-auth";
/// The HTTP server: Prometheus metrics (`/api/v2/metrics/prometheus`) and `/api/v1/health`.
pub const HTTP_PORT: u16 = 2020;
pub const METRICS_PATH: &str = "/api/v2/metrics/prometheus";
pub const HEALTH_PATH: &str = "/api/v1/health";
/// The node's name (`spec.nodeName`), for the `node` label.
pub const NODE_ENV: &str = "NODE_NAME";
/// The pod's IP: the node's own address on the host network (receiver on), where the
/// HTTP server listens instead of every address.
pub const POD_IP_ENV: &str = "POD_IP";
/// The gateway password, from its Secret (never written into the config).
pub const PASSWORD_ENV: &str = "LOKI_GATEWAY_PASSWORD";
/// Tags: `pods.<namespace>.<container>.<pod>`, `machine.<service>`, `audit`, `talos`.
pub const POD_TAG_PREFIX: &str = "pods.";
