//! The normalised `level` label, and the gates that let only lines of the right shape
//! into a `json` or `logfmt` stage (Promtail logs an error for each logfmt line it
//! fails to decode; a stage must never see a line of another shape).

use std::collections::BTreeMap;

use super::model::{Json, Logfmt, Stage, Template};
use super::stages::{selector, with_match};

/// Lines that look like a JSON object.
pub const JSON_LINE: &str = "^[[:space:]]*[{]";

/// A line go-logfmt decodes without error (Promtail logs `level=error ... failed to
/// decode logfmt` for any other line fed to its logfmt stage). Deliberately stricter
/// than the decoder: pairs are separated by spaces or tabs only, no control character
/// (DEL included) appears anywhere, keys hold no U+FFFD, and quoted values hold only the
/// escapes the decoder accepts. Lines it refuses are still shipped, just without a
/// parsed level. Checked against a port of the decoder in the tests below.
///
/// Written without a single backslash (see the module docs): `BACKSLASH` is the class of
/// every character but the backslash, negated.
pub const LOGFMT_LINE: &str = concat!(
    "^[[:blank:]]*",
    logfmt_pair!(),
    "([[:blank:]]+",
    logfmt_pair!(),
    ")*[[:blank:]]*$",
);

/// Matches exactly one backslash: not `]`..`~`, not non-ASCII, not a control
/// character, not space, not `!`..`[`.
#[cfg(test)]
pub const BACKSLASH: &str = "[^]^-~[:^ascii:][:cntrl:] !-[]";

macro_rules! logfmt_pair {
    () => {
        concat!(
            // key: anything but blanks, controls, '=', '"' and U+FFFD
            "[^[:cntrl:] =\"\u{FFFD}]+",
            "(=(",
            // unquoted value
            "[^[:cntrl:] =\"]*",
            "|",
            // quoted value: plain characters or a valid escape
            "\"(",
            "[^[:cntrl:][:punct:]]|[]!#-/:-@Z-[^-`{-~]",
            "|",
            "[^]^-~[:^ascii:][:cntrl:] !-[]",
            "([\"/'bfnrt]|[^]^-~[:^ascii:][:cntrl:] !-[]|u[0-9a-fA-F]{4})",
            ")*\"",
            "))?",
        )
    };
}
use logfmt_pair;

/// Lines of 16000 characters or more: go-logfmt reads through a 64 KiB `bufio.Scanner`
/// and fails ("token too long") on longer lines, and 16000 characters of at most 4
/// bytes stay under it. Go's regexp caps a repeat count at 1000, nested ones included,
/// hence the chain.
pub fn long_line() -> String {
    format!("^{}", ".{1000}".repeat(LONG_LINE_CHARS / 1000))
}

pub const LONG_LINE_CHARS: usize = 16_000;
/// The decoder's buffer: any line shorter than LONG_LINE_CHARS characters fits it.
const LOGFMT_DECODER_BUFFER: usize = 64 * 1024;
const _: () =
    assert!(4 * LONG_LINE_CHARS < LOGFMT_DECODER_BUFFER && LONG_LINE_CHARS.is_multiple_of(1000));

/// A `level=` key somewhere in the line.
pub const HAS_LEVEL_KEY: &str = "(^|[[:blank:]])level=";

/// One of `level=` or the `keys` somewhere in the line.
pub fn has_key(keys: &[String]) -> String {
    if keys.is_empty() {
        return HAS_LEVEL_KEY.to_owned();
    }
    format!("(^|[[:blank:]])(level|{})=", keys.join("|"))
}

pub use crate::collection::levels::{LEVELS, OTHER_LEVEL};

/// Go template for Promtail's `template` stage: lowercases the extracted `level` and
/// maps it onto `LEVELS`. An absent level renders empty, which leaves it unset.
pub fn level_template() -> String {
    let mut t = String::from("{{ if .Value }}{{ with ToLower .Value }}");
    for (i, (level, spellings)) in LEVELS.iter().enumerate() {
        let cond = spellings
            .iter()
            .map(|s| format!("(eq . \"{s}\")"))
            .collect::<Vec<_>>()
            .join(" ");
        t.push_str(if i == 0 {
            "{{ if or "
        } else {
            "{{ else if or "
        });
        t.push_str(&cond);
        t.push_str(&format!(" }}}}{level}"));
    }
    t.push_str(&format!(
        "{{{{ else }}}}{OTHER_LEVEL}{{{{ end }}}}{{{{ end }}}}{{{{ end }}}}"
    ));
    t
}

/// Normalises the extracted `level` onto `LEVELS` and makes it a label.
pub fn level_label() -> [Stage; 2] {
    [
        Stage::Template(Template {
            source: "level",
            template: serde_saphyr::LitString(level_template()),
        }),
        Stage::Labels(BTreeMap::from([("level".to_owned(), "level".to_owned())])),
    ]
}

/// `json` for lines that look like a JSON object and `logfmt` for lines go-logfmt
/// decodes, each extracting `level` plus `keys`, under `base` (a LogQL stream
/// selector such as `{job="kubernetes-pods"}`).
pub fn parse_json_or_logfmt(base: &str, keys: &[String]) -> [Stage; 2] {
    let mut expressions = BTreeMap::from([(
        "level".to_owned(),
        crate::collection::levels::LEVEL_KEYS.join(" || "),
    )]);
    let mut mapping = BTreeMap::from([("level".to_owned(), "level".to_owned())]);
    for k in keys {
        expressions.insert(k.clone(), k.clone());
        mapping.insert(k.clone(), k.clone());
    }
    [
        with_match(
            selector(base, &[("|~", JSON_LINE)]),
            vec![Stage::Json(Json { expressions })],
        ),
        with_match(
            selector(
                base,
                &[
                    ("!~", JSON_LINE),
                    ("|~", &has_key(keys)),
                    ("!~", &long_line()),
                    ("|~", LOGFMT_LINE),
                ],
            ),
            vec![Stage::Logfmt(Logfmt { mapping })],
        ),
    ]
}
