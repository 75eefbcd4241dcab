//! Where two versions of an object differ. An earlier render is compared exactly; a
//! live object only on what the new render sets (the API server adds defaulted fields,
//! drops empty ones and rewrites quantities: `1000m` is `1`).

use serde_json::Value;

use crate::spec::quantity::Quantity;

/// How the earlier version was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// An earlier render: every field is ours.
    Exact,
    /// `kubectl get`: fields only the old side has may be server defaults.
    Live,
}

/// Paths (`spec.template`, `data.config.yaml`, `spec.volumeClaimTemplates[storage]`)
/// where `new` differs from `old`, reported at most `depth` segments deep.
pub fn changed_paths(old: &Value, new: &Value, mode: Mode, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    walk(old, new, mode, depth, "", &mut out);
    out
}

/// Whether `new` says the same as `old`.
pub fn same(old: &Value, new: &Value, mode: Mode) -> bool {
    changed_paths(old, new, mode, 0).is_empty()
}

fn push_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(old: &Value, new: &Value, mode: Mode, depth: usize, path: &str, out: &mut Vec<String>) {
    if equal(old, new, mode) {
        return;
    }
    let report = |path: &str, out: &mut Vec<String>| {
        out.push(if path.is_empty() {
            "(the whole object)".to_owned()
        } else {
            path.to_owned()
        });
    };
    if depth == 0 {
        report(path, out);
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = b.keys().collect();
            if mode == Mode::Exact {
                keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
            }
            for k in keys {
                let child = push_key(path, k);
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(x, y, mode, depth - 1, &child, out),
                    (None, Some(y)) if mode == Mode::Live && is_empty(y) => {}
                    _ => out.push(child),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let label = y
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned);
                let child = format!("{path}[{label}]");
                walk(x, y, mode, depth - 1, &child, out);
            }
        }
        _ => report(path, out),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn equal(old: &Value, new: &Value, mode: Mode) -> bool {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let new_side = b.iter().all(|(k, y)| match a.get(k) {
                Some(x) => equal(x, y, mode),
                None => mode == Mode::Live && is_empty(y),
            });
            new_side && (mode == Mode::Live || a.keys().all(|k| b.contains_key(k)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y, mode))
        }
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64() == b.as_f64(),
        (a, b) if a == b => true,
        (a, b) if mode == Mode::Live => same_quantity(a, b),
        _ => false,
    }
}

/// `1000m` and `1`, `1Gi` and `1073741824`: the API server's canonical forms.
fn same_quantity(a: &Value, b: &Value) -> bool {
    let q = |v: &Value| -> Option<f64> {
        match v {
            Value::String(s) => Quantity::parse(s).ok().map(|q| q.value()),
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    };
    match (q(a), q(b)) {
        (Some(x), Some(y)) => (x - y).abs() <= f64::EPSILON * x.abs().max(y.abs()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_reports_added_removed_and_changed_fields() {
        let old = json!({"spec": {"replicas": 1, "a": {"x": 1}, "gone": true}, "data": {"k": "v"}});
        let new = json!({"spec": {"replicas": 2, "a": {"x": 1}}, "data": {"k": "v", "n": "w"}});
        assert_eq!(
            changed_paths(&old, &new, Mode::Exact, 2),
            ["spec.replicas", "spec.gone", "data.n"]
        );
        assert_eq!(changed_paths(&old, &new, Mode::Exact, 1), ["spec", "data"]);
        assert!(same(&old, &old, Mode::Exact));
    }

    #[test]
    fn live_ignores_defaults_empties_and_canonical_quantities() {
        let ours = json!({"spec": {"replicas": 1, "hostNetwork": false, "annotations": {},
            "resources": {"requests": {"cpu": "1000m", "memory": "1Gi"}},
            "claims": [{"name": "storage", "spec": {"size": "10Gi"}}]}});
        let live = json!({"spec": {"replicas": 1, "revisionHistoryLimit": 10,
            "resources": {"requests": {"cpu": "1", "memory": "1Gi"}},
            "claims": [{"name": "storage", "spec": {"size": "10Gi", "volumeMode": "Filesystem"}, "status": {"phase": "Pending"}}]},
            "status": {"replicas": 1}});
        assert!(same(&live, &ours, Mode::Live));
        assert!(!same(&live, &ours, Mode::Exact));
        let bigger = json!({"spec": {"claims": [{"name": "storage", "spec": {"size": "20Gi"}}]}});
        assert_eq!(
            changed_paths(&live, &bigger, Mode::Live, 9),
            ["spec.claims[storage].spec.size"]
        );
        // A list of another length is one change, at the list.
        let more = json!({"spec": {"claims": [{}, {}]}});
        assert_eq!(changed_paths(&live, &more, Mode::Live, 9), ["spec.claims"]);
    }
}
