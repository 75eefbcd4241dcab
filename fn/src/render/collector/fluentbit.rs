//! Fluent Bit: its config (a ConfigMap: `fluent-bit.yaml` and the Lua filter
//! `pipeline.lua`; no secret is in either) and its container.

use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, EnvVar, EnvVarSource, SecretKeySelector, Volume,
};
use serde_json::Value;

use super::common::{PodParts, field_env, files, host_path, log_dir, name, security_context};
use crate::config::fluentbit as cfg;
use crate::contract::HTTP_METRICS;
use crate::render::labels;
use crate::render::meta::object_meta;
use crate::render::meta::to_value;
use crate::render::pod::{container_port, empty_dir, mount, requirements};
use crate::spec::Resolved;

/// `fluent-bit.yaml` and `pipeline.lua`.
pub fn config_files(r: &Resolved) -> Result<(String, String), String> {
    let text = crate::yaml::value_to_string(&cfg::build(r)?);
    cfg::check_env_safe(&text, &cfg::env_vars(r))?;
    Ok((text, cfg::script(r)?))
}

pub fn config_map(r: &Resolved, config: &str, lua: &str) -> ConfigMap {
    ConfigMap {
        metadata: object_meta(
            name(r),
            Some(&r.namespace),
            labels::common(r, super::common::component(r)),
        ),
        data: Some(files(&[(cfg::CONFIG_FILE, config), (cfg::LUA_FILE, lua)])),
        ..ConfigMap::default()
    }
}

pub fn objects(r: &Resolved) -> Result<Vec<Value>, String> {
    let (config, lua) = config_files(r)?;
    let mut out = super::common::common_objects(r)?;
    out.push(to_value(&config_map(r, &config, &lua))?);
    let hashed = format!("{config}\n{lua}");
    out.push(to_value(&super::common::daemon_set(
        r,
        pod_parts(r, hashed),
    ))?);
    Ok(out)
}

fn env(r: &Resolved) -> Vec<EnvVar> {
    // The `kubernetes` filter looks its own pod up by HOSTNAME at start: on the host
    // network that would be the node's name.
    let mut env = vec![
        field_env(cfg::NODE_ENV, "spec.nodeName"),
        field_env("HOSTNAME", "metadata.name"),
    ];
    if cfg::host_network(r) {
        env.push(field_env(cfg::POD_IP_ENV, "status.podIP"));
    }
    for (var, secret, key) in cfg::credential_env(&crate::collection::target::target(r)) {
        env.push(EnvVar {
            name: var.to_owned(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret,
                    key,
                    ..SecretKeySelector::default()
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        });
    }
    env
}

fn pod_parts(r: &Resolved, config: String) -> PodParts {
    // Credentials come as environment variables; only an agent's CA is a file.
    let secrets = super::common::secret_volumes(&crate::collection::target::target(r), false);
    let container = Container {
        name: name(r).to_owned(),
        image: Some(r.collector.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            "-c".to_owned(),
            format!("{}/{}", cfg::CONFIG_DIR, cfg::CONFIG_FILE),
        ]),
        env: Some(env(r)),
        ports: Some(vec![container_port(HTTP_METRICS, cfg::HTTP_PORT)]),
        // Up once its HTTP server answers. Not the health endpoint: that fails while
        // Loki is unreachable, and a collector waiting for Loki is still working.
        readiness_probe: Some(super::common::readiness_probe("/", 5)),
        liveness_probe: Some(super::common::liveness_probe()),
        resources: Some(requirements(&r.collector.resources)),
        security_context: Some(security_context(r)),
        volume_mounts: Some(
            [
                mount("config", cfg::CONFIG_DIR, true),
                mount("logs", log_dir(r), true),
                mount("positions", cfg::DATA_MOUNT, false),
                mount("tmp", "/tmp", false),
            ]
            .into_iter()
            .chain(secrets.iter().map(|(v, dir)| mount(&v.name, dir, true)))
            .collect(),
        ),
        ..Container::default()
    };
    let volumes = vec![
        Volume {
            name: "config".to_owned(),
            config_map: Some(ConfigMapVolumeSource {
                name: name(r).to_owned(),
                ..ConfigMapVolumeSource::default()
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
        host_network: cfg::host_network(r),
    }
}
