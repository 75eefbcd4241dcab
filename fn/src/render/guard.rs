//! The render guard: a local-config marker object that the repo's kustomizations
//! require through a `replacements` entry (see `components/render-guard`).
//!
//! `kubectl kustomize --enable-alpha-plugins` silently skips exec KRM functions and
//! would print a stack without Loki. With the guard, it fails instead, naming this
//! object. kustomize drops local-config objects from its output, so the marker never
//! reaches a cluster.

use serde_json::{Value, json};

pub const KIND: &str = "RenderGuard";
pub const NAME: &str =
    "loki-stack-fn-did-not-run--exec-functions-need-kustomize-enable-exec-or-kpt";

pub fn marker() -> Value {
    json!({
        "apiVersion": crate::spec::API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": NAME,
            "annotations": {
                "config.kubernetes.io/local-config": "true",
            },
        },
    })
}
