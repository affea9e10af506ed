//! RFC 9113 section 6, the frames about the connection and flow control:
//! SETTINGS, PING, GOAWAY, WINDOW_UPDATE (h2spec `http2/6.5` to `http2/6.9.2`).

use std::time::Duration;

use shockwave_proto::h2::{Config, ErrorCode, StreamId};

use crate::peer::*;

const MAX_WINDOW: u32 = 0x7fff_ffff;

// --- 6.5 SETTINGS ----------------------------------------------------------

/// h2spec 6.5/1: a SETTINGS ACK with a payload is a connection error of type
/// FRAME_SIZE_ERROR.
#[test]
fn s6_5_settings_ack_with_payload_is_frame_size_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::SETTINGS, fl::ACK, 0, &[0, 1, 0, 0, 0x10, 0]));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// h2spec 6.5/2: SETTINGS on a stream is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_5_settings_on_stream_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::SETTINGS, 0, 1, &[0, 3, 0, 0, 0, 100]));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.5/3: a SETTINGS length that is not a multiple of 6 is a
/// connection error of type FRAME_SIZE_ERROR.
#[test]
fn s6_5_settings_length_not_multiple_of_6_is_frame_size_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::SETTINGS, 0, 0, &[0, 3, 0, 0, 0]));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// h2spec 6.5.2/1: SETTINGS_ENABLE_PUSH other than 0 or 1 is a connection error
/// of type PROTOCOL_ERROR.
#[test]
fn s6_5_2_enable_push_2_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&settings(&[(set::ENABLE_PUSH, 2)]));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.5.2/2 and 6.9.2/3: SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 is a
/// connection error of type FLOW_CONTROL_ERROR.
#[test]
fn s6_5_2_initial_window_size_above_max_is_flow_control_error() {
    let mut p = Peer::connected();
    p.send(&settings(&[(set::INITIAL_WINDOW_SIZE, MAX_WINDOW + 1)]));
    p.expect_connection_error(ErrorCode::FLOW_CONTROL_ERROR);
}

/// The largest window, 2^31-1, is valid.
#[test]
fn s6_5_2_initial_window_size_of_max_is_accepted() {
    let mut p = Peer::connected();
    p.send(&settings(&[(set::INITIAL_WINDOW_SIZE, MAX_WINDOW)]));
    assert!(
        p.take(|f| f.kind == ty::SETTINGS && f.has(fl::ACK))
            .is_some()
    );
    p.assert_no_error();
}

/// h2spec 6.5.2/3: SETTINGS_MAX_FRAME_SIZE below 16,384 is a PROTOCOL_ERROR.
#[test]
fn s6_5_2_max_frame_size_below_initial_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&settings(&[(set::MAX_FRAME_SIZE, 16_383)]));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.5.2/4: SETTINGS_MAX_FRAME_SIZE above 2^24-1 is a PROTOCOL_ERROR.
#[test]
fn s6_5_2_max_frame_size_above_max_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&settings(&[(set::MAX_FRAME_SIZE, 1 << 24)]));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.5.2/5: an unknown setting identifier is ignored; the frame is
/// still acknowledged and its known settings apply.
#[test]
fn s6_5_2_unknown_setting_is_ignored() {
    let mut p = Peer::connected();
    p.send(&settings(&[
        (0xff, 1),
        (0x7, 99),
        (set::INITIAL_WINDOW_SIZE, 1234),
    ]));
    assert!(
        p.take(|f| f.kind == ty::SETTINGS && f.has(fl::ACK))
            .is_some()
    );
    assert_eq!(p.conn.peer_settings().initial_window_size, 1234);
    p.assert_no_error();
}

