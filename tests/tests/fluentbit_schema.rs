//! Every rendered Fluent Bit config checked against what Fluent Bit 5.1.1 itself accepts.
//!
//! Each LokiStack in the repo that selects `spec.collector.kind: FluentBit` (tests/stacks/,
//! base and every overlay as kustomize resolves its config/, and any other LokiStack file
//! in the repo) is rendered by the binary. The `fluent-bit.yaml` of its ConfigMap
//! `logging/fluent-bit` is read as Fluent Bit's YAML reader reads it (every scalar as its
//! text, no YAML typing) and checked against what `fluent-bit -J` printed for 5.1.1
//! (`../shared/reference/fluent-bit/fluent-bit-5.1.1-schema.json`) and, where `-J` prints
//! nothing, against lists taken from Fluent Bit's source (each names its file):
//!
//! - `pipeline` inputs, filters, outputs: the plugin exists for its kind; every property
//!   (case-insensitive, as Fluent Bit matches them) is one of the plugin's options
//!   (`options`, `networking`, `network_tls`), a global option of its kind, or on
//!   [`ENGINE_PROPERTIES`]; each value has its option's type; filters and outputs have a
//!   match rule;
//! - `service`: keys of [`SERVICE`] (src/flb_config.c), values of their type;
//! - `parsers`: keys of [`PARSER_KEYS`] (src/flb_parser.c), by format;
//! - `multiline_parsers`: keys of [`MULTILINE_PARSER_KEYS`] (src/flb_parser.c), rules with
//!   `state`, `regex` and `next_state`, every `next_state` a declared state.
//!
//! `fluent-bit --dry-run` does not replace this: it never applies a plugin's typed options
//! (a boolean `of` passes it) and Fluent Bit ignores unknown service and parser keys
//! without a word (a misspelt `hc_perod` or `time_kep` passes it too).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use e2e::{docs, fixture_stacks, overlays, resolved_config, root, run_fn, shared_dir};
use granit_parser::{Event, Parser};
use serde_json::Value;

/// `fluent-bit -J` of Fluent Bit 5.1.1, below the shared directory.
const SCHEMA: &str = "reference/fluent-bit/fluent-bit-5.1.1-schema.json";

#[test]
fn rendered_fluent_bit_configs_are_valid_for_fluent_bit_5_1_1() {
    let schema = Schema::get();
    let stacks = fluent_bit_stacks();
    assert!(
        !stacks.is_empty(),
        "no LokiStack in the repo selects spec.collector.kind: FluentBit (looked in tests/stacks/, \
         base, the overlays and the other YAML files): nothing to check"
    );
    let mut problems = Vec::new();
    for (name, config) in &stacks {
        let yaml = rendered_fluent_bit_yaml(name, config);
        problems.extend(
            check_config(&yaml, schema)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    let names: Vec<&str> = stacks.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        problems.is_empty(),
        "fluent-bit.yaml is not valid for Fluent Bit 5.1.1 ({} problems; stacks checked: {names:?}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ------------------------------------------------------------------------------------
// The stacks that select Fluent Bit, and what they render

/// Every LokiStack in the repo that selects Fluent Bit: `(name, LokiStack text)`.
fn fluent_bit_stacks() -> Vec<(String, String)> {
    let mut candidates = fixture_stacks();
    // The overlays' config/ holds patches: what selects a collector is the LokiStack
    // kustomize makes of them (an overlay may also inherit it from another one).
    candidates.push(("base".to_owned(), resolved_config("base")));
    for overlay in overlays() {
        let name = format!("overlays/{overlay}");
        let config = resolved_config(&name);
        candidates.push((name, config));
    }
    let mut others = Vec::new();
    yaml_files_mentioning_fluent_bit(&root(), &mut others);
    others.sort();
    candidates.extend(others);
    candidates
        .into_iter()
        .filter(|(_, text)| selects_fluent_bit(text))
        .collect()
}

/// Directories the walk for other LokiStack files skips (paths from the repository root):
/// those covered above, generated output, and the fuzz corpora (mutated inputs, not stacks
/// anyone renders). Hidden directories, `target` and `node_modules` are skipped anywhere.
const NOT_FIXTURES: &[&str] = &[
    "fuzz",
    "tests/stacks",
    "tests/golden",
    "kubernetes/observability/loki-stack",
];

/// YAML files below `dir` whose text mentions `FluentBit`: `(path from the root, text)`.
fn yaml_files_mentioning_fluent_bit(dir: &Path, out: &mut Vec<(String, String)>) {
    let top = root();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(&top)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !file_name.starts_with('.')
                && !["target", "node_modules"].contains(&file_name.as_str())
                && !NOT_FIXTURES.contains(&rel.as_str())
            {
                yaml_files_mentioning_fluent_bit(&path, out);
            }
        } else if file_name.ends_with(".yaml") || file_name.ends_with(".yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            if text.contains("FluentBit") {
                out.push((rel, text));
            }
        }
    }
}

