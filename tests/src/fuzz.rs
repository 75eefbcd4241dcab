//! What the fuzz targets check (`fuzz/fuzz_targets/*.rs` call these with libFuzzer's
//! inputs; `tests/tests/fuzz_corpus.rs` replays the committed corpus through them on
//! stable Rust). Any input: no panic, and a refusal is a well-formed error.

use serde_json::Value;

use loki_stack_fn::diagnostic::Diagnostics;
use loki_stack_fn::{PlainTarget, process_bytes, render_plain};

use crate::generate::{Entropy, config as valid_config, mutate};
use crate::invariants;

const FILE: &str = "fuzz/lokistack.yaml";

/// Bytes as a KRM function's stdin.
pub fn resource_list(data: &[u8]) {
    let out = process_bytes(data);
    if out.success {
        assert!(out.diagnostics.is_empty());
        assert!(
            !out.generated.is_empty(),
            "success without generated objects"
        );
    } else {
        assert!(!out.diagnostics.is_empty(), "a failure without an error");
        assert!(out.generated.is_empty());
        assert!(
            out.resource_list.contains("severity: error"),
            "the failed ResourceList carries no error result:\n{}",
            out.resource_list
        );
    }
    for d in out.diagnostics.iter().chain(&out.warnings) {
        assert!(!d.message.is_empty());
    }
}

/// Is `text` a mapping that says it is a LokiStack (so every error must name a field)?
fn is_lokistack(text: &str) -> bool {
    loki_stack_fn::yaml::from_str::<Value>(text).is_ok_and(|v| {
        v.get("kind").and_then(Value::as_str) == Some(loki_stack_fn::spec::KIND)
            && v.get("apiVersion").and_then(Value::as_str) == Some(loki_stack_fn::spec::API_VERSION)
    })
}

/// Renders `text` as `loki-stack-fn render` does; checks errors are well-formed. The
/// objects on success.
fn render(text: &str) -> Option<Vec<Value>> {
    match render_plain(text, Some(FILE), PlainTarget::Apply) {
        Ok(plain) => {
            assert!(!plain.objects.is_empty(), "rendered nothing");
            Some(plain.objects)
        }
        Err(Diagnostics(ds)) => {
            assert!(!ds.is_empty(), "a refusal without an error");
            let lokistack = is_lokistack(text);
            for d in &ds {
                assert!(!d.message.is_empty(), "an empty error");
                assert_eq!(d.file.as_deref(), Some(FILE), "{d}: without the file");
                assert!(
                    !lokistack || d.field.is_some(),
                    "{d}: a LokiStack error without a field"
                );
            }
            None
        }
    }
}

/// Bytes as a LokiStack file (`render -f`, the kustomize plugin).
pub fn config(data: &[u8]) {
    // The CLI refuses non-UTF-8 before the library sees it (tests/tests/krm_protocol.rs).
    if let Ok(text) = std::str::from_utf8(data) {
        render(text);
    }
}

/// Bytes as choices: a generated valid config, rendered (the invariants hold), then
/// mutated and rendered again (no panic; errors name their field).
pub fn structured(data: &[u8]) {
    let mut e = Entropy::new(data);
    let config = valid_config(&mut e);
    let as_json = e.chance();
    let text = |v: &Value| {
        if as_json {
            v.to_string()
        } else {
            loki_stack_fn::yaml::value_to_string(v)
        }
    };
    let objects = render(&text(&config))
        .unwrap_or_else(|| panic!("a generated config was refused:\n{}", text(&config)));
    let violations = invariants::check(&objects);
    assert!(violations.is_empty(), "{violations:#?}\n{}", text(&config));
    render(&text(&mutate::mutate(&config, &mut e)));
}
