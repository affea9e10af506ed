//! The HTTP/1.1 client machine's answers to broken responses: malformed heads,
//! bad framing, limits, a close in the middle, and errors that stick.

mod common;

use common::client::*;
use shockwave_proto::Instant;
use shockwave_proto::h1::client::ClientConn;
use shockwave_proto::h1::{ErrorKind, UsageError};

// ----- errors -----

#[test]
fn malformed_status_lines() {
    let cases: &[(&[u8], ErrorKind)] = &[
        (b"HTTP/1.1 20 OK\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTTP/1.1 2000 OK\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTTP/1.1 099 OK\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTTP/1.1 abc OK\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTTP/1.1 200\tOK\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTTP/1.1\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTP/1.1 200 OK\r\n\r\n", ErrorKind::InvalidVersion),
        (b"http/1.1 200 OK\r\n\r\n", ErrorKind::InvalidVersion),
        (b"HTTP/1.1  200 OK\r\n\r\n", ErrorKind::InvalidStatusLine),
        (b"HTTP/2.0 200 OK\r\n\r\n", ErrorKind::UnsupportedVersion),
        (b"HTTP/1.1 200 OK\n\r\n", ErrorKind::BareLf),
        (b"HTTP/1.1 200 O\rK\r\n\r\n", ErrorKind::BareCr),
        (
            b"HTTP/1.1 200 OK\r\n x: folded\r\n\r\n",
            ErrorKind::WhitespaceAfterStartLine,
        ),
        (
            b"HTTP/1.1 200 OK\r\nx : y\r\n\r\n",
            ErrorKind::WhitespaceBeforeColon,
        ),
        (
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            ErrorKind::WhitespaceBeforeColon,
        ),
        (b"HTTP/1.1 200 OK\r\na: 1\r\n b\r\n\r\n", ErrorKind::ObsFold),
        (
            b"HTTP/1.1 200 OK\r\nx: a\0b\r\n\r\n",
            ErrorKind::InvalidFieldValue,
        ),
    ];
    for (input, want) in cases {
        let mut c = client();
        send(&mut c, "GET", "/");
        let got = feed_err(&mut c, input);
        assert_eq!(
            got,
            *want,
            "{}",
            String::from_utf8_lossy(input).escape_debug()
        );
        assert!(c.is_closed());
    }
}

#[test]
fn invalid_content_length() {
    for (value, want) in [
        ("abc", ErrorKind::InvalidContentLength),
        ("-1", ErrorKind::InvalidContentLength),
        ("+5", ErrorKind::InvalidContentLength),
        ("", ErrorKind::InvalidContentLength),
        ("99999999999999999999", ErrorKind::InvalidContentLength),
        ("1, 2", ErrorKind::ConflictingContentLength),
    ] {
        let mut c = client();
        send(&mut c, "GET", "/");
        let input = format!("HTTP/1.1 200 OK\r\ncontent-length: {value}\r\n\r\n");
        assert_eq!(feed_err(&mut c, input.as_bytes()), want, "{value:?}");
    }
    let mut c = client();
    send(&mut c, "GET", "/");
    assert_eq!(
        feed_err(
            &mut c,
            b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"
        ),
        ErrorKind::ConflictingContentLength
    );
    // Identical repeated values are one value (RFC 9110 section 8.6).
    let (c, log) = get_then(b"HTTP/1.1 200 OK\r\ncontent-length: 1, 1\r\n\r\nz");
    assert_eq!(log[1], data("z"));
    assert!(c.is_reusable());
}

#[test]
fn transfer_encoding_overrides_content_length_and_ends_the_connection() {
    let mut c = client();
    send(&mut c, "GET", "/");
    send(&mut c, "GET", "/");
    feed(
        &mut c,
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n\
          2\r\nhi\r\n0\r\n\r\n",
    );
    let log = normalize_client(client_events(&mut c));
    assert_eq!(log[1..], [data("hi"), ClientEv::Finished]);
    // RFC 9112 section 6.3 item 3: the connection is not trusted for another response.
    assert!(c.is_closed());
    assert!(!c.is_reusable());
}

