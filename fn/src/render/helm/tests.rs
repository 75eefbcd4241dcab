//! The value mapping per mode and backend, and what HelmRelease output renders around it.
use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;

fn parse(name: &str, spec: &str) -> Result<crate::spec::Resolved, Vec<Diagnostic>> {
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: {name}}}\nspec:\n  output: HelmRelease\n{spec}"
    ))
    .unwrap();
    crate::spec::parse(&doc)
}

fn values(spec: &str) -> Value {
    super::values::values(&parse("loki", spec).unwrap()).unwrap()
}

const LOCAL: &str = "  profile: local\n  retention: {period: 72h}\n";
const CLOUD_BASE: &str = "  profile: cloud\n  retention: {period: 7d}\n";
const CLOUD: &str = "  profile: cloud\n  retention: {period: 7d}\n  storage: {s3: {bucket: b-b-b, region: eu-west-1}}\n";

fn replicas(v: &Value, key: &str) -> u64 {
    v[key]["replicas"].as_u64().unwrap()
}

#[test]
fn single_binary_on_filesystem() {
    let v = values(LOCAL);
    assert_eq!(v["deploymentMode"], "SingleBinary");
    assert_eq!(v["fullnameOverride"], "loki");
    assert_eq!(v["loki"]["storage"], json!({"type": "filesystem"}));
    assert_eq!(v["loki"]["auth_enabled"], false);
    assert_eq!(v["loki"]["commonConfig"]["replication_factor"], 1);
    assert_eq!(replicas(&v, "singleBinary"), 1);
    for (key, _) in super::values::LOKI_PARTS.iter().skip(1) {
        assert_eq!(replicas(&v, key), 0, "{key}");
    }
    let p = &v["singleBinary"]["persistence"];
    assert_eq!(p["size"], "10Gi");
    assert_eq!(
        (&p["whenDeleted"], &p["whenScaled"]),
        (&json!("Retain"), &json!("Retain"))
    );
    assert_eq!(v["gateway"]["enabled"], false);
    assert_eq!(v["chunksCache"]["enabled"], false);
    // Retention works: the compactor settings Loki needs to start with it.
    let c = &v["loki"]["compactor"];
    assert_eq!(c["retention_enabled"], true);
    assert_eq!(c["delete_request_store"], "filesystem");
    assert_eq!(v["loki"]["limits_config"]["retention_period"], "72h");
    assert_eq!(
        v["loki"]["schemaConfig"]["configs"][0]["from"],
        "2024-01-01"
    );
    assert_eq!(
        v["loki"]["schemaConfig"]["configs"][0]["object_store"],
        "filesystem"
    );
    for off in [
        "lokiCanary",
        "test",
        "minio",
        "networkPolicy",
        "memcachedExporter",
    ] {
        assert_eq!(v[off]["enabled"], false, "{off}");
    }
    for off in ["serviceMonitor", "rules", "alerts", "dashboards"] {
        assert_eq!(v["monitoring"][off]["enabled"], false, "{off}");
    }
    assert_eq!(v["sidecar"]["rules"]["enabled"], false);
}

