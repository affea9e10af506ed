//! Unit tests of the response path: what the machine adds to a head.

use super::*;
#[cfg(feature = "std")]
use alloc::format;

fn answered(request: &[u8], fields: &[(&[u8], &[u8])]) -> (Vec<u8>, bool) {
    let mut c = ServerConn::new(Config::default());
    assert_eq!(
        c.handle_input(Instant::ZERO, request).unwrap(),
        request.len()
    );
    assert!(matches!(
        c.poll_event(),
        Some(ServerEvent::RequestReceived(_))
    ));
    c.send_response_with_body(200, fields, b"ok").unwrap();
    let out = c.poll_transmit().unwrap().to_vec();
    c.advance_transmit(out.len());
    (out, c.is_closed())
}

#[test]
fn http10_keep_alive_is_said_only_when_kept() {
    let asked = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    let (out, closed) = answered(asked, &[]);
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"
    );
    assert!(!closed);
    // The application's `connection: close` wins, and is not contradicted.
    let (out, closed) = answered(asked, &[(b"connection", b"close")]);
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"
    );
    assert!(closed);
    let (out, closed) = answered(b"GET / HTTP/1.0\r\n\r\n", &[]);
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
    );
    assert!(closed);
}

/// What a connection did with one request and the application's answer: every
/// transmitted byte, the command's result, and what came after (the next
/// pipelined request answered, or the connection closed).
#[cfg(feature = "std")]
fn exchange(
    request: &[u8],
    status: u16,
    fields: &[(&[u8], &[u8])],
    body: &[u8],
    framing: Option<BodyFraming>,
    general: bool,
) -> (Vec<u8>, Result<(), UsageError>, bool, bool) {
    crate::GENERAL_PATHS.with(|g| g.set(general));
    let mut c = ServerConn::new(Config::default());
    c.set_unix_time(1_750_000_000);
    let mut input = request.to_vec();
    input.extend_from_slice(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    let _ = c.handle_input(Instant::ZERO, &input);
    let mut result = Err(UsageError::NoRequestPending);
    let mut next = false;
    while let Some(event) = c.poll_event() {
        match event {
            ServerEvent::RequestReceived(req) if req.target() == b"/next" => {
                next = true;
                let _ = c.send_response_with_body(200, &[], b"n");
            }
            ServerEvent::RequestReceived(_) => {
                result = match framing {
                    None => c.send_response_with_body(status, fields, body),
                    Some(f) => c.send_response(status, fields.iter().copied(), f),
                };
                if result.is_ok() && framing.is_some() {
                    let _ = c.send_data(body);
                    let _ = c.finish();
                }
                if result.is_err() {
                    // The answer the application gives after a refused one.
                    let _ = c.send_response_with_body(500, &[], b"");
                }
            }
            _ => {}
        }
    }
    crate::GENERAL_PATHS.with(|g| g.set(false));
    let mut out = Vec::new();
    while let Some(bytes) = c.poll_transmit() {
        out.extend_from_slice(bytes);
        let n = bytes.len();
        c.advance_transmit(n);
    }
    (out, result, next, c.is_closed())
}

#[cfg(feature = "std")]
proptest::proptest! {
    /// The short response path for plain requests gives, byte for byte and
    /// state for state, what the general path gives, for every request shape
    /// it must decline and every answer.
    #[test]
    fn short_response_path_equals_general_path(
        method in proptest::sample::select(&["GET", "POST", "HEAD", "CONNECT", "OPTIONS"][..]),
        http10 in proptest::bool::ANY,
        connection in proptest::sample::select(&["", "close", "keep-alive", "upgrade"][..]),
        upgrade in proptest::bool::ANY,
        expect in proptest::bool::ANY,
        request_body in proptest::bool::ANY,
        status in proptest::prop_oneof![
            proptest::sample::select(&[100u16, 101, 199, 200, 204, 206, 299, 304, 404, 500, 999][..]),
            0u16..1100,
        ],
        app_close in proptest::bool::ANY,
        app_field in proptest::bool::ANY,
        framing in proptest::prop_oneof![
            proptest::strategy::Just(None),
            proptest::strategy::Just(Some(BodyFraming::Empty)),
            proptest::strategy::Just(Some(BodyFraming::Length(0))),
            proptest::strategy::Just(Some(BodyFraming::Length(3))),
            proptest::strategy::Just(Some(BodyFraming::Chunked)),
            proptest::strategy::Just(Some(BodyFraming::CloseDelimited)),
        ],
        body_len in 0usize..4,
    ) {
        let target = if method == "CONNECT" { "example.com:443" } else { "/" };
        let version = if http10 { "HTTP/1.0" } else { "HTTP/1.1" };
        let mut request = format!("{method} {target} {version}\r\nHost: x\r\n");
        if !connection.is_empty() {
            request.push_str(&format!("Connection: {connection}\r\n"));
        }
        if upgrade {
            request.push_str("Upgrade: websocket\r\n");
        }
        if expect {
            request.push_str("Expect: 100-continue\r\n");
        }
        if request_body {
            request.push_str("Content-Length: 2\r\n\r\nhi");
        } else {
            request.push_str("\r\n");
        }
        let mut fields: Vec<(&[u8], &[u8])> = Vec::new();
        if app_field {
            fields.push((b"content-type", b"text/plain"));
        }
        if app_close {
            fields.push((b"connection", b"close"));
        }
        let body = &b"abc"[..body_len];
        let short = exchange(request.as_bytes(), status, &fields, body, framing, false);
        let general = exchange(request.as_bytes(), status, &fields, body, framing, true);
        proptest::prop_assert_eq!(short, general);
    }
}

/// The short path is taken where it should be: a plain request answered with a
/// body gets the head the general path writes, and the connection stays open
/// for the next request.
#[cfg(feature = "std")]
#[test]
fn plain_request_keeps_the_connection() {
    let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let fields: &[(&[u8], &[u8])] = &[(b"content-type", b"text/plain")];
    let (out, result, next, closed) = exchange(req, 200, fields, b"ok", None, false);
    assert_eq!(result, Ok(()));
    assert!(next && !closed);
    assert!(out.starts_with(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\ndate: "
    ));
    assert_eq!(
        (out, result, next, closed),
        exchange(req, 200, fields, b"ok", None, true)
    );
    let close: &[(&[u8], &[u8])] = &[(b"connection", b"close")];
    let (out, _, next, closed) = exchange(req, 200, close, b"ok", None, false);
    assert!(!next && closed);
    assert!(out.starts_with(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n"));
}
