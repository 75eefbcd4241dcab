//! The plan as text for a terminal: aligned columns, wrapped at 100 columns, colour
//! only when asked (the CLI asks when stdout is a terminal and NO_COLOR is unset).

use super::Plan;
use super::hazards::{Change, Severity};
use super::resources::Component;
use super::summary::Summary;
use super::writer::{Out, WIDTH, list, table, yes_no};

fn component_row(c: &Component) -> Vec<String> {
    let dash = || "-".to_owned();
    vec![
        c.name.clone(),
        c.kind.clone(),
        c.role.clone(),
        c.replicas
            .map_or_else(|| "per node".to_owned(), |n| n.to_string()),
        c.requests.cpu.clone().unwrap_or_else(dash),
        c.requests.memory.clone().unwrap_or_else(dash),
        c.limits.memory.clone().unwrap_or_else(dash),
        if c.claims.is_empty() {
            dash()
        } else {
            c.claims
                .iter()
                .map(|cl| match &cl.storage_class_name {
                    Some(sc) => format!("{} {} ({sc})", cl.name, cl.size),
                    None => format!("{} {}", cl.name, cl.size),
                })
                .collect::<Vec<_>>()
                .join(", ")
        },
    ]
}

fn workloads(out: &mut Out, s: &Summary) {
    out.heading("Workloads");
    let mut rows: Vec<Vec<String>> = s.components.iter().map(component_row).collect();
    let t = &s.totals;
    let pods = |n: u64| format!("{n} pod{}", if n == 1 { "" } else { "s" });
    rows.push(vec![
        "total".to_owned(),
        String::new(),
        String::new(),
        pods(t.cluster.pods),
        t.cluster.cpu_request.clone(),
        t.cluster.memory_request.clone(),
        t.cluster.memory_limit.clone(),
        t.cluster.storage.clone(),
    ]);
    if t.per_node.pods > 0 {
        rows.push(vec![
            "+ per node".to_owned(),
            String::new(),
            String::new(),
            pods(t.per_node.pods),
            t.per_node.cpu_request.clone(),
            t.per_node.memory_request.clone(),
            t.per_node.memory_limit.clone(),
            String::new(),
        ]);
    }
    table(
        out,
        &[
            "NAME",
            "KIND",
            "ROLE",
            "REPLICAS",
            "CPU REQ",
            "MEM REQ",
            "MEM LIMIT",
            "PVC PER POD",
        ],
        &rows,
    );
}

/// Storage and retention of a stack that runs Loki (an agent has neither).
fn config(out: &mut Out, s: &Summary) {
    let (Some(st), Some(r)) = (&s.storage, &s.retention) else {
        return;
    };
    out.heading("Storage");
    let store = if st.backend == "filesystem" {
        "filesystem (the PVC of the Loki pod)".to_owned()
    } else {
        st.store.clone()
    };
    let mut rows = vec![("store".to_owned(), store)];
    if let Some(r) = &st.region {
        rows.push(("region".to_owned(), r.clone()));
    }
    if let Some(e) = &st.encryption {
        rows.push(("encryption".to_owned(), e.clone()));
    }
    rows.push(("credentials".to_owned(), st.credentials_detail.clone()));
    if let Some(m) = &st.migration {
        rows.push((
            "migration".to_owned(),
            format!("from {} (old logs: {})", m.from, m.old_logs),
        ));
    }
    for sc in &s.schemas {
        let state = match sc.state {
            "inEffect" => "in effect",
            "future" => "not yet in effect",
            _ => "no date given",
        };
        rows.push((
            "schema".to_owned(),
            format!(
                "{} from {} on {} ({state})",
                sc.version, sc.from, sc.object_store
            ),
        ));
    }
    out.rows(&rows);

    out.heading(&format!(
        "Retention (the compactor runs every {}, deletes {} later)",
        r.compaction_interval, r.delete_delay
    ));
    let mut rows = vec![("all logs".to_owned(), r.period.clone())];
    if r.streams.is_empty() && r.tenants.is_empty() {
        rows.push((
            "streams".to_owned(),
            "no per-stream or per-tenant periods".to_owned(),
        ));
    }
    for st in &r.streams {
        rows.push((
            st.selector.clone(),
            format!("{} (priority {})", st.period, st.priority),
        ));
    }
    for t in &r.tenants {
        rows.push((format!("tenant {}", t.tenant), t.period.clone()));
        for st in &t.streams {
            rows.push((
                format!("  {}", st.selector),
                format!("{} (priority {})", st.period, st.priority),
            ));
        }
    }
    out.rows(&rows);
}

fn tenancy(s: &Summary) -> (String, String) {
    let t = &s.tenancy;
    (
        "tenancy".to_owned(),
        if t.enabled {
            format!(
                "on: Promtail writes and Grafana reads tenant {}; overrides for {}",
                t.tenant_id,
                list(&t.tenants_with_overrides)
            )
        } else {
            "off: one tenant (Loki's \"fake\")".to_owned()
        },
    )
}

