//! The HTTP/1.1 client and server machines wired together in memory.

use proptest::prelude::*;
use shockwave_proto::Instant;
use shockwave_proto::h1::client::{ClientConn, ClientEvent};
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config};

/// What one side saw of one message: head, body bytes, trailers, whether it finished.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Seen {
    head: String,
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
    trailers: Vec<(Vec<u8>, Vec<u8>)>,
    finished: bool,
}

/// A request or response to send: fields, body pieces, trailers, whether chunked.
#[derive(Debug, Clone)]
struct Message {
    start: (String, String),
    fields: Vec<(String, String)>,
    pieces: Vec<Vec<u8>>,
    chunked: bool,
    trailers: Vec<(String, String)>,
}

impl Message {
    fn framing(&self) -> BodyFraming {
        let len: usize = self.pieces.iter().map(Vec::len).sum();
        if self.chunked {
            BodyFraming::Chunked
        } else {
            BodyFraming::Length(len as u64)
        }
    }
    fn field_pairs(&self) -> Vec<(&[u8], &[u8])> {
        self.fields
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect()
    }
    fn trailer_pairs(&self) -> Vec<(&[u8], &[u8])> {
        self.trailers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect()
    }
}

/// Moves bytes between the two machines, `chunk` bytes at a time, until quiet.
fn pump(client: &mut ClientConn, server: &mut ServerConn, chunk: usize, now: Instant) {
    for _ in 0..10_000 {
        let mut moved = false;
        if let Some(out) = client.poll_transmit() {
            let n = out.len().min(chunk);
            let taken = server.handle_input(now, &out[..n]).unwrap();
            client.advance_transmit(taken);
            moved |= taken > 0;
        }
        if let Some(out) = server.poll_transmit() {
            let n = out.len().min(chunk);
            let taken = client.handle_input(now, &out[..n]).unwrap();
            server.advance_transmit(taken);
            moved |= taken > 0;
        }
        if !moved {
            return;
        }
    }
    panic!("pump did not settle");
}

/// Sends `requests` pipelined, answers each with `responses[i]`, and returns what
/// the server saw of the requests and the client of the responses.
fn exchange(requests: &[Message], responses: &[Message], chunk: usize) -> (Vec<Seen>, Vec<Seen>) {
    let now = Instant::ZERO;
    let mut client = ClientConn::new(Config::default());
    let mut server = ServerConn::new(Config::default());
    for req in requests {
        let fields = req.field_pairs();
        client
            .send_request(
                req.start.0.as_bytes(),
                req.start.1.as_bytes(),
                fields,
                req.framing(),
            )
            .unwrap();
        for piece in &req.pieces {
            let mut rest = &piece[..];
            while !rest.is_empty() {
                match client.send_data(rest) {
                    Ok(n) => rest = &rest[n..],
                    Err(_) => pump(&mut client, &mut server, chunk, now),
                }
            }
        }
        if req.chunked
            || !req.pieces.iter().all(Vec::is_empty)
            || req.framing() != BodyFraming::Length(0)
        {
            client.send_trailers(&req.trailer_pairs()).unwrap();
        }
    }
    let mut server_seen: Vec<Seen> = Vec::new();
    let mut client_seen: Vec<Seen> = Vec::new();
    let mut answered = 0;
    for _ in 0..100_000 {
        pump(&mut client, &mut server, chunk, now);
        let mut any = false;
        while let Some(ev) = server.poll_event() {
            any = true;
            match ev {
                ServerEvent::RequestReceived(r) => server_seen.push(Seen {
                    head: format!("{} {}", r.method_str(), r.target_str()),
                    fields: r
                        .fields()
                        .iter()
                        .map(|f| (f.name.to_vec(), f.value.to_vec()))
                        .collect(),
                    ..Seen::default()
                }),
                ServerEvent::DataReceived(d) => {
                    server_seen.last_mut().unwrap().body.extend_from_slice(d)
                }
                ServerEvent::TrailersReceived(t) => {
                    server_seen.last_mut().unwrap().trailers = t
                        .iter()
                        .map(|f| (f.name.to_vec(), f.value.to_vec()))
                        .collect()
                }
                ServerEvent::RequestFinished => {
                    server_seen.last_mut().unwrap().finished = true;
                    let resp = &responses[answered];
                    answered += 1;
                    let status: u16 = resp.start.0.parse().unwrap();
                    server
                        .send_response(status, resp.field_pairs(), resp.framing())
                        .unwrap();
                    for piece in &resp.pieces {
                        let mut rest = &piece[..];
                        while !rest.is_empty() {
                            match server.send_data(rest) {
                                Ok(n) => rest = &rest[n..],
                                Err(_) => pump(&mut client, &mut server, chunk, now),
                            }
                        }
                    }
                    if resp.framing() != BodyFraming::Length(0) || resp.chunked {
                        server.send_trailers(&resp.trailer_pairs()).unwrap();
                    }
                }
                ServerEvent::Upgraded(_) => unreachable!(),
            }
        }
        while let Some(ev) = client.poll_event() {
            any = true;
            match ev {
                ClientEvent::ResponseReceived(r) => client_seen.push(Seen {
                    head: format!("{}", r.status()),
                    fields: r
                        .fields()
                        .iter()
                        .map(|f| (f.name.to_vec(), f.value.to_vec()))
                        .collect(),
                    ..Seen::default()
                }),
                ClientEvent::DataReceived(d) => {
                    client_seen.last_mut().unwrap().body.extend_from_slice(d)
                }
                ClientEvent::TrailersReceived(t) => {
                    client_seen.last_mut().unwrap().trailers = t
                        .iter()
                        .map(|f| (f.name.to_vec(), f.value.to_vec()))
                        .collect()
                }
                ClientEvent::ResponseFinished => client_seen.last_mut().unwrap().finished = true,
                ClientEvent::InformationalReceived(_) | ClientEvent::Upgraded(_) => {}
            }
        }
        if !any && client.poll_transmit().is_none() && server.poll_transmit().is_none() {
            break;
        }
    }
    assert_eq!(client.in_flight(), 0, "every response arrived");
    assert!(client.is_reusable());
    (server_seen, client_seen)
}

