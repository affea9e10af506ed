//! Instruction counts (iai-callgrind): HPACK decoding and encoding of the
//! whole hpack-test-case corpus, Shockwave next to nghttp2, `hpack` and
//! `httlib-hpack`. Loading the corpus and making the contexts happen in the
//! setup (the argument), so only the codec work is counted. `hpack.sh` divides
//! by the field counts the criterion harness prints.
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use shockwave_benches::hpack::{DecodeRun, EncodeRun, HpackCrate, Httlib, Nghttp2, Shockwave};

/// One benchmark function per implementation: Huffman and plain decoding
/// (`nghttp2` and `swift-nio-hpack-plain-text` blocks) and encoding.
macro_rules! codec_benches {
    ($decode:ident, $encode:ident, $codec:ty) => {
        #[library_benchmark]
        #[bench::huffman(DecodeRun::<$codec>::new("nghttp2"))]
        #[bench::plain(DecodeRun::<$codec>::new("swift-nio-hpack-plain-text"))]
        fn $decode(mut run: DecodeRun<$codec>) -> (usize, DecodeRun<$codec>) {
            (run.run(), run)
        }

        #[library_benchmark]
        #[bench::raw(EncodeRun::<$codec>::new())]
        fn $encode(mut run: EncodeRun<$codec>) -> (usize, EncodeRun<$codec>) {
            (run.run(), run)
        }
    };
}

codec_benches!(shockwave_decode, shockwave_encode, Shockwave);
codec_benches!(nghttp2_decode, nghttp2_encode, Nghttp2);
codec_benches!(hpack_decode, hpack_encode, HpackCrate);
codec_benches!(httlib_decode, httlib_encode, Httlib);

library_benchmark_group!(
    name = hpack;
    benchmarks = shockwave_decode, nghttp2_decode, hpack_decode, httlib_decode,
        shockwave_encode, nghttp2_encode, hpack_encode, httlib_encode
);
main!(library_benchmark_groups = hpack);
