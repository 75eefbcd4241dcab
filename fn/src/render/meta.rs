//! Small builders shared by the component renderers.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::labels::Labels;
use crate::spec::Resolved;
use crate::spec::types::PolicyKind;

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

/// One object as a value (the form every renderer returns).
pub fn to_value<T: Serialize>(object: &T) -> Result<Value, String> {
    serde_json::to_value(object).map_err(|e| format!("internal error serializing an object: {e}"))
}

/// The checkov skip of CKV2_K8S_6 ("pods without a NetworkPolicy") for the choices
/// that render no `networking.k8s.io` NetworkPolicy.
pub fn checkov_skip(r: &Resolved) -> Option<(&'static str, &'static str)> {
    match r.network.policies {
        PolicyKind::Kubernetes => None,
        PolicyKind::Cilium => Some((
            "CKV2_K8S_6",
            "spec.network.policies is cilium: CiliumNetworkPolicies guard these pods, which checkov does not read; see README, Network policies",
        )),
        PolicyKind::None => Some((
            "CKV2_K8S_6",
            "spec.network.policies is none by the user's choice: no policy restricts who connects; see README, Network policies",
        )),
    }
}
