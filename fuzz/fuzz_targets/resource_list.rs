//! Any bytes as the KRM function's stdin (a ResourceList, YAML or JSON).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| e2e::fuzz::resource_list(data));
