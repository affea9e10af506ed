//! The HTTP/1.1 client machine's own side: the exact request bytes, the
//! commands it refuses, `close`, timers on a virtual clock, and backpressure.

mod common;

use common::client::*;
use core::time::Duration;
use shockwave_proto::Instant;
use shockwave_proto::h1::client::ClientConn;
use shockwave_proto::h1::{BodyFraming, Config, ErrorKind, UsageError};

// ----- request writing -----

#[test]
fn request_head_bytes() {
    let mut c = client();
    c.send_request(
        b"GET",
        b"/path?q=1&r=%20",
        [
            (&b"Host"[..], &b"example.com:8080"[..]),
            (b"Accept", b"*/*"),
            (b"x-empty", b""),
        ],
        BodyFraming::Empty,
    )
    .unwrap();
    assert_eq!(
        drain_client(&mut c),
        b"GET /path?q=1&r=%20 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nx-empty: \r\n\r\n"
    );
    // Absolute form for a proxy, asterisk form for OPTIONS.
    assert_eq!(
        send(&mut c, "GET", "http://example.com/"),
        b"GET http://example.com/ HTTP/1.1\r\nhost: example.com\r\n\r\n"
    );
    assert_eq!(
        send(&mut c, "OPTIONS", "*"),
        b"OPTIONS * HTTP/1.1\r\nhost: example.com\r\n\r\n"
    );
}

#[test]
fn host_is_required() {
    let mut c = client();
    assert_eq!(
        c.send_request(b"GET", b"/", [(b"accept", b"*/*")], BodyFraming::Empty),
        Err(UsageError::MissingHost)
    );
    assert_eq!(c.poll_transmit(), None);
    assert_eq!(c.in_flight(), 0);
    assert!(c.is_reusable());
    // An empty Host is valid (a target without authority).
    c.send_request(b"GET", b"/", [(b"host", b"")], BodyFraming::Empty)
        .unwrap();
    assert_eq!(drain_client(&mut c), b"GET / HTTP/1.1\r\nhost: \r\n\r\n");
}

#[test]
fn content_length_zero_only_for_methods_with_content() {
    for (method, framing, expect_cl) in [
        ("POST", BodyFraming::Empty, true),
        ("PUT", BodyFraming::Empty, true),
        ("PATCH", BodyFraming::Length(0), true),
        ("GET", BodyFraming::Empty, false),
        ("GET", BodyFraming::Length(0), false),
        ("HEAD", BodyFraming::Empty, false),
        ("DELETE", BodyFraming::Empty, false),
        ("OPTIONS", BodyFraming::Empty, false),
    ] {
        let mut c = client();
        c.send_request(method.as_bytes(), b"/", [HOST], framing)
            .unwrap();
        let cl = if expect_cl {
            "content-length: 0\r\n"
        } else {
            ""
        };
        let want = format!("{method} / HTTP/1.1\r\nhost: example.com\r\n{cl}\r\n");
        assert_eq!(
            String::from_utf8(drain_client(&mut c)).unwrap(),
            want,
            "{method} {framing:?}"
        );
        // Nothing more to send: the request is complete.
        assert_eq!(c.send_data(b"x"), Err(UsageError::HeadNotSent));
        send(&mut c, "GET", "/next");
    }
}

#[test]
fn length_request_body() {
    let mut c = client();
    c.send_request(b"POST", b"/echo", [HOST], BodyFraming::Length(5))
        .unwrap();
    assert_eq!(c.send_data(b"hel"), Ok(3));
    assert_eq!(c.send_data(b"loo"), Err(UsageError::BodyTooLong));
    assert_eq!(c.finish(), Err(UsageError::BodyTooShort));
    assert_eq!(c.send_data(b"lo"), Ok(2));
    assert_eq!(
        c.send_trailers(&[(b"x", b"y")]),
        Err(UsageError::TrailersNotChunked)
    );
    c.finish().unwrap();
    assert_eq!(
        drain_client(&mut c),
        b"POST /echo HTTP/1.1\r\nhost: example.com\r\ncontent-length: 5\r\n\r\nhello"
    );
    assert_eq!(c.send_data(b"x"), Err(UsageError::HeadNotSent));
}

