//! Where a collector ships: the push URL, the tenant and the gateway's basic auth.

use crate::spec::Resolved;

/// Basic auth towards the gateway: the user and where its password is (never inline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub username: String,
    pub secret_name: String,
    pub password_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `http://<service>:<port>/loki/api/v1/push`.
    pub url: String,
    /// `X-Scope-OrgID`, with tenancy on.
    pub tenant_id: Option<String>,
    pub basic_auth: Option<BasicAuth>,
}

pub fn target(r: &Resolved) -> Target {
    Target {
        url: r.push_url(),
        tenant_id: r.tenancy.enabled.then(|| r.tenancy.tenant_id.clone()),
        basic_auth: r
            .gateway
            .as_ref()
            .and_then(|g| g.auth.as_ref())
            .map(|a| BasicAuth {
                username: a.username.clone(),
                secret_name: a.secret_name.clone(),
                password_key: a.password_key.clone(),
            }),
    }
}
