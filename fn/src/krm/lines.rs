//! Where things are in the scanner's input, by lines: the line an item starts on, where
//! a token's line starts, whether lines can lose their indentation.

/// Why the input has to be parsed whole: a short phrase for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback(pub &'static str);

pub(crate) type Step<T> = Result<T, Fallback>;

/// Start of the line of a token at `pos` when only blanks precede it there; else `pos`
/// (the end of input after a last line without a line break).
pub fn token_line_start(body: &str, pos: usize) -> usize {
    let line = line_start(body, pos);
    let before = body.get(line..pos).unwrap_or_default();
    if before.bytes().all(|b| b == b' ') {
        line
    } else {
        pos
    }
}

fn line_start(body: &str, pos: usize) -> usize {
    body.get(..pos)
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The line holding the `-` of the sequence entry whose content starts at `node`, and the
/// column of that `-`: `- ` on the node's own line, or (the node on a line of its own)
/// the nearest line above that is not blank or a comment, which must be `-` alone or
/// with a comment.
pub fn entry_line(body: &str, node: usize) -> Step<(usize, usize)> {
    let odd = Fallback("an item that does not start with `- `");
    let line = line_start(body, node);
    let prefix = body.get(line..node).unwrap_or_default();
    let indent = prefix.len() - prefix.trim_start_matches(' ').len();
    if let Some(after) = prefix.get(indent..).and_then(|p| p.strip_prefix('-')) {
        return if !after.is_empty() && after.bytes().all(|b| b == b' ') {
            Ok((line, indent))
        } else {
            Err(odd)
        };
    }
    if indent != prefix.len() {
        return Err(odd);
    }
    let mut end = line;
    while end > 0 {
        let start = line_start(body, end - 1);
        let text = body.get(start..end - 1).unwrap_or_default();
        let text = text.strip_suffix('\r').unwrap_or(text);
        let content = text.trim_start_matches(' ');
        if !(content.is_empty() || content.starts_with('#')) {
            let rest = content.strip_prefix('-').ok_or(odd)?;
            let comment = rest.trim_start_matches([' ', '\t']);
            let separated = comment.len() < rest.len();
            return if comment.is_empty() || (separated && comment.starts_with('#')) {
                Ok((start, text.len() - content.len()))
            } else {
                Err(odd)
            };
        }
        end = start;
    }
    Err(odd)
}

/// Every line of `text` starts with `shift` spaces or holds spaces only, so taking
/// `shift` columns off each changes no line's meaning.
pub fn check_shift(text: &str, shift: usize) -> Step<()> {
    if shift == 0 {
        return Ok(());
    }
    let ok = text.split('\n').all(|line| {
        line.as_bytes()
            .get(..shift)
            .is_some_and(|indent| indent.iter().all(|b| *b == b' '))
            || line.trim_end_matches('\r').bytes().all(|b| b == b' ')
    });
    if ok {
        Ok(())
    } else {
        Err(Fallback("a line indented less than its item"))
    }
}
