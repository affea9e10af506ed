//! RFC 7541 (HPACK) as seen through the connection (h2spec `hpack/2.3.3`,
//! `hpack/4.2`, `hpack/5.2`, `hpack/6.1`, `hpack/6.3`): every decoding error
//! is a connection error of type COMPRESSION_ERROR (RFC 9113 section 4.3), and
//! the RFC's own request examples decode across streams with one context.

use shockwave_proto::h2::{Config, ErrorCode};

use crate::peer::*;

/// Sends a valid request's pseudo-headers followed by `bad` as one block and
/// expects COMPRESSION_ERROR.
fn compression_error_after_fields(bad: &[u8]) {
    let mut block = get_block_with(&[]);
    block.extend_from_slice(bad);
    compression_error(&block);
}

/// Sends `block` as a request and expects a COMPRESSION_ERROR connection error.
fn compression_error(block: &[u8]) {
    let mut p = Peer::connected();
    p.send(&headers(1, block, true));
    assert!(!p.has_request(1));
    p.expect_connection_error(ErrorCode::COMPRESSION_ERROR);
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The regular fields and path of the request on `stream`.
fn request_of(p: &Peer, stream: u32) -> (Vec<u8>, OwnedFields) {
    match p.expect_request(stream) {
        Ev::Request { path, fields, .. } => (path.clone().unwrap(), fields.clone()),
        other => panic!("{other:?}"),
    }
}

/// RFC 7541 appendix C.3 (no Huffman) and C.4 (Huffman): three requests on one
/// connection share the dynamic table; the third refers to entries the first
/// two added.
#[test]
fn rfc7541_c3_c4_request_examples_decode_across_streams() {
    for blocks in [
        [
            "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "8286 84be 5808 6e6f 2d63 6163 6865",
            "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        ],
        [
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
            "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        ],
    ] {
        let mut p = Peer::connected();
        for (i, b) in blocks.iter().enumerate() {
            p.send(&headers(1 + 2 * i as u32, &hex(b), true));
        }
        assert_eq!(request_of(&p, 1), (b"/".to_vec(), vec![]));
        assert_eq!(
            request_of(&p, 3),
            (
                b"/".to_vec(),
                vec![(b"cache-control".to_vec(), b"no-cache".to_vec())]
            )
        );
        assert_eq!(
            request_of(&p, 5),
            (
                b"/index.html".to_vec(),
                vec![(b"custom-key".to_vec(), b"custom-value".to_vec())]
            )
        );
        p.assert_no_error();
    }
}

/// Requests encoded by the crate's encoder (indexing on) keep decoding over
/// many streams, the dynamic table evicting as it goes.
#[test]
fn rfc7541_4_encoder_and_decoder_stay_in_step_over_many_requests() {
    let mut p = Peer::connected();
    for i in 0..200u32 {
        let value = format!("value-{}", i % 37);
        let path = format!("/item/{i}");
        let block = p.request_block(
            b"GET",
            path.as_bytes(),
            &[(b"x-rotating", value.as_bytes())],
        );
        let stream = 1 + 2 * i;
        p.send(&headers(stream, &block, true));
        let (got_path, fields) = request_of(&p, stream);
        assert_eq!(got_path, path.as_bytes());
        assert_eq!(fields, vec![(b"x-rotating".to_vec(), value.into_bytes())]);
        p.respond(stream, None);
        let _ = p.take_response(stream);
    }
    p.assert_no_error();
}

/// h2spec hpack/2.3.3/1: an indexed field past the static and dynamic tables
/// (index 62 with an empty dynamic table) is a COMPRESSION_ERROR.
#[test]
fn rfc7541_2_3_3_indexed_field_past_the_tables_is_compression_error() {
    compression_error_after_fields(&[0x80 | 62]);
}

/// h2spec hpack/2.3.3/2: a literal whose name index is past the tables is a
/// COMPRESSION_ERROR.
#[test]
fn rfc7541_2_3_3_literal_name_index_past_the_tables_is_compression_error() {
    // Literal with incremental indexing, name index 62 (6-bit prefix), value "x".
    compression_error_after_fields(&[0x40 | 62, 0x01, b'x']);
    // Literal without indexing, name index 70 (4-bit prefix: 15 + 55).
    compression_error_after_fields(&[0x0f, 55, 0x01, b'x']);
}

/// h2spec hpack/4.2/1: a dynamic table size update above our
/// SETTINGS_HEADER_TABLE_SIZE is a COMPRESSION_ERROR (RFC 7541 section 6.3).
#[test]
fn rfc7541_4_2_table_size_update_above_the_setting_is_compression_error() {
    let limit = Config::default().header_table_size;
    let mut block = Vec::new();
    hpack_int(&mut block, 0x20, 5, u64::from(limit) + 1);
    block.extend(get_block_with(&[]));
    compression_error(&block);
}

/// A size update at the limit, or smaller, at the start of a block is fine.
#[test]
fn rfc7541_4_2_table_size_update_within_the_setting_is_accepted() {
    let mut p = Peer::connected();
    let limit = Config::default().header_table_size;
    let mut block = Vec::new();
    hpack_int(&mut block, 0x20, 5, 0);
    hpack_int(&mut block, 0x20, 5, u64::from(limit));
    block.extend(get_block_with(&[]));
    p.send(&headers(1, &block, true));
    p.expect_request(1);
}

/// h2spec hpack/6.3/1 (RFC 7541 section 4.2): a dynamic table size update
/// after a field representation is a COMPRESSION_ERROR.
#[test]
fn rfc7541_4_2_table_size_update_after_a_field_is_compression_error() {
    compression_error_after_fields(&[0x20]);
}

/// h2spec hpack/5.2/1: a Huffman string containing the EOS symbol is a
/// COMPRESSION_ERROR (RFC 7541 section 5.2).
#[test]
fn rfc7541_5_2_huffman_eos_is_compression_error() {
    // A literal name of four Huffman octets of ones: EOS (30 ones) inside.
    compression_error_after_fields(&[0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, b'x']);
}

/// h2spec hpack/5.2/2: Huffman padding longer than 7 bits is a COMPRESSION_ERROR.
#[test]
fn rfc7541_5_2_huffman_padding_over_7_bits_is_compression_error() {
    // 'a' is 00011 (5 bits); 11 bits of ones follow as padding.
    compression_error_after_fields(&[0x00, 0x01, b'x', 0x82, 0x1f, 0xff]);
}

/// h2spec hpack/5.2/3: Huffman padding that is not the most significant bits
/// of EOS (ones) is a COMPRESSION_ERROR.
#[test]
fn rfc7541_5_2_huffman_padding_of_zeros_is_compression_error() {
    // 'a' (00011) then 000 as padding.
    compression_error_after_fields(&[0x00, 0x01, b'x', 0x81, 0x18]);
}

/// Valid Huffman padding (ones, up to 7 bits) decodes: 'a' then 111.
#[test]
fn rfc7541_5_2_huffman_with_valid_padding_decodes() {
    let mut p = Peer::connected();
    let mut block = get_block_with(&[]);
    block.extend_from_slice(&[0x00, 0x01, b'x', 0x81, 0x1f]);
    p.send(&headers(1, &block, true));
    assert_eq!(request_of(&p, 1).1, vec![(b"x".to_vec(), b"a".to_vec())]);
}

/// h2spec hpack/6.1/1: the indexed field representation with index 0 is a
/// COMPRESSION_ERROR (RFC 7541 section 6.1).
#[test]
fn rfc7541_6_1_index_0_is_compression_error() {
    compression_error_after_fields(&[0x80]);
}

/// RFC 7541 section 5.1: an integer that does not fit is a decoding error,
/// not a wrap-around (a name index with ten continuation octets).
#[test]
fn rfc7541_5_1_integer_overflow_is_compression_error() {
    let mut bad = vec![0xff];
    bad.extend_from_slice(&[0xff; 10]);
    bad.push(0x01);
    compression_error_after_fields(&bad);
}

/// RFC 7541 section 5.2: a string longer than the block is a decoding error.
#[test]
fn rfc7541_5_2_string_past_the_block_is_compression_error() {
    compression_error_after_fields(&[0x00, 0x7f, 0x40, b'x']);
}

/// RFC 7541 section 6.2.3: a never-indexed literal decodes as a field and adds
/// nothing to the table (the next block's index 62 is then an error).
#[test]
fn rfc7541_6_2_3_never_indexed_literal_decodes_and_is_not_added() {
    let mut p = Peer::connected();
    let mut block = get_block_with(&[]);
    block.push(0x10);
    hpack_string(&mut block, b"authorization");
    hpack_string(&mut block, b"secret");
    p.send(&headers(1, &block, true));
    assert_eq!(
        request_of(&p, 1).1,
        vec![(b"authorization".to_vec(), b"secret".to_vec())]
    );
    let mut next = get_block_with(&[]);
    next.push(0x80 | 62);
    p.send(&headers(3, &next, true));
    p.expect_connection_error(ErrorCode::COMPRESSION_ERROR);
}
