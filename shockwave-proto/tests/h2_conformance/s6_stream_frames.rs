//! RFC 9113 section 6, the frames of a stream: DATA, HEADERS, PRIORITY,
//! RST_STREAM, PUSH_PROMISE, CONTINUATION (h2spec `http2/6.1` to `http2/6.4`,
//! `http2/6.10`, and `http2/8.2` for PUSH_PROMISE from a client).

use shockwave_proto::h2::{ErrorCode, StreamId, UsageError};

use crate::peer::*;

// --- 6.1 DATA --------------------------------------------------------------

/// h2spec 6.1/1: DATA on stream 0 is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_1_data_on_stream_0_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&data(0, b"x", false));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.1/2: DATA on a stream that is neither open nor half-closed (local)
/// is a stream error of type STREAM_CLOSED.
#[test]
fn s6_1_data_on_half_closed_remote_stream_is_stream_closed() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&data(1, b"x", false));
    p.expect_stream_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 6.1/3: a Pad Length not smaller than the payload is a connection
/// error of type PROTOCOL_ERROR.
#[test]
fn s6_1_data_with_invalid_pad_length_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    // Pad Length 6 with 5 bytes after it.
    p.send(&frame(ty::DATA, fl::PADDED, 1, b"\x06hello"));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// A PADDED DATA frame without even the Pad Length octet is too short.
#[test]
fn s6_1_empty_padded_data_is_frame_size_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&frame(ty::DATA, fl::PADDED, 1, b""));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// The application sees the data without the padding; padding equal to the
/// rest of the payload (no data) is valid.
#[test]
fn s6_1_padding_is_removed() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&frame(ty::DATA, fl::PADDED, 1, b"\x03hello\0\0\0"));
    p.send(&frame(
        ty::DATA,
        fl::PADDED | fl::END_STREAM,
        1,
        b"\x02\0\0",
    ));
    p.assert_no_error();
    assert_eq!(p.body(1), (b"hello".to_vec(), true));
}

// --- 6.2 HEADERS -----------------------------------------------------------

/// h2spec 6.2/1: HEADERS without END_HEADERS followed by PRIORITY is a
/// connection error of type PROTOCOL_ERROR (section 6.2, 6.10).
#[test]
fn s6_2_headers_then_priority_before_end_headers_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &get_block_with(&[])));
    p.send(&priority(1, 0, false, 1));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.2/2: HEADERS on stream 0 is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_2_headers_on_stream_0_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&headers(0, &get_block_with(&[]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.2/3: a Pad Length not smaller than the rest is a PROTOCOL_ERROR.
#[test]
fn s6_2_headers_with_invalid_pad_length_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    let mut payload = vec![(block.len() + 1) as u8];
    payload.extend_from_slice(&block);
    assert!(block.len() < 255);
    p.send(&frame(
        ty::HEADERS,
        fl::PADDED | fl::END_HEADERS | fl::END_STREAM,
        1,
        &payload,
    ));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// HEADERS without END_HEADERS followed by HEADERS on the same stream is a
/// PROTOCOL_ERROR (only CONTINUATION may follow, section 6.2).
#[test]
fn s6_2_headers_then_headers_before_end_headers_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, 0, 1, &block));
    p.send(&headers(1, &block, true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// HEADERS with both PADDED and PRIORITY, and padding, is a plain request.
#[test]
fn s6_2_padded_headers_with_priority_is_accepted() {
    let mut p = Peer::connected();
    let block = get_block_with(&[(b"x-a", b"1")]);
    let mut payload = vec![7];
    payload.extend_from_slice(&priority_fields(0, false, 100));
    payload.extend_from_slice(&block);
    payload.extend_from_slice(&[0; 7]);
    let f = fl::PADDED | fl::PRIORITY | fl::END_HEADERS | fl::END_STREAM;
    p.send(&frame(ty::HEADERS, f, 1, &payload));
    match p.expect_request(1) {
        Ev::Request {
            fields,
            end_stream,
            method,
            ..
        } => {
            assert_eq!(method, b"GET");
            assert_eq!(fields, &vec![(b"x-a".to_vec(), b"1".to_vec())]);
            assert!(end_stream);
        }
        other => panic!("{other:?}"),
    }
}

// --- 6.3 PRIORITY ----------------------------------------------------------

/// h2spec 6.3/1: PRIORITY on stream 0 is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_3_priority_on_stream_0_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&priority(0, 1, false, 1));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.3/2: PRIORITY with a length other than 5 is a stream error of type
/// FRAME_SIZE_ERROR.
#[test]
fn s6_3_priority_with_length_4_is_frame_size_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&frame(ty::PRIORITY, 0, 1, &[0, 0, 0, 3]));
    p.expect_stream_error(1, ErrorCode::FRAME_SIZE_ERROR);
}

