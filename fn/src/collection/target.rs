//! Where a collector ships: the push URL, the tenant, how it authenticates (the stack's
//! gateway, or an agent's central Loki), the CA it trusts and the `cluster` label.

use crate::spec::Resolved;
use crate::spec::resolved::{RemoteAuth, SecretKey};

/// How a collector authenticates; secrets are always read from a Secret, never inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// HTTP basic auth. The user is known (the stack's own gateway) or a Secret's key
    /// (an agent's central Loki).
    Basic {
        username: Username,
        secret: String,
        password_key: String,
    },
    /// `Authorization: Bearer` with a token from a Secret.
    Bearer(SecretKey),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Username {
    Fixed(String),
    /// The key of the Secret of [`Auth::Basic`] that holds the user name.
    Key(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `http(s)://<host>[:port][/prefix]/loki/api/v1/push`.
    pub url: String,
    /// `X-Scope-OrgID`, with tenancy on (always for an agent).
    pub tenant_id: Option<String>,
    pub auth: Option<Auth>,
    /// A private CA that signed the server's certificate (an agent's `spec.remote.tls`).
    pub ca: Option<SecretKey>,
    /// The `cluster` label of every stream (an agent's `spec.remote.cluster`).
    pub cluster: Option<String>,
    /// Pushing over a WAN to a central Loki (an agent): bigger batches, longer timeouts,
    /// compression where the agent has it.
    pub wan: bool,
}

pub fn target(r: &Resolved) -> Target {
    let tenant_id = r.tenancy.enabled.then(|| r.tenancy.tenant_id.clone());
    if let Some(remote) = &r.remote {
        return Target {
            url: r.push_url(),
            tenant_id,
            auth: remote.auth.as_ref().map(|a| match a {
                RemoteAuth::Basic {
                    secret,
                    username_key,
                    password_key,
                } => Auth::Basic {
                    username: Username::Key(username_key.clone()),
                    secret: secret.clone(),
                    password_key: password_key.clone(),
                },
                RemoteAuth::BearerToken(key) => Auth::Bearer(key.clone()),
            }),
            ca: remote.ca.clone(),
            cluster: Some(remote.cluster.clone()),
            wan: true,
        };
    }
    Target {
        url: r.push_url(),
        tenant_id,
        auth: r
            .gateway
            .as_ref()
            .and_then(|g| g.auth.as_ref())
            .map(|a| Auth::Basic {
                username: Username::Fixed(a.username.clone()),
                secret: a.secret_name.clone(),
                password_key: a.password_key.clone(),
            }),
        ca: None,
        cluster: None,
        wan: false,
    }
}

/// Where the stack's own gateway password is mounted (file `password`).
pub const GATEWAY_AUTH_DIR: &str = "/etc/loki-gateway-auth";
/// Where an agent's credentials for the central Loki are mounted (files `username` and
/// `password`, or `token`), for a collector that reads them from files.
pub const REMOTE_AUTH_DIR: &str = "/etc/loki-remote-auth";
/// Where an agent's private CA is mounted (file [`CA_FILE`]).
pub const REMOTE_CA_DIR: &str = "/etc/loki-remote-ca";
pub const CA_FILE: &str = "ca.crt";

impl Target {
    /// The directory of a credential file a collector reads (`password`, `username`,
    /// `token`).
    pub fn auth_dir(&self) -> &'static str {
        match &self.auth {
            Some(Auth::Basic {
                username: Username::Fixed(_),
                ..
            }) => GATEWAY_AUTH_DIR,
            _ => REMOTE_AUTH_DIR,
        }
    }

    /// The CA file a collector trusts, if any.
    pub fn ca_file(&self) -> Option<String> {
        self.ca
            .as_ref()
            .map(|_| format!("{REMOTE_CA_DIR}/{CA_FILE}"))
    }
}
