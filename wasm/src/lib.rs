//! loki-stack-fn for WebAssembly: the same pure core as the CLI (`loki_stack_fn::process`
//! and `render_plain`), with results as plain JavaScript objects.
//!
//! ```js
//! const { render, process } = require("loki-stack-fn");
//! const r = render(configYaml, "lokistack.yaml");
//! if (r.ok) console.log(r.yaml); else for (const e of r.errors) console.error(e.field, e.message);
//! ```

use loki_stack_fn::diagnostic::Diagnostic;
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

/// Runs the KRM function on a ResourceList (YAML or JSON), as kpt and kustomize do:
/// `resourceList` is byte for byte what the CLI prints on stdout.
#[wasm_bindgen(unchecked_return_type = "ProcessResult")]
pub fn process(resource_list_yaml: &str) -> Result<JsValue, JsError> {
    let out = loki_stack_fn::process(resource_list_yaml);
    to_js(&ProcessResult {
        ok: out.success,
        resource_list: out.resource_list,
        errors: out.diagnostics.iter().map(Diag::from).collect(),
        warnings: out.warnings.iter().map(Diag::from).collect(),
    })
}

/// The function's version (the same as `loki-stack-fn --version`).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