/// h2spec 6.5.3/1: settings in one frame apply in order, so the last of two
/// SETTINGS_INITIAL_WINDOW_SIZE values wins: the response body comes 1 byte
/// at a time.
#[test]
fn s6_5_3_settings_apply_in_order() {
    let mut p = Peer::connected();
    p.send(&settings(&[
        (set::INITIAL_WINDOW_SIZE, 100),
        (set::INITIAL_WINDOW_SIZE, 1),
    ]));
    assert!(
        p.take(|f| f.kind == ty::SETTINGS && f.has(fl::ACK))
            .is_some()
    );
    p.get(1);
    p.respond(1, Some(b"0123456789"));
    let r = p.take_response(1);
    assert_eq!(r.status, 200);
    assert_eq!(p.take_data(1), (vec![1], false));
}

/// h2spec 6.5.3/2: SETTINGS without ACK is acknowledged with an empty
/// SETTINGS ACK on stream 0.
#[test]
fn s6_5_3_settings_are_acknowledged() {
    let mut p = Peer::connected();
    p.send(&settings(&[(set::MAX_CONCURRENT_STREAMS, 10)]));
    let ack = p.take(|f| f.kind == ty::SETTINGS).expect("SETTINGS ACK");
    assert_eq!((ack.flags, ack.stream, ack.payload.len()), (fl::ACK, 0, 0));
    p.send(&settings(&[]));
    assert!(
        p.take(|f| f.kind == ty::SETTINGS && f.has(fl::ACK))
            .is_some()
    );
    p.assert_no_error();
}

/// Section 6.5.3: our SETTINGS not acknowledged in time is a connection error
/// of type SETTINGS_TIMEOUT.
#[test]
fn s6_5_3_settings_not_acknowledged_in_time_is_settings_timeout() {
    let config = Config::default();
    let timeout = config.settings_timeout;
    let mut p = Peer::fresh(config);
    let mut hello = PREFACE.to_vec();
    hello.extend(settings(&[]));
    p.send(&hello);
    let deadline = p.conn.poll_timeout().expect("a settings timer");
    assert!(deadline <= p.now + timeout);
    p.advance(timeout - Duration::from_millis(1));
    p.assert_no_goaway();
    p.advance(Duration::from_millis(2));
    p.expect_connection_error(ErrorCode::SETTINGS_TIMEOUT);
}

/// Section 6.5.2: SETTINGS_HEADER_TABLE_SIZE bounds the server's encoder: with
/// 0 the responses decode with a decoder that keeps no table.
#[test]
fn s6_5_2_header_table_size_bounds_the_server_encoder() {
    let mut p = Peer::connected_with(Config::default(), &[(set::HEADER_TABLE_SIZE, 0)]);
    let mut decoder = shockwave_proto::hpack::Decoder::new(0);
    let mut list = shockwave_proto::hpack::HeaderList::new(1 << 16);
    for stream in [1, 3] {
        p.get(stream);
        p.conn
            .send_response(
                StreamId::new(stream),
                200,
                [("x-custom", "some value")],
                true,
            )
            .unwrap();
        p.pump();
        let h = p.take(|f| f.kind == ty::HEADERS).expect("response");
        list.clear();
        decoder
            .decode(&h.payload, &mut list)
            .expect("a block that fits a table of size 0");
        assert_eq!(decoder.table_len(), 0);
        assert!(
            list.iter()
                .any(|f| f.name == b"x-custom" && f.value == b"some value")
        );
    }
}

// --- 6.7 PING --------------------------------------------------------------

/// h2spec 6.7/1: PING is answered with PING ACK carrying the same payload.
#[test]
fn s6_7_ping_is_answered_with_the_same_payload() {
    let mut p = Peer::connected();
    p.send(&ping(*b"\x00\xffh2spec"));
    let ack = p.take(|f| f.kind == ty::PING).expect("PING ACK");
    assert_eq!((ack.flags, ack.stream), (fl::ACK, 0));
    assert_eq!(ack.payload, b"\x00\xffh2spec");
}

/// h2spec 6.7/2: a PING ACK is not answered.
#[test]
fn s6_7_ping_ack_is_not_answered() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PING, fl::ACK, 0, b"unsolicd"));
    p.assert_alive();
    assert!(p.unread(ty::PING).is_empty(), "{:?}", p.frames);
}

