//! `fluent-bit.yaml` as Fluent Bit's reader (libyaml, src/config_format/flb_cf_yaml.c)
//! reads it: every scalar is its text, with no YAML typing.

use granit_parser::{Event, Parser};

/// A YAML node as Fluent Bit's reader sees it: a scalar is its text (`on`, `1`, `"1"`
/// and `true` are all strings to Fluent Bit).
#[derive(Debug)]
pub(crate) enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

pub(crate) fn read_yaml(text: &str) -> Result<Node, String> {
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
pub(crate) fn scalar<'a>(entries: &'a [(String, Node)], key: &str) -> Option<&'a str> {
    entries.iter().find_map(|(k, v)| match v {
        Node::Scalar(s) if k.eq_ignore_ascii_case(key) => Some(s.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::{Node, read_yaml, scalar};

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
}
