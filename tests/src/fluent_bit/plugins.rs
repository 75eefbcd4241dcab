//! The `pipeline` section: each input, filter and output is a plugin of its kind, with
//! properties it takes, values of their types, and (but for inputs) a match rule.

use std::collections::BTreeMap;

use super::schema::{KINDS, Schema};
use super::values::check_value;
use super::yaml::{Node, scalar};

fn singular(kind: &str) -> &str {
    kind.strip_suffix('s').unwrap_or(kind)
}

pub(crate) fn check_pipeline(pipeline: &Node, schema: &Schema, out: &mut Vec<String>) {
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