#[test]
fn transfer_encoding_in_an_http10_response_is_an_error() {
    let mut c = client();
    send(&mut c, "GET", "/");
    assert_eq!(
        feed_err(
            &mut c,
            b"HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        ErrorKind::TransferEncodingInHttp10
    );
}

#[test]
fn chunked_framing_errors() {
    let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    for (body, want) in [
        ("zz\r\n", ErrorKind::InvalidChunkSize),
        ("\r\n", ErrorKind::InvalidChunkSize),
        ("-1\r\n", ErrorKind::InvalidChunkSize),
        ("3\r\nabcX\r\n", ErrorKind::InvalidChunkTerminator),
        ("11111111111111111\r\n", ErrorKind::ChunkSizeOverflow),
        ("0\r\nbad trailer\r\n\r\n", ErrorKind::WhitespaceBeforeColon),
        ("0\r\nnocolon\r\n\r\n", ErrorKind::MissingColon),
    ] {
        let mut c = client();
        send(&mut c, "GET", "/");
        let input = format!("{head}{body}");
        assert_eq!(feed_err(&mut c, input.as_bytes()), want, "{body:?}");
        assert!(c.is_closed());
    }
    let mut c = ClientConn::new(config_with(|c| {
        c.max_chunk_extensions_size = 8;
    }));
    send(&mut c, "GET", "/");
    let input = format!("{head}1;aaaaaaaaaaaa=1\r\nx\r\n0\r\n\r\n");
    assert_eq!(
        feed_err(&mut c, input.as_bytes()),
        ErrorKind::ChunkExtensionsTooLarge
    );
}

#[test]
fn trailers_larger_than_the_head_limit() {
    let config = config_with(|c| {
        c.max_head_size = 1024;
        c.read_buffer_initial = 256;
    });
    let mut c = ClientConn::new(config);
    send(&mut c, "GET", "/");
    let mut input = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n".to_vec();
    for i in 0..200 {
        input.extend_from_slice(format!("x-trailer-{i}: value\r\n").as_bytes());
    }
    input.extend_from_slice(b"\r\n");
    let mut rest = &input[..];
    let mut error = None;
    for _ in 0..1000 {
        match c.handle_input(Instant::ZERO, rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) => {
                error = Some(e.kind());
                break;
            }
        }
        let _ = client_events(&mut c);
        if let Some(e) = c.error() {
            error = Some(e.kind());
            break;
        }
        if rest.is_empty() {
            break;
        }
    }
    assert_eq!(error, Some(ErrorKind::TrailersTooLarge));
}

#[test]
fn body_larger_than_max_body_size() {
    let config = config_with(|c| {
        c.max_body_size = 10;
    });
    // A Content-Length over the limit is refused before any of the body is read.
    let mut c = ClientConn::new(config.clone());
    send(&mut c, "GET", "/");
    assert_eq!(
        feed_err(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n"),
        ErrorKind::BodyTooLarge
    );
    // Exactly the limit is fine.
    let mut c = ClientConn::new(config.clone());
    send(&mut c, "GET", "/");
    feed(
        &mut c,
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789",
    );
    assert_eq!(client_events(&mut c).len(), 3);
    for input in [
        &b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n"[..],
        b"HTTP/1.1 200 OK\r\n\r\n0123456789A",
    ] {
        let mut c = ClientConn::new(config.clone());
        send(&mut c, "GET", "/");
        assert_eq!(feed_err(&mut c, input), ErrorKind::BodyTooLarge);
    }
}

#[test]
fn head_larger_than_max_head_size() {
    let config = config_with(|c| {
        c.max_head_size = 1024;
        c.read_buffer_initial = 128;
    });
    let mut c = ClientConn::new(config.clone());
    send(&mut c, "GET", "/");
    let mut input = b"HTTP/1.1 200 OK\r\n".to_vec();
    while input.len() < 2000 {
        input.extend_from_slice(b"x-filler: 0123456789012345678901234567890123456789\r\n");
    }
    assert_eq!(feed_err(&mut c, &input), ErrorKind::HeadTooLarge);
    assert!(c.is_closed());

    let mut c = ClientConn::new(config_with(|c| {
        c.max_headers = 3;
    }));
    send(&mut c, "GET", "/");
    assert_eq!(
        feed_err(
            &mut c,
            b"HTTP/1.1 200 OK\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n"
        ),
        ErrorKind::TooManyFields
    );
}

#[test]
fn eof_in_the_middle_of_a_response() {
    for (input, want) in [
        (&b""[..], ErrorKind::IncompleteHead),
        (b"HTTP/1.1 200 OK\r\ncontent-le", ErrorKind::IncompleteHead),
        (b"HTTP/1.1 100 Continue\r\n\r\n", ErrorKind::IncompleteHead),
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab",
            ErrorKind::IncompleteBody,
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n",
            ErrorKind::IncompleteBody,
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx: 1\r\n",
            ErrorKind::IncompleteBody,
        ),
    ] {
        let mut c = client();
        send(&mut c, "GET", "/");
        feed(&mut c, input);
        // Whatever was whole is still delivered, before or after the close.
        let _ = client_events(&mut c);
        let got = c.handle_eof(Instant::ZERO).map_err(|e| e.kind());
        let got = got.err().or_else(|| {
            let _ = client_events(&mut c);
            c.error().map(|e| e.kind())
        });
        assert_eq!(
            got,
            Some(want),
            "{}",
            String::from_utf8_lossy(input).escape_debug()
        );
        assert!(c.is_closed());
    }
}