fn selects_fluent_bit(text: &str) -> bool {
    docs(text).iter().any(|d| {
        d.get("kind").and_then(Value::as_str) == Some("LokiStack")
            && d.pointer("/spec/collector/kind").and_then(Value::as_str) == Some("FluentBit")
    })
}

/// The `fluent-bit.yaml` of the ConfigMap `logging/fluent-bit` the binary renders.
fn rendered_fluent_bit_yaml(name: &str, config: &str) -> String {
    let out = run_fn(&["render", "-f", "-"], Some(config.as_bytes()));
    assert_eq!(
        out.code, 0,
        "{name}: the function did not render it:\n{}",
        out.stderr
    );
    let found: Vec<String> = docs(&out.stdout)
        .iter()
        .filter(|o| {
            o.get("kind").and_then(Value::as_str) == Some("ConfigMap")
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some("fluent-bit")
                && o.pointer("/metadata/namespace").and_then(Value::as_str) == Some("logging")
        })
        .map(|o| {
            o.pointer("/data/fluent-bit.yaml")
                .and_then(Value::as_str)
                .unwrap_or_else(|| {
                    panic!("{name}: ConfigMap logging/fluent-bit has no fluent-bit.yaml")
                })
                .to_owned()
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{name}: selects Fluent Bit but renders {} ConfigMaps logging/fluent-bit",
        found.len()
    );
    found.into_iter().next().unwrap()
}

// ------------------------------------------------------------------------------------
// fluent-bit.yaml as Fluent Bit reads it

/// A YAML node as Fluent Bit's reader (libyaml, src/config_format/flb_cf_yaml.c) sees it:
/// a scalar is its text (`on`, `1`, `"1"` and `true` are all strings to Fluent Bit).
#[derive(Debug)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn read_yaml(text: &str) -> Result<Node, String> {
    let mut parser =
        Parser::new_from_str_with_options(text, granit_parser::options! { emit_comments: false });
    let mut events = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, _) = next.map_err(|e| format!("not YAML: {e}"))?;
        events.push(event);
    }
    let mut events = events.into_iter();
    if !matches!(events.next(), Some(Event::StreamStart))
        || !matches!(events.next(), Some(Event::DocumentStart(..)))
    {
        return Err("not a YAML document".to_owned());
    }
    let first = events.next().ok_or("an empty YAML document")?;
    let node = read_node(first, &mut events)?;
    match (events.next(), events.next()) {
        (Some(Event::DocumentEnd), Some(Event::StreamEnd)) => Ok(node),
        _ => Err("more than one YAML document".to_owned()),
    }
}

fn read_node<'a>(
    first: Event<'a>,
    rest: &mut impl Iterator<Item = Event<'a>>,
) -> Result<Node, String> {
    match first {
        Event::Scalar(text, ..) => Ok(Node::Scalar(text.into_owned())),
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            loop {
                match rest.next().ok_or("an unterminated YAML sequence")? {
                    Event::SequenceEnd => return Ok(Node::Seq(items)),
                    event => items.push(read_node(event, rest)?),
                }
            }
        }
        Event::MappingStart(..) => {
            let mut entries = Vec::new();
            loop {
                match rest.next().ok_or("an unterminated YAML mapping")? {
                    Event::MappingEnd => return Ok(Node::Map(entries)),
                    Event::Scalar(key, ..) => {
                        let value = rest.next().ok_or("a YAML key without a value")?;
                        entries.push((key.into_owned(), read_node(value, rest)?));
                    }
                    event => {
                        return Err(format!(
                            "a YAML mapping key that is not a scalar: {event:?}"
                        ));
                    }
                }
            }
        }
        Event::Alias(_) => Err("a YAML alias (Fluent Bit's reader takes none)".to_owned()),
        event => Err(format!("unexpected YAML event {event:?}")),
    }
}

/// The scalar value of `key` (case-insensitive) in a mapping.
fn scalar<'a>(entries: &'a [(String, Node)], key: &str) -> Option<&'a str> {
    entries.iter().find_map(|(k, v)| match v {
        Node::Scalar(s) if k.eq_ignore_ascii_case(key) => Some(s.as_str()),
        _ => None,
    })
}

// ------------------------------------------------------------------------------------
// Value types

