//! `loki-stack-fn graph -f CONFIG`: the I/O around `loki_stack_fn::graph` (reads the config
//! as `render` does, prints the Mermaid flowchart).

use std::process::ExitCode;

use anyhow::Result;
use loki_stack_fn::PlainTarget;

use crate::cli_io::{Loaded, load, refused, usage_error, write_stdout};

const USAGE: &str = "graph needs: graph -f CONFIG (or - for stdin)";

/// `-f FILE`, `--file FILE` or `--file=FILE`, once.
fn parse(args: &[String]) -> Result<String, String> {
    let mut file = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        match flag {
            "-f" | "--file" if file.is_some() => return Err(format!("{flag} given twice")),
            "-f" | "--file" => match inline.or_else(|| it.next().cloned()) {
                Some(v) if !v.is_empty() => file = Some(v),
                _ => return Err(format!("{flag} needs a value")),
            },
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    file.ok_or_else(|| "-f CONFIG is required".to_owned())
}

pub fn run(args: &[String]) -> Result<ExitCode> {
    let file = match parse(args) {
        Ok(f) => f,
        Err(e) => return Ok(usage_error(&format!("{e}\n{USAGE}"))),
    };
    let Loaded::Config { text, shown } = load(&file, PlainTarget::Apply)? else {
        return Ok(ExitCode::FAILURE);
    };
    match loki_stack_fn::graph::graph(&text, Some(&shown)) {
        Ok(picture) => {
            for d in &picture.warnings {
                eprintln!("loki-stack-fn: warning: {d}");
            }
            write_stdout(&picture.mermaid)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(ds) => Ok(refused(ds)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<String, String> {
        parse(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments() {
        assert_eq!(args(&["-f", "c.yaml"]).unwrap(), "c.yaml");
        assert_eq!(args(&["--file=-"]).unwrap(), "-");
        assert!(args(&[]).unwrap_err().contains("-f CONFIG"));
        assert!(args(&["-f"]).unwrap_err().contains("needs a value"));
        assert!(args(&["-f", "a", "-f", "b"]).unwrap_err().contains("twice"));
        assert!(
            args(&["-f", "a", "--out-dir", "d"])
                .unwrap_err()
                .contains("--out-dir")
        );
    }
}
