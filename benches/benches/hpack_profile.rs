//! A driver for profilers: runs one implementation's whole-corpus run a
//! number of times, nothing else, so `perf record` or
//! `valgrind --tool=callgrind` see only that code.
//!
//! `cargo bench -p shockwave-benches --bench hpack_profile -- IMPL OP [N]`
//! with IMPL one of shockwave, nghttp2, hpack, httlib and OP one of
//! huffman, plain (decoding) or encode; N runs (default 1).
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

use shockwave_benches::hpack::{
    Codec, DecodeRun, EncodeRun, HpackCrate, Httlib, Nghttp2, Shockwave,
};

fn run<C: Codec>(op: &str, n: usize) -> usize {
    let mut total = 0;
    for _ in 0..n {
        total += match op {
            "huffman" => DecodeRun::<C>::new("nghttp2").run(),
            "plain" => DecodeRun::<C>::new("swift-nio-hpack-plain-text").run(),
            "encode" => EncodeRun::<C>::new().run(),
            _ => panic!("OP is huffman, plain or encode"),
        };
    }
    total
}

fn main() {
    // `cargo bench` passes `--bench`; skip flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.len() < 2 {
        eprintln!("usage: hpack_profile IMPL OP [N]");
        return;
    }
    let n = args.get(2).map_or(1, |s| s.parse().expect("N is a number"));
    let total = match args[0].as_str() {
        "shockwave" => run::<Shockwave>(&args[1], n),
        "nghttp2" => run::<Nghttp2>(&args[1], n),
        "hpack" => run::<HpackCrate>(&args[1], n),
        "httlib" => run::<Httlib>(&args[1], n),
        _ => panic!("IMPL is shockwave, nghttp2, hpack or httlib"),
    };
    println!("{total}");
}
