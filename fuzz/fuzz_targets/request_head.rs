//! cargo-fuzz target `request_head`; the logic is [`shockwave_fuzz::request_head`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::request_head(data));