/// What a property's value must look like.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    /// Anything (`string`, `prefixed string`, `multiple comma delimited strings`, `variant`).
    Str,
    /// `flb_utils_bool` (src/flb_utils.c): on/off, true/false, yes/no, any case.
    Bool,
    /// `atoi`: an optional sign and digits.
    Int,
    /// `atof`: a decimal number.
    Double,
    /// `flb_utils_size_to_bytes` (src/flb_utils.c): a number with K, KB, M, MB, G or GB.
    Size,
    /// `flb_utils_size_to_binary_bytes` (src/flb_utils.c): also KiB, MiB, GiB.
    BinarySize,
    /// `flb_utils_time_to_seconds` (src/flb_utils.c): digits with s, m, h or d.
    Time,
    /// `space delimited strings (minimum N)`: `flb_slist_split_tokens`, N tokens or more.
    Tokens(usize),
    /// One of these words, any case.
    OneOf(&'static [&'static str]),
    /// An output's `retry_limit` (flb_output_set_property, src/flb_output.c): a positive
    /// integer, `no_limits`, `false`/`off` (no limit) or `no_retries`.
    RetryLimit,
    /// An output's `storage.total_limit_size` (flb_output_set_property): a size, or
    /// `off`/`false`/`no` for no limit.
    SizeOrOff,
    /// `deprecated` in the schema: Fluent Bit warns.
    Deprecated,
}

const LOG_LEVELS: &[&str] = &["off", "error", "warn", "warning", "info", "debug", "trace"];

/// `${NAME}`: Fluent Bit expands environment references before it reads a value
/// (flb_env_var_translate), so its type cannot be known here.
fn has_env_ref(v: &str) -> bool {
    v.find("${").is_some_and(|i| v[i..].contains('}'))
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_int(s: &str) -> bool {
    is_digits(s.strip_prefix(['+', '-']).unwrap_or(s))
}

/// Digits with an optional fraction (`1`, `1.5`, `.5`, `1.`).
fn is_decimal(s: &str) -> bool {
    match s.split_once('.') {
        None => is_digits(s),
        Some((a, b)) => {
            (a.is_empty() || is_digits(a))
                && (b.is_empty() || is_digits(b))
                && a.len() + b.len() > 0
        }
    }
}

fn is_double(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    match s.split_once(['e', 'E']) {
        None => is_decimal(s),
        Some((mantissa, exponent)) => is_decimal(mantissa) && is_int(exponent),
    }
}

fn is_bool(s: &str) -> bool {
    ["on", "off", "true", "false", "yes", "no"]
        .iter()
        .any(|b| b.eq_ignore_ascii_case(s))
}

fn is_size(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let number = ["KB", "MB", "GB", "K", "M", "G"]
        .iter()
        .find_map(|unit| upper.strip_suffix(unit))
        .unwrap_or(&upper);
    is_decimal(number)
}

fn is_binary_size(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let number = ["KIB", "MIB", "GIB", "KB", "MB", "GB", "K", "M", "G"]
        .iter()
        .find_map(|unit| upper.strip_suffix(unit))
        .unwrap_or(&upper);
    is_decimal(number)
}

fn is_time(s: &str) -> bool {
    is_digits(
        s.strip_suffix(['s', 'm', 'h', 'd', 'S', 'M', 'H', 'D'])
            .unwrap_or(s),
    )
}

/// How many tokens `flb_slist_split_tokens` (src/flb_slist.c) makes of `s`: separated by
/// spaces, a double-quoted token may hold spaces (and `\"`).
fn tokens(s: &str) -> usize {
    let mut count = 0;
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        count += 1;
        if c == '"' {
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
        } else {
            while chars.next_if(|&c| c != ' ').is_some() {}
        }
    }
    count
}

/// What is wrong with `v` as a value of type `ty`, if anything.
fn value_problem(ty: Ty, v: &str) -> Option<String> {
    if has_env_ref(v) {
        return None;
    }
    let ok = match ty {
        Ty::Str => true,
        Ty::Bool => is_bool(v),
        Ty::Int => is_int(v),
        Ty::Double => is_double(v),
        Ty::Size => is_size(v),
        Ty::BinarySize => is_binary_size(v),
        Ty::Time => is_time(v),
        Ty::Tokens(n) => tokens(v) >= n,
        Ty::OneOf(words) => words.iter().any(|w| w.eq_ignore_ascii_case(v)),
        Ty::RetryLimit => {
            (is_int(v) && v.parse::<i64>().is_ok_and(|n| n > 0))
                || ["no_limits", "false", "off", "no_retries"]
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(v))
        }
        Ty::SizeOrOff => {
            is_size(v)
                || ["off", "false", "no"]
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(v))
        }
        Ty::Deprecated => false,
    };
    (!ok).then(|| expected(ty))
}

