//! One test per hazard: each refused and each warned change, from earlier renders and
//! from live objects.

use serde_json::Value;

use super::change::span;
use super::*;
use crate::plan::Day;

pub(super) struct Render {
    pub(super) objects: Vec<Value>,
    migration: Option<Migration>,
    owner: String,
}

pub(super) fn render_named(name: &str, spec: &str) -> Render {
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: {name}}}\nspec:\n{spec}"
    ))
    .unwrap();
    let g = crate::pipeline::generate(&doc, None).unwrap();
    Render {
        objects: g.objects,
        migration: g
            .resolved
            .central
            .as_ref()
            .and_then(|c| c.storage.migration.clone()),
        owner: g.owner,
    }
}

pub(super) fn render(spec: &str) -> Render {
    render_named("loki", spec)
}

pub(super) const LOCAL: &str = "  profile: local\n  retention: {period: 7d}\n";
pub(super) const CLOUD: &str = "  profile: cloud\n  retention: {period: 7d}\n  storage: {s3: {bucket: logs-a, region: eu-west-1}}\n";

pub(super) fn today() -> Option<Day> {
    Some(Day::parse("2026-05-01").unwrap())
}

pub(super) fn compare_with(before: &[Value], after: &Render, today: Option<Day>) -> Changes {
    compare(&Input {
        previous: before,
        new: &after.objects,
        owner: &after.owner,
        migration: after.migration.as_ref(),
        today,
    })
}

pub(super) fn compare_specs(old: &str, new: &str) -> Changes {
    compare_with(&render(old).objects, &render(new), today())
}

pub(super) fn codes(c: &Changes, severity: Severity) -> Vec<&'static str> {
    c.of(severity).map(|c| c.code).collect()
}

pub(super) fn only(c: &Changes, code: &str) -> Change {
    let found: Vec<&Change> = c.items.iter().filter(|x| x.code == code).collect();
    assert_eq!(found.len(), 1, "{code}: {:#?}", c.items);
    found[0].clone()
}

/// Edits the Loki config text of a render (what an older version may have written).
pub(super) fn edit_loki_config(objects: &mut [Value], from: &str, to: &str) {
    let cm = objects
        .iter_mut()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "loki")
        .unwrap();
    let text = cm["data"]["config.yaml"].as_str().unwrap();
    assert!(text.contains(from), "{from:?} not in:\n{text}");
    cm["data"]["config.yaml"] = text.replace(from, to).into();
}

#[test]
fn nothing_changed_is_nothing() {
    let c = compare_specs(LOCAL, LOCAL);
    assert!(c.items.is_empty(), "{:#?}", c.items);
    assert_eq!(c.objects.changed + c.objects.added + c.objects.removed, 0);
    assert!(c.objects.unchanged > 15);
    assert_eq!(c.previous_owner.as_deref(), Some("LokiStack/loki"));
}

