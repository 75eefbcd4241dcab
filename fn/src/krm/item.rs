//! A package item as the function holds it: the text it came as (most items, which are
//! not ours and pass through), or a parsed tree (when the whole input had to be parsed).
//! Either way the merge sees the same few fields: identity, owner and file.

use std::borrow::Cow;

use serde_json::Value;

use super::annotations;
use crate::render::OWNER_ANNOTATION;

/// One item of the input ResourceList.
#[derive(Debug, Clone)]
pub enum Item<'a> {
    /// Copied through as it came: the lines of one entry of a block sequence.
    Text(TextItem<'a>),
    /// Parsed (the input was JSON, or YAML the scanner does not copy; docs/src/reference/limits.md).
    Tree(Value),
}

/// An item kept as text: `text` holds whole lines, from the one with the entry's `-` to
/// the line before the next entry (trailing blank lines included: they can belong to a
/// `|+` block scalar), ending in a line break. Every line starts with `shift` spaces (the
/// sequence's indentation) or holds blanks only; writing it at column 0 drops them.
#[derive(Debug, Clone)]
pub struct TextItem<'a> {
    pub text: &'a str,
    pub shift: usize,
    pub meta: Meta<'a>,
}

/// The fields the merge reads, taken from the item's text as a YAML reader resolves
/// them: `None` where the reader would not find a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta<'a> {
    pub api_version: Option<Cow<'a, str>>,
    pub kind: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub namespace: Option<Cow<'a, str>>,
    pub owner: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    pub internal_path: Option<Cow<'a, str>>,
}

/// (API group, kind, namespace, name): what makes two objects the same to the API server.
pub type Identity<'x> = (&'x str, &'x str, &'x str, &'x str);

impl Item<'_> {
    pub fn identity(&self) -> Identity<'_> {
        let (api_version, kind, namespace, name) = match self {
            Item::Text(t) => (
                t.meta.api_version.as_deref(),
                t.meta.kind.as_deref(),
                t.meta.namespace.as_deref(),
                t.meta.name.as_deref(),
            ),
            Item::Tree(v) => {
                let s = |p: &str| v.pointer(p).and_then(Value::as_str);
                (
                    s("/apiVersion"),
                    s("/kind"),
                    s("/metadata/namespace"),
                    s("/metadata/name"),
                )
            }
        };
        let group = api_version.and_then(|v| v.rsplit_once('/')).map(|(g, _)| g);
        (
            group.unwrap_or_default(),
            kind.unwrap_or_default(),
            namespace.unwrap_or_default(),
            name.unwrap_or_default(),
        )
    }

    /// The LokiStack that generated this item, if any.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Item::Text(t) => t.meta.owner.as_deref(),
            Item::Tree(v) => annotations::get(v, OWNER_ANNOTATION),
        }
    }

    /// The file the item came from, as the runner told us.
    pub fn file(&self) -> Option<&str> {
        match self {
            Item::Text(t) => t.meta.internal_path.as_deref().or(t.meta.path.as_deref()),
            Item::Tree(v) => annotations::file_of(v),
        }
    }

    /// How many bytes [`Item::write`] adds for a text item (0 for trees: unknown).
    pub fn text_len(&self) -> usize {
        match self {
            Item::Text(t) => t.text.len(),
            Item::Tree(_) => 0,
        }
    }

    /// The item as a tree: parsed from its text for a text item (the few items that are
    /// this stack's earlier output, which a re-render compares with the new objects).
    pub fn to_value(&self) -> Result<Value, String> {
        match self {
            Item::Text(t) => {
                let mut text = String::with_capacity(t.text.len());
                write_shifted(&mut text, t.text, t.shift);
                let seq: Vec<Value> = crate::yaml::from_str(&text)?;
                seq.into_iter()
                    .next()
                    .ok_or_else(|| "an empty sequence entry".to_owned())
            }
            Item::Tree(v) => Ok(v.clone()),
        }
    }

    /// Appends the item as an entry of a block sequence at column 0.
    pub fn write(&self, out: &mut String) {
        match self {
            Item::Text(t) => write_shifted(out, t.text, t.shift),
            Item::Tree(v) => crate::yaml::push_sequence_entry(out, v),
        }
    }
}

/// Appends `text` with `shift` leading spaces taken off every line; lines of blanks
/// only (the scanner lets no other line have fewer) keep just their line break.
pub fn write_shifted(out: &mut String, text: &str, shift: usize) {
    if shift == 0 {
        out.push_str(text);
        return;
    }
    for line in text.split_inclusive('\n') {
        match line.get(..shift) {
            Some(indent) if indent.bytes().all(|b| b == b' ') => {
                out.push_str(line.get(shift..).unwrap_or_default());
            }
            _ => out.push_str(line.trim_start_matches(' ')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shifted_lines_lose_the_sequence_indentation_and_blank_lines_stay_breaks() {
        let mut out = String::new();
        write_shifted(&mut out, "  - a: 1\n    b: |+\n      x\n \n\r\n", 2);
        assert_eq!(out, "- a: 1\n  b: |+\n    x\n\n\r\n");
    }

    #[test]
    fn text_and_tree_items_answer_alike() {
        let tree = Item::Tree(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "apps", "annotations": {
                "config.kubernetes.io/path": "a.yaml", "lokistack.krm.dev/owner": "LokiStack/x"}}
        }));
        let text = Item::Text(TextItem {
            text: "",
            shift: 0,
            meta: Meta {
                api_version: Some("apps/v1".into()),
                kind: Some("Deployment".into()),
                name: Some("web".into()),
                namespace: Some("apps".into()),
                owner: Some("LokiStack/x".into()),
                path: Some("a.yaml".into()),
                internal_path: None,
            },
        });
        for item in [&tree, &text] {
            assert_eq!(item.identity(), ("apps", "Deployment", "apps", "web"));
            assert_eq!(item.owner(), Some("LokiStack/x"));
            assert_eq!(item.file(), Some("a.yaml"));
        }
        let core = Item::Tree(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 3}}));
        assert_eq!(core.identity(), ("", "Pod", "", ""));
    }
}
