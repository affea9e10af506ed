//! The client machine against hand-written server frames.

mod h2_support;

use h2_support::*;
use shockwave_proto::Instant;
use shockwave_proto::h2::frame;
use shockwave_proto::h2::{ClientConn, Config, ErrorCode, SettingId, StreamId, UsageError};

/// A client that has sent one GET (stream 1) and read the server's SETTINGS.
fn client(config: Config) -> (ClientConn, RawPeer) {
    let mut c = ClientConn::new(config);
    let id = c
        .send_request(b"GET", b"https", b"x", b"/", None, fields(&[]), true)
        .unwrap();
    assert_eq!(id, StreamId::new(1));
    let mut bytes = Vec::new();
    frame::write_settings(&mut bytes, &[(SettingId::MAX_CONCURRENT_STREAMS, 2)]);
    c.handle_input(Instant::ZERO, &bytes).unwrap();
    (c, RawPeer::default())
}

fn events(c: &mut ClientConn) -> Vec<CEv> {
    let mut log = Vec::new();
    while let Some(ev) = c.poll_event() {
        log.push(own_client(ev));
    }
    log
}

fn response(peer: &mut RawPeer, stream: u32, status: &str, end: bool) -> Vec<u8> {
    let block = peer.block(&[(":status", status)]);
    let mut out = Vec::new();
    out.extend(headers(stream, &block, end, true));
    out
}

#[test]
fn the_preface_comes_first() {
    let mut c = ClientConn::new(Config::default());
    let out = c.poll_transmit().unwrap();
    assert!(out.starts_with(frame::PREFACE));
    assert_eq!(out[24 + 3], 0x4, "then SETTINGS");
}

#[test]
fn the_servers_concurrency_limit_holds() {
    let (mut c, _) = client(Config::default());
    assert_eq!(events(&mut c), vec![CEv::Settings]);
    assert!(c.can_open_stream());
    c.send_request(b"GET", b"https", b"x", b"/2", None, fields(&[]), true)
        .unwrap();
    assert!(!c.can_open_stream());
    assert_eq!(
        c.send_request(b"GET", b"https", b"x", b"/3", None, fields(&[]), true),
        Err(UsageError::StreamLimit)
    );
}

#[test]
fn goaway_refuses_the_streams_above_its_last_id() {
    let (mut c, _) = client(Config::default());
    c.send_request(b"GET", b"https", b"x", b"/2", None, fields(&[]), true)
        .unwrap();
    let mut bytes = Vec::new();
    frame::write_goaway(&mut bytes, StreamId::new(1), ErrorCode::NO_ERROR, b"");
    c.handle_input(Instant::ZERO, &bytes).unwrap();
    let log = events(&mut c);
    assert!(log.contains(&CEv::Goaway {
        last: 1,
        code: ErrorCode::NO_ERROR,
        debug: vec![]
    }));
    assert!(log.contains(&CEv::Reset {
        stream: 3,
        code: ErrorCode::REFUSED_STREAM,
        by_peer: true
    }));
    assert!(!c.can_open_stream());
    assert_eq!(
        c.send_request(b"GET", b"https", b"x", b"/", None, fields(&[]), true),
        Err(UsageError::GoingAway)
    );
    assert_eq!(c.active_streams(), 1, "stream 1 may still complete");
}

#[test]
fn responses_informational_and_head() {
    let (mut c, mut peer) = client(Config::default());
    let head = c
        .send_request(b"HEAD", b"https", b"x", b"/", None, fields(&[]), true)
        .unwrap();
    let mut bytes = response(&mut peer, 1, "100", false);
    bytes.extend(response(&mut peer, 1, "200", true));
    // A HEAD response may announce a length it does not send.
    let block = peer.block(&[(":status", "200"), ("content-length", "1234")]);
    frame::write_headers(&mut bytes, head, &block, true, true, None, None);
    c.handle_input(Instant::ZERO, &bytes).unwrap();
    let log = events(&mut c);
    assert_eq!(
        log[1],
        CEv::Info {
            stream: 1,
            status: 100,
            fields: vec![]
        }
    );
    assert_eq!(
        log[2],
        CEv::Response {
            stream: 1,
            status: 200,
            fields: vec![],
            end: true
        }
    );
    assert!(matches!(
        log[3],
        CEv::Response {
            stream: 3,
            status: 200,
            end: true,
            ..
        }
    ));
    assert_eq!(c.active_streams(), 0);
}

