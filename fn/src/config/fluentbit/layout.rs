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
/// An agent's user name and password for the central Loki, from its Secret.
pub const REMOTE_USERNAME_ENV: &str = "LOKI_REMOTE_USERNAME";
pub const REMOTE_PASSWORD_ENV: &str = "LOKI_REMOTE_PASSWORD";
/// An agent's bearer token for the central Loki, from its Secret.
pub const REMOTE_TOKEN_ENV: &str = "LOKI_REMOTE_TOKEN";

/// The environment variables that carry the credentials of `t`, each with the Secret
/// and key it comes from.
pub fn credential_env(
    t: &crate::collection::target::Target,
) -> Vec<(&'static str, String, String)> {
    use crate::collection::target::{Auth, Username};
    match &t.auth {
        None => Vec::new(),
        Some(Auth::Basic {
            username: Username::Fixed(_),
            secret,
            password_key,
        }) => vec![(PASSWORD_ENV, secret.clone(), password_key.clone())],
        Some(Auth::Basic {
            username: Username::Key(user_key),
            secret,
            password_key,
        }) => vec![
            (REMOTE_USERNAME_ENV, secret.clone(), user_key.clone()),
            (REMOTE_PASSWORD_ENV, secret.clone(), password_key.clone()),
        ],
        Some(Auth::Bearer(k)) => vec![(REMOTE_TOKEN_ENV, k.name.clone(), k.key.clone())],
    }
}
/// Tags: `pods.<namespace>.<container>.<pod>`, `machine.<service>`, `audit`, `talos`.
pub const POD_TAG_PREFIX: &str = "pods.";
