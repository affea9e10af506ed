//! cargo-fuzz target `h2_client_conn`; the logic is [`shockwave_fuzz::h2::client_conn`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::h2::client_conn(data));