/// h2spec 6.7/3: PING on a stream is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_7_ping_on_stream_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PING, 0, 1, b"12345678"));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.7/4: PING with a length other than 8 is a connection error of type
/// FRAME_SIZE_ERROR.
#[test]
fn s6_7_ping_with_length_6_is_frame_size_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::PING, 0, 0, b"123456"));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// The acknowledgement of our own PING is reported to the application.
#[test]
fn s6_7_our_ping_is_acknowledged() {
    let mut p = Peer::connected();
    p.conn.ping(*b"ourping!").unwrap();
    p.pump();
    let ours = p.take(|f| f.kind == ty::PING).expect("our PING");
    assert_eq!((ours.flags, ours.payload.as_slice()), (0, &b"ourping!"[..]));
    p.send(&frame(ty::PING, fl::ACK, 0, b"ourping!"));
    assert!(p.events.contains(&Ev::PingAcknowledged(*b"ourping!")));
}

// --- 6.8 GOAWAY ------------------------------------------------------------

/// h2spec 6.8/1: GOAWAY on a stream is a connection error of type PROTOCOL_ERROR.
#[test]
fn s6_8_goaway_on_stream_is_protocol_error() {
    let mut p = Peer::connected();
    let mut payload = 0u32.to_be_bytes().to_vec();
    payload.extend_from_slice(&0u32.to_be_bytes());
    p.send(&frame(ty::GOAWAY, 0, 1, &payload));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// A client's GOAWAY is reported; streams in flight can still be answered.
#[test]
fn s6_8_goaway_from_client_is_reported() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&goaway(0, ErrorCode::NO_ERROR));
    assert!(p.events.contains(&Ev::Goaway {
        last_stream_id: 0,
        code: ErrorCode::NO_ERROR
    }));
    p.respond(1, Some(b"still answered"));
    assert_eq!(p.take_response(1).status, 200);
    let (_, end) = p.take_data(1);
    assert!(end);
}

/// Section 6.8: graceful shutdown in two steps. The first GOAWAY names
/// 2^31-1 and is followed by a PING; once the PING returns, the final GOAWAY
/// names the last stream processed; the streams in flight finish; then the
/// machine closes.
#[test]
fn s6_8_graceful_shutdown_in_two_steps() {
    let mut p = Peer::connected();
    p.get(1);
    p.conn.shutdown();
    p.pump();
    let first = p.take(|f| f.kind == ty::GOAWAY).expect("first GOAWAY");
    assert_eq!(
        (first.last_stream_id(), first.error_code()),
        (MAX_WINDOW, ErrorCode::NO_ERROR)
    );
    let ping = p
        .take(|f| f.kind == ty::PING && !f.has(fl::ACK))
        .expect("PING after the first GOAWAY");
    // A request already on its way when the client saw the GOAWAY.
    p.get(3);
    p.expect_request(3);
    p.send(&frame(ty::PING, fl::ACK, 0, &ping.payload));
    let last = p.take(|f| f.kind == ty::GOAWAY).expect("final GOAWAY");
    assert_eq!(
        (last.last_stream_id(), last.error_code()),
        (3, ErrorCode::NO_ERROR)
    );
    // Streams past the last one are not processed.
    p.get(5);
    assert!(!p.has_request(5));
    assert!(!p.conn.is_closed(), "closed with streams in flight");
    p.respond(1, None);
    p.respond(3, Some(b"bye"));
    assert_eq!(p.take_response(1).status, 200);
    assert_eq!(p.take_response(3).status, 200);
    assert!(p.conn.is_closed(), "not closed after the last stream");
}

