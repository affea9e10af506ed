//! cargo-fuzz target `h2_frame`; the logic is [`shockwave_fuzz::h2::frame`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shockwave_fuzz::h2::frame(data));