/// What a value of type `ty` must be, for the failure message.
fn expected(ty: Ty) -> String {
    match ty {
        Ty::Str => "anything".to_owned(),
        Ty::Bool => "not a boolean: on/off, true/false or yes/no (flb_utils_bool)".to_owned(),
        Ty::Int => "not an integer".to_owned(),
        Ty::Double => "not a number".to_owned(),
        Ty::Size => "not a size: digits with K, KB, M, MB, G or GB (flb_utils_size_to_bytes)".to_owned(),
        Ty::BinarySize => {
            "not a size: digits with K, KB, KiB, M, MB, MiB, G, GB or GiB (flb_utils_size_to_binary_bytes)"
                .to_owned()
        }
        Ty::Time => "not a time: digits with s, m, h or d (flb_utils_time_to_seconds)".to_owned(),
        Ty::Tokens(n) => format!("fewer than {n} space-delimited values"),
        Ty::OneOf(words) => format!("not one of {words:?}"),
        Ty::RetryLimit => {
            "not a retry limit: a positive integer, no_limits, false, off or no_retries".to_owned()
        }
        Ty::SizeOrOff => "not a size, nor off/false for no limit".to_owned(),
        Ty::Deprecated => "deprecated in Fluent Bit 5.1.1 (it warns)".to_owned(),
    }
}

/// Checks a property's value (a scalar, or a list of scalars: one property per item).
fn check_value(at: &str, ty: Ty, value: &Node, out: &mut Vec<String>) {
    match value {
        Node::Scalar(v) => {
            if let Some(problem) = value_problem(ty, v) {
                out.push(format!("{at} = '{v}': {problem}"));
            }
        }
        Node::Seq(items) => {
            for item in items {
                match item {
                    Node::Scalar(_) => check_value(at, ty, item, out),
                    _ => out.push(format!("{at}: a list item that is not a scalar")),
                }
            }
        }
        Node::Map(_) => out.push(format!(
            "{at}: a nested map (Fluent Bit reads it as a group, not as a value)"
        )),
    }
}

/// Checks a mapping of scalar settings against a table of keys (case-insensitive).
fn check_keys<'a>(
    at: &str,
    entries: impl IntoIterator<Item = &'a (String, Node)>,
    keys: &[(&str, Ty)],
    out: &mut Vec<String>,
) {
    for (key, value) in entries {
        match keys.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(&(_, ty)) => match value {
                Node::Scalar(_) => check_value(&format!("{at}: key '{key}'"), ty, value, out),
                _ => out.push(format!("{at}: key '{key}' is not a scalar")),
            },
            None => out.push(format!(
                "{at}: key '{key}' is not one Fluent Bit 5.1.1 reads here (it would be ignored)"
            )),
        }
    }
}

// ------------------------------------------------------------------------------------
// The plugins: `fluent-bit -J`, and what the engine takes besides

/// An option of a plugin, lowercase.
#[derive(Debug)]
struct Opt {
    name: String,
    /// A `prefixed string`: any longer key with this prefix (tail's `parser_`).
    prefix: bool,
    ty: Ty,
}

#[derive(Debug)]
struct KindSchema {
    global: Vec<Opt>,
    /// By lowercase plugin name: `options`, `networking` and `network_tls`.
    plugins: BTreeMap<String, Vec<Opt>>,
}

/// `inputs`, `filters` and `outputs` of `fluent-bit -J`.
#[derive(Debug)]
struct Schema {
    kinds: BTreeMap<&'static str, KindSchema>,
}

