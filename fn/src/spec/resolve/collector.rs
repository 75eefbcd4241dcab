//! `spec.collector`: what Promtail collects and what it redacts (the labels it may
//! add are checked in `cardinality`).

use std::collections::BTreeSet;

use super::super::collector::{
    Collector, CollectorKind, Multiline, RECEIVER_PORT, RedactionRule, RedactionScope, TAKEN_PORTS,
};
use super::super::duration::Duration;
use super::super::profile::{self, Defaults};
use super::super::types::{CollectorSpec, MultilineSpec, RedactionSpec, Spec, TalosLogsSpec};
use super::super::{names, re2, redaction, suggest};
use super::cardinality::{extra_labels, structured_metadata};
use super::checker::{Checker, resources};

pub(super) fn collector(c: &mut Checker, spec: &Spec, d: &Defaults) -> Option<Collector> {
    let errors_before = c.errors.len();
    let given = spec.collector.clone().unwrap_or_default();
    let kind = given.kind.unwrap_or(CollectorKind::Promtail);
    let image = given
        .image
        .clone()
        .unwrap_or_else(|| profile::collector_image(kind).to_owned());
    c.check("spec.collector.image", names::check_image(&image));
    let resources = resources(
        c,
        "spec.collector.resources",
        given.resources.as_ref(),
        d.collector_requests,
        d.collector_memory_limit,
    );
    let pods = given.pods.clone().unwrap_or_default();
    let exclude = pods.exclude_namespaces.unwrap_or_default();
    dns_labels(c, "spec.collector.pods.excludeNamespaces", &exclude);
    let positions_dir = positions_dir(c, &given, kind);
    let talos = given.talos.clone().unwrap_or_default();
    let receiver_port = receiver(c, &talos, kind);

    let sensitive_given = given.sensitive_namespaces.clone().unwrap_or_default();
    dns_labels(c, "spec.collector.sensitiveNamespaces", &sensitive_given);
    let sensitive: Vec<String> = sensitive_given
        .iter()
        .filter(|ns| !exclude.contains(ns))
        .cloned()
        .collect();
    let (rules, scope) = redaction_rules(c, given.redaction.as_ref(), &sensitive, kind);

    let extra_labels = extra_labels(c, given.extra_labels.as_deref().unwrap_or_default());
    let structured_metadata = structured_metadata(
        c,
        given.structured_metadata.as_deref().unwrap_or_default(),
        &extra_labels,
    );
    let multiline = multiline(c, pods.multiline.as_deref().unwrap_or_default(), kind);
    let delivery = super::delivery::delivery(c, given.delivery.as_ref(), kind, d);

    if c.errors.len() != errors_before {
        return None;
    }
    Some(Collector {
        kind,
        image,
        resources,
        exclude_namespaces: exclude,
        positions_dir,
        system_logs: talos.system_logs.unwrap_or(true),
        audit_logs: talos.audit_logs.unwrap_or(true),
        receiver_port,
        sensitive_namespaces: sensitive,
        redaction: rules,
        redaction_scope: scope,
        extra_labels,
        structured_metadata,
        multiline,
        delivery: delivery?,
    })
}

fn dns_labels(c: &mut Checker, field: &str, values: &[String]) {
    let mut seen = BTreeSet::new();
    for (i, v) in values.iter().enumerate() {
        c.check(&format!("{field}[{i}]"), names::check_dns_label(v));
        if !seen.insert(v) {
            c.error(&format!("{field}[{i}]"), format!("{v:?} is listed twice"));
        }
    }
}

/// `spec.collector.talos.receiver`: the port, when it is on.
fn receiver(c: &mut Checker, talos: &TalosLogsSpec, kind: CollectorKind) -> Option<u16> {
    let given = talos.receiver.clone().unwrap_or_default();
    let port = given.port.unwrap_or(u32::from(RECEIVER_PORT));
    let field = "spec.collector.talos.receiver.port";
    let port = match u16::try_from(port) {
        Ok(p) if p >= 1024 => Some(p),
        _ => {
            c.error(
                field,
                format!("{port} is not a port from 1024 to 65535 (default {RECEIVER_PORT})"),
            );
            None
        }
    };
    if let Some(p) = port
        && let Some((_, who)) = TAKEN_PORTS.iter().find(|(taken, _)| *taken == p)
    {
        c.error(
            field,
            format!(
                "{p} is taken on the node by {who}; the receiver listens on the node's \
                 loopback: choose another port, e.g. the default {RECEIVER_PORT}"
            ),
        );
    }
    if !given.enabled.unwrap_or(false) {
        return None;
    }
    if kind == CollectorKind::Promtail {
        c.error(
            "spec.collector.talos.receiver.enabled",
            "Promtail has no TCP input for the JSON lines Talos sends \
             (machine.logging.destinations, talos.logging.kernel); set \
             spec.collector.kind: FluentBit to receive them",
        );
        return None;
    }
    port
}

