//! Checks the blocks of the docs: every example rendered (or refused) by the release
//! binary, every marked output compared with the file or command it comes from, every
//! included file present. Examples and commands run in parallel; the failures come back in
//! the order of the files and blocks, each naming `file:line`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::example::{Example, Expect, examples};
use super::{Block, Marker, parse_files};
use crate::{Output, bin, cmd, root, run, tool};

/// The `make` targets an `output: command make ...` marker may run (each prints what it
/// shows on stdout).
pub const MAKE_TARGETS: &[&str] = &["plan", "graph"];

/// What a check of the docs found.
#[derive(Debug, Default)]
pub struct Report {
    /// Examples rendered as they must be.
    pub rendered: usize,
    /// Examples refused as they must be.
    pub refused: usize,
    /// Output blocks checked (file, refusal and command markers).
    pub outputs: usize,
    /// `{{#include}}` blocks whose file exists.
    pub includes: usize,
    /// Every mistake, `file:line: why`.
    pub failures: Vec<String>,
}

/// What runs in parallel: an example rendered, or a command of an output marker.
enum Job {
    Render(String),
    Command(Vec<String>),
}

/// The command an `output: command ARGS` marker runs (in the repository root), or why not.
fn command(args: &[String]) -> Result<std::process::Command, String> {
    match args.split_first() {
        Some((program, rest)) if program == "loki-stack-fn" => {
            let mut c = cmd(bin());
            c.args(rest);
            Ok(c)
        }
        Some((program, rest))
            if program == "make"
                && rest
                    .first()
                    .is_some_and(|t| MAKE_TARGETS.contains(&t.as_str()))
                && rest.iter().skip(1).all(|a| a.contains('=')) =>
        {
            let mut c = cmd(tool("make"));
            c.args(["-s", "--no-print-directory"]).args(rest);
            Ok(c)
        }
        _ => Err(format!(
            "`{}` is not a command this test runs: only `loki-stack-fn ARGS` (the release \
             binary) and `make TARGET [VAR=value...]` with TARGET one of {MAKE_TARGETS:?}",
            args.join(" ")
        )),
    }
}

impl Job {
    fn run(&self) -> Output {
        match self {
            Job::Render(document) => {
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join("lokistack.yaml"), document).unwrap();
                run(
                    cmd(bin())
                        .args(["render", "-f", "lokistack.yaml"])
                        .current_dir(dir.path()),
                    None,
                )
            }
            // A command off the allow-list does not run (its block is reported).
            Job::Command(args) => match command(args) {
                Ok(mut c) => run(c.current_dir(root()), None),
                Err(_) => Output {
                    code: -1,
                    stdout: String::new(),
                    stderr: String::new(),
                },
            },
        }
    }
}

