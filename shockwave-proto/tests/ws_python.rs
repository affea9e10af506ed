//! Interop with Python's wsproto as a sans-IO pair: `tests/peers/ws_peer.py`
//! runs wsproto over its stdin/stdout, which carry the connection's bytes,
//! handshake included. Our side is the HTTP/1.1 machine plus the handshake
//! helpers plus [`Conn`], in both roles, with and without permessage-deflate.
//!
//! Needs `python3` with `wsproto` (`pip install wsproto`); skipped with a
//! note when missing, unless `SHOCKWAVE_REQUIRE_PEERS` is set (then it fails).

mod ws_support;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use shockwave_proto::Instant;
use shockwave_proto::h1::client::{ClientConn, ClientEvent};
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{self, BodyFraming};
use shockwave_proto::ws::deflate::DeflateOptions;
use shockwave_proto::ws::handshake::{ClientRequest, ServerPolicy, validate_request};
use shockwave_proto::ws::{Config, Conn, Event, MessageKind};
use ws_support::seeded_masks;

const NOW: Instant = Instant::ZERO;

/// The Python peer, its stdin, and its stdout as a channel of reads.
struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    from: Receiver<Vec<u8>>,
}

impl Peer {
    fn start(role: &str, deflate: bool) -> Option<Peer> {
        let required = std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_some();
        let probe = Command::new("python3")
            .args(["-c", "import wsproto"])
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            other => {
                assert!(!required, "python3 with wsproto is required: {other:?}");
                eprintln!("SKIPPED: python3 with wsproto not available (pip install wsproto)");
                return None;
            }
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/ws_peer.py");
        let mut args = vec![script, role];
        if deflate {
            args.push("--deflate");
        }
        let mut child = Command::new("python3")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start ws_peer.py");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let (tx, from) = channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Some(Peer { child, stdin, from })
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("peer stdin open");
        stdin.write_all(bytes).expect("write to the peer");
        stdin.flush().expect("flush to the peer");
    }

    /// The next bytes from the peer; empty at its end of stream.
    fn read(&self) -> Vec<u8> {
        self.from
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_default()
    }

    /// Ends our side of the stream and checks that the peer was satisfied.
    fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("peer exit");
        assert!(status.success(), "ws_peer.py failed: {status}");
    }
}

/// The messages ws_peer.py's client sends (its `script()`), as (kind, parts).
fn script() -> Vec<(MessageKind, Vec<Vec<u8>>)> {
    let chars = ['a', 'é', '€', '😀', ' ', 'z'];
    let text: String = (0..5000).map(|i| chars[(i * 7) % 6]).collect();
    let blob: Vec<u8> = (0..100_000u32)
        .map(|i| ((i * 131 + 7) % 256) as u8)
        .collect();
    let t = |s: &str| s.as_bytes().to_vec();
    let cut = |a: usize, b: usize| -> Vec<u8> {
        text.chars()
            .skip(a)
            .take(b - a)
            .collect::<String>()
            .into_bytes()
    };
    vec![
        (MessageKind::Text, vec![t("Hello")]),
        (MessageKind::Binary, vec![vec![0, 1, 2, 255]]),
        (MessageKind::Text, vec![t("")]),
        (MessageKind::Text, vec![t(&text)]),
        (MessageKind::Binary, vec![blob.clone()]),
        (
            MessageKind::Text,
            vec![cut(0, 100), cut(100, 2000), cut(2000, 5000)],
        ),
        (
            MessageKind::Binary,
            vec![blob[..10].to_vec(), vec![], blob[10..].to_vec()],
        ),
        (MessageKind::Text, vec![t(&"x".repeat(70_000))]),
    ]
}

