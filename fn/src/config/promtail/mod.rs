//! `promtail.yaml` of Promtail 3.6, the subset this stack sets: three jobs,
//! `kubernetes-pods` (`pods`), `machine-logs` (`system`, Talos' own services) and
//! `kube-audit` (`audit`), with redaction (`redact`) and the level label (`levels`).
//!
//! Promtail runs with `-config.expand-env=true` so that pod discovery can be limited to
//! its own node (`spec.nodeName=${HOSTNAME}`). Promtail's env expansion (drone/envsubst)
//! works on the raw file text: it also turns `$$` into `$`, `\\` into `\` and `\/` into
//! `/`, and expands every `${...}`. So the rendered file must contain none of those but
//! `${HOSTNAME}`; `check_expand_env_safe` enforces it. That is why our own regular
//! expressions use no backslashes (`[{]` instead of `\{`), why user regexes are
//! respelled (`spec::re2`), and why the match selectors, which must quote `"` as `\"`
//! (Promtail's match stage parser has no backtick strings), are written as YAML literal
//! blocks, where a backslash is not doubled.

mod audit;
#[cfg(test)]
mod go_logfmt;
mod levels;
mod model;
mod pods;
mod redact;
mod stages;
mod system;

/// The logfmt gate, which Fluent Bit's Lua filter reimplements (tested against it).
#[cfg(test)]
pub(crate) use levels::LOGFMT_LINE;
pub use levels::{LEVELS, OTHER_LEVEL};
pub use model::*;
pub use pods::OWN_DEBUG_REASON;
pub use stages::{NODE_ENV, TOO_OLD_REASON};

use crate::collection::delivery;
use crate::collection::target::{Auth, Username};
use crate::spec::Resolved;
use crate::spec::duration::go_duration;

pub const CONFIG_DIR: &str = "/etc/promtail";
pub const CONFIG_FILE: &str = "promtail.yaml";
/// Where the host's positions directory is mounted in the container.
pub const POSITIONS_MOUNT: &str = "/var/lib/promtail";
pub const PODS_LOG_DIR: &str = pods::LOG_DIR;
/// The node's log root: mounted whole when Talos' own logs are collected.
pub const NODE_LOG_DIR: &str = crate::collection::NODE_LOG_DIR;
pub const AUDIT_LOG_DIR: &str = audit::LOG_DIR;
pub const HTTP_PORT: u16 = 9080;
pub const JOB: &str = pods::JOB;
pub const SYSTEM_JOB: &str = system::JOB;
pub const AUDIT_JOB: &str = audit::JOB;

pub fn build(r: &Resolved) -> Config {
    let c = &r.collector;
    let mut scrape_configs = vec![pods::scrape_config(r)];
    if c.system_logs {
        scrape_configs.push(system::scrape_config(r));
    }
    if c.audit_logs {
        scrape_configs.push(audit::scrape_config(r));
    }
    Config {
        server: Server {
            http_listen_port: HTTP_PORT,
            grpc_listen_port: 0,
            log_level: "info",
            log_format: "logfmt",
        },
        clients: vec![client(r)],
        positions: Positions {
            filename: format!("{POSITIONS_MOUNT}/positions.yaml"),
        },
        scrape_configs,
        tracing: Tracing { enabled: false },
    }
}

/// The one client: where and how Promtail pushes.
fn client(r: &Resolved) -> Client {
    let target = crate::collection::target::target(r);
    let backoff = delivery::promtail_backoff(r.collector.delivery.retry_for.as_millis());
    let dir = target.auth_dir();
    let (basic_auth, bearer_token_file) = match &target.auth {
        None => (None, None),
        Some(Auth::Basic { username, .. }) => (
            Some(BasicAuth {
                username: match username {
                    Username::Fixed(u) => Some(u.clone()),
                    Username::Key(_) => None,
                },
                username_file: matches!(username, Username::Key(_))
                    .then(|| format!("{dir}/username")),
                password_file: format!("{dir}/password"),
            }),
            None,
        ),
        Some(Auth::Bearer(_)) => (None, Some(format!("{dir}/token"))),
    };
    Client {
        url: target.url.clone(),
        tenant_id: target.tenant_id.clone(),
        basic_auth,
        bearer_token_file,
        tls_config: target.ca_file().map(|ca_file| TlsConfig { ca_file }),
        external_labels: target
            .cluster
            .clone()
            .map(|c| std::collections::BTreeMap::from([("cluster".to_owned(), c)])),
        // Over a WAN: a batch waits up to 5s to fill (fewer, fuller pushes; at most 1 MiB
        // before snappy, under an ingress' default 1 MiB body limit) and may take 30s.
        batchwait: target.wan.then_some("5s"),
        batchsize: target.wan.then_some(1_048_576),
        timeout: target.wan.then_some("30s"),
        backoff_config: BackoffConfig {
            min_period: go_duration(backoff.min_ms),
            max_period: go_duration(backoff.max_ms),
            max_retries: backoff.max_retries,
        },
    }
}

/// The rendered file must mean the same after Promtail's `-config.expand-env`.
pub fn check_expand_env_safe(text: &str) -> Result<(), String> {
    super::expand_env::check(text, &[NODE_ENV], "Promtail", false)
}

#[cfg(test)]
pub(crate) mod redact_tests;
#[cfg(test)]
pub(crate) mod sim;
#[cfg(test)]
pub(crate) mod system_tests;
#[cfg(test)]
pub(crate) mod tests;
