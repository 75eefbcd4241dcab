//! The chart's own render rules (`templates/validate.yaml` of chart 18.x, and the
//! `required` calls of its storage helpers), as checks on the values this function
//! produces: a HelmRelease that Helm would refuse to render is an internal error here,
//! not a failed release in the cluster. Values not set are the chart's defaults (given
//! where a rule depends on them).

use serde_json::Value;

/// The chart's default replicas of the parts validate.yaml counts (values.yaml 18.11:
/// all 0 but the simple-scalable trio, 3 each).
const DEFAULT_REPLICAS: [(&str, u64); 12] = [
    ("singleBinary", 0),
    ("write", 3),
    ("read", 3),
    ("backend", 3),
    ("ingester", 0),
    ("distributor", 0),
    ("querier", 0),
    ("queryFrontend", 0),
    ("queryScheduler", 0),
    ("indexGateway", 0),
    ("compactor", 0),
    ("ruler", 0),
];

const OBJECT_STORES: [&str; 7] = ["s3", "gcs", "azure", "swift", "alibabacloud", "cos", "bos"];

fn replicas(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(|c| c.get("replicas"))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| {
            DEFAULT_REPLICAS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(0, |(_, n)| *n)
        })
}

fn flag(v: &Value, path: &str, default: bool) -> bool {
    v.pointer(path).and_then(Value::as_bool).unwrap_or(default)
}

