//! The `ws_echo` example served on 127.0.0.1:0, driven by a blocking client
//! made of the same machines (the handshake helpers and a client `Conn`)
//! over `std::net::TcpStream`.

#[allow(dead_code)]
#[path = "../examples/ws_echo.rs"]
mod ws_echo;

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use common::{TestServer, connect, request};
use shockwave_mio::Options;
use shockwave_mio::shockwave_proto::Instant;
use shockwave_mio::shockwave_proto::ws::handshake::{ClientRequest, Extensions};
use shockwave_mio::shockwave_proto::ws::{Config, Conn, Event, MessageKind};

fn server() -> TestServer {
    TestServer::start(ws_echo::WsEcho::default, Options::default())
}

/// Test masks from a fixed generator (real clients use a random source).
fn masks() -> Box<dyn shockwave_mio::shockwave_proto::ws::MaskSource + Send> {
    let mut x: u32 = 0x9e37_79b9;
    Box::new(move || {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        x.to_le_bytes()
    })
}

/// A connected client: the socket and its machine.
struct Client {
    stream: TcpStream,
    conn: Conn,
}

impl Client {
    /// Sends the upgrade request followed at once by `early` (frames already
    /// made for the expected extensions), checks the 101 and returns the
    /// client with the bytes after the response head fed to its machine.
    fn open(addr: SocketAddr, offer_deflate: bool, early: &mut dyn FnMut(&mut Conn)) -> Client {
        let request = ClientRequest::new(*b"a fixed nonce 16", &[], offer_deflate).unwrap();
        let mut head = format!("GET /ws HTTP/1.1\r\nhost: {addr}\r\n").into_bytes();
        for (name, value) in request.fields() {
            head.extend_from_slice(name);
            head.extend_from_slice(b": ");
            head.extend_from_slice(value);
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        // Frames queued before the answer assume no extension was agreed.
        let mut pre = Conn::client(Config::default(), Extensions::default(), masks());
        early(&mut pre);
        if let Some(bytes) = pre.poll_transmit() {
            let n = bytes.len();
            head.extend_from_slice(bytes);
            pre.advance_transmit(n);
        }
        let mut stream = connect(addr);
        stream.write_all(&head).unwrap();

        let mut buf = Vec::new();
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "closed during the handshake");
            buf.extend_from_slice(&chunk[..n]);
        };
        let text = String::from_utf8(buf[..end].to_vec()).unwrap();
        let mut lines = text.split("\r\n");
        let status: u16 = lines.next().unwrap()[9..12].parse().unwrap();
        let fields: Vec<(&str, &str)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim(), v.trim()))
            .collect();
        let agreed = request
            .check_response(
                status,
                fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            )
            .unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(agreed.extensions.deflate.is_some(), offer_deflate, "{text}");
        let conn = if offer_deflate {
            Conn::client(Config::default(), agreed.extensions, masks())
        } else {
            // The machine that made the early frames goes on.
            pre
        };
        let mut client = Client { stream, conn };
        client.feed(&buf[end..]);
        client
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = self.conn.handle_input(Instant::ZERO, bytes).unwrap();
            bytes = &bytes[n..];
            assert!(n > 0, "an event must be polled first");
        }
    }

    fn flush(&mut self) {
        while let Some(bytes) = self.conn.poll_transmit() {
            let n = bytes.len();
            self.stream.write_all(bytes).unwrap();
            self.conn.advance_transmit(n);
        }
    }

    /// Reads until the next event other than a Pong we do not wait for;
    /// returns it as owned data: (kind code, payload). `None` at EOF.
    fn next(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if let Some(event) = self.conn.poll_event() {
                return Some(match event {
                    Event::MessageReceived { kind, payload } => (
                        if kind == MessageKind::Text { 1 } else { 2 },
                        payload.to_vec(),
                    ),
                    Event::PingReceived(p) => (9, p.to_vec()),
                    Event::PongReceived(p) => (10, p.to_vec()),
                    Event::CloseReceived { code, reason } => {
                        let mut v = code.unwrap_or(1005).to_be_bytes().to_vec();
                        v.extend_from_slice(reason);
                        (8, v)
                    }
                    Event::Closed => return None,
                });
            }
            self.flush();
            let buf = self.conn.input_buf();
            if buf.is_empty() {
                return None;
            }
            let n = self.stream.read(buf).unwrap();
            if n == 0 {
                let _ = self.conn.handle_eof(Instant::ZERO);
            } else {
                self.conn.input_filled(Instant::ZERO, n).unwrap();
            }
        }
    }
}

#[test]
fn messages_sent_with_the_upgrade_request_are_echoed() {
    let server = server();
    let mut client = Client::open(server.addr, false, &mut |c| {
        c.send_text("early one").unwrap();
        c.send_binary(&[1, 2, 3]).unwrap();
    });
    assert_eq!(client.next(), Some((1, b"early one".to_vec())));
    assert_eq!(client.next(), Some((2, vec![1, 2, 3])));
    client.conn.close(1000, "").unwrap();
    client.flush();
    assert_eq!(client.next(), Some((8, 1000u16.to_be_bytes().to_vec())));
    assert_eq!(client.next(), None);
}

#[test]
fn compressed_echo_large_message_ping_and_close() {
    let server = server();
    let mut client = Client::open(server.addr, true, &mut |_| {});
    let text = "Shockwave over mio. ".repeat(10_000);
    client.conn.send_text(&text).unwrap();
    client.flush();
    let big: Vec<u8> = (0..(2 << 20)).map(|i| (i * 13 % 251) as u8).collect();
    client.conn.send_binary(&big).unwrap();
    client.flush();
    assert_eq!(client.next(), Some((1, text.into_bytes())));
    let (kind, payload) = client.next().unwrap();
    assert_eq!(kind, 2);
    assert!(payload == big, "echo differs");

    client.conn.ping(b"mio?").unwrap();
    client.flush();
    assert_eq!(client.next(), Some((10, b"mio?".to_vec())));

    client.conn.close(4000, "bye").unwrap();
    client.flush();
    assert_eq!(client.next(), Some((8, 4000u16.to_be_bytes().to_vec())));
    // The server closes the TCP connection after its answer.
    assert_eq!(client.next(), None);
    let mut rest = Vec::new();
    let _ = client.stream.read_to_end(&mut rest);
    assert!(rest.is_empty());
}

#[test]
fn refused_handshakes() {
    let server = server();
    let plain = request(server.addr, b"GET /ws HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(plain.status, 400);
    let old = request(
        server.addr,
        b"GET /ws HTTP/1.1\r\nhost: t\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
          sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 8\r\n\r\n",
    );
    assert_eq!(old.status, 426);
    assert_eq!(old.header("sec-websocket-version"), Some("13"));
    assert_eq!(
        request(server.addr, b"GET / HTTP/1.1\r\nhost: t\r\n\r\n").status,
        404
    );
}
