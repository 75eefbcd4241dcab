//! The pipeline of one render, shared by every entry point: a LokiStack document ->
//! resolved spec -> owned, sorted objects; and their plain YAML stream.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::{krm, render, spec, yaml};

/// What [`render_plain`] produces: the YAML stream and the warnings for stderr.
#[derive(Debug, Clone)]
pub struct Plain {
    pub yaml: String,
    pub warnings: Vec<Diagnostic>,
    /// The objects of `yaml` as values.
    pub objects: Vec<Value>,
}

/// Who asked for plain YAML, which decides whether the render guard is included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainTarget {
    /// kustomize's legacy exec plugin protocol: the guard is included (kustomize drops it).
    KustomizePlugin,
    /// `loki-stack-fn render`: only objects to apply.
    Apply,
}

/// Renders a LokiStack document (YAML or JSON) to a multi-document YAML stream.
pub fn render_plain(
    config_text: &str,
    file: Option<&str>,
    target: PlainTarget,
) -> Result<Plain, Diagnostics> {
    let config = parse_config(config_text, file)?;
    let generated = generate(&config, file).map_err(Diagnostics)?;
    let mut objects = generated.objects;
    if target == PlainTarget::KustomizePlugin {
        objects.push(owned_guard(&generated.owner));
    }
    let mut out = String::new();
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&yaml::value_to_string(o));
    }
    Ok(Plain {
        yaml: out,
        warnings: generated.warnings,
        objects,
    })
}

/// Reads a LokiStack document (YAML or JSON); errors name `file`.
pub(crate) fn parse_config(config_text: &str, file: Option<&str>) -> Result<Value, Diagnostics> {
    let what = "a LokiStack config (apiVersion: lokistack.krm.dev/v1alpha1, kind: LokiStack)";
    krm::resource_list::parse_document(config_text, what)
        .map_err(|d| Diagnostics::from(d.in_file(file)))
}

pub(crate) struct Generated {
    pub(crate) objects: Vec<Value>,
    pub(crate) owner: String,
    pub(crate) profile: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) namespace: String,
    pub(crate) warnings: Vec<Diagnostic>,
    pub(crate) resolved: spec::Resolved,
}

/// Config document -> owned, sorted objects of the stack (no runner annotations).
pub(crate) fn generate(config: &Value, file: Option<&str>) -> Result<Generated, Vec<Diagnostic>> {
    let with_file = |ds: Vec<Diagnostic>| -> Vec<Diagnostic> {
        ds.into_iter().map(|d| d.in_file(file)).collect()
    };
    let resolved = spec::parse(config).map_err(with_file)?;
    let mut objects = render::render(&resolved).map_err(|e| with_file(vec![Diagnostic::new(e)]))?;
    let config_ns = config
        .pointer("/metadata/namespace")
        .and_then(Value::as_str);
    let owner = render::owner(config_ns, &resolved.name);
    render::mark_owned(&mut objects, &owner);
    objects.iter_mut().for_each(render::conventional_order);
    Ok(Generated {
        objects,
        owner,
        profile: match resolved.profile {
            spec::types::Profile::Local => "local",
            spec::types::Profile::Cloud => "cloud",
            spec::types::Profile::Agent => "agent",
        },
        mode: match resolved.mode() {
            Some(spec::types::Mode::SingleBinary) => "SingleBinary",
            Some(spec::types::Mode::SimpleScalable) => "SimpleScalable",
            Some(spec::types::Mode::Distributed) => "Distributed",
            None => "none (agent)",
        },
        namespace: resolved.namespace.clone(),
        warnings: with_file(resolved.warnings.clone()),
        resolved,
    })
}

pub(crate) fn owned_guard(owner: &str) -> Value {
    let mut g = render::guard::marker();
    render::set_annotation(&mut g, render::OWNER_ANNOTATION, owner);
    render::conventional_order(&mut g);
    g
}
