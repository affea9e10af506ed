//! Behaviour of the HTTP/1.1 server machine: keep-alive, pipelining, HTTP/1.0,
//! HEAD/204/304, 100-continue, upgrades, timeouts, EOF, usage errors,
//! backpressure, and properties (any split, no panic, head round trip).

mod common;

use core::time::Duration;

use common::{Ev, drain, drain_str, events, first_line, head, normalize, respond_all};
use proptest::prelude::*;
use shockwave_proto::Instant;
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config, ErrorKind, UsageError};

const T0: Instant = Instant::ZERO;

fn conn() -> ServerConn {
    ServerConn::new(Config::default())
}

fn feed(c: &mut ServerConn, bytes: &[u8]) {
    assert_eq!(c.handle_input(T0, bytes).unwrap(), bytes.len());
}

fn at(secs: u64) -> Instant {
    T0 + Duration::from_secs(secs)
}

// ----- keep-alive and pipelining -----

#[test]
fn keep_alive_cycles() {
    let mut c = conn();
    for i in 0..5 {
        feed(
            &mut c,
            format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes(),
        );
        let mut log = Vec::new();
        respond_all(&mut c, &mut log);
        assert_eq!(
            log,
            [
                head("GET", &format!("/{i}"), &[("Host", "a")]),
                Ev::Finished
            ]
        );
        assert_eq!(
            drain_str(&mut c),
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        );
        assert!(!c.is_closed());
    }
}

#[test]
fn pipelined_requests_wait_for_the_previous_response() {
    let mut c = conn();
    feed(
        &mut c,
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    // Without a response, only the first request is seen.
    assert_eq!(
        events(&mut c),
        [head("GET", "/1", &[("Host", "a")]), Ev::Finished]
    );
    assert!(events(&mut c).is_empty());
    // A response in progress still holds the next request back.
    c.send_response(200, [(b"x", b"1")], BodyFraming::Chunked)
        .unwrap();
    assert!(events(&mut c).is_empty());
    c.send_data(b"one").unwrap();
    c.finish().unwrap();
    let fields = [("Host", "a"), ("Content-Length", "3")];
    assert_eq!(
        events(&mut c),
        [
            head("POST", "/2", &fields),
            Ev::Data(b"abc".to_vec()),
            Ev::Finished
        ]
    );
    c.send_response_with_body(201, &[], b"two").unwrap();
    assert_eq!(
        events(&mut c),
        [head("GET", "/3", &[("Host", "a")]), Ev::Finished]
    );
    c.send_response_with_body(200, &[], b"three").unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\nx: 1\r\ntransfer-encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n\
         HTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\ntwo\
         HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nthree"
    );
    assert!(!c.is_closed());
}

// ----- HTTP/1.0 and Connection: close -----

#[test]
fn http10_closes_by_default() {
    let mut c = conn();
    feed(
        &mut c,
        b"GET / HTTP/1.0\r\n\r\nGET /ignored HTTP/1.0\r\n\r\n",
    );
    let mut log = Vec::new();
    respond_all(&mut c, &mut log);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
    );
    assert!(c.is_closed());
}

