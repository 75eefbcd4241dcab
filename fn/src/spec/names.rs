//! The naming rules the API server enforces, checked before anything is rendered.

/// RFC 1123 label: what a Namespace name must be.
pub fn check_dns_label(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        let mut msg = format!(
            "invalid name {value:?}: must be a DNS-1123 label (at most 63 characters: lowercase \
             letters, digits and '-', starting and ending with a letter or digit)"
        );
        let fixed: String = value
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .trim_matches('-')
            .to_owned();
        if !fixed.is_empty() && fixed.len() <= 63 && fixed != value {
            msg.push_str(&format!("; did you mean {fixed:?}?"));
        }
        Err(msg)
    }
}

fn is_name_segment(s: &str, max: usize) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// A label key: `[prefix/]name`.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let ok = is_name_segment(name, 63) && prefix.is_none_or(is_dns_subdomain);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid label key {key:?}: must be an optional DNS subdomain prefix and '/', then \
             at most 63 characters of letters, digits, '-', '_' or '.', starting and ending \
             with a letter or digit"
        ))
    }
}

/// A key of a Secret: letters, digits, `-`, `_` or `.` (what `kubectl create secret`
/// accepts), at most 253 characters.
pub fn check_secret_key(key: &str) -> Result<(), String> {
    if !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|x| x.is_ascii_alphanumeric() || matches!(x, b'-' | b'_' | b'.'))
    {
        Ok(())
    } else {
        Err(format!(
            "invalid Secret key {key:?}: letters, digits, '-', '_' or '.'"
        ))
    }
}

/// A label value: empty, or a name segment of at most 63 characters.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_name_segment(value, 63) {
        Ok(())
    } else {
        Err(format!(
            "invalid label value {value:?}: at most 63 characters of letters, digits, '-', '_' \
             or '.', starting and ending with a letter or digit"
        ))
    }
}

/// A container image that is pinned: `repo[:tag][@sha256:...]` with a tag other than
/// `latest`, or a digest. Unpinned images make renders non-reproducible.
pub fn check_image(image: &str) -> Result<(), String> {
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "invalid image {image:?}: must be a non-empty image reference without spaces"
        ));
    }
    if image.contains('@') {
        let (_, digest) = image.split_once('@').unwrap_or_default();
        let valid = digest
            .strip_prefix("sha256:")
            .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        return if valid {
            Ok(())
        } else {
            Err(format!(
                "invalid image {image:?}: a digest must look like @sha256:<64 hex digits>"
            ))
        };
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, "latest")) => Err(format!(
            "image {image:?} is not pinned: ':latest' changes under you; use a version tag \
             such as ':3.7.6' or a digest"
        )),
        Some((_, tag)) if !tag.is_empty() => Ok(()),
        _ => Err(format!(
            "image {image:?} is not pinned: add a version tag (e.g. ':3.7.6') or a digest"
        )),
    }
}

/// The tag of a pinned image, for the `app.kubernetes.io/version` label.
pub fn image_version(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    check_label_value(tag).ok().map(|()| tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(check_dns_label("logging").is_ok());
        assert!(check_dns_label("a-1").is_ok());
        for bad in [
            "",
            "Logging",
            "-x",
            "x-",
            "log_ging",
            "a.b",
            &"a".repeat(64),
        ] {
            assert!(check_dns_label(bad).is_err(), "{bad}");
        }
        let err = check_dns_label("My_Logs").unwrap_err();
        assert!(err.contains("did you mean \"my-logs\""), "{err}");
    }

    #[test]
    fn label_keys_and_values() {
        assert!(check_label_key("release").is_ok());
        assert!(check_label_key("app.kubernetes.io/name").is_ok());
        assert!(check_label_key("grafana_datasource").is_ok());
        assert!(check_label_key("/x").is_err());
        assert!(check_label_key("Bad Key").is_err());
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("1").is_ok());
        assert!(check_label_value("-x").is_err());
    }

    #[test]
    fn images_must_be_pinned() {
        assert!(check_image("docker.io/grafana/loki:3.7.6").is_ok());
        assert!(check_image("localhost:5000/loki:3.7.6").is_ok());
        assert!(check_image(&format!("grafana/loki@sha256:{}", "a".repeat(64))).is_ok());
        assert!(check_image("grafana/loki").is_err());
        assert!(check_image("localhost:5000/loki").is_err());
        assert!(check_image("grafana/loki:latest").is_err());
        assert!(check_image("grafana/loki@sha256:abc").is_err());
        assert!(check_image("grafana/ loki:1").is_err());
        assert_eq!(image_version("docker.io/grafana/loki:3.7.6"), Some("3.7.6"));
        assert_eq!(image_version("localhost:5000/loki"), None);
    }
}
