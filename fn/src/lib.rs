//! loki-stack-fn: a KRM function that renders a complete Loki + Promtail logging stack
//! from one `LokiStack` config.
//!
//! The core is pure (no I/O, no environment, no clock): [`process`] maps a ResourceList
//! to a ResourceList, [`render_plain`] maps a LokiStack document to plain YAML, and
//! [`rendered::render_dir`] to the files of a GitOps directory. The CLI
//! (`main.rs`) uses it, and it builds for `wasm32-unknown-unknown` (checked by `make test`)
//! for the coming WebAssembly build.
//!
//! Flow: read the ResourceList (items kept as text, [`krm::scan`]) -> resolve profile
//! defaults and validate (collecting every error with its field path) -> render each
//! component -> sort -> merge with pass-through items -> serialize.

pub mod collection;
pub mod config;
pub mod contract;
pub mod diagnostic;
pub mod graph;
pub mod krm;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod rendered;
pub mod spec;
pub mod yaml;

use serde_json::Value;

pub use pipeline::{Plain, PlainTarget, render_plain};
use pipeline::{generate, owned_guard};

use diagnostic::Diagnostic;
use krm::annotations;
use krm::item::Item;
use krm::result::{KrmResult, ResourceRef};

/// Largest ResourceList [`process`] reads by default (docs/src/reference/limits.md): with the items
/// kept as text, the function peaks at about three times its input.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// The most a caller may raise the limit to ([`process_bytes_within`]).
pub const HARD_MAX_INPUT_BYTES: usize = 1024 * 1024 * 1024;

/// What [`process`] produces: the ResourceList to print and whether it succeeded.
/// On failure the ResourceList holds error results and no generated items, and the
/// caller must exit non-zero (kustomize only looks at the exit code).
#[derive(Debug, Clone)]
pub struct Output {
    pub resource_list: String,
    pub success: bool,
    /// The errors again, for stderr.
    pub diagnostics: Vec<Diagnostic>,
    /// Problems that did not stop the render (also warning results), for stderr.
    pub warnings: Vec<Diagnostic>,
    /// The generated items of `resource_list` (the render guard last) as values, empty
    /// on failure, for callers that go on working with them. (The package items pass
    /// through as text; the CLI exits instead of freeing these.)
    pub generated: Vec<Value>,
}

/// Runs the function on a ResourceList given as raw bytes: refuses oversized input and
/// invalid UTF-8 with an error result instead of failing to read it.
pub fn process_bytes(input: &[u8]) -> Output {
    process_bytes_with(input, &plan::Context::default(), DEFAULT_MAX_INPUT_BYTES)
}

/// [`process_bytes`] with another input limit (at most [`HARD_MAX_INPUT_BYTES`]).
pub fn process_bytes_within(input: &[u8], max_input_bytes: usize) -> Output {
    process_bytes_with(input, &plan::Context::default(), max_input_bytes)
}

/// [`process_bytes`] knowing today's date (for the change hazards of a re-render), with
/// an input limit (at most [`HARD_MAX_INPUT_BYTES`]).
pub fn process_bytes_with(input: &[u8], ctx: &plan::Context, max_input_bytes: usize) -> Output {
    let max = max_input_bytes.min(HARD_MAX_INPUT_BYTES);
    if input.len() > max {
        return failure(
            &[],
            None,
            vec![Diagnostic::new(format!(
                "input is larger than {}, the limit (README, \"Limits\"); nothing was read",
                yaml::size(max)
            ))],
        );
    }
    match std::str::from_utf8(input) {
        Ok(text) => process_within(text, ctx, max),
        Err(e) => failure(
            &[],
            None,
            vec![Diagnostic::new(format!(
                "input is not valid UTF-8 (first bad byte at offset {}): YAML and JSON must be UTF-8",
                e.valid_up_to()
            ))],
        ),
    }
}

/// Runs the function on a ResourceList (YAML or JSON).
pub fn process(input: &str) -> Output {
    process_with(input, &plan::Context::default())
}

/// [`process`] knowing today's date: kpt feeds the earlier output back, and a change to
/// it that would lose data or fail to apply is refused (docs/src/day2/hazards.md).
pub fn process_with(input: &str, ctx: &plan::Context) -> Output {
    process_within(input, ctx, DEFAULT_MAX_INPUT_BYTES)
}

fn process_within(input: &str, ctx: &plan::Context, max_input_bytes: usize) -> Output {
    if input.len() > max_input_bytes.min(HARD_MAX_INPUT_BYTES) {
        return process_bytes_with(input.as_bytes(), ctx, max_input_bytes);
    }
    match krm::resource_list::read(input) {
        Ok(list) => process_list(&list, ctx),
        Err(d) => failure(&[], None, vec![d]),
    }
}

