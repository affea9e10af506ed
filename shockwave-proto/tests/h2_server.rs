//! The server machine against hand-written frames: connection and stream
//! errors with their codes (RFC 9113 sections 3 to 8), timers, and hostile
//! bytes that must not panic.

mod h2_support;

use core::time::Duration;

use h2_support::*;
use shockwave_proto::Instant;
use shockwave_proto::h2::frame::{self, PriorityFields};
use shockwave_proto::h2::{Config, ErrorCode, ErrorKind, ServerConn, SettingId, StreamId};

fn server() -> (ServerConn, RawPeer) {
    let mut s = ServerConn::new(Config::default());
    s.handle_input(Instant::ZERO, &RawPeer::preface()).unwrap();
    (s, RawPeer::default())
}

/// Feeds `bytes` (polling events in between) and returns the events and the
/// frames written.
fn feed(s: &mut ServerConn, peer: &mut RawPeer, bytes: &[u8]) -> (Vec<SEv>, Vec<Out>) {
    let mut events = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match s.handle_input(Instant::ZERO, &bytes[at..]) {
            Ok(n) => at += n,
            Err(_) => break,
        }
        events.extend(server_events(s));
    }
    events.extend(server_events(s));
    (events, drain_server(s, peer))
}

fn conn_error(bytes: &[u8], code: ErrorCode) {
    let (mut s, mut peer) = server();
    let (_, out) = feed(&mut s, &mut peer, bytes);
    let e = s
        .error()
        .unwrap_or_else(|| panic!("no connection error; wrote {out:?}"));
    assert_eq!(e.code(), code, "{e}");
    assert!(
        out.iter()
            .any(|f| matches!(f, Out::Goaway { code: c, .. } if *c == code)),
        "{out:?}"
    );
    assert!(s.is_closed());
}

fn stream_error(bytes: &[u8], stream: u32, code: ErrorCode) {
    let (mut s, mut peer) = server();
    let (_, out) = feed(&mut s, &mut peer, bytes);
    assert!(s.error().is_none(), "{:?}", s.error());
    assert!(out.contains(&Out::Rst { stream, code }), "{out:?}");
}

fn get(peer: &mut RawPeer, stream: u32, end: bool) -> Vec<u8> {
    let mut out = Vec::new();
    peer.get(&mut out, stream, "/", end);
    out
}

