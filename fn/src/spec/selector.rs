//! Grammar check of LogQL stream selectors (`{namespace="dev", app=~"api-.*"}`), the
//! form Loki's `retention_stream` accepts. Loki refuses to start on a bad one.

pub fn check(selector: &str) -> Result<(), String> {
    let fail = |why: &str| {
        Err(format!(
            "invalid stream selector {selector:?}: {why}; expected e.g. '{{namespace=\"dev\"}}'"
        ))
    };
    let s = selector.trim();
    let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return fail("must be enclosed in { }");
    };
    let mut rest = inner.trim_start();
    let mut matchers = 0;
    while !rest.is_empty() {
        // label name
        let name_len = rest
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
            })
            .map_or(rest.len(), |(i, _)| i);
        if name_len == 0 {
            return fail("expected a label name");
        }
        rest = rest.get(name_len..).unwrap_or_default().trim_start();
        // operator
        let op = ["=~", "!~", "!=", "="]
            .into_iter()
            .find(|op| rest.starts_with(op));
        let Some(op) = op else {
            return fail("expected one of = != =~ !~ after the label name");
        };
        rest = rest.get(op.len()..).unwrap_or_default().trim_start();
        // quoted value
        let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '`')) else {
            return fail("label values must be quoted");
        };
        let mut end = None;
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            if quote == '"' && escaped {
                escaped = false;
            } else if quote == '"' && c == '\\' {
                escaped = true;
            } else if c == quote {
                end = Some(i);
                break;
            }
        }
        let Some(end) = end else {
            return fail("unterminated quoted value");
        };
        rest = rest.get(end + 1..).unwrap_or_default().trim_start();
        matchers += 1;
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
            if rest.is_empty() {
                return fail("trailing comma");
            }
        } else if !rest.is_empty() {
            return fail("expected ',' between matchers");
        }
    }
    if matchers == 0 {
        return fail("needs at least one matcher");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn valid_selectors() {
        for s in [
            r#"{namespace="dev"}"#,
            r#"{namespace="dev", app=~"api-.*"}"#,
            r#"{ container != "x\"y" }"#,
            "{app=`raw`}",
            r#"{_a1="1",b!~"2"}"#,
        ] {
            assert!(check(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn invalid_selectors() {
        for s in [
            "namespace=dev",
            "{}",
            r#"{namespace=dev}"#,
            r#"{namespace="dev",}"#,
            r#"{namespace="dev" app="x"}"#,
            r#"{1ns="dev"}"#,
            r#"{ns=="dev"}"#,
            r#"{ns="dev}"#,
        ] {
            assert!(check(s).is_err(), "{s}");
        }
    }
}