#[test]
fn http10_keep_alive_when_asked() {
    let mut c = conn();
    for _ in 0..2 {
        feed(&mut c, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        respond_all(&mut c, &mut Vec::new());
        assert_eq!(
            drain_str(&mut c),
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"
        );
        assert!(!c.is_closed());
    }
}

#[test]
fn http10_chunked_response_is_close_delimited() {
    let mut c = conn();
    feed(&mut c, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let _ = events(&mut c);
    c.send_response(200, [(b"x", b"y")], BodyFraming::Chunked)
        .unwrap();
    assert_eq!(c.send_data(b"abc").unwrap(), 3);
    assert_eq!(c.send_data(b"def").unwrap(), 3);
    assert_eq!(
        c.send_trailers(&[(b"t", b"1")]),
        Err(UsageError::TrailersNotChunked)
    );
    c.finish().unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\nx: y\r\nconnection: close\r\n\r\nabcdef"
    );
    assert!(c.is_closed());
}

#[test]
fn client_connection_close_ends_after_the_response() {
    let mut c = conn();
    feed(
        &mut c,
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\nGET /late HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let mut log = Vec::new();
    respond_all(&mut c, &mut log);
    assert_eq!(log.len(), 2);
    let out = drain_str(&mut c);
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
    );
    assert!(c.is_closed());
    assert_eq!(c.handle_input(T0, b"x"), Ok(0));
}

#[test]
fn close_while_idle_and_during_an_exchange() {
    let mut c = conn();
    c.close();
    assert!(c.is_closed());
    assert!(c.poll_transmit().is_none());

    let mut c = conn();
    feed(
        &mut c,
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let _ = events(&mut c);
    c.close();
    assert!(!c.is_closed());
    c.send_response_with_body(200, &[], b"bye").unwrap();
    assert!(events(&mut c).is_empty());
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nbye"
    );
    assert!(c.is_closed());
    assert_eq!(c.send_data(b"x"), Err(UsageError::Closed));
}

// ----- HEAD, 204, 304 -----

#[test]
fn head_gets_framing_but_no_body() {
    let mut c = conn();
    feed(&mut c, b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
    let _ = events(&mut c);
    c.send_response(200, [(b"x", b"y")], BodyFraming::Length(5))
        .unwrap();
    assert!(c.send_data(b"hello").is_err());
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\nx: y\r\ncontent-length: 5\r\n\r\n"
    );

    // The one-call form drops the body too, and the connection goes on.
    feed(&mut c, b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
    let _ = events(&mut c);
    c.send_response_with_body(200, &[], b"hello").unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"
    );
    feed(&mut c, b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
    let _ = events(&mut c);
    c.send_response(200, Vec::<(&[u8], &[u8])>::new(), BodyFraming::Chunked)
        .unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    assert!(!c.is_closed());
}

#[test]
fn no_content_and_not_modified_have_no_framing_and_refuse_a_body() {
    for (status, line) in [
        (204, "HTTP/1.1 204 No Content"),
        (304, "HTTP/1.1 304 Not Modified"),
    ] {
        let mut c = conn();
        feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let _ = events(&mut c);
        assert_eq!(
            c.send_response(status, [(b"etag", b"\"1\"")], BodyFraming::Length(3)),
            Err(UsageError::BodyNotAllowed),
            "{status}"
        );
        assert_eq!(
            c.send_response_with_body(status, &[], b"abc"),
            Err(UsageError::BodyNotAllowed),
            "{status}"
        );
        assert!(c.poll_transmit().is_none());
        c.send_response(status, [(b"etag", b"\"1\"")], BodyFraming::Empty)
            .unwrap();
        assert!(c.send_data(b"x").is_err());
        assert_eq!(drain_str(&mut c), format!("{line}\r\netag: \"1\"\r\n\r\n"));
        feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let _ = events(&mut c);
        c.send_response_with_body(status, &[], b"").unwrap();
        assert_eq!(drain_str(&mut c), format!("{line}\r\n\r\n"));
        assert!(!c.is_closed());
    }
}

// ----- 100-continue -----

#[test]
fn continue_is_sent_when_the_app_asks_for_the_body() {
    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    );
    let ev = events(&mut c);
    assert_eq!(ev.len(), 1);
    assert_eq!(drain_str(&mut c), "HTTP/1.1 100 Continue\r\n\r\n");
    assert!(events(&mut c).is_empty());
    assert!(c.poll_transmit().is_none(), "100 Continue sent once");
    feed(&mut c, b"hello");
    assert_eq!(events(&mut c), [Ev::Data(b"hello".to_vec()), Ev::Finished]);
    c.send_response_with_body(200, &[], b"").unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
    );
    assert!(!c.is_closed());
}

#[test]
fn continue_is_not_sent_when_the_app_answers_first() {
    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
    );
    let Some(ServerEvent::RequestReceived(req)) = c.poll_event() else {
        panic!("no request")
    };
    assert!(req.expects_continue());
    c.send_response_with_body(413, &[], b"").unwrap();
    assert!(events(&mut c).is_empty());
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 413 Content Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    assert!(c.is_closed());
}

#[test]
fn a_success_answered_first_still_sends_continue_and_reads_the_body() {
    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    );
    let Some(ServerEvent::RequestReceived(_)) = c.poll_event() else {
        panic!("no request")
    };
    // A streaming handler answers at once and echoes the body as it comes.
    c.send_response(200, [(b"x", b"y")], BodyFraming::Chunked)
        .unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nx: y\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    feed(&mut c, b"hello");
    assert_eq!(events(&mut c), [Ev::Data(b"hello".to_vec()), Ev::Finished]);
    c.finish().unwrap();
    drain_str(&mut c);
    assert!(!c.is_closed(), "the connection stays alive");
    feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::RequestReceived(_))
    ));
}