fn non_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Object(m)) => !m.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// Every rule the chart would enforce on these values; the first broken one.
pub fn check(v: &Value) -> Result<(), String> {
    let fail = |rule: &str| {
        Err(format!(
            "internal error: the chart would refuse these values: {rule}"
        ))
    };
    if v.get("config").is_some() {
        return fail("top level 'config' is not allowed");
    }
    if !flag(v, "/lokiCanary/enabled", true) && flag(v, "/test/enabled", true) {
        return fail("Helm test requires the Loki Canary to be enabled");
    }
    if flag(v, "/minio/enabled", false) && !flag(v, "/ignoreMinioDeprecation", false) {
        return fail("the builtin MinIO is deprecated");
    }
    let storage = v
        .pointer("/loki/storage/type")
        .and_then(Value::as_str)
        .unwrap_or("s3");
    let filesystem = !OBJECT_STORES.contains(&storage);
    let mode = v
        .get("deploymentMode")
        .and_then(Value::as_str)
        .unwrap_or("Monolithic");
    let mono = replicas(v, "singleBinary");
    let scalable = ["backend", "read", "write"]
        .iter()
        .any(|k| replicas(v, k) > 0);
    let distributed = [
        "ingester",
        "distributor",
        "querier",
        "queryFrontend",
        "queryScheduler",
        "indexGateway",
        "compactor",
        "ruler",
    ]
    .iter()
    .any(|k| replicas(v, k) > 0);
    if filesystem && mono > 1 {
        return fail("more than 1 monolithic replica without an object storage backend");
    }
    if filesystem && mono == 0 && (scalable || distributed) {
        return fail("scalable or distributed targets without an object storage backend");
    }
    if scalable && distributed && mode != "SimpleScalable<->Distributed" {
        return fail("replicas for both the scalable and the distributed targets");
    }
    if mono > 0 && distributed {
        return fail("replicas for both the monolithic and the distributed targets");
    }
    if mono > 0
        && scalable
        && !matches!(
            mode,
            "Monolithic<->SimpleScalable" | "SingleBinary<->SimpleScalable"
        )
    {
        return fail("replicas for both the monolithic and the simple scalable targets");
    }
    let schema = non_empty(v.pointer("/loki/schemaConfig"))
        || non_empty(v.pointer("/loki/structuredConfig/schema_config"));
    let test_schema = flag(v, "/loki/useTestSchema", false);
    if schema && test_schema {
        return fail("loki.useTestSchema must be false if a schema is defined");
    }
    if !schema && !test_schema {
        return fail("a schema_config is required");
    }
    // The storage helpers: `required "Please define loki.storage.bucketNames.chunks"`,
    // and `.ruler` when the ruler is enabled (the chart's default).
    if !filesystem {
        if !non_empty(v.pointer("/loki/storage/bucketNames/chunks")) {
            return fail("loki.storage.bucketNames.chunks is required");
        }
        if flag(v, "/ruler/enabled", true)
            && !non_empty(v.pointer("/loki/storage/bucketNames/ruler"))
        {
            return fail("loki.storage.bucketNames.ruler is required");
        }
    }
    // Not in validate.yaml, but what this stack relies on: exactly the declared mode
    // runs (the chart renders the targets with replicas, whatever deploymentMode says).
    let runs = match (mono > 0, scalable, distributed) {
        (true, false, false) => "SingleBinary",
        (false, true, false) => "SimpleScalable",
        (false, false, true) => "Distributed",
        _ => "",
    };
    if runs != mode {
        return fail(&format!(
            "deploymentMode {mode} but the replicas run {}",
            if runs.is_empty() {
                "no single mode"
            } else {
                runs
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "deploymentMode": "SingleBinary",
            "loki": {"storage": {"type": "filesystem"}, "schemaConfig": {"configs": [{}]}},
            "singleBinary": {"replicas": 1},
            "write": {"replicas": 0}, "read": {"replicas": 0}, "backend": {"replicas": 0},
            "lokiCanary": {"enabled": false}, "test": {"enabled": false},
        })
    }

    fn set(mut v: Value, path: &str, x: Value) -> Value {
        *v.pointer_mut(path).unwrap() = x;
        v
    }

    #[test]
    fn each_rule_refuses_what_the_chart_refuses() {
        assert_eq!(check(&base()), Ok(()));
        let cases = [
            (
                set(base(), "/singleBinary/replicas", json!(2)),
                "more than 1 monolithic",
            ),
            (
                set(base(), "/write/replicas", json!(1)),
                "monolithic and the simple scalable",
            ),
            (set(base(), "/test/enabled", json!(true)), "Canary"),
            (
                set(base(), "/loki/schemaConfig", json!({})),
                "schema_config is required",
            ),
            (
                set(base(), "/deploymentMode", json!("Distributed")),
                "deploymentMode",
            ),
        ];
        for (values, want) in cases {
            let e = check(&values).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        let mut v = base();
        v["config"] = json!("x");
        assert!(check(&v).unwrap_err().contains("config"));
        // Object storage: buckets; a mode with nothing but the chart's SSD defaults.
        let s3 = set(base(), "/loki/storage", json!({"type": "s3"}));
        assert!(check(&s3).unwrap_err().contains("bucketNames.chunks"));
        let s3 = set(
            s3,
            "/loki/storage",
            json!({"type": "s3", "bucketNames": {"chunks": "b"}}),
        );
        assert!(check(&s3).unwrap_err().contains("bucketNames.ruler"));
        let mut ssd = s3;
        ssd["loki"]["storage"]["bucketNames"]["ruler"] = json!("b");
        ssd["singleBinary"]["replicas"] = json!(0);
        ssd.as_object_mut().unwrap().remove("write");
        ssd.as_object_mut().unwrap().remove("read");
        ssd.as_object_mut().unwrap().remove("backend");
        ssd["deploymentMode"] = json!("SimpleScalable");
        assert_eq!(check(&ssd), Ok(()));
        ssd["ingester"] = json!({"replicas": 3});
        assert!(
            check(&ssd)
                .unwrap_err()
                .contains("scalable and the distributed")
        );
        // Filesystem with scalable targets only.
        let mut fs = base();
        fs["singleBinary"]["replicas"] = json!(0);
        fs["write"]["replicas"] = json!(1);
        assert!(
            check(&fs)
                .unwrap_err()
                .contains("without an object storage")
        );
    }
}
