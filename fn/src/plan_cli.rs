//! `loki-stack-fn plan -f CONFIG [--from PREVIOUS] [--output text|json] [--today DATE]`:
//! the I/O around `loki_stack_fn::plan` (files, the clock, the terminal).

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use loki_stack_fn::diagnostic::Diagnostics;
use loki_stack_fn::plan::{self, Context, Day, Earlier};

use crate::cli_io::{read_bounded, usage_error, write_stdout};

const USAGE: &str =
    "plan needs: plan -f CONFIG [--from PREVIOUS] [--output text|json] [--today YYYY-MM-DD]";

#[derive(Debug, Default)]
struct Args {
    file: Option<String>,
    from: Option<String>,
    json: bool,
    today: Option<Day>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "-f" | "--file" => out.file = Some(value()?),
            "--from" => out.from = Some(value()?),
            "-o" | "--output" => {
                out.json = match value()?.as_str() {
                    "text" => false,
                    "json" => true,
                    other => return Err(format!("--output {other:?}: use text or json")),
                }
            }
            "--today" => {
                out.today = Some(Day::parse(&value()?).map_err(|e| format!("--today: {e}"))?)
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if out.file.is_none() {
        return Err("-f CONFIG is required".to_owned());
    }
    if out.file.as_deref() == Some("-") && out.from.as_deref() == Some("-") {
        return Err("-f and --from cannot both read stdin".to_owned());
    }
    Ok(out)
}

/// Today (UTC) from the system clock.
pub fn clock_today() -> Option<Day> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| Day::from_unix_seconds(d.as_secs()))
}

/// A file (or stdin for `-`) as text, and its name for messages.
fn read_text(path: &str) -> Result<Result<(String, String), String>> {
    let (bytes, name) = if path == "-" {
        (
            read_bounded(io::stdin().lock(), loki_stack_fn::yaml::MAX_DOCUMENT_BYTES)?,
            "<stdin>".to_owned(),
        )
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("opening {path}"))?;
        (
            read_bounded(f, loki_stack_fn::yaml::MAX_DOCUMENT_BYTES)
                .with_context(|| format!("reading {path}"))?,
            path.to_owned(),
        )
    };
    if bytes.len() > loki_stack_fn::yaml::MAX_DOCUMENT_BYTES {
        return Ok(Err(format!(
            "{name}: larger than {} MiB",
            loki_stack_fn::yaml::MAX_DOCUMENT_BYTES >> 20
        )));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Ok((text, name)),
        Err(e) => Err(format!(
            "{name}: not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )),
    })
}

fn color() -> bool {
    io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

pub fn run(args: &[String]) -> Result<ExitCode> {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => return Ok(usage_error(&format!("{e}\n{USAGE}"))),
    };
    let file = args.file.unwrap_or_default();
    let (config, config_name) = match read_text(&file)? {
        Ok(x) => x,
        Err(e) => {
            eprintln!("loki-stack-fn: error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let earlier = match &args.from {
        None => None,
        Some(path) => match read_text(path)? {
            Ok(x) => Some(x),
            Err(e) => {
                eprintln!("loki-stack-fn: error: {e}");
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    let ctx = Context {
        today: args.today.or_else(clock_today),
    };
    let result = plan::plan(
        &config,
        Some(&config_name),
        earlier.as_ref().map(|(text, name)| Earlier { text, name }),
        &ctx,
    );
    match result {
        Ok(p) => {
            for w in &p.warnings {
                eprintln!("loki-stack-fn: warning: {w}");
            }
            if args.json {
                write_stdout(&p.to_json())?;
            } else {
                write_stdout(&p.to_text(color()))?;
            }
            if p.refused() {
                let n = p.changes.as_ref().map_or(0, |c| c.changes.refused);
                eprintln!(
                    "loki-stack-fn: error: {n} change{} refused (see the plan)",
                    if n == 1 { " is" } else { "s are" }
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Diagnostics(ds)) => {
            for d in ds {
                eprintln!("loki-stack-fn: error: {d}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Args, String> {
        parse(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments() {
        let a = args(&[
            "-f",
            "c.yaml",
            "--from=p.yaml",
            "-o",
            "json",
            "--today",
            "2026-05-01",
        ])
        .unwrap();
        assert_eq!(a.file.as_deref(), Some("c.yaml"));
        assert_eq!(a.from.as_deref(), Some("p.yaml"));
        assert!(a.json);
        assert_eq!(a.today.unwrap().to_string(), "2026-05-01");
        assert!(args(&["--from", "p"]).unwrap_err().contains("-f CONFIG"));
        assert!(args(&["-f"]).unwrap_err().contains("needs a value"));
        assert!(
            args(&["-f", "c", "-o", "yaml"])
                .unwrap_err()
                .contains("text or json")
        );
        assert!(
            args(&["-f", "c", "--today", "May 1"])
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(
            args(&["-f", "-", "--from", "-"])
                .unwrap_err()
                .contains("stdin")
        );
        assert!(
            args(&["-f", "c", "--bogus"])
                .unwrap_err()
                .contains("--bogus")
        );
    }
}
