//! go-logfmt's decoder, ported from Go (test-only): what Promtail's logfmt stage reads
//! from a line, for the tests and the pipeline simulator (`sim`).

/// go-logfmt's decoder (github.com/go-logfmt/logfmt, decode.go), ported line by
/// line: Err is exactly when Promtail would log "failed to decode logfmt".
pub(crate) fn go_logfmt_decode(line: &[u8]) -> Result<(), &'static str> {
    go_logfmt_pairs(line).map(|_| ())
}

/// What go-logfmt's `Key()` and `Value()` return for each pair, as Promtail's logfmt
/// stage stores them (`string(decoder.Value())`: no value and an empty one are both "").
pub(crate) type LogfmtPair = (Vec<u8>, Vec<u8>);

/// go-logfmt's decoder (v0.6, decode.go and jsonstring.go's `unquoteBytes`), ported
/// line by line: the pairs of a line, or the error Promtail logs.
pub(crate) fn go_logfmt_pairs(line: &[u8]) -> Result<Vec<LogfmtPair>, &'static str> {
    let mut pairs = Vec::new();
    let mut pos = 0;
    loop {
        // garbage
        match line
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&c| c > b' '))
        {
            Some(p) => pos += p,
            None => return Ok(pairs),
        }
        // key
        let start = pos;
        let mut multibyte = false;
        let mut key_end = None;
        while let Some(&c) = line.get(pos) {
            if c == b'=' {
                if pos == start {
                    return Err("unexpected '='");
                }
                key_end = Some(pos);
                break;
            } else if c == b'"' {
                return Err("unexpected '\"'");
            } else if c <= b' ' {
                break;
            } else if c >= 0x80 {
                multibyte = true;
            }
            pos += 1;
        }
        let key = line.get(start..key_end.unwrap_or(pos)).unwrap_or_default();
        if multibyte && String::from_utf8_lossy(key).contains('\u{FFFD}') {
            return Err("invalid key");
        }
        if key_end.is_none() {
            pairs.push((key.to_vec(), Vec::new()));
            continue;
        }
        // equal
        pos += 1;
        let value = match line.get(pos) {
            None => {
                pairs.push((key.to_vec(), Vec::new()));
                return Ok(pairs);
            }
            Some(&c) if c <= b' ' => Vec::new(),
            Some(b'"') => {
                // quoted value
                let mut esc = false;
                let mut has_esc = false;
                let qstart = pos;
                pos += 1;
                let mut closed = false;
                while let Some(&c) = line.get(pos) {
                    if esc {
                        esc = false;
                    } else if c == b'\\' {
                        esc = true;
                        has_esc = true;
                    } else if c == b'"' {
                        closed = true;
                        pos += 1;
                        break;
                    }
                    pos += 1;
                }
                if !closed {
                    return Err("unterminated quoted value");
                }
                let inner = line.get(qstart + 1..pos - 1).unwrap_or_default();
                if has_esc {
                    unquote(inner).ok_or("invalid quoted value")?
                } else {
                    inner.to_vec()
                }
            }
            Some(_) => {
                // unquoted value
                let vstart = pos;
                while let Some(&c) = line.get(pos) {
                    if c == b'=' || c == b'"' {
                        return Err("unexpected byte in value");
                    }
                    if c <= b' ' {
                        break;
                    }
                    pos += 1;
                }
                line.get(vstart..pos).unwrap_or_default().to_vec()
            }
        };
        pairs.push((key.to_vec(), value));
    }
}

/// go-logfmt's `unquoteBytes` (encoding/json's, plus `\'`) of a quoted value's inside:
/// invalid UTF-8 and lone surrogates become U+FFFD, surrogate pairs are joined.
fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    let u4 = |at: usize| -> Option<u32> {
        let hex = s.get(at..at + 4)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let mut out = Vec::with_capacity(s.len());
    let mut push = |c: char| out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    let mut r = 0;
    while let Some(&c) = s.get(r) {
        if c == b'\\' {
            let e = *s.get(r + 1)?;
            r += 2;
            match e {
                b'"' | b'\\' | b'/' | b'\'' => push(char::from(e)),
                b'b' => push('\u{8}'),
                b'f' => push('\u{c}'),
                b'n' => push('\n'),
                b'r' => push('\r'),
                b't' => push('\t'),
                b'u' => {
                    let mut cp = u4(r)?;
                    r += 4;
                    if (0xD800..0xE000).contains(&cp) {
                        let lo = (s.get(r..r + 2) == Some(b"\\u".as_slice()))
                            .then(|| u4(r + 2))
                            .flatten();
                        match lo {
                            Some(lo) if cp < 0xDC00 && (0xDC00..0xE000).contains(&lo) => {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                r += 6;
                            }
                            _ => cp = 0xFFFD,
                        }
                    }
                    push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                }
                _ => return None,
            }
        } else if c == b'"' || c < b' ' {
            return None;
        } else {
            // Coerce to well-formed UTF-8, one U+FFFD per invalid byte (as Go decodes).
            let rest = s.get(r..).unwrap_or_default();
            let chunk = rest.utf8_chunks().next()?;
            if let Some(ch) = chunk.valid().chars().next() {
                push(ch);
                r += ch.len_utf8();
            } else {
                push('\u{FFFD}');
                r += 1;
            }
        }
    }
    Some(out)
}
