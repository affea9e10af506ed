//! cargo-fuzz target `h2_server_conn`; the logic is [`shockwave_fuzz::h2::server_conn`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::h2::server_conn(data));