fn collection(out: &mut Out, s: &Summary) {
    let c = &s.collection;
    out.heading("Collected");
    let agent = match c.agent {
        "FluentBit" => format!("Fluent Bit ({})", c.image),
        _ => format!(
            "Promtail ({}; end-of-life upstream since 2026-03-02: kind: FluentBit is maintained)",
            c.image
        ),
    };
    let mut rows = vec![("agent".to_owned(), agent)];
    rows.push((
        "pods".to_owned(),
        format!(
            "every pod on every node (job kubernetes-pods), except namespaces: {}; opt out: \
             annotation {}: \"false\"",
            list(&c.exclude_namespaces),
            c.opt_out_annotation
        ),
    ));
    if c.multiline_rules > 0 {
        rows.push((
            "multiline".to_owned(),
            format!("{} rules", c.multiline_rules),
        ));
    }
    rows.push((
        "Talos services".to_owned(),
        yes_no(
            c.talos_services,
            "/var/log/<service>.log (job machine-logs)",
            "off",
        ),
    ));
    if let Some(port) = c.talos_receiver_port {
        rows.push((
            "Talos receiver".to_owned(),
            format!(
                "127.0.0.1:{port} on every node (host network), what Talos < 1.12 sends \
                 (job machine-logs); lines Talos also writes to a file are not sent twice"
            ),
        ));
    }
    rows.push((
        "audit log".to_owned(),
        yes_no(
            c.audit_log,
            "kube-apiserver, control-plane nodes (job kube-audit)",
            "off",
        ),
    ));
    rows.push(("extra labels".to_owned(), list(&c.extra_labels)));
    rows.push(("structured md".to_owned(), list(&c.structured_metadata)));
    let red = &c.redaction;
    let scope = if red.scope == "All" {
        "every line".to_owned()
    } else {
        format!("namespaces {}", list(&red.namespaces))
    };
    rows.push((
        "redacted".to_owned(),
        format!(
            "{scope}: built-in {}; custom rules: {}",
            list(&red.builtin),
            list(&red.custom_rules)
        ),
    ));
    out.rows(&rows);

    out.heading("When Loki is down");
    out.rows(&super::delivery::rows(&c.delivery));

    if let Some(t) = &s.ships_to {
        out.heading("Ships to (central Loki)");
        out.rows(&[
            ("push".to_owned(), t.push_url.clone()),
            ("tenant".to_owned(), t.tenant.clone()),
            ("auth".to_owned(), t.auth.clone()),
            ("TLS".to_owned(), t.tls.clone()),
            (
                "label".to_owned(),
                format!("cluster=\"{}\" on every stream", t.cluster),
            ),
        ]);
    } else {
        access(out, s);
    }
    observability_and_objects(out, s);
}