#[test]
fn every_changed_object_is_one_info_line() {
    let c = compare_specs(
        LOCAL,
        &format!("{LOCAL}  limits: {{ingestionRateMB: 12}}\n"),
    );
    assert_eq!(c.refused + c.warnings, 0, "{:#?}", c.items);
    let lines: Vec<String> = c.of(Severity::Info).map(Change::text).collect();
    assert!(
        lines.contains(&"ConfigMap logging/loki: changed: data.config.yaml".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(
            |l| l.starts_with("StatefulSet logging/loki: changed: spec.template")
                && l.ends_with("(rolls the pods)")
        ),
        "{lines:#?}"
    );
    assert_eq!(c.objects.changed, lines.len());
}

// --- schema periods ------------------------------------------------------------------

#[test]
fn refused_a_past_schema_period_whose_date_is_changed() {
    let c = compare_specs(
        LOCAL,
        &format!("{LOCAL}  schemas: [{{from: \"2023-06-01\", version: v13}}]\n"),
    );
    assert_eq!(
        codes(&c, Severity::Refused),
        ["schema-period-removed", "schema-period-added-past"]
    );
    let removed = only(&c, "schema-period-removed");
    assert_eq!(removed.field.as_deref(), Some("spec.schemas"));
    assert!(
        removed.message.contains("in effect since 2024-01-01"),
        "{}",
        removed.message
    );
    assert!(removed.fix.unwrap().contains("\"2026-05-02\" (tomorrow)"));
    assert_eq!(
        only(&c, "schema-period-added-past").field.as_deref(),
        Some("spec.schemas[0].from")
    );
}

#[test]
fn refused_a_past_schema_period_removed() {
    let two =
        "  schemas: [{from: \"2024-01-01\", version: v13}, {from: \"2025-06-01\", version: v13}]\n";
    let c = compare_specs(
        &format!("{LOCAL}{two}"),
        &format!("{LOCAL}  schemas: [{{from: \"2024-01-01\", version: v13}}]\n"),
    );
    let r = only(&c, "schema-period-removed");
    assert_eq!(r.severity, Severity::Refused);
    assert!(r.message.contains("2025-06-01"), "{}", r.message);
}

#[test]
fn refused_a_past_schema_period_edited() {
    let mut before = render(LOCAL).objects;
    edit_loki_config(&mut before, "schema: v13", "schema: v12");
    let c = compare_with(&before, &render(LOCAL), today());
    let e = only(&c, "schema-period-edited");
    assert_eq!(e.severity, Severity::Refused);
    assert_eq!(e.field.as_deref(), Some("spec.schemas[0]"));
    assert!(e.message.contains("version v12 -> v13"), "{}", e.message);
}

#[test]
fn refused_a_new_schema_period_from_today_or_the_past() {
    for (from, when) in [("2026-05-01", "today"), ("2026-04-01", "in the past")] {
        let c = compare_specs(
            LOCAL,
            &format!(
                "{LOCAL}  schemas: [{{from: \"2024-01-01\", version: v13}}, {{from: \"{from}\", version: v13}}]\n"
            ),
        );
        let a = only(&c, "schema-period-added-past");
        assert_eq!(a.severity, Severity::Refused);
        assert_eq!(a.field.as_deref(), Some("spec.schemas[1].from"));
        assert!(a.message.contains(when), "{}", a.message);
        assert_eq!(c.refused, 1);
    }
}

#[test]
fn future_schema_periods_may_be_added_edited_and_removed() {
    let future =
        "  schemas: [{from: \"2024-01-01\", version: v13}, {from: \"2026-06-01\", version: v13}]\n";
    let c = compare_specs(LOCAL, &format!("{LOCAL}{future}"));
    assert_eq!(c.refused + c.warnings, 0, "{:#?}", c.items);
    let a = only(&c, "schema-period-added");
    assert!(a.message.contains("in 31 days"), "{}", a.message);

    let c = compare_specs(&format!("{LOCAL}{future}"), LOCAL);
    assert_eq!(c.refused, 0, "{:#?}", c.items);
    assert_eq!(only(&c, "schema-period-removed").severity, Severity::Info);

    let mut before = render(&format!("{LOCAL}{future}")).objects;
    edit_loki_config(
        &mut before,
        "from: \"2026-06-01\"\n    store: tsdb\n    object_store: filesystem\n    schema: v13",
        "from: \"2026-06-01\"\n    store: tsdb\n    object_store: filesystem\n    schema: v12",
    );
    let c = compare_with(&before, &render(&format!("{LOCAL}{future}")), today());
    assert_eq!(only(&c, "schema-period-edited").severity, Severity::Info);
}

#[test]
fn without_a_date_every_earlier_period_is_in_effect() {
    let future =
        "  schemas: [{from: \"2024-01-01\", version: v13}, {from: \"2999-01-01\", version: v13}]\n";
    let c = compare_with(
        &render(&format!("{LOCAL}{future}")).objects,
        &render(LOCAL),
        None,
    );
    assert_eq!(
        only(&c, "schema-period-removed").severity,
        Severity::Refused
    );
    let c = compare_with(
        &render(LOCAL).objects,
        &render(&format!("{LOCAL}{future}")),
        None,
    );
    let a = only(&c, "schema-period-added");
    assert_eq!(a.severity, Severity::Info);
    assert!(a.message.contains("no date was given"), "{}", a.message);
}

// --- storage -------------------------------------------------------------------------

#[test]
fn refused_a_storage_backend_switch_without_migration() {
    let s3 = "  profile: local\n  retention: {period: 7d}\n  storage: {s3: {bucket: logs-a, region: eu-west-1}}\n";
    let c = compare_specs(LOCAL, s3);
    // One refusal: the schema's object_store follows the store and is not reported twice.
    assert_eq!(
        codes(&c, Severity::Refused),
        ["storage-switched"],
        "{:#?}",
        c.items
    );
    let s = only(&c, "storage-switched");
    assert_eq!(s.field.as_deref(), Some("spec.storage"));
    assert!(
        s.message.contains("from filesystem to s3://logs-a"),
        "{}",
        s.message
    );
    let fix = s.fix.unwrap();
    assert!(
        fix.contains("spec.storage.migration: {from: \"filesystem\", oldLogs: Abandon}"),
        "{fix}"
    );
}

#[test]
fn refused_a_bucket_switch_and_a_migration_from_another_store() {
    let b = CLOUD.replace("logs-a", "logs-b");
    let c = compare_specs(CLOUD, &b);
    assert_eq!(codes(&c, Severity::Refused), ["storage-switched"]);

    let c = compare_specs(
        CLOUD,
        &fix_storage(&b, "{from: \"s3://logs-x\", oldLogs: Abandon}"),
    );
    let m = only(&c, "storage-migration-mismatch");
    assert_eq!(m.severity, Severity::Refused);
    assert_eq!(m.field.as_deref(), Some("spec.storage.migration.from"));
    assert!(m.message.contains("s3://logs-a"), "{}", m.message);
}

/// `spec` with `migration` added to its one-line `storage: {...}`.
fn fix_storage(spec: &str, migration: &str) -> String {
    spec.replace(
        "region: eu-west-1}}",
        &format!("region: eu-west-1}}, migration: {migration}}}"),
    )
}

#[test]
fn warned_a_storage_switch_with_migration_and_info_once_done() {
    let to_b = fix_storage(
        &CLOUD.replace("logs-a", "logs-b"),
        "{from: \"s3://logs-a\", oldLogs: Abandon}",
    );
    let c = compare_specs(CLOUD, &to_b);
    assert_eq!(c.refused, 0, "{:#?}", c.items);
    let s = only(&c, "storage-switched");
    assert_eq!(s.severity, Severity::Warning);
    assert!(s.fix.unwrap().contains("delete them"));
    let c = compare_specs(&to_b, &to_b);
    assert_eq!(only(&c, "storage-migration-done").severity, Severity::Info);
}

#[test]
fn migration_settings_are_checked_when_read() {
    let bad = |m: &str| {
        let doc: Value = crate::yaml::from_str(&format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{}",
            fix_storage(CLOUD, m)
        ))
        .unwrap();
        crate::spec::parse(&doc)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        bad("{from: \"s3://logs-a\", oldLogs: Abandon}").contains("is the store this config uses")
    );
    assert!(
        bad("{from: \"bucket\", oldLogs: Abandon}")
            .contains("spec.storage.migration.from: invalid store")
    );
    assert!(bad("{from: filesystem}").contains("spec.storage.migration.oldLogs: required"));
    assert!(bad("{from: filesystem, oldLogs: Keep}").contains("Abandon"));
}