fn positions_dir(c: &mut Checker, given: &CollectorSpec, kind: CollectorKind) -> String {
    let positions_dir = given
        .positions_dir
        .clone()
        .unwrap_or_else(|| profile::positions_dir(kind).to_owned());
    let default = profile::positions_dir(kind);
    let agent = agent_name(kind);
    let field = "spec.collector.positionsDir";
    if !positions_dir.starts_with('/')
        || positions_dir.split('/').any(|p| p == ".." || p == ".")
        || positions_dir.trim_end_matches('/').is_empty()
    {
        c.error(
            field,
            format!("{positions_dir:?} must be an absolute host path such as {default:?}"),
        );
    } else if ["/run", "/tmp", "/var/run", "/dev", "/proc", "/sys"]
        .iter()
        .any(|tmp| positions_dir == *tmp || positions_dir.starts_with(&format!("{tmp}/")))
    {
        c.error(
            field,
            format!(
                "{positions_dir:?} does not survive a reboot on Talos (tmpfs): {agent} would \
                 forget its read offsets and ship every log file again; use a directory under \
                 /var, e.g. {default:?}"
            ),
        );
    } else if positions_dir == "/var/log" || positions_dir.starts_with("/var/log/") {
        c.error(
            field,
            format!(
                "{positions_dir:?} is inside /var/log, which {agent} mounts read-only; use \
                 e.g. {default:?}"
            ),
        );
    }
    match kind {
        CollectorKind::Promtail => c.expand_env_safe(
            field,
            &positions_dir,
            false,
            "Promtail reads its config (where the positions file is) with -config.expand-env",
        ),
        CollectorKind::FluentBit => fluent_bit_env_safe(c, field, &positions_dir),
    }
    positions_dir.trim_end_matches('/').to_owned()
}

/// How the user reads the agent's name in messages.
fn agent_name(kind: CollectorKind) -> &'static str {
    match kind {
        CollectorKind::Promtail => "Promtail",
        CollectorKind::FluentBit => "Fluent Bit",
    }
}

/// Fluent Bit replaces `${NAME}` in every value of its config with the environment
/// variable (empty when unset): a user value must not contain `${`.
fn fluent_bit_env_safe(c: &mut Checker, field: &str, value: &str) {
    if value.contains("${") {
        c.error(
            field,
            format!(
                "{value:?} contains \"${{\", which Fluent Bit replaces with an environment \
                 variable when it reads its config"
            ),
        );
    }
}

/// The built-in sets (all of them unless `builtin` is given) then the custom rules;
/// refuses a sensitive namespace that is collected with no rule at all.
fn redaction_rules(
    c: &mut Checker,
    given: Option<&RedactionSpec>,
    sensitive: &[String],
    kind: CollectorKind,
) -> (Vec<RedactionRule>, RedactionScope) {
    let given = given.cloned().unwrap_or_default();
    let scope = given.scope.unwrap_or(RedactionScope::SensitiveNamespaces);
    let mut rules = Vec::new();
    let builtin: Vec<String> = given
        .builtin
        .clone()
        .unwrap_or_else(|| redaction::names().into_iter().map(str::to_owned).collect());
    let mut seen = BTreeSet::new();
    for (i, name) in builtin.iter().enumerate() {
        let field = format!("spec.collector.redaction.builtin[{i}]");
        let Some(set) = redaction::find(name) else {
            let known = redaction::names();
            let hint = suggest::closest(name, &known)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            c.error(
                &field,
                format!(
                    "unknown rule set {name:?}{hint}; the built-in sets are {}",
                    known.join(", ")
                ),
            );
            continue;
        };
        if !seen.insert(name.as_str()) {
            c.error(&field, format!("{name:?} is listed twice"));
            continue;
        }
        rules.extend(set.rules.iter().map(|(rule, regex)| RedactionRule {
            name: format!("{}/{rule}", set.name),
            regex: (*regex).to_owned(),
            replace: redaction::REPLACEMENT.to_owned(),
        }));
    }
    let mut names = BTreeSet::new();
    for (i, rule) in given.rules.iter().flatten().enumerate() {
        let field = format!("spec.collector.redaction.rules[{i}]");
        let name = rule.name.clone().unwrap_or_default();
        if rule.name.is_none() {
            c.error(
                &format!("{field}.name"),
                "required: the rule's name, e.g. \"card-number\"",
            );
        } else if c
            .check(&format!("{field}.name"), names::check_dns_label(&name))
            .is_some()
            && !names.insert(name.clone())
        {
            c.error(&format!("{field}.name"), format!("{name:?} is used twice"));
        }
        let Some(pattern) = rule.regex.as_deref() else {
            c.error(
                &format!("{field}.regex"),
                "required: an RE2 regex whose capture groups match the secret",
            );
            continue;
        };
        let Some(regex) = c.check(&format!("{field}.regex"), re2::for_promtail(pattern)) else {
            continue;
        };
        if re2::capture_groups(pattern) == 0 {
            c.error(
                &format!("{field}.regex"),
                format!(
                    "{pattern:?} has no capture group: Promtail replaces what the capture \
                     groups match, so this rule would change nothing; put the secret in \
                     ( ), e.g. \"token=([^ ]+)\""
                ),
            );
            continue;
        }
        if kind == CollectorKind::FluentBit
            && let Err(e) = crate::config::lua_regex::compile(&regex)
        {
            c.error(
                &format!("{field}.regex"),
                format!(
                    "{e}. Fluent Bit redacts with a regex engine in its Lua filter that \
                     reproduces Go RE2 exactly for what it accepts; rewrite the rule \
                     without it, or use kind: Promtail"
                ),
            );
            continue;
        }
        let replace = rule
            .replace
            .clone()
            .unwrap_or_else(|| redaction::REPLACEMENT.to_owned());
        if let Err(e) = check_replacement(&replace) {
            c.error(&format!("{field}.replace"), e);
            continue;
        }
        rules.push(RedactionRule {
            name,
            regex,
            replace,
        });
    }
    if rules.is_empty() && !sensitive.is_empty() {
        c.error(
            "spec.collector.redaction",
            format!(
                "sensitive namespaces {} are collected with no redaction rule: secrets in \
                 their logs would be stored in Loki as they are; keep the built-in rule sets \
                 (remove `builtin: []`), add rules, or exclude the namespaces with \
                 spec.collector.pods.excludeNamespaces",
                sensitive.join(", ")
            ),
        );
    }
    (rules, scope)
}