/// Section 6.8: the last stream identifier never increases. A stream the
/// client opens after the final GOAWAY is ignored, and the GOAWAY of a
/// connection error after it still names the final GOAWAY's last stream.
#[test]
fn s6_8_goaway_last_stream_never_increases() {
    let mut p = Peer::connected();
    p.get(1);
    p.conn.shutdown();
    p.pump();
    let _ = p.take(|f| f.kind == ty::GOAWAY).expect("first GOAWAY");
    let ping = p
        .take(|f| f.kind == ty::PING && !f.has(fl::ACK))
        .expect("PING after the first GOAWAY");
    p.send(&frame(ty::PING, fl::ACK, 0, &ping.payload));
    let last = p.take(|f| f.kind == ty::GOAWAY).expect("final GOAWAY");
    assert_eq!(last.last_stream_id(), 1);
    p.get(3);
    assert!(!p.has_request(3));
    // A PING of the wrong size: a connection error.
    p.send(&frame(ty::PING, 0, 0, &[0; 7]));
    let g = p
        .take(|f| f.kind == ty::GOAWAY)
        .expect("GOAWAY of the error");
    assert_eq!(
        (g.last_stream_id(), g.error_code()),
        (1, ErrorCode::FRAME_SIZE_ERROR)
    );
}

/// `close` sends a GOAWAY with the code and ends the connection.
#[test]
fn s6_8_close_sends_goaway_with_the_code() {
    let mut p = Peer::connected();
    p.get(1);
    p.conn.close(ErrorCode::ENHANCE_YOUR_CALM);
    p.pump();
    let g = p.take(|f| f.kind == ty::GOAWAY).expect("GOAWAY");
    assert_eq!(
        (g.error_code(), g.last_stream_id()),
        (ErrorCode::ENHANCE_YOUR_CALM, 1)
    );
    assert!(p.conn.is_closed());
}

// --- 6.9 WINDOW_UPDATE -----------------------------------------------------

/// h2spec 6.9/1: a connection WINDOW_UPDATE of 0 is a connection error of type
/// PROTOCOL_ERROR.
#[test]
fn s6_9_zero_increment_on_connection_is_protocol_error() {
    let mut p = Peer::connected();
    p.send(&window_update(0, 0));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.9/2: a stream WINDOW_UPDATE of 0 is a stream error of type
/// PROTOCOL_ERROR.
#[test]
fn s6_9_zero_increment_on_stream_is_stream_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&window_update(1, 0));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

/// The reserved bit of the increment is ignored: 0x80000000 is an increment of 0.
#[test]
fn s6_9_increment_with_only_the_reserved_bit_is_zero() {
    let mut p = Peer::connected();
    p.send(&window_update(0, 0x8000_0000));
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 6.9/3: WINDOW_UPDATE with a length other than 4 is a connection
/// error of type FRAME_SIZE_ERROR.
#[test]
fn s6_9_window_update_with_length_3_is_frame_size_error() {
    let mut p = Peer::connected();
    p.send(&frame(ty::WINDOW_UPDATE, 0, 0, &[0, 0, 1]));
    p.expect_connection_error(ErrorCode::FRAME_SIZE_ERROR);
}

/// h2spec 6.9.1/1: with SETTINGS_INITIAL_WINDOW_SIZE = 1 the server sends one
/// byte of DATA, then exactly what each WINDOW_UPDATE allows.
#[test]
fn s6_9_1_server_respects_the_stream_window() {
    let mut p = Peer::connected_with(Config::default(), &[(set::INITIAL_WINDOW_SIZE, 1)]);
    p.get(1);
    p.respond(1, Some(b"0123456789"));
    let _ = p.take_response(1);
    assert_eq!(p.take_data(1), (vec![1], false));
    p.send(&window_update(1, 4));
    assert_eq!(p.take_data(1).0.iter().sum::<usize>(), 4);
    p.send(&window_update(1, 5));
    let (sizes, end) = p.take_data(1);
    assert_eq!((sizes.iter().sum::<usize>(), end), (5, true));
}

/// The connection window bounds DATA over all streams.
#[test]
fn s6_9_1_server_respects_the_connection_window() {
    let mut p = Peer::connected_with(Config::default(), &[(set::INITIAL_WINDOW_SIZE, 1 << 20)]);
    p.get(1);
    p.respond(1, Some(&vec![b'c'; 60_000]));
    p.get(3);
    p.respond(3, Some(&vec![b'c'; 60_000]));
    let _ = (p.take_response(1), p.take_response(3));
    let sent: usize =
        p.take_data(1).0.iter().sum::<usize>() + p.take_data(3).0.iter().sum::<usize>();
    assert_eq!(sent, 65_535, "the initial connection window");
    p.send(&window_update(0, 120_000 - 65_535));
    let rest: usize =
        p.take_data(1).0.iter().sum::<usize>() + p.take_data(3).0.iter().sum::<usize>();
    assert_eq!(sent + rest, 120_000);
}

/// h2spec 6.9.1/2: a connection WINDOW_UPDATE taking the window past 2^31-1 is
/// a connection error of type FLOW_CONTROL_ERROR.
#[test]
fn s6_9_1_connection_window_overflow_is_flow_control_error() {
    let mut p = Peer::connected();
    p.send(&window_update(0, MAX_WINDOW - 65_535));
    p.assert_no_error();
    p.send(&window_update(0, 1));
    p.expect_connection_error(ErrorCode::FLOW_CONTROL_ERROR);
}

/// h2spec 6.9.1/3: a stream WINDOW_UPDATE taking its window past 2^31-1 is a
/// stream error of type FLOW_CONTROL_ERROR.
#[test]
fn s6_9_1_stream_window_overflow_is_stream_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&window_update(1, MAX_WINDOW - 65_535));
    p.assert_no_error();
    p.send(&window_update(1, 1));
    p.expect_stream_error(1, ErrorCode::FLOW_CONTROL_ERROR);
}

