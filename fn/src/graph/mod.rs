//! `loki-stack-fn graph`: the deployed topology as a Mermaid flowchart, read from the rendered
//! objects. Mermaid, not Graphviz: GitHub renders it in markdown, mdBook with a JS preprocessor; no binary.

mod flows;
mod model;
mod remote;
mod workloads;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use model::{Graph, Shape};

/// What [`graph`] produces: the Mermaid text and the render's warnings.
#[derive(Debug, Clone)]
pub struct Picture {
    pub mermaid: String,
    pub warnings: Vec<Diagnostic>,
}

/// Renders a LokiStack document as `render -f` does, and draws the objects.
pub fn graph(config_text: &str, file: Option<&str>) -> Result<Picture, Diagnostics> {
    let plain = crate::render_plain(config_text, file, crate::PlainTarget::Apply)?;
    Ok(Picture {
        mermaid: mermaid(&plain.objects),
        warnings: plain.warnings,
    })
}

/// The Mermaid flowchart of rendered objects. Solid arrows are exactly the ingress flows
/// the policies allow (labelled with their ports); dotted ones are the other relations.
pub fn mermaid(objects: &[Value]) -> String {
    let g = model::build(objects);
    let mut out = String::from("flowchart LR\n");
    out.push_str(
        "%% Solid arrows: the connections the rendered network policies allow (ports as the policies name them).\n\
         %% Dotted arrows: Services selecting pods, Secrets read, egress to the object store (egress is not restricted).\n",
    );
    for note in &g.notes {
        out.push_str(&format!("%% {note}\n"));
    }
    for n in g.nodes.iter().filter(|n| !n.inside) {
        node(&mut out, 1, &n.id, n.shape, &n.lines);
    }
    let mut namespaces: Vec<&str> = g.workloads.iter().map(|w| w.namespace.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    for (i, ns) in namespaces.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph {} [\"namespace {}\"]\n",
            workloads::id("stack", ns),
            escape(ns)
        ));
        for (gi, grp) in g.groups.iter().enumerate() {
            let first = grp.members.iter().next().and_then(|m| g.workloads.get(*m));
            if grp.parent.is_none() && first.is_some_and(|w| w.namespace == *ns) {
                group(&mut out, &g, gi, 2);
            }
        }
        for (wi, w) in g.workloads.iter().enumerate() {
            if w.namespace == *ns && !g.groups.iter().any(|grp| grp.members.contains(&wi)) {
                workload(&mut out, &g, wi, 2);
            }
        }
        // Secrets and Services of the stack live in its namespace (the first, if several).
        if i == 0 {
            for n in g.nodes.iter().filter(|n| n.inside) {
                node(&mut out, 2, &n.id, n.shape, &n.lines);
            }
        }
        out.push_str("  end\n");
    }
    if namespaces.is_empty() {
        for n in g.nodes.iter().filter(|n| n.inside) {
            node(&mut out, 1, &n.id, n.shape, &n.lines);
        }
    }
    for e in &g.edges {
        let arrow = if e.policy { "-->" } else { "-.->" };
        out.push_str(&format!(
            "  {} {arrow}|\"{}\"| {}\n",
            e.from,
            escape(&e.label),
            e.to
        ));
    }
    out
}

fn indent(out: &mut String, depth: usize) {
    out.push_str(&"  ".repeat(depth));
}

fn group(out: &mut String, g: &Graph, gi: usize, depth: usize) {
    let Some(grp) = g.groups.get(gi) else { return };
    indent(out, depth);
    out.push_str(&format!(
        "subgraph {} [\"{}\"]\n",
        grp.id,
        escape(&grp.title)
    ));
    for (ci, child) in g.groups.iter().enumerate() {
        if child.parent == Some(gi) {
            group(out, g, ci, depth + 1);
        }
    }
    for wi in &grp.members {
        // A member of a nested group is drawn there.
        let nested = g
            .groups
            .iter()
            .any(|c| c.parent == Some(gi) && c.members.contains(wi));
        if !nested {
            workload(out, g, *wi, depth + 1);
        }
    }
    indent(out, depth);
    out.push_str("end\n");
}

fn workload(out: &mut String, g: &Graph, wi: usize, depth: usize) {
    let Some(w) = g.workloads.get(wi) else { return };
    let mut lines = vec![format!("<b>{}</b>", w.name)];
    lines.extend(w.details.iter().cloned());
    lines.extend(g.services.get(&wi).into_iter().flatten().cloned());
    indent(out, depth);
    out.push_str(&format!("{}[\"{}\"]\n", w.id, label(&lines)));
}

fn node(out: &mut String, depth: usize, id: &str, shape: Shape, lines: &[String]) {
    let (open, close) = match shape {
        Shape::Outside => ("([", "])"),
        Shape::Service => ("[[", "]]"),
        Shape::Secret => ("{{", "}}"),
        Shape::Store => ("[(", ")]"),
    };
    indent(out, depth);
    out.push_str(&format!("{id}{open}\"{}\"{close}\n", label(lines)));
}

fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// Mermaid's entity for `"` (inside quoted labels nothing else needs escaping).
fn escape(s: &str) -> String {
    s.replace('"', "#quot;")
}
