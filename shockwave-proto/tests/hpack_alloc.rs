//! Zero allocations per header block in steady state: a counting global
//! allocator around decoding (Huffman-coded and plain blocks) and encoding
//! the whole corpus twice through one reused `HeaderList` and output `Vec`.
//! Decoders and encoders are made per story (a story is a connection), before
//! counting starts: what is measured is the per-block and per-field work.

mod hpack_support;

use hpack_support::{Story, corpus_or_skip, raw_stories, stories};
use shockwave_proto::hpack::{Decoder, Encoder, HeaderList};
use shockwave_testkit::{Counting, allocations_in, assert_counter_counts};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    assert_counter_counts();
}

/// One decoder per story, at the story's starting table size.
fn decoders(stories: &[Story]) -> Vec<Decoder> {
    stories
        .iter()
        .map(|s| Decoder::new(s.cases[0].header_table_size.unwrap_or(4096)))
        .collect()
}

/// Decodes every block of `stories`; returns the fields decoded.
fn decode_all(stories: &[Story], mut decoders: Vec<Decoder>, list: &mut HeaderList) -> usize {
    let mut fields = 0;
    for (story, decoder) in stories.iter().zip(&mut decoders) {
        for (i, case) in story.cases.iter().enumerate() {
            if let (Some(size), true) = (case.header_table_size, i > 0) {
                decoder.set_max_table_size(size);
            }
            decoder.decode(case.wire.as_ref().unwrap(), list).unwrap();
            fields += list.len();
        }
    }
    fields
}

/// Encodes every block of `stories` into `out` (cleared per block); returns
/// the wire octets.
fn encode_all(stories: &[Story], mut encoders: Vec<Encoder>, out: &mut Vec<u8>) -> usize {
    let mut wire = 0;
    for (story, encoder) in stories.iter().zip(&mut encoders) {
        for case in &story.cases {
            out.clear();
            encoder.encode(case.headers.iter().map(|(n, v)| (&n[..], &v[..])), out);
            wire += out.len();
        }
    }
    wire
}

#[test]
fn second_pass_allocates_nothing() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    let mut list = HeaderList::new(usize::MAX);
    // nghttp2's blocks are Huffman coded; swift-nio's plain-text ones are not;
    // nghttp2-change-table-size resizes the table mid-story.
    for dir in [
        "nghttp2",
        "swift-nio-hpack-plain-text",
        "nghttp2-change-table-size",
    ] {
        let stories = stories(&corpus, dir);
        let (first, second) = (decoders(&stories), decoders(&stories));
        let mut fields = 0;
        allocations_in(|| fields = decode_all(&stories, first, &mut list));
        let n = allocations_in(|| assert_eq!(decode_all(&stories, second, &mut list), fields));
        println!("{dir}: decoding {fields} fields the second time: {n} allocations");
        assert_eq!(n, 0, "{dir}: decoding allocated");
    }

    let raw = raw_stories(&corpus, "nghttp2");
    let encoders = || raw.iter().map(|_| Encoder::new()).collect::<Vec<_>>();
    let (first, second) = (encoders(), encoders());
    let mut out = Vec::new();
    let mut wire = 0;
    allocations_in(|| wire = encode_all(&raw, first, &mut out));
    let n = allocations_in(|| assert_eq!(encode_all(&raw, second, &mut out), wire));
    println!("encoding {wire} octets the second time: {n} allocations");
    assert_eq!(n, 0, "encoding allocated");
}
