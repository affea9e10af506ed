//! cargo-fuzz target `ws_inflate`; the logic is [`shockwave_fuzz::ws::ws_inflate`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::ws::ws_inflate(data));
