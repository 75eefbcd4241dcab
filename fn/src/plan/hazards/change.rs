//! A change and its severity, and how an object is named in one: what every hazard
//! check returns.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Refused,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// One change and what it means.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub severity: Severity,
    /// Stable identifier of the hazard (docs/src/day2/hazards.md).
    pub code: &'static str,
    /// `Kind namespace/name` of the object concerned, if one.
    pub object: Option<String>,
    /// The LokiStack field (`spec.schemas[0]`) or object field that changes.
    pub field: Option<String>,
    pub message: String,
    /// The way out of a refused change, or what to do about a warning.
    pub fix: Option<String>,
}

impl Change {
    pub(super) fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            object: None,
            field: None,
            message: message.into(),
            fix: None,
        }
    }

    pub(super) fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub(super) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(super) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// The change as one line of text: `Kind ns/name: field: message Way out: fix`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if let Some(o) = &self.object {
            s.push_str(o);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        if let Some(f) = &self.fix {
            if !s.ends_with('.') {
                s.push('.');
            }
            s.push_str(if self.severity == Severity::Refused {
                " Way out: "
            } else {
                " What to do: "
            });
            s.push_str(f);
        }
        s
    }
}

/// How many objects were added, removed, changed and left as they were.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ObjectCounts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// (group, kind, namespace, name): what makes two objects the same to the API server.
pub(crate) type Id = (String, String, String, String);

pub(crate) fn identity(o: &Value) -> Id {
    let s = |p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let api_version = s("/apiVersion");
    let group = api_version
        .rsplit_once('/')
        .map(|(g, _)| g.to_owned())
        .unwrap_or_default();
    (
        group,
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// `StatefulSet logging/loki`, `Namespace logging`.
pub(crate) fn describe(id: &Id) -> String {
    let (_, kind, ns, name) = id;
    if ns.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {ns}/{name}")
    }
}

/// `4 days`, `1 day`, `36 hours`, `90 minutes`.
pub(crate) fn span(ms: u64) -> String {
    const MINUTE: u64 = 60_000;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if ms.is_multiple_of(DAY) {
        plural(ms / DAY, "day")
    } else if ms.is_multiple_of(HOUR) {
        plural(ms / HOUR, "hour")
    } else {
        plural(ms.div_ceil(MINUTE), "minute")
    }
}