// --- retention and replication -------------------------------------------------------

#[test]
fn warned_retention_shortened_says_how_many_days_go() {
    let c = compare_specs(LOCAL, "  profile: local\n  retention: {period: 3d}\n");
    let r = only(&c, "retention-shortened");
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.field.as_deref(), Some("spec.retention.period"));
    assert!(r.message.contains("from 7d to 3d"), "{}", r.message);
    assert!(
        r.message.contains("deletes up to 4 days of logs"),
        "{}",
        r.message
    );
    // Longer is not a hazard.
    let c = compare_specs(LOCAL, "  profile: local\n  retention: {period: 30d}\n");
    assert_eq!(c.warnings, 0);
}

#[test]
fn warned_stream_retention_shortened_or_falling_back_to_a_shorter_period() {
    let with = "  profile: local\n  retention: {period: 7d, streams: [{selector: '{namespace=\"audit\"}', period: 30d}]}\n";
    let shorter = with.replace("30d", "10d");
    let c = compare_specs(with, &shorter);
    let r = only(&c, "retention-shortened");
    assert!(
        r.message.contains("streams {namespace=\"audit\"}"),
        "{}",
        r.message
    );
    assert!(r.message.contains("up to 20 days"), "{}", r.message);
    assert_eq!(r.field.as_deref(), Some("spec.retention.streams[0].period"));
    // Removed: the streams fall back to the global 7d.
    let c = compare_specs(with, LOCAL);
    let r = only(&c, "retention-shortened");
    assert!(r.message.contains("from 30d to 7d"), "{}", r.message);
    assert_eq!(r.field.as_deref(), Some("spec.retention.streams"));
}

