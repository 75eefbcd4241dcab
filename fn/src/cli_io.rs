//! What the subcommands share: the help text, usage errors, input read within its
//! limit, a config loaded for rendering, refusals reported, stdout written.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use loki_stack_fn::diagnostic::Diagnostics;
use loki_stack_fn::{
    DEFAULT_MAX_INPUT_BYTES, HARD_MAX_INPUT_BYTES, PlainTarget, yaml::MAX_DOCUMENT_BYTES,
};

pub const HELP: &str = "\
loki-stack-fn: renders a complete Loki + Promtail logging stack from one LokiStack config.

USAGE:
    loki-stack-fn                      KRM function: ResourceList (YAML or JSON) on stdin,
                                       ResourceList (YAML) on stdout. Used by
                                         kustomize build --enable-alpha-plugins --enable-exec DIR
                                         kpt fn render --allow-exec DIR
                                         kpt fn eval --exec loki-stack-fn --fn-config FILE DIR
    loki-stack-fn render -f FILE       Plain multi-document YAML of the stack on stdout, for
                                       kubectl apply -f - (FILE '-' reads stdin).
    loki-stack-fn render -f FILE --out-dir DIR
                                       The stack as a directory for GitOps (Flux, kubectl
                                       apply -k): one file per object, named
                                       <kind>_<namespace>_<name>.yaml (<kind>_<name>.yaml if
                                       cluster-scoped), and a kustomization.yaml listing them
                                       in apply order. DIR is replaced as a whole (files of
                                       removed objects disappear); a DIR holding any file
                                       loki-stack-fn did not write is refused, and a refused
                                       config leaves DIR as it was.
    loki-stack-fn plan -f FILE [--from PREVIOUS] [--output text|json] [--today YYYY-MM-DD]
                                       What the config deploys (workloads and totals, storage,
                                       retention, collection, access, monitoring); with --from
                                       (an earlier render or `kubectl get -o yaml` of the live
                                       objects), every change, refused / warning / info.
                                       Exit 1 when a change is refused.
    loki-stack-fn graph -f FILE        The deployed topology as a Mermaid flowchart (paste it in
                                       a ```mermaid block): the workloads with their replicas,
                                       the Services, every connection the rendered network
                                       policies allow (solid arrows, with the ports), the
                                       object store and the Secrets the stack reads but does
                                       not render (dotted). FILE '-' reads stdin.
    loki-stack-fn schema               JSON Schema (draft-07) of the LokiStack config on stdout
                                       (the repository's schema/lokistack.schema.json).
    loki-stack-fn CONFIG_FILE          kustomize legacy exec plugin protocol (what
                                       kubectl kustomize --enable-alpha-plugins runs): install
                                       this binary as
                                       $KUSTOMIZE_PLUGIN_HOME/lokistack.krm.dev/v1alpha1/lokistack/LokiStack
    loki-stack-fn --help | --version

ENVIRONMENT:
    LOKI_STACK_FN_MAX_INPUT_BYTES      largest ResourceList read, in bytes or with a Ki, Mi or
                                       Gi suffix (default 64Mi, at most 1Gi)

EXIT STATUS:
    0  rendered (planned);  1  the input, config or change was refused (errors name the
       field and file);  2  wrong command-line usage;  3  I/O failure.

The LokiStack reference, runners and examples are in the project README.
";

pub fn usage_error(msg: &str) -> ExitCode {
    eprintln!("loki-stack-fn: {msg}\n\n{HELP}");
    ExitCode::from(2)
}

/// Reads at most `max + 1` bytes; the rest of an oversized input is drained (not kept)
/// so the writer does not get EPIPE before it can read our error.
pub fn read_bounded(mut reader: impl Read, max: usize) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    (&mut reader)
        .take(limit)
        .read_to_end(&mut buf)
        .context("reading input")?;
    if buf.len() > max {
        io::copy(&mut reader, &mut io::sink()).context("reading input")?;
    }
    Ok(buf)
}

pub const MAX_INPUT_ENV: &str = "LOKI_STACK_FN_MAX_INPUT_BYTES";

/// The input limit from `LOKI_STACK_FN_MAX_INPUT_BYTES` (`N`, `NKi`, `NMi`, `NGi`), or the
/// default; `None` for a value that is not such a size between 1 byte and 1 GiB.
pub fn max_input_bytes() -> Option<usize> {
    let Some(value) = std::env::var_os(MAX_INPUT_ENV) else {
        return Some(DEFAULT_MAX_INPUT_BYTES);
    };
    let value = value.to_str()?.trim();
    let (digits, unit) = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30)]
        .into_iter()
        .find_map(|(suffix, unit)| value.strip_suffix(suffix).map(|d| (d, unit)))
        .unwrap_or((value, 1));
    let n = digits.parse::<usize>().ok()?.checked_mul(unit)?;
    (1..=HARD_MAX_INPUT_BYTES).contains(&n).then_some(n)
}

pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing stdout"),
    }
}

/// A config read for `render`: its text and the name errors show, or refused (already
/// reported on stderr).
pub enum Loaded {
    Config { text: String, shown: String },
    Refused,
}

pub fn load(file: &str, target: PlainTarget) -> Result<Loaded> {
    let (bytes, name) = if file == "-" {
        (read_bounded(io::stdin().lock(), MAX_DOCUMENT_BYTES)?, None)
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("opening {file}"))?;
        (
            read_bounded(f, MAX_DOCUMENT_BYTES).with_context(|| format!("reading {file}"))?,
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
    let shown = plugin_origin
        .or(name.map(str::to_owned))
        .unwrap_or_else(|| "<stdin>".to_owned());
    let result = if bytes.len() > MAX_DOCUMENT_BYTES {
        Err(format!(
            "larger than {} MiB: not a LokiStack config",
            MAX_DOCUMENT_BYTES >> 20
        ))
    } else {
        String::from_utf8(bytes).map_err(|e| {
            format!(
                "not valid UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            )
        })
    };
    Ok(match result {
        Ok(text) => Loaded::Config { text, shown },
        Err(why) => {
            eprintln!("loki-stack-fn: error: {shown}: {why}");
            Loaded::Refused
        }
    })
}

pub fn refused(Diagnostics(ds): Diagnostics) -> ExitCode {
    for d in ds {
        eprintln!("loki-stack-fn: error: {d}");
    }
    ExitCode::FAILURE
}
