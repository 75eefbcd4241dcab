//! Per mode and backend: the one Loki config holds what every component of the stack
//! needs (ring, storage, schema, compactor, addresses), and the workloads pass the
//! right flags and credentials.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::Value;

use crate::spec::Resolved;
use crate::spec::resolved::Part;

fn resolve(spec: &str) -> Resolved {
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{spec}"
    ))
    .unwrap();
    crate::spec::parse(&doc).unwrap_or_else(|e| panic!("{e:?}"))
}

fn config(r: &Resolved) -> Value {
    let text = crate::yaml::to_string(&super::build_resolved(r)).unwrap();
    crate::yaml::from_str(&text).unwrap()
}

const S3: &str = "    s3: {bucket: example-loki-chunks, region: eu-west-1}\n";
const GCS: &str = "    gcs: {bucket: example-loki-chunks}\n";

fn cloud(mode: &str, backend: &str) -> Resolved {
    resolve(&format!(
        "  profile: cloud\n  mode: {mode}\n  retention: {{period: 7d}}\n  storage:\n{backend}"
    ))
}

fn at<'a>(c: &'a Value, path: &str) -> &'a Value {
    c.pointer(path)
        .unwrap_or_else(|| panic!("{path} missing in\n{c:#}"))
}

/// What each Loki target reads from the config, as JSON pointers and expected values.
fn needs(part: Part, backend: &str, mode: &str) -> Vec<(&'static str, String)> {
    let ns = "logging.svc.cluster.local";
    let (scheduler, index_gw, compactor) = if mode == "Distributed" {
        (
            "loki-query-scheduler-headless",
            "loki-index-gateway-headless",
            "loki-compactor",
        )
    } else {
        (
            "loki-backend-headless",
            "loki-backend-headless",
            "loki-backend",
        )
    };
    let ring = vec![
        ("/common/ring/kvstore/store", "memberlist".to_owned()),
        (
            "/memberlist/join_members/0",
            format!("loki-memberlist.{ns}:7946"),
        ),
    ];
    let storage = vec![
        ("/schema_config/configs/0/object_store", backend.to_owned()),
        ("/schema_config/configs/0/store", "tsdb".to_owned()),
        ("/schema_config/configs/0/schema", "v13".to_owned()),
    ];
    let index_client = vec![(
        "/storage_config/tsdb_shipper/index_gateway_client/server_address",
        format!("dns+{index_gw}.{ns}:9095"),
    )];
    let scheduler_addr = format!("{scheduler}.{ns}:9095");
    let mut out: Vec<(&'static str, String)> = Vec::new();
    match part {
        Part::Distributor => {
            out.extend(ring);
            out.push(("/common/replication_factor", "3".to_owned()));
        }
        Part::Ingester | Part::Write => {
            out.extend(ring);
            out.extend(storage);
            out.push(("/ingester/wal/dir", "/var/loki/wal".to_owned()));
            out.push(("/ingester/wal/flush_on_shutdown", "true".to_owned()));
            out.push(("/common/replication_factor", "3".to_owned()));
        }
        Part::Querier | Part::Read => {
            out.extend(ring);
            out.extend(storage);
            out.extend(index_client);
            out.push(("/frontend_worker/scheduler_address", scheduler_addr));
        }
        Part::QueryFrontend => {
            out.push(("/frontend/scheduler_address", scheduler_addr));
            out.push((
                "/frontend/tail_proxy_url",
                format!(
                    "http://{}.{ns}:3100",
                    if mode == "Distributed" {
                        "loki-querier"
                    } else {
                        "loki-read"
                    }
                ),
            ));
        }
        Part::QueryScheduler => out.extend(ring),
        Part::Compactor | Part::Backend => {
            out.extend(ring);
            out.extend(storage);
            out.push(("/compactor/retention_enabled", "true".to_owned()));
            out.push(("/compactor/delete_request_store", backend.to_owned()));
            out.push(("/limits_config/retention_period", "7d".to_owned()));
        }
        Part::IndexGateway => {
            out.extend(ring);
            out.extend(storage);
            out.push(("/index_gateway/mode", "simple".to_owned()));
        }
        _ => {}
    }
    // Everyone that deletes or caches generations finds the compactor.
    out.push((
        "/common/compactor_grpc_address",
        format!("{compactor}.{ns}:9095"),
    ));
    out.push(("/auth_enabled", "true".to_owned()));
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn every_component_finds_what_it_needs_per_mode_and_backend() {
    for mode in ["Distributed", "SimpleScalable"] {
        for (backend, block) in [("s3", S3), ("gcs", GCS)] {
            let r = cloud(mode, block);
            let c = config(&r);
            let targets: Vec<Part> = r
                .components
                .keys()
                .copied()
                .filter(|p| p.loki_target().is_some())
                .collect();
            assert!(targets.len() >= 3, "{mode}: {targets:?}");
            for part in targets {
                for (path, want) in needs(part, backend, mode) {
                    assert_eq!(
                        text(at(&c, path)),
                        want,
                        "{mode}/{backend}: {} needs {path}",
                        part.role()
                    );
                }
            }
            assert!(c.pointer(&format!("/common/storage/{backend}")).is_some());
            assert!(c.pointer("/common/storage/filesystem").is_none());
            assert!(
                c.pointer("/common/instance_addr").is_none(),
                "pods advertise their own IP"
            );
        }
    }
}

#[test]
fn single_binary_keeps_an_in_memory_ring_on_the_filesystem() {
    let r = resolve("  profile: local\n  retention: {period: 72h}\n");
    let c = config(&r);
    assert_eq!(text(at(&c, "/common/ring/kvstore/store")), "inmemory");
    assert!(c.get("memberlist").is_none());
    assert!(c.get("frontend").is_none());
    assert_eq!(
        text(at(&c, "/compactor/delete_request_store")),
        "filesystem"
    );
    assert_eq!(text(at(&c, "/auth_enabled")), "false");
}

#[test]
fn s3_keys_from_a_secret_are_expanded_from_the_environment_only() {
    let r = resolve(
        "  profile: cloud\n  retention: {period: 7d}\n  storage:\n    s3: {bucket: b-b-b, region: eu-west-1}\n    auth: {secretRef: {name: loki-s3}}\n",
    );
    assert!(super::needs_expand_env(&r));
    let files = crate::render::loki::files(&r).unwrap();
    assert!(files.config.contains("access_key_id: ${AWS_ACCESS_KEY_ID}"));
    assert!(
        files
            .config
            .contains("secret_access_key: ${AWS_SECRET_ACCESS_KEY}")
    );
    let objects = crate::render::render(&r).unwrap();
    let ingester = objects
        .iter()
        .find(|o| o["metadata"]["name"] == "loki-ingester" && o["kind"] == "StatefulSet")
        .unwrap();
    let container = &ingester["spec"]["template"]["spec"]["containers"][0];
    let args = container["args"].to_string();
    assert!(args.contains("-config.expand-env=true"), "{args}");
    let env = container["env"].as_array().unwrap();
    assert_eq!(env[0]["name"], "AWS_ACCESS_KEY_ID");
    assert_eq!(env[0]["valueFrom"]["secretKeyRef"]["name"], "loki-s3");
    assert_eq!(
        env[1]["valueFrom"]["secretKeyRef"]["key"],
        "AWS_SECRET_ACCESS_KEY"
    );

    // A value that expand-env would mangle is refused at its field (spec::resolve), and
    // the rendered file is checked whole again.
    let doc: Value = crate::yaml::from_str(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec:\n  profile: cloud\n  retention:\n    period: 7d\n    streams: [{selector: '{app=~\"a$\"}', period: 1d}]\n  storage:\n    s3: {bucket: b-b-b, region: eu-west-1}\n    auth: {secretRef: {name: loki-s3}}\n",
    )
    .unwrap();
    let errors = crate::spec::parse(&doc).unwrap_err();
    assert_eq!(
        errors[0].field.as_deref(),
        Some("spec.retention.streams[0].selector"),
        "{errors:?}"
    );
    assert!(errors[0].message.contains("expand"), "{errors:?}");
    let mut bad = r.clone();
    bad.central
        .as_mut()
        .unwrap()
        .retention
        .streams
        .push(crate::spec::resolved::StreamRetention {
            selector: "{app=~\"a$\"}".to_owned(),
            period: crate::spec::duration::Duration::parse("1d").unwrap(),
            priority: 1,
        });
    let err = crate::render::loki::files(&bad).unwrap_err();
    assert!(err.contains("expand"), "{err}");
    // Without Secret keys there is no expansion, and the same selector is fine.
    let ok = resolve(
        "  profile: cloud\n  retention:\n    period: 7d\n    streams: [{selector: '{app=~\"a$\"}', period: 1d}]\n  storage:\n    s3: {bucket: b-b-b, region: eu-west-1}\n",
    );
    assert!(crate::render::loki::files(&ok).is_ok());
}

#[test]
fn gcs_key_file_is_mounted_and_named_by_the_environment() {
    let r = resolve(
        "  profile: cloud\n  retention: {period: 7d}\n  storage:\n    gcs: {bucket: b-b-b}\n    auth: {secretRef: {name: loki-gcs, keyFileKey: sa.json}}\n",
    );
    assert!(!super::needs_expand_env(&r));
    let objects = crate::render::render(&r).unwrap();
    let querier = objects
        .iter()
        .find(|o| o["metadata"]["name"] == "loki-querier" && o["kind"] == "Deployment")
        .unwrap();
    let pod = &querier["spec"]["template"]["spec"];
    let env = pod["containers"][0]["env"].as_array().unwrap();
    assert_eq!(env[0]["name"], "GOOGLE_APPLICATION_CREDENTIALS");
    assert_eq!(env[0]["value"], "/etc/loki/gcs/key.json");
    let vol = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "gcs-credentials")
        .unwrap();
    assert_eq!(vol["secret"]["secretName"], "loki-gcs");
    assert_eq!(vol["secret"]["items"][0]["key"], "sa.json");
}

#[test]
fn zones_give_one_ingester_stateful_set_per_zone() {
    let r = resolve(&format!(
        "  profile: cloud\n  retention: {{period: 7d}}\n  zones: [eu-west-1a, eu-west-1b, eu-west-1c]\n  storage:\n{S3}"
    ));
    let c = config(&r);
    assert_eq!(text(at(&c, "/common/ring/zone_awareness_enabled")), "true");
    let objects = crate::render::render(&r).unwrap();
    let zoned: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            o["kind"] == "StatefulSet"
                && o["metadata"]["labels"]["app.kubernetes.io/component"] == "ingester"
        })
        .collect();
    assert_eq!(zoned.len(), 3);
    for (i, (sts, zone)) in zoned
        .iter()
        .zip(["eu-west-1a", "eu-west-1b", "eu-west-1c"])
        .enumerate()
    {
        let key = format!("zone-{}", ['a', 'b', 'c'][i]);
        assert_eq!(sts["metadata"]["name"], format!("loki-ingester-{key}"));
        assert_eq!(sts["spec"]["replicas"], 1);
        assert_eq!(
            sts["spec"]["serviceName"],
            format!("loki-ingester-{key}-headless")
        );
        let pod = &sts["spec"]["template"]["spec"];
        assert!(
            pod["containers"][0]["args"]
                .to_string()
                .contains(&format!("-ingester.availability-zone={zone}"))
        );
        let term = &pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"][0]["matchExpressions"][0];
        assert_eq!(term["key"], "topology.kubernetes.io/zone");
        assert_eq!(term["values"][0], zone);
        assert_eq!(pod["terminationGracePeriodSeconds"], 300);
    }
    // One budget over all zones.
    let pdbs: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "PodDisruptionBudget" && o["metadata"]["name"] == "loki-ingester")
        .collect();
    assert_eq!(pdbs.len(), 1);
    assert!(
        pdbs[0]["spec"]["selector"]["matchLabels"]
            .get("lokistack.krm.dev/ingester-zone")
            .is_none()
    );
}

#[test]
fn caches_are_wired_when_on() {
    let r = resolve(&format!(
        "  profile: cloud\n  size: medium\n  retention: {{period: 7d}}\n  storage:\n{S3}"
    ));
    let c = config(&r);
    assert_eq!(
        text(at(
            &c,
            "/chunk_store_config/chunk_cache_config/memcached_client/addresses"
        )),
        "dnssrvnoa+_memcached-client._tcp.loki-chunks-cache.logging.svc.cluster.local"
    );
    assert_eq!(text(at(&c, "/query_range/cache_results")), "true");
    let small = cloud("Distributed", S3);
    assert!(
        config(&small).get("chunk_store_config").is_none(),
        "caches are off in small"
    );
}
