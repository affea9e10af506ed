//! cargo-fuzz target `server_conn`; the logic is [`shockwave_fuzz::server_conn`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::server_conn(data));
