//! RFC 9113 section 5: stream states, identifiers, concurrency, flow control,
//! priority, error handling and extensions (h2spec `http2/5.1` to `http2/5.5`).

use shockwave_proto::h2::{Config, ErrorCode, StreamId};

use crate::peer::*;

// --- 5.1 Stream States: idle -------------------------------------------------

/// h2spec 5.1/1: DATA on an idle stream is a connection error of type
/// PROTOCOL_ERROR (section 5.1, idle: only HEADERS and PRIORITY).
#[test]
fn s5_1_idle_data_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&data(1, b"x", true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 5.1/2: RST_STREAM on an idle stream is a PROTOCOL_ERROR (section 6.4).
#[test]
fn s5_1_idle_rst_stream_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&rst_stream(1, ErrorCode::CANCEL));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 5.1/3: WINDOW_UPDATE on an idle stream is a PROTOCOL_ERROR.
#[test]
fn s5_1_idle_window_update_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&window_update(1, 100));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 5.1 and 6.4: a WINDOW_UPDATE with an increment of 0 on an idle
/// stream is still a frame an idle stream cannot take: a connection error of
/// type PROTOCOL_ERROR, and never a RST_STREAM, which MUST NOT be sent for an
/// idle stream (found by the `h2_server_conn` fuzz target).
#[test]
fn s5_1_idle_window_update_with_zero_increment_is_protocol_error() {
    for stream in [1, 2560] {
        let mut p = Peer::connected();
        p.send(&window_update(stream, 0));
        assert!(
            p.unread(ty::RST_STREAM).is_empty(),
            "RST_STREAM on idle stream {stream}"
        );
        p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
    }
}