const KINDS: [&str; 3] = ["inputs", "filters", "outputs"];

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
    fn get() -> &'static Self {
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
    fn lookup(&self, kind: &str, plugin: &[Opt], key: &str) -> Option<Ty> {
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

fn singular(kind: &str) -> &str {
    kind.strip_suffix('s').unwrap_or(kind)
}

fn check_pipeline(pipeline: &Node, schema: &Schema, out: &mut Vec<String>) {
    let Node::Map(kinds) = pipeline else {
        out.push("pipeline: not a mapping".to_owned());
        return;
    };
    for (kind, plugins) in kinds {
        match KINDS.iter().find(|k| k.eq_ignore_ascii_case(kind)) {
            Some(kind) => check_plugins(kind, plugins, schema, out),
            None => out.push(format!("pipeline.{kind}: not inputs, filters or outputs")),
        }
    }
}

fn check_plugins(kind: &'static str, plugins: &Node, schema: &Schema, out: &mut Vec<String>) {
    let Node::Seq(plugins) = plugins else {
        out.push(format!("pipeline.{kind}: not a list"));
        return;
    };
    let what = singular(kind);
    for (i, plugin) in plugins.iter().enumerate() {
        let Node::Map(props) = plugin else {
            out.push(format!("pipeline.{kind}[{i}]: not a mapping"));
            continue;
        };
        let name = scalar(props, "name");
        let at = format!(
            "pipeline.{kind}[{i}] ({what} {}{})",
            name.unwrap_or("?"),
            scalar(props, "alias")
                .map(|a| format!(", alias {a}"))
                .unwrap_or_default()
        );
        let Some(name) = name else {
            out.push(format!("{at}: no name"));
            continue;
        };
        let Some(options) = schema.kinds[kind].plugins.get(&name.to_ascii_lowercase()) else {
            out.push(format!(
                "{at}: Fluent Bit 5.1.1 has no {what} plugin '{name}'"
            ));
            continue;
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (key, value) in props {
            let lower = key.to_ascii_lowercase();
            *seen.entry(lower.clone()).or_default() += 1;
            if lower == "name" {
                continue;
            }
            let prop = format!("{at}: property '{key}'");
            if lower == "processors" {
                out.push(format!(
                    "{prop}: processors are not checked by this test yet: extend it"
                ));
                continue;
            }
            match schema.lookup(kind, options, &lower) {
                Some(ty) => check_value(&prop, ty, value, out),
                None => out.push(format!(
                    "{prop} is not an option of the {what} plugin '{name}', a global {what} option, \
                     nor an engine property on this test's allow-list"
                )),
            }
        }
        for (key, n) in &seen {
            if *n > 1 {
                out.push(format!("{at}: property '{key}' is set {n} times"));
            }
        }
        if kind != "inputs" && !seen.contains_key("match") && !seen.contains_key("match_regex") {
            out.push(format!(
                "{at}: no match or match_regex (Fluent Bit routes nothing to it)"
            ));
        }
    }
}

// ------------------------------------------------------------------------------------
// service, parsers, multiline_parsers: lists from Fluent Bit's source

/// The keys of the `service` section: `service_configs[]` in src/flb_config.c (their names
/// are the FLB_CONF_STR_*, FLB_CONF_DNS_* and FLB_CONF_STORAGE_* macros of
/// include/fluent-bit/flb_config.h), with the type that table gives them, narrowed where
/// the value is read later: `http_port` (a TCP port), `log_level` (set_log_level in
/// src/flb_config.c), `storage.sync` and `storage.type` (src/flb_storage.c),
/// `storage.backlog.mem_limit` (plugins/in_storage_backlog/sb.c) and
/// `storage.rejected.limit` (src/flb_storage.c) through flb_utils_size_to_bytes,
/// `multiline_buffer_limit` through flb_utils_size_to_binary_bytes (src/multiline/flb_ml.c).
/// Fluent Bit ignores any other key without a word (flb_config_set_property returns 0).
/// Left out: `windows.maxstdio` (Windows only) and `telemetry` (a nested block that this
/// test does not check).
const SERVICE: &[(&str, Ty)] = &[
    ("flush", Ty::Double),
    ("flush.adaptive", Ty::Bool),
    ("flush.adaptive.min_interval", Ty::Double),
    ("flush.adaptive.max_interval", Ty::Double),
    ("flush.adaptive.low_pressure", Ty::Double),
    ("flush.adaptive.medium_pressure", Ty::Double),
    ("flush.adaptive.high_pressure", Ty::Double),
    ("flush.adaptive.up_steps", Ty::Int),
    ("flush.adaptive.down_steps", Ty::Int),
    ("grace", Ty::Int),
    ("json.convert_nan_to_null", Ty::Bool),
    ("security.fips_mode", Ty::Bool),
    ("daemon", Ty::Bool),
    ("log_file", Ty::Str),
    ("parsers_file", Ty::Str),
    ("plugins_file", Ty::Str),
    ("log_level", Ty::OneOf(LOG_LEVELS)),
    ("http_server", Ty::Bool),
    ("http_listen", Ty::Str),
    ("http_port", Ty::Int),
    ("health_check", Ty::Bool),
    ("hc_errors_count", Ty::Int),
    ("hc_retry_failure_count", Ty::Int),
    ("hc_period", Ty::Int),
    ("dns.mode", Ty::Str),
    ("dns.resolver", Ty::Str),
    ("dns.prefer_ipv4", Ty::Bool),
    ("dns.prefer_ipv6", Ty::Bool),
    ("storage.path", Ty::Str),
    ("storage.sync", Ty::OneOf(&["normal", "full"])),
    ("storage.metrics", Ty::Bool),
    ("storage.checksum", Ty::Bool),
    ("storage.backlog.mem_limit", Ty::Size),
    ("storage.backlog.flush_on_shutdown", Ty::Bool),
    ("storage.max_chunks_up", Ty::Int),
    ("storage.delete_irrecoverable_chunks", Ty::Bool),
    ("storage.trim_files", Ty::Bool),
    (
        "storage.type",
        Ty::OneOf(&["memory", "filesystem", "memrb"]),
    ),
    ("storage.inherit", Ty::Bool),
    ("storage.keep.rejected", Ty::Bool),
    ("storage.rejected.path", Ty::Str),
    ("storage.rejected.limit", Ty::Size),
    ("coro_stack_size", Ty::Int),
    ("multiline_buffer_limit", Ty::BinarySize),
    ("scheduler.cap", Ty::Int),
    ("scheduler.base", Ty::Int),
    ("json.escape_unicode", Ty::Bool),
    ("streams_file", Ty::Str),
    ("sp.convert_from_str_to_num", Ty::Bool),
    ("enable_chunk_trace", Ty::Bool),
    ("hot_reload", Ty::Bool),
    ("hot_reload.ensure_thread_safety", Ty::Bool),
    ("hot_reload.timeout", Ty::Int),
];

/// The keys of a `parsers` entry: what flb_parser_load_parser_definitions
/// (src/flb_parser.c) reads, and the decoders of flb_parser_decoder_list_create
/// (src/flb_parser_decoder.c). `regex` is read for `format: regex` only, and
/// `logfmt_no_bare_keys` used by `format: logfmt` only (see check_parsers). Fluent Bit
/// ignores any other key.
const PARSER_KEYS: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("format", Ty::OneOf(&["regex", "json", "ltsv", "logfmt"])),
    ("regex", Ty::Str),
    ("skip_empty_values", Ty::Bool),
    ("time_format", Ty::Str),
    ("time_key", Ty::Str),
    ("time_keep", Ty::Bool),
    ("time_strict", Ty::Bool),
    ("time_system_timezone", Ty::Bool),
    ("time_offset", Ty::Str),
    ("time_zone", Ty::Str),
    ("logfmt_no_bare_keys", Ty::Bool),
    ("types", Ty::Str),
    ("decode_field", Ty::Tokens(2)),
    ("decode_field_as", Ty::Tokens(2)),
];

/// The keys of a `multiline_parsers` entry: flb_parser_load_multiline_parser_definitions
/// (src/flb_parser.c; `type` by flb_ml_type_lookup in src/multiline/flb_ml.c), besides
/// `rules` (the YAML form, STATE_MULTILINE_PARSER_RULE in src/config_format/flb_cf_yaml.c)
/// and `rule` (the classic form, `state regex [next_state]`), both read for `type: regex`.
const MULTILINE_PARSER_KEYS: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("type", Ty::OneOf(&["regex", "endswith", "equal", "eq"])),
    ("match_string", Ty::Str),
    ("negate", Ty::Bool),
    ("key_content", Ty::Str),
    ("key_pattern", Ty::Str),
    ("key_group", Ty::Str),
    ("parser", Ty::Str),
    ("flush_timeout", Ty::Int),
    ("rule", Ty::Tokens(2)),
];