#[test]
fn continue_is_not_sent_to_http10_or_when_the_body_came_along() {
    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
    );
    let _ = events(&mut c);
    assert!(c.poll_transmit().is_none());

    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    );
    assert_eq!(events(&mut c).len(), 3);
    assert!(c.poll_transmit().is_none());
}

// ----- upgrade and CONNECT -----

#[test]
fn upgrade_hands_over_the_leftover_bytes() {
    let mut c = conn();
    feed(
        &mut c,
        b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    );
    let Some(ServerEvent::RequestReceived(req)) = c.poll_event() else {
        panic!()
    };
    assert!(req.is_upgrade());
    c.send_response(101, [(b"upgrade", b"websocket")], BodyFraming::Empty)
        .unwrap();
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::Upgraded(b"\x81\x05hello"))
    ));
    assert!(c.poll_event().is_none(), "the leftover is handed out once");
    assert!(!c.is_closed(), "101 not written yet");
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n"
    );
    assert!(c.is_closed());
    assert_eq!(c.handle_input(T0, b"more"), Ok(0));
    assert!(c.input_buf().is_empty());
    assert_eq!(c.send_data(b"x"), Err(UsageError::Closed));
}

#[test]
fn upgrade_declined_and_101_without_upgrade() {
    let mut c = conn();
    feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let _ = events(&mut c);
    assert_eq!(
        c.send_response(101, [(b"upgrade", b"x")], BodyFraming::Empty),
        Err(UsageError::NotUpgraded)
    );
    c.send_response_with_body(200, &[], b"").unwrap();

    feed(
        &mut c,
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n",
    );
    let _ = events(&mut c);
    c.send_response_with_body(200, &[], b"no").unwrap();
    let _ = drain(&mut c);
    assert!(!c.is_closed());
}

#[test]
fn connect_2xx_is_a_tunnel() {
    let mut c = conn();
    feed(
        &mut c,
        b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\x16\x03\x01",
    );
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Ev::Head { target, .. } if target == b"a.example:443"));
    c.send_response(200, Vec::<(&[u8], &[u8])>::new(), BodyFraming::Empty)
        .unwrap();
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::Upgraded(b"\x16\x03\x01"))
    ));
    assert!(c.poll_event().is_none());
    assert_eq!(drain_str(&mut c), "HTTP/1.1 200 OK\r\n\r\n");
    assert!(c.is_closed());

    // A refused CONNECT is an ordinary response.
    let mut c = conn();
    feed(
        &mut c,
        b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
    );
    let _ = events(&mut c);
    c.send_response_with_body(403, &[], b"").unwrap();
    assert!(drain_str(&mut c).starts_with("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n"));
    assert!(!c.is_closed());
}

// ----- bodies -----

#[test]
fn response_before_the_body_drops_the_rest_of_it() {
    for cut in [0, 3, 10] {
        let mut c = conn();
        let req = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789";
        let head_len = req.len() - 10;
        feed(&mut c, &req[..head_len + cut]);
        assert!(matches!(
            c.poll_event(),
            Some(ServerEvent::RequestReceived(_))
        ));
        c.send_response_with_body(400, &[], b"").unwrap();
        feed(&mut c, &req[head_len + cut..]);
        feed(&mut c, b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(
            events(&mut c),
            [head("GET", "/next", &[("Host", "a")]), Ev::Finished],
            "{cut}"
        );
        c.send_response_with_body(200, &[], b"").unwrap();
        assert_eq!(drain_str(&mut c).matches("HTTP/1.1 ").count(), 2);
        assert!(!c.is_closed());
    }
}

#[test]
fn response_during_a_chunked_body_drops_the_rest_of_it() {
    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    );
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::RequestReceived(_))
    ));
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::DataReceived(b"abc"))
    ));
    c.send_response_with_body(200, &[], b"").unwrap();
    feed(
        &mut c,
        b"4\r\ndefg\r\n0\r\nx-t: 1\r\n\r\nGET /n HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert_eq!(
        events(&mut c),
        [head("GET", "/n", &[("Host", "a")]), Ev::Finished]
    );
}

