//! Typed models of the configuration files the stack's programs read, so that a
//! misspelt key is a compile error instead of a pod in CrashLoopBackOff.

pub mod expand_env;
pub mod fluentbit;
pub mod grafana;
pub mod loki;
pub mod lua_regex;
pub mod nginx;
pub mod promtail;