fn expected(
    msgs: &[Message],
    framing_field: impl Fn(&Message) -> Option<(String, String)>,
) -> Vec<Seen> {
    msgs.iter()
        .map(|m| {
            let mut fields: Vec<(Vec<u8>, Vec<u8>)> = m
                .fields
                .iter()
                .map(|(n, v)| (n.clone().into_bytes(), v.clone().into_bytes()))
                .collect();
            if let Some((n, v)) = framing_field(m) {
                fields.push((n.into_bytes(), v.into_bytes()));
            }
            Seen {
                head: if m.start.1.is_empty() {
                    m.start.0.clone()
                } else {
                    format!("{} {}", m.start.0, m.start.1)
                },
                fields,
                body: m.pieces.concat(),
                trailers: m
                    .trailers
                    .iter()
                    .map(|(n, v)| (n.clone().into_bytes(), v.clone().into_bytes()))
                    .collect(),
                finished: true,
            }
        })
        .collect()
}

fn framing_field(m: &Message) -> Option<(String, String)> {
    if m.chunked {
        Some(("transfer-encoding".into(), "chunked".into()))
    } else {
        let len: usize = m.pieces.iter().map(Vec::len).sum();
        // Responses always say their length; requests only for methods with content.
        let is_response = m.start.0.parse::<u16>().is_ok();
        let content_method = matches!(m.start.0.as_str(), "POST" | "PUT" | "PATCH");
        (len > 0 || is_response || content_method)
            .then(|| ("content-length".into(), len.to_string()))
    }
}

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn field() -> impl Strategy<Value = (String, String)> {
    (token(), "[ -~]{0,20}").prop_filter_map("reserved or padded", |(n, v)| {
        let lower = n.to_ascii_lowercase();
        let reserved = [
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "upgrade",
            "expect",
            "te",
            "trailer",
            "date",
        ];
        let v = v.trim_matches([' ', '\t']).to_string();
        (!reserved.contains(&lower.as_str())).then_some((n, v))
    })
}

fn message(start: impl Strategy<Value = (String, String)>) -> impl Strategy<Value = Message> {
    (
        start,
        prop::collection::vec(field(), 0..6),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 1..300), 0..4),
        any::<bool>(),
        prop::collection::vec(field(), 0..3),
    )
        .prop_map(|(start, fields, pieces, chunked, trailers)| Message {
            start,
            fields,
            trailers: if chunked { trailers } else { Vec::new() },
            chunked,
            pieces,
        })
}

