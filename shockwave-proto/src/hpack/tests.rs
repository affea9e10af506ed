//! RFC 7541 appendix C, every decoding error with a hand-made block, and the
//! encoder-decoder round trip as a property.

use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::{
    DecodeError, Decoder, Encoder, Field, HeaderList, HuffmanPolicy, IndexPolicy, integer,
};
use crate::huffman::HuffmanError;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn pairs(list: &HeaderList) -> Vec<(&[u8], &[u8])> {
    list.iter().map(|f| (f.name, f.value)).collect()
}

fn as_bytes<'a>(h: &'a [(&'a str, &'a str)]) -> Vec<(&'a [u8], &'a [u8])> {
    h.iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect()
}

/// One example of appendix C.3 to C.6: the header list, the block without
/// Huffman coding (C.3, C.5) and with (C.4, C.6), and the dynamic table after
/// it (newest first), the same for both.
struct Example {
    headers: &'static [(&'static str, &'static str)],
    plain: &'static str,
    huffman: &'static str,
    table_size: usize,
    table: &'static [(&'static str, &'static str)],
}

/// The three requests (C.3/C.4) then the three responses (C.5/C.6), as the RFC prints them.
const EXAMPLES: &[Example] = &[
    // C.3.1 and C.4.1
    Example {
        headers: &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
        ],
        plain: "828684410f7777772e6578616d706c652e636f6d",
        huffman: "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        table_size: 57,
        table: &[(":authority", "www.example.com")],
    },
    // C.3.2 and C.4.2
    Example {
        headers: &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
            ("cache-control", "no-cache"),
        ],
        plain: "828684be58086e6f2d6361636865",
        huffman: "828684be5886a8eb10649cbf",
        table_size: 110,
        table: &[
            ("cache-control", "no-cache"),
            (":authority", "www.example.com"),
        ],
    },
    // C.3.3 and C.4.3
    Example {
        headers: &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/index.html"),
            (":authority", "www.example.com"),
            ("custom-key", "custom-value"),
        ],
        plain: "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
        huffman: "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
        table_size: 164,
        table: &[
            ("custom-key", "custom-value"),
            ("cache-control", "no-cache"),
            (":authority", "www.example.com"),
        ],
    },
    // C.5.1 and C.6.1
    Example {
        headers: &[
            (":status", "302"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("location", "https://www.example.com"),
        ],
        plain: "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        huffman: "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        table_size: 222,
        table: &[
            ("location", "https://www.example.com"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("cache-control", "private"),
            (":status", "302"),
        ],
    },
    // C.5.2 and C.6.2
    Example {
        headers: &[
            (":status", "307"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("location", "https://www.example.com"),
        ],
        plain: "4803333037c1c0bf",
        huffman: "4883640effc1c0bf",
        table_size: 222,
        table: &[
            (":status", "307"),
            ("location", "https://www.example.com"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("cache-control", "private"),
        ],
    },
    // C.5.3 and C.6.3
    Example {
        headers: &[
            (":status", "200"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
            ("location", "https://www.example.com"),
            ("content-encoding", "gzip"),
            (
                "set-cookie",
                "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            ),
        ],
        plain: "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
        huffman: "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
        table_size: 215,
        table: &[
            (
                "set-cookie",
                "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            ),
            ("content-encoding", "gzip"),
            ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
        ],
    },
];

/// Decodes a sequence of examples with one decoder, checking every list and
/// the dynamic table after each block.
fn decode_sequence(examples: &[Example], table_limit: usize, wire: fn(&Example) -> &str) {
    let mut decoder = Decoder::new(table_limit);
    let mut list = HeaderList::new(usize::MAX);
    for ex in examples {
        decoder.decode(&hex(wire(ex)), &mut list).unwrap();
        assert_eq!(pairs(&list), as_bytes(ex.headers), "{}", wire(ex));
        assert!(list.iter().all(|f| !f.sensitive));
        assert_eq!(decoder.table_size(), ex.table_size);
        let table: Vec<_> = (0..decoder.table_len())
            .map(|i| decoder.table().get(i).unwrap())
            .collect();
        assert_eq!(table, as_bytes(ex.table));
    }
}

/// Encodes a sequence of examples with one encoder indexing everything,
/// checking the blocks byte for byte.
fn encode_sequence(
    examples: &[Example],
    peer_table: usize,
    huffman: HuffmanPolicy,
    wire: fn(&Example) -> &str,
) {
    let mut encoder = Encoder::with_peer_table_size(IndexPolicy::index_all(huffman), peer_table);
    for ex in examples {
        let mut out = Vec::new();
        encoder.encode(as_bytes(ex.headers), &mut out);
        assert_eq!(out, hex(wire(ex)), "{:?}", ex.headers);
        assert_eq!(encoder.table_size(), ex.table_size);
    }
}

/// Both directions over one example sequence.
fn check_sequence(
    examples: &[Example],
    table: usize,
    huffman: HuffmanPolicy,
    wire: fn(&Example) -> &str,
) {
    decode_sequence(examples, table, wire);
    encode_sequence(examples, table, huffman, wire);
}

#[test]
fn c3_requests_without_huffman() {
    check_sequence(&EXAMPLES[0..3], 4096, HuffmanPolicy::Never, |e| e.plain);
}

#[test]
fn c4_requests_with_huffman() {
    check_sequence(&EXAMPLES[0..3], 4096, HuffmanPolicy::WhenShorter, |e| {
        e.huffman
    });
}

#[test]
fn c5_responses_without_huffman() {
    check_sequence(&EXAMPLES[3..6], 256, HuffmanPolicy::Never, |e| e.plain);
}

#[test]
fn c6_responses_with_huffman() {
    // C.6.2 codes "307" although that is no shorter.
    check_sequence(&EXAMPLES[3..6], 256, HuffmanPolicy::Always, |e| e.huffman);
}

#[test]
fn c2_field_representations() {
    let mut list = HeaderList::new(usize::MAX);
    // C.2.1: literal with indexing.
    let mut d = Decoder::new(4096);
    d.decode(
        &hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572"),
        &mut list,
    )
    .unwrap();
    assert_eq!(pairs(&list), [(&b"custom-key"[..], &b"custom-header"[..])]);
    assert_eq!(d.table_size(), 55);
    // C.2.2: literal without indexing.
    let mut d = Decoder::new(4096);
    d.decode(&hex("040c2f73616d706c652f70617468"), &mut list)
        .unwrap();
    assert_eq!(pairs(&list), [(&b":path"[..], &b"/sample/path"[..])]);
    assert_eq!(d.table_len(), 0);
    // C.2.3: literal never indexed.
    let mut d = Decoder::new(4096);
    d.decode(&hex("100870617373776f726406736563726574"), &mut list)
        .unwrap();
    assert_eq!(
        list.get(0),
        Some(Field {
            name: b"password",
            value: b"secret",
            sensitive: true
        })
    );
    assert_eq!(d.table_len(), 0);
    // C.2.4: indexed.
    let mut d = Decoder::new(4096);
    d.decode(&hex("82"), &mut list).unwrap();
    assert_eq!(pairs(&list), [(&b":method"[..], &b"GET"[..])]);
    assert_eq!(d.table_len(), 0);

    // The encoder writes C.2.3 for a never-indexed field.
    let mut e = Encoder::with_policy(IndexPolicy::index_all(HuffmanPolicy::Never));
    let mut out = Vec::new();
    e.encode_field_never_indexed(b"password", b"secret", &mut out);
    assert_eq!(out, hex("100870617373776f726406736563726574"));
    assert_eq!(e.table_size(), 0);
}

fn decode_err(decoder: &mut Decoder, block: &[u8]) -> DecodeError {
    let mut list = HeaderList::new(usize::MAX);
    decoder.decode(block, &mut list).unwrap_err()
}

fn size_update(size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    integer::encode(&mut out, 0x20, 5, size);
    out
}

#[test]
fn truncated_blocks() {
    for block in [
        &[0x41][..],         // literal, indexed name, no value
        &[0x41, 0x03, b'a'], // value shorter than its length
        &[0x40, 0x01],       // new name, missing octet
        &[0x00, 0x01, b'a'], // name without value
        &[0xff],             // index whose continuation is missing
        &[0x3f],             // size update whose continuation is missing
        &[0x10, 0x81],       // Huffman name missing
    ] {
        assert_eq!(
            decode_err(&mut Decoder::new(4096), block),
            DecodeError::Truncated,
            "{block:02x?}"
        );
    }
    // Every proper prefix of a valid block either decodes (it ends between
    // representations) or is truncated.
    let wire = hex(EXAMPLES[5].plain);
    let mut d = Decoder::new(4096);
    let mut list = HeaderList::new(usize::MAX);
    for k in 0..wire.len() {
        match Decoder::new(256).decode(&wire[..k], &mut list) {
            Ok(()) | Err(DecodeError::Truncated) | Err(DecodeError::InvalidIndex) => {}
            Err(e) => panic!("prefix {k}: {e:?}"),
        }
    }
    d.decode(&[], &mut list).unwrap();
    assert!(list.is_empty());
}

#[test]
fn integer_overflow() {
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode_err(&mut d, &[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        DecodeError::IntegerOverflow
    );
    assert_eq!(
        decode_err(&mut d, &[0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        DecodeError::IntegerOverflow
    );
}

#[test]
fn invalid_index() {
    let mut d = Decoder::new(4096);
    // Index 0 (RFC 7541 §6.1).
    assert_eq!(decode_err(&mut d, &[0x80]), DecodeError::InvalidIndex);
    // 62 with an empty dynamic table, as a field and as a name.
    assert_eq!(decode_err(&mut d, &[0xbe]), DecodeError::InvalidIndex);
    assert_eq!(decode_err(&mut d, &[0x7e, 0x00]), DecodeError::InvalidIndex);
    assert_eq!(
        decode_err(&mut d, &[0x0f, 0x2f, 0x00]),
        DecodeError::InvalidIndex
    );
    // After one insert, 62 is valid and 63 is not.
    let mut list = HeaderList::new(usize::MAX);
    d.decode(&[0x41, 0x01, b'a', 0xbe], &mut list).unwrap();
    assert_eq!(pairs(&list), [(&b":authority"[..], &b"a"[..]); 2]);
    assert_eq!(decode_err(&mut d, &[0xbf]), DecodeError::InvalidIndex);
}

#[test]
fn huffman_errors() {
    let mut d = Decoder::new(4096);
    // A Huffman name of one octet 0x00: '0' then three zero bits of padding.
    assert_eq!(
        decode_err(&mut d, &[0x00, 0x81, 0x00, 0x01, b'a']),
        DecodeError::Huffman(HuffmanError::InvalidPadding)
    );
    // A Huffman value holding EOS (30 ones, then two bits of padding).
    assert_eq!(
        decode_err(&mut d, &[0x01, 0x84, 0xff, 0xff, 0xff, 0xff]),
        DecodeError::Huffman(HuffmanError::Eos)
    );
    // A full octet of padding.
    assert_eq!(
        decode_err(&mut d, &[0x01, 0x82, 0x1f, 0xff]),
        DecodeError::Huffman(HuffmanError::InvalidPadding)
    );
}

#[test]
fn table_size_updates() {
    let mut list = HeaderList::new(usize::MAX);
    // Above the advertised limit.
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode_err(&mut d, &size_update(4097)),
        DecodeError::TableSizeUpdateTooLarge
    );
    // At the limit, and two in a row, are fine; the table follows.
    let mut block = size_update(0);
    block.extend(size_update(4096));
    block.extend([0x41, 0x01, b'a']);
    d.decode(&block, &mut list).unwrap();
    assert_eq!(d.table_len(), 1);
    d.decode(&size_update(0), &mut list).unwrap();
    assert_eq!((d.table_len(), d.table_max_size()), (0, 0));
    assert!(list.is_empty());
    // A third update, and one after a field.
    let mut three = size_update(10);
    three.extend(size_update(20));
    three.extend(size_update(30));
    assert_eq!(
        decode_err(&mut d, &three),
        DecodeError::TableSizeUpdateNotAtStart
    );
    let mut after = vec![0x82];
    after.extend(size_update(10));
    assert_eq!(
        decode_err(&mut Decoder::new(4096), &after),
        DecodeError::TableSizeUpdateNotAtStart
    );
}

#[test]
fn lowered_limit_requires_an_update() {
    let mut list = HeaderList::new(usize::MAX);
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    assert_eq!(
        decode_err(&mut d, &[0x82]),
        DecodeError::TableSizeUpdateMissing
    );

    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    assert_eq!(
        decode_err(&mut d, &size_update(101)),
        DecodeError::TableSizeUpdateTooLarge
    );
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    let mut block = size_update(100);
    block.push(0x82);
    d.decode(&block, &mut list).unwrap();
    // Satisfied once: the next block needs none.
    d.decode(&[0x82], &mut list).unwrap();

    // Down then up again before a block: the lowest must be signalled.
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    d.set_max_table_size(4096);
    let mut only_final = size_update(4096);
    only_final.push(0x82);
    assert_eq!(
        decode_err(&mut d, &only_final),
        DecodeError::TableSizeUpdateMissing
    );
    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    d.set_max_table_size(4096);
    let mut both = size_update(50);
    both.extend(size_update(4096));
    both.push(0x82);
    d.decode(&both, &mut list).unwrap();
    assert_eq!(d.table_max_size(), 4096);

    // A raised limit requires nothing and allows larger updates.
    let mut d = Decoder::new(4096);
    d.set_max_table_size(8192);
    d.decode(&[0x82], &mut list).unwrap();
    assert_eq!(d.table_max_size(), 4096);
    d.decode(&size_update(8192), &mut list).unwrap();
    assert_eq!(d.table_max_size(), 8192);
}

#[test]
fn string_too_long() {
    let mut d = Decoder::new(4096);
    d.set_max_string_len(3);
    let mut list = HeaderList::new(usize::MAX);
    d.decode(&[0x01, 0x03, b'a', b'b', b'c'], &mut list)
        .unwrap();
    assert_eq!(
        decode_err(&mut d, &[0x01, 0x04, b'a', b'b', b'c', b'd']),
        DecodeError::StringTooLong
    );
    assert_eq!(
        decode_err(&mut d, &[0x00, 0x04, b'a', b'b', b'c', b'd', 0x00]),
        DecodeError::StringTooLong
    );
    // A length far past the block is refused before anything is read.
    assert_eq!(
        decode_err(&mut d, &[0x01, 0x7f, 0xff, 0xff, 0x03]),
        DecodeError::StringTooLong
    );
}

#[test]
fn exceeded_list_keeps_the_table_in_step() {
    let mut d = Decoder::new(4096);
    let mut list = HeaderList::new(50);
    // Two indexed literals: the second is past the limit but still inserted.
    let block = [0x41, 0x01, b'a', 0x41, 0x01, b'b'];
    d.decode(&block, &mut list).unwrap();
    assert_eq!(pairs(&list), [(&b":authority"[..], &b"a"[..])]);
    assert!(list.exceeded());
    assert_eq!(list.list_size(), 2 * (10 + 1 + 32));
    assert_eq!(d.table_len(), 2);
    list.set_max_list_size(usize::MAX);
    d.decode(&[0xbe, 0xbf], &mut list).unwrap();
    assert_eq!(
        pairs(&list),
        [
            (&b":authority"[..], &b"b"[..]),
            (&b":authority"[..], &b"a"[..])
        ]
    );
    assert!(!list.exceeded());
}

#[test]
fn default_policy() {
    let mut e = Encoder::new();
    let mut d = Decoder::new(4096);
    let mut list = HeaderList::new(usize::MAX);
    let fields: [(&[u8], &[u8]); 7] = [
        (b"authorization", b"Bearer secret-token-value"),
        (b"cookie", b"sid=short"),
        (b"cookie", b"long-cookie-value-that-is-indexed"),
        (b":path", b"/search?q=1"),
        (b"content-length", b"1234"),
        (b"x-large", &[b'v'; 2000]),
        (b"user-agent", b"test"),
    ];
    let mut out = Vec::new();
    e.encode(fields, &mut out);
    d.decode(&out, &mut list).unwrap();
    assert_eq!(pairs(&list), fields);
    let sensitive: Vec<bool> = list.iter().map(|f| f.sensitive).collect();
    assert_eq!(sensitive, [true, true, false, false, false, false, false]);
    // Only the long cookie and user-agent went into the table.
    assert_eq!(d.table_len(), 2);
    assert_eq!(e.table_size(), d.table_size());
    // Sent again, those two are one octet each and the rest are literals.
    let mut again = Vec::new();
    e.encode(fields, &mut again);
    d.decode(&again, &mut list).unwrap();
    assert_eq!(pairs(&list), fields);
    let alone = |i: usize| {
        let mut v = Vec::new();
        Encoder::new().encode_field(fields[i].0, fields[i].1, &mut v);
        v.len()
    };
    assert_eq!(out.len(), (0..7).map(alone).sum::<usize>());
    assert_eq!(again.len(), out.len() - alone(2) - alone(6) + 2);
    // A field that is never indexed whatever the policy.
    let mut one = Vec::new();
    e.encode_field_never_indexed(b"user-agent", b"test", &mut one);
    assert_eq!(one[0], 0x1f); // never indexed, static name 58 (15 + 43)
    d.decode(&one, &mut list).unwrap();
    assert!(list.get(0).unwrap().sensitive);
}

#[test]
fn encoder_signals_table_size_changes() {
    let mut e = Encoder::new();
    let mut out = Vec::new();
    // No change: nothing owed.
    e.set_max_table_size(4096);
    e.begin_block(&mut out);
    assert!(out.is_empty());
    // Larger than our maximum: no change either.
    e.set_max_table_size(65536);
    e.begin_block(&mut out);
    assert!(out.is_empty());
    // Down, then up: the lowest then the final size.
    e.set_max_table_size(100);
    e.set_max_table_size(2000);
    e.begin_block(&mut out);
    let mut expected = size_update(100);
    expected.extend(size_update(2000));
    assert_eq!(out, expected);
    out.clear();
    e.begin_block(&mut out);
    assert!(out.is_empty());
    // A policy with a smaller table announces it in the first block.
    let mut small = Encoder::with_policy(IndexPolicy {
        max_table_size: 1000,
        ..IndexPolicy::default()
    });
    small.begin_block(&mut out);
    assert_eq!(out, size_update(1000));
}

/// One of `words`, or arbitrary octets of a length in `lens`.
fn word_or_any(
    words: &'static [&'static [u8]],
    lens: core::ops::Range<usize>,
) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::sample::select(words).prop_map(<[u8]>::to_vec),
        proptest::collection::vec(any::<u8>(), lens),
    ]
}

/// A field name from a small set (so names repeat and match) or arbitrary.
fn name() -> impl Strategy<Value = Vec<u8>> {
    const NAMES: &[&[u8]] = &[
        b":method",
        b":path",
        b":authority",
        b"cookie",
        b"authorization",
        b"content-length",
        b"x-custom",
        b"accept-encoding",
        b"set-cookie",
        b"etag",
    ];
    word_or_any(NAMES, 0..12)
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    const VALUES: &[&[u8]] = &[b"", b"GET", b"/", b"gzip, deflate", b"a", b"/index.html?x"];
    prop_oneof![
        word_or_any(VALUES, 0..40),
        proptest::collection::vec(any::<u8>(), 100..1500),
    ]
}

#[derive(Clone, Debug)]
struct Block {
    /// Settings changes applied before the block (0 to 3).
    resizes: Vec<usize>,
    /// Fields, each with whether it is sent never-indexed.
    fields: Vec<(Vec<u8>, Vec<u8>, bool)>,
}

fn block() -> impl Strategy<Value = Block> {
    (
        proptest::collection::vec(prop_oneof![0usize..300, 0usize..5000], 0..=3),
        proptest::collection::vec((name(), value(), proptest::bool::weighted(0.1)), 0..12),
    )
        .prop_map(|(resizes, fields)| Block { resizes, fields })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn encode_then_decode_is_identity(
        all in any::<bool>(),
        huffman in proptest::sample::select(&[HuffmanPolicy::WhenShorter, HuffmanPolicy::Never, HuffmanPolicy::Always][..]),
        blocks in proptest::collection::vec(block(), 1..12),
    ) {
        let mut policy = if all { IndexPolicy::index_all(huffman) } else { IndexPolicy::default() };
        policy.huffman = huffman;
        let mut e = Encoder::with_policy(policy);
        let mut d = Decoder::new(4096);
        let mut list = HeaderList::new(usize::MAX);
        let mut out = Vec::new();
        for b in &blocks {
            for &size in &b.resizes {
                // Our SETTINGS, acknowledged: the decoder's limit and the encoder's peer maximum.
                d.set_max_table_size(size);
                e.set_max_table_size(size);
            }
            out.clear();
            e.begin_block(&mut out);
            for (n, v, never) in &b.fields {
                if *never {
                    e.encode_field_never_indexed(n, v, &mut out);
                } else {
                    e.encode_field(n, v, &mut out);
                }
            }
            d.decode(&out, &mut list).unwrap();
            prop_assert_eq!(list.len(), b.fields.len());
            for (f, (n, v, never)) in list.iter().zip(&b.fields) {
                prop_assert_eq!(f.name, &n[..]);
                prop_assert_eq!(f.value, &v[..]);
                if *never {
                    prop_assert!(f.sensitive);
                }
            }
            prop_assert_eq!(d.table_size(), e.table_size());
        }
    }

    #[test]
    fn arbitrary_blocks_never_panic(limit in 0usize..5000, blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..6)) {
        let mut d = Decoder::new(limit);
        let mut list = HeaderList::new(200);
        for b in &blocks {
            if d.decode(b, &mut list).is_err() {
                break;
            }
            prop_assert!(d.table_size() <= d.table_max_size());
            prop_assert!(d.table_max_size() <= limit);
        }
    }
}
