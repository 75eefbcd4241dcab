//! The diagnostics collector of resolution, and the checks every section uses
//! (resources, labels).

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::spec::names;
use crate::spec::quantity::Quantity;
use crate::spec::resolved::{Amounts, Resources};
use crate::spec::types::ResourcesSpec;

/// Collects diagnostics while values are resolved.
#[derive(Default)]
pub(super) struct Checker {
    pub(super) errors: Vec<Diagnostic>,
    pub(super) warnings: Vec<Diagnostic>,
}

impl Checker {
    pub(super) fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic::at(field, message));
    }

    pub(super) fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic::at(field, message));
    }

    /// Keeps `Ok` values, records `Err` messages under `field`.
    pub(super) fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| self.error(field, e)).ok()
    }

    /// A value that lands in a config file Loki or Promtail reads with
    /// `-config.expand-env` must not hold what that rewrites: `\\` (escapes are
    /// rewritten), `${` and `$$`, and with `any_dollar` (Loki with S3 keys from a Secret,
    /// where `$NAME` expands too) any `$`. The rendered files are checked again whole
    /// (render::loki, config::promtail); this names the field.
    pub(super) fn expand_env_safe(
        &mut self,
        field: &str,
        value: &str,
        any_dollar: bool,
        why: &str,
    ) {
        let bad = if value.contains('\\') {
            Some("\\")
        } else if any_dollar && value.contains('$') {
            Some("$")
        } else {
            ["${", "$$"].into_iter().find(|b| value.contains(b))
        };
        if let Some(bad) = bad {
            self.error(
                field,
                format!(
                    "{value:?} contains {bad:?}, which -config.expand-env would rewrite: {why}"
                ),
            );
        }
    }
}

pub(super) fn resources(
    c: &mut Checker,
    field: &str,
    spec: Option<&ResourcesSpec>,
    default_requests: (&str, &str),
    default_memory_limit: &str,
) -> Resources {
    let requests = spec.and_then(|s| s.requests.clone()).unwrap_or_default();
    let limits = spec.and_then(|s| s.limits.clone()).unwrap_or_default();
    let mut q = |sub: &str, given: Option<String>, default: Option<&str>| {
        given
            .or_else(|| default.map(str::to_owned))
            .and_then(|text| c.check(&format!("{field}.{sub}"), Quantity::parse(&text)))
    };
    let out = Resources {
        requests: Amounts {
            cpu: q("requests.cpu", requests.cpu, Some(default_requests.0)),
            memory: q("requests.memory", requests.memory, Some(default_requests.1)),
        },
        limits: Amounts {
            cpu: q("limits.cpu", limits.cpu, None),
            memory: q("limits.memory", limits.memory, Some(default_memory_limit)),
        },
    };
    for (res, req, lim) in [
        ("cpu", &out.requests.cpu, &out.limits.cpu),
        ("memory", &out.requests.memory, &out.limits.memory),
    ] {
        if let (Some(req), Some(lim)) = (req, lim)
            && req.value() > lim.value()
        {
            c.error(
                &format!("{field}.requests.{res}"),
                format!(
                    "request {:?} is larger than the limit {:?}",
                    req.as_str(),
                    lim.as_str()
                ),
            );
        }
    }
    out
}

pub(super) fn labels(
    c: &mut Checker,
    field: &str,
    given: Option<&BTreeMap<String, String>>,
    default: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let labels: BTreeMap<String, String> = match given {
        Some(l) => l.clone(),
        None => default
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    for (k, v) in &labels {
        c.check(&format!("{field}.{k}"), names::check_label_key(k));
        c.check(&format!("{field}.{k}"), names::check_label_value(v));
    }
    labels
}
