//! RFC 9113 section 4: frame format, frame size, field section compression
//! (h2spec `http2/4.1`, `http2/4.2`, `http2/4.3`).

use shockwave_proto::h2::{Config, ErrorCode, StreamId};

use crate::peer::*;

// --- 4.1 Frame Format --------------------------------------------------------

/// h2spec 4.1/1: a frame of unknown type is ignored (section 4.1, 5.5).
#[test]
fn s4_1_unknown_frame_type_is_ignored() {
    let mut p = Peer::connected();
    p.send(&frame(0x16, 0, 0, b"unknown"));
    p.send(&frame(0xff, 0xff, 1, &[0; 100]));
    p.assert_no_error();
    assert!(p.events.is_empty(), "{:?}", p.events);
}

/// h2spec 4.1/2: undefined flags are ignored: a PING with flags 0x16 (ACK not
/// set) is answered as a PING.
#[test]
fn s4_1_undefined_flags_are_ignored() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PING, 0x16, 0, b"flags\0\0\0"));
    let ack = p.take(|f| f.kind == ty::PING).expect("PING answered");
    assert_eq!(
        (ack.flags, ack.payload.as_slice()),
        (fl::ACK, &b"flags\0\0\0"[..])
    );
    p.assert_no_error();
}

/// h2spec 4.1/3: the reserved bit of the stream identifier is ignored on
/// receipt: a PING on stream 0 with the bit set is answered.
#[test]
fn s4_1_reserved_bit_is_ignored() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PING, 0, 0x8000_0000, b"reserved"));
    let ack = p.take(|f| f.kind == ty::PING).expect("PING answered");
    assert_eq!(ack.payload, b"reserved");
    assert_eq!(ack.stream, 0, "the reserved bit is sent as 0");
    p.assert_no_error();
}

/// The reserved bit on a request's stream identifier is dropped: the request
/// is on stream 1 and the response goes to stream 1 with the bit clear.
#[test]
fn s4_1_reserved_bit_on_a_request_stream_is_dropped() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(
        ty::HEADERS,
        fl::END_HEADERS | fl::END_STREAM,
        0x8000_0001,
        &block,
    ));
    p.expect_request(1);
    p.respond(1, None);
    let response = p.take_response(1);
    assert_eq!(response.status, 200);
}

// --- 4.2 Frame Size ------------------------------------------------------------

/// h2spec 4.2/1: a DATA frame of SETTINGS_MAX_FRAME_SIZE (16,384) octets is accepted.
#[test]
fn s4_2_data_of_max_frame_size_is_accepted() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&data(1, &[b'x'; 16_384], true));
    p.assert_no_error();
    let (body, ended) = p.body(1);
    assert_eq!((body.len(), ended), (16_384, true));
}

/// h2spec 4.2/2: a DATA frame over SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR
/// (section 4.2; for DATA the receiver may keep it to the stream).
#[test]
fn s4_2_data_over_max_frame_size_is_frame_size_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&data(1, &[b'x'; 16_385], true));
    p.expect_stream_or_connection_error(1, ErrorCode::FRAME_SIZE_ERROR);
}

