//! The plugins' properties and their types: what `fluent-bit -J` printed for Fluent Bit
//! 5.1.1, and the properties its engine takes besides.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::values::{LOG_LEVELS, Ty};
use crate::shared_dir;

/// `fluent-bit -J` of Fluent Bit 5.1.1, below the shared directory.
const SCHEMA: &str = "reference/fluent-bit/fluent-bit-5.1.1-schema.json";

/// An option of a plugin, lowercase.
#[derive(Debug)]
pub(crate) struct Opt {
    name: String,
    /// A `prefixed string`: any longer key with this prefix (tail's `parser_`).
    prefix: bool,
    ty: Ty,
}

#[derive(Debug)]
pub(crate) struct KindSchema {
    global: Vec<Opt>,
    /// By lowercase plugin name: `options`, `networking` and `network_tls`.
    pub(crate) plugins: BTreeMap<String, Vec<Opt>>,
}

/// `inputs`, `filters` and `outputs` of `fluent-bit -J`.
#[derive(Debug)]
pub struct Schema {
    pub(crate) kinds: BTreeMap<&'static str, KindSchema>,
}

pub(crate) const KINDS: [&str; 3] = ["inputs", "filters", "outputs"];

/// Properties Fluent Bit's engine consumes itself (flb_output_set_property in
/// src/flb_output.c) that `fluent-bit -J` does not print: `(kind, property, type, the
/// manual section that documents it)`. Small on purpose: add one only with its
/// documentation. (`storage.type`, `mem_buf_limit` and `retry_limit` need no entry: `-J`
/// prints them among the global options, and tail's `multiline.parser` among its options.
/// The engine also takes `ipv6`, `oauth2.*`, `active`, `condition` and `_debug.http.*`;
/// nothing sets them, so they stay refused until something needs them.)
const ENGINE_PROPERTIES: &[(&str, &str, Ty, &str)] = &[
    (
        "outputs",
        "workers",
        Ty::Int,
        "Administration > Multithreading, Outputs: https://docs.fluentbit.io/manual/administration/multithreading",
    ),
    (
        "outputs",
        "storage.total_limit_size",
        Ty::SizeOrOff,
        "Administration > Buffering and storage: https://docs.fluentbit.io/manual/administration/buffering-and-storage",
    ),
];

/// Properties whose values the engine reads more narrowly than the type `-J` prints
/// (`string` for all three): flb_output_set_property (src/flb_output.c),
/// flb_input_set_property (src/flb_input.c), flb_log_get_level_str (src/flb_log.c).
fn special_type(kind: &str, key: &str) -> Option<Ty> {
    match (kind, key) {
        ("outputs", "retry_limit") => Some(Ty::RetryLimit),
        ("inputs", "storage.type") => Some(Ty::OneOf(&["memory", "filesystem", "memrb"])),
        (_, "log_level") => Some(Ty::OneOf(LOG_LEVELS)),
        _ => None,
    }
}

/// The type of an option as `-J` prints it.
fn schema_type(ty: &str) -> Ty {
    match ty {
        "string" | "prefixed string" | "multiple comma delimited strings" | "variant" => Ty::Str,
        "boolean" => Ty::Bool,
        "integer" => Ty::Int,
        "double" => Ty::Double,
        "size" => Ty::Size,
        "time" => Ty::Time,
        "deprecated" => Ty::Deprecated,
        _ => match ty
            .strip_prefix("space delimited strings (minimum ")
            .and_then(|n| n.strip_suffix(')'))
            .and_then(|n| n.parse().ok())
        {
            Some(n) => Ty::Tokens(n),
            None => panic!("{SCHEMA}: option type '{ty}' unknown to this test: teach schema_type"),
        },
    }
}

fn options(list: Option<&Value>) -> Vec<Opt> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|o| {
            let ty = o["type"].as_str().unwrap();
            Opt {
                name: o["name"].as_str().unwrap().to_ascii_lowercase(),
                prefix: ty == "prefixed string",
                ty: schema_type(ty),
            }
        })
        .collect()
}

impl Schema {
    /// Read once per test binary.
    pub fn get() -> &'static Self {
        static SCHEMA_JSON: OnceLock<Schema> = OnceLock::new();
        SCHEMA_JSON.get_or_init(Schema::load)
    }

    fn load() -> Self {
        let path = shared_dir().join(SCHEMA);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the shared directory is LOKI_STACK_SHARED, or ../shared beside the repository)",
                path.display()
            )
        });
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json.pointer("/fluent-bit/version").and_then(Value::as_str),
            Some("5.1.1")
        );
        let kinds = KINDS
            .into_iter()
            .map(|kind| {
                let list = json[kind].as_array().unwrap();
                let global = options(list[0].pointer("/properties/global_options"));
                let plugins = list
                    .iter()
                    .map(|p| {
                        let props = &p["properties"];
                        let mut opts = options(props.get("options"));
                        opts.extend(options(props.get("networking")));
                        opts.extend(options(props.get("network_tls")));
                        (p["name"].as_str().unwrap().to_ascii_lowercase(), opts)
                    })
                    .collect();
                (kind, KindSchema { global, plugins })
            })
            .collect();
        Schema { kinds }
    }

    /// The type of property `key` (lowercase) on a plugin of `kind`, if Fluent Bit takes it.
    pub(crate) fn lookup(&self, kind: &str, plugin: &[Opt], key: &str) -> Option<Ty> {
        let global = &self.kinds[kind].global;
        let engine = ENGINE_PROPERTIES
            .iter()
            .find(|(k, name, ..)| *k == kind && *name == key)
            .map(|&(_, _, ty, _)| ty);
        let ty = global
            .iter()
            .chain(plugin)
            .find(|o| !o.prefix && o.name == key)
            .map(|o| o.ty)
            .or(engine)
            .or_else(|| {
                plugin
                    .iter()
                    .find(|o| o.prefix && key.len() > o.name.len() && key.starts_with(&o.name))
                    .map(|o| o.ty)
            })?;
        Some(special_type(kind, key).unwrap_or(ty))
    }
}