#[test]
fn eof_while_idle_closes_quietly() {
    let mut c = client();
    send(&mut c, "GET", "/");
    feed(&mut c, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let _ = client_events(&mut c);
    c.handle_eof(at(1)).unwrap();
    assert!(c.is_closed());
    assert_eq!(c.error(), None);
    assert!(!c.is_reusable());
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn eof_right_after_whole_responses_still_delivers_them() {
    // An adapter may read the last bytes and the close before it polls events.
    let whole: &[&[u8]] = &[
        b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na",
        b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nb",
        b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nc",
    ];
    let mut c = client();
    for _ in whole {
        send(&mut c, "GET", "/");
    }
    feed(&mut c, &whole.concat());
    c.handle_eof(Instant::ZERO).unwrap();
    let log = normalize_client(client_events(&mut c));
    assert_eq!(c.error(), None);
    assert_eq!(
        log,
        [
            final_head(200, &[("content-length", "1")]),
            data("a"),
            ClientEv::Finished,
            ClientEv::Info(103, vec![]),
            final_head(200, &[("content-length", "1")]),
            data("b"),
            ClientEv::Finished,
            final_head(200, &[("content-length", "1")]),
            data("c"),
            ClientEv::Finished,
        ]
    );
    assert!(c.is_closed());
    assert_eq!(c.in_flight(), 0);

    // And when a later response is cut short, the whole ones still come first.
    let mut c = client();
    send(&mut c, "GET", "/");
    send(&mut c, "GET", "/");
    feed(
        &mut c,
        b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\naHTTP/1.1 200 OK\r\ncont",
    );
    c.handle_eof(Instant::ZERO).unwrap();
    let log = normalize_client(client_events(&mut c));
    assert_eq!(log.len(), 3);
    assert_eq!(c.error().map(|e| e.kind()), Some(ErrorKind::IncompleteHead));
}

#[test]
fn after_an_error_every_call_returns_it() {
    let mut c = client();
    send(&mut c, "GET", "/");
    let e = c
        .handle_input(at(1), b"HTTP/1.1 2x0 OK\r\n\r\n")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidStatusLine);
    assert_eq!(c.error(), Some(e));
    assert!(c.is_closed());
    assert!(!c.is_reusable());
    assert_eq!(c.handle_input(at(2), b"HTTP/1.1 200 OK\r\n\r\n"), Err(e));
    assert_eq!(c.input_filled(at(2), 0), Err(e));
    assert_eq!(c.handle_eof(at(2)), Err(e));
    assert_eq!(c.handle_timeout(at(1000)), Err(e));
    assert!(c.poll_event().is_none());
    assert_eq!(c.poll_timeout(), None);
    assert!(c.input_buf().is_empty());
    refuses_requests(&mut c);
    assert_eq!(c.send_data(b"x"), Err(UsageError::Closed));
    assert_eq!(c.finish(), Err(UsageError::Closed));
    assert_eq!(c.error(), Some(e));
}
