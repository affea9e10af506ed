//! cargo-fuzz target `ws_frame`; the logic is [`shockwave_fuzz::ws::ws_frame`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::ws::ws_frame(data));
