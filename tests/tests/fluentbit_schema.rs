//! Every rendered Fluent Bit config checked against what Fluent Bit 5.1.1 itself accepts.
//!
//! Each LokiStack in the repo that selects `spec.collector.kind: FluentBit` (tests/stacks/,
//! base and every overlay as kustomize resolves its config/, and any other LokiStack file
//! in the repo) is rendered by the binary. The `fluent-bit.yaml` of its ConfigMap
//! `logging/fluent-bit` is read as Fluent Bit's YAML reader reads it (every scalar as its
//! text, no YAML typing) and checked against what `fluent-bit -J` printed for 5.1.1
//! (`../shared/reference/fluent-bit/fluent-bit-5.1.1-schema.json`) and, where `-J` prints
//! nothing, against lists taken from Fluent Bit's source: `e2e::fluent_bit::check_config`
//! says what is checked (the checker and its own tests are in tests/src/fluent_bit/).
//!
//! `fluent-bit --dry-run` does not replace this: it never applies a plugin's typed options
//! (a boolean `of` passes it) and Fluent Bit ignores unknown service and parser keys
//! without a word (a misspelt `hc_perod` or `time_kep` passes it too).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::fluent_bit::{Schema, check_config, fluent_bit_stacks, rendered_fluent_bit_yaml};

#[test]
fn rendered_fluent_bit_configs_are_valid_for_fluent_bit_5_1_1() {
    let schema = Schema::get();
    let stacks = fluent_bit_stacks();
    assert!(
        !stacks.is_empty(),
        "no LokiStack in the repo selects spec.collector.kind: FluentBit (looked in tests/stacks/, \
         base, the overlays and the other YAML files): nothing to check"
    );
    let mut problems = Vec::new();
    for (name, config) in &stacks {
        let yaml = rendered_fluent_bit_yaml(name, config);
        problems.extend(
            check_config(&yaml, schema)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    let names: Vec<&str> = stacks.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        problems.is_empty(),
        "fluent-bit.yaml is not valid for Fluent Bit 5.1.1 ({} problems; stacks checked: {names:?}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
