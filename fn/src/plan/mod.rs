//! `loki-stack-fn plan`: what a config deploys, and what a change does to a running
//! stack. Pure: the earlier objects and today's date come from the caller.

pub mod date;
pub mod delivery;
pub mod hazards;
mod lokiconf;
pub mod previous;
pub mod resources;
pub mod summary;
pub mod text;
mod writer;

use serde::Serialize;

pub use date::Day;
pub use hazards::{Change, Changes, Severity};

use crate::diagnostic::{Diagnostic, Diagnostics};

/// What the caller knows that the core may not look up itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// Today (UTC). Unknown: every earlier schema period counts as in effect.
    pub today: Option<Day>,
}

impl Context {
    pub fn on(today: Day) -> Self {
        Self { today: Some(today) }
    }
}

/// The version of the JSON shape (`plan --output json`); bumped on incompatible change.
pub const PLAN_VERSION: u32 = 1;

/// The plan of a config, and the changes since the earlier objects when given.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub plan_version: u32,
    /// `YYYY-MM-DD`, or null when no date was given.
    pub today: Option<String>,
    #[serde(flatten)]
    pub summary: summary::Summary,
    /// Null without earlier objects.
    pub changes: Option<PlanChanges>,
    /// The config's warnings as diagnostics (in `summary.warnings` as text).
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanChanges {
    /// Where the earlier objects came from (the `--from` file).
    pub from: String,
    #[serde(flatten)]
    pub changes: Changes,
}

impl Plan {
    /// Whether applying the change is refused.
    pub fn refused(&self) -> bool {
        self.changes.as_ref().is_some_and(|c| c.changes.refused > 0)
    }

    /// The plan as JSON (stable field order, one trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}

/// The earlier objects: their text and where they came from (named in errors).
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    pub text: &'a str,
    pub name: &'a str,
}

/// Plans a LokiStack config (YAML or JSON), comparing with the earlier objects if given.
pub fn plan(
    config_text: &str,
    file: Option<&str>,
    earlier: Option<Earlier<'_>>,
    ctx: &Context,
) -> Result<Plan, Diagnostics> {
    let what = "a LokiStack config (apiVersion: lokistack.krm.dev/v1alpha1, kind: LokiStack)";
    let config = crate::krm::resource_list::parse_document(config_text, what)
        .map_err(|d| Diagnostics::from(d.in_file(file)))?;
    let generated = crate::pipeline::generate(&config, file).map_err(Diagnostics)?;
    let changes = match earlier {
        None => None,
        Some(e) => {
            let previous = previous::parse(e.text)
                .map_err(|m| Diagnostics::from(Diagnostic::new(m).in_file(Some(e.name))))?;
            Some(PlanChanges {
                from: e.name.to_owned(),
                changes: hazards::compare(&hazards::Input {
                    previous: &previous,
                    new: &generated.objects,
                    owner: &generated.owner,
                    migration: generated
                        .resolved
                        .central
                        .as_ref()
                        .and_then(|c| c.storage.migration.as_ref()),
                    today: ctx.today,
                }),
            })
        }
    };
    Ok(Plan {
        plan_version: PLAN_VERSION,
        today: ctx.today.map(|d| d.to_string()),
        summary: summary::build(
            &generated.resolved,
            &generated.owner,
            &generated.objects,
            &generated.warnings,
            ctx.today,
        ),
        changes,
        warnings: generated.warnings,
    })
}

/// The hazards of kpt's re-render, as diagnostics: refused changes are errors,
/// warnings warnings, and the rest one info line (None when nothing changed).
pub fn krm_results(
    changes: &Changes,
    config_file: Option<&str>,
) -> (Vec<Diagnostic>, Vec<Diagnostic>, Option<String>) {
    let diag = |c: &Change| {
        let d = Diagnostic {
            message: c.text(),
            field: c.field.clone().filter(|_| c.object.is_none()),
            file: None,
        };
        if c.object.is_none() {
            d.in_file(config_file)
        } else {
            d
        }
    };
    let errors = changes.of(Severity::Refused).map(diag).collect();
    let warnings = changes.of(Severity::Warning).map(diag).collect();
    let o = &changes.objects;
    let info = (o.added + o.removed + o.changed > 0).then(|| {
        let changed: Vec<&str> = changes
            .items
            .iter()
            .filter(|c| c.code == "object-changed")
            .filter_map(|c| c.object.as_deref())
            .collect();
        let mut s = format!(
            "changes since the earlier output: {} changed, {} added, {} removed",
            o.changed, o.added, o.removed
        );
        if !changed.is_empty() {
            s.push_str(&format!(" ({})", changed.join(", ")));
        }
        s
    });
    (errors, warnings, info)
}
