//! The plan's text writer: headings, `key  value` rows wrapped at 100 columns, tables,
//! colour only when asked.

use std::fmt::Write as _;

pub const WIDTH: usize = 100;

pub struct Out {
    pub text: String,
    pub color: bool,
}

impl Out {
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    pub fn line(&mut self, s: &str) {
        self.text.push_str(s.trim_end());
        self.text.push('\n');
    }

    pub fn heading(&mut self, s: &str) {
        let h = self.paint("1", s);
        self.text.push('\n');
        self.line(&h);
    }

    /// `  key   value`, the value wrapped under itself.
    pub fn rows(&mut self, rows: &[(String, String)]) {
        let width = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in rows {
            let indent = 2 + width + 2;
            let first = format!("  {k:width$}  ");
            self.wrapped(&first, indent, v);
        }
    }

    /// Writes `first` then `text` wrapped at [`WIDTH`], continuation lines indented.
    pub fn wrapped(&mut self, first: &str, indent: usize, text: &str) {
        let mut line = first.to_owned();
        let mut len = first.chars().count();
        let mut empty = true;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let wlen = word.chars().count();
            if !empty && len + 1 + wlen > WIDTH {
                self.line(&line);
                line = " ".repeat(indent);
                len = indent;
                empty = true;
            }
            if !empty {
                line.push(' ');
                len += 1;
            }
            line.push_str(word);
            len += wlen;
            empty = false;
        }
        self.line(&line);
    }
}

pub fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

pub fn yes_no(b: bool, yes: &str, no: &str) -> String {
    if b { yes.to_owned() } else { no.to_owned() }
}

pub fn table(out: &mut Out, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let fmt = |cells: Vec<String>| {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let _ = write!(s, " {c:w$} ");
        }
        s
    };
    out.line(&fmt(header.iter().map(|h| (*h).to_owned()).collect()));
    for r in rows {
        out.line(&fmt(r.clone()));
    }
}