/// The keys of a rule under `rules` (multiline_load_regex_rules in src/flb_parser.c).
const RULE_KEYS: &[(&str, Ty)] = &[
    ("state", Ty::Str),
    ("regex", Ty::Str),
    ("next_state", Ty::Str),
];

fn check_service(service: &Node, out: &mut Vec<String>) {
    let Node::Map(entries) = service else {
        out.push("service: not a mapping".to_owned());
        return;
    };
    let (telemetry, settings): (Vec<_>, Vec<_>) = entries
        .iter()
        .partition(|(k, _)| k.eq_ignore_ascii_case("telemetry"));
    if !telemetry.is_empty() {
        out.push("service: key 'telemetry' is not checked by this test yet: extend it".to_owned());
    }
    check_keys("service", settings, SERVICE, out);
}

fn check_parsers(parsers: &Node, out: &mut Vec<String>) {
    let Node::Seq(parsers) = parsers else {
        out.push("parsers: not a list".to_owned());
        return;
    };
    for (i, parser) in parsers.iter().enumerate() {
        let Node::Map(entries) = parser else {
            out.push(format!("parsers[{i}]: not a mapping"));
            continue;
        };
        let at = format!("parsers[{i}] ({})", scalar(entries, "name").unwrap_or("?"));
        check_keys(&at, entries, PARSER_KEYS, out);
        let format = scalar(entries, "format").map(str::to_ascii_lowercase);
        for required in ["name", "format"] {
            if scalar(entries, required).is_none() {
                out.push(format!("{at}: no {required}"));
            }
        }
        match (format.as_deref(), scalar(entries, "regex")) {
            (Some("regex"), None) => out.push(format!("{at}: format regex without a regex")),
            (Some(f), Some(_)) if f != "regex" => {
                out.push(format!("{at}: key 'regex' is ignored with format {f}"));
            }
            _ => {}
        }
        if scalar(entries, "logfmt_no_bare_keys").is_some() && format.as_deref() != Some("logfmt") {
            out.push(format!(
                "{at}: key 'logfmt_no_bare_keys' is only read with format logfmt"
            ));
        }
    }
}

