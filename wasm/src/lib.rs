//! loki-stack-fn for WebAssembly: the same pure core as the CLI (`loki_stack_fn::process`,
//! `render_plain`, `plan` and `graph`), with results as plain JavaScript objects. The core has no
//! clock: today's date is an argument (`YYYY-MM-DD`, UTC).
//!
//! ```js
//! const { render, process } = require("loki-stack-fn");
//! const r = render(configYaml, "lokistack.yaml");
//! if (r.ok) console.log(r.yaml); else for (const e of r.errors) console.error(e.field, e.message);
//! ```

use loki_stack_fn::diagnostic::Diagnostic;
use loki_stack_fn::plan::{self, Context, Day, Earlier};
use loki_stack_fn::{PlainTarget, render_plain};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A problem with the input, located as precisely as the function can. */
export interface Diagnostic {
  /** What is wrong and, where it can tell, what to write instead. */
  message: string;
  /** Dotted path of the offending field, e.g. "spec.retention.period", or null. */
  field: string | null;
  /** The file the offending document came from, when known, or null. */
  file: string | null;
  /** The whole diagnostic as the CLI prints it after "loki-stack-fn: error: ". */
  text: string;
}

/** One rendered object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  /** This object alone, as YAML. */
  yaml: string;
}

/** The result of render(). */
export interface RenderResult {
  /** false: the config was refused; `errors` says why and `yaml` is empty. */
  ok: boolean;
  /** The multi-document YAML stream, exactly what `loki-stack-fn render -f` prints. */
  yaml: string;
  objects: ObjectRef[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** One change since the earlier objects (README, "Change hazards"). */
export interface PlanChange {
  severity: "refused" | "warning" | "info";
  /** Stable identifier, e.g. "retention-shortened", "immutable-field". */
  code: string;
  /** "StatefulSet logging/loki", or null for a change of the config as a whole. */
  object: string | null;
  /** "spec.retention.period", "spec.volumeClaimTemplates", or null. */
  field: string | null;
  message: string;
  /** The way out of a refused change, what to do about a warning, or null. */
  fix: string | null;
}

/**
 * What `loki-stack-fn plan --output json` prints (planVersion 1). The summary fields are
 * described in the project README ("plan"); `changes` is null without earlier objects.
 */
export interface Plan {
  planVersion: number;
  today: string | null;
  stack: { name: string; owner: string; profile: string; mode: string; size: string; namespace: string };
  components: Array<{
    name: string; kind: string; role: string; replicas: number | null;
    requests: { cpu: string | null; memory: string | null };
    limits: { cpu: string | null; memory: string | null };
    claims: Array<{ name: string; size: string; storageClassName: string | null }>;
  }>;
  totals: Record<"cluster" | "perNode", {
    pods: number; cpuRequestMillicores: number; memoryRequestBytes: number;
    memoryLimitBytes: number; storageBytes: number;
    cpuRequest: string; memoryRequest: string; memoryLimit: string; storage: string;
  }>;
  storage: Record<string, unknown>;
  schemas: Array<{ from: string; version: string; objectStore: string; state: "inEffect" | "future" | "unknown" }>;
  retention: Record<string, unknown>;
  tenancy: Record<string, unknown>;
  collection: Record<string, unknown>;
  access: Record<string, unknown>;
  grafana: Record<string, unknown>;
  monitoring: Record<string, unknown>;
  network: Record<string, unknown>;
  objects: Record<string, number>;
  warnings: string[];
  changes: null | {
    from: string; refused: number; warnings: number;
    objects: { added: number; removed: number; changed: number; unchanged: number };
    previousOwner: string | null;
    items: PlanChange[];
  };
}

/** The result of plan(). */
export interface PlanResult {
  /** false: the config was refused (`errors`), or a change is refused (`plan.changes`). */
  ok: boolean;
  /** The plan, or null when the config (or the earlier objects) could not be read. */
  plan: Plan | null;
  /** What `loki-stack-fn plan` prints (no colour). */
  text: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** The result of graph(). */
export interface GraphResult {
  /** false: the config was refused; `errors` says why and `mermaid` is empty. */
  ok: boolean;
  /** The Mermaid flowchart, exactly what `loki-stack-fn graph -f` prints. */
  mermaid: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** The result of process(). */
export interface ProcessResult {
  /** false: refused; the KRM function would exit 1. */
  ok: boolean;
  /** The output ResourceList, exactly what the KRM function prints on stdout. */
  resourceList: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}
"#;

#[derive(Serialize)]
struct Diag {
    message: String,
    field: Option<String>,
    file: Option<String>,
    text: String,
}

impl From<&Diagnostic> for Diag {
    fn from(d: &Diagnostic) -> Self {
        Self {
            message: d.message.clone(),
            field: d.field.clone(),
            file: d.file.clone(),
            text: d.to_string(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectRef {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    yaml: String,
}

#[derive(Serialize)]
struct RenderResult {
    ok: bool,
    yaml: String,
    objects: Vec<ObjectRef>,
    errors: Vec<Diag>,
    warnings: Vec<Diag>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessResult {
    ok: bool,
    resource_list: String,
    errors: Vec<Diag>,
    warnings: Vec<Diag>,
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Renders a LokiStack config (YAML or JSON): what `loki-stack-fn render -f FILE` prints.
/// `file` (optional) is named in error messages.
#[wasm_bindgen(unchecked_return_type = "RenderResult")]
pub fn render(config_yaml: &str, file: Option<String>) -> Result<JsValue, JsError> {
    let result = match render_plain(config_yaml, file.as_deref(), PlainTarget::Apply) {
        Ok(plain) => RenderResult {
            ok: true,
            objects: plain
                .objects
                .iter()
                .map(|o| ObjectRef {
                    api_version: text(o, "/apiVersion").unwrap_or_default(),
                    kind: text(o, "/kind").unwrap_or_default(),
                    name: text(o, "/metadata/name").unwrap_or_default(),
                    namespace: text(o, "/metadata/namespace"),
                    yaml: loki_stack_fn::yaml::value_to_string(o),
                })
                .collect(),
            yaml: plain.yaml,
            errors: Vec::new(),
            warnings: plain.warnings.iter().map(Diag::from).collect(),
        },
        Err(diags) => RenderResult {
            ok: false,
            yaml: String::new(),
            objects: Vec::new(),
            errors: diags.0.iter().map(Diag::from).collect(),
            warnings: Vec::new(),
        },
    };
    to_js(&result)
}

/// `today` (`YYYY-MM-DD`) as a [`Context`]; absent: no date (every earlier schema
/// period counts as in effect). A malformed date throws.
fn context(today: Option<String>) -> Result<Context, JsError> {
    match today.as_deref() {
        None | Some("") => Ok(Context::default()),
        Some(t) => Day::parse(t)
            .map(Context::on)
            .map_err(|e| JsError::new(&format!("today: {e}"))),
    }
}

/// Runs the KRM function on a ResourceList (YAML or JSON), as kpt and kustomize do:
/// `resourceList` is byte for byte what the CLI prints on stdout. `today`
/// (`YYYY-MM-DD`, UTC; the CLI reads its clock) decides which schema periods of an
/// earlier output in the list are in effect.
#[wasm_bindgen(unchecked_return_type = "ProcessResult")]
pub fn process(resource_list_yaml: &str, today: Option<String>) -> Result<JsValue, JsError> {
    let out = loki_stack_fn::process_with(resource_list_yaml, &context(today)?);
    to_js(&ProcessResult {
        ok: out.success,
        resource_list: out.resource_list,
        errors: out.diagnostics.iter().map(Diag::from).collect(),
        warnings: out.warnings.iter().map(Diag::from).collect(),
    })
}

#[derive(Serialize)]
struct PlanResult {
    ok: bool,
    plan: Option<plan::Plan>,
    text: String,
    errors: Vec<Diag>,
    warnings: Vec<Diag>,
}

/// What `loki-stack-fn plan -f FILE [--from PREVIOUS] --today TODAY` prints: the
/// summary of a config and, with `previousYaml` (an earlier render or `kubectl get -o
/// yaml` of the live objects), every change. `today` is `YYYY-MM-DD` (UTC).
#[wasm_bindgen(unchecked_return_type = "PlanResult")]
pub fn plan(
    config_yaml: &str,
    file: Option<String>,
    previous_yaml: Option<String>,
    today: Option<String>,
) -> Result<JsValue, JsError> {
    let ctx = context(today)?;
    let earlier = previous_yaml.as_deref().map(|text| Earlier {
        text,
        name: "previous",
    });
    let result = match plan::plan(config_yaml, file.as_deref(), earlier, &ctx) {
        Ok(p) => PlanResult {
            ok: !p.refused(),
            text: p.to_text(false),
            errors: Vec::new(),
            warnings: p.warnings.iter().map(Diag::from).collect(),
            plan: Some(p),
        },
        Err(diags) => PlanResult {
            ok: false,
            plan: None,
            text: String::new(),
            errors: diags.0.iter().map(Diag::from).collect(),
            warnings: Vec::new(),
        },
    };
    to_js(&result)
}

#[derive(Serialize)]
struct GraphResult {
    ok: bool,
    mermaid: String,
    errors: Vec<Diag>,
    warnings: Vec<Diag>,
}

/// What `loki-stack-fn graph -f FILE` prints: the deployed topology of a LokiStack config
/// as a Mermaid flowchart (`loki_stack_fn::graph::graph`, the CLI's own). `file`
/// (optional) is named in error messages.
#[wasm_bindgen(unchecked_return_type = "GraphResult")]
pub fn graph(config_yaml: &str, file: Option<String>) -> Result<JsValue, JsError> {
    let result = match loki_stack_fn::graph::graph(config_yaml, file.as_deref()) {
        Ok(picture) => GraphResult {
            ok: true,
            mermaid: picture.mermaid,
            errors: Vec::new(),
            warnings: picture.warnings.iter().map(Diag::from).collect(),
        },
        Err(diags) => GraphResult {
            ok: false,
            mermaid: String::new(),
            errors: diags.0.iter().map(Diag::from).collect(),
            warnings: Vec::new(),
        },
    };
    to_js(&result)
}

/// The function's version (the same as `loki-stack-fn --version`).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
