//! "Loki stack / Logs": log volume by namespace and level (LogQL metric queries), the pods'
//! logs filtered by namespace, pod, container, level and a free-text regex, and Talos'
//! system logs by node and service. Every panel queries Loki by the datasource's uid.

use serde_json::{Value, json};

use super::panels::{Board, dashboard as board_json, logs_panel, loki, query_variable, timeseries};
use crate::contract as names;
use crate::spec::Resolved;
use crate::spec::resolved::Dashboards;

/// What a query with every variable at "All" selects: a namespace must be set (Loki
/// refuses selectors that match the empty value only), the rest may be absent.
const ANY: &str = ".+";
const ANY_OR_NONE: &str = ".*";

pub fn dashboard(r: &Resolved, d: &Dashboards) -> Value {
    let ds = loki(&d.loki_uid);
    let pods = "{namespace=~\"$namespace\", pod=~\"$pod\", container=~\"$container\", level=~\"$level\"} |~ \"$filter\"";
    let volume = |by: &str, selector: &str| {
        format!("sum by ({by}) (count_over_time({selector} [$__interval]))")
    };
    let mut b = Board::default();

    b.row("Pods");
    b.add(
        12,
        8,
        timeseries(
            "Log volume by namespace",
            "Lines per interval, by namespace, of the selected pods.",
            &ds,
            "short",
            true,
            vec![super::panels::target(
                &ds,
                volume("namespace", pods),
                "{{namespace}}",
            )],
        ),
    );
    b.add(
        12,
        8,
        timeseries(
            "Log volume by level",
            "Lines per interval, by normalised level (lines without a level are not counted here).",
            &ds,
            "short",
            true,
            vec![super::panels::target(
                &ds,
                volume("level", pods),
                "{{level}}",
            )],
        ),
    );
    b.add(
        24,
        16,
        logs_panel(
            "Pod logs",
            "Logs of the selected pods; the filter is a regex matched against the line.",
            &ds,
            pods.to_owned(),
        ),
    );

    let mut variables = vec![
        query_variable(
            "namespace",
            "Namespace",
            &ds,
            "label_values(namespace)",
            ANY,
        ),
        query_variable(
            "pod",
            "Pod",
            &ds,
            "label_values({namespace=~\"$namespace\"}, pod)",
            ANY_OR_NONE,
        ),
        query_variable(
            "container",
            "Container",
            &ds,
            "label_values({namespace=~\"$namespace\", pod=~\"$pod\"}, container)",
            ANY_OR_NONE,
        ),
        query_variable(
            "level",
            "Level",
            &ds,
            "label_values({namespace=~\"$namespace\"}, level)",
            ANY_OR_NONE,
        ),
    ];

    if r.collector.system_logs {
        let system =
            "{job=\"machine-logs\", node=~\"$node\", service=~\"$service\"} |~ \"$filter\"";
        b.row("Talos system logs");
        b.add(
            12,
            8,
            timeseries(
                "System log volume by service",
                "Lines per interval of Talos' own services (job=\"machine-logs\").",
                &ds,
                "short",
                true,
                vec![super::panels::target(
                    &ds,
                    volume("service", system),
                    "{{service}}",
                )],
            ),
        );
        b.add(
            12,
            8,
            timeseries(
                "System log volume by node",
                "Lines per interval of Talos' own services, by node.",
                &ds,
                "short",
                true,
                vec![super::panels::target(
                    &ds,
                    volume("node", system),
                    "{{node}}",
                )],
            ),
        );
        b.add(
            24,
            16,
            logs_panel(
                "System logs",
                "Talos services' logs of the selected nodes and services.",
                &ds,
                system.to_owned(),
            ),
        );
        variables.push(query_variable(
            "node",
            "Node",
            &ds,
            "label_values({job=\"machine-logs\"}, node)",
            ANY_OR_NONE,
        ));
        variables.push(query_variable(
            "service",
            "Service",
            &ds,
            "label_values({job=\"machine-logs\", node=~\"$node\"}, service)",
            ANY_OR_NONE,
        ));
    }

    variables.push(json!({
        "name": "filter",
        "label": "Line filter (regex)",
        "type": "textbox",
        "query": "",
        "current": {"text": "", "value": ""},
        "options": [],
        "hide": 0,
    }));
    board_json(
        names::DASHBOARD_LOGS_UID,
        "Loki stack / Logs",
        &format!(
            "Logs collected by the {} stack (namespace {}): volume, pod logs, Talos system logs. Generated by loki-stack-fn.",
            r.name, r.namespace
        ),
        variables,
        b.panels(),
    )
}
