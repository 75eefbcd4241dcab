//! Small builders shared by the component renderers.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};

use super::labels::Labels;

pub fn object_meta(name: &str, namespace: Option<&str>, labels: Labels) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}

/// Adds annotations to an object's metadata.
pub fn annotate(meta: &mut ObjectMeta, pairs: &[(&str, String)]) {
    if pairs.is_empty() {
        return;
    }
    let map = meta.annotations.get_or_insert_with(BTreeMap::new);
    for (k, v) in pairs {
        map.insert((*k).to_owned(), v.clone());
    }
}

/// Hex SHA-256 of a config file: a pod template annotation that changes (and so rolls
/// the pods) exactly when the config does.
pub fn checksum(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `checkov.io/skipN: CHECK=reason` annotations: every security check we do not pass
/// is named on the object itself, with the reason, for reviewers and scanners alike.
/// (checkov splits on '=', so a reason must not contain one.)
pub fn checkov_skips(meta: &mut ObjectMeta, skips: &[(&str, &str)]) {
    let map = meta.annotations.get_or_insert_with(BTreeMap::new);
    for (i, (check, why)) in skips.iter().enumerate() {
        map.insert(
            format!("checkov.io/skip{}", i + 1),
            format!("{check}={why}"),
        );
    }
}
