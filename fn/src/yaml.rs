//! The one place that decides how YAML is read and written.
//!
//! Reading follows what Kubernetes tooling (kyaml, the API server) means by the text:
//! only `true`/`false` are booleans (so an unquoted `on` stays a string), and YAML 1.1
//! octal such as `defaultMode: 0644` is the number 420. Writing quotes every string that
//! a YAML 1.1 reader could take for something else (`"on"`, `"0644"`, `"2024-01-01"`),
//! uses literal blocks for multi-line strings and never folds long lines.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest input the function reads at all (README, "Limits").
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Most YAML nodes one input may hold, aliases expanded: stops "billion laughs"
/// alias bombs long before they cost memory.
pub const MAX_NODES: usize = 1_000_000;
/// Most YAML events aliases may replay in one input (Kubernetes YAML rarely uses any).
pub const MAX_ALIAS_EVENTS: usize = 100_000;

fn read_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        legacy_octal_numbers: true,
        with_snippet: false,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EVENTS,
        },
        budget: serde_saphyr::budget! {
            max_documents: 1,
            max_depth: 200,
            max_total_scalar_bytes: MAX_INPUT_BYTES,
            max_nodes: MAX_NODES,
            max_aliases: 10_000,
            max_anchors: 10_000,
        },
    }
}

fn write_options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: true,
        prefer_block_scalars: true,
        folded_wrap_chars: usize::MAX,
    }
}

/// Parses one YAML (or JSON) document.
pub fn from_str<T: DeserializeOwned>(input: &str) -> Result<T, String> {
    serde_saphyr::from_str_with_options(input, read_options()).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("budget breached") {
            format!(
                "{msg}: the document expands to more than {MAX_NODES} nodes, replays more than {MAX_ALIAS_EVENTS} events through aliases or nests too deep \
                 (a YAML alias bomb?); nothing was rendered"
            )
        } else {
            msg
        }
    })
}

/// Serializes one value as a block-style YAML document (no leading `---`).
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_saphyr::to_string_with_options(value, write_options()).map_err(|e| e.to_string())
}