fn raw(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_be_bytes();
    let mut out = vec![len[1], len[2], len[3], kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn preface_and_first_settings() {
    // Section 3.4: a bad preface is a PROTOCOL_ERROR.
    let mut s = ServerConn::new(Config::default());
    let e = s
        .handle_input(Instant::ZERO, b"GET / HTTP/1.1\r\n\r\n")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadPreface);
    assert!(
        drain_server(&mut s, &mut RawPeer::default()).contains(&Out::Goaway {
            last: 0,
            code: ErrorCode::PROTOCOL_ERROR
        })
    );
    // The first frame must be SETTINGS.
    let mut s = ServerConn::new(Config::default());
    let mut bytes = frame::PREFACE.to_vec();
    frame::write_ping(&mut bytes, [0; 8], false);
    assert_eq!(
        s.handle_input(Instant::ZERO, &bytes).unwrap_err().kind(),
        ErrorKind::MissingSettings
    );
    // The server's own preface: SETTINGS with our limits, a connection WINDOW_UPDATE.
    let (mut s, mut peer) = server();
    let out = drain_server(&mut s, &mut peer);
    assert_eq!(out[0], Out::Settings { ack: false });
    assert_eq!(
        out[1],
        Out::WindowUpdate {
            stream: 0,
            increment: (4 << 20) - 65_535
        }
    );
    assert_eq!(
        out[2],
        Out::Settings { ack: true },
        "the client's SETTINGS acknowledged"
    );
}

#[test]
fn frame_size_and_field_block_sequencing() {
    conn_error(&raw(0, 0, 1, &[0; 16_385]), ErrorCode::FRAME_SIZE_ERROR);
    let mut peer = RawPeer::default();
    let block = peer.block(&[(":method", "GET")]);
    // Section 6.10: anything between HEADERS and its CONTINUATION.
    let mut bytes = Vec::new();
    bytes.extend(headers(1, &block, false, false));
    frame::write_ping(&mut bytes, [0; 8], false);
    conn_error(&bytes, ErrorCode::PROTOCOL_ERROR);
    let mut bytes = Vec::new();
    bytes.extend(headers(1, &block, false, false));
    frame::write_continuation(&mut bytes, StreamId::new(3), b"", true);
    conn_error(&bytes, ErrorCode::PROTOCOL_ERROR);
    conn_error(&raw(9, 4, 1, b""), ErrorCode::PROTOCOL_ERROR);
    // Section 4.3: a block that does not decode.
    conn_error(
        &raw(1, 5, 1, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        ErrorCode::COMPRESSION_ERROR,
    );
    // Section 5.5: an unknown frame inside a block is not allowed either.
    let mut bytes = Vec::new();
    bytes.extend(headers(1, &block, false, false));
    bytes.extend_from_slice(&raw(0xfa, 0, 0, b""));
    conn_error(&bytes, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn a_block_split_across_continuations_is_one_request() {
    let (mut s, mut peer) = server();
    let block = peer.block(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/split"),
        (":authority", "x"),
    ]);
    let mut bytes = Vec::new();
    bytes.extend(headers(1, &block[..3], true, false));
    frame::write_continuation(&mut bytes, StreamId::new(1), &block[3..6], false);
    frame::write_continuation(&mut bytes, StreamId::new(1), &block[6..], true);
    let (events, _) = feed(&mut s, &mut peer, &bytes);
    assert!(
        matches!(&events[..], [SEv::Request { stream: 1, path: Some(p), end: true, .. }] if p == b"/split")
    );
}

#[test]
fn stream_identifiers_of_section_5_1_1() {
    let mut peer = RawPeer::default();
    conn_error(&get(&mut peer, 2, true), ErrorCode::PROTOCOL_ERROR);
    let mut peer = RawPeer::default();
    let mut bytes = get(&mut peer, 5, true);
    bytes.extend(get(&mut peer, 3, true));
    conn_error(&bytes, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn idle_stream_frames_of_section_5_1() {
    let mut d = Vec::new();
    frame::write_data(&mut d, StreamId::new(1), b"x", false);
    conn_error(&d, ErrorCode::PROTOCOL_ERROR);
    let mut r = Vec::new();
    frame::write_rst_stream(&mut r, StreamId::new(1), ErrorCode::CANCEL);
    conn_error(&r, ErrorCode::PROTOCOL_ERROR);
    let mut w = Vec::new();
    frame::write_window_update(&mut w, StreamId::new(1), 1);
    conn_error(&w, ErrorCode::PROTOCOL_ERROR);
    // PRIORITY on an idle stream is fine.
    let (mut s, mut peer) = server();
    let mut p = Vec::new();
    frame::write_priority(
        &mut p,
        StreamId::new(9),
        PriorityFields {
            exclusive: false,
            dependency: StreamId::ZERO,
            weight: 3,
        },
    );
    feed(&mut s, &mut peer, &p);
    assert!(s.error().is_none());
}

#[test]
fn half_closed_and_closed_streams() {
    // Section 5.1: DATA after the client's END_STREAM is STREAM_CLOSED.
    let mut peer = RawPeer::default();
    let mut bytes = get(&mut peer, 1, true);
    frame::write_data(&mut bytes, StreamId::new(1), b"x", false);
    stream_error(&bytes, 1, ErrorCode::STREAM_CLOSED);
    // After the client's RST_STREAM, further frames are STREAM_CLOSED.
    let mut peer = RawPeer::default();
    let mut bytes = get(&mut peer, 1, false);
    frame::write_rst_stream(&mut bytes, StreamId::new(1), ErrorCode::CANCEL);
    frame::write_data(&mut bytes, StreamId::new(1), b"x", false);
    stream_error(&bytes, 1, ErrorCode::STREAM_CLOSED);
    // After our RST_STREAM, frames in flight are ignored.
    let (mut s, mut peer) = server();
    let bytes = get(&mut peer, 1, false);
    let (ev, _) = feed(&mut s, &mut peer, &bytes);
    assert_eq!(ev.len(), 1);
    s.reset_stream(StreamId::new(1), ErrorCode::CANCEL).unwrap();
    let mut d = Vec::new();
    frame::write_data(&mut d, StreamId::new(1), b"late", true);
    let (ev, out) = feed(&mut s, &mut peer, &d);
    assert!(ev.is_empty() && s.error().is_none());
    assert!(!out.iter().any(|f| matches!(f, Out::Rst { .. })
        && *f
            != Out::Rst {
                stream: 1,
                code: ErrorCode::CANCEL
            }));
}

#[test]
fn flow_control_violations() {
    // A stream window of 16 KiB (after the SETTINGS ACK): 16 KiB + 1 is a stream error.
    let mut s = ServerConn::new(config(|c| c.initial_window_size = 16_384));
    let mut peer = RawPeer::default();
    let mut bytes = RawPeer::preface();
    frame::write_settings_ack(&mut bytes);
    let block = peer.block(&[
        (":method", "POST"),
        (":scheme", "https"),
        (":path", "/"),
        (":authority", "x"),
    ]);
    bytes.extend(headers(1, &block, false, true));
    frame::write_data(&mut bytes, StreamId::new(1), &[0; 16_384], false);
    frame::write_data(&mut bytes, StreamId::new(1), &[0; 1], false);
    let (_, out) = feed(&mut s, &mut peer, &bytes);
    assert!(
        out.contains(&Out::Rst {
            stream: 1,
            code: ErrorCode::FLOW_CONTROL_ERROR
        }),
        "{out:?}"
    );
    assert!(s.error().is_none());
    // Section 6.9.2: an initial window change that overflows a stream's window.
    let mut peer = RawPeer::default();
    let mut bytes = get(&mut peer, 1, true);
    frame::write_window_update(&mut bytes, StreamId::new(1), 0x7fff_0000);
    frame::write_settings(&mut bytes, &[(SettingId::INITIAL_WINDOW_SIZE, 0x10_0000)]);
    conn_error(&bytes, ErrorCode::FLOW_CONTROL_ERROR);
    // A stream window past 2^31-1 by WINDOW_UPDATE is a stream error.
    let mut peer = RawPeer::default();
    let mut bytes = get(&mut peer, 1, true);
    frame::write_window_update(&mut bytes, StreamId::new(1), 0x7fff_ffff);
    stream_error(&bytes, 1, ErrorCode::FLOW_CONTROL_ERROR);
}

#[test]
fn malformed_requests_are_stream_errors() {
    let cases: &[&[(&str, &str)]] = &[
        &[(":method", "GET"), (":path", "/"), (":authority", "x")],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("Upper", "1"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("connection", "close"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("te", "gzip"),
        ],
        &[
            (":method", "GET"),
            ("x", "1"),
            (":scheme", "https"),
            (":path", "/"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            (":status", "200"),
        ],
    ];
    for fields in cases {
        let mut peer = RawPeer::default();
        let block = peer.block(fields);
        let mut bytes = Vec::new();
        bytes.extend(headers(1, &block, true, true));
        stream_error(&bytes, 1, ErrorCode::PROTOCOL_ERROR);
    }
}

#[test]
fn content_length_and_trailers_rules_of_section_8_1() {
    let post = |peer: &mut RawPeer| {
        let block = peer.block(&[
            (":method", "POST"),
            (":scheme", "https"),
            (":path", "/"),
            (":authority", "x"),
            ("content-length", "3"),
        ]);
        let mut out = Vec::new();
        out.extend(headers(1, &block, false, true));
        out
    };
    let mut peer = RawPeer::default();
    let mut bytes = post(&mut peer);
    frame::write_data(&mut bytes, StreamId::new(1), b"four", true);
    stream_error(&bytes, 1, ErrorCode::PROTOCOL_ERROR);
    let mut peer = RawPeer::default();
    let mut bytes = post(&mut peer);
    frame::write_data(&mut bytes, StreamId::new(1), b"tw", true);
    stream_error(&bytes, 1, ErrorCode::PROTOCOL_ERROR);
    // Trailers without END_STREAM.
    let mut peer = RawPeer::default();
    let mut bytes = post(&mut peer);
    frame::write_data(&mut bytes, StreamId::new(1), b"abc", false);
    let t = peer.block(&[("x", "1")]);
    bytes.extend(headers(1, &t, false, true));
    stream_error(&bytes, 1, ErrorCode::PROTOCOL_ERROR);
    // A malformed request costs its stream only; the application never hears of it.
    let (mut s, mut peer) = server();
    let mut bytes = post(&mut peer);
    frame::write_data(&mut bytes, StreamId::new(1), b"four", true);
    let (events, _) = feed(&mut s, &mut peer, &bytes);
    assert_eq!(
        events,
        vec![
            events[0].clone(),
            SEv::Reset {
                stream: 1,
                code: ErrorCode::PROTOCOL_ERROR,
                by_peer: false
            }
        ],
        "the head was delivered, so the reset is reported"
    );
}

#[test]
fn self_dependency_and_priority_frames() {
    let mut peer = RawPeer::default();
    let block = peer.block(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/"),
        (":authority", "x"),
    ]);
    let mut bytes = Vec::new();
    let own = PriorityFields {
        exclusive: false,
        dependency: StreamId::new(1),
        weight: 0,
    };
    frame::write_headers(
        &mut bytes,
        StreamId::new(1),
        &block,
        true,
        true,
        Some(own),
        None,
    );
    stream_error(&bytes, 1, ErrorCode::PROTOCOL_ERROR);
    stream_error(&raw(2, 0, 3, &[0, 0, 0, 1]), 3, ErrorCode::FRAME_SIZE_ERROR);
    stream_error(
        &raw(2, 0, 3, &[0, 0, 0, 3, 0]),
        3,
        ErrorCode::PROTOCOL_ERROR,
    );
    // A PRIORITY_UPDATE from a client reprioritizes; from a server it is an error
    // (checked in the client tests).
    let (mut s, mut peer) = server();
    let bytes = get(&mut peer, 1, true);
    feed(&mut s, &mut peer, &bytes);
    let mut u = Vec::new();
    frame::write_priority_update(&mut u, StreamId::new(1), b"u=0");
    feed(&mut s, &mut peer, &u);
    assert!(s.error().is_none());
}

#[test]
fn settings_ping_goaway_from_the_client() {
    let (mut s, mut peer) = server();
    let mut bytes = Vec::new();
    frame::write_settings(
        &mut bytes,
        &[(SettingId::MAX_FRAME_SIZE, 65_536), (SettingId(0x99), 1)],
    );
    frame::write_ping(&mut bytes, *b"01234567", false);
    frame::write_ping(&mut bytes, *b"ignored!", true);
    frame::write_goaway(&mut bytes, StreamId::ZERO, ErrorCode::NO_ERROR, b"bye");
    let (events, out) = feed(&mut s, &mut peer, &bytes);
    assert_eq!(s.peer_settings().max_frame_size, 65_536);
    assert!(out.contains(&Out::Ping {
        ack: true,
        opaque: *b"01234567"
    }));
    assert!(
        !out.iter()
            .any(|f| matches!(f, Out::Ping { opaque, .. } if opaque == b"ignored!"))
    );
    assert!(
        events.contains(&SEv::PingAck(*b"ignored!")),
        "an ACK is reported, never answered"
    );
    assert!(events.contains(&SEv::Goaway {
        last: 0,
        code: ErrorCode::NO_ERROR,
        debug: b"bye".to_vec()
    }));
    conn_error(
        &raw(4, 0, 0, &[0, 2, 0, 0, 0, 2]),
        ErrorCode::PROTOCOL_ERROR,
    );
    conn_error(
        &raw(4, 0, 0, &[0, 4, 0x80, 0, 0, 0]),
        ErrorCode::FLOW_CONTROL_ERROR,
    );
    conn_error(
        &raw(4, 0, 0, &[0, 5, 0, 0, 0, 1]),
        ErrorCode::PROTOCOL_ERROR,
    );
    // Section 8.4: a client never pushes.
    conn_error(&raw(5, 4, 1, &[0, 0, 0, 2]), ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn settings_timeout() {
    let mut s = ServerConn::new(Config::default());
    s.handle_input(Instant::ZERO, &RawPeer::preface()).unwrap();
    let at = s.poll_timeout().unwrap();
    assert_eq!(at, Instant::ZERO + Duration::from_secs(10));
    let e = s.handle_timeout(at).unwrap_err();
    assert_eq!(e.code(), ErrorCode::SETTINGS_TIMEOUT);
    // An acknowledgement stops the timer.
    let mut s = ServerConn::new(Config::default());
    let mut bytes = RawPeer::preface();
    frame::write_settings_ack(&mut bytes);
    s.handle_input(Instant::ZERO, &bytes).unwrap();
    s.handle_timeout(at).unwrap();
    assert!(s.error().is_none());
}

#[test]
fn idle_timeout_closes_quietly() {
    let mut s = ServerConn::new(Config::default());
    let mut bytes = RawPeer::preface();
    frame::write_settings_ack(&mut bytes);
    s.handle_input(Instant::ZERO, &bytes).unwrap();
    drain_server(&mut s, &mut RawPeer::default());
    let at = s.poll_timeout().unwrap();
    assert_eq!(at, Instant::ZERO + Duration::from_secs(60));
    s.handle_timeout(at).unwrap();
    let out = drain_server(&mut s, &mut RawPeer::default());
    assert_eq!(
        out,
        vec![Out::Goaway {
            last: 0,
            code: ErrorCode::NO_ERROR
        }]
    );
    assert!(s.is_closed() && s.error().is_none());
}

#[test]
fn idle_period_starts_when_the_last_stream_ends() {
    let (mut s, mut peer) = server();
    let mut ack = Vec::new();
    frame::write_settings_ack(&mut ack);
    let mut bytes = get(&mut peer, 1, true);
    bytes.extend_from_slice(&ack);
    feed(&mut s, &mut peer, &bytes);
    assert_eq!(s.poll_timeout(), None, "a stream is open: no idle timer");
    s.send_response(StreamId::new(1), 204, fields(&[]), true)
        .unwrap();
    drain_server(&mut s, &mut peer);
    // The stream ended in a command: the machine asks for the time.
    assert_eq!(s.poll_timeout(), Some(Instant::ZERO));
    let later = Instant::ZERO + Duration::from_secs(30);
    s.handle_timeout(later).unwrap();
    assert_eq!(s.poll_timeout(), Some(later + Duration::from_secs(60)));
}

#[test]
fn graceful_shutdown_ping_timeout() {
    let (mut s, mut peer) = server();
    drain_server(&mut s, &mut peer);
    s.shutdown();
    let out = drain_server(&mut s, &mut peer);
    assert_eq!(
        out[0],
        Out::Goaway {
            last: 0x7fff_ffff,
            code: ErrorCode::NO_ERROR
        }
    );
    assert!(matches!(out[1], Out::Ping { ack: false, .. }));
    assert_eq!(
        s.poll_timeout(),
        Some(Instant::ZERO),
        "the wait starts when the time is known"
    );
    s.handle_timeout(Instant::from_millis(1)).unwrap();
    let deadline = s.poll_timeout().unwrap();
    assert!(deadline <= Instant::from_millis(5_001));
    s.handle_timeout(Instant::from_millis(5_001)).unwrap();
    let out = drain_server(&mut s, &mut peer);
    assert_eq!(
        out,
        vec![Out::Goaway {
            last: 0,
            code: ErrorCode::NO_ERROR
        }]
    );
    assert!(s.is_closed());
}

#[test]
fn keepalive_ping() {
    let mut s = ServerConn::new(config(|c| {
        c.keepalive_interval = Some(Duration::from_secs(5));
        c.idle_timeout = None;
    }));
    let mut bytes = RawPeer::preface();
    frame::write_settings_ack(&mut bytes);
    s.handle_input(Instant::ZERO, &bytes).unwrap();
    let mut peer = RawPeer::default();
    drain_server(&mut s, &mut peer);
    assert_eq!(s.poll_timeout(), Some(Instant::from_millis(5_000)));
    s.handle_timeout(Instant::from_millis(5_000)).unwrap();
    let out = drain_server(&mut s, &mut peer);
    assert!(matches!(out[..], [Out::Ping { ack: false, .. }]));
    let e = s.handle_timeout(Instant::from_millis(25_000)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PingTimeout);
}

#[test]
fn oversized_request_head_gets_431() {
    let (mut s, mut peer) = server();
    let big = "v".repeat(20_000);
    let block = peer.block(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/"),
        (":authority", "x"),
        ("x-big", &big),
    ]);
    let mut bytes = Vec::new();
    bytes.extend(headers(1, &block[..16_000], true, false));
    frame::write_continuation(&mut bytes, StreamId::new(1), &block[16_000..], true);
    let (events, out) = feed(&mut s, &mut peer, &bytes);
    assert!(events.is_empty());
    assert!(out.iter().any(|f| matches!(f, Out::Headers { stream: 1, end_stream: true, fields } if fields[0].1 == b"431")));
}

mod hostile_bytes {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panic_and_always_end(garbage in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let (mut s, mut peer) = server();
            let mut bytes = get(&mut peer, 1, false);
            bytes.extend_from_slice(&garbage);
            feed(&mut s, &mut peer, &bytes);
        }

        #[test]
        fn valid_frame_headers_with_garbage_payloads(frames in proptest::collection::vec((0u8..12, any::<u8>(), 0u32..8, proptest::collection::vec(any::<u8>(), 0..40)), 0..30)) {
            let (mut s, mut peer) = server();
            let mut bytes = Vec::new();
            for (kind, flags, stream, payload) in frames {
                bytes.extend(raw(kind, flags, stream, &payload));
            }
            feed(&mut s, &mut peer, &bytes);
            prop_assert!(s.queued_output() < 1 << 20);
        }
    }
}