#[test]
fn server_errors_the_client_must_catch() {
    let fail = |bytes: &[u8], code: ErrorCode| {
        let (mut c, _) = client(Config::default());
        let _ = c.handle_input(Instant::ZERO, bytes);
        let _ = events(&mut c);
        assert_eq!(c.error().map(|e| e.code()), Some(code));
    };
    // RFC 9113 section 6.5.2: SETTINGS_ENABLE_PUSH = 1 from a server.
    let mut b = Vec::new();
    frame::write_settings(&mut b, &[(SettingId::ENABLE_PUSH, 1)]);
    fail(&b, ErrorCode::PROTOCOL_ERROR);
    // Section 6.6: a push the client disabled.
    let mut peer = RawPeer::default();
    let block = peer.block(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/p"),
        (":authority", "x"),
    ]);
    let mut b = Vec::new();
    frame::write_push_promise(
        &mut b,
        StreamId::new(1),
        StreamId::new(2),
        &block,
        true,
        None,
    );
    fail(&b, ErrorCode::PROTOCOL_ERROR);
    // RFC 9218 section 7.1: PRIORITY_UPDATE sent to a client.
    let mut b = Vec::new();
    frame::write_priority_update(&mut b, StreamId::new(1), b"u=1");
    fail(&b, ErrorCode::PROTOCOL_ERROR);
    // HEADERS on a stream the client never opened.
    let mut peer = RawPeer::default();
    fail(
        &response(&mut peer, 5, "200", true),
        ErrorCode::PROTOCOL_ERROR,
    );
    fail(
        &response(&mut peer, 2, "200", true),
        ErrorCode::PROTOCOL_ERROR,
    );
}

#[test]
fn malformed_responses_reset_the_stream() {
    for status in ["101", "20", "abc"] {
        let (mut c, mut peer) = client(Config::default());
        c.handle_input(Instant::ZERO, &response(&mut peer, 1, status, true))
            .unwrap();
        let log = events(&mut c);
        assert!(
            log.contains(&CEv::Reset {
                stream: 1,
                code: ErrorCode::PROTOCOL_ERROR,
                by_peer: false
            }),
            "{status}: {log:?}"
        );
        assert!(c.error().is_none());
    }
    // A 1xx with END_STREAM.
    let (mut c, mut peer) = client(Config::default());
    c.handle_input(Instant::ZERO, &response(&mut peer, 1, "103", true))
        .unwrap();
    assert!(events(&mut c).contains(&CEv::Reset {
        stream: 1,
        code: ErrorCode::PROTOCOL_ERROR,
        by_peer: false
    }));
}

/// Method, scheme, authority and path.
type RequestLine = (&'static [u8], &'static [u8], &'static [u8], &'static [u8]);

#[test]
fn request_pseudo_headers_are_checked() {
    let mut c = ClientConn::new(Config::default());
    let bad: [RequestLine; 5] = [
        (b"", b"https", b"x", b"/"),
        (b"G T", b"https", b"x", b"/"),
        (b"GET", b"", b"x", b"/"),
        (b"GET", b"https", b"x", b""),
        (b"CONNECT", b"https", b"x", b"/"),
    ];
    for (m, s, a, p) in bad {
        assert_eq!(
            c.send_request(m, s, a, p, None, fields(&[]), true),
            Err(UsageError::InvalidRequest)
        );
    }
    assert_eq!(
        c.send_request(
            b"GET",
            b"https",
            b"x",
            b"/",
            None,
            fields(&[("connection", "close")]),
            true
        ),
        Err(UsageError::ConnectionSpecificField)
    );
    assert_eq!(
        c.send_request(
            b"GET",
            b"https",
            b"x",
            b"/",
            None,
            fields(&[("X-Up", "1")]),
            true
        ),
        Err(UsageError::InvalidField)
    );
    // Plain CONNECT: only :method and :authority.
    let id = c
        .send_request(
            b"CONNECT",
            b"",
            b"example.com:443",
            b"",
            None,
            fields(&[]),
            false,
        )
        .unwrap();
    assert_eq!(id, StreamId::new(1), "the failed calls used no identifier");
}
