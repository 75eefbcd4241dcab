//! The binary's edge: picks the mode from argv, does the I/O, maps results to exit codes.
//!
//! * no arguments: KRM function (ResourceList on stdin -> ResourceList on stdout);
//! * `render -f FILE|-`: plain YAML of the stack, for `kubectl apply -f -`;
//! * `render -f FILE|- --out-dir DIR`: the stack as a directory for GitOps (`out_dir.rs`);
//! * `plan -f FILE|- [--from PREVIOUS]`: what the config deploys and what changes;
//! * `graph -f FILE|-`: the deployed topology as a Mermaid flowchart;
//! * `schema`: the JSON Schema of a LokiStack config, for editors and validators;
//! * one path argument: kustomize legacy exec plugin (argv[1] is the config file).

mod out_dir;

use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use loki_stack_fn::rendered::{KUSTOMIZATION, render_dir};
use loki_stack_fn::{PlainTarget, process_bytes_with, render_plain};

mod cli_io;
mod graph_cli;
mod plan_cli;

use cli_io::{
    HELP, Loaded, MAX_INPUT_ENV, load, max_input_bytes, read_bounded, refused, usage_error,
    write_stdout,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("loki-stack-fn: error: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    match args.first().map(String::as_str) {
        None => krm(),
        Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        Some("-V" | "--version") => {
            println!("loki-stack-fn {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        Some("render") => match render_args(args.get(1..).unwrap_or_default()) {
            Ok((file, None)) => plain(file, PlainTarget::Apply),
            Ok((file, Some(dir))) => to_dir(file, Path::new(dir)),
            Err(why) => Ok(usage_error(&format!(
                "{why}: render needs -f FILE (or - for stdin), optionally --out-dir DIR"
            ))),
        },
        Some("plan") => plan_cli::run(args.get(1..).unwrap_or_default()),
        Some("graph") => graph_cli::run(args.get(1..).unwrap_or_default()),
        Some("schema") if args.len() == 1 => {
            write_stdout(&loki_stack_fn::spec::schema::to_pretty_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Some("schema") => Ok(usage_error("schema takes no arguments")),
        Some(arg) if arg.starts_with('-') => Ok(usage_error(&format!("unknown option {arg:?}"))),
        // kustomize legacy plugins get the config file first, maybe more args after it.
        Some(file) => plain(file, PlainTarget::KustomizePlugin),
    }
}

/// `render`'s arguments: `-f FILE` and an optional `--out-dir DIR`, in either order.
fn render_args(args: &[String]) -> Result<(&str, Option<&str>), String> {
    let (mut file, mut dir) = (None, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "-f" | "--file" => &mut file,
            "--out-dir" => &mut dir,
            other => return Err(format!("unexpected argument {other:?}")),
        };
        match it.next() {
            _ if slot.is_some() => return Err(format!("{flag} given twice")),
            Some(value) if !value.is_empty() => *slot = Some(value.as_str()),
            _ => return Err(format!("{flag} needs a value")),
        }
    }
    Ok((file.ok_or("no -f FILE")?, dir))
}

fn krm() -> Result<ExitCode> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return Ok(usage_error(
            "expects a ResourceList on stdin (it is a KRM function); see --help",
        ));
    }
    let Some(max) = max_input_bytes() else {
        return Ok(usage_error(&format!(
            "{MAX_INPUT_ENV} must be a size from 1 to 1Gi (bytes, or with a Ki, Mi or Gi suffix)"
        )));
    };
    let input = read_bounded(stdin.lock(), max)?;
    // Today's date decides which schema periods of the earlier output are in effect.
    let ctx = loki_stack_fn::plan::Context {
        today: plan_cli::clock_today(),
    };
    let output = process_bytes_with(&input, &ctx, max);
    for d in &output.warnings {
        eprintln!("loki-stack-fn: warning: {d}");
    }
    for d in &output.diagnostics {
        eprintln!("loki-stack-fn: error: {d}");
    }
    write_stdout(&output.resource_list)?;
    let code = if output.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    // The process ends now: freeing tens of thousands of small allocations one by one
    // would cost about a tenth of the run, and the kernel takes the memory back anyway.
    std::mem::forget(output);
    Ok(code)
}

fn plain(file: &str, target: PlainTarget) -> Result<ExitCode> {
    let Loaded::Config { text, shown } = load(file, target)? else {
        return Ok(ExitCode::FAILURE);
    };
    match render_plain(&text, Some(&shown), target) {
        Ok(plain) => {
            for d in &plain.warnings {
                eprintln!("loki-stack-fn: warning: {d}");
            }
            write_stdout(&plain.yaml)?;
            // As in krm(): the process ends, so the objects are not freed one by one.
            std::mem::forget(plain);
            Ok(ExitCode::SUCCESS)
        }
        Err(ds) => Ok(refused(ds)),
    }
}

/// `render -f FILE --out-dir DIR`: nothing is written unless the config renders and DIR
/// is ours to replace.
fn to_dir(file: &str, dir: &Path) -> Result<ExitCode> {
    let Loaded::Config { text, shown } = load(file, PlainTarget::Apply)? else {
        return Ok(ExitCode::FAILURE);
    };
    let rendered = match render_dir(&text, Some(&shown)) {
        Ok(r) => r,
        Err(ds) => return Ok(refused(ds)),
    };
    for d in &rendered.warnings {
        eprintln!("loki-stack-fn: warning: {d}");
    }
    if let Err(why) = out_dir::replaceable(dir)? {
        eprintln!("loki-stack-fn: error: --out-dir {}: {why}", dir.display());
        return Ok(ExitCode::FAILURE);
    }
    let files: Vec<(&str, &str)> = rendered.files().collect();
    out_dir::replace(dir, &files)?;
    eprintln!(
        "loki-stack-fn: wrote {} objects of {} and {KUSTOMIZATION} to {}",
        rendered.objects.len(),
        rendered.owner,
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