#[test]
fn request_trailers_are_delivered() {
    let mut c = conn();
    feed(
        &mut c,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nChecksum: 99\r\nX-Other: a b\r\n\r\n",
    );
    let ev = normalize(events(&mut c));
    assert_eq!(
        ev[1..],
        [
            Ev::Data(b"abcde".to_vec()),
            Ev::Trailers(vec![
                (b"Checksum".to_vec(), b"99".to_vec()),
                (b"X-Other".to_vec(), b"a b".to_vec())
            ]),
            Ev::Finished
        ]
    );
}

// ----- timeouts -----

#[test]
fn slowloris_head_gets_408() {
    let mut c = conn();
    let read = c.config().header_read_timeout;
    let req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut now = T0;
    for &b in &req[..10] {
        now += read / 8;
        c.handle_input(now, &[b]).unwrap();
        if let Some(deadline) = c.poll_timeout() {
            if now >= deadline {
                break;
            }
            // Early calls are harmless.
            c.handle_timeout(now).unwrap();
        }
    }
    let deadline = c.poll_timeout().unwrap();
    assert_eq!(deadline, T0 + read / 8 + read, "from the head's first byte");
    assert_eq!(
        c.handle_timeout(deadline).unwrap_err().kind(),
        ErrorKind::HeadTimeout
    );
    let out = drain_str(&mut c);
    assert_eq!(first_line(&out), "HTTP/1.1 408 Request Timeout");
    assert!(c.is_closed());
    assert!(c.poll_timeout().is_none());
}