/// A replacement is a constant: Promtail runs it as a Go template, and it must survive
/// `-config.expand-env`.
fn check_replacement(replace: &str) -> Result<(), String> {
    for (bad, why) in [
        (
            "{{",
            "Go template actions are not supported: give the constant text",
        ),
        ("${", "-config.expand-env would expand it"),
        ("$$", "-config.expand-env would rewrite it"),
        ("\\", "backslashes are rewritten by -config.expand-env"),
    ] {
        if replace.contains(bad) {
            return Err(format!("{replace:?} contains {bad:?}: {why}"));
        }
    }
    if replace.chars().any(char::is_control) || replace.len() > 64 {
        return Err(format!(
            "{replace:?}: at most 64 printable characters, e.g. \"[REDACTED]\""
        ));
    }
    Ok(())
}

fn multiline(c: &mut Checker, given: &[MultilineSpec], kind: CollectorKind) -> Vec<Multiline> {
    let mut out = Vec::new();
    for (i, m) in given.iter().enumerate() {
        let field = format!("spec.collector.pods.multiline[{i}]");
        let namespace = m.namespace.clone().unwrap_or_default();
        let ns_ok = if m.namespace.is_none() {
            c.error(
                &format!("{field}.namespace"),
                "required: the namespace of the pods whose entries are joined",
            );
            false
        } else {
            c.check(
                &format!("{field}.namespace"),
                names::check_dns_label(&namespace),
            )
            .is_some()
        };
        let container_ok = m.container.as_deref().is_none_or(|ct| {
            c.check(&format!("{field}.container"), names::check_dns_label(ct))
                .is_some()
        });
        let Some(pattern) = m.firstline.as_deref() else {
            c.error(
                &format!("{field}.firstline"),
                "required: an RE2 regex matching the first line of an entry, e.g. \
                 \"^[0-9]{4}-[0-9]{2}-[0-9]{2}\"",
            );
            continue;
        };
        let firstline = c.check(&format!("{field}.firstline"), re2::for_promtail(pattern));
        let wait_text = m.max_wait_time.clone().unwrap_or_else(|| "3s".to_owned());
        let wait = c.check(&format!("{field}.maxWaitTime"), Duration::parse(&wait_text));
        if let Some(w) = &wait
            && !(1..=60_000).contains(&w.as_millis())
        {
            c.error(
                &format!("{field}.maxWaitTime"),
                "between 1ms and 1m: Promtail holds the entry that long before it ships it",
            );
        }
        let max_lines = m.max_lines.unwrap_or(128);
        if !(2..=1000).contains(&max_lines) {
            c.error(&format!("{field}.maxLines"), "between 2 and 1000");
        } else if kind == CollectorKind::FluentBit && m.max_lines.is_some() {
            c.error(
                &format!("{field}.maxLines"),
                "Fluent Bit's multiline parser has no line limit (it bounds an entry at \
                 2 MiB instead), so this cannot be applied; remove it with kind: FluentBit",
            );
        }
        if let (true, true, Some(firstline), Some(max_wait_time)) =
            (ns_ok, container_ok, firstline, wait)
        {
            out.push(Multiline {
                namespace,
                container: m.container.clone(),
                firstline,
                max_wait_time,
                max_lines,
            });
        }
    }
    out
}