/// h2spec 4.2/3: a HEADERS frame over SETTINGS_MAX_FRAME_SIZE is a connection
/// error: a frame carrying a field block alters the whole connection's state
/// (section 4.2).
#[test]
fn s4_2_headers_over_max_frame_size_is_connection_error() {
    let mut p = Peer::connected();
    let big = vec![b'a'; 16_400];
    let block = get_block_with(&[(b"x-big", &big)]);
    assert!(block.len() > 16_384);
    p.send(&headers(1, &block, true));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// The frame-size limit is the one we announce: a larger configured
/// SETTINGS_MAX_FRAME_SIZE admits larger frames, and only up to it.
#[test]
fn s4_2_configured_max_frame_size_is_the_limit() {
    let config = config(|c| {
        c.max_frame_size = 32_768;
    });
    let mut p = Peer::connected_with(config.clone(), &[]);
    p.post(1, &[]);
    p.send(&data(1, &[b'x'; 32_768], false));
    p.assert_no_error();
    p.send(&data(1, &[b'x'; 32_769], true));
    p.expect_stream_or_connection_error(1, ErrorCode::FRAME_SIZE_ERROR);
}

/// A frame whose payload is too short for its fixed fields is a
/// FRAME_SIZE_ERROR (section 4.2): HEADERS with PRIORITY and 3 bytes.
#[test]
fn s4_2_headers_too_short_for_priority_fields_is_frame_size_error() {
    let mut p = Peer::connected();
    p.send(&frame(
        ty::HEADERS,
        fl::PRIORITY | fl::END_HEADERS,
        1,
        &[0, 0, 0],
    ));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// The server never sends a frame over the peer's SETTINGS_MAX_FRAME_SIZE, and
/// uses a larger one when the peer allows it.
#[test]
fn s4_2_server_frames_fit_the_peer_max_frame_size() {
    for (max, expect_big) in [(16_384u32, false), (20_000, true)] {
        let mut p = Peer::connected_with(
            Config::default(),
            &[
                (set::MAX_FRAME_SIZE, max),
                (set::INITIAL_WINDOW_SIZE, 1 << 20),
            ],
        );
        p.send(&window_update(0, 1 << 20));
        p.get(1);
        p.respond(1, Some(&vec![b'z'; 50_000]));
        let all: Vec<RawFrame> = p.frames.iter().cloned().collect();
        for f in &all {
            assert!(f.payload.len() <= max as usize, "{f:?} over {max}");
        }
        let (sizes, end) = p.take_data(1);
        assert!(end);
        assert_eq!(sizes.iter().sum::<usize>(), 50_000);
        assert_eq!(sizes.iter().any(|&s| s > 16_384), expect_big, "{sizes:?}");
    }
}

// --- 4.3 Field Section Compression and Decompression -------------------------

/// h2spec 4.3/1: a field block that does not decode is a connection error of
/// type COMPRESSION_ERROR (a string length past the end of the block).
#[test]
fn s4_3_undecodable_field_block_is_compression_error() {
    let mut p = Peer::connected();
    let mut block = get_block_with(&[]);
    block.extend_from_slice(&[0x00, 0x0a, b'x', b'-']);
    p.send(&headers(1, &block, true));
    p.expect_connection_error(ErrorCode::COMPRESSION_ERROR);
}

/// h2spec 4.3/2: a PRIORITY frame inside a field block is a PROTOCOL_ERROR
/// (section 4.3: a field block is a contiguous sequence of frames).
#[test]
fn s4_3_priority_inside_field_block_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &block));
    p.send(&priority(1, 0, false, 15));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 4.3/3: HEADERS on another stream inside a field block is a PROTOCOL_ERROR.
#[test]
fn s4_3_headers_on_other_stream_inside_field_block_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &block));
    p.send(&headers(3, &block, true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 4.3: a field block is decoded even when its stream is then reset,
/// so the dynamic table stays in step: a malformed request whose fields were
/// added to the table is refused, and the next request that refers to those
/// entries decodes.
#[test]
fn s4_3_field_block_of_a_refused_request_still_updates_the_table() {
    let mut p = Peer::connected();
    // Literals with incremental indexing (RFC 7541 section 6.2.1): x-a: 1 is
    // entry 62 after the first block, and the uppercase name makes it malformed.
    let mut bad = get_block_with(&[]);
    bad.push(0x40);
    hpack_string(&mut bad, b"x-a");
    hpack_string(&mut bad, b"1");
    bad.push(0x40);
    hpack_string(&mut bad, b"X-Upper");
    hpack_string(&mut bad, b"2");
    p.send(&headers(1, &bad, true));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
    // Dynamic table now: 62 = X-Upper: 2, 63 = x-a: 1.
    let mut good = get_block_with(&[]);
    good.push(0x80 | 63);
    p.send(&headers(3, &good, true));
    match p.expect_request(3) {
        Ev::Request { fields, .. } => {
            assert_eq!(fields, &vec![(b"x-a".to_vec(), b"1".to_vec())]);
        }
        other => panic!("{other:?}"),
    }
}

/// Section 4.3: the response to a request is encoded for our decoder; a
/// second response reuses the dynamic table the first one filled.
#[test]
fn s4_3_responses_decode_with_one_compression_context() {
    let mut p = Peer::connected();
    for stream in [1, 3, 5] {
        p.get(stream);
        p.conn
            .send_response(
                StreamId::new(stream),
                200,
                [(&b"x-repeated"[..], &b"same value every time"[..])],
                true,
            )
            .unwrap();
        p.pump();
        let r = p.take_response(stream);
        assert_eq!(r.status, 200);
        assert_eq!(
            r.fields,
            vec![(b"x-repeated".to_vec(), b"same value every time".to_vec())]
        );
        assert!(r.end_stream);
    }
    p.assert_no_error();
}