/// The function on a ResourceList read either way (text items or trees).
pub(crate) fn process_list(
    list: &krm::resource_list::ResourceList<'_>,
    ctx: &plan::Context,
) -> Output {
    let Some(config) = list.function_config.as_ref() else {
        return failure(
            &list.items,
            None,
            vec![Diagnostic::at(
                "functionConfig",
                "missing: the ResourceList carries no LokiStack config. With kustomize, list the \
                 LokiStack under `generators:`; with kpt, set `configPath:` in the Kptfile",
            )],
        );
    };
    let file = annotations::file_of(config).map(str::to_owned);
    let generated = match generate(config, file.as_deref()) {
        Ok(g) => g,
        Err(diags) => return failure(&list.items, Some(config), diags),
    };

    let mut objects = generated.objects;
    objects.push(owned_guard(&generated.owner));
    krm::package::assign_paths(&mut objects, file.as_deref());
    let kept = krm::package::without_owned(&list.items, &generated.owner);
    if let Err(diags) = krm::package::check_conflicts(&kept, &objects) {
        return failure(&list.items, Some(config), diags);
    }
    let (hazard_warnings, changes_info) = match earlier_output_hazards(
        &list.items,
        &objects,
        &generated.owner,
        &generated.resolved,
        file.as_deref(),
        ctx,
    ) {
        Ok(found) => found,
        Err(diags) => return failure(&list.items, Some(config), diags),
    };
    let count = objects.len() - 1;
    let resource = Some(resource_ref(config));
    let index = annotations::index_of(config);
    let mut warnings = generated.warnings;
    warnings.extend(hazard_warnings);
    let mut results: Vec<KrmResult> = warnings
        .iter()
        .map(|d| KrmResult::warning(d, resource.clone(), index))
        .collect();
    results.push(KrmResult::info(format!(
        "rendered {count} objects for {} (profile {}, mode {}, namespace {})",
        generated.owner, generated.profile, generated.mode, generated.namespace
    )));
    results.extend(changes_info.map(KrmResult::info));
    let kept: Vec<&Item<'_>> = kept.into_iter().map(|(_, item)| item).collect();
    match krm::resource_list::serialize(&kept, &objects, Some(config), &results) {
        Ok(resource_list) => Output {
            resource_list,
            success: true,
            diagnostics: Vec::new(),
            warnings,
            generated: objects,
        },
        Err(e) => failure(&list.items, Some(config), vec![Diagnostic::new(e)]),
    }
}

/// The change hazards of a re-render (kpt feeds our earlier output back as items):
/// refused changes as errors, else the warnings and one info line. Nothing without an
/// earlier output (kustomize, a first render).
fn earlier_output_hazards(
    items: &[Item<'_>],
    objects: &[Value],
    owner: &str,
    resolved: &spec::Resolved,
    file: Option<&str>,
    ctx: &plan::Context,
) -> Result<(Vec<Diagnostic>, Option<String>), Vec<Diagnostic>> {
    let earlier: Vec<Value> = items
        .iter()
        .filter(|i| i.owner() == Some(owner))
        .map(|i| {
            i.to_value().map_err(|e| {
                vec![Diagnostic::new(format!(
                    "reading this stack's earlier output back: {e}"
                ))]
            })
        })
        .collect::<Result<_, _>>()?;
    if earlier.is_empty() {
        return Ok((Vec::new(), None));
    }
    let changes = plan::hazards::compare(&plan::hazards::Input {
        previous: &earlier,
        new: objects,
        owner,
        migration: resolved
            .central
            .as_ref()
            .and_then(|c| c.storage.migration.as_ref()),
        today: ctx.today,
    });
    let (errors, warnings, info) = plan::krm_results(&changes, file);
    if errors.is_empty() {
        Ok((warnings, info))
    } else {
        Err(errors)
    }
}

/// An error ResourceList: the input items unchanged, no generated items, error results.
fn failure(items: &[Item<'_>], config: Option<&Value>, diagnostics: Vec<Diagnostic>) -> Output {
    let resource = config.map(resource_ref);
    let index = config.and_then(annotations::index_of);
    let results: Vec<KrmResult> = diagnostics
        .iter()
        .map(|d| KrmResult::from_diagnostic(d, resource.clone(), index))
        .collect();
    let items: Vec<&Item<'_>> = items.iter().collect();
    let resource_list = krm::resource_list::serialize(&items, &[], config, &results)
        .unwrap_or_else(|e| {
            // Serializing the input back failed; report without it.
            let mut results = results.clone();
            results.push(KrmResult::from_diagnostic(&Diagnostic::new(e), None, None));
            krm::resource_list::serialize(&[], &[], None, &results).unwrap_or_default()
        });
    Output {
        resource_list,
        success: false,
        diagnostics,
        warnings: Vec::new(),
        generated: Vec::new(),
    }
}

/// The LokiStack a result is about.
fn resource_ref(c: &Value) -> ResourceRef {
    let s = |p: &str| {
        c.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    ResourceRef {
        api_version: s("/apiVersion"),
        kind: s("/kind"),
        name: s("/metadata/name"),
        namespace: Some(s("/metadata/namespace")).filter(|n| !n.is_empty()),
    }
}
