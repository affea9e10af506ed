//! RFC 9113 section 3: starting HTTP/2, the connection preface (h2spec `http2/3.5`).

use shockwave_proto::h2::{Config, ErrorCode};

use crate::peer::*;

/// h2spec 3.5/1: the client preface and SETTINGS are answered with the
/// server's SETTINGS first and an acknowledgement (checked by `connected`).
#[test]
fn s3_4_client_preface_is_answered_with_server_settings() {
    let mut p = Peer::connected();
    p.assert_no_error();
}

/// The server preface announces the configured limits, and a connection
/// window above the default comes as a WINDOW_UPDATE on stream 0.
#[test]
fn s3_4_server_preface_announces_the_configured_limits() {
    let config = Config::default();
    let mut p = Peer::fresh(config.clone());
    let mut hello = PREFACE.to_vec();
    hello.extend(settings(&[]));
    p.send(&hello);
    let first = p.frames.pop_front().expect("server preface");
    assert_eq!(
        (first.kind, first.flags, first.stream),
        (ty::SETTINGS, 0, 0)
    );
    let params = first.settings();
    let value = |id| params.iter().rev().find(|(i, _)| *i == id).map(|&(_, v)| v);
    assert_eq!(
        value(set::MAX_CONCURRENT_STREAMS),
        Some(config.max_concurrent_streams)
    );
    assert_eq!(
        value(set::INITIAL_WINDOW_SIZE),
        Some(config.initial_window_size)
    );
    assert_eq!(
        value(set::MAX_HEADER_LIST_SIZE),
        Some(config.max_header_list_size)
    );
    // RFC 8441 section 3: SETTINGS_ENABLE_CONNECT_PROTOCOL when extended CONNECT is on.
    assert_eq!(value(0x8), Some(1));
    // Values equal to the RFC defaults may be left out, others must be present.
    assert!(matches!(value(set::HEADER_TABLE_SIZE), None | Some(4096)));
    assert!(matches!(value(set::MAX_FRAME_SIZE), None | Some(16_384)));
    let wu = p
        .take(|f| f.kind == ty::WINDOW_UPDATE && f.stream == 0)
        .expect("connection WINDOW_UPDATE");
    let inc = u32::from_be_bytes(wu.payload[..4].try_into().unwrap());
    assert_eq!(inc, config.connection_window - 65_535);
}

/// h2spec 3.5/2: an invalid preface is a connection error of type
/// PROTOCOL_ERROR (RFC 9113 section 3.4); the GOAWAY may be omitted, this
/// machine sends it.
#[test]
fn s3_4_invalid_preface_is_protocol_error() {
    let mut p = Peer::fresh(Config::default());
    let mut hello = b"PRI * HTTP/2.1\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend(settings(&[]));
    p.send(&hello);
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// An HTTP/1.1 request where the preface belongs is not HTTP/2.
#[test]
fn s3_4_http1_request_instead_of_preface_is_protocol_error() {
    let mut p = Peer::fresh(Config::default());
    p.send(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// RFC 9113 section 3.4: the preface's first frame MUST be SETTINGS.
#[test]
fn s3_4_first_frame_not_settings_is_protocol_error() {
    let mut p = Peer::fresh(Config::default());
    let mut hello = PREFACE.to_vec();
    hello.extend(ping(*b"01234567"));
    p.send(&hello);
    p.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// The preface and SETTINGS split at every byte give the same start.
#[test]
fn s3_4_preface_fed_byte_by_byte() {
    let mut p = Peer::fresh(Config::default());
    let mut hello = PREFACE.to_vec();
    hello.extend(settings(&[(set::INITIAL_WINDOW_SIZE, 1000)]));
    hello.extend(settings_ack());
    for b in &hello {
        p.send(std::slice::from_ref(b));
    }
    let first = p.frames.pop_front().expect("server preface");
    assert_eq!(first.kind, ty::SETTINGS);
    assert!(
        p.take(|f| f.kind == ty::SETTINGS && f.has(fl::ACK))
            .is_some()
    );
    assert_eq!(p.conn.peer_settings().initial_window_size, 1000);
    p.assert_no_error();
}

/// A connection that ends inside the preface closes without a panic.
#[test]
fn s3_4_eof_inside_preface_closes() {
    let mut p = Peer::fresh(Config::default());
    p.send(&PREFACE[..10]);
    p.conn.handle_eof(p.now);
    p.pump();
    assert!(p.conn.is_closed());
}
