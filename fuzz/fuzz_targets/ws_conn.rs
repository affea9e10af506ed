//! cargo-fuzz target `ws_conn`; the logic is [`shockwave_fuzz::ws::ws_conn`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::ws::ws_conn(data));
