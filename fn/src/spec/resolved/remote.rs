//! Where an agent ships: the central Loki's URL, credentials, CA and cluster label.

/// `spec.remote`: the central Loki an agent ships to, as whom and with which label.
#[derive(Debug, Clone)]
pub struct Remote {
    pub url: RemoteUrl,
    pub tenant_id: String,
    pub auth: Option<RemoteAuth>,
    /// A Secret with the CA that signed the central Loki's certificate.
    pub ca: Option<SecretKey>,
    /// The `cluster` label every shipped stream carries.
    pub cluster: String,
}

/// The central Loki's base URL, taken apart for collectors that want host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// `https://` (else plain `http://`, only to a Service of the cluster).
    pub tls: bool,
    /// DNS name, IPv4 address or `[IPv6]` address.
    pub host: String,
    /// The port, the scheme's own when the URL names none.
    pub port: u16,
    /// Path prefix before `/loki/api/v1/push`, empty or starting with `/`, no trailing `/`.
    pub path: String,
}

impl RemoteUrl {
    /// `scheme://host[:port][/prefix]`: an explicit port only when the URL named one
    /// other than the scheme's.
    pub fn base(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let default_port = if self.tls { 443 } else { 80 };
        if self.port == default_port {
            format!("{scheme}://{}{}", self.host, self.path)
        } else {
            format!("{scheme}://{}:{}{}", self.host, self.port, self.path)
        }
    }

    /// The push path, `<prefix>/loki/api/v1/push`.
    pub fn push_path(&self) -> String {
        format!("{}/loki/api/v1/push", self.path)
    }
}

/// How an agent authenticates to the central Loki: a Secret's keys, never inline.
#[derive(Debug, Clone)]
pub enum RemoteAuth {
    Basic {
        secret: String,
        username_key: String,
        password_key: String,
    },
    BearerToken(SecretKey),
}

/// One key of a Secret in the stack's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey {
    pub name: String,
    pub key: String,
}
