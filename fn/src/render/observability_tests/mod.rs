//! The PrometheusRule and the dashboards: every PromQL expression parsed by a real PromQL
//! parser, every LogQL one checked for selector and pipeline syntax, selectors naming
//! exactly the components the mode runs, dashboards well formed.

use std::collections::BTreeSet;

use serde_json::Value;

use super::render;

mod delivery;
mod logql;
use logql::check_logql;

fn render_spec(spec: &str) -> Vec<Value> {
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{spec}"
    ))
    .unwrap();
    render(&crate::spec::parse(&doc).unwrap()).unwrap()
}

const LOCAL: &str = "  profile: local\n  retention: {period: 72h}\n";
const CLOUD: &str = "  profile: cloud\n  namespace: logs\n  retention: {period: 7d}\n  storage: {s3: {bucket: b-b-b, region: eu-west-1}}\n";

/// (spec, namespace, the Loki components of the mode).
fn shapes() -> Vec<(String, &'static str, Vec<&'static str>)> {
    vec![
        (LOCAL.to_owned(), "logging", vec!["loki"]),
        (
            format!("{CLOUD}  mode: SimpleScalable\n"),
            "logs",
            vec!["write", "read", "backend"],
        ),
        (
            CLOUD.to_owned(),
            "logs",
            vec![
                "distributor",
                "ingester",
                "querier",
                "query-frontend",
                "query-scheduler",
                "compactor",
                "index-gateway",
            ],
        ),
        (
            format!("{CLOUD}  ruler: {{enabled: true}}\n"),
            "logs",
            vec![
                "distributor",
                "ingester",
                "querier",
                "query-frontend",
                "query-scheduler",
                "compactor",
                "index-gateway",
                "ruler",
            ],
        ),
        (
            format!(
                "{LOCAL}  collector: {{kind: FluentBit, talos: {{receiver: {{enabled: true}}}}}}\n"
            ),
            "logging",
            vec!["loki"],
        ),
    ]
}

/// The collector a spec runs: its `job` component.
fn agent(spec: &str) -> &'static str {
    if spec.contains("kind: FluentBit") {
        "fluent-bit"
    } else {
        "promtail"
    }
}

/// Fluent Bit's alerts, in place of Promtail's.
const FLUENT_BIT_ALERTS: &[&str] = &[
    "FluentBitCannotReachLoki",
    "FluentBitOutputRetrying",
    "FluentBitOutputErrors",
    "FluentBitDroppingRecords",
    "FluentBitBufferFilling",
    "FluentBitInputPaused",
    "FluentBitLoggingErrors",
];

fn find<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn parse_promql(expr: &str) {
    if let Err(e) = promql_parser::parser::parse(expr) {
        panic!("PromQL does not parse: {e}\n{expr}");
    }
}

/// Every `job` matcher's components; each must be `<namespace>/<component>`.
fn job_components(expr: &str, namespace: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r#"job(=|=~)"([^"]*)""#).unwrap();
    let mut out = BTreeSet::new();
    for c in re.captures_iter(expr) {
        let value = &c[2];
        let rest = value
            .strip_prefix(&format!("{namespace}/"))
            .unwrap_or_else(|| panic!("job {value:?} is not in namespace {namespace}: {expr}"));
        if &c[1] == "=~" {
            let inner = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')'));
            out.extend(inner.unwrap_or(rest).split('|').map(str::to_owned));
        } else {
            out.insert(rest.to_owned());
        }
    }
    out
}

const ALERTS: [&str; 18] = [
    "LokiRequestErrors",
    "LokiRequestPanics",
    "LokiRequestLatency",
    "LokiIngestionLimited",
    "LokiDiscardingSamples",
    "LokiIngesterFlushFailures",
    "LokiTooManyCompactorsRunning",
    "LokiCompactorHasNotSuccessfullyRunCompaction",
    "LokiCompactorHasNotSuccessfullyRunCompaction",
    "LokiRetentionHasNotSuccessfullyRun",
    "LokiRetentionHasNotSuccessfullyRun",
    "PromtailCannotReachLoki",
    "PromtailRequestsErrors",
    "PromtailRequestLatency",
    "PromtailDroppingEntries",
    "PromtailPipelineDroppingLines",
    "PromtailFileMissing",
    "PromtailFileLagging",
];

