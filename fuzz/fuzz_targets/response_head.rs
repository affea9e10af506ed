//! cargo-fuzz target `response_head`; the logic is [`shockwave_fuzz::response_head`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::response_head(data));