#[test]
fn warned_tenant_retention_shortened() {
    let tenants = |p: &str| {
        format!("{CLOUD}  tenancy: {{tenants: [{{id: team-a, retention: {{period: {p}}}}}]}}\n")
    };
    let c = compare_specs(&tenants("30d"), &tenants("14d"));
    let r = only(&c, "retention-shortened");
    assert!(
        r.message
            .starts_with("tenant team-a: retention shortened from 30d to 14d"),
        "{}",
        r.message
    );
    assert!(r.message.contains("up to 16 days"));
    assert_eq!(r.field.as_deref(), Some("spec.tenancy.tenants"));
    // The override removed: the tenant falls back to the stack's 7d.
    let c = compare_specs(&tenants("30d"), CLOUD);
    assert!(
        only(&c, "retention-shortened")
            .message
            .contains("from 30d to 7d")
    );
}

#[test]
fn warned_replication_factor_lowered() {
    let c = compare_specs(CLOUD, &format!("{CLOUD}  replicationFactor: 2\n"));
    let r = only(&c, "replication-lowered");
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.field.as_deref(), Some("spec.replicationFactor"));
    assert!(r.message.contains("from 3 to 2"));
}

#[test]
fn spans() {
    assert_eq!(span(4 * 86_400_000), "4 days");
    assert_eq!(span(86_400_000), "1 day");
    assert_eq!(span(36 * 3_600_000), "36 hours");
    assert_eq!(span(90 * 60_000), "90 minutes");
}

#[test]
fn a_collector_switch_warns_what_happens_to_read_positions() {
    let fluent_bit = format!("{LOCAL}  collector: {{kind: FluentBit}}\n");
    let to = compare_specs(LOCAL, &fluent_bit);
    let c = only(&to, "collector-switched");
    assert_eq!(c.severity, Severity::Warning);
    assert_eq!(c.field.as_deref(), Some("spec.collector.kind"));
    assert!(c.message.contains("from its start"), "{}", c.message);
    let back = only(&compare_specs(&fluent_bit, LOCAL), "collector-switched");
    assert!(back.fix.unwrap().contains("positions.yaml"));
    let same = compare_specs(&fluent_bit, &format!("{fluent_bit}  size: small\n"));
    assert!(same.items.iter().all(|c| c.code != "collector-switched"));
}