#[test]
fn idle_keep_alive_connection_closes_quietly() {
    let mut c = conn();
    let cfg = c.config().clone();
    // Before the first request the head timer runs from the start.
    assert_eq!(c.poll_timeout(), Some(T0 + cfg.header_read_timeout));
    c.handle_input(at(1), b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert_eq!(c.poll_timeout(), None, "waiting for the application");
    respond_all(&mut c, &mut Vec::new());
    let _ = drain(&mut c);
    // The exchange ended in a command: the machine asks for the time at once.
    assert_eq!(c.poll_timeout(), Some(at(1)));
    c.handle_timeout(at(1)).unwrap();
    let deadline = c.poll_timeout().unwrap();
    assert_eq!(deadline, at(1) + cfg.keep_alive_timeout);
    c.handle_timeout(at(2)).unwrap();
    c.handle_timeout(Instant::from_nanos(deadline.as_nanos() - 1))
        .unwrap();
    assert!(!c.is_closed());
    c.handle_timeout(deadline).unwrap();
    assert!(c.poll_transmit().is_none(), "closed without a response");
    assert!(c.is_closed());
}

#[test]
fn first_request_never_arriving_closes_quietly() {
    let mut c = conn();
    let deadline = c.poll_timeout().unwrap();
    c.handle_timeout(deadline).unwrap();
    assert!(c.poll_transmit().is_none());
    assert!(c.is_closed());
}

#[test]
fn stalled_body_gets_408() {
    let mut c = conn();
    let cfg = c.config().clone();
    c.handle_input(
        at(1),
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
    )
    .unwrap();
    assert_eq!(c.poll_timeout(), None, "bytes wait for the application");
    let _ = events(&mut c);
    // The application took the bytes at a moment the machine was not told:
    // it asks for the time at once, and the stall period starts from there.
    assert_eq!(c.poll_timeout(), Some(at(1)));
    c.handle_timeout(at(2)).unwrap();
    assert_eq!(c.poll_timeout(), Some(at(2) + cfg.body_read_timeout));
    c.handle_input(at(5), b"de").unwrap();
    let _ = events(&mut c);
    c.handle_timeout(at(5)).unwrap();
    let deadline = c.poll_timeout().unwrap();
    assert_eq!(
        deadline,
        at(5) + cfg.body_read_timeout,
        "more bytes restart the timer"
    );
    c.handle_timeout(at(6)).unwrap();
    assert_eq!(
        c.handle_timeout(deadline).unwrap_err().kind(),
        ErrorKind::BodyTimeout
    );
    assert_eq!(
        first_line(&drain_str(&mut c)),
        "HTTP/1.1 408 Request Timeout"
    );
    assert!(c.is_closed());
}

#[test]
fn no_timer_while_the_response_is_pending() {
    let mut c = conn();
    feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let _ = events(&mut c);
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(at(1_000_000)).unwrap();
    c.send_response_with_body(200, &[], b"").unwrap();
    assert!(!c.is_closed());
}

// ----- EOF -----

#[test]
fn eof_when_idle_closes_quietly() {
    let mut c = conn();
    c.handle_eof(T0).unwrap();
    assert!(c.poll_transmit().is_none());
    assert!(c.is_closed());
    c.handle_eof(T0).unwrap();
}

#[test]
fn eof_in_a_head_is_400() {
    let mut c = conn();
    feed(&mut c, b"GET / HTTP/1.1\r\nHo");
    assert_eq!(
        c.handle_eof(T0).unwrap_err().kind(),
        ErrorKind::IncompleteHead
    );
    assert_eq!(first_line(&drain_str(&mut c)), "HTTP/1.1 400 Bad Request");
    assert!(c.is_closed());
}

#[test]
fn eof_in_a_body_is_400() {
    for body in [
        &b"Content-Length: 5\r\n\r\nab"[..],
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nab",
    ] {
        let mut c = conn();
        feed(&mut c, b"POST / HTTP/1.1\r\nHost: a\r\n");
        feed(&mut c, body);
        let _ = events(&mut c);
        assert_eq!(
            c.handle_eof(T0).unwrap_err().kind(),
            ErrorKind::IncompleteBody
        );
        assert_eq!(first_line(&drain_str(&mut c)), "HTTP/1.1 400 Bad Request");
        assert!(c.is_closed());
    }
}

#[test]
fn eof_after_the_request_still_lets_the_response_out() {
    let mut c = conn();
    feed(
        &mut c,
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let _ = events(&mut c);
    c.handle_eof(T0).unwrap();
    assert_eq!(c.handle_input(T0, b"x"), Ok(0));
    c.send_response(200, [(b"x", b"y")], BodyFraming::Chunked)
        .unwrap();
    c.send_data(b"abc").unwrap();
    assert!(!c.is_closed());
    c.finish().unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\nx: y\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    );
    assert!(c.is_closed());
}

#[test]
fn eof_with_a_complete_request_waiting_answers_it() {
    // The next head waits unparsed behind the exchange that just ended; EOF must
    // not call it incomplete.
    let mut c = conn();
    feed(
        &mut c,
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert_eq!(events(&mut c).len(), 2);
    c.send_response_with_body(200, &[], b"1").unwrap();
    c.handle_eof(T0).unwrap();
    assert_eq!(
        events(&mut c),
        [head("GET", "/2", &[("Host", "a")]), Ev::Finished]
    );
    c.send_response_with_body(200, &[], b"2").unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n1HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\n2"
    );
    assert!(c.is_closed());
}

#[test]
fn eof_after_upgrade_and_after_close_is_harmless() {
    let mut c = conn();
    feed(&mut c, b"CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n");
    let _ = events(&mut c);
    c.send_response_with_body(200, &[], b"").unwrap();
    c.handle_eof(T0).unwrap();
    let _ = drain(&mut c);
    assert!(c.is_closed());

    let mut c = conn();
    c.close();
    c.handle_eof(T0).unwrap();
    assert!(c.is_closed());
}

// ----- usage errors -----

#[test]
fn header_injection_is_refused_and_nothing_written() {
    let bad: &[(&[u8], &[u8])] = &[
        (b"x", b"a\r\nset-cookie: evil"),
        (b"x", b"a\nb"),
        (b"x", b"a\rb"),
        (b"x", b"a\0b"),
        (b"x\r\ny", b"1"),
        (b"x y", b"1"),
        (b"x:", b"1"),
        (b"", b"1"),
        (b"x\0", b"1"),
    ];
    let mut c = conn();
    feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let _ = events(&mut c);
    for &(n, v) in bad {
        let fields = [(b"ok".as_slice(), b"1".as_slice()), (n, v)];
        assert_eq!(
            c.send_response(200, fields, BodyFraming::Empty),
            Err(UsageError::InvalidField),
            "{n:?} {v:?}"
        );
        assert_eq!(
            c.send_response_with_body(200, &fields, b""),
            Err(UsageError::InvalidField)
        );
        assert_eq!(
            c.send_informational(103, &fields),
            Err(UsageError::InvalidField)
        );
        assert!(c.poll_transmit().is_none());
    }
    for name in [&b"content-length"[..], b"Transfer-Encoding"] {
        assert_eq!(
            c.send_response(200, [(name, b"1")], BodyFraming::Empty),
            Err(UsageError::ManagedField)
        );
    }
    assert!(c.poll_transmit().is_none());
    // The state is unchanged: a good response still goes out.
    c.send_response(200, [(b"ok", b"1")], BodyFraming::Chunked)
        .unwrap();
    assert_eq!(
        c.send_trailers(&[(b"t", b"a\r\nb")]),
        Err(UsageError::InvalidField)
    );
    assert_eq!(
        c.send_trailers(&[(b"content-length", b"1")]),
        Err(UsageError::ManagedField)
    );
    c.finish().unwrap();
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\nok: 1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
    );
}

