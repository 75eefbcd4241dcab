//! Any bytes as a LokiStack file (`loki-stack-fn render -f`, the kustomize plugin).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| e2e::fuzz::config(data));
