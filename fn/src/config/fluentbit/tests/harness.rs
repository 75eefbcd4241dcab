//! The same lines through the Lua filter (`lua`) and the Promtail sim, compared.

use super::kube::relabel;
pub use super::kube::{Pod, PodLine};
pub use super::lua::{NODE, Op, Out, READ_NS, Record, Reply, SEC, Val, names, run_lua};
use crate::config::promtail::sim::{self, Entry};
use crate::config::promtail::{self, Relabel, Stage};
use crate::spec::Resolved;

/// `2026-11-30T23:58:00.000000000Z` of Unix nanoseconds (CRI's time format).
pub fn rfc3339_nano(ns: i128) -> String {
    let secs = i64::try_from(ns.div_euclid(SEC)).unwrap();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::plan::date::civil(days);
    let text = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ns.rem_euclid(SEC)
    );
    assert_eq!(sim::parse_time(&text, "RFC3339Nano"), Some(ns), "{text}");
    text
}

/// The rendered stack (`collector: {kind: FluentBit, <collector>}`) and its Promtail
/// pipelines, for the same spec.
pub struct Stack {
    pub r: Resolved,
    pods: Vec<Stage>,
    relabels: Vec<Relabel>,
    machine: Vec<Stage>,
    audit: Vec<Stage>,
}

impl Stack {
    pub fn new(collector: &str) -> Self {
        let sep = if collector.is_empty() { "" } else { ", " };
        let r = promtail::tests::resolved(&format!(
            "  collector: {{kind: FluentBit{sep}{collector}}}\n"
        ));
        let mut stack = Stack {
            pods: Vec::new(),
            relabels: Vec::new(),
            machine: Vec::new(),
            audit: Vec::new(),
            r,
        };
        for job in promtail::build(&stack.r).scrape_configs {
            match job.job_name {
                promtail::JOB => {
                    stack.pods = job.pipeline_stages;
                    stack.relabels = job.relabel_configs;
                }
                promtail::SYSTEM_JOB => stack.machine = job.pipeline_stages,
                promtail::AUDIT_JOB => stack.audit = job.pipeline_stages,
                other => panic!("job {other}"),
            }
        }
        stack
    }

    /// Promtail on a CRI line of `pod`: None when its relabeling drops the target.
    pub fn promtail_pod(&self, line: &PodLine) -> Option<Entry> {
        let mut labels = relabel(&self.relabels, line.pod.discovery())?;
        labels.insert(
            "filename".to_owned(),
            format!(
                "/var/log/pods/{}_{}_0000/{}/0.log",
                line.pod.namespace, line.pod.name, line.pod.container
            ),
        );
        let labels: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let cri = format!(
            "{} {} F {}",
            rfc3339_nano(line.time_ns),
            line.stream,
            line.content
        );
        Some(sim::run(&self.pods, &labels, &cri))
    }

    /// Promtail on a line of `/var/log/<service>.log`.
    pub fn promtail_machine(&self, service: &str, line: &str) -> Entry {
        let filename = format!("/var/log/{service}.log");
        let labels = [
            ("job", promtail::SYSTEM_JOB),
            ("node", NODE),
            ("filename", filename.as_str()),
        ];
        sim::run(&self.machine, &labels, line)
    }

    /// Promtail on a line of the kube-apiserver audit log.
    pub fn promtail_audit(&self, line: &str) -> Entry {
        let labels = [
            ("job", promtail::AUDIT_JOB),
            ("node", NODE),
            ("filename", crate::collection::talos::AUDIT_LOG_FILE),
        ];
        sim::run(&self.audit, &labels, line)
    }
}

pub fn machine_op(service: &str, line: &str) -> Op {
    Op::Route {
        tag: format!("machine.{service}"),
        ts_ns: READ_NS,
        record: Record::default().str(&["log"], line),
    }
}

pub fn audit_op(line: &str) -> Op {
    Op::Route {
        tag: "audit".to_owned(),
        ts_ns: READ_NS,
        record: Record::default().str(&["log"], line),
    }
}

/// A check of one reply.
pub type Check = dyn Fn(&Reply) -> Result<(), String>;