#[test]
fn commands_out_of_order_are_usage_errors() {
    let mut c = conn();
    assert_eq!(c.send_data(b"x"), Err(UsageError::HeadNotSent));
    assert_eq!(c.finish(), Err(UsageError::HeadNotSent));
    assert_eq!(
        c.send_response(200, [(b"x", b"y")], BodyFraming::Empty),
        Err(UsageError::NoRequestPending)
    );
    assert_eq!(
        c.send_informational(100, &[]),
        Err(UsageError::NoRequestPending)
    );
    feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    // The head has not been handed to the application yet.
    assert_eq!(
        c.send_response_with_body(200, &[], b""),
        Err(UsageError::NoRequestPending)
    );
    let _ = events(&mut c);
    assert_eq!(c.send_data(b"x"), Err(UsageError::HeadNotSent));
    assert_eq!(
        c.send_informational(101, &[]),
        Err(UsageError::InvalidStatus)
    );
    assert_eq!(
        c.send_informational(200, &[]),
        Err(UsageError::InvalidStatus)
    );
    assert_eq!(
        c.send_response_with_body(99, &[], b""),
        Err(UsageError::InvalidStatus)
    );
    assert_eq!(
        c.send_response_with_body(1000, &[], b""),
        Err(UsageError::InvalidStatus)
    );
    assert_eq!(
        c.send_response_with_body(103, &[], b""),
        Err(UsageError::InvalidStatus)
    );
    assert!(c.poll_transmit().is_none());
    c.send_informational(103, &[(b"link", b"</a>")]).unwrap();
    c.send_response(200, [(b"x", b"y")], BodyFraming::Length(3))
        .unwrap();
    assert_eq!(
        c.send_response(200, [(b"x", b"y")], BodyFraming::Empty),
        Err(UsageError::NoRequestPending)
    );
    assert_eq!(c.send_data(b"abcd"), Err(UsageError::BodyTooLong));
    assert_eq!(c.finish(), Err(UsageError::BodyTooShort));
    assert_eq!(c.send_data(b"ab"), Ok(2));
    assert_eq!(c.send_data(b"cd"), Err(UsageError::BodyTooLong));
    assert_eq!(c.send_data(b"c"), Ok(1));
    assert_eq!(
        c.send_trailers(&[(b"t", b"1")]),
        Err(UsageError::TrailersNotChunked)
    );
    c.finish().unwrap();
    assert!(c.finish().is_err());
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nx: y\r\ncontent-length: 3\r\n\r\nabc"
    );
}

#[test]
fn output_full_backpressure() {
    let mut config = Config::default();
    config.max_write_buffer = 64;
    for framing in [BodyFraming::Length(1000), BodyFraming::Chunked] {
        let mut c = ServerConn::new(config.clone());
        feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let _ = events(&mut c);
        c.send_response(200, [(b"x", b"y".repeat(80))], framing)
            .unwrap();
        let body: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
        assert_eq!(
            c.send_data(&body),
            Err(UsageError::OutputFull),
            "{framing:?}"
        );
        let mut wire = Vec::new();
        let mut sent = 0;
        while sent < body.len() {
            wire.extend(drain(&mut c));
            let n = c.send_data(&body[sent..]).unwrap();
            assert!(n > 0 && n <= 64, "{n}");
            assert!(c.poll_transmit().unwrap().len() <= 64);
            sent += n;
        }
        c.finish().unwrap();
        wire.extend(drain(&mut c));
        let wire = String::from_utf8(wire).unwrap();
        let body_wire = &wire[wire.find("\r\n\r\n").unwrap() + 4..];
        if framing == BodyFraming::Chunked {
            let mut decoded = Vec::new();
            let mut rest = body_wire;
            loop {
                let (size, after) = rest.split_once("\r\n").unwrap();
                let size = usize::from_str_radix(size, 16).unwrap();
                if size == 0 {
                    break;
                }
                decoded.extend_from_slice(&after.as_bytes()[..size]);
                rest = &after[size + 2..];
            }
            assert_eq!(decoded, body);
        } else {
            assert_eq!(body_wire.as_bytes(), body);
        }
    }
}

