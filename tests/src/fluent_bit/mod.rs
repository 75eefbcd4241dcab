//! Checks a rendered `fluent-bit.yaml` against what Fluent Bit 5.1.1 itself accepts: its
//! plugin schema (`fluent-bit -J`) and the keys its source reads in the other sections.

mod plugins;
mod schema;
mod sections;
mod stacks;
#[cfg(test)]
mod tests;
mod values;
mod yaml;

pub use schema::Schema;
pub use stacks::{fluent_bit_stacks, rendered_fluent_bit_yaml};

use plugins::check_pipeline;
use sections::{check_multiline_parsers, check_parsers, check_service};
use yaml::{Node, read_yaml};

/// The sections of the YAML format that the checker does not check
/// (src/config_format/flb_cf_yaml.c, STATE_SECTION).
const UNCHECKED_SECTIONS: &[&str] = &[
    "env",
    "includes",
    "customs",
    "plugins",
    "upstream_servers",
    "stream_processor",
    "extensions",
];

/// Everything wrong with a `fluent-bit.yaml` for Fluent Bit 5.1.1, one line each, naming
/// the section, the plugin (kind, name, alias) and the property. The text is read as
/// Fluent Bit's YAML reader reads it (every scalar as its text) and checked against what
/// `fluent-bit -J` printed for 5.1.1 ([`Schema`]) and, where `-J` prints nothing, against
/// lists taken from Fluent Bit's source (each names its file):
///
/// - `pipeline` inputs, filters, outputs: the plugin exists for its kind; every property
///   (case-insensitive, as Fluent Bit matches them) is one of the plugin's options
///   (`options`, `networking`, `network_tls`), a global option of its kind, or on
///   `ENGINE_PROPERTIES` (schema.rs); each value has its option's type; filters and
///   outputs have a match rule;
/// - `service`: keys of `SERVICE` (src/flb_config.c), values of their type;
/// - `parsers`: keys of `PARSER_KEYS` (src/flb_parser.c), by format;
/// - `multiline_parsers`: keys of `MULTILINE_PARSER_KEYS` (src/flb_parser.c), rules with
///   `state`, `regex` and `next_state`, every `next_state` a declared state.
///
/// The last three lists are in sections.rs.
pub fn check_config(text: &str, schema: &Schema) -> Vec<String> {
    let root = match read_yaml(text) {
        Ok(node) => node,
        Err(e) => return vec![e],
    };
    let Node::Map(sections) = root else {
        return vec!["not a mapping of sections".to_owned()];
    };
    let mut out = Vec::new();
    for (section, value) in &sections {
        match section.to_ascii_lowercase().as_str() {
            "service" => check_service(value, &mut out),
            "parsers" => check_parsers(value, &mut out),
            "multiline_parsers" => check_multiline_parsers(value, &mut out),
            "pipeline" => check_pipeline(value, schema, &mut out),
            s if UNCHECKED_SECTIONS.contains(&s) => {
                out.push(format!(
                    "section '{section}' is not checked by this test yet: extend it"
                ));
            }
            _ => out.push(format!(
                "section '{section}' is not one Fluent Bit 5.1.1 reads (it would be ignored)"
            )),
        }
    }
    out
}
