//! Smoke tests of the HTTP/1.1 server machine: pipelining, chunked echo, a rejected request.

use shockwave_proto::Instant;
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config};

fn out(conn: &mut ServerConn) -> Vec<u8> {
    let mut v = Vec::new();
    while let Some(b) = conn.poll_transmit() {
        v.extend_from_slice(b);
        let n = b.len();
        conn.advance_transmit(n);
    }
    v
}

#[test]
fn pipelined_echo() {
    let mut c = ServerConn::new(Config::default());
    let input = b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    assert_eq!(c.handle_input(Instant::ZERO, input).unwrap(), input.len());
    let mut log = Vec::new();
    let mut body = Vec::new();
    while let Some(ev) = c.poll_event() {
        match ev {
            ServerEvent::RequestReceived(r) => log.push(format!("req {}", r.target_str())),
            ServerEvent::DataReceived(d) => body.extend_from_slice(d),
            ServerEvent::TrailersReceived(_) => log.push("trailers".into()),
            ServerEvent::RequestFinished => {
                log.push("fin".into());
                c.send_response(200, [(b"x", b"y")], BodyFraming::Chunked)
                    .unwrap();
                let b = std::mem::take(&mut body);
                c.send_data(&b).ok();
                c.finish().unwrap();
            }
            ServerEvent::Upgraded(_) => unreachable!(),
        }
    }
    assert_eq!(
        log,
        [
            "req /echo",
            "trailers",
            "fin",
            "req /",
            "fin",
            "req /x",
            "fin"
        ]
    );
    let o = String::from_utf8(out(&mut c)).unwrap();
    assert_eq!(o.matches("HTTP/1.1 200 OK").count(), 3, "{o}");
    assert!(o.contains("3\r\nabc\r\n0\r\n\r\n"), "{o}");
    assert!(o.ends_with("connection: close\r\n\r\n0\r\n\r\n"), "{o}");
    assert!(c.is_closed());
}

#[test]
fn bad_request_gets_400() {
    let mut c = ServerConn::new(Config::default());
    assert!(
        c.handle_input(Instant::ZERO, b"GET / HTTP/1.1\nHost: a\r\n\r\n")
            .is_err()
    );
    let o = String::from_utf8(out(&mut c)).unwrap();
    assert!(o.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{o}");
    assert!(c.is_closed());
}
