//! Annotations runners use to track where items live.

/// File an item is read from / written to, relative to the package (kpt, kustomize).
pub const PATH: &str = "config.kubernetes.io/path";
/// Position of the item inside its file.
pub const INDEX: &str = "config.kubernetes.io/index";
/// kpt's own copies of the two above; kpt v1 reads these.
pub const INTERNAL_PATH: &str = "internal.config.kubernetes.io/path";
pub const INTERNAL_INDEX: &str = "internal.config.kubernetes.io/index";
/// Items never applied to a cluster (function configs, the render guard).
pub const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";

use serde_json::Value;

pub fn get<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// The file an item came from, as the runner told us.
pub fn file_of(item: &Value) -> Option<&str> {
    get(item, INTERNAL_PATH).or_else(|| get(item, PATH))
}

pub fn index_of(item: &Value) -> Option<u32> {
    get(item, INTERNAL_INDEX)
        .or_else(|| get(item, INDEX))
        .and_then(|s| s.parse().ok())
}
