//! The fast path for big packages: reads a ResourceList without building a tree of its
//! items. One pass over the YAML event stream (granit-parser, the parser serde-saphyr is
//! built on, so the input is checked by the same grammar) finds each item's lines in the
//! input and the few fields the merge needs; the items are later written back as those
//! lines. Only `functionConfig` is parsed into a tree.
//!
//! Whatever this path could copy less than faithfully, or would read differently from
//! the tree parser, makes [`scan`] give up with the reason ([`Fallback`]), and the caller
//! parses the whole input instead: JSON and flow-style lists, anchors, aliases and tags,
//! repeated or merge keys, non-string keys, numbers no reader can hold (`.nan`, `1e999`),
//! more than one document, lines indented less than their item, invalid YAML. The work
//! is linear in the input: no alias is ever expanded, nesting is bounded ([`MAX_DEPTH`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use granit_parser::{Event, Parser, ScalarStyle, Span, StrInput, StructureStyle, Tag};
use serde_json::Value;

use super::annotations::{INTERNAL_PATH, PATH};
use super::item::{Item, Meta, TextItem, write_shifted};
pub use super::lines::Fallback;
use super::lines::{Step, check_shift, entry_line, token_line_start};
use super::{API_VERSION, KIND};
use crate::render::OWNER_ANNOTATION;

/// Deepest nesting the scanner follows (the tree parser's limit is 200; deeper input is
/// left to it, which refuses it with its own message).
pub const MAX_DEPTH: usize = 190;
/// Most keys one item may have in all (the duplicate-key check holds them in memory).
pub const MAX_KEYS: usize = 1 << 18;

/// A ResourceList as the scanner read it.
#[derive(Debug)]
pub struct Scanned<'a> {
    pub items: Vec<Item<'a>>,
    pub function_config: Option<Value>,
}

/// Reads `input` (YAML, with or without a byte-order mark) as a ResourceList whose items
/// are kept as text.
pub fn scan(input: &str) -> Step<Scanned<'_>> {
    let body = input.strip_prefix('\u{feff}').unwrap_or(input);
    if matches!(body.trim_start().as_bytes().first(), Some(b'{' | b'[')) {
        return Err(Fallback("JSON or flow-style input"));
    }
    if body
        .match_indices('\r')
        .any(|(i, _)| body.as_bytes().get(i + 1) != Some(&b'\n'))
    {
        return Err(Fallback("a line break that is a carriage return alone"));
    }
    let mut s = Scanner {
        body,
        parser: Parser::new_from_str_with_options(
            body,
            granit_parser::options! { emit_comments: false },
        ),
        keys: HashSet::default(),
        serial: 0,
        frames: Vec::new(),
    };
    if !matches!(s.next()?.0, Event::StreamStart) {
        return Err(Fallback("no YAML stream"));
    }
    match s.next()?.0 {
        Event::DocumentStart(_, None) => {}
        Event::DocumentStart(_, Some(_)) => return Err(Fallback("a %YAML directive")),
        _ => return Err(Fallback("no document")),
    }
    let (top, _) = s.next()?;
    if !matches!(top, Event::MappingStart(StructureStyle::Block, 0, None)) {
        return Err(Fallback("no block mapping at the top"));
    }
    let list = s.top_level()?;
    if !matches!(s.next()?.0, Event::DocumentEnd) || !matches!(s.next()?.0, Event::StreamEnd) {
        return Err(Fallback("more than one document"));
    }
    Ok(list)
}

struct Scanner<'a> {
    body: &'a str,
    parser: Parser<'a, StrInput<'a>>,
    /// Keys seen in the current item (or other top-level value), hashed with the serial
    /// number of their mapping: a repeated key makes the tree parser fail.
    keys: HashSet<u64, BuildHasherDefault<Unmixed>>,
    serial: u64,
    /// The open collections of [`Scanner::node`] (kept to reuse the allocation).
    frames: Vec<Frame>,
}

/// An open collection: a sequence, or a mapping (its serial number, and how many of its
/// keys might be numbers or booleans).
#[derive(Debug, Clone, Copy)]
enum Frame {
    Sequence,
    Mapping(u64, u32),
}