fn request() -> impl Strategy<Value = Message> {
    let start = (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"]),
        "/[a-zA-Z0-9/._~%!$&'()*+,;=:@?-]{0,40}",
    )
        .prop_map(|(m, t)| (m.to_string(), t));
    message(start).prop_map(|mut m| {
        m.fields.insert(0, ("host".into(), "example.com".into()));
        m
    })
}

fn response() -> impl Strategy<Value = Message> {
    message(
        prop::sample::select(vec!["200", "201", "404", "500", "299"])
            .prop_map(|s| (s.to_string(), String::new())),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever the client sends arrives at the server as sent, and back; pipelined,
    /// in any transport chunk size.
    #[test]
    fn round_trip(
        reqs in prop::collection::vec(request(), 1..5),
        resps in prop::collection::vec(response(), 5),
        chunk in prop::sample::select(vec![1usize, 7, 64, 1 << 20]),
    ) {
        let (server_seen, client_seen) = exchange(&reqs, &resps, chunk);
        prop_assert_eq!(server_seen, expected(&reqs, framing_field));
        prop_assert_eq!(client_seen, expected(&resps[..reqs.len()], framing_field));
    }
}

#[test]
fn head_response_has_no_body() {
    let now = Instant::ZERO;
    let mut client = ClientConn::new(Config::default());
    let mut server = ServerConn::new(Config::default());
    client
        .send_request(b"HEAD", b"/", [(b"host", b"a")], BodyFraming::Empty)
        .unwrap();
    client
        .send_request(b"GET", b"/", [(b"host", b"a")], BodyFraming::Empty)
        .unwrap();
    pump(&mut client, &mut server, 1 << 20, now);
    let mut log = Vec::new();
    for _ in 0..4 {
        while let Some(ev) = server.poll_event() {
            if let ServerEvent::RequestFinished = ev {
                server.send_response_with_body(200, &[], b"hello").unwrap();
            }
        }
        pump(&mut client, &mut server, 1 << 20, now);
        while let Some(ev) = client.poll_event() {
            log.push(match ev {
                ClientEvent::ResponseReceived(r) => {
                    format!("{} {:?}", r.status(), r.header("content-length"))
                }
                ClientEvent::DataReceived(d) => String::from_utf8_lossy(d).into_owned(),
                ClientEvent::ResponseFinished => "fin".into(),
                other => format!("{other:?}"),
            });
        }
    }
    assert_eq!(
        log,
        ["200 Some([53])", "fin", "200 Some([53])", "hello", "fin"]
    );
}

#[test]
fn upgrade_hands_over_both_sides() {
    let now = Instant::ZERO;
    let mut client = ClientConn::new(Config::default());
    let mut server = ServerConn::new(Config::default());
    client
        .send_request(
            b"GET",
            b"/ws",
            [
                (&b"host"[..], &b"a"[..]),
                (b"connection", b"upgrade"),
                (b"upgrade", b"echo"),
            ],
            BodyFraming::Empty,
        )
        .unwrap();
    let head = client.poll_transmit().unwrap().to_vec();
    client.advance_transmit(head.len());
    let mut wire = head;
    wire.extend_from_slice(b"client-first");
    server.handle_input(now, &wire).unwrap();
    let mut leftover = Vec::new();
    while let Some(ev) = server.poll_event() {
        match ev {
            ServerEvent::RequestReceived(r) => assert!(r.is_upgrade()),
            ServerEvent::RequestFinished => server
                .send_response(101, [(b"upgrade", b"echo")], BodyFraming::Empty)
                .unwrap(),
            ServerEvent::Upgraded(rest) => leftover = rest.to_vec(),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(leftover, b"client-first");
    let mut out = server.poll_transmit().unwrap().to_vec();
    server.advance_transmit(out.len());
    assert!(server.is_closed());
    out.extend_from_slice(b"server-first");
    client.handle_input(now, &out).unwrap();
    let mut seen = Vec::new();
    while let Some(ev) = client.poll_event() {
        match ev {
            ClientEvent::ResponseReceived(r) => seen.push(r.status().to_string()),
            ClientEvent::Upgraded(rest) => seen.push(String::from_utf8_lossy(rest).into_owned()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen, ["101", "server-first"]);
    assert!(client.is_closed());
}