/// A bad PRIORITY on an idle stream is answered with RST_STREAM (as h2spec
/// 6.3/2 expects); that closes the stream, so a second one is ignored
/// (section 5.1: no frames after our RST_STREAM, and no second reset).
/// (Found by the fuzz target `h2_server_conn`.)
#[test]
fn s6_3_bad_priority_on_idle_stream_is_answered_once() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PRIORITY, 0, 3, &[]));
    p.expect_stream_error(3, ErrorCode::FRAME_SIZE_ERROR);
    p.send(&frame(ty::PRIORITY, 0, 3, &[]));
    p.send(&frame(ty::PRIORITY, 0, 5, &[0, 0, 0]));
    p.expect_stream_error(5, ErrorCode::FRAME_SIZE_ERROR);
    p.send(&frame(ty::PRIORITY, 0, 5, &[0, 0, 0]));
    p.assert_no_error();
}

/// Section 6.4: RST_STREAM MUST NOT be sent for an idle stream. A bad
/// PRIORITY on an idle stream the server would open itself (a push, even)
/// cannot be answered with one, since the client would see RST_STREAM on a
/// stream idle to it; the stream error becomes a connection error (section
/// 5.4.1 allows it).
#[test]
fn s6_4_no_reset_for_an_idle_stream_of_our_own() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PRIORITY, 0, 4, &[0, 0, 0]));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
    assert!(!p.frames.iter().any(|f| f.kind == ty::RST_STREAM));
}

/// PRIORITY may be sent in any state: on a closed stream it is ignored.
#[test]
fn s6_3_priority_on_closed_stream_is_ignored() {
    let mut p = Peer::connected();
    p.get(1);
    p.respond(1, None);
    let _ = p.take_response(1);
    p.send(&priority(1, 0, false, 7));
    p.assert_no_error();
}

// --- 6.4 RST_STREAM --------------------------------------------------------

/// h2spec 6.4/1: RST_STREAM on stream 0 is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_4_rst_stream_on_stream_0_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&rst_stream(0, ErrorCode::CANCEL));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.4/2: RST_STREAM on an idle stream is a connection error of type
/// PROTOCOL_ERROR.
#[test]
fn s6_4_rst_stream_on_idle_stream_is_protocol_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&rst_stream(3, ErrorCode::CANCEL));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.4/3: RST_STREAM with a length other than 4 is a connection error
/// of type FRAME_SIZE_ERROR.
#[test]
fn s6_4_rst_stream_with_length_3_is_frame_size_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&frame(ty::RST_STREAM, 0, 1, &[0, 0, 8]));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// RST_STREAM ends the stream: the application is told, and may not answer it.
#[test]
fn s6_4_rst_stream_ends_the_stream() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&rst_stream(1, ErrorCode(0xabc)));
    assert!(p.events.contains(&Ev::Reset {
        stream: 1,
        code: ErrorCode(0xabc),
        by_peer: true
    }));
    assert_eq!(
        p.conn
            .send_response(StreamId::new(1), 200, [("a", "b")], true),
        Err(UsageError::UnknownStream)
    );
    p.assert_no_error();
    assert!(p.unread(ty::HEADERS).is_empty());
}

// --- 6.6 PUSH_PROMISE ----------------------------------------------------------

/// h2spec 8.2/1 (RFC 9113 section 8.4): a client cannot push; PUSH_PROMISE
/// from a client is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_6_push_promise_from_client_is_protocol_error() {
    let mut p = Peer::connected();
    p.get(1);
    let mut payload = 2u32.to_be_bytes().to_vec();
    payload.extend(get_block_with(&[]));
    p.send(&frame(ty::PUSH_PROMISE, fl::END_HEADERS, 1, &payload));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 6.6: a server's promise reserves an even stream on the associated
