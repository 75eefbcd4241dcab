//! Promtail: its config (a Secret, `promtail.yaml`) and its container.

use k8s_openapi::api::core::v1::{Container, Secret, SecretVolumeSource, Volume};
use serde_json::Value;

use super::common::{
    PodParts, field_env, files, host_path, log_dir, secret_volumes, security_context,
};
use crate::config::promtail as cfg;
use crate::contract::{HTTP_METRICS, PROMTAIL};
use crate::render::labels;
use crate::render::meta::object_meta;
use crate::render::meta::to_value;
use crate::render::pod::{container_port, empty_dir, mount, requirements};
use crate::spec::Resolved;

pub fn config_file(r: &Resolved) -> Result<String, String> {
    let text = crate::yaml::to_string(&cfg::build(r))?;
    cfg::check_expand_env_safe(&text)?;
    Ok(text)
}

pub fn secret(r: &Resolved, config: &str) -> Secret {
    Secret {
        metadata: object_meta(
            PROMTAIL,
            Some(&r.namespace),
            labels::common(r, super::common::component(r)),
        ),
        type_: Some("Opaque".to_owned()),
        string_data: Some(files(&[(cfg::CONFIG_FILE, config)])),
        ..Secret::default()
    }
}

pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let config = config_file(r)?;
    let mut out = super::common::common_objects(r)?;
    out.push(to_value(&secret(r, &config))?);
    out.push(to_value(&super::common::daemon_set(
        r,
        pod_parts(r, config),
    ))?);
    Ok(out)
}

fn pod_parts(r: &Resolved, config: String) -> PodParts {
    let secrets = secret_volumes(&crate::collection::target::target(r), true);
    let container = Container {
        name: PROMTAIL.to_owned(),
        image: Some(r.collector.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            format!("-config.file={}/{}", cfg::CONFIG_DIR, cfg::CONFIG_FILE),
            // Only for ${HOSTNAME} in the pod discovery selector; see config::promtail.
            "-config.expand-env=true".to_owned(),
        ]),
        env: Some(vec![field_env(cfg::NODE_ENV, "spec.nodeName")]),
        ports: Some(vec![container_port(HTTP_METRICS, cfg::HTTP_PORT)]),
        readiness_probe: Some(super::common::readiness_probe("/ready", 10)),
        // Restart a wedged process; readiness (targets discovered) is a separate matter.
        liveness_probe: Some(super::common::liveness_probe()),
        resources: Some(requirements(&r.collector.resources)),
        security_context: Some(security_context(r)),
        volume_mounts: Some({
            let mut m = vec![
                mount("config", cfg::CONFIG_DIR, true),
                mount("logs", log_dir(r), true),
                mount("positions", cfg::POSITIONS_MOUNT, false),
                mount("tmp", "/tmp", false),
            ];
            for (v, dir) in &secrets {
                m.push(mount(&v.name, dir, true));
            }
            m
        }),
        ..Container::default()
    };

    let volumes = vec![
        Volume {
            name: "config".to_owned(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(PROMTAIL.to_owned()),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        },
        host_path("logs", log_dir(r), "Directory"),
        host_path("positions", &r.collector.positions_dir, "DirectoryOrCreate"),
        empty_dir("tmp"),
    ]
    .into_iter()
    .chain(secrets.into_iter().map(|(v, _)| v))
    .collect();
    PodParts {
        container,
        volumes,
        config,
        host_network: false,
    }
}