// ----- input backpressure -----

#[test]
fn unread_body_stops_input_until_polled() {
    let mut config = Config::default();
    config.read_buffer_initial = 1024;
    let mut c = ServerConn::new(config);
    let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let mut wire = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000\r\n\r\n".to_vec();
    wire.extend_from_slice(&body);
    wire.extend_from_slice(b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    let mut fed = 0;
    let mut got = Vec::new();
    let mut log = Vec::new();
    let mut rounds = 0;
    while fed < wire.len() {
        rounds += 1;
        assert!(rounds < 1000);
        let buf = c.input_buf();
        let n = buf.len().min(wire.len() - fed);
        buf[..n].copy_from_slice(&wire[fed..fed + n]);
        fed += n;
        c.input_filled(T0, n).unwrap();
        if n > 0 && fed < wire.len() && got.len() < body.len() {
            // Body bytes wait for the application: no more room until it polls.
            assert!(c.input_buf().is_empty() || c.poll_timeout().is_some());
        }
        while let Some(ev) = c.poll_event() {
            match ev {
                ServerEvent::DataReceived(d) => got.extend_from_slice(d),
                ServerEvent::RequestFinished => {
                    log.push(Ev::Finished);
                    c.send_response_with_body(200, &[], b"").unwrap();
                }
                ev => log.push(common::own(ev)),
            }
        }
    }
    assert_eq!(got, body);
    assert!(rounds > 5, "the read buffer did not apply backpressure");
    assert_eq!(log.len(), 4);
    assert_eq!(log[2], head("GET", "/after", &[("Host", "a")]));
}

#[test]
fn handle_input_takes_only_what_fits() {
    let mut config = Config::default();
    config.read_buffer_initial = 1024;
    config.max_head_size = 1024;
    let mut c = ServerConn::new(config);
    let mut wire = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n".to_vec();
    wire.extend(std::iter::repeat_n(b'z', 5000));
    let n = c.handle_input(T0, &wire).unwrap();
    assert!(n < wire.len());
    assert!(c.input_buf().is_empty());
    assert_eq!(c.handle_input(T0, &wire[n..]).unwrap(), 0);
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::RequestReceived(_))
    ));
    assert!(matches!(c.poll_event(), Some(ServerEvent::DataReceived(_))));
    assert!(c.poll_event().is_none());
    assert!(
        !c.input_buf().is_empty(),
        "reads resume once the bytes were taken"
    );
}

// ----- Date -----

#[test]
fn date_field_after_set_unix_time() {
    let mut c = conn();
    c.set_unix_time(784_111_777);
    feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    respond_all(&mut c, &mut Vec::new());
    assert_eq!(
        drain_str(&mut c),
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\nok"
    );
    // Error responses carry it too.
    assert!(c.handle_input(T0, b"GET / HTTP/1.1\r\n\r\n").is_err());
    assert!(drain_str(&mut c).contains("\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
}

// ----- properties -----

/// One request of the generated pipelines, with its wire bytes.
fn request_strategy() -> impl Strategy<Value = Vec<u8>> {
    let body = proptest::collection::vec(any::<u8>(), 0..40);
    let chunks = proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..20), 0..4);
    prop_oneof![
        Just(b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n".to_vec()),
        body.prop_map(|b| {
            let mut v = format!(
                "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                b.len()
            )
            .into_bytes();
            v.extend(b);
            v
        }),
        (chunks, any::<bool>()).prop_map(|(chunks, trailers)| {
            let mut v =
                b"PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for (i, c) in chunks.iter().enumerate() {
                v.extend(format!("{:x}", c.len()).bytes());
                if i % 2 == 1 {
                    v.extend(b";ext=\"v\"");
                }
                v.extend(b"\r\n");
                v.extend(c);
                v.extend(b"\r\n");
            }
            v.extend(b"0\r\n");
            if trailers {
                v.extend(b"X-Sum: 1\r\nX-Two: 2\r\n");
            }
            v.extend(b"\r\n");
            v
        }),
    ]
}