/// Our server (h1 handshake, then an echoing `Conn`) against wsproto's client.
fn our_server(deflate: bool) {
    let Some(mut peer) = Peer::start("client", deflate) else {
        return;
    };
    let policy = ServerPolicy {
        protocols: &["chat"],
        deflate: deflate.then(DeflateOptions::default),
        ..ServerPolicy::default()
    };
    let mut http = ServerConn::new(h1::Config::default());
    let mut conn: Option<Conn> = None;
    let mut echoed = 0;
    loop {
        let bytes = peer.read();
        assert!(!bytes.is_empty(), "the peer ended the stream early");
        if let Some(c) = conn.as_mut() {
            echoed += echo(c, &bytes);
            let out = drain(c);
            if !out.is_empty() {
                peer.write(&out);
            }
            if c.is_closed() {
                break;
            }
            continue;
        }
        http.handle_input(NOW, &bytes)
            .expect("a valid upgrade request");
        let mut leftover = None;
        while let Some(e) = http.poll_event() {
            match e {
                ServerEvent::RequestReceived(req) => {
                    let fields = req.fields().iter().map(|f| (f.name, f.value));
                    let accept =
                        validate_request(req.method_bytes(), fields, &policy).expect("handshake");
                    assert_eq!(accept.protocol(), Some("chat"));
                    assert_eq!(accept.extensions().deflate.is_some(), deflate);
                    http.send_response(101, accept.fields(), BodyFraming::Empty)
                        .expect("101");
                    conn = Some(Conn::server(Config::default(), accept.extensions()));
                }
                ServerEvent::Upgraded(rest) => {
                    leftover = Some(rest.to_vec());
                    break;
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        while let Some(b) = http.poll_transmit() {
            let n = b.len();
            out.extend_from_slice(b);
            http.advance_transmit(n);
        }
        if let (Some(c), Some(rest)) = (conn.as_mut(), leftover) {
            echoed += echo(c, &rest);
            out.extend(drain(c));
        }
        if !out.is_empty() {
            peer.write(&out);
        }
    }
    assert_eq!(echoed, script().len());
    peer.finish();
}

/// Feeds bytes to an echoing connection; returns the messages echoed.
fn echo(c: &mut Conn, mut bytes: &[u8]) -> usize {
    let mut echoed = 0;
    loop {
        let n = c.handle_input(NOW, bytes).expect("valid frames");
        bytes = &bytes[n..];
        loop {
            let message = match c.poll_event() {
                Some(Event::MessageReceived { kind, payload }) => (kind, payload.to_vec()),
                Some(_) => continue,
                None => break,
            };
            c.send_message(message.0, &message.1).expect("echo");
            echoed += 1;
        }
        if bytes.is_empty() {
            return echoed;
        }
    }
}

fn drain(c: &mut Conn) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = c.poll_transmit() {
        let n = b.len();
        out.extend_from_slice(b);
        c.advance_transmit(n);
    }
    out
}

/// Our client (h1 handshake, then a `Conn` sending the script) against wsproto's echoing server.
fn our_client(deflate: bool) {
    let Some(mut peer) = Peer::start("server", deflate) else {
        return;
    };
    let request = ClientRequest::new(*b"0123456789abcdef", &["chat"], deflate).unwrap();
    let mut http = ClientConn::new(h1::Config::default());
    let host: [(&[u8], &[u8]); 1] = [(b"host", b"localhost")];
    http.send_request(
        b"GET",
        b"/chat",
        host.into_iter().chain(request.fields()),
        BodyFraming::Empty,
    )
    .unwrap();
    while let Some(b) = http.poll_transmit() {
        let n = b.len();
        peer.write(b);
        http.advance_transmit(n);
    }
    let mut negotiated = None;
    let mut leftover = None;
    while leftover.is_none() {
        let bytes = peer.read();
        assert!(!bytes.is_empty(), "no answer to the handshake");
        http.handle_input(NOW, &bytes).expect("a valid response");
        while let Some(e) = http.poll_event() {
            match e {
                ClientEvent::ResponseReceived(resp) => {
                    let fields = resp.fields().iter().map(|f| (f.name, f.value));
                    negotiated = Some(
                        request
                            .check_response(resp.status(), fields)
                            .expect("accepted"),
                    );
                }
                ClientEvent::Upgraded(rest) => {
                    leftover = Some(rest.to_vec());
                    break;
                }
                _ => {}
            }
        }
    }
    let negotiated = negotiated.expect("a 101");
    assert_eq!(negotiated.protocol, Some("chat"));
    assert_eq!(negotiated.extensions.deflate.is_some(), deflate);
    let mut conn = Conn::client(Config::default(), negotiated.extensions, seeded_masks(11));
    let messages = script();
    for (kind, parts) in &messages {
        for (i, part) in parts.iter().enumerate() {
            let last = i == parts.len() - 1;
            conn.send_fragment(*kind, part, last).unwrap();
            // wsproto 1.3.2 forgets that a message is compressed when a control
            // frame comes between its fragments (`frame_inbound_complete` resets
            // `_inbound_compressed` for the Ping), so with permessage-deflate the
            // Ping follows the message. Our server takes it between (`our_server`).
            if parts.len() > 1 && (if deflate { last } else { i == 0 }) {
                conn.ping(b"between").unwrap();
            }
        }
    }
    peer.write(&drain(&mut conn));
    let mut got = Vec::new();
    let mut pongs = 0;
    let mut input = leftover.unwrap_or_default();
    loop {
        let mut rest = &input[..];
        loop {
            let n = conn.handle_input(NOW, rest).expect("valid frames");
            rest = &rest[n..];
            while let Some(e) = conn.poll_event() {
                match e {
                    Event::MessageReceived { kind, payload } => got.push((kind, payload.to_vec())),
                    Event::PongReceived(p) => {
                        assert_eq!(p, b"between");
                        pongs += 1;
                    }
                    Event::CloseReceived { code, .. } => assert_eq!(code, Some(1000)),
                    _ => {}
                }
            }
            if rest.is_empty() {
                break;
            }
        }
        if got.len() == messages.len() && conn.poll_timeout().is_none() && !conn.is_closed() {
            conn.close(1000, "done").unwrap();
        }
        let out = drain(&mut conn);
        if !out.is_empty() {
            peer.write(&out);
        }
        if conn.is_closed() {
            break;
        }
        input = peer.read();
        assert!(!input.is_empty(), "the peer ended the stream early");
    }
    let want: Vec<(MessageKind, Vec<u8>)> = messages
        .into_iter()
        .map(|(k, parts)| (k, parts.concat()))
        .collect();
    assert!(
        got == want,
        "echoes differ: {} of {} messages",
        got.len(),
        want.len()
    );
    assert_eq!(pongs, 2);
    assert!(conn.error().is_none());
    peer.finish();
}

#[test]
fn our_server_against_wsproto_client() {
    our_server(false);
}

#[test]
fn our_server_against_wsproto_client_with_deflate() {
    our_server(true);
}

#[test]
fn our_client_against_wsproto_server() {
    our_client(false);
}

#[test]
fn our_client_against_wsproto_server_with_deflate() {
    our_client(true);
}
