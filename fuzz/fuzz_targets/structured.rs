//! Bytes as the choices of the config generator (tests/src/generate/): a valid config,
//! then mutations of it.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| e2e::fuzz::structured(data));