#[test]
fn distributed_on_s3_with_workload_identity() {
    let v = values(&format!(
        "{CLOUD_BASE}  storage:\n    s3: {{bucket: b-b-b, region: eu-west-1, sse: {{type: SSE-KMS, kmsKeyId: alias/l}}}}\n    auth: {{serviceAccountAnnotations: {{eks.amazonaws.com/role-arn: 'arn:aws:iam::1:role/l'}}}}\n"
    ));
    assert_eq!(v["deploymentMode"], "Distributed");
    let s = &v["loki"]["storage"];
    assert_eq!(s["type"], "s3");
    assert_eq!(
        s["bucketNames"],
        json!({"chunks": "b-b-b", "ruler": "b-b-b", "admin": "b-b-b"})
    );
    assert_eq!(s["s3"]["region"], "eu-west-1");
    assert_eq!(
        s["s3"]["sse"],
        json!({"type": "SSE-KMS", "kms_key_id": "alias/l"})
    );
    assert_eq!(
        v["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::1:role/l"
    );
    assert!(v["defaults"].get("extraEnv").is_none());
    assert_eq!(v["loki"]["auth_enabled"], true);
    assert_eq!(v["loki"]["commonConfig"]["replication_factor"], 3);
    assert_eq!(replicas(&v, "ingester"), 3);
    assert_eq!(replicas(&v, "compactor"), 1);
    assert_eq!(replicas(&v, "ruler"), 0);
    assert_eq!(v["ruler"]["enabled"], false);
    for key in ["singleBinary", "write", "read", "backend"] {
        assert_eq!(replicas(&v, key), 0, "{key}");
    }
    assert_eq!(v["ingester"]["persistence"]["claims"][0]["size"], "10Gi");
    assert_eq!(v["ingester"]["zoneAwareReplication"]["enabled"], false);
    assert_eq!(v["distributor"]["podDisruptionBudget"]["maxUnavailable"], 1);
    assert_eq!(v["gateway"]["enabled"], true);
    assert_eq!(v["gateway"]["basicAuth"]["enabled"], false);
    assert_eq!(
        v["gateway"]["image"]["repository"],
        "nginxinc/nginx-unprivileged"
    );
}

#[test]
fn secrets_zones_caches_ruler_and_gateway_auth() {
    let v = values(&format!(
        "{CLOUD_BASE}  storage:\n    s3: {{bucket: b-b-b, endpoint: 'http://minio:9000'}}\n    auth: {{secretRef: {{name: s3, accessKeyIdKey: id}}}}\n  zones: [a, b, c]\n  size: medium\n  ruler: {{enabled: true, alertmanagerUrl: 'http://am:9093'}}\n  gateway: {{auth: {{basic: {{secretRef: {{name: gw}}}}}}}}\n"
    ));
    let env = &v["defaults"]["extraEnv"];
    assert_eq!(env[0]["name"], "AWS_ACCESS_KEY_ID");
    assert_eq!(
        env[0]["valueFrom"]["secretKeyRef"],
        json!({"name": "s3", "key": "id"})
    );
    assert_eq!(
        env[1]["valueFrom"]["secretKeyRef"]["key"],
        "AWS_SECRET_ACCESS_KEY"
    );
    assert_eq!(v["loki"]["storage"]["s3"]["endpoint"], "minio:9000");
    assert_eq!(v["loki"]["storage"]["s3"]["insecure"], true);
    let z = &v["ingester"]["zoneAwareReplication"];
    assert_eq!(z["enabled"], true);
    assert_eq!(
        z["zoneC"]["nodeSelector"]["topology.kubernetes.io/zone"],
        "c"
    );
    assert_eq!(v["chunksCache"]["enabled"], true);
    assert_eq!(v["chunksCache"]["allocatedMemory"], 2048);
    assert_eq!(v["resultsCache"]["allocatedMemory"], 512);
    assert_eq!(v["memcached"]["image"]["repository"], "library/memcached");
    assert_eq!(v["ruler"]["enabled"], true);
    assert!(replicas(&v, "ruler") >= 1);
    assert_eq!(
        v["loki"]["rulerConfig"]["alertmanager_url"],
        "http://am:9093"
    );
    let g = &v["gateway"];
    assert_eq!(
        g["basicAuth"],
        json!({"enabled": true, "existingSecret": "gw"})
    );
    assert_eq!(
        g["nginxConfig"]["locationSnippet"],
        "proxy_set_header X-Scope-OrgID $remote_user;"
    );
    assert_eq!(
        g["nginxConfig"]["resolver"],
        "kube-dns.kube-system.svc.cluster.local."
    );
}

#[test]
fn simple_scalable_on_gcs_with_a_key_file() {
    let v = values(
        "  profile: cloud\n  retention: {period: 7d}\n  mode: SimpleScalable\n  storage:\n    gcs: {bucket: g-g-g}\n    auth: {secretRef: {name: gcs, keyFileKey: sa.json}}\n  tenancy: {tenants: [{id: team-a, retention: {period: 30d}}]}\n",
    );
    assert_eq!(v["deploymentMode"], "SimpleScalable");
    for key in ["write", "read", "backend"] {
        assert!(replicas(&v, key) > 0, "{key}");
    }
    for key in ["singleBinary", "ingester", "distributor", "compactor"] {
        assert_eq!(replicas(&v, key), 0, "{key}");
    }
    assert_eq!(v["loki"]["storage"]["type"], "gcs");
    assert_eq!(v["loki"]["compactor"]["delete_request_store"], "gcs");
    assert_eq!(
        v["defaults"]["extraVolumes"][0]["secret"]["items"][0]["key"],
        "sa.json"
    );
    assert_eq!(
        v["defaults"]["extraEnv"][0]["value"],
        "/etc/loki/gcs/key.json"
    );
    assert_eq!(
        v["loki"]["runtimeConfig"]["overrides"]["team-a"]["retention_period"],
        "30d"
    );
}

#[test]
fn what_the_chart_cannot_express_is_refused_by_field() {
    let fields = |name: &str, spec: &str| -> Vec<String> {
        parse(name, spec)
            .unwrap_err()
            .iter()
            .map(|d| d.field.clone().unwrap_or_default())
            .collect()
    };
    assert!(
        fields(
            "loki",
            &format!("{CLOUD}  zones: [a, b]\n  replicationFactor: 2\n")
        )
        .contains(&"spec.zones".to_owned())
    );
    assert!(fields("loki", &format!(
        "{CLOUD}  gateway: {{auth: {{basic: {{secretRef: {{name: gw, htpasswdKey: users}}}}}}}}\n"
    ))
    .contains(&"spec.gateway.auth.basic.secretRef.htpasswdKey".to_owned()));
    assert!(fields("loki", &format!(
        "{CLOUD}  caches: {{chunks: {{enabled: true, image: 'memcached:1.6.40'}}, results: {{enabled: true}}}}\n"
    ))
    .contains(&"spec.caches.results.image".to_owned()));
    assert!(fields(&"a".repeat(39), LOCAL).contains(&"metadata.name".to_owned()));
    assert!(parse(&"a".repeat(38), LOCAL).is_ok());
    assert!(fields(
        "loki",
        "  profile: local\n  retention: {period: 72h, streams: [{selector: '{app=~\"x$\"}', period: 24h}]}\n"
    )
    .contains(&"spec.retention.streams[0].selector".to_owned()));
    // The same shapes render in Manifests output.
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{CLOUD}  zones: [a, b]\n  replicationFactor: 2\n"
    ))
    .unwrap();
    assert!(crate::spec::parse(&doc).is_ok());
}