/// h2spec 5.1/4: CONTINUATION on an idle stream is a PROTOCOL_ERROR (section 6.10).
#[test]
fn s5_1_idle_continuation_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&continuation(1, &get_block_with(&[]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 5.1: PRIORITY may be received in any state, idle included, and
/// does not open the stream: lower identifiers can still be opened.
#[test]
fn s5_1_idle_priority_is_allowed_and_opens_nothing() {
    let mut p = Peer::connected();
    p.send(&priority(5, 0, false, 10));
    p.assert_no_error();
    p.get(3);
    p.expect_request(3);
    p.get(5);
    p.expect_request(5);
}

// --- 5.1: half-closed (remote) -------------------------------------------------

/// h2spec 5.1/5: DATA on a half-closed (remote) stream is a stream error of
/// type STREAM_CLOSED (section 5.1).
#[test]
fn s5_1_half_closed_remote_data_is_stream_closed() {
    let mut p = Peer::connected();
    p.get(1);
    p.expect_request(1);
    p.send(&data(1, b"late", true));
    p.expect_stream_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 5.1/6: HEADERS on a half-closed (remote) stream is STREAM_CLOSED.
#[test]
fn s5_1_half_closed_remote_headers_is_stream_closed() {
    let mut p = Peer::connected();
    p.get(1);
    p.expect_request(1);
    p.send(&headers(1, &literal_block(&[(b"x-trailer", b"1")]), true));
    p.expect_stream_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 5.1/7: CONTINUATION on a half-closed (remote) stream: no field block
/// is open, so section 6.10 makes it a connection error of type PROTOCOL_ERROR.
#[test]
fn s5_1_half_closed_remote_continuation_is_protocol_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&continuation(1, &literal_block(&[(b"x-a", b"1")]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 5.1: WINDOW_UPDATE, PRIORITY and RST_STREAM are allowed on a
/// half-closed (remote) stream; the RST_STREAM ends it with a `StreamReset`.
#[test]
fn s5_1_half_closed_remote_allows_window_update_priority_rst_stream() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&window_update(1, 1000));
    p.send(&priority(1, 0, false, 200));
    p.assert_no_error();
    p.send(&rst_stream(1, ErrorCode::CANCEL));
    assert!(p.events.contains(&Ev::Reset {
        stream: 1,
        code: ErrorCode::CANCEL,
        by_peer: true
    }));
    // Section 5.4.2: no RST_STREAM in answer to a RST_STREAM.
    p.assert_no_error();
    assert!(
        p.conn
            .send_response(StreamId::new(1), 200, [("a", "b")], true)
            .is_err()
    );
}

// --- 5.1: closed -----------------------------------------------------------

/// h2spec 5.1/8: DATA after the peer's RST_STREAM: STREAM_CLOSED (section 5.1,
/// closed; the receiver may make it a connection error).
#[test]
fn s5_1_closed_data_after_rst_stream_is_stream_closed() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&rst_stream(1, ErrorCode::CANCEL));
    p.send(&data(1, b"x", true));
    p.expect_stream_or_connection_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 5.1/9: HEADERS after the peer's RST_STREAM: STREAM_CLOSED.
#[test]
fn s5_1_closed_headers_after_rst_stream_is_stream_closed() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&rst_stream(1, ErrorCode::CANCEL));
    p.send(&headers(1, &literal_block(&[(b"x-trailer", b"1")]), true));
    p.expect_stream_or_connection_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 5.1/10: CONTINUATION after the peer's RST_STREAM: no field block is
/// open, a connection error of type PROTOCOL_ERROR (section 6.10).
#[test]
fn s5_1_closed_continuation_after_rst_stream_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&rst_stream(1, ErrorCode::CANCEL));
    p.send(&continuation(1, &literal_block(&[(b"x-a", b"1")]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// A stream closed by END_STREAM both ways (the response was sent).
fn closed_by_end_stream() -> Peer {
    let mut p = Peer::connected();
    p.get(1);
    p.respond(1, Some(b"done"));
    let r = p.take_response(1);
    assert!(!r.end_stream);
    let (_, end) = p.take_data(1);
    assert!(end, "response body not ended");
    p
}

/// h2spec 5.1/11: DATA on a stream closed by END_STREAM both ways: STREAM_CLOSED.
#[test]
fn s5_1_closed_data_after_end_stream_is_stream_closed() {
    let mut p = closed_by_end_stream();
    p.send(&data(1, b"x", true));
    p.expect_stream_or_connection_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 5.1/12: HEADERS on a stream closed by END_STREAM both ways: STREAM_CLOSED.
#[test]
fn s5_1_closed_headers_after_end_stream_is_stream_closed() {
    let mut p = closed_by_end_stream();
    p.send(&headers(1, &get_block_with(&[]), true));
    p.expect_stream_or_connection_error(1, ErrorCode::STREAM_CLOSED);
}

/// h2spec 5.1/13: CONTINUATION on a closed stream: PROTOCOL_ERROR (section 6.10).
#[test]
fn s5_1_closed_continuation_after_end_stream_is_protocol_error() {
    let mut p = closed_by_end_stream();
    p.send(&continuation(1, &literal_block(&[(b"x-a", b"1")]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 5.1, closed: WINDOW_UPDATE and RST_STREAM may arrive just after
/// our END_STREAM and are ignored.
#[test]
fn s5_1_closed_window_update_and_rst_stream_after_our_end_stream_are_ignored() {
    let mut p = closed_by_end_stream();
    p.send(&window_update(1, 10));
    p.send(&rst_stream(1, ErrorCode::NO_ERROR));
    p.send(&priority(1, 0, false, 1));
    p.assert_no_error();
}

/// Section 5.1, closed: frames on a stream we reset are processed minimally
/// and dropped, not errors: DATA (still counted against the connection
/// window) and HEADERS (still decoded, so later blocks stay decodable).
#[test]
fn s5_1_frames_after_our_rst_stream_are_discarded() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.expect_request(1);
    p.conn
        .reset_stream(StreamId::new(1), ErrorCode::CANCEL)
        .unwrap();
    p.pump();
    let rst = p
        .take(|f| f.kind == ty::RST_STREAM)
        .expect("our RST_STREAM");
    assert_eq!((rst.stream, rst.error_code()), (1, ErrorCode::CANCEL));
    p.send(&data(1, &[b'x'; 1000], false));
    // Trailers with incremental indexing: x-t: 1 becomes entry 62.
    let mut trailers = Vec::new();
    trailers.push(0x40);
    hpack_string(&mut trailers, b"x-t");
    hpack_string(&mut trailers, b"1");
    p.send(&headers(1, &trailers, true));
    p.assert_no_goaway();
    assert!(p.conn.error().is_none());
    let mut next = get_block_with(&[]);
    next.push(0x80 | 62);
    p.send(&headers(3, &next, true));
    match p.expect_request(3) {
        Ev::Request { fields, .. } => assert_eq!(fields, &vec![(b"x-t".to_vec(), b"1".to_vec())]),
        other => panic!("{other:?}"),
    }
    assert!(!p.events.iter().any(|e| matches!(
        e,
        Ev::Data { stream: 1, .. } | Ev::Trailers { stream: 1, .. }
    )));
}

/// Section 5.1, closed: after our RST_STREAM, frames on the stream are
/// processed minimally and discarded; a WINDOW_UPDATE of 0 or a malformed
/// PRIORITY is not answered with a second RST_STREAM, which would be a frame
/// other than PRIORITY on a closed stream (found by the `h2_server_conn`
/// fuzz target).
#[test]
fn s5_1_frame_errors_after_our_rst_stream_are_discarded() {
    for late in [
        frame(ty::PRIORITY, 0, 1, &[0, 0, 0, 3]),
        window_update(1, 0),
    ] {
        let mut p = Peer::connected();
        // A malformed request (uppercase name): we reset stream 1.
        p.send(&headers(1, &get_block_with(&[(b"X-A", b"1")]), true));
        p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
        p.send(&late);
        assert!(
            p.unread(ty::RST_STREAM).is_empty(),
            "second RST_STREAM: {:?}",
            p.frames
        );
        p.assert_no_error();
    }
}

// --- 5.1.1 Stream Identifiers --------------------------------------------------

/// h2spec 5.1.1/1: a client stream with an even identifier is a connection
/// error of type PROTOCOL_ERROR.
#[test]
fn s5_1_1_even_stream_id_from_client_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&headers(2, &get_block_with(&[]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 5.1.1/2: a new stream with an identifier smaller than one already
/// opened is a connection error of type PROTOCOL_ERROR.
#[test]
fn s5_1_1_decreasing_stream_id_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&headers(5, &get_block_with(&[]), true));
    p.expect_request(5);
    p.send(&headers(3, &get_block_with(&[]), true));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 5.1.1: identifiers may skip; the largest one is still valid.
#[test]
fn s5_1_1_skipped_and_largest_stream_ids_are_accepted() {
    let mut p = Peer::connected();
    p.send(&headers(101, &get_block_with(&[]), true));
    p.expect_request(101);
    p.send(&headers(0x7fff_ffff, &get_block_with(&[]), true));
    // 2^31-1 is a valid identifier, the last one: the request is served.
    p.expect_request(0x7fff_ffff);
    p.respond(0x7fff_ffff, None);
    assert_eq!(p.take_response(0x7fff_ffff).status, 200);
}

// --- 5.1.2 Stream Concurrency --------------------------------------------------

/// h2spec 5.1.2/1: a stream past SETTINGS_MAX_CONCURRENT_STREAMS is refused:
/// a stream error of type REFUSED_STREAM (or PROTOCOL_ERROR), and the
/// request is never reported.
#[test]
fn s5_1_2_stream_past_max_concurrent_streams_is_refused() {
    let mut p = Peer::connected();
    let limit = Config::default().max_concurrent_streams;
    // Half-closed (remote) streams count (section 5.1.2).
    for i in 0..limit {
        p.send(&headers(1 + 2 * i, &get_block_with(&[]), true));
    }
    p.assert_no_reset();
    assert_eq!(p.conn.active_streams(), limit as usize);
    let over = 1 + 2 * limit;
    p.send(&headers(over, &get_block_with(&[]), true));
    assert!(!p.has_request(over), "refused request was reported");
    let rst = p.take(|f| f.kind == ty::RST_STREAM).expect("no RST_STREAM");
    assert_eq!(rst.stream, over);
    assert!(
        [ErrorCode::REFUSED_STREAM, ErrorCode::PROTOCOL_ERROR].contains(&rst.error_code()),
        "{rst:?}"
    );
    p.assert_alive();
}

/// Section 5.1.2: a stream that closes frees its place.
#[test]
fn s5_1_2_closed_stream_frees_a_place() {
    let config = config(|c| {
        c.max_concurrent_streams = 2;
    });
    let mut p = Peer::connected_with(config, &[]);
    p.get(1);
    p.get(3);
    p.get(5);
    p.expect_stream_error(5, ErrorCode::REFUSED_STREAM);
    p.respond(1, None);
    p.get(7);
    p.expect_request(7);
}

// --- 5.2 Flow Control ----------------------------------------------------------

/// Section 6.9.1: DATA past the stream window we announced is a
/// FLOW_CONTROL_ERROR (stream or connection error).
#[test]
fn s5_2_data_past_stream_window_is_flow_control_error() {
    let config = config(|c| {
        c.initial_window_size = 100;
    });
    let mut p = Peer::connected_with(config, &[]);
    p.auto_release = false;
    p.post(1, &[]);
    p.send(&data(1, &[b'x'; 60], false));
    p.send(&data(1, &[b'x'; 40], false));
    p.assert_no_error();
    p.send(&data(1, b"!", true));
    p.expect_stream_or_connection_error(1, ErrorCode::FLOW_CONTROL_ERROR);
}

/// Section 6.9.1: DATA past the connection window we announced is a
/// connection error of type FLOW_CONTROL_ERROR.
#[test]
fn s5_2_data_past_connection_window_is_flow_control_error() {
    let config = config(|c| {
        c.connection_window = 65_535;
    });
    let mut p = Peer::connected_with(config, &[]);
    p.auto_release = false;
    p.post(1, &[]);
    p.post(3, &[]);
    for _ in 0..2 {
        p.send(&data(1, &[b'x'; 16_384], false));
        p.send(&data(3, &[b'x'; 16_383], false));
    }
    p.send(&data(1, &[b'x'; 1], false));
    p.assert_no_error();
    p.send(&data(3, &[b'x'; 1], false));
    p.expect_connection_error(ErrorCode::FLOW_CONTROL_ERROR);
}

/// Section 6.1: padding counts against flow control, Pad Length octet
/// included: 1 + 50 + 49 fills a window of 100, and 1 + 10 + 90 is over it
/// though its data alone is far below.
#[test]
fn s5_2_padding_counts_against_flow_control() {
    let config = config(|c| {
        c.initial_window_size = 100;
    });
    let padded = |data: usize, pad: u8| {
        let mut payload = vec![pad];
        payload.extend(std::iter::repeat_n(b'd', data));
        payload.extend(std::iter::repeat_n(0, pad as usize));
        frame(ty::DATA, fl::PADDED, 1, &payload)
    };
    let mut p = Peer::connected_with(config.clone(), &[]);
    p.auto_release = false;
    p.post(1, &[]);
    p.send(&padded(50, 49));
    p.assert_no_error();

    let mut p = Peer::connected_with(config, &[]);
    p.auto_release = false;
    p.post(1, &[]);
    p.send(&padded(10, 90));
    p.expect_stream_or_connection_error(1, ErrorCode::FLOW_CONTROL_ERROR);
}

/// Section 5.2: released bytes come back as WINDOW_UPDATE credit, so a peer
/// that respects the windows can send far more than one window.
#[test]
fn s5_2_released_data_is_credited_back() {
    let config = config(|c| {
        c.initial_window_size = 65_535;
        c.connection_window = 65_535;
    });
    let mut p = Peer::connected_with(config, &[]);
    p.post(1, &[]);
    let (mut conn_window, mut stream_window) = (65_535i64, 65_535i64);
    let mut sent = 0usize;
    let total = 1_000_000;
    let mut rounds = 0;
    while sent < total {
        rounds += 1;
        assert!(rounds < 10_000, "no credit: stalled at {sent}");
        let n = (conn_window.min(stream_window).min(16_384) as usize).min(total - sent);
        if n > 0 {
            p.send(&data(1, &vec![b'x'; n], sent + n == total));
            sent += n;
            conn_window -= n as i64;
            stream_window -= n as i64;
        }
        for wu in p.take_all(|f| f.kind == ty::WINDOW_UPDATE) {
            let inc = i64::from(u32::from_be_bytes(wu.payload[..4].try_into().unwrap()));
            match wu.stream {
                0 => conn_window += inc,
                1 => stream_window += inc,
                s => panic!("WINDOW_UPDATE on stream {s}"),
            }
        }
        assert!(
            conn_window <= 65_535 && stream_window <= 65_535,
            "credit past the window"
        );
        if n == 0 && sent < total {
            assert!(
                conn_window > 0 && stream_window > 0,
                "window not reopened after release"
            );
        }
    }
    p.assert_no_error();
    let (body, ended) = p.body(1);
    assert_eq!((body.len(), ended), (total, true));
}

// --- 5.3 Prioritization --------------------------------------------------------

/// h2spec 5.3.1/1: HEADERS whose priority makes the stream depend on itself is
/// a stream error of type PROTOCOL_ERROR (section 5.3.1).
#[test]
fn s5_3_1_headers_depending_on_itself_is_protocol_error() {
    let mut p = Peer::connected();
    let mut payload = priority_fields(1, false, 15).to_vec();
    payload.extend(get_block_with(&[]));
    p.send(&frame(
        ty::HEADERS,
        fl::END_HEADERS | fl::END_STREAM | fl::PRIORITY,
        1,
        &payload,
    ));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

/// After our RST_STREAM, a HEADERS or a PRIORITY that makes the stream depend
/// on itself is ignored like any frame there (section 5.1), not reset a
/// second time.
/// (Found by the fuzz target `h2_server_conn`.)
#[test]
fn s5_3_1_self_dependency_after_our_reset_is_ignored() {
    let mut p = Peer::connected();
    // A request without pseudo-header fields: malformed, reset.
    p.send(&frame(ty::HEADERS, fl::END_HEADERS, 1, &[]));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
    let mut payload = priority_fields(1, false, 15).to_vec();
    payload.extend(get_block_with(&[]));
    p.send(&frame(
        ty::HEADERS,
        fl::END_HEADERS | fl::PRIORITY,
        1,
        &payload,
    ));
    p.send(&priority(1, 1, false, 15));
    p.assert_no_error();
}

/// h2spec 5.3.1/2: PRIORITY making a stream depend on itself is a stream error
/// of type PROTOCOL_ERROR.
#[test]
fn s5_3_1_priority_depending_on_itself_is_protocol_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&priority(1, 1, true, 15));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

/// RFC 7540 priorities are parsed and accepted (not used): a dependency on
/// another stream, exclusive or not, changes nothing.
#[test]
fn s5_3_priority_on_other_stream_is_accepted() {
    let mut p = Peer::connected();
    let mut payload = priority_fields(0, true, 255).to_vec();
    payload.extend(get_block_with(&[]));
    p.send(&frame(
        ty::HEADERS,
        fl::END_HEADERS | fl::END_STREAM | fl::PRIORITY,
        1,
        &payload,
    ));
    p.send(&priority(3, 1, false, 0));
    p.expect_request(1);
    p.assert_no_error();
}

// --- 5.4 Error Handling --------------------------------------------------------

/// h2spec 5.4.1/1 and /2: after a connection error the server sends GOAWAY
/// with the last stream it processed, then closes.
#[test]
fn s5_4_1_connection_error_sends_goaway_with_last_stream_then_closes() {
    let mut p = Peer::connected();
    p.get(1);
    p.get(3);
    p.send(&frame(ty::PING, 0, 0, b"seven!!"));
    let goaway = p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
    assert_eq!(goaway.last_stream_id(), 3);
}

/// A GOAWAY on a connection that processed no stream names stream 0.
#[test]
fn s5_4_1_goaway_without_streams_names_stream_0() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PING, 0, 0, b"nine bytes"));
    let goaway = p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
    assert_eq!(goaway.last_stream_id(), 0);
}

/// Section 5.4.2: a stream error leaves the other streams alone.
#[test]
fn s5_4_2_stream_error_leaves_other_streams_alone() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&headers(
        3,
        &get_block_with(&[(b"connection", b"close")]),
        true,
    ));
    p.expect_stream_error(3, ErrorCode::PROTOCOL_ERROR);
    p.send(&data(1, b"body", true));
    assert!(p.events.contains(&Ev::Data {
        stream: 1,
        data: b"body".to_vec(),
        end_stream: true
    }));
    p.respond(1, Some(b"ok"));
    assert_eq!(p.take_response(1).status, 200);
}

// --- 5.5 Extending HTTP/2 ------------------------------------------------------

/// h2spec 5.5/1: unknown extension frames are ignored, on stream 0 and on
/// streams in any state.
#[test]
fn s5_5_unknown_extension_frame_is_ignored() {
    let mut p = Peer::connected();
    p.send(&frame(0x20, 0, 0, b"ext"));
    p.send(&frame(0x21, 0xff, 7, b"on an idle stream"));
    p.get(1);
    p.send(&frame(0x22, 0x01, 1, b"on a half-closed stream"));
    p.expect_request(1);
    p.assert_no_error();
}

/// h2spec 5.5/2: an unknown frame in the middle of a field block is a
/// connection error of type PROTOCOL_ERROR (section 5.5).
#[test]
fn s5_5_unknown_frame_inside_field_block_is_protocol_error() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &block[..4]));
    p.send(&frame(0x20, 0, 1, b"ext"));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}
