//! cargo-fuzz target `chunked_body`; the logic is [`shockwave_fuzz::chunked_body`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::chunked_body(data));
