//! Unit tests of the response path: what the machine adds to a head.

use super::*;

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