fn check_multiline_parsers(parsers: &Node, out: &mut Vec<String>) {
    let Node::Seq(parsers) = parsers else {
        out.push("multiline_parsers: not a list".to_owned());
        return;
    };
    for (i, parser) in parsers.iter().enumerate() {
        let Node::Map(entries) = parser else {
            out.push(format!("multiline_parsers[{i}]: not a mapping"));
            continue;
        };
        let at = format!(
            "multiline_parsers[{i}] ({})",
            scalar(entries, "name").unwrap_or("?")
        );
        // `rules` is matched case-sensitively by the YAML reader (strcmp).
        let (rules, settings): (Vec<_>, Vec<_>) = entries.iter().partition(|(k, _)| k == "rules");
        check_keys(&at, settings, MULTILINE_PARSER_KEYS, out);
        for required in ["name", "type"] {
            if scalar(entries, required).is_none() {
                out.push(format!("{at}: no {required}"));
            }
        }
        let is_regex = scalar(entries, "type").is_some_and(|t| t.eq_ignore_ascii_case("regex"));
        let rules: Vec<&Node> = rules.iter().map(|(_, v)| v).collect();
        if !is_regex {
            if !rules.is_empty() || scalar(entries, "rule").is_some() {
                out.push(format!("{at}: rules are only read with type regex"));
            }
            continue;
        }
        if scalar(entries, "rule").is_some() {
            // The classic form: not checked beyond its token count (check_keys did that).
            continue;
        }
        match rules.as_slice() {
            [Node::Seq(rules)] if !rules.is_empty() => check_rules(&at, rules, out),
            [] => out.push(format!("{at}: type regex without rules")),
            _ => out.push(format!("{at}: rules is not one non-empty list")),
        }
    }
}

/// The rules of a regex multiline parser: each with `state`, `regex` and `next_state`
/// (multiline_load_regex_rules, src/flb_parser.c); the first one's states include
/// `start_state`, and every `next_state` is a state of some rule (flb_ml_rule_create and
/// set_to_state_map, src/multiline/flb_ml_rule.c; states are comma-separated).
fn check_rules(at: &str, rules: &[Node], out: &mut Vec<String>) {
    let mut states: Vec<Vec<String>> = Vec::new();
    let mut next_states = Vec::new();
    for (j, rule) in rules.iter().enumerate() {
        let at = format!("{at}: rules[{j}]");
        let Node::Map(entries) = rule else {
            out.push(format!("{at}: not a mapping"));
            continue;
        };
        check_keys(&at, entries, RULE_KEYS, out);
        for required in ["state", "regex", "next_state"] {
            if scalar(entries, required).is_none() {
                out.push(format!("{at}: no {required}"));
            }
        }
        let own: Vec<String> = scalar(entries, "state")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect();
        if j == 0 && !own.iter().any(|s| s == "start_state") {
            out.push(format!("{at}: the first rule's state is not start_state"));
        }
        states.push(own);
        if let Some(next) = scalar(entries, "next_state") {
            next_states.push((at, next.to_owned()));
        }
    }
    for (at, next) in next_states {
        if !states.iter().flatten().any(|s| *s == next) {
            out.push(format!("{at}: next_state '{next}' is no rule's state"));
        }
    }
}

/// The sections of the YAML format that this test does not check
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
/// the section, the plugin (kind, name, alias) and the property.
fn check_config(text: &str, schema: &Schema) -> Vec<String> {
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

// ------------------------------------------------------------------------------------
// The checker itself: it must be able to fail

/// A small config in the rendered form, valid: the base of the failing cases below.
const VALID: &str = r#"service:
  flush: 1
  log_level: info
  http_server: "on"
  http_listen: ${POD_IP}
  http_port: 2020
parsers:
- name: kube-tag
  format: regex
  regex: ^(?<namespace_name>[^.]+)$
multiline_parsers:
- name: ml
  type: regex
  flush_timeout: 2000
  rules:
  - state: start_state
    regex: /^\d/
    next_state: cont
  - state: cont
    regex: /^\s/
    next_state: cont
pipeline:
  inputs:
  - name: tail
    alias: pods
    path: /var/log/pods/*/*/*.log
    read_from_head: "true"
    Skip_Empty_Lines: "OFF"
    mem_buf_limit: 16MB
    buffer_chunk_size: 32k
    refresh_interval: "10"
    parser_firstline: first
    parser_1: second
    multiline.parser: cri
  filters:
  - name: kubernetes
    match: pods.*
    kube_meta_cache_ttl: 300s
    buffer_size: ${BUFFER}
  outputs:
  - name: loki
    alias: loki
    match: "*"
    port: 3100
    tls: "off"
    workers: 1
    retry_limit: no_limits
    storage.total_limit_size: 1G
    net.keepalive: "on"
"#;

fn problems(config: &str) -> Vec<String> {
    check_config(config, Schema::get())
}

#[test]
fn checker_accepts_a_valid_config() {
    assert_eq!(problems(VALID), Vec::<String>::new());
}

#[test]
fn checker_reports_a_misspelt_property_and_a_wrong_typed_value() {
    let config = VALID
        .replace("read_from_head:", "read_from_hed:")
        .replace("Skip_Empty_Lines: \"OFF\"", "Skip_Empty_Lines: \"of\"");
    let found = problems(&config);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with(
            "pipeline.inputs[0] (input tail, alias pods): property 'read_from_hed' is not an option"
        ),
        "{found:#?}"
    );
    assert_eq!(
        found[1],
        "pipeline.inputs[0] (input tail, alias pods): property 'Skip_Empty_Lines' = 'of': \
         not a boolean: on/off, true/false or yes/no (flb_utils_bool)"
    );
}

