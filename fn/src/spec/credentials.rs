//! Inline credentials are refused wherever they appear in the config: a LokiStack lives
//! in Git and is rendered into ConfigMaps, so a secret written there leaks twice.
//! This runs before the typed parse, so the user gets this explanation rather than
//! "unknown field".

use serde_json::Value;

use crate::diagnostic::Diagnostic;

/// Field names (compared without case, `_` and `-`) that only ever hold a secret.
const SECRET_FIELDS: [&str; 22] = [
    "accesskeyid",
    "secretaccesskey",
    "accesskey",
    "secretkey",
    "sessiontoken",
    "password",
    "passwd",
    "htpasswd",
    "keyjson",
    "serviceaccountkey",
    "serviceaccountjson",
    "credentials",
    "credentialsjson",
    "credentialsfile",
    "token",
    "bearertoken",
    "apikey",
    "accountkey",
    "sharedkey",
    "clientsecret",
    "privatekey",
    "sastoken",
];

/// Fields named like a secret that are the place of its reference: their value is a
/// mapping holding a `secretRef` (`spec.remote.auth.bearerToken: {secretRef: ...}`).
const REFERENCE_FIELDS: [&str; 1] = ["spec.remote.auth.bearerToken"];

fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every inline credential under `spec`, each an error naming its field.
pub fn check(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(spec) = doc.get("spec") {
        walk(spec, "spec", &mut out);
    }
    out
}

fn walk(v: &Value, path: &str, out: &mut Vec<Diagnostic>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let field = format!("{path}.{k}");
                let reference = REFERENCE_FIELDS.contains(&field.as_str()) && child.is_object();
                if SECRET_FIELDS.contains(&normalized(k).as_str()) && !reference {
                    out.push(Diagnostic::at(&field, advice(&field)));
                } else {
                    walk(child, &field, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn advice(field: &str) -> String {
    let fix = if field.starts_with("spec.gateway") || field.starts_with("spec.exposure") {
        "put the htpasswd file and the clients' password in a Secret and reference it with \
         spec.gateway.auth.basic.secretRef"
    } else if field.starts_with("spec.remote") {
        "put them in a Secret and reference it with spec.remote.auth.basic.secretRef (a user \
         name and a password) or spec.remote.auth.bearerToken.secretRef (a token)"
    } else {
        "put them in a Secret and reference it with spec.storage.auth.secretRef, or better, use \
         workload identity (spec.storage.auth.serviceAccountAnnotations: IRSA's \
         eks.amazonaws.com/role-arn or GKE's iam.gke.io/gcp-service-account)"
    };
    format!(
        "inline credentials are refused: the LokiStack is committed to Git and rendered into \
         ConfigMaps, so a secret here leaks; {fix}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_credentials_anywhere_under_spec() {
        let doc: Value = serde_json::json!({
            "metadata": {"password": "not ours"},
            "spec": {
                "storage": {"s3": {"bucket": "b", "secretAccessKey": "x", "access_key_id": "y"},
                            "auth": {"secretRef": {"name": "s", "accessKeyIdKey": "K"}}},
                "gateway": {"auth": {"basic": {"password": "p"}}},
                "list": [{"Token": "t"}]
            }
        });
        let fields: Vec<String> = check(&doc).into_iter().filter_map(|d| d.field).collect();
        assert_eq!(
            fields,
            [
                "spec.storage.s3.secretAccessKey",
                "spec.storage.s3.access_key_id",
                "spec.gateway.auth.basic.password",
                "spec.list[0].Token"
            ]
        );
        let d = check(&doc);
        assert!(d[0].message.contains("spec.storage.auth.secretRef"));
        assert!(d[2].message.contains("spec.gateway.auth.basic.secretRef"));
    }

    #[test]
    fn an_agent_bearer_token_is_a_reference_not_a_token() {
        let doc: Value = serde_json::json!({"spec": {"remote": {
            "auth": {"bearerToken": {"secretRef": {"name": "t", "key": "token"}}}
        }}});
        assert!(check(&doc).is_empty());
        // A token written in place, and a secret elsewhere under spec.remote, are refused.
        for doc in [
            serde_json::json!({"spec": {"remote": {"auth": {"bearerToken": "eyJhbGci"}}}}),
            serde_json::json!({"spec": {"remote": {"auth": {"basic": {"password": "p"}}}}}),
            serde_json::json!({"spec": {"collector": {"bearerToken": {"secretRef": {}}}}}),
        ] {
            let d = check(&doc);
            assert_eq!(d.len(), 1, "{doc}");
        }
        let d = check(&serde_json::json!({"spec": {"remote": {"auth": {"bearerToken": "x"}}}}));
        assert!(
            d[0].message
                .contains("spec.remote.auth.bearerToken.secretRef")
        );
    }
}