#[test]
fn every_alert_parses_and_selects_the_components_the_mode_runs() {
    for (spec, ns, loki) in shapes() {
        let objects = render_spec(&spec);
        let rules = find(&objects, "PrometheusRule");
        assert_eq!(rules.len(), 1, "{spec}");
        let rule = rules[0];
        assert_eq!(rule["metadata"]["name"], "loki");
        assert_eq!(rule["metadata"]["namespace"], ns);
        assert_eq!(
            rule["metadata"]["labels"]["release"], "kube-prometheus-stack",
            "kube-prometheus-stack selects rules by the ServiceMonitors' label"
        );
        let mut names = Vec::new();
        let mut used = BTreeSet::new();
        for group in rule["spec"]["groups"].as_array().unwrap() {
            for a in group["rules"].as_array().unwrap() {
                let name = a["alert"].as_str().unwrap();
                names.push(name.to_owned());
                let expr = a["expr"].as_str().unwrap();
                parse_promql(expr);
                let comps = job_components(expr, ns);
                assert!(!comps.is_empty(), "{name} selects no job: {expr}");
                for c in &comps {
                    assert!(
                        c == agent(&spec) || loki.contains(&c.as_str()),
                        "{name} selects {c}, which {spec} does not run"
                    );
                }
                used.extend(comps);
                let for_ = a["for"].as_str().unwrap();
                assert!(
                    crate::spec::duration::Duration::parse(for_).is_ok(),
                    "{name}: for {for_}"
                );
                assert!(
                    ["critical", "warning"].contains(&a["labels"]["severity"].as_str().unwrap()),
                    "{name}"
                );
                for k in ["summary", "description"] {
                    assert!(
                        !a["annotations"][k].as_str().unwrap().is_empty(),
                        "{name}: {k}"
                    );
                }
            }
        }
        let expected: Vec<&str> = match agent(&spec) {
            "promtail" => ALERTS.to_vec(),
            _ => ALERTS
                .iter()
                .filter(|a| !a.starts_with("Promtail"))
                .chain(FLUENT_BIT_ALERTS)
                .copied()
                .collect(),
        };
        assert_eq!(names, expected, "alert names are a contract (README)");
        let mut all: BTreeSet<String> = loki.iter().map(|s| (*s).to_owned()).collect();
        all.insert(agent(&spec).to_owned());
        assert_eq!(used, all, "every component is watched: {spec}");
    }
}

