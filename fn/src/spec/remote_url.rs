//! `spec.remote.url`: the central Loki's base URL, checked and taken apart.

use super::names;
use super::resolved::RemoteUrl;

const PUSH_PATH: &str = "/loki/api/v1/push";

impl RemoteUrl {
    /// Parses `http(s)://host[:port][/prefix]`. Plain `http://` only to a Service of the
    /// cluster (`*.svc`, `*.svc.<cluster_domain>`): credentials and logs would cross the
    /// network in clear otherwise.
    pub fn parse(url: &str, cluster_domain: &str) -> Result<RemoteUrl, String> {
        let bad = |why: &str| Err(format!("{url:?}: {why}"));
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("contains whitespace");
        }
        let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return bad("not an http(s) URL: write https://<host>[:port][/prefix]");
        };
        if rest.contains(['?', '#']) {
            return bad("no query or fragment: give the base URL, the push path is appended");
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return bad(
                "credentials in the URL: never inline; use spec.remote.auth.basic.secretRef or \
                 bearerToken.secretRef",
            );
        }
        let (host, port) = split_port(authority).map_err(|e| format!("{url:?}: {e}"))?;
        if host.is_empty() {
            return bad("no host");
        }
        let is_ip = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
        if !is_ip
            && !host
                .trim_end_matches('.')
                .split('.')
                .all(|label| names::check_dns_label(&label.to_ascii_lowercase()).is_ok())
        {
            return bad("the host is not a DNS name or an IP address");
        }
        let path = path.trim_end_matches('/');
        if path.contains("//") || path.split('/').any(|s| s == "." || s == "..") {
            return bad("the path has empty, '.' or '..' segments");
        }
        if path.ends_with(PUSH_PATH) {
            return bad(&format!(
                "give the base URL: {PUSH_PATH} is appended (remove it)"
            ));
        }
        let host_lower = host.to_ascii_lowercase();
        let host_lower = host_lower.trim_end_matches('.');
        let in_cluster =
            host_lower.ends_with(".svc") || host_lower.ends_with(&format!(".svc.{cluster_domain}"));
        if !tls && !in_cluster {
            return bad(&format!(
                "plain http:// to a host outside the cluster: the logs and the credentials \
                 would cross the network in clear; use https:// (http:// is accepted only for \
                 a Service of this cluster, *.svc or *.svc.{cluster_domain})"
            ));
        }
        Ok(RemoteUrl {
            tls,
            host: host.to_owned(),
            port: port.unwrap_or(if tls { 443 } else { 80 }),
            path: path.to_owned(),
        })
    }
}

/// `host[:port]` (IPv6 in brackets).
fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => (&authority[..=i], authority[i + 1..].strip_prefix(':')),
            None => return Err("unclosed '[' in the host".to_owned()),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(format!("invalid port {p:?}: 1 to 65535")),
        },
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> RemoteUrl {
        RemoteUrl::parse(url, "cluster.local").unwrap()
    }

    fn err(url: &str) -> String {
        RemoteUrl::parse(url, "cluster.local").unwrap_err()
    }

    #[test]
    fn takes_a_base_url_apart() {
        let u = ok("https://logs.example.com");
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.path.as_str()),
            (true, "logs.example.com", 443, "")
        );
        assert_eq!(u.base(), "https://logs.example.com");
        assert_eq!(u.push_path(), "/loki/api/v1/push");
        let u = ok("https://logs.example.com:8443/loki-central/");
        assert_eq!(u.base(), "https://logs.example.com:8443/loki-central");
        assert_eq!(u.push_path(), "/loki-central/loki/api/v1/push");
        let u = ok("http://loki-gateway.logging.svc.cluster.local");
        assert_eq!((u.tls, u.port), (false, 80));
        assert_eq!(ok("http://loki-gateway.logging.svc:8080").port, 8080);
        assert_eq!(ok("https://[2001:db8::1]:9443").host, "[2001:db8::1]");
        assert_eq!(ok("https://10.0.0.5").host, "10.0.0.5");
    }

    #[test]
    fn refuses_what_would_leak_or_break() {
        assert!(err("http://logs.example.com").contains("in clear"));
        assert!(err("http://10.0.0.5:3100").contains("in clear"));
        assert!(err("http://loki.svc.example.com").contains("in clear"));
        assert!(err("https://user:pw@logs.example.com").contains("never inline"));
        assert!(err("https://logs.example.com/loki/api/v1/push").contains("appended"));
        assert!(err("https://logs.example.com?x=1").contains("query"));
        assert!(err("ftp://logs.example.com").contains("not an http(s) URL"));
        assert!(err("https://logs.example.com:0").contains("port"));
        assert!(err("https://logs.example.com:99999").contains("port"));
        assert!(err("https://").contains("no host"));
        assert!(err("https://logs_example.com").contains("DNS name"));
        assert!(err("https://logs.example.com/a/../b").contains("segments"));
        assert!(err("https://[::1").contains("unclosed"));
    }
}