impl<'a> Scanner<'a> {
    fn next(&mut self) -> Step<(Event<'a>, Span)> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(_)) => Err(Fallback("invalid YAML")),
            None => Err(Fallback("an early end of the YAML stream")),
        }
    }

    fn top_level(&mut self) -> Step<Scanned<'a>> {
        let (mut api_version, mut kind) = (None, None);
        let mut items = Vec::new();
        let mut function_config = None;
        let mut seen: Vec<Cow<'a, str>> = Vec::new();
        let mut special = 0;
        loop {
            let (ev, _) = self.next()?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let key = key_of(ev, &mut special)?;
            if seen.contains(&key) {
                return Err(Fallback("a repeated key"));
            }
            self.keys.clear();
            let (value, span) = self.next()?;
            match key.as_ref() {
                "apiVersion" => api_version = self.string(value, 2)?,
                "kind" => kind = self.string(value, 2)?,
                "items" => items = self.items(value)?,
                "functionConfig" => function_config = self.function_config(value, &span)?,
                _ => self.node(value, 2)?,
            }
            seen.push(key);
        }
        let known = matches!(
            api_version.as_deref(),
            Some(API_VERSION | "config.kubernetes.io/v1alpha1")
        );
        if !known || kind.as_deref() != Some(KIND) {
            return Err(Fallback("not a ResourceList"));
        }
        Ok(Scanned {
            items,
            function_config,
        })
    }

    /// The items: entries of a block sequence, each a mapping, kept as their lines.
    fn items(&mut self, first: Event<'a>) -> Step<Vec<Item<'a>>> {
        match first {
            Event::SequenceStart(StructureStyle::Block, 0, None) => {}
            Event::SequenceStart(StructureStyle::Flow, 0, None) => {
                return match self.next()?.0 {
                    Event::SequenceEnd => Ok(Vec::new()),
                    _ => Err(Fallback("items in flow style")),
                };
            }
            Event::Scalar(v, ScalarStyle::Plain, 0, None) if nullish(&v) => return Ok(Vec::new()),
            _ => return Err(Fallback("items that are not a block sequence")),
        }
        // (line of the entry's `-`, its column, fields) of each item; the lines of an
        // item run to the next item's `-` line.
        let mut found: Vec<(usize, usize, Meta<'a>)> = Vec::new();
        let end = loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::SequenceEnd => break token_line_start(self.body, offset(&span)?),
                Event::MappingStart(_, 0, None) => {
                    let (line, column) = entry_line(self.body, offset(&span)?)?;
                    self.keys.clear();
                    let mut meta = Meta::default();
                    self.entries(3, |s, key, value, depth| {
                        match key {
                            "apiVersion" => meta.api_version = s.string(value, depth)?,
                            "kind" => meta.kind = s.string(value, depth)?,
                            "metadata" => s.metadata(value, depth, &mut meta)?,
                            _ => s.node(value, depth)?,
                        }
                        Ok(())
                    })?;
                    found.push((line, column, meta));
                }
                Event::MappingStart(..) => return Err(Fallback("YAML anchors or tags")),
                _ => return Err(Fallback("an item that is not a mapping")),
            }
        };
        let mut items = Vec::with_capacity(found.len());
        let shift = found.first().map_or(0, |f| f.1);
        let mut rest = found.into_iter().peekable();
        while let Some((start, column, meta)) = rest.next() {
            let stop = rest.peek().map_or(end, |next| next.0);
            let text = self.body.get(start..stop).unwrap_or_default();
            if column != shift || !text.ends_with('\n') {
                return Err(Fallback("items that do not each end a line"));
            }
            check_shift(text, shift)?;
            items.push(Item::Text(TextItem { text, shift, meta }));
        }
        Ok(items)
    }

    fn metadata(&mut self, first: Event<'a>, depth: usize, meta: &mut Meta<'a>) -> Step<()> {
        if !matches!(first, Event::MappingStart(..)) {
            return self.node(first, depth);
        }
        properties(&first)?;
        self.entries(depth, |s, key, value, depth| {
            match key {
                "name" => meta.name = s.string(value, depth)?,
                "namespace" => meta.namespace = s.string(value, depth)?,
                "annotations" if matches!(value, Event::MappingStart(..)) => {
                    properties(&value)?;
                    s.entries(depth, |s, key, value, depth| {
                        match key {
                            OWNER_ANNOTATION => meta.owner = s.string(value, depth)?,
                            PATH => meta.path = s.string(value, depth)?,
                            INTERNAL_PATH => meta.internal_path = s.string(value, depth)?,
                            _ => s.node(value, depth)?,
                        }
                        Ok(())
                    })?;
                }
                _ => s.node(value, depth)?,
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// `functionConfig`: its lines (or flow text) parsed on their own, as the tree parser
    /// would have read them in place.
    fn function_config(&mut self, first: Event<'a>, span: &Span) -> Step<Option<Value>> {
        let style = match first {
            Event::Scalar(v, ScalarStyle::Plain, 0, None) if nullish(&v) => return Ok(None),
            Event::MappingStart(style, 0, None) => style,
            _ => return Err(Fallback("a functionConfig that is not a plain mapping")),
        };
        let start = offset(span)?;
        let end_span = self.entries(2, |s, _, value, depth| s.node(value, depth))?;
        let text = match style {
            StructureStyle::Flow => Cow::Borrowed(
                self.body
                    .get(start..end_span.end.byte_offset().unwrap_or(start))
                    .unwrap_or_default(),
            ),
            _ => {
                let line = token_line_start(self.body, start);
                let end = token_line_start(self.body, offset(&end_span)?);
                let lines = self.body.get(line..end).unwrap_or_default();
                let shift = start - line;
                check_shift(lines, shift)?;
                let mut text = String::with_capacity(lines.len());
                write_shifted(&mut text, lines, shift);
                Cow::Owned(text)
            }
        };
        match crate::yaml::from_str::<Value>(&text) {
            Ok(v @ Value::Object(_)) => Ok(Some(v)),
            _ => Err(Fallback("a functionConfig that does not read on its own")),
        }
    }

    /// The entries of a mapping whose start event was just read: checks each key, hands
    /// it and the first event of its value to `f`. Returns the span of the mapping's end.
    fn entries(
        &mut self,
        depth: usize,
        mut f: impl FnMut(&mut Self, &str, Event<'a>, usize) -> Step<()>,
    ) -> Step<Span> {
        deeper(depth)?;
        self.serial += 1;
        let serial = self.serial;
        let mut special = 0;
        loop {
            let (ev, span) = self.next()?;
            if matches!(ev, Event::MappingEnd) {
                return Ok(span);
            }
            let key = key_of(ev, &mut special)?;
            self.remember(serial, &key)?;
            let (value, _) = self.next()?;
            f(self, &key, value, depth + 1)?;
        }
    }

    /// Notes a key of mapping `serial`: refuses a repeated one, and items with so many
    /// keys that noting them would cost memory.
    fn remember(&mut self, serial: u64, key: &str) -> Step<()> {
        if !self.keys.insert(key_hash(serial, key)) {
            return Err(Fallback("a repeated key"));
        }
        if self.keys.len() > MAX_KEYS {
            return Err(Fallback("an item with too many keys"));
        }
        Ok(())
    }

    /// Checks a whole node whose first event is `first`, at nesting level `depth`.
    /// Iterative: its own stack of open collections, not the thread's.
    fn node(&mut self, first: Event<'a>, depth: usize) -> Step<()> {
        let mut frames = std::mem::take(&mut self.frames);
        frames.clear();
        let walked = self.walk(first, depth, &mut frames);
        self.frames = frames;
        walked
    }

    fn walk(&mut self, first: Event<'a>, depth: usize, frames: &mut Vec<Frame>) -> Step<()> {
        let mut ev = first;
        loop {
            properties(&ev)?;
            match ev {
                Event::Scalar(v, style, ..) => {
                    if style == ScalarStyle::Plain {
                        plain_value(&v)?;
                    }
                }
                Event::SequenceStart(..) => {
                    deeper(depth + frames.len())?;
                    frames.push(Frame::Sequence);
                }
                Event::MappingStart(..) => {
                    deeper(depth + frames.len())?;
                    self.serial += 1;
                    frames.push(Frame::Mapping(self.serial, 0));
                }
                Event::Alias(_) => return Err(Fallback("YAML aliases")),
                _ => return Err(Fallback("an unexpected YAML event")),
            }
            // The first event of the next node, past the ends of finished collections.
            ev = loop {
                let Some(top) = frames.last_mut() else {
                    return Ok(());
                };
                let (next, _) = self.next()?;
                match (top, next) {
                    (Frame::Sequence, Event::SequenceEnd)
                    | (Frame::Mapping(..), Event::MappingEnd) => {
                        frames.pop();
                    }
                    (Frame::Sequence, next) => break next,
                    (Frame::Mapping(serial, special), key) => {
                        let serial = *serial;
                        let key = key_of(key, special)?;
                        self.remember(serial, &key)?;
                        break self.next()?.0;
                    }
                }
            };
        }
    }

    /// A value the merge reads: the string a YAML reader finds there, or `None` where it
    /// finds something else (null, a boolean, a mapping...).
    fn string(&mut self, first: Event<'a>, depth: usize) -> Step<Option<Cow<'a, str>>> {
        match first {
            Event::Scalar(v, style, 0, None) => {
                if style != ScalarStyle::Plain {
                    return Ok(Some(v));
                }
                plain_value(&v)?;
                if nullish(&v) || boolean(&v) {
                    Ok(None)
                } else if numeric_looking(&v) {
                    Err(Fallback("a number where a name or annotation is read"))
                } else {
                    Ok(Some(v))
                }
            }
            other => self.node(other, depth).map(|()| None),
        }
    }
}

fn offset(span: &Span) -> Step<usize> {
    span.start
        .byte_offset()
        .ok_or(Fallback("no byte offsets from the parser"))
}

fn deeper(depth: usize) -> Step<()> {
    if depth > MAX_DEPTH {
        Err(Fallback("deep nesting"))
    } else {
        Ok(())
    }
}

/// Anchors (and so aliases) and tags are left to the tree parser.
fn properties(ev: &Event<'_>) -> Step<()> {
    let (anchor, tag): (usize, Option<&Cow<'_, Tag>>) = match ev {
        Event::Scalar(_, _, anchor, tag)
        | Event::SequenceStart(_, anchor, tag)
        | Event::MappingStart(_, anchor, tag) => (*anchor, tag.as_ref()),
        _ => (0, None),
    };
    if anchor != 0 || tag.is_some() {
        Err(Fallback("YAML anchors or tags"))
    } else {
        Ok(())
    }
}

/// A mapping key the tree parser takes as the same string: a scalar, not null, not a
/// merge key, and at most one per mapping that might be a number or a boolean (two of
/// those could be equal as values, `0x1` and `1`).
fn key_of<'a>(ev: Event<'a>, special: &mut u32) -> Step<Cow<'a, str>> {
    properties(&ev)?;
    let Event::Scalar(key, style, ..) = ev else {
        return Err(Fallback("a key that is not a scalar"));
    };
    if style == ScalarStyle::Plain {
        if nullish(&key) || key == "<<" {
            return Err(Fallback("a null or merge key"));
        }
        if numeric_looking(&key) || boolean(&key) {
            *special += 1;
            if *special > 1 {
                return Err(Fallback("keys that may be numbers or booleans"));
            }
        }
    }
    Ok(key)
}

/// Plain scalars that are numbers no reader can hold: the tree parser refuses them.
fn plain_value(v: &str) -> Step<()> {
    if !numeric_looking(v) {
        return Ok(());
    }
    let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
    let non_finite = matches!(
        unsigned,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF"
    ) || v.parse::<f64>().is_ok_and(f64::is_infinite);
    if non_finite {
        Err(Fallback("a number that is infinite or not a number"))
    } else {
        Ok(())
    }
}

fn nullish(v: &str) -> bool {
    matches!(v, "" | "~" | "null" | "Null" | "NULL")
}

fn boolean(v: &str) -> bool {
    matches!(v, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Whether a plain scalar might be a number: integers and floats start with a digit or
/// a dot, after at most one sign. Anything else is a string (or null, or a boolean).
fn numeric_looking(v: &str) -> bool {
    let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
    matches!(unsigned.as_bytes().first(), Some(b'0'..=b'9' | b'.'))
}

/// The hash of a key in its mapping (collisions only send the input to the tree parser).
fn key_hash(serial: u64, key: &str) -> u64 {
    let mut h = serial.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ key.len() as u64;
    for chunk in key.as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        if let Some(dst) = word.get_mut(..chunk.len()) {
            dst.copy_from_slice(chunk);
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

/// The hash set's hasher: the keys are hashes already.
#[derive(Debug, Default, Clone, Copy)]
struct Unmixed(u64);

impl Hasher for Unmixed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