#[test]
fn chunked_request_body_with_trailers() {
    let mut c = client();
    c.send_request(b"POST", b"/up", [HOST], BodyFraming::Chunked)
        .unwrap();
    c.send_data(b"abc").unwrap();
    c.send_data(b"").unwrap();
    c.send_data(&[b'z'; 17]).unwrap();
    assert_eq!(
        c.send_trailers(&[(b"bad name", b"v")]),
        Err(UsageError::InvalidField)
    );
    c.send_trailers(&[(b"x-sum", b"42"), (b"x-other", b"a b")])
        .unwrap();
    let want = [
        &b"POST /up HTTP/1.1\r\nhost: example.com\r\ntransfer-encoding: chunked\r\n\r\n"[..],
        b"3\r\nabc\r\n11\r\nzzzzzzzzzzzzzzzzz\r\n",
        b"0\r\nx-sum: 42\r\nx-other: a b\r\n\r\n",
    ]
    .concat();
    assert_eq!(drain_client(&mut c), want);

    c.send_request(b"PUT", b"/e", [HOST], BodyFraming::Chunked)
        .unwrap();
    c.finish().unwrap();
    assert!(drain_client(&mut c).ends_with(b"transfer-encoding: chunked\r\n\r\n0\r\n\r\n"));
}

#[test]
fn header_injection_is_refused_and_nothing_written() {
    let bad: &[(&[u8], &[u8])] = &[
        (b"x", b"a\r\nset-cookie: evil"),
        (b"x", b"a\nb"),
        (b"x", b"a\rb"),
        (b"x", b"a\0b"),
        (b"x", b" padded"),
        (b"x y", b"v"),
        (b"x:y", b"v"),
        (b"", b"v"),
        (b"x\r\nevil", b"v"),
    ];
    let mut c = client();
    for (name, value) in bad {
        assert_eq!(
            c.send_request(b"GET", b"/", [HOST, (name, value)], BodyFraming::Empty),
            Err(UsageError::InvalidField),
            "{name:?}: {value:?}"
        );
        assert_eq!(c.poll_transmit(), None);
        assert_eq!(c.in_flight(), 0);
    }
    for (method, target) in [
        (&b"GE T"[..], &b"/"[..]),
        (b"", b"/"),
        (b"GET", b""),
        (b"GET", b"/a b"),
        (b"GET", b"/\r\nx: y"),
    ] {
        assert_eq!(
            c.send_request(method, target, [HOST], BodyFraming::Empty),
            Err(UsageError::InvalidRequestLine)
        );
        assert_eq!(c.poll_transmit(), None);
    }
    assert!(c.is_reusable());
    assert_eq!(
        send(&mut c, "GET", "/"),
        b"GET / HTTP/1.1\r\nhost: example.com\r\n\r\n"
    );
}

#[test]
fn managed_fields_and_close_delimited_bodies_are_refused() {
    let mut c = client();
    for name in [
        &b"content-length"[..],
        b"Content-Length",
        b"TRANSFER-ENCODING",
    ] {
        assert_eq!(
            c.send_request(b"POST", b"/", [HOST, (name, b"1")], BodyFraming::Length(1)),
            Err(UsageError::ManagedField)
        );
    }
    assert_eq!(
        c.send_request(b"POST", b"/", [HOST], BodyFraming::CloseDelimited),
        Err(UsageError::BodyNotAllowed)
    );
    assert_eq!(c.poll_transmit(), None);
    assert_eq!(c.in_flight(), 0);
}

#[test]
fn close_while_idle_closes_now() {
    let mut c = client();
    c.close();
    assert!(c.is_closed());
    assert!(!c.is_reusable());
    refuses_requests(&mut c);
}

#[test]
fn close_marks_the_next_request_and_ends_after_the_responses() {
    let mut c = client();
    send(&mut c, "GET", "/1");
    c.close();
    assert!(!c.is_closed());
    assert!(!c.is_reusable());
    assert_eq!(
        send(&mut c, "GET", "/2"),
        b"GET /2 HTTP/1.1\r\nhost: example.com\r\nconnection: close\r\n\r\n"
    );
    // That was the last request.
    assert_eq!(
        c.send_request(b"GET", b"/3", [HOST], BodyFraming::Empty),
        Err(UsageError::Closed)
    );
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    assert!(!c.is_closed(), "one response still due");
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    assert!(c.is_closed());
    assert_eq!(c.error(), None);
}

#[test]
fn close_with_nothing_more_to_send_ends_after_the_response() {
    let mut c = client();
    send(&mut c, "GET", "/1");
    c.close();
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    assert!(c.is_closed());
}

#[test]
fn connection_close_from_the_application_is_the_last_request() {
    let mut c = client();
    c.send_request(
        b"GET",
        b"/",
        [HOST, (b"Connection", b"close")],
        BodyFraming::Empty,
    )
    .unwrap();
    assert_eq!(
        drain_client(&mut c),
        b"GET / HTTP/1.1\r\nhost: example.com\r\nConnection: close\r\n\r\n"
    );
    refuses_requests(&mut c);
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    assert!(c.is_closed());
}

// ----- timers on a virtual clock -----