fn run_split(input: &[u8], cuts: &[usize]) -> (Vec<Ev>, Vec<u8>) {
    let mut c = ServerConn::new(Config::default());
    let mut pieces = Vec::new();
    let mut last = 0;
    for &cut in cuts {
        pieces.push(&input[last..cut]);
        last = cut;
    }
    pieces.push(&input[last..]);
    let (log, out, err) = common::serve_pieces(&mut c, &pieces);
    assert_eq!(err, None);
    (normalize(log), out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_split_gives_the_same_events(
        reqs in proptest::collection::vec(request_strategy(), 1..5),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let input: Vec<u8> = reqs.concat();
        let whole = run_split(&input, &[]);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let split = run_split(&input, &cuts);
        prop_assert_eq!(&split.0, &whole.0);
        prop_assert_eq!(split.1, whole.1);
        let finished = whole.0.iter().filter(|e| **e == Ev::Finished).count();
        prop_assert_eq!(finished, reqs.len());
    }

    #[test]
    fn byte_at_a_time_gives_the_same_events(reqs in proptest::collection::vec(request_strategy(), 1..4)) {
        let input: Vec<u8> = reqs.concat();
        let cuts: Vec<usize> = (1..input.len()).collect();
        prop_assert_eq!(run_split(&input, &cuts), run_split(&input, &[]));
    }

    #[test]
    fn arbitrary_bytes_never_panic_or_loop(
        prefix in prop_oneof![Just(&b""[..]), Just(&b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"[..]), Just(&b"GET / HTTP/1.1\r\n"[..])],
        data in proptest::collection::vec(any::<u8>(), 0..300),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        eof in any::<bool>(),
    ) {
        let mut input = prefix.to_vec();
        input.extend(data);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut c = ServerConn::new(Config::default());
        let mut pieces = Vec::new();
        let mut last = 0;
        for cut in cuts {
            pieces.push(&input[last..cut]);
            last = cut;
        }
        pieces.push(&input[last..]);
        // serve_pieces stops when no progress is possible; bounded by construction.
        let _ = common::serve_pieces(&mut c, &pieces);
        if eof {
            let _ = c.handle_eof(T0);
            respond_all(&mut c, &mut Vec::new());
        }
        let _ = c.handle_timeout(Instant::MAX);
        let _ = drain(&mut c);
        if let Some(t) = c.poll_timeout() {
            prop_assert!(t < Instant::MAX);
        }
    }

    #[test]
    fn written_head_parses_back(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), "[A-Z][A-Z!#$%&'*+.^_`|~0-9-]{0,11}"],
        target in "/[a-zA-Z0-9._~!$&'()*+,;=:@%/?-]{0,40}",
        fields in proptest::collection::vec(("[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,16}", "([!-~]([ \t!-~]{0,20}[!-~])?)?"), 0..10),
    ) {
        let framing = ["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade"];
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .filter(|(n, _)| !framing.contains(&n.to_ascii_lowercase().as_str()))
            .collect();
        let method = if method == "CONNECT" || method == "HEAD" { "GET".to_string() } else { method };
        let mut wire = format!("{method} {target} HTTP/1.1\r\nHost: h\r\n");
        for (n, v) in &fields {
            wire.push_str(&format!("{n}:{v}\r\n"));
        }
        wire.push_str("\r\n");
        let mut c = ServerConn::new(Config::default());
        feed(&mut c, wire.as_bytes());
        let Some(ServerEvent::RequestReceived(req)) = c.poll_event() else {
            return Err(TestCaseError::fail("no request"));
        };
        prop_assert_eq!(req.method_str(), method.as_str());
        prop_assert_eq!(req.target_str(), target.as_str());
        let got: Vec<(String, String)> = req
            .fields()
            .iter()
            .skip(1)
            .map(|f| (String::from_utf8(f.name.to_vec()).unwrap(), String::from_utf8(f.value.to_vec()).unwrap()))
            .collect();
        prop_assert_eq!(got, fields);
    }
}
