//! The HTTP/1.1 client machine fed hand-written server bytes: response framing
//! (RFC 9112 section 6.3), 1xx, upgrade and CONNECT, pipelining, keep-alive, and
//! split/no-panic properties. Errors are in `h1_client_errors.rs`; request
//! writing, timers and backpressure in `h1_client_requests.rs`.

mod common;

use common::client::*;
use proptest::prelude::*;
use shockwave_proto::Instant;
use shockwave_proto::h1::client::ClientConn;
use shockwave_proto::h1::{BodyFraming, ErrorKind, UsageError};

// ----- response framing (RFC 9112 section 6.3) -----

#[test]
fn content_length_body() {
    let (c, log) = get_then(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
    assert_eq!(
        log,
        [
            final_head(200, &[("content-length", "5")]),
            data("hello"),
            ClientEv::Finished
        ]
    );
    assert!(c.is_reusable());
    assert_eq!(c.in_flight(), 0);
}

#[test]
fn chunked_body_with_trailers() {
    let (c, log) = get_then(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\
          3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nx-checksum: 99\r\nx-more: a b\r\n\r\n",
    );
    assert_eq!(
        log,
        [
            final_head(200, &[("transfer-encoding", "chunked")]),
            data("abcde"),
            ClientEv::Trailers(owned(&[("x-checksum", "99"), ("x-more", "a b")])),
            ClientEv::Finished
        ]
    );
    assert!(c.is_reusable());
}

#[test]
fn close_delimited_body_ends_at_eof() {
    let (mut c, log) = get_then(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome ");
    assert_eq!(
        log,
        [
            final_head(200, &[("content-type", "text/plain")]),
            data("some ")
        ]
    );
    assert!(!c.is_reusable());
    feed(&mut c, b"more");
    assert_eq!(client_events(&mut c), [data("more")]);
    // No timer would end it early: only the close does.
    c.handle_eof(Instant::ZERO).unwrap();
    assert_eq!(client_events(&mut c), [ClientEv::Finished]);
    assert!(c.is_closed());
    assert!(!c.is_reusable());
    refuses_requests(&mut c);
}

#[test]
fn transfer_coding_without_chunked_is_close_delimited() {
    let (mut c, log) = get_then(b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n\x1f\x8b");
    assert_eq!(
        log,
        [
            final_head(200, &[("transfer-encoding", "gzip")]),
            ClientEv::Data(b"\x1f\x8b".to_vec())
        ]
    );
    c.handle_eof(Instant::ZERO).unwrap();
    assert_eq!(client_events(&mut c), [ClientEv::Finished]);
    assert!(c.is_closed());
}

#[test]
fn head_response_has_framing_fields_but_no_body() {
    let mut c = client();
    send(&mut c, "HEAD", "/");
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n");
    assert_eq!(
        client_events(&mut c),
        [
            final_head(200, &[("content-length", "1234")]),
            ClientEv::Finished
        ]
    );
    assert!(c.is_reusable());
    // Chunked announced on a HEAD response: still no body.
    send(&mut c, "HEAD", "/");
    feed(
        &mut c,
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    assert_eq!(
        client_events(&mut c),
        [
            final_head(200, &[("transfer-encoding", "chunked")]),
            ClientEv::Finished
        ]
    );
    assert!(c.is_reusable());
}

#[test]
fn no_content_and_not_modified_have_no_body() {
    let mut c = client();
    send(&mut c, "DELETE", "/x");
    send(&mut c, "GET", "/y");
    send(&mut c, "GET", "/z");
    feed(
        &mut c,
        b"HTTP/1.1 204 No Content\r\n\r\n\
          HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\netag: \"a\"\r\n\r\n\
          HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
    );
    assert_eq!(
        normalize_client(client_events(&mut c)),
        [
            final_head(204, &[]),
            ClientEv::Finished,
            final_head(304, &[("content-length", "10"), ("etag", "\"a\"")]),
            ClientEv::Finished,
            final_head(200, &[("content-length", "2")]),
            data("ok"),
            ClientEv::Finished,
        ]
    );
    assert!(c.is_reusable());
}

#[test]
fn informational_responses_come_before_the_final_one() {
    let mut c = client();
    send(&mut c, "POST", "/");
    feed(
        &mut c,
        b"HTTP/1.1 100 Continue\r\n\r\n\
          HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\nlink: </b.js>; rel=preload\r\n\r\n\
          HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n",
    );
    assert_eq!(
        client_events(&mut c),
        [
            ClientEv::Info(100, vec![]),
            ClientEv::Info(
                103,
                owned(&[
                    ("link", "</a.css>; rel=preload"),
                    ("link", "</b.js>; rel=preload")
                ])
            ),
            final_head(201, &[("content-length", "0")]),
            ClientEv::Finished,
        ]
    );
    assert!(c.is_reusable());
}

#[test]
fn informational_delivered_before_the_final_head_arrives() {
    let mut c = client();
    send(&mut c, "GET", "/");
    feed(
        &mut c,
        b"HTTP/1.1 103 Early Hints\r\nlink: </s>\r\n\r\nHTTP/1.1 2",
    );
    assert_eq!(
        client_events(&mut c),
        [ClientEv::Info(103, owned(&[("link", "</s>")]))]
    );
    feed(&mut c, b"00 OK\r\ncontent-length: 1\r\n\r\nx");
    assert_eq!(
        client_events(&mut c),
        [
            final_head(200, &[("content-length", "1")]),
            data("x"),
            ClientEv::Finished
        ]
    );
}

#[test]
fn too_many_informational_responses_is_an_error() {
    let config = config_with(|c| {
        c.max_informational = 2;
    });
    let hint = b"HTTP/1.1 103 Early Hints\r\n\r\n";
    let done = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";

    // Exactly the limit, twice: the count starts again with each request.
    let mut c = ClientConn::new(config.clone());
    for _ in 0..2 {
        send(&mut c, "GET", "/");
        feed(&mut c, &[&hint[..], hint, done].concat());
        assert_eq!(client_events(&mut c).len(), 4);
    }
    assert!(c.is_reusable());

    let mut c = ClientConn::new(config);
    send(&mut c, "GET", "/");
    let kind = feed_err(&mut c, &[&hint[..], hint, hint, done].concat());
    assert_eq!(kind, ErrorKind::UnexpectedInformational);
    assert!(c.is_closed());
}

#[test]
fn switching_protocols_hands_over_the_leftover_bytes() {
    let mut c = client();
    c.send_request(
        b"GET",
        b"/chat",
        [
            HOST,
            (b"connection", b"upgrade"),
            (b"upgrade", b"websocket"),
        ],
        BodyFraming::Empty,
    )
    .unwrap();
    let wire = drain_client(&mut c);
    assert_eq!(
        wire,
        b"GET /chat HTTP/1.1\r\nhost: example.com\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n"
    );
    feed(
        &mut c,
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n\x81\x02",
    );
    assert_eq!(
        client_events(&mut c),
        [
            final_head(101, &[("upgrade", "websocket"), ("connection", "upgrade")]),
            ClientEv::Upgraded(b"\x81\x02".to_vec()),
        ]
    );
    assert!(c.is_closed());
    assert!(!c.is_reusable());
    assert!(c.input_buf().is_empty());
    assert_eq!(c.poll_timeout(), None);
    refuses_requests(&mut c);
}

#[test]
fn bytes_after_a_101_head_join_the_leftover() {
    let mut c = client();
    c.send_request(
        b"GET",
        b"/",
        [HOST, (b"connection", b"upgrade"), (b"upgrade", b"x")],
        BodyFraming::Empty,
    )
    .unwrap();
    feed(
        &mut c,
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\nab",
    );
    let ev = c.poll_event().map(own_client);
    assert_eq!(ev, Some(final_head(101, &[("upgrade", "x")])));
    feed(&mut c, b"cd");
    assert_eq!(
        client_events(&mut c),
        [ClientEv::Upgraded(b"abcd".to_vec())]
    );
}

#[test]
fn two_hundred_to_connect_is_a_tunnel() {
    let mut c = client();
    c.send_request(
        b"CONNECT",
        b"example.com:443",
        [(b"host", b"example.com:443")],
        BodyFraming::Empty,
    )
    .unwrap();
    assert_eq!(
        drain_client(&mut c),
        b"CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n"
    );
    // A Content-Length on a 2xx to CONNECT frames nothing (RFC 9112 section 6.3 item 2).
    feed(
        &mut c,
        b"HTTP/1.1 200 Connection Established\r\ncontent-length: 3\r\n\r\n\x16\x03\x01",
    );
    assert_eq!(
        client_events(&mut c),
        [
            final_head(200, &[("content-length", "3")]),
            ClientEv::Upgraded(b"\x16\x03\x01".to_vec())
        ]
    );
    assert!(c.is_closed());

    // A refused CONNECT is an ordinary response.
    let mut c = client();
    c.send_request(
        b"CONNECT",
        b"example.com:443",
        [(b"host", b"example.com:443")],
        BodyFraming::Empty,
    )
    .unwrap();
    feed(
        &mut c,
        b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 2\r\n\r\nno",
    );
    assert_eq!(
        normalize_client(client_events(&mut c)),
        [
            final_head(407, &[("content-length", "2")]),
            data("no"),
            ClientEv::Finished
        ]
    );
    assert!(c.is_reusable());
}

#[test]
fn switching_protocols_nobody_asked_for_is_an_error() {
    // RFC 9110 section 7.8: a server MUST NOT switch to a protocol that was not
    // indicated by the client in the request's Upgrade field.
    let mut c = client();
    send(&mut c, "GET", "/");
    assert_eq!(
        feed_err(
            &mut c,
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n\r\n"
        ),
        ErrorKind::UnexpectedInformational
    );
    assert_eq!(client_events(&mut c), []);
    assert!(c.is_closed());

    // `connection: upgrade` alone names no protocol.
    let mut c = client();
    c.send_request(
        b"GET",
        b"/",
        [HOST, (b"connection", b"upgrade")],
        BodyFraming::Empty,
    )
    .unwrap();
    assert_eq!(
        feed_err(
            &mut c,
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n"
        ),
        ErrorKind::UnexpectedInformational
    );

    // Only the request that asked may be answered with 101, not the one before it.
    let mut c = client();
    send(&mut c, "GET", "/");
    c.send_request(
        b"GET",
        b"/ws",
        [
            HOST,
            (b"Connection", b"keep-alive, Upgrade"),
            (b"Upgrade", b"websocket"),
        ],
        BodyFraming::Empty,
    )
    .unwrap();
    assert_eq!(
        feed_err(
            &mut c,
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n"
        ),
        ErrorKind::UnexpectedInformational
    );
}

// ----- pipelining -----

#[test]
fn pipelined_responses_match_their_requests_in_order() {
    let mut c = client();
    let mut wire = Vec::new();
    for (method, target) in [("GET", "/a"), ("HEAD", "/b"), ("GET", "/c")] {
        wire.extend(send(&mut c, method, target));
    }
    assert_eq!(
        wire,
        b"GET /a HTTP/1.1\r\nhost: example.com\r\n\r\n\
          HEAD /b HTTP/1.1\r\nhost: example.com\r\n\r\n\
          GET /c HTTP/1.1\r\nhost: example.com\r\n\r\n"
    );
    assert_eq!(c.in_flight(), 3);
    feed(
        &mut c,
        b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na\
          HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n\
          HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n",
    );
    let mut log = Vec::new();
    let mut counts = Vec::new();
    while let Some(ev) = c.poll_event() {
        log.push(own_client(ev));
        counts.push(c.in_flight());
    }
    assert_eq!(
        normalize_client(log),
        [
            final_head(200, &[("content-length", "1")]),
            data("a"),
            ClientEv::Finished,
            final_head(200, &[("content-length", "100")]),
            ClientEv::Finished,
            final_head(200, &[("transfer-encoding", "chunked")]),
            data("c"),
            ClientEv::Finished,
        ]
    );
    // The last response has an empty trailer section, delivered before the end.
    assert_eq!(counts, [3, 3, 2, 2, 1, 1, 1, 1, 0]);
    assert!(c.is_reusable());
}

#[test]
fn max_in_flight_is_enforced() {
    let mut c = ClientConn::new(config_with(|c| {
        c.max_in_flight = 2;
    }));
    send(&mut c, "GET", "/1");
    send(&mut c, "GET", "/2");
    assert_eq!(
        c.send_request(b"GET", b"/3", [HOST], BodyFraming::Empty),
        Err(UsageError::TooManyInFlight)
    );
    assert_eq!(
        c.poll_transmit(),
        None,
        "nothing written for the refused request"
    );
    assert_eq!(c.in_flight(), 2);
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    // The response is in, but it counts until the application has seen it finish.
    let _ = client_events(&mut c);
    assert_eq!(c.in_flight(), 1);
    assert_eq!(
        send(&mut c, "GET", "/3"),
        b"GET /3 HTTP/1.1\r\nhost: example.com\r\n\r\n"
    );
}

#[test]
fn a_new_request_waits_for_the_body_of_the_last() {
    let mut c = client();
    c.send_request(b"POST", b"/up", [HOST], BodyFraming::Chunked)
        .unwrap();
    c.send_data(b"abc").unwrap();
    assert_eq!(
        c.send_request(b"GET", b"/", [HOST], BodyFraming::Empty),
        Err(UsageError::RequestInProgress)
    );
    c.finish().unwrap();
    send(&mut c, "GET", "/");
    assert_eq!(c.in_flight(), 2);
}

#[test]
fn an_early_response_during_the_request_body_is_delivered() {
    let mut c = client();
    c.send_request(b"PUT", b"/big", [HOST], BodyFraming::Length(10))
        .unwrap();
    c.send_data(b"01234").unwrap();
    feed(
        &mut c,
        b"HTTP/1.1 413 Content Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    );
    assert_eq!(
        client_events(&mut c),
        [
            final_head(413, &[("connection", "close"), ("content-length", "0")]),
            ClientEv::Finished
        ]
    );
    assert!(c.is_closed() || c.poll_transmit().is_some());
    assert!(!c.is_reusable());
}

// ----- keep-alive -----

#[test]
fn connection_close_in_a_response_ends_the_connection_after_it() {
    let mut c = client();
    send(&mut c, "GET", "/1");
    send(&mut c, "GET", "/2");
    feed(
        &mut c,
        b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
    );
    assert_eq!(
        normalize_client(client_events(&mut c)),
        [
            final_head(200, &[("connection", "close"), ("content-length", "2")]),
            data("ok"),
            ClientEv::Finished
        ]
    );
    assert!(c.is_closed());
    assert!(!c.is_reusable());
    // The second request was never answered: the pool may retry it elsewhere.
    assert_eq!(c.in_flight(), 1);
    assert!(c.input_buf().is_empty());
    assert_eq!(c.poll_timeout(), None);
    refuses_requests(&mut c);
}

#[test]
fn http10_response_closes_unless_it_says_keep_alive() {
    let (c, log) = get_then(b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nx");
    assert_eq!(
        log,
        [
            ClientEv::Head(200, "HTTP/1.0", owned(&[("content-length", "1")])),
            data("x"),
            ClientEv::Finished
        ]
    );
    assert!(c.is_closed());
    assert!(!c.is_reusable());

    let (c, log) =
        get_then(b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 1\r\n\r\nx");
    assert_eq!(log.len(), 3);
    assert!(!c.is_closed());
    assert!(c.is_reusable());
}

#[test]
fn reusable_only_when_idle_with_nothing_buffered() {
    let mut c = client();
    assert!(c.is_reusable(), "a fresh connection");
    send(&mut c, "GET", "/");
    assert!(!c.is_reusable(), "a request in flight");
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nab");
    assert!(!c.is_reusable(), "mid-body");
    feed(&mut c, b"c");
    assert!(!c.is_reusable(), "finished but not polled");
    let _ = client_events(&mut c);
    assert!(c.is_reusable());

    c.send_request(b"POST", b"/", [HOST], BodyFraming::Length(1))
        .unwrap();
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    assert_eq!(c.in_flight(), 0);
    assert!(!c.is_reusable(), "the request body is not finished");
    c.send_data(b"x").unwrap();
    c.finish().unwrap();
    assert!(c.is_reusable());
}

#[test]
fn unsolicited_bytes_are_held_and_spoil_the_connection() {
    let mut c = client();
    send(&mut c, "GET", "/");
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    assert!(c.is_reusable());
    // A server may send a 408 before it closes an idle connection; nobody asked.
    feed(
        &mut c,
        b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n",
    );
    assert_eq!(client_events(&mut c), []);
    assert!(!c.is_reusable());
    assert_eq!(c.error(), None);
    // A request now would be answered by the stale bytes: refused.
    refuses_requests(&mut c);
    assert_eq!(c.poll_transmit(), None);
    assert_eq!(client_events(&mut c), []);
}

#[test]
fn extra_bytes_after_a_body_are_not_delivered() {
    let (c, log) = get_then(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA");
    assert_eq!(
        log,
        [
            final_head(200, &[("content-length", "2")]),
            data("ok"),
            ClientEv::Finished
        ]
    );
    assert!(!c.is_reusable());
}

// ----- properties -----

/// One exchange for the property tests: the method, and the server's bytes.
#[derive(Clone, Debug)]
struct Exchange {
    method: &'static str,
    wire: Vec<u8>,
}

fn exchange() -> impl Strategy<Value = Exchange> {
    let informational = prop::collection::vec(
        (prop::sample::select(vec![100u16, 102, 103]), 0..3usize),
        0..3,
    );
    let body = prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 0..4);
    let trailers = prop::collection::vec(("[a-z]{1,8}", "[!-~]{0,10}"), 0..3);
    (
        prop::sample::select(vec!["GET", "HEAD", "POST"]),
        informational,
        prop::sample::select(vec![200u16, 201, 204, 304, 404, 500]),
        body,
        any::<bool>(),
        trailers,
    )
        .prop_map(|(method, info, status, pieces, chunked, trailers)| {
            let mut wire = Vec::new();
            for (code, links) in info {
                wire.extend_from_slice(format!("HTTP/1.1 {code} Info\r\n").as_bytes());
                for i in 0..links {
                    wire.extend_from_slice(format!("link: </{i}>\r\n").as_bytes());
                }
                wire.extend_from_slice(b"\r\n");
            }
            wire.extend_from_slice(format!("HTTP/1.1 {status} X\r\nserver: t\r\n").as_bytes());
            let has_body = method != "HEAD" && status != 204 && status != 304;
            let total: usize = pieces.iter().map(Vec::len).sum();
            if chunked {
                wire.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
                if has_body {
                    for p in &pieces {
                        wire.extend_from_slice(format!("{:x}\r\n", p.len()).as_bytes());
                        wire.extend_from_slice(p);
                        wire.extend_from_slice(b"\r\n");
                    }
                    wire.extend_from_slice(b"0\r\n");
                    for (n, v) in &trailers {
                        wire.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
                    }
                    wire.extend_from_slice(b"\r\n");
                }
            } else {
                wire.extend_from_slice(format!("content-length: {total}\r\n\r\n").as_bytes());
                if has_body {
                    wire.extend(pieces.concat());
                }
            }
            Exchange { method, wire }
        })
}

/// Sends the requests, feeds `wire` cut at `cuts`, polling after every piece
/// (backpressure may split a piece further); then the close. Returns the
/// normalized events and the error, if any.
fn run_cuts(
    methods: &[&str],
    wire: &[u8],
    cuts: &[usize],
    eof: bool,
) -> (Vec<ClientEv>, Option<ErrorKind>) {
    let mut c = client();
    for m in methods {
        send(&mut c, m, "/");
    }
    let mut log = run_on(&mut c, wire, cuts);
    if eof {
        let _ = c.handle_eof(Instant::ZERO);
    }
    log.extend(client_events(&mut c));
    (normalize_client(log), c.error().map(|e| e.kind()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any split of several pipelined responses gives the events of the whole.
    #[test]
    fn any_split_gives_the_same_events(
        exchanges in prop::collection::vec(exchange(), 1..5),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        eof in any::<bool>(),
    ) {
        let methods: Vec<&str> = exchanges.iter().map(|e| e.method).collect();
        let wire: Vec<u8> = exchanges.iter().flat_map(|e| e.wire.clone()).collect();
        let (whole, error) = run_cuts(&methods, &wire, &[], eof);
        prop_assert_eq!(error, None);
        let finished = whole.iter().filter(|e| **e == ClientEv::Finished).count();
        prop_assert_eq!(finished, exchanges.len());
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        let (split, split_error) = run_cuts(&methods, &wire, &cuts, eof);
        prop_assert_eq!(split_error, None);
        prop_assert_eq!(split, whole);
    }

    /// Feeding one byte at a time gives the events of the whole.
    #[test]
    fn byte_at_a_time_gives_the_same_events(exchanges in prop::collection::vec(exchange(), 1..3)) {
        let methods: Vec<&str> = exchanges.iter().map(|e| e.method).collect();
        let wire: Vec<u8> = exchanges.iter().flat_map(|e| e.wire.clone()).collect();
        let cuts: Vec<usize> = (0..wire.len()).collect();
        prop_assert_eq!(run_cuts(&methods, &wire, &cuts, false), run_cuts(&methods, &wire, &[], false));
    }

    /// Whatever a server sends back, the client never panics or spins.
    #[test]
    fn arbitrary_bytes_never_panic_or_loop(
        prefix in prop::sample::select(vec![
            &b""[..],
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        ]),
        data in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        upgrade in any::<bool>(),
        eof in any::<bool>(),
    ) {
        let mut c = client();
        let fields: Vec<(&[u8], &[u8])> = if upgrade {
            vec![HOST, (b"connection", b"upgrade"), (b"upgrade", b"x")]
        } else {
            vec![HOST]
        };
        c.send_request(b"GET", b"/", fields, BodyFraming::Empty).unwrap();
        send(&mut c, "HEAD", "/");
        let wire = [prefix, &data[..]].concat();
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        let _ = run_on(&mut c, &wire, &cuts);
        if eof {
            let _ = c.handle_eof(at(1));
        }
        let _ = client_events(&mut c);
        let _ = c.handle_timeout(at(1000));
        let _ = client_events(&mut c);
        let _ = c.poll_timeout();
        let _ = c.is_reusable();
    }
}

/// Feeds `wire` cut at `cuts` into an existing connection, polling as it goes.
fn run_on(c: &mut ClientConn, wire: &[u8], cuts: &[usize]) -> Vec<ClientEv> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&i| i.min(wire.len())).collect();
    bounds.push(wire.len());
    bounds.sort_unstable();
    let mut log = Vec::new();
    let mut start = 0;
    for end in bounds {
        let mut piece = &wire[start..end];
        start = end;
        for _ in 0..10_000 {
            match c.handle_input(Instant::ZERO, piece) {
                Ok(0) | Err(_) => break,
                Ok(n) => piece = &piece[n..],
            }
            log.extend(client_events(c));
        }
        log.extend(client_events(c));
    }
    log
}
