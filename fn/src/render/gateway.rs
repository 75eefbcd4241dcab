//! The gateway: nginx in front of every Loki component, the stack's one HTTP entry
//! point (Promtail pushes and Grafana queries through it; Ingress/HTTPRoute expose only
//! it). It routes each API path to the component that serves it (see
//! `config::nginx`), and with basic auth on it checks passwords and, with tenancy,
//! makes the user the tenant.
//!
//! Pod Security "restricted": the nginx-unprivileged image runs as UID 101 on port
//! 8080 with a read-only root filesystem; it writes only to the /tmp emptyDir, and its
//! entrypoint's script directory is an empty emptyDir (the image's scripts would try
//! to rewrite files under /etc/nginx, which is the read-only ConfigMap here).
//!
//! The htpasswd Secret is mounted as a directory (not with subPath) because nginx
//! reads `auth_basic_user_file` on every request: a changed Secret takes effect when
//! the kubelet syncs the volume, without a restart.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, KeyToPath, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    SecretVolumeSource, Service, ServiceAccount, ServiceSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::labels::{self, Component};
use super::meta::to_value;
use super::meta::{annotate, checkov_skips, checksum, object_meta};
use super::pod::{
    config_map_volume, container_port, empty_dir, hardened_container, http_get, mount, placement,
    requirements, runtime_default_seccomp, service_port,
};
use crate::config::nginx as cfg;
use crate::contract::{GATEWAY, GATEWAY_HTTP, GATEWAY_SERVICE_PORT};
use crate::spec::Resolved;
use crate::spec::resolved::{BasicAuth, Gateway, Part};

/// The container's name (and `kubectl logs`' default).
pub const CONTAINER: &str = "nginx";
const CONFIG_VOLUME: &str = "config";
const TMP_VOLUME: &str = "tmp";
const ENTRYPOINT_VOLUME: &str = "docker-entrypoint-d-override";
const ENTRYPOINT_DIR: &str = "/docker-entrypoint.d";
const AUTH_VOLUME: &str = "auth";
/// Owner read and group read: the fsGroup (101) is nginx's group.
const SECRET_MODE: i32 = 0o440;

pub fn component(gw: &Gateway) -> Component<'_> {
    Component {
        app: GATEWAY,
        role: "gateway",
        image: Some(&gw.image),
    }
}

/// The gateway's objects: ServiceAccount, ConfigMap, Service and Deployment; none
/// without a gateway.
pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let Some(gw) = &r.gateway else {
        return Ok(Vec::new());
    };
    let conf = cfg::render(r, gw);
    Ok(vec![
        to_value(&service_account(r, gw))?,
        to_value(&config_map(r, gw, &conf))?,
        to_value(&service(r, gw))?,
        to_value(&deployment(r, gw, &conf)?)?,
    ])
}

/// Its own account, with no token: nginx never talks to the Kubernetes API.
pub fn service_account(r: &Resolved, gw: &Gateway) -> ServiceAccount {
    ServiceAccount {
        metadata: object_meta(
            GATEWAY,
            Some(&r.namespace),
            labels::common(r, component(gw)),
        ),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    }
}

pub fn config_map(r: &Resolved, gw: &Gateway, conf: &str) -> ConfigMap {
    ConfigMap {
        metadata: object_meta(
            GATEWAY,
            Some(&r.namespace),
            labels::common(r, component(gw)),
        ),
        data: Some(BTreeMap::from([(
            cfg::CONFIG_FILE.to_owned(),
            conf.to_owned(),
        )])),
        ..ConfigMap::default()
    }
}