/// h2spec 6.9.2/1: a SETTINGS_INITIAL_WINDOW_SIZE change applies to open
/// streams: from 0 to 1, one byte of the waiting body goes out.
#[test]
fn s6_9_2_initial_window_size_change_applies_to_open_streams() {
    let mut p = Peer::connected_with(Config::default(), &[(set::INITIAL_WINDOW_SIZE, 0)]);
    p.get(1);
    p.respond(1, Some(b"0123456789"));
    let _ = p.take_response(1);
    assert_eq!(p.take_data(1), (vec![], false));
    p.send(&settings(&[(set::INITIAL_WINDOW_SIZE, 1)]));
    assert_eq!(p.take_data(1), (vec![1], false));
}

/// h2spec 6.9.2/2: a smaller SETTINGS_INITIAL_WINDOW_SIZE can make a window
/// negative; DATA resumes only once WINDOW_UPDATE brings it above 0.
#[test]
fn s6_9_2_window_can_become_negative() {
    let mut p = Peer::connected_with(Config::default(), &[(set::INITIAL_WINDOW_SIZE, 5)]);
    p.get(1);
    p.respond(1, Some(b"0123456789"));
    let _ = p.take_response(1);
    assert_eq!(p.take_data(1).0.iter().sum::<usize>(), 5);
    // 5 - 5 sent = 0; the new initial size 3 makes it 3 - 5 = -2.
    p.send(&settings(&[(set::INITIAL_WINDOW_SIZE, 3)]));
    p.send(&window_update(1, 2));
    assert_eq!(p.take_data(1), (vec![], false), "window at 0");
    p.send(&window_update(1, 1));
    assert_eq!(p.take_data(1), (vec![1], false));
    p.assert_no_error();
}

/// Section 6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change that takes a stream
/// window past 2^31-1 is a connection error of type FLOW_CONTROL_ERROR.
#[test]
fn s6_9_2_initial_window_size_change_overflowing_a_window_is_flow_control_error() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&window_update(1, MAX_WINDOW - 65_535));
    p.assert_no_error();
    p.send(&settings(&[(set::INITIAL_WINDOW_SIZE, 65_536)]));
    p.expect_connection_error(ErrorCode::FLOW_CONTROL_ERROR);
}