/// What the filter must return for one case.
pub enum Want {
    /// What Promtail makes of the line (None: its relabeling dropped the target);
    /// without a time of its own, the line keeps the time it was read.
    Promtail(Option<Entry>, i128),
    /// A check of the filter alone (an agent-specific or Lua-only case).
    Lua(Box<Check>),
}

/// Operations with what each reply must be; `run` compares all and lists every
/// disagreement.
#[derive(Default)]
pub struct Batch {
    ops: Vec<Op>,
    wants: Vec<(String, Want)>,
}

impl Batch {
    /// An operation without a reply (clock, files).
    pub fn act(&mut self, op: Op) {
        self.ops.push(op);
    }

    pub fn case(&mut self, what: impl Into<String>, op: Op, want: Want) {
        self.ops.push(op);
        self.wants.push((what.into(), want));
    }

    pub fn promtail(&mut self, what: impl Into<String>, op: Op, entry: Option<Entry>) {
        let read = match &op {
            Op::Route { ts_ns, .. } => *ts_ns,
            _ => READ_NS,
        };
        self.case(what, op, Want::Promtail(entry, read));
    }

    /// A pod line, against what Promtail makes of it.
    pub fn pod(&mut self, stack: &Stack, what: impl std::fmt::Display, line: &PodLine) {
        let entry = stack.promtail_pod(line);
        self.promtail(
            format!("{what}: {:?} {:.100?}", line.pod, line.content),
            line.op(),
            entry,
        );
    }

    pub fn lua(
        &mut self,
        what: impl Into<String>,
        op: Op,
        check: impl Fn(&Reply) -> Result<(), String> + 'static,
    ) {
        self.case(what, op, Want::Lua(Box::new(check)));
    }

    /// Runs the batch; panics with every disagreement. Returns the number of cases.
    pub fn run(self, stack: &Stack) -> usize {
        let replies = run_lua(&stack.r, &self.ops);
        let mut diffs = Vec::new();
        for ((what, want), reply) in self.wants.iter().zip(&replies) {
            let verdict = match want {
                Want::Promtail(entry, read) => same(entry.as_ref(), reply, *read),
                Want::Lua(check) => check(reply),
            };
            if let Err(e) = verdict {
                diffs.push(format!("{what}\n    {e}"));
            }
        }
        assert!(
            diffs.is_empty(),
            "{} of {} cases differ:\n{}",
            diffs.len(),
            self.wants.len(),
            diffs.join("\n")
        );
        self.wants.len()
    }
}

/// The filter's reply is what Promtail makes of the line.
pub fn same(entry: Option<&Entry>, reply: &Reply, read_ns: i128) -> Result<(), String> {
    if let Some(m) = entry
        .iter()
        .flat_map(|e| &e.misfires)
        .find(|m| !m.starts_with("json stage"))
    {
        return Err(format!("Promtail misfires: {m}"));
    }
    let kept = entry.filter(|e| e.dropped.is_none());
    match (kept, reply) {
        (None, Reply::Drop) => Ok(()),
        (Some(e), Reply::Keep(out)) => {
            let want = Out {
                code: 1,
                ts_ns: e.time.unwrap_or(read_ns),
                log: e.line.as_bytes().to_vec(),
                labels: e.labels.clone(),
                metadata: e.metadata.clone(),
            };
            if *out == want {
                Ok(())
            } else {
                Err(format!("Promtail {want:?}\n    Lua      {out:?}"))
            }
        }
        (None, other) => Err(format!(
            "Promtail drops it ({:?}), Lua: {other:?}",
            entry.and_then(|e| e.dropped.clone())
        )),
        (Some(e), other) => Err(format!("Promtail keeps it ({e:?}), Lua: {other:?}")),
    }
}

/// The filter keeps the line with `labels` (and whatever else).
pub fn kept_with(reply: &Reply, labels: &[(&str, &str)]) -> Result<(), String> {
    let Reply::Keep(out) = reply else {
        return Err(format!("not kept: {reply:?}"));
    };
    for (k, v) in labels {
        if out.labels.get(*k).map(String::as_str) != Some(*v) {
            return Err(format!("{k} is not {v:?}: {out:?}"));
        }
    }
    Ok(())
}
