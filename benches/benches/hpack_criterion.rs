//! Times (criterion): HPACK decoding and encoding over the hpack-test-case
//! corpus, Shockwave next to nghttp2, `hpack` and `httlib-hpack`.
//!
//! Groups: `hpack_decode_huffman` (the `nghttp2` directory's blocks, Huffman
//! coded), `hpack_decode_plain` (`swift-nio-hpack-plain-text`, no Huffman),
//! `hpack_encode` (`raw-data`'s header lists). One iteration is the whole
//! corpus; contexts are made per story in the untimed setup. Before timing,
//! every decoder is checked against the expected lists and every encoder's
//! output is decoded back, and the compression ratios and field counts are
//! printed as `hpack-info` lines for `benches/hpack.sh`.
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput};
use shockwave_benches::hpack::{
    Codec, HpackCrate, Httlib, Nghttp2, Shockwave, Story, check_decoder, checked_ratio, decode_all,
    decoders, encode_all, encoders, field_count, load,
};

/// Decoding sets: (group, corpus directory).
const DECODE_SETS: [(&str, &str); 2] = [
    ("hpack_decode_huffman", "nghttp2"),
    ("hpack_decode_plain", "swift-nio-hpack-plain-text"),
];

fn bench_decode<C: Codec>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    stories: &[Story],
) {
    if let Err(e) = check_decoder::<C>(stories) {
        println!("hpack-info skip {e}");
        return;
    }
    let mut scratch = C::Scratch::default();
    g.bench_function(C::NAME, |b| {
        b.iter_batched_ref(
            || decoders::<C>(stories),
            |d| decode_all::<C>(stories, d, &mut scratch),
            BatchSize::PerIteration,
        )
    });
}

fn bench_encode<C: Codec>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    stories: &[Story],
) {
    match checked_ratio::<C>(stories) {
        Ok(r) => println!("hpack-info ratio {} {r:.4}", C::NAME),
        Err(e) => {
            println!("hpack-info skip {e}");
            return;
        }
    }
    let mut scratch = C::Scratch::default();
    let mut out = Vec::new();
    g.bench_function(C::NAME, |b| {
        b.iter_batched_ref(
            || encoders::<C>(stories),
            |e| encode_all::<C>(stories, e, &mut scratch, &mut out),
            BatchSize::PerIteration,
        )
    });
}

fn hpack(c: &mut Criterion) {
    for (group, dir) in DECODE_SETS {
        let stories = load(dir);
        let fields = field_count(&stories);
        println!("hpack-info fields {group} {fields}");
        let mut g = c.benchmark_group(group);
        g.throughput(Throughput::Elements(fields as u64));
        bench_decode::<Shockwave>(&mut g, &stories);
        bench_decode::<Nghttp2>(&mut g, &stories);
        bench_decode::<HpackCrate>(&mut g, &stories);
        bench_decode::<Httlib>(&mut g, &stories);
        g.finish();
    }
    let stories = load("raw-data");
    let fields = field_count(&stories);
    println!("hpack-info fields hpack_encode {fields}");
    let mut g = c.benchmark_group("hpack_encode");
    g.throughput(Throughput::Elements(fields as u64));
    bench_encode::<Shockwave>(&mut g, &stories);
    bench_encode::<Nghttp2>(&mut g, &stories);
    bench_encode::<HpackCrate>(&mut g, &stories);
    bench_encode::<Httlib>(&mut g, &stories);
    g.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    hpack(&mut c);
    c.final_summary();
}