/// stream, and the promised response follows on it.
#[test]
fn s6_6_push_promise_reserves_an_even_stream() {
    let mut p = Peer::connected();
    p.get(1);
    let promised = p
        .conn
        .push_promise(
            StreamId::new(1),
            b"GET",
            b"http",
            b"example.com",
            b"/style.css",
            [("accept", "text/css")],
        )
        .expect("push allowed by default");
    assert!(promised.is_server_initiated(), "{promised:?}");
    p.pump();
    let pp = p
        .take(|f| f.kind == ty::PUSH_PROMISE)
        .expect("PUSH_PROMISE");
    assert_eq!(pp.stream, 1, "promise on the associated stream");
    assert!(pp.has(fl::END_HEADERS));
    let id = u32::from_be_bytes(pp.payload[..4].try_into().unwrap());
    assert_eq!(id, promised.value());
    p.conn
        .send_response(promised, 200, [("content-type", "text/css")], true)
        .unwrap();
    p.respond(1, None);
    assert_eq!(p.take_response(promised.value()).status, 200);
    assert_eq!(p.take_response(1).status, 200);
    p.assert_no_error();
}

/// Section 8.4: a client that sent SETTINGS_ENABLE_PUSH = 0 gets no promise.
#[test]
fn s6_6_push_disabled_by_client_is_refused() {
    let mut p = Peer::connected_with(Default::default(), &[(set::ENABLE_PUSH, 0)]);
    p.get(1);
    let r = p.conn.push_promise(
        StreamId::new(1),
        b"GET",
        b"http",
        b"example.com",
        b"/a",
        [("a", "b")],
    );
    assert_eq!(r, Err(UsageError::PushDisabled));
    p.pump();
    assert!(p.unread(ty::PUSH_PROMISE).is_empty());
}

// --- 6.10 CONTINUATION ---------------------------------------------------------

/// h2spec 6.10/1: a field block over HEADERS and several CONTINUATION frames
/// is one request; END_STREAM on the HEADERS applies after it.
#[test]
fn s6_10_continuations_complete_a_field_block() {
    let mut p = Peer::connected();
    let block = get_block_with(&[(b"x-long", &[b'v'; 300])]);
    let (a, rest) = block.split_at(10);
    let (b, c) = rest.split_at(100);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, a));
    p.send(&continuation(1, b, false));
    assert!(!p.has_request(1), "request before END_HEADERS");
    p.send(&continuation(1, c, true));
    match p.expect_request(1) {
        Ev::Request {
            fields, end_stream, ..
        } => {
            assert_eq!(fields[0].1.len(), 300);
            assert!(end_stream);
        }
        other => panic!("{other:?}"),
    }
    p.respond(1, None);
    assert_eq!(p.take_response(1).status, 200);
}

/// h2spec 6.10/2: a frame other than CONTINUATION after CONTINUATION without
/// END_HEADERS is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_10_other_frame_after_continuation_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, 0, 1, &block[..5]));
    p.send(&continuation(1, &block[5..10], false));
    p.send(&data(1, b"x", true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.10/3: CONTINUATION on stream 0 is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_10_continuation_on_stream_0_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &block[..5]));
    p.send(&continuation(0, &block[5..], true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.10/4: CONTINUATION after HEADERS with END_HEADERS is a
/// connection error of type PROTOCOL_ERROR.
#[test]
fn s6_10_continuation_after_end_headers_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&headers(1, &get_block_with(&[]), false));
    p.send(&continuation(1, &literal_block(&[(b"x-a", b"1")]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.10/5: CONTINUATION after a CONTINUATION with END_HEADERS is a
/// connection error of type PROTOCOL_ERROR.
#[test]
fn s6_10_continuation_after_ended_continuation_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, 0, 1, &block[..5]));
    p.send(&continuation(1, &block[5..], true));
    p.send(&continuation(1, &literal_block(&[(b"x-a", b"1")]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.10/6: CONTINUATION after DATA is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_10_continuation_after_data_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&data(1, b"x", false));
    p.send(&continuation(1, &literal_block(&[(b"x-a", b"1")]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// CONTINUATION for another stream than the open field block's is a
/// connection error of type PROTOCOL_ERROR (section 6.10).
#[test]
fn s6_10_continuation_on_other_stream_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &block[..5]));
    p.send(&continuation(3, &block[5..], true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}