/// ClusterIP on port 80: the in-cluster URL has no port. Never a LoadBalancer or
/// NodePort: exposure goes through an Ingress or HTTPRoute with TLS.
pub fn service(r: &Resolved, gw: &Gateway) -> Service {
    let mut l = labels::common(r, component(gw));
    // nginx has no metrics endpoint: keep ServiceMonitors off this Service.
    l.insert(
        "prometheus.io/service-monitor".to_owned(),
        "false".to_owned(),
    );
    Service {
        metadata: object_meta(GATEWAY, Some(&r.namespace), l),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            ports: Some(vec![service_port(GATEWAY_HTTP, GATEWAY_SERVICE_PORT)]),
            selector: Some(labels::selector(r, component(gw))),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// The htpasswd Secret, only its htpasswd key: the clients' plain password (the other
/// key) never reaches the gateway's filesystem.
fn auth_volume(a: &BasicAuth) -> Volume {
    Volume {
        name: AUTH_VOLUME.to_owned(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(a.secret_name.clone()),
            items: Some(vec![KeyToPath {
                key: a.htpasswd_key.clone(),
                path: a.htpasswd_key.clone(),
                ..KeyToPath::default()
            }]),
            default_mode: Some(SECRET_MODE),
            ..SecretVolumeSource::default()
        }),
        ..Volume::default()
    }
}

fn probe(initial_delay: i32, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(http_get(cfg::READY_PATH, GATEWAY_HTTP)),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(period),
        timeout_seconds: Some(2),
        success_threshold: Some(1),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

fn container(gw: &Gateway, resources: &crate::spec::resolved::Resources) -> Container {
    let mut mounts = vec![
        mount(CONFIG_VOLUME, cfg::CONFIG_DIR, true),
        mount(TMP_VOLUME, "/tmp", false),
        mount(ENTRYPOINT_VOLUME, ENTRYPOINT_DIR, false),
    ];
    if gw.auth.is_some() {
        mounts.push(mount(AUTH_VOLUME, cfg::SECRETS_DIR, true));
    }
    Container {
        name: CONTAINER.to_owned(),
        image: Some(gw.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        ports: Some(vec![container_port(GATEWAY_HTTP, cfg::LISTEN_PORT)]),
        readiness_probe: Some(probe(5, 10, 3)),
        // nginx answers /ready itself: failing it means nginx is wedged, not Loki.
        liveness_probe: Some(probe(10, 30, 5)),
        resources: Some(requirements(resources)),
        security_context: Some(hardened_container(cfg::UID)),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

pub fn deployment(r: &Resolved, gw: &Gateway, conf: &str) -> Result<Deployment, String> {
    let w = r
        .workload(Part::Gateway)
        .ok_or("internal error: the gateway is on but has no workload settings")?;
    let c = component(gw);
    let selector = labels::selector(r, c);
    let place = placement(w, &selector);

    let mut template_meta = ObjectMeta {
        labels: Some(labels::pod(r, c)),
        ..ObjectMeta::default()
    };
    annotate(
        &mut template_meta,
        &[
            ("checksum/config", checksum(conf)),
            (
                "kubectl.kubernetes.io/default-container",
                CONTAINER.to_owned(),
            ),
        ],
    );

    let mut volumes = vec![
        config_map_volume(CONFIG_VOLUME, GATEWAY),
        empty_dir(TMP_VOLUME),
        empty_dir(ENTRYPOINT_VOLUME),
    ];
    if let Some(a) = &gw.auth {
        volumes.push(auth_volume(a));
    }

    let mut meta = object_meta(GATEWAY, Some(&r.namespace), labels::common(r, c));
    let mut skips = vec![
        (
            "CKV_K8S_11",
            "no CPU limit on purpose: CFS throttling a proxy adds latency to every push and query; the CPU request reserves capacity",
        ),
        (
            "CKV_K8S_40",
            "UID 101 is the nginx-unprivileged image's own user, which owns its files; non-root, no capabilities, read-only root filesystem",
        ),
        (
            "CKV_K8S_43",
            "images are pinned by version tag in the LokiStack config; set spec.gateway.image to an @sha256 digest to pin by digest",
        ),
        (
            "CKV_K8S_15",
            "IfNotPresent on purpose: the image is pinned, and a restart must not depend on the registry being reachable",
        ),
    ];
    skips.extend(super::meta::checkov_skip(r));
    checkov_skips(&mut meta, &skips);

    Ok(Deployment {
        metadata: meta,
        spec: Some(DeploymentSpec {
            replicas: Some(
                i32::try_from(w.replicas)
                    .map_err(|_| format!("internal error: {} gateway replicas", w.replicas))?,
            ),
            selector: LabelSelector {
                match_labels: Some(selector),
                ..LabelSelector::default()
            },
            // One new pod before an old one goes: the entry point never loses capacity.
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            revision_history_limit: Some(10),
            template: PodTemplateSpec {
                metadata: Some(template_meta),
                spec: Some(PodSpec {
                    service_account_name: Some(GATEWAY.to_owned()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(PodSecurityContext {
                        fs_group: Some(cfg::UID),
                        run_as_group: Some(cfg::UID),
                        run_as_non_root: Some(true),
                        run_as_user: Some(cfg::UID),
                        seccomp_profile: Some(runtime_default_seccomp()),
                        ..PodSecurityContext::default()
                    }),
                    node_selector: place.node_selector,
                    tolerations: place.tolerations,
                    topology_spread_constraints: place.topology_spread_constraints,
                    termination_grace_period_seconds: Some(30),
                    containers: vec![container(gw, &w.resources)],
                    volumes: Some(volumes),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(spec: &str) -> Resolved {
        let text = format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: cloud\n  retention: {{period: 7d}}\n  storage: {{s3: {{bucket: example-loki-chunks, region: eu-west-1}}}}\n{spec}"
        );
        let doc: Value = crate::yaml::from_str(&text).unwrap();
        crate::spec::parse(&doc).unwrap_or_else(|e| panic!("{e:?}"))
    }

    const AUTH: &str = "  gateway: {auth: {basic: {secretRef: {name: loki-gateway-auth}}}}\n";

    fn find<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
        objects
            .iter()
            .find(|o| o["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    }

    #[test]
    fn no_gateway_no_objects() {
        let text = "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {name: loki}\nspec: {profile: local, retention: {period: 72h}}\n";
        let r = crate::spec::parse(&crate::yaml::from_str(text).unwrap()).unwrap();
        assert!(r.gateway.is_none());
        assert!(objects(&r).unwrap().is_empty());
    }

    #[test]
    fn objects_are_named_and_wired() {
        let r = resolve(AUTH);
        let objects = objects(&r).unwrap();
        let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            ["ServiceAccount", "ConfigMap", "Service", "Deployment"]
        );
        for o in &objects {
            assert_eq!(o["metadata"]["name"], GATEWAY);
            assert_eq!(o["metadata"]["namespace"], r.namespace.as_str());
        }
        assert_eq!(
            find(&objects, "ServiceAccount")["automountServiceAccountToken"],
            false
        );

        let conf = find(&objects, "ConfigMap")["data"]["nginx.conf"]
            .as_str()
            .unwrap();
        assert_eq!(conf, cfg::render(&r, r.gateway.as_ref().unwrap()));

        let svc = find(&objects, "Service");
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert_eq!(svc["spec"]["ports"][0]["port"], 80);
        assert_eq!(svc["spec"]["ports"][0]["name"], "http");
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], "http");
        assert_eq!(
            svc["metadata"]["labels"]["prometheus.io/service-monitor"],
            "false"
        );

        let d = find(&objects, "Deployment");
        let pod = &d["spec"]["template"];
        // The Service selects the pods, the Deployment owns them.
        for (k, v) in svc["spec"]["selector"].as_object().unwrap() {
            assert_eq!(&pod["metadata"]["labels"][k], v);
            assert_eq!(&d["spec"]["selector"]["matchLabels"][k], v);
        }
        assert_eq!(
            pod["metadata"]["annotations"]["checksum/config"],
            checksum(conf).as_str()
        );
        assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        let spec = &pod["spec"];
        assert_eq!(spec["enableServiceLinks"], false);
        assert_eq!(spec["automountServiceAccountToken"], false);
        assert_eq!(spec["serviceAccountName"], GATEWAY);
        assert_eq!(spec["securityContext"]["runAsUser"], 101);
        assert_eq!(spec["securityContext"]["fsGroup"], 101);
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
        assert_eq!(
            spec["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );

        let c = &spec["containers"][0];
        assert_eq!(c["name"], "nginx");
        assert!(c.get("args").is_none());
        assert_eq!(c["image"], r.gateway.as_ref().unwrap().image.as_str());
        assert_eq!(c["ports"][0]["containerPort"], 8080);
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(c["securityContext"]["runAsUser"], 101);
        for p in ["readinessProbe", "livenessProbe"] {
            assert_eq!(c[p]["httpGet"]["path"], "/ready");
            assert_eq!(c[p]["httpGet"]["port"], "http");
        }
        let mounts: Vec<(&str, &str)> = c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap(),
                    m["mountPath"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            mounts,
            [
                ("config", "/etc/nginx"),
                ("tmp", "/tmp"),
                ("docker-entrypoint-d-override", "/docker-entrypoint.d"),
                ("auth", "/etc/nginx/secrets"),
            ]
        );
        let auth = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "auth")
            .unwrap();
        assert_eq!(auth["secret"]["secretName"], "loki-gateway-auth");
        assert_eq!(
            auth["secret"]["items"],
            serde_json::json!([{"key": ".htpasswd", "path": ".htpasswd"}])
        );
        assert!(conf.contains("auth_basic_user_file /etc/nginx/secrets/.htpasswd;"));
    }

    #[test]
    fn without_auth_no_secret_is_mounted() {
        let r = resolve("");
        let objects = objects(&r).unwrap();
        let d = find(&objects, "Deployment");
        let text = serde_json::to_string(d).unwrap();
        assert!(!text.contains("\"secret\""), "{text}");
        assert!(!text.contains("/etc/nginx/secrets"));
    }

    #[test]
    fn workload_settings_apply() {
        let r = resolve("  components: {gateway: {replicas: 3}}\n");
        let objects = objects(&r).unwrap();
        let d = find(&objects, "Deployment");
        assert_eq!(d["spec"]["replicas"], 3);
        assert!(d["spec"]["template"]["spec"]["topologySpreadConstraints"].is_array());
        let res = &d["spec"]["template"]["spec"]["containers"][0]["resources"];
        assert!(res["requests"]["memory"].is_string(), "{res}");
    }

    #[test]
    fn checkov_skips_name_their_reason() {
        let r = resolve("");
        let objects = objects(&r).unwrap();
        let a = find(&objects, "Deployment")["metadata"]["annotations"]
            .as_object()
            .unwrap();
        let skips: Vec<&str> = a
            .iter()
            .filter(|(k, _)| k.starts_with("checkov.io/skip"))
            .map(|(_, v)| v.as_str().unwrap())
            .collect();
        assert_eq!(skips.len(), 4);
        for s in skips {
            assert_eq!(s.matches('=').count(), 1, "{s}");
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(objects(&resolve(AUTH)), objects(&resolve(AUTH)));
    }
}
