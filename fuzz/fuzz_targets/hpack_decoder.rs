//! cargo-fuzz target `hpack_decoder`; the logic is [`shockwave_fuzz::hpack::decoder`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::hpack::decoder(data));
