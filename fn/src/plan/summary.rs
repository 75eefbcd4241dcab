//! What a config deploys, in a form for people (`text`) and tools (JSON): built from
//! the resolved spec and the rendered objects, nothing else.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::date::Day;
use super::resources::{self, Component, Totals};
use crate::spec::Resolved;
use crate::spec::collector::RedactionScope;
use crate::spec::resolved::{Backend, Central, RemoteAuth};
use crate::spec::types::{Mode, PolicyKind};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub stack: Stack,
    pub components: Vec<Component>,
    pub totals: Totals,
    /// `None` for an agent: the central stack stores and keeps the logs.
    pub storage: Option<Storage>,
    pub schemas: Vec<Schema>,
    pub retention: Option<Retention>,
    pub tenancy: Tenancy,
    pub collection: Collection,
    pub access: Access,
    /// Where an agent ships, as whom and with which label; absent for a stack with Loki
    /// (the JSON of local and cloud stacks is unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ships_to: Option<ShipsTo>,
    pub grafana: Grafana,
    pub monitoring: Monitoring,
    pub network: Network,
    /// Number of rendered objects by kind.
    pub objects: BTreeMap<String, usize>,
    /// The config's warnings, as the CLI prints them.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stack {
    pub name: String,
    pub owner: String,
    pub profile: &'static str,
    /// `None` for an agent (no Loki).
    pub mode: Option<&'static str>,
    pub size: Option<&'static str>,
    pub namespace: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    /// `filesystem`, `s3` or `gcs`.
    pub backend: &'static str,
    /// `filesystem`, `s3://<bucket>`, `s3://<endpoint>/<bucket>`, `gcs://<bucket>`.
    pub store: String,
    pub region: Option<String>,
    pub encryption: Option<String>,
    /// `none` (filesystem), `workloadIdentity`, `secret`, `node`.
    pub credentials: &'static str,
    pub credentials_detail: String,
    pub migration: Option<Migration>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Migration {
    pub from: String,
    pub old_logs: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub from: String,
    pub version: String,
    pub object_store: &'static str,
    /// `inEffect`, `future`, or `unknown` (no date given).
    pub state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamRetention {
    pub selector: String,
    pub period: String,
    pub priority: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantRetention {
    pub tenant: String,
    pub period: String,
    pub streams: Vec<StreamRetention>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Retention {
    pub period: String,
    pub streams: Vec<StreamRetention>,
    pub tenants: Vec<TenantRetention>,
    /// Loki's compactor: how often it runs, and how long a deletion waits.
    pub compaction_interval: &'static str,
    pub delete_delay: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenancy {
    pub enabled: bool,
    /// Where Promtail writes and Grafana reads (`fake`: Loki's one tenant without tenancy).
    pub tenant_id: String,
    pub tenants_with_overrides: Vec<String>,
    /// The tenants `spec.tenancy.tenants` lists besides the stack's own: with gateway auth,
    /// the agents (other clusters) expected to push, each as the gateway user of its name.
    pub expected_tenants: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    /// `Promtail` or `FluentBit` (`spec.collector.kind`).
    pub agent: &'static str,
    pub image: String,
    pub pods: bool,
    pub exclude_namespaces: Vec<String>,
    pub opt_out_annotation: &'static str,
    pub multiline_rules: usize,
    pub talos_services: bool,
    pub audit_log: bool,
    /// The Talos receiver's port on each node's loopback (Talos before 1.12).
    pub talos_receiver_port: Option<u16>,
    pub extra_labels: Vec<String>,
    pub structured_metadata: Vec<String>,
    pub redaction: Redaction,
    /// While Loki cannot be reached.
    pub delivery: super::delivery::Delivery,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Redaction {
    /// `SensitiveNamespaces` or `All`.
    pub scope: &'static str,
    pub namespaces: Vec<String>,
    pub builtin: Vec<String>,
    pub custom_rules: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// In-cluster URL readers (Grafana) use.
    pub url: String,
    pub push_url: String,
    pub gateway: bool,
    /// `basic (Secret <name>, user <user>)` or `none`.
    pub auth: String,
    pub ingress: Option<String>,
    pub http_route: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipsTo {
    pub push_url: String,
    /// `X-Scope-OrgID` of every push.
    pub tenant: String,
    /// `basic (Secret <name>, keys <user>, <password>)`, `bearer token (...)` or `none`.
    pub auth: String,
    pub tls: String,
    /// The `cluster` label of every stream.
    pub cluster: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grafana {
    /// `Loki (uid loki) in monitoring`.
    pub datasource: Option<String>,
    /// ConfigMap names.
    pub dashboards: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Monitoring {
    pub service_monitors: Vec<String>,
    pub prometheus_rule: Option<String>,
    pub alerts: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    /// `kubernetes`, `cilium` or `none`.
    pub policies: &'static str,
    pub count: usize,
}

fn names_of<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some(kind))
        .collect()
}

fn name(o: &Value) -> String {
    o.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn storage(c: &Central) -> Storage {
    let auth = &c.storage.auth;
    let (credentials, credentials_detail) = match (&c.storage.backend, &auth.secret) {
        (Backend::Filesystem, _) => ("none", "none needed (filesystem)".to_owned()),
        (_, Some(s)) => (
            "secret",
            match &c.storage.backend {
                Backend::Gcs(_) => format!("Secret {} (key {})", s.name, s.key_file_key),
                _ => format!(
                    "Secret {} (keys {}, {})",
                    s.name, s.access_key_id_key, s.secret_access_key_key
                ),
            },
        ),
        _ if !auth.service_account_annotations.is_empty() => (
            "workloadIdentity",
            auth.service_account_annotations
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => (
            "node",
            "the node's own credentials (nothing configured)".to_owned(),
        ),
    };
    let (region, encryption) = match &c.storage.backend {
        Backend::S3(s3) => (
            s3.region.clone(),
            s3.sse.as_ref().map(|sse| match &sse.kms_key_id {
                Some(k) => format!("SSE-KMS ({k})"),
                None => "SSE-S3".to_owned(),
            }),
        ),
        _ => (None, None),
    };
    Storage {
        backend: c.storage.backend.loki_name(),
        store: c.storage.backend.store_id(),
        region,
        encryption,
        credentials,
        credentials_detail,
        migration: c.storage.migration.as_ref().map(|m| Migration {
            from: m.from.clone(),
            old_logs: m.old_logs.as_str(),
        }),
    }
}

fn streams(ret: &crate::spec::resolved::Retention) -> Vec<StreamRetention> {
    ret.streams
        .iter()
        .map(|s| StreamRetention {
            selector: s.selector.clone(),
            period: s.period.as_str().to_owned(),
            priority: s.priority,
        })
        .collect()
}

fn collection(r: &Resolved) -> Collection {
    let c = &r.collector;
    let mut builtin: Vec<String> = Vec::new();
    let mut custom: Vec<String> = Vec::new();
    for rule in &c.redaction {
        match rule.name.split_once('/') {
            Some((set, _)) => {
                if !builtin.iter().any(|b| b == set) {
                    builtin.push(set.to_owned());
                }
            }
            None => custom.push(rule.name.clone()),
        }
    }
    Collection {
        agent: match c.kind {
            crate::spec::collector::CollectorKind::Promtail => "Promtail",
            crate::spec::collector::CollectorKind::FluentBit => "FluentBit",
        },
        image: c.image.clone(),
        pods: true,
        exclude_namespaces: c.exclude_namespaces.clone(),
        opt_out_annotation: crate::spec::collector::OPT_OUT_ANNOTATION,
        multiline_rules: c.multiline.len(),
        talos_services: c.system_logs,
        audit_log: c.audit_logs,
        talos_receiver_port: c.receiver_port,
        extra_labels: c.extra_labels.clone(),
        structured_metadata: c.structured_metadata.clone(),
        redaction: Redaction {
            scope: match c.redaction_scope {
                RedactionScope::SensitiveNamespaces => "SensitiveNamespaces",
                RedactionScope::All => "All",
            },
            namespaces: c.sensitive_namespaces.clone(),
            builtin,
            custom_rules: custom,
        },
        delivery: super::delivery::delivery(r),
    }
}

fn access(r: &Resolved) -> Access {
    let auth = match r.gateway.as_ref().and_then(|g| g.auth.as_ref()) {
        Some(a) => format!("basic (Secret {}, user {})", a.secret_name, a.username),
        None => "none".to_owned(),
    };
    Access {
        url: r.loki_url(),
        push_url: r.push_url(),
        gateway: r.gateway.is_some(),
        auth,
        ingress: r.exposure.ingress.as_ref().map(|i| {
            let tls = i
                .tls_secret_name
                .as_ref()
                .map_or_else(String::new, |s| format!(", TLS from Secret {s}"));
            let class = i
                .class_name
                .as_ref()
                .map_or_else(String::new, |c| format!(", class {c}"));
            format!("https://{}{class}{tls}", i.host)
        }),
        http_route: r.exposure.http_route.as_ref().map(|h| {
            let parents: Vec<String> = h
                .parent_refs
                .iter()
                .map(|p| match &p.namespace {
                    Some(ns) => format!("{ns}/{}", p.name),
                    None => p.name.clone(),
                })
                .collect();
            format!("{} via {}", h.hostnames.join(", "), parents.join(", "))
        }),
    }
}

fn ships_to(r: &Resolved) -> Option<ShipsTo> {
    let remote = r.remote.as_ref()?;
    let t = crate::collection::target::target(r);
    Some(ShipsTo {
        push_url: t.url.clone(),
        tenant: remote.tenant_id.clone(),
        auth: match &remote.auth {
            None => "none".to_owned(),
            Some(RemoteAuth::Basic {
                secret,
                username_key,
                password_key,
            }) => format!("basic (Secret {secret}, keys {username_key}, {password_key})"),
            Some(RemoteAuth::BearerToken(k)) => {
                format!("bearer token (Secret {}, key {})", k.name, k.key)
            }
        },
        tls: match (remote.url.tls, &remote.ca) {
            (false, _) => "none (a Service of this cluster)".to_owned(),
            (true, None) => "verified against the system's roots".to_owned(),
            (true, Some(ca)) => format!(
                "verified against the CA in Secret {} (key {})",
                ca.name, ca.key
            ),
        },
        cluster: remote.cluster.clone(),
    })
}

fn alerts(rule: &Value) -> usize {
    rule.pointer("/spec/groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("rules").and_then(Value::as_array))
        .flatten()
        .filter(|r| r.get("alert").is_some())
        .count()
}

/// The summary of a resolved config and its rendered objects; `today` marks which
/// schema periods are in effect.
pub fn build(
    r: &Resolved,
    owner: &str,
    objects: &[Value],
    warnings: &[crate::diagnostic::Diagnostic],
    today: Option<Day>,
) -> Summary {
    let central = r.central.as_ref();
    let components = resources::components(objects);
    let totals = resources::totals(&components);
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for o in objects {
        let kind = o.get("kind").and_then(Value::as_str).unwrap_or_default();
        *by_kind.entry(kind.to_owned()).or_default() += 1;
    }
    let rule = names_of(objects, "PrometheusRule");
    let policies =
        names_of(objects, "NetworkPolicy").len() + names_of(objects, "CiliumNetworkPolicy").len();
    Summary {
        stack: Stack {
            name: r.name.clone(),
            owner: owner.to_owned(),
            profile: r.profile.as_str(),
            mode: central.map(|c| match c.mode {
                Mode::SingleBinary => "SingleBinary",
                Mode::SimpleScalable => "SimpleScalable",
                Mode::Distributed => "Distributed",
            }),
            size: central.map(|c| c.size.as_str()),
            namespace: r.namespace.clone(),
        },
        components,
        totals,
        storage: central.map(storage),
        schemas: central
            .iter()
            .flat_map(|c| c.schemas.iter().map(move |s| (c, s)))
            .map(|(c, s)| Schema {
                from: s.from.clone(),
                version: s.version.clone(),
                object_store: c.storage.backend.loki_name(),
                state: match (today, Day::parse(&s.from)) {
                    (Some(t), Ok(d)) if d <= t => "inEffect",
                    (Some(_), Ok(_)) => "future",
                    _ => "unknown",
                },
            })
            .collect(),
        retention: central.map(|c| Retention {
            period: c.retention.period.as_str().to_owned(),
            streams: streams(&c.retention),
            tenants: r
                .tenancy
                .tenants
                .iter()
                .filter_map(|t| {
                    let ret = t.retention.as_ref()?;
                    Some(TenantRetention {
                        tenant: t.id.clone(),
                        period: ret.period.as_str().to_owned(),
                        streams: streams(ret),
                    })
                })
                .collect(),
            compaction_interval: "10m",
            delete_delay: "2h",
        }),
        tenancy: Tenancy {
            enabled: r.tenancy.enabled,
            tenant_id: if r.tenancy.enabled {
                r.tenancy.tenant_id.clone()
            } else {
                "fake".to_owned()
            },
            tenants_with_overrides: r
                .tenancy
                .tenants
                .iter()
                .filter(|t| t.retention.is_some())
                .map(|t| t.id.clone())
                .collect(),
            expected_tenants: r
                .tenancy
                .tenants
                .iter()
                .filter(|t| t.id != r.tenancy.tenant_id)
                .map(|t| t.id.clone())
                .collect(),
        },
        collection: collection(r),
        access: access(r),
        ships_to: ships_to(r),
        grafana: Grafana {
            datasource: r
                .datasource
                .as_ref()
                .map(|d| format!("{} (uid {}) in {}", d.name, d.uid, d.namespace)),
            dashboards: r
                .dashboards
                .as_ref()
                .map(|_| {
                    names_of(objects, "ConfigMap")
                        .into_iter()
                        .filter(|o| name(o).starts_with("loki-grafana-dashboard-"))
                        .map(name)
                        .collect()
                })
                .unwrap_or_default(),
        },
        monitoring: Monitoring {
            service_monitors: names_of(objects, "ServiceMonitor")
                .into_iter()
                .map(name)
                .collect(),
            prometheus_rule: rule.first().map(|o| name(o)),
            alerts: rule.first().map_or(0, |o| alerts(o)),
        },
        network: Network {
            policies: match r.network.policies {
                PolicyKind::Kubernetes => "kubernetes",
                PolicyKind::Cilium => "cilium",
                PolicyKind::None => "none",
            },
            count: policies,
        },
        objects: by_kind,
        warnings: warnings.iter().map(ToString::to_string).collect(),
    }
}