/// Where a stack with Loki is reached.
fn access(out: &mut Out, s: &Summary) {
    out.heading("Access");
    let a = &s.access;
    let mut rows = vec![
        ("query".to_owned(), a.url.clone()),
        ("push".to_owned(), a.push_url.clone()),
        ("gateway".to_owned(), yes_no(a.gateway, "yes (nginx)", "no")),
        ("auth".to_owned(), a.auth.clone()),
        tenancy(s),
    ];
    let expected = &s.tenancy.expected_tenants;
    if !expected.is_empty() {
        rows.push((
            "expects".to_owned(),
            if a.auth == "none" {
                format!(
                    "tenants {} (spec.tenancy.tenants) may push with X-Scope-OrgID: there is no \
                     gateway auth",
                    list(expected)
                )
            } else {
                format!(
                    "tenants {} besides {} (spec.tenancy.tenants, e.g. agents' \
                     spec.remote.tenantId): each pushes as the gateway user of its name, one \
                     htpasswd line each",
                    list(expected),
                    s.tenancy.tenant_id
                )
            },
        ));
    }
    rows.push((
        "exposed".to_owned(),
        match (&a.ingress, &a.http_route) {
            (None, None) => "no (in-cluster only)".to_owned(),
            (i, h) => [
                i.as_ref().map(|i| format!("Ingress {i}")),
                h.as_ref().map(|h| format!("HTTPRoute {h}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
        },
    ));
    out.rows(&rows);
}

fn observability_and_objects(out: &mut Out, s: &Summary) {
    out.heading("Observability");
    let g = &s.grafana;
    let m = &s.monitoring;
    out.rows(&[
        (
            "datasource".to_owned(),
            g.datasource.clone().unwrap_or_else(|| "none".to_owned()),
        ),
        ("dashboards".to_owned(), list(&g.dashboards)),
        ("ServiceMonitors".to_owned(), list(&m.service_monitors)),
        (
            "PrometheusRule".to_owned(),
            m.prometheus_rule.as_ref().map_or_else(
                || "none".to_owned(),
                |n| format!("{n} ({} alerts)", m.alerts),
            ),
        ),
        (
            "network".to_owned(),
            match s.network.policies {
                "none" => "no policies".to_owned(),
                p => format!("{} {p} policies", s.network.count),
            },
        ),
    ]);

    let total: usize = s.objects.values().sum();
    out.heading(&format!("Objects ({total})"));
    let kinds: Vec<String> = s.objects.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let mut line = String::from(" ");
    for (i, k) in kinds.iter().enumerate() {
        let item = if i + 1 < kinds.len() {
            format!("{k},")
        } else {
            k.clone()
        };
        if line.len() + 1 + item.len() > WIDTH {
            out.line(&line);
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(&item);
    }
    out.line(&line);

    out.heading("Warnings");
    if s.warnings.is_empty() {
        out.line("  none");
    }
    for w in &s.warnings {
        out.wrapped("  - ", 4, w);
    }
}

fn change(out: &mut Out, c: &Change) {
    let (tag, code) = match c.severity {
        Severity::Refused => ("REFUSED", "1;31"),
        Severity::Warning => ("WARNING", "33"),
        Severity::Info => ("info", "2"),
    };
    let head = match (&c.object, &c.field) {
        (Some(o), _) => format!("{o}: "),
        (None, Some(f)) => format!("{f}: "),
        (None, None) => String::new(),
    };
    let tag = format!("{tag:7}");
    let mut plain = Out {
        text: String::new(),
        color: false,
    };
    plain.wrapped(&format!("  {tag}  "), 11, &format!("{head}{}", c.message));
    if let Some(fix) = &c.fix {
        let prefix = if c.severity == Severity::Refused {
            "way out: "
        } else {
            "what to do: "
        };
        plain.wrapped(&" ".repeat(11), 11, &format!("{prefix}{fix}"));
    }
    // Painted after wrapping: escape codes take no columns.
    let painted = out.paint(code, &tag);
    out.text.push_str(&plain.text.replacen(&tag, &painted, 1));
}

/// The whole plan as text.
impl Plan {
    /// The plan as text for a terminal (`color`: ANSI colours).
    pub fn to_text(&self, color: bool) -> String {
        render(self, color)
    }
}

pub fn render(plan: &Plan, color: bool) -> String {
    let mut out = Out {
        text: String::new(),
        color,
    };
    let s = &plan.summary;
    let head = format!(
        "{}: profile {}, {}namespace {}",
        s.stack.owner,
        s.stack.profile,
        match (s.stack.mode, s.stack.size) {
            (Some(mode), Some(size)) => format!("mode {mode}, size {size}, "),
            _ => String::new(),
        },
        s.stack.namespace
    );
    out.line(&out.paint("1", &head));
    if let Some(t) = &plan.today {
        out.line(&format!("today {t} (UTC)"));
    }
    workloads(&mut out, s);
    config(&mut out, s);
    collection(&mut out, s);
    if let Some(ch) = &plan.changes {
        let c = &ch.changes;
        out.heading(&format!("Changes since {}", ch.from));
        let o = &c.objects;
        out.line(&format!(
            "  {} refused, {} warnings; objects: {} changed, {} added, {} removed, {} unchanged",
            c.refused, c.warnings, o.changed, o.added, o.removed, o.unchanged
        ));
        for item in &c.items {
            change(&mut out, item);
        }
    }
    out.text
}

#[cfg(test)]
mod tests {
    use crate::plan::{Context, Day, Earlier, plan};

    #[test]
    fn colour_only_when_asked_and_wrapped_at_100_columns() {
        let config = "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec: {profile: local, retention: {period: 7d}}\n";
        let earlier =
            crate::pipeline::render_plain(config, None, crate::pipeline::PlainTarget::Apply)
                .unwrap()
                .yaml;
        let shorter = config.replace("7d", "3d");
        let ctx = Context::on(Day::parse("2026-05-01").unwrap());
        let p = plan(
            &shorter,
            None,
            Some(Earlier {
                text: &earlier,
                name: "e",
            }),
            &ctx,
        )
        .unwrap();
        let plain = p.to_text(false);
        let color = p.to_text(true);
        assert!(!plain.contains('\u{1b}'));
        assert!(color.contains("\u{1b}[33mWARNING\u{1b}[0m"), "{color}");
        assert!(plain.contains("  WARNING  spec.retention.period: all logs: retention shortened"));
        // Tables may be wider; prose is wrapped.
        for line in plain
            .lines()
            .filter(|l| !l.contains("REPLICAS") && !l.contains("StatefulSet  "))
        {
            assert!(line.chars().count() <= 100, "{line:?}");
        }
        let stripped = ["\u{1b}[1m", "\u{1b}[33m", "\u{1b}[2m", "\u{1b}[0m"]
            .iter()
            .fold(color.clone(), |s, code| s.replace(code, ""));
        assert_eq!(stripped, plain);
    }
}
