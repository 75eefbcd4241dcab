//! A minimal LogQL checker for the dashboards' queries, and its own test.

/// A minimal LogQL checker: `sum by (l) (count_over_time(<log query> [d]))` or a log
/// query: a stream selector that Loki accepts, then line filters, parsers and label
/// filters. Regexes are compiled.
pub(super) fn check_logql(q: &str) -> Result<(), String> {
    let metric = regex::Regex::new(
        r"^sum by \(([a-z_]+)\) \(count_over_time\((.+) \[(\d+(ms|s|m|h|d))\]\)\)$",
    )
    .unwrap();
    if let Some(c) = metric.captures(q) {
        return check_log_query(c.get(2).unwrap().as_str());
    }
    if q.contains("count_over_time") || q.contains("rate(") {
        return Err(format!("unexpected metric query shape: {q}"));
    }
    check_log_query(q)
}

fn check_log_query(q: &str) -> Result<(), String> {
    let mut p = Lex { s: q, i: 0 };
    p.expect("{")?;
    let mut some_non_empty = false;
    loop {
        p.ws();
        let name = p.ident()?;
        p.ws();
        let op = p.op(&["=~", "!~", "!=", "="])?;
        p.ws();
        let value = p.string()?;
        let matches_empty = match op {
            "=" => value.is_empty(),
            "!=" => !value.is_empty(),
            _ => {
                let re = regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("{name}{op}{value:?}: {e}"))?;
                re.is_match("") == (op == "=~")
            }
        };
        some_non_empty |= !matches_empty;
        p.ws();
        if p.eat(",") {
            continue;
        }
        p.expect("}")?;
        break;
    }
    if !some_non_empty {
        return Err(format!(
            "Loki refuses a selector matching the empty value only: {q}"
        ));
    }
    loop {
        p.ws();
        if p.i == q.len() {
            return Ok(());
        }
        if let Ok(op) = p.op(&["|=", "|~", "!=", "!~"]) {
            p.ws();
            let v = p.string()?;
            if op.ends_with('~') {
                regex::Regex::new(&v).map_err(|e| format!("line filter {v:?}: {e}"))?;
            }
            continue;
        }
        p.expect("|")?;
        p.ws();
        let word = p.ident()?;
        if word == "json" || word == "logfmt" {
            continue;
        }
        p.ws();
        p.op(&["=~", "!~", "!=", "="])?;
        p.ws();
        p.string()?;
    }
}

struct Lex<'a> {
    s: &'a str,
    i: usize,
}

impl Lex<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }
    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.i = self.s.len() - trimmed.len();
    }
    fn eat(&mut self, t: &str) -> bool {
        let ok = self.rest().starts_with(t);
        if ok {
            self.i += t.len();
        }
        ok
    }
    fn expect(&mut self, t: &str) -> Result<(), String> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(format!("expected {t:?} at {:?} in {}", self.rest(), self.s))
        }
    }
    fn op<'o>(&mut self, ops: &[&'o str]) -> Result<&'o str, String> {
        for op in ops {
            if self.eat(op) {
                return Ok(op);
            }
        }
        Err(format!("expected one of {ops:?} at {:?}", self.rest()))
    }
    fn ident(&mut self) -> Result<String, String> {
        let n = self
            .rest()
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if n == 0 || self.rest().as_bytes()[0].is_ascii_digit() {
            return Err(format!("expected a label name at {:?}", self.rest()));
        }
        let out = self.rest()[..n].to_owned();
        self.i += n;
        Ok(out)
    }
    fn string(&mut self) -> Result<String, String> {
        self.expect("\"")?;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += at + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    Some((_, 'n')) => out.push('\n'),
                    other => return Err(format!("bad escape {other:?} in {}", self.s)),
                },
                c => out.push(c),
            }
        }
        Err(format!("unterminated string in {}", self.s))
    }
}

#[test]
fn the_logql_checker_refuses_what_loki_refuses() {
    assert!(check_logql(r#"{namespace=~".+"} |~ "x""#).is_ok());
    assert!(check_logql(r#"{namespace=~".*"}"#).is_err());
    assert!(check_logql(r#"{namespace="a" |~ "x""#).is_err());
    assert!(check_logql(r#"{namespace="a"} |~ "(""#).is_err());
    assert!(check_logql(r#"{namespace="a"} | level=~"x" | json"#).is_ok());
    assert!(check_logql(r#"{namespace="a"} |= x"#).is_err());
    assert!(check_logql(r#"sum by (x) (count_over_time({a="b"} [1m]))"#).is_ok());
    assert!(check_logql(r#"sum(count_over_time({a="b"} [1m]))"#).is_err());
}