#[test]
fn checker_reports_each_kind_of_mistake() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "flush: 1",
            "flush: soon",
            "service: key 'flush' = 'soon': not a number",
        ),
        (
            "http_port: 2020",
            "http_prot: 2020",
            "service: key 'http_prot' is not one",
        ),
        (
            "mem_buf_limit: 16MB",
            "mem_buf_limit: 16XB",
            "property 'mem_buf_limit' = '16XB': not a size",
        ),
        (
            "kube_meta_cache_ttl: 300s",
            "kube_meta_cache_ttl: 5min",
            "= '5min': not a time",
        ),
        (
            "port: 3100",
            "port: \"3100.0\"",
            "property 'port' = '3100.0': not an integer",
        ),
        (
            "retry_limit: no_limits",
            "retry_limit: forever",
            "not a retry limit",
        ),
        (
            "workers: 1",
            "worker: 1",
            "(output loki, alias loki): property 'worker' is not an option",
        ),
        (
            "- name: kubernetes",
            "- name: kubernetess",
            "Fluent Bit 5.1.1 has no filter plugin 'kubernetess'",
        ),
        (
            "    match: pods.*\n",
            "",
            "(filter kubernetes): no match or match_regex",
        ),
        (
            "format: regex",
            "format: json",
            "key 'regex' is ignored with format json",
        ),
        (
            "  format: regex\n",
            "  format: regex\n  time_kep: on\n",
            "key 'time_kep' is not one",
        ),
        (
            "    next_state: cont\n  - state: cont",
            "  - state: cont",
            "rules[0]: no next_state",
        ),
        (
            "next_state: cont\npipeline",
            "next_state: done\npipeline",
            "next_state 'done' is no rule's state",
        ),
        (
            "pipeline:",
            "includes: [a.yaml]\npipeline:",
            "section 'includes' is not checked",
        ),
    ];
    for (from, to, want) in cases {
        assert!(VALID.contains(from), "{from:?} is not in VALID");
        let found = problems(&VALID.replacen(from, to, 1));
        assert!(
            found.len() == 1 && found[0].contains(want),
            "{from:?} -> {to:?}: want one problem with {want:?}, got {found:#?}"
        );
    }
}

#[test]
fn value_syntax_follows_fluent_bit() {
    for v in ["on", "OFF", "True", "no", "Yes"] {
        assert!(is_bool(v), "{v}");
    }
    for v in ["1", "enabled", "", "o n"] {
        assert!(!is_bool(v), "{v}");
    }
    for v in ["0", "32k", "32K", "32KB", "1.5M", "2g", "2GB", "100"] {
        assert!(is_size(v), "{v}");
    }
    for v in ["", "k", "32KiB", "32 K", "1e3", "-"] {
        assert!(!is_size(v), "{v}");
    }
    assert!(is_binary_size("32KiB") && is_binary_size("2m") && !is_binary_size("2XiB"));
    for v in ["10", "10s", "5m", "1h", "7d", "7D"] {
        assert!(is_time(v), "{v}");
    }
    for v in ["", "s", "1.5s", "5min", "1w"] {
        assert!(!is_time(v), "{v}");
    }
    for v in ["1", "0.5", ".5", "1e3", "-2"] {
        assert!(is_double(v), "{v}");
    }
    for v in ["", ".", "inf", "NaN", "0x10", "1,5"] {
        assert!(!is_double(v), "{v}");
    }
    assert_eq!(tokens(r#"Authorization "Bearer x y""#), 2);
    assert_eq!(tokens("  a  b c "), 3);
    assert!(has_env_ref("${HOST}:3100") && !has_env_ref("$HOST") && !has_env_ref("${"));
    assert!(value_problem(Ty::Int, "${PORT}").is_none());
}

#[test]
fn the_yaml_reader_keeps_scalars_as_text() {
    let Ok(Node::Map(entries)) = read_yaml("a: 0x10\nb: \"on\"\nc: [1, true]\n") else {
        panic!("not a map");
    };
    assert_eq!(scalar(&entries, "A"), Some("0x10"));
    assert_eq!(scalar(&entries, "b"), Some("on"));
    assert!(matches!(&entries[2].1, Node::Seq(items) if items.len() == 2));
    assert!(read_yaml("a: &x 1\nb: *x\n").is_err());
}