#[test]
fn response_head_must_arrive_in_time() {
    let mut c = ClientConn::with_start(Config::default(), at(10));
    assert_eq!(c.poll_timeout(), Some(at(70)), "idle timer");
    send(&mut c, "GET", "/");
    c.handle_timeout(at(10)).unwrap();
    assert_eq!(c.poll_timeout(), Some(at(40)));
    c.handle_timeout(at(39)).unwrap();
    assert_eq!(c.error(), None);
    let e = c.handle_timeout(at(40)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTimeout);
    assert!(c.is_closed());
}

#[test]
fn a_trickling_head_does_not_extend_the_response_timer() {
    let mut c = client();
    send(&mut c, "GET", "/");
    c.handle_timeout(at(0)).unwrap();
    for (i, byte) in b"HTTP/1.1 200".iter().enumerate() {
        c.handle_input(at(i as u64 * 2), &[*byte]).unwrap();
    }
    assert_eq!(c.poll_timeout(), Some(at(30)));
    assert_eq!(
        c.handle_timeout(at(30)).map_err(|e| e.kind()),
        Err(ErrorKind::ResponseTimeout)
    );
}

#[test]
fn the_response_timer_starts_when_the_request_is_sent() {
    let mut c = client();
    send(&mut c, "GET", "/");
    c.handle_input(at(1), b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        .unwrap();
    let _ = client_events(&mut c);
    assert_eq!(c.poll_timeout(), Some(at(61)), "idle timer");
    // Fifty seconds pass with no call that tells the machine the time.
    send(&mut c, "GET", "/");
    // The machine asks to learn the time now, and counts from there.
    let wake = c.poll_timeout().unwrap();
    assert!(wake <= at(50));
    c.handle_timeout(at(50)).unwrap();
    assert_eq!(c.poll_timeout(), Some(at(80)));
    c.handle_timeout(at(79)).unwrap();
    c.handle_input(at(79), b"HTTP/1.1 204 No Content\r\n\r\n")
        .unwrap();
    assert_eq!(client_events(&mut c).len(), 2);
    assert!(c.is_reusable());
}

#[test]
fn a_pipelined_response_is_timed_from_the_end_of_the_one_before() {
    let mut c = client();
    send(&mut c, "GET", "/1");
    send(&mut c, "GET", "/2");
    c.handle_timeout(at(0)).unwrap();
    c.handle_input(at(25), b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        .unwrap();
    let _ = client_events(&mut c);
    assert_eq!(c.poll_timeout(), Some(at(55)));
    c.handle_timeout(at(54)).unwrap();
    assert_eq!(
        c.handle_timeout(at(55)).map_err(|e| e.kind()),
        Err(ErrorKind::ResponseTimeout)
    );
}

#[test]
fn informational_responses_restart_the_response_timer() {
    let mut c = client();
    send(&mut c, "POST", "/");
    c.handle_timeout(at(0)).unwrap();
    c.handle_input(at(20), b"HTTP/1.1 100 Continue\r\n\r\n")
        .unwrap();
    let _ = client_events(&mut c);
    assert_eq!(c.poll_timeout(), Some(at(50)));
}

#[test]
fn a_stalled_body_times_out() {
    let mut c = client();
    send(&mut c, "GET", "/");
    c.handle_timeout(at(0)).unwrap();
    c.handle_input(at(1), b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab")
        .unwrap();
    // While body bytes wait for the application, no timer runs.
    assert_eq!(c.poll_timeout(), None);
    let _ = client_events(&mut c);
    c.handle_timeout(at(1)).unwrap();
    assert_eq!(c.poll_timeout(), Some(at(61)));
    c.handle_input(at(50), b"cd").unwrap();
    let _ = client_events(&mut c);
    c.handle_timeout(at(50)).unwrap();
    assert_eq!(c.poll_timeout(), Some(at(110)));
    c.handle_timeout(at(109)).unwrap();
    assert_eq!(
        c.handle_timeout(at(110)).map_err(|e| e.kind()),
        Err(ErrorKind::BodyTimeout)
    );
    assert!(c.is_closed());
}

#[test]
fn a_slow_application_does_not_make_the_body_time_out() {
    let mut c = client();
    send(&mut c, "GET", "/");
    c.handle_input(at(0), b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab")
        .unwrap();
    assert_eq!(c.poll_timeout(), None);
    // The application takes the bytes 100 seconds later, without a clock reading.
    let _ = client_events(&mut c);
    let wake = c.poll_timeout().unwrap();
    assert!(wake <= at(100), "asks to learn the time");
    c.handle_timeout(at(100)).unwrap();
    assert_eq!(c.error(), None);
    assert_eq!(c.poll_timeout(), Some(at(160)));
}

#[test]
fn a_long_upload_does_not_make_the_response_late() {
    let mut c = client();
    c.send_request(b"PUT", b"/big", [HOST], BodyFraming::Length(40))
        .unwrap();
    c.handle_timeout(at(0)).unwrap();
    for i in 1..=4u64 {
        // Ten bytes every 20 seconds: 80 seconds in all, past `header_read_timeout`.
        c.send_data(b"0123456789").unwrap();
        let out = drain_client(&mut c);
        assert!(!out.is_empty());
        c.handle_timeout(at(i * 20)).unwrap();
    }
    c.finish().unwrap();
    c.handle_timeout(at(80)).unwrap();
    assert_eq!(c.poll_timeout(), Some(at(110)));
    c.handle_timeout(at(109)).unwrap();
    assert_eq!(
        c.handle_timeout(at(110)).map_err(|e| e.kind()),
        Err(ErrorKind::ResponseTimeout)
    );
}

#[test]
fn an_idle_connection_closes_quietly() {
    let mut c = client();
    send(&mut c, "GET", "/");
    c.handle_input(at(5), b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        .unwrap();
    let _ = client_events(&mut c);
    assert_eq!(c.poll_timeout(), Some(at(65)));
    c.handle_timeout(at(64)).unwrap();
    assert!(c.is_reusable());
    c.handle_timeout(at(65)).unwrap();
    assert!(c.is_closed());
    assert_eq!(c.error(), None);
    assert!(!c.is_reusable());
    assert_eq!(c.poll_timeout(), None);
    refuses_requests(&mut c);
}

#[test]
fn early_timeouts_are_harmless() {
    let mut c = client();
    for t in [0, 1, 10] {
        c.handle_timeout(at(t)).unwrap();
    }
    send(&mut c, "GET", "/");
    c.handle_timeout(at(11)).unwrap();
    c.handle_input(at(12), b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab")
        .unwrap();
    for t in [12, 13, 20] {
        c.handle_timeout(at(t)).unwrap();
    }
    c.handle_input(at(21), b"cd").unwrap();
    assert_eq!(
        normalize_client(client_events(&mut c)),
        [
            final_head(200, &[("content-length", "4")]),
            data("abcd"),
            ClientEv::Finished
        ]
    );
    c.handle_timeout(at(22)).unwrap();
    assert!(c.is_reusable());
}

// ----- backpressure -----

#[test]
fn unread_body_stops_input_until_polled() {
    let config = config_with(|c| {
        c.read_buffer_initial = 256;
        c.max_head_size = 1024;
    });
    let mut c = ClientConn::new(config);
    send(&mut c, "GET", "/");
    let body: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut wire =
        format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
    wire.extend_from_slice(&body);

    let taken = c.handle_input(Instant::ZERO, &wire).unwrap();
    assert!(taken < wire.len());
    assert!(c.input_buf().is_empty(), "full of unread body bytes");
    assert_eq!(c.handle_input(Instant::ZERO, &wire[taken..]), Ok(0));

    let mut rest = &wire[taken..];
    let mut got = Vec::new();
    let mut finished = false;
    for _ in 0..1000 {
        for ev in client_events(&mut c) {
            match ev {
                ClientEv::Data(d) => got.extend_from_slice(&d),
                ClientEv::Finished => finished = true,
                _ => {}
            }
        }
        if rest.is_empty() {
            break;
        }
        assert!(!c.input_buf().is_empty(), "room again once polled");
        let n = c.handle_input(Instant::ZERO, rest).unwrap();
        rest = &rest[n..];
    }
    assert_eq!(got, body);
    assert!(finished);
    assert!(c.is_reusable());
}

#[test]
fn zero_copy_input() {
    let mut c = client();
    send(&mut c, "GET", "/");
    let wire = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nxyz";
    let buf = c.input_buf();
    assert!(buf.len() >= wire.len());
    buf[..wire.len()].copy_from_slice(wire);
    c.input_filled(Instant::ZERO, wire.len()).unwrap();
    assert_eq!(
        normalize_client(client_events(&mut c)),
        [
            final_head(200, &[("content-length", "3")]),
            data("xyz"),
            ClientEv::Finished
        ]
    );
}

#[test]
fn durations_in_the_config_are_used() {
    let mut c = ClientConn::new(config_with(|c| {
        c.header_read_timeout = Duration::from_millis(10);
        c.keep_alive_timeout = Duration::from_millis(20);
    }));
    assert_eq!(c.poll_timeout(), Some(Instant::from_millis(20)));
    send(&mut c, "GET", "/");
    c.handle_timeout(Instant::ZERO).unwrap();
    assert_eq!(c.poll_timeout(), Some(Instant::from_millis(10)));
}
