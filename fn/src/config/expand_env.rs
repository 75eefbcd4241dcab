//! `-config.expand-env`: Loki and Promtail run their config file through
//! drone/envsubst before parsing it. That rewrites more than `${VAR}`: `$$` becomes `$`,
//! `\\` and `\/` lose a backslash, and `$NAME` expands too. A config passed through it
//! must therefore contain exactly the references we mean, and nothing it would mangle.

/// Checks `text` (the file `program` reads) against expansion: only `${VAR}` for the
/// `allowed` variables; with `strict_dollar`, no other `$` at all.
pub fn check(
    text: &str,
    allowed: &[&str],
    program: &str,
    strict_dollar: bool,
) -> Result<(), String> {
    for bad in ["$$", "\\\\", "\\/"] {
        if text.contains(bad) {
            return Err(format!(
                "the {program} config contains {bad:?}, which -config.expand-env would rewrite"
            ));
        }
    }
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        let tail = rest.get(pos..).unwrap_or_default();
        let known = allowed
            .iter()
            .map(|v| format!("${{{v}}}"))
            .find(|r| tail.starts_with(r.as_str()));
        match known {
            Some(r) => rest = tail.get(r.len()..).unwrap_or_default(),
            None if tail.starts_with("${") || strict_dollar => {
                let set: Vec<String> = allowed.iter().map(|v| format!("${{{v}}}")).collect();
                return Err(format!(
                    "the {program} config contains {:?}, which -config.expand-env would \
                     expand; only {} may appear",
                    tail.chars().take(20).collect::<String>(),
                    if set.is_empty() {
                        "nothing".to_owned()
                    } else {
                        set.join(", ")
                    }
                ));
            }
            None => rest = tail.get(1..).unwrap_or_default(),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn only_the_named_references_pass() {
        assert!(check("a: ${X}\nb: $1\n", &["X"], "p", false).is_ok());
        assert!(check("a: ${Y}\n", &["X"], "p", false).is_err());
        assert!(check("a: $1\n", &["X"], "p", true).is_err());
        assert!(check("a: '$$'\n", &[], "p", false).is_err());
        assert!(check("a: 'x\\\\y'\n", &[], "p", false).is_err());
        assert!(check("a: ${X}${X}\n", &["X"], "p", true).is_ok());
    }
}