/// Runs the jobs on a few threads; the outputs in the jobs' order.
fn run_all(jobs: &[Job]) -> Vec<Output> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Output>>> = Mutex::new(jobs.iter().map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map_or(4, std::num::NonZero::get)
        .clamp(1, 16)
        .min(jobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let out = job.run();
                    results.lock().unwrap()[i] = Some(out);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

fn indented(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(|l| format!("    {l}")).collect();
    lines.join("\n")
}

/// Whether stderr has the error `lokistack.yaml: FIELD: ...`.
fn names(stderr: &str, field: &str) -> bool {
    let want = format!("loki-stack-fn: error: lokistack.yaml: {field}: ");
    stderr.lines().any(|l| l.starts_with(&want))
}

/// Why an example's run is not what its marker says, if it is not.
fn example_failure(ex: &Example, out: &Output) -> Option<String> {
    let at = ex.block.at();
    let run = "`loki-stack-fn render -f lokistack.yaml`";
    match &ex.expect {
        Expect::Renders if out.code == 0 => None,
        Expect::Renders => Some(format!(
            "{at}: the example must render, but {run} exits {}:\n{}",
            out.code,
            indented(&out.stderr)
        )),
        Expect::Refused(field) if out.code == 0 => Some(format!(
            "{at}: the example is marked `refused {field}`, but it renders"
        )),
        Expect::Refused(field) if out.code != 1 || !out.stdout.is_empty() => Some(format!(
            "{at}: a refusal exits 1 and prints nothing on stdout; {run} exits {} (marked \
             `refused {field}`):\n{}",
            out.code,
            indented(&out.stderr)
        )),
        Expect::Refused(field) if !names(&out.stderr, field) => Some(format!(
            "{at}: the example is refused, but not for {field} (no error \
             `lokistack.yaml: {field}: ...`):\n{}",
            indented(&out.stderr)
        )),
        Expect::Refused(_) => None,
    }
}

/// Lines for comparison: trailing whitespace dropped, and trailing empty lines.
fn lines(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text.lines().map(str::trim_end).collect();
    while out.last() == Some(&"") {
        out.pop();
    }
    out
}

/// Why `block` (at Markdown line `first`, its first line) is not in `source` as one
/// contiguous run, a line `...` skipping any number of lines; `None` if it is.
pub fn excerpt_mismatch(block: &str, first: usize, source: &str, name: &str) -> Option<String> {
    let hay = lines(source);
    let mut from = 0;
    let mut part: Vec<(usize, &str)> = Vec::new();
    let mut parts = Vec::new();
    for (i, l) in lines(block).into_iter().enumerate() {
        if l.trim() == "..." {
            parts.push(std::mem::take(&mut part));
        } else {
            part.push((first + i, l));
        }
    }
    parts.push(part);
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        return Some("the block is empty".to_owned());
    }
    for part in parts {
        let matching = |start: usize| {
            part.iter()
                .zip(&hay[start..])
                .take_while(|((_, want), got)| want == *got)
                .count()
        };
        if let Some(at) = (from..hay.len()).find(|&s| matching(s) == part.len()) {
            from = at + part.len();
            continue;
        }
        // The closest run: the start that matches the most lines.
        let best = (from..hay.len()).max_by_key(|&s| (matching(s), std::cmp::Reverse(s)));
        let (line, want) = part[0];
        return Some(match best.map(|s| (s, matching(s))) {
            Some((s, k)) if k > 0 => {
                let (line, want) = part[k];
                let got = hay
                    .get(s + k)
                    .map_or("the end of the file".to_owned(), |g| {
                        format!("its line {} `{g}`", s + k + 1)
                    });
                format!(
                    "line {line} `{want}` differs from {name}: the run that matches longest \
                     starts at its line {} and goes on with {got}",
                    s + 1
                )
            }
            _ => format!("line {line} `{want}` is nowhere in {name} (after what came before)"),
        });
    }
    None
}

/// Checks the blocks of the Markdown `files`.
pub fn check_files(files: &[PathBuf]) -> Report {
    let parsed = parse_files(files);
    let mut report = Report {
        failures: parsed.errors,
        ..Report::default()
    };
    let (examples, errors) = examples(&parsed.blocks);
    report.failures.extend(errors);
    let commands: Vec<&Block> = parsed
        .blocks
        .iter()
        .filter(|b| matches!(b.marker, Some(Marker::Command(_))))
        .collect();
    let mut jobs: Vec<Job> = examples
        .iter()
        .map(|e| Job::Render(e.document.clone()))
        .collect();
    jobs.extend(commands.iter().filter_map(|b| match &b.marker {
        Some(Marker::Command(args)) => Some(Job::Command(args.clone())),
        _ => None,
    }));
    let mut outputs = run_all(&jobs).into_iter();
    // The outcome of each example and command, by its block.
    let mut ran: HashMap<(String, usize), (Option<&Expect>, Output)> = HashMap::new();
    for (ex, out) in examples.iter().zip(outputs.by_ref()) {
        match example_failure(ex, &out) {
            Some(f) => report.failures.push(f),
            None if ex.expect == Expect::Renders => report.rendered += 1,
            None => report.refused += 1,
        }
        ran.insert(
            (ex.block.file.clone(), ex.block.line),
            (Some(&ex.expect), out),
        );
    }
    for (b, out) in commands.iter().zip(outputs) {
        ran.insert((b.file.clone(), b.line), (None, out));
    }
    let mut last_example: Option<&Block> = None;
    for block in &parsed.blocks {
        if last_example.is_some_and(|e| e.file != block.file) {
            last_example = None;
        }
        if let Some(why) = output_failure(block, last_example, &ran) {
            report.failures.push(format!("{}: {why}", block.at()));
        } else if matches!(
            block.marker,
            Some(Marker::File(_) | Marker::Refusal | Marker::Command(_))
        ) {
            report.outputs += 1;
        }
        let includes = block.includes();
        for include in &includes {
            // mdBook resolves the path from the page's directory; `:anchor` or `:N:M`
            // selects part of the file.
            let file = include.split(':').next().unwrap_or_default();
            let path = normal(&Path::new(&block.file).parent().unwrap().join(file));
            if !root().join(&path).is_file() {
                report.failures.push(format!(
                    "{}: {{{{#include {include}}}}}: there is no file {}",
                    block.at(),
                    path.display()
                ));
            }
        }
        report.includes += usize::from(!includes.is_empty());
        if ran
            .get(&(block.file.clone(), block.line))
            .is_some_and(|(e, _)| e.is_some())
        {
            last_example = Some(block);
        }
    }
    // In the order of the files and their lines.
    report.failures.sort_by_key(|f| {
        let mut at = f.splitn(3, ':');
        let file = at.next().unwrap_or_default().to_owned();
        (file, at.next().and_then(|l| l.parse::<usize>().ok()))
    });
    report
}

/// `a/b/../c` as `a/c` (the path an include names, as failures print it).
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Why an output block is not the output it claims to be, if it is not (and for blocks
/// without an output marker, `None`).
fn output_failure(
    block: &Block,
    last_example: Option<&Block>,
    ran: &HashMap<(String, usize), (Option<&Expect>, Output)>,
) -> Option<String> {
    let first = block.line + 1;
    match block.marker.as_ref()? {
        Marker::File(path) => {
            let Ok(source) = std::fs::read_to_string(root().join(path)) else {
                return Some(format!("output: {path}: there is no file {path}"));
            };
            excerpt_mismatch(&block.text, first, &source, path)
                .map(|why| format!("the block is not in {path} ({why})"))
        }
        Marker::Command(args) => {
            if let Err(why) = command(args) {
                return Some(format!("output: command: {why}"));
            }
            let (_, out) = &ran[&(block.file.clone(), block.line)];
            let shown = args.join(" ");
            if out.code != 0 {
                return Some(format!(
                    "`{shown}` exits {}:\n{}",
                    out.code,
                    indented(&out.stderr)
                ));
            }
            excerpt_mismatch(
                &block.text,
                first,
                &out.stdout,
                &format!("what `{shown}` prints"),
            )
            .map(|why| format!("the block is not what `{shown}` prints ({why})"))
        }
        Marker::Refusal => {
            let Some(example) = last_example else {
                return Some(
                    "output: refusal, but no LokiStack example comes before it in the file"
                        .to_owned(),
                );
            };
            let (expect, out) = &ran[&(example.file.clone(), example.line)];
            if !matches!(expect, Some(Expect::Refused(_))) {
                return Some(format!(
                    "output: refusal, but the example before it (line {}) is not marked refused",
                    example.line
                ));
            }
            (lines(&block.text) != lines(&out.stderr)).then(|| {
                format!(
                    "the block is not the stderr of the example at line {}, which is:\n{}",
                    example.line,
                    indented(&out.stderr)
                )
            })
        }
        Marker::Renders | Marker::Refused(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_contiguous_runs_with_gaps_where_the_block_says() {
        let source = "a\nb\nc\nd\ne\n";
        let m = |block: &str| excerpt_mismatch(block, 10, source, "f");
        assert_eq!(m("b\nc  \n"), None);
        assert_eq!(m("a\n...\nd\ne\n"), None);
        assert_eq!(m("...\ne\n\n"), None);
        assert_eq!(
            m("b\nd\n").unwrap(),
            "line 11 `d` differs from f: the run that matches longest starts at its line 2 \
             and goes on with its line 3 `c`"
        );
        assert_eq!(
            m("d\n...\nb\n").unwrap(),
            "line 12 `b` is nowhere in f (after what came before)"
        );
        assert_eq!(
            m(" b\n").unwrap(),
            "line 10 ` b` is nowhere in f (after what came before)"
        );
    }

    #[test]
    fn commands_are_an_allow_list() {
        let args = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert!(command(&args("make plan ENV=local TODAY=2026-05-01")).is_ok());
        assert!(command(&args("make rendered")).is_err());
        assert!(command(&args("make plan; rm -rf x")).is_err());
        assert!(command(&args("kubectl version")).is_err());
    }
}