#[test]
fn the_promql_parser_does_refuse_bad_expressions() {
    // Guards the tests above: a parser that accepted anything would prove nothing.
    for bad in [
        "sum by (job) (rate(up[5m])",
        "rate(up{job=~\"a\"}[5x])",
        "up{job=}",
        "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) >",
    ] {
        assert!(promql_parser::parser::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn intended_drops_do_not_alert() {
    let objects = render_spec(LOCAL);
    let text = serde_json::to_string(find(&objects, "PrometheusRule")[0]).unwrap();
    assert!(text.contains(r#"reason!~\"line_too_old|promtail_debug\""#));
}

#[test]
fn rules_follow_the_service_monitors_and_their_toggles() {
    let count = |extra: &str| {
        let o = render_spec(&format!("{LOCAL}{extra}"));
        (
            find(&o, "PrometheusRule").len(),
            find(&o, "ServiceMonitor").len(),
        )
    };
    assert_eq!(count(""), (1, 2));
    assert_eq!(
        count("  monitoring: {prometheusRule: {enabled: false}}\n"),
        (0, 2)
    );
    assert_eq!(
        count("  monitoring: {serviceMonitor: {enabled: false}}\n"),
        (0, 0)
    );
    assert_eq!(
        count(
            "  monitoring: {serviceMonitor: {enabled: false}, prometheusRule: {enabled: true}}\n"
        ),
        (1, 0)
    );
    let o = render_spec(&format!(
        "{LOCAL}  monitoring: {{serviceMonitor: {{labels: {{prometheus: main}}}}}}\n"
    ));
    let labels = &find(&o, "PrometheusRule")[0]["metadata"]["labels"];
    assert_eq!(labels["prometheus"], "main");
    assert!(labels.get("release").is_none());
    let o = render_spec(&format!(
        "{LOCAL}  monitoring: {{prometheusRule: {{labels: {{role: alerts}}}}}}\n"
    ));
    assert_eq!(
        find(&o, "PrometheusRule")[0]["metadata"]["labels"]["role"],
        "alerts"
    );
}

// ---- dashboards ----

/// The dashboards' JSON, from their ConfigMaps.
fn dashboards(objects: &[Value]) -> Vec<(&Value, Value)> {
    find(objects, "ConfigMap")
        .into_iter()
        .filter(|c| c["metadata"]["labels"].get("grafana_dashboard").is_some())
        .map(|c| {
            let data = c["data"].as_object().unwrap();
            assert_eq!(data.len(), 1);
            let (key, text) = data.iter().next().unwrap();
            assert!(key.ends_with(".json"), "{key}");
            (c, serde_json::from_str(text.as_str().unwrap()).unwrap())
        })
        .collect()
}

/// Replaces `$name` / `${name}` by the variables' "All" values (or what a panel sees).
fn substitute(expr: &str, values: &[(String, String)]) -> String {
    let mut out = expr
        .replace("$__rate_interval", "5m")
        .replace("$__interval", "1m");
    // Longest names first, so `$pod` does not eat a prefix of another name.
    let mut sorted = values.to_vec();
    sorted.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    for (name, value) in sorted {
        out = out
            .replace(&format!("${{{name}}}"), &value)
            .replace(&format!("${name}"), &value);
    }
    assert!(!out.contains('$'), "undefined variable in {out}");
    out
}

#[test]
fn dashboards_are_well_formed_and_their_queries_parse() {
    for (spec, ns, _) in shapes() {
        let objects = render_spec(&spec);
        let boards = dashboards(&objects);
        assert_eq!(boards.len(), 2, "{spec}");
        let mut uids = BTreeSet::new();
        for (cm, d) in &boards {
            assert_eq!(cm["metadata"]["namespace"], "monitoring");
            assert_eq!(cm["metadata"]["labels"]["grafana_dashboard"], "1");
            let uid = d["uid"].as_str().unwrap();
            assert!(uids.insert(uid.to_owned()), "duplicate uid {uid}");
            assert!(uid.len() <= 40);
            let schema = d["schemaVersion"].as_u64().unwrap();
            assert!((39..=41).contains(&schema));
            let vars = d["templating"]["list"].as_array().unwrap();
            let values: Vec<(String, String)> = vars
                .iter()
                .map(|v| {
                    let value = match v["type"].as_str().unwrap() {
                        "datasource" => "prom".to_owned(),
                        "textbox" => "error|warn".to_owned(),
                        _ => v["allValue"].as_str().unwrap().to_owned(),
                    };
                    (v["name"].as_str().unwrap().to_owned(), value)
                })
                .collect();
            let mut ids = BTreeSet::new();
            let mut prometheus_targets = 0;
            for panel in d["panels"].as_array().unwrap() {
                assert!(
                    ids.insert(panel["id"].as_u64().unwrap()),
                    "{uid}: panel ids"
                );
                let g = &panel["gridPos"];
                assert!(g["x"].as_u64().unwrap() + g["w"].as_u64().unwrap() <= 24);
                if panel["type"] == "row" {
                    continue;
                }
                let title = panel["title"].as_str().unwrap();
                let ds = &panel["datasource"];
                let kind = ds["type"].as_str().unwrap();
                match kind {
                    "prometheus" => assert_eq!(ds["uid"], "${datasource}", "{title}"),
                    "loki" => assert_eq!(ds["uid"], "loki", "{title}"),
                    other => panic!("{title}: datasource type {other}"),
                }
                let targets = panel["targets"].as_array().unwrap();
                assert!(!targets.is_empty(), "{title}");
                for t in targets {
                    assert_eq!(&t["datasource"], ds, "{title}");
                    let expr = t["expr"].as_str().unwrap();
                    assert!(!expr.is_empty(), "{title}");
                    let concrete = substitute(expr, &values);
                    if kind == "prometheus" {
                        parse_promql(&concrete);
                        for c in job_components(&concrete, ns) {
                            assert!(
                                c == agent(&spec)
                                    || shapes().iter().any(|s| s.2.contains(&c.as_str())),
                                "{title}: {c}"
                            );
                        }
                        prometheus_targets += 1;
                    } else if let Err(e) = check_logql(&concrete) {
                        panic!("{title}: {e}");
                    }
                }
            }
            if uid == "loki-stack-health" {
                assert!(prometheus_targets >= 20, "{prometheus_targets}");
                assert!(
                    vars.iter()
                        .any(|v| v["type"] == "datasource" && v["query"] == "prometheus")
                );
                // The variable queries' selectors parse too.
                for v in vars.iter().filter(|v| v["type"] == "query") {
                    let q = v["definition"].as_str().unwrap();
                    let inner = q
                        .strip_prefix("label_values(")
                        .and_then(|r| r.rsplit_once(", "))
                        .unwrap()
                        .0;
                    parse_promql(inner);
                }
            }
        }
        assert_eq!(
            uids,
            BTreeSet::from(["loki-stack-health".to_owned(), "loki-stack-logs".to_owned()])
        );
    }
}

#[test]
fn dashboards_follow_the_datasource_and_their_toggles() {
    let o = render_spec(&format!(
        "{LOCAL}  grafana: {{datasource: {{uid: logs-main, namespace: grafana}}}}\n"
    ));
    let boards = dashboards(&o);
    assert_eq!(boards.len(), 2);
    for (cm, _) in &boards {
        assert_eq!(cm["metadata"]["namespace"], "grafana");
    }
    let logs = &boards
        .iter()
        .find(|(_, d)| d["uid"] == "loki-stack-logs")
        .unwrap()
        .1;
    let text = serde_json::to_string(logs).unwrap();
    assert!(text.contains(r#""uid":"logs-main""#));
    assert!(!text.contains(r#""uid":"loki""#));
    assert!(text.contains("machine-logs"));

    let o = render_spec(&format!(
        "{LOCAL}  grafana: {{datasource: {{enabled: false}}, dashboards: {{namespace: dash, labels: {{dash: yes-please}}}}}}\n  collector: {{talos: {{systemLogs: false}}}}\n"
    ));
    let cms: Vec<&Value> = find(&o, "ConfigMap")
        .into_iter()
        .filter(|c| c["metadata"]["namespace"] == "dash")
        .collect();
    assert_eq!(cms.len(), 2);
    assert_eq!(cms[0]["metadata"]["labels"]["dash"], "yes-please");
    assert!(
        cms[0]["metadata"]["labels"]
            .get("grafana_dashboard")
            .is_none()
    );
    let logs_text = serde_json::to_string(&cms[1]["data"]).unwrap();
    assert!(
        !logs_text.contains("machine-logs"),
        "no system logs, no panel"
    );

    let o = render_spec(&format!(
        "{LOCAL}  grafana: {{dashboards: {{enabled: false}}}}\n"
    ));
    assert!(dashboards(&o).is_empty());
}
