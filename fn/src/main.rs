//! The binary's edge: picks the mode from argv, does the I/O, maps results to exit codes.
//!
//! * no arguments: KRM function (ResourceList on stdin -> ResourceList on stdout);
//! * `render -f FILE|-`: plain YAML of the stack, for `kubectl apply -f -`;
//! * `schema`: the JSON Schema of a LokiStack config, for editors and validators;
//! * one path argument: kustomize legacy exec plugin (argv[1] is the config file).

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use loki_stack_fn::diagnostic::Diagnostics;
use loki_stack_fn::{PlainTarget, process_bytes, render_plain, yaml::MAX_INPUT_BYTES};

const HELP: &str = "\
loki-stack-fn: renders a complete Loki + Promtail logging stack from one LokiStack config.

USAGE:
    loki-stack-fn                      KRM function: ResourceList (YAML or JSON) on stdin,
                                       ResourceList (YAML) on stdout. Used by
                                         kustomize build --enable-alpha-plugins --enable-exec DIR
                                         kpt fn render --allow-exec DIR
                                         kpt fn eval --exec loki-stack-fn --fn-config FILE DIR
    loki-stack-fn render -f FILE       Plain multi-document YAML of the stack on stdout, for
                                       kubectl apply -f - (FILE '-' reads stdin).
    loki-stack-fn schema               JSON Schema (draft-07) of the LokiStack config on stdout
                                       (the repository's schema/lokistack.schema.json).
    loki-stack-fn CONFIG_FILE          kustomize legacy exec plugin protocol (what
                                       kubectl kustomize --enable-alpha-plugins runs): install
                                       this binary as
                                       $KUSTOMIZE_PLUGIN_HOME/lokistack.krm.dev/v1alpha1/lokistack/LokiStack
    loki-stack-fn --help | --version

EXIT STATUS:
    0  rendered;  1  the input or config was refused (errors name the field and file);
    2  wrong command-line usage;  3  I/O failure.

The LokiStack reference, runners and examples are in the project README.
";

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

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("loki-stack-fn: {msg}\n\n{HELP}");
    ExitCode::from(2)
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
        Some("render") => match args.get(1..).unwrap_or_default() {
            [flag, file] if flag == "-f" || flag == "--file" => plain(file, PlainTarget::Apply),
            _ => Ok(usage_error(
                "render needs exactly: render -f FILE (or - for stdin)",
            )),
        },
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

/// Reads at most `MAX_INPUT_BYTES + 1` bytes; the rest of an oversized input is drained
/// (not kept) so the writer does not get EPIPE before it can read our error.
fn read_bounded(mut reader: impl Read) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let limit = u64::try_from(MAX_INPUT_BYTES).unwrap_or(u64::MAX) + 1;
    (&mut reader)
        .take(limit)
        .read_to_end(&mut buf)
        .context("reading input")?;
    if buf.len() > MAX_INPUT_BYTES {
        io::copy(&mut reader, &mut io::sink()).context("reading input")?;
    }
    Ok(buf)
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing stdout"),
    }
}

fn krm() -> Result<ExitCode> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return Ok(usage_error(
            "expects a ResourceList on stdin (it is a KRM function); see --help",
        ));
    }
    let input = read_bounded(stdin.lock())?;
    let output = process_bytes(&input);
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
    let (bytes, name) = if file == "-" {
        (read_bounded(io::stdin().lock())?, None)
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("opening {file}"))?;
        (
            read_bounded(f).with_context(|| format!("reading {file}"))?,
            Some(file),
        )
    };
    // kustomize hands a legacy plugin a temp file, whose name means nothing to the user;
    // the kustomization directory that lists the generator does.
    let plugin_origin = (target == PlainTarget::KustomizePlugin).then(|| {
        match std::env::var("KUSTOMIZE_PLUGIN_CONFIG_ROOT") {
            Ok(root) => format!("LokiStack generator of {root}/kustomization.yaml"),
            Err(_) => "LokiStack generator config".to_owned(),
        }
    });
    let shown = plugin_origin.as_deref().or(name).or(Some("<stdin>"));
    let result = if bytes.len() > MAX_INPUT_BYTES {
        Err(format!(
            "larger than {} MiB: not a LokiStack config",
            MAX_INPUT_BYTES >> 20
        ))
    } else {
        std::str::from_utf8(&bytes).map_err(|e| {
            format!(
                "not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            )
        })
    };
    let text = match result {
        Ok(text) => text,
        Err(why) => {
            eprintln!("loki-stack-fn: error: {}: {why}", shown.unwrap_or_default());
            return Ok(ExitCode::FAILURE);
        }
    };
    match render_plain(text, shown, target) {
        Ok(plain) => {
            for d in &plain.warnings {
                eprintln!("loki-stack-fn: warning: {d}");
            }
            write_stdout(&plain.yaml)?;
            // As in krm(): the process ends, so the objects are not freed one by one.
            std::mem::forget(plain);
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
