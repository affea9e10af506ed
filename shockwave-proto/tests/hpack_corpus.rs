//! The hpack-test-case corpus: every implementation's blocks decoded by our
//! decoder to the expected lists, and our encoder's blocks for every story
//! decoded back, with the compression ratio next to nghttp2's.

mod hpack_support;

use hpack_support::{Story, corpus_or_skip, implementations, plain_len, raw_stories, stories};
use shockwave_proto::hpack::{Decoder, Encoder, HeaderList, HuffmanPolicy, IndexPolicy};

/// The fields of a decoded list as owned pairs.
fn owned(list: &HeaderList) -> Vec<(Vec<u8>, Vec<u8>)> {
    list.iter()
        .map(|f| (f.name.to_vec(), f.value.to_vec()))
        .collect()
}

/// A decoder for a story: the first case's table size, else 4096.
fn decoder_for(story: &Story) -> Decoder {
    Decoder::new(story.cases[0].header_table_size.unwrap_or(4096))
}

#[test]
fn every_implementation_decodes_to_the_expected_lists() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    let mut list = HeaderList::new(usize::MAX);
    let dirs = implementations(&corpus);
    assert!(dirs.len() >= 5, "{dirs:?}");
    for dir in dirs {
        let (mut blocks, mut fields) = (0, 0);
        for story in stories(&corpus, &dir) {
            let mut decoder = decoder_for(&story);
            for (i, case) in story.cases.iter().enumerate() {
                if let (Some(size), true) = (case.header_table_size, i > 0) {
                    decoder.set_max_table_size(size);
                }
                let wire = case
                    .wire
                    .as_ref()
                    .unwrap_or_else(|| panic!("{}: no wire", story.name));
                decoder
                    .decode(wire, &mut list)
                    .unwrap_or_else(|e| panic!("{} case {i}: {e}", story.name));
                assert_eq!(owned(&list), case.headers, "{} case {i}", story.name);
                blocks += 1;
                fields += list.len();
            }
        }
        println!("{dir}: {blocks} blocks, {fields} fields decoded");
        assert!(blocks > 0);
    }
}

/// Encodes every story with `encoder_for`, decodes it with our decoder,
/// checks the lists, and returns (wire octets, name+value octets). When
/// `sizes` is given, the table sizes of that implementation's stories are
/// acknowledged before the same cases.
fn round_trip(
    raw: &[Story],
    mut encoder_for: impl FnMut() -> Encoder,
    sizes: Option<&[Story]>,
) -> (usize, usize) {
    let mut list = HeaderList::new(usize::MAX);
    let mut block = Vec::new();
    let (mut wire, mut plain) = (0, 0);
    for (s, story) in raw.iter().enumerate() {
        let mut encoder = encoder_for();
        let mut decoder = Decoder::new(4096);
        for (i, case) in story.cases.iter().enumerate() {
            let size = sizes.and_then(|st| st.get(s)?.cases.get(i)?.header_table_size);
            if let Some(size) = size {
                decoder.set_max_table_size(size);
                encoder.set_max_table_size(size);
            }
            block.clear();
            encoder.encode(
                case.headers.iter().map(|(n, v)| (&n[..], &v[..])),
                &mut block,
            );
            decoder
                .decode(&block, &mut list)
                .unwrap_or_else(|e| panic!("{} case {i}: {e}", story.name));
            assert_eq!(owned(&list), case.headers, "{} case {i}", story.name);
            assert_eq!(decoder.table_size(), encoder.table_size());
            wire += block.len();
            plain += plain_len(&case.headers);
        }
    }
    (wire, plain)
}

#[test]
fn our_blocks_decode_back_with_every_policy() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    let raw = raw_stories(&corpus, "nghttp2");
    round_trip(&raw, Encoder::new, None);
    for huffman in [
        HuffmanPolicy::Never,
        HuffmanPolicy::Always,
        HuffmanPolicy::WhenShorter,
    ] {
        round_trip(
            &raw,
            || Encoder::with_policy(IndexPolicy::index_all(huffman)),
            None,
        );
    }
    let small = || {
        Encoder::with_policy(IndexPolicy {
            max_table_size: 256,
            ..IndexPolicy::default()
        })
    };
    round_trip(&raw, small, None);
    // The table size changes of nghttp2's change-table-size run.
    let changes = stories(&corpus, "nghttp2-change-table-size");
    let (wire, _) = round_trip(&raw[..changes.len()], Encoder::new, Some(&changes));
    assert!(wire > 0);
}

/// Wire octets over name+value octets of an implementation's stories.
fn ratio_of(corpus: &std::path::Path, dir: &str) -> (f64, usize, usize) {
    let (mut wire, mut plain) = (0, 0);
    for story in stories(corpus, dir) {
        for case in &story.cases {
            wire += case.wire.as_ref().map_or(0, Vec::len);
            plain += plain_len(&case.headers);
        }
    }
    (wire as f64 / plain as f64, wire, plain)
}

#[test]
fn compression_ratio_next_to_nghttp2() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    let raw = raw_stories(&corpus, "nghttp2");
    let (wire, plain) = round_trip(&raw, Encoder::new, None);
    let ours = wire as f64 / plain as f64;
    let (theirs, their_wire, their_plain) = ratio_of(&corpus, "nghttp2");
    println!(
        "compression ratio (wire / name+value octets): shockwave {ours:.4} ({wire} / {plain}), \
         nghttp2 {theirs:.4} ({their_wire} / {their_plain}), shockwave/nghttp2 {:.3}",
        ours / theirs
    );
    for dir in implementations(&corpus) {
        let (r, _, _) = ratio_of(&corpus, &dir);
        println!("  {dir}: {r:.4}");
    }
    assert_eq!(
        plain, their_plain,
        "raw-data and nghttp2 hold the same headers"
    );
    assert!(
        ours <= theirs,
        "our ratio {ours:.4} is worse than nghttp2's {theirs:.4}"
    );
}