#[test]
fn a_bad_output_names_the_field_and_the_values() {
    let doc: Value = crate::yaml::from_str(&format!(
        "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n{LOCAL}  output: HelmReleas\n"
    ))
    .unwrap();
    let e = crate::spec::parse(&doc).unwrap_err();
    let text = format!("{e:?}");
    assert!(text.contains("spec.output"), "{text}");
    assert!(text.contains("Manifests, HelmRelease"), "{text}");
    assert!(text.contains("did you mean \\\"HelmRelease\\\""), "{text}");
}

#[test]
fn the_stack_around_the_release_addresses_the_chart() {
    let r = parse("logs", &format!("{CLOUD}  namespace: obs\n")).unwrap();
    let objects = crate::render::render(&r).unwrap();
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    for gone in ["StatefulSet", "Deployment", "PodDisruptionBudget"] {
        assert!(!kinds.contains(&gone), "{gone}");
    }
    assert!(kinds.contains(&"HelmRelease") && kinds.contains(&"HelmRepository"));
    // Services: Promtail's only.
    let services: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Service").collect();
    assert_eq!(services.len(), 1);
    assert_eq!(
        r.push_url(),
        "http://logs-gateway.obs.svc.cluster.local/loki/api/v1/push"
    );
    assert_eq!(r.loki_url(), "http://logs-gateway.obs.svc.cluster.local");
    let release = objects.iter().find(|o| o["kind"] == "HelmRelease").unwrap();
    assert_eq!(release["spec"]["releaseName"], "logs");
    assert_eq!(release["spec"]["values"]["fullnameOverride"], "logs");
    assert_eq!(
        release["spec"]["chart"]["spec"]["version"],
        super::CHART_VERSION
    );
    // Without the gateway: the write and read paths.
    let r = parse("logs", &format!("{CLOUD}  gateway: {{enabled: false}}\n")).unwrap();
    assert_eq!(
        r.push_url(),
        "http://logs-distributor.logging.svc.cluster.local:3100/loki/api/v1/push"
    );
    assert_eq!(
        r.loki_url(),
        "http://logs-query-frontend.logging.svc.cluster.local:3100"
    );
    let r = parse("logs", LOCAL).unwrap();
    assert_eq!(r.loki_url(), "http://logs.logging.svc:3100");
}

#[test]
fn rendering_is_deterministic() {
    let r = parse(
        "loki",
        &format!("{CLOUD}  size: large\n  zones: [a, b, c]\n"),
    )
    .unwrap();
    assert_eq!(crate::render::render(&r), crate::render::render(&r));
}
