//! Built-in redaction rule sets. Each rule is a Go RE2 regex whose capture groups hold
//! the secret: Promtail's `replace` stage replaces what every capture group matched
//! (in every match on the line) and leaves the rest of the line as it was, so JSON and
//! logfmt lines stay parseable. Written without `\\` or `\/` (see `re2::for_promtail`).

/// What a capture group becomes unless a custom rule says otherwise.
pub const REPLACEMENT: &str = "[REDACTED]";

#[derive(Debug, Clone, Copy)]
pub struct BuiltinSet {
    pub name: &'static str,
    pub what: &'static str,
    pub rules: &'static [(&'static str, &'static str)],
}

/// Keys whose values are secrets in `key=value`, `"key":"value"` and `key: value`.
macro_rules! secret_key {
    () => {
        "[a-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)[a-z0-9_.-]*"
    };
}

pub const BUILTIN: &[BuiltinSet] = &[
    BuiltinSet {
        name: "bearer-token",
        what: "Authorization and API-key headers (Bearer, Basic, token, X-Api-Key, ...)",
        rules: &[
            (
                "authorization-header",
                r#"(?i)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|digest|negotiate|apikey)\s+)?([^\s"',;}]+)"#,
            ),
            ("bearer-token", r"(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{8,})"),
            (
                "api-key-header",
                r#"(?i)\b(?:x-api-key|api-key|x-auth-token|x-access-token|private-token|x-vault-token)["']?\s*[:=]\s*["']?([^\s"',;}]+)"#,
            ),
        ],
    },
    BuiltinSet {
        name: "password",
        what: "password=, secret=, token=, api_key=... in logfmt, query strings, JSON and key: value text",
        rules: &[
            (
                "secret-json",
                concat!(
                    r#"(?i)""#,
                    secret_key!(),
                    r#""\s*:\s*"((?:[^"\x5c]|\x5c.)+)""#
                ),
            ),
            (
                "secret-quoted",
                concat!(r"(?i)\b", secret_key!(), r#"=["]((?:[^"\x5c]|\x5c.)+)["]"#),
            ),
            (
                "secret-pair",
                concat!(r"(?i)\b", secret_key!(), r#"=([^\s"&,;]+)"#),
            ),
            // `key: value` text (YAML-ish dumps): lower-case keys only, after a blank,
            // so "failed to list *v1.Secret: forbidden" is left alone.
            (
                "secret-colon",
                r#"(?:^|[ \t,{])[a-z0-9_-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)[a-z0-9_-]*:[ ]+([^\s"',;{}]+)"#,
            ),
        ],
    },
    BuiltinSet {
        name: "url-credentials",
        what: "passwords in URLs (scheme://user:password@host)",
        rules: &[(
            "url-password",
            r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]*:([^\s/@]+)@",
        )],
    },
    BuiltinSet {
        name: "aws-key",
        what: "AWS access key ids, secret access keys and presigned URL signatures",
        rules: &[
            (
                "aws-access-key-id",
                r"\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b",
            ),
            (
                "aws-secret-access-key",
                r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b"#,
            ),
            (
                "aws-presigned",
                r#"(?i)\bx-amz-(?:signature|credential)=([^\s&"]+)"#,
            ),
        ],
    },
    BuiltinSet {
        name: "private-key",
        what: "PEM private key blocks (whole blocks in one entry, and 64-character body lines)",
        rules: &[
            (
                "pem-block",
                r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----((?s:.)+?)(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)",
            ),
            (
                "pem-body-line",
                r"^[ ]*([A-Za-z0-9+/]{64}|[A-Za-z0-9+/]{16,63}={1,2})[ ]*$",
            ),
        ],
    },
    BuiltinSet {
        name: "jwt",
        what: "JSON Web Tokens (eyJ....eyJ....signature)",
        rules: &[(
            "jwt",
            r"\b(eyJ[A-Za-z0-9_-]{4,}[.]eyJ[A-Za-z0-9_-]{4,}[.][A-Za-z0-9_-]*)",
        )],
    },
];

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|s| s.name).collect()
}

pub fn find(name: &str) -> Option<&'static BuiltinSet> {
    BUILTIN.iter().find(|s| s.name == name)
}
