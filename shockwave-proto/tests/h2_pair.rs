//! A client and a server machine wired together in memory.

mod h2_support;

use h2_support::*;
use shockwave_proto::h2::{ErrorCode, StreamId};

fn get(pair: &mut Pair, path: &str) -> StreamId {
    pair.client
        .send_request(
            b"GET",
            b"https",
            b"example.com",
            path.as_bytes(),
            None,
            fields(&[("accept", "*/*")]),
            true,
        )
        .unwrap()
}

#[test]
fn get_and_response() {
    let mut pair = Pair::default_pair();
    let id = get(&mut pair, "/hello");
    let mut server_log = Vec::new();
    let mut client_log = Vec::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, .. } = &ev {
                let id = StreamId::new(*stream);
                s.send_response(id, 200, fields(&[("content-type", "text/plain")]), false)
                    .unwrap();
                assert_eq!(s.send_data(id, b"hello world", true).unwrap(), 11);
            }
            server_log.push(ev);
        },
        |c, ev| {
            if let CEv::Data { stream, data, .. } = &ev {
                c.release_data(StreamId::new(*stream), data.len()).unwrap();
            }
            client_log.push(ev);
        },
    );
    assert_eq!(
        server_log,
        vec![SEv::Request {
            stream: 1,
            method: b"GET".to_vec(),
            path: Some(b"/hello".to_vec()),
            authority: Some(b"example.com".to_vec()),
            protocol: None,
            fields: fields(&[("accept", "*/*")]),
            end: true,
        }]
    );
    assert_eq!(
        client_log,
        vec![
            CEv::Settings,
            CEv::Response {
                stream: id.value(),
                status: 200,
                fields: fields(&[("content-type", "text/plain")]),
                end: false
            },
            CEv::Data {
                stream: 1,
                data: b"hello world".to_vec(),
                end: true
            },
        ]
    );
    assert_eq!(pair.server.active_streams(), 0);
    assert_eq!(pair.client.active_streams(), 0);
    assert!(!pair.server.is_closed());
}

/// The client's side of an upload: sends `body` as room allows.
struct Upload {
    stream: StreamId,
    body: Vec<u8>,
    sent: usize,
}

impl Upload {
    fn push(&mut self, c: &mut shockwave_proto::h2::ClientConn) {
        while self.sent < self.body.len() {
            let n = c
                .send_data(self.stream, &self.body[self.sent..], true)
                .unwrap();
            self.sent += n;
            if n == 0 {
                break;
            }
        }
    }
}

#[test]
fn post_larger_than_every_window() {
    let server_cfg = config(|c| {
        c.initial_window_size = 16_384;
        c.connection_window = 65_535;
    });
    let client_cfg = config(|c| {
        c.stream_send_buffer = 10_000;
    });
    let mut pair = Pair::new(client_cfg, server_cfg);
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let stream = pair
        .client
        .send_request(
            b"POST",
            b"https",
            b"x",
            b"/upload",
            None,
            fields(&[("content-length", "1000000")]),
            false,
        )
        .unwrap();
    let mut up = Upload {
        stream,
        body: body.clone(),
        sent: 0,
    };
    up.push(&mut pair.client);
    assert_eq!(up.sent, 10_000, "bounded by the stream send buffer");
    let mut received = Vec::new();
    let mut most_outstanding = 0;
    let mut outstanding = 0usize;
    let mut ready = 0;
    let mut done = false;
    pair.run(
        |s, ev| match ev {
            SEv::Data { stream, data, end } => {
                received.extend_from_slice(&data);
                outstanding += data.len();
                most_outstanding = most_outstanding.max(outstanding);
                // Consume (and release) in the same turn.
                s.release_data(StreamId::new(stream), outstanding).unwrap();
                outstanding = 0;
                if end {
                    s.send_response(StreamId::new(stream), 204, fields(&[]), true)
                        .unwrap();
                }
            }
            SEv::Request { end, .. } => assert!(!end),
            other => panic!("{other:?}"),
        },
        |c, ev| match ev {
            CEv::SendReady(_) => {
                ready += 1;
                up.push(c);
            }
            CEv::Response { status, end, .. } => {
                assert_eq!((status, end), (204, true));
                done = true;
            }
            CEv::Settings => {}
            other => panic!("{other:?}"),
        },
    );
    assert!(done);
    assert_eq!(received.len(), body.len());
    assert!(received == body, "the body arrives intact and in order");
    assert!(
        ready > 50,
        "the sender waited for room many times ({ready})"
    );
    assert!(
        most_outstanding <= 16_384,
        "never more than the stream window in flight"
    );
}

#[test]
fn a_slow_reader_bounds_what_it_buffers() {
    use shockwave_proto::h2::Config;
    let server_cfg = config(|c| {
        c.initial_window_size = 20_000;
        c.connection_window = 65_535;
    });
    let mut pair = Pair::new(Config::default(), server_cfg);
    // Settle SETTINGS first: before the server's arrive, the client may use the
    // default 65,535-byte window (and the server accepts it).
    pair.run_logged();
    let stream = pair
        .client
        .send_request(b"POST", b"https", b"x", b"/", None, fields(&[]), false)
        .unwrap();
    let mut up = Upload {
        stream,
        body: vec![7; 200_000],
        sent: 0,
    };
    up.push(&mut pair.client);
    let mut held = 0usize;
    // The application never releases: the peer stops at the stream window.
    pair.run(
        |_, ev| {
            if let SEv::Data { data, .. } = ev {
                held += data.len();
            }
        },
        |c, ev| {
            if let CEv::SendReady(_) = ev {
                up.push(c)
            }
        },
    );
    assert_eq!(held, 20_000, "exactly the stream window, then nothing");
    // Releasing half gives that half back.
    pair.server.release_data(stream, 10_000).unwrap();
    let mut more = 0;
    pair.run(
        |_, ev| {
            if let SEv::Data { data, .. } = ev {
                more += data.len();
            }
        },
        |c, ev| {
            if let CEv::SendReady(_) = ev {
                up.push(c)
            }
        },
    );
    assert_eq!(more, 10_000);
    assert_eq!(
        pair.server.release_data(stream, 30_001),
        Err(shockwave_proto::h2::UsageError::ReleaseTooLarge)
    );
}

#[test]
fn trailers_both_ways() {
    let mut pair = Pair::default_pair();
    let stream = pair
        .client
        .send_request(
            b"POST",
            b"https",
            b"x",
            b"/rpc",
            None,
            fields(&[("te", "trailers")]),
            false,
        )
        .unwrap();
    assert_eq!(pair.client.send_data(stream, b"ping", false).unwrap(), 4);
    pair.client
        .send_trailers(stream, fields(&[("x-checksum", "42")]))
        .unwrap();
    assert_eq!(
        pair.client.send_data(stream, b"late", false),
        Err(shockwave_proto::h2::UsageError::StreamFinished)
    );
    let (s, c) = {
        let mut s = Vec::new();
        let mut c = Vec::new();
        pair.run(
            |srv, ev| {
                if let SEv::Trailers { stream, .. } = &ev {
                    let id = StreamId::new(*stream);
                    srv.send_response(id, 200, fields(&[]), false).unwrap();
                    srv.send_data(id, b"pong", false).unwrap();
                    srv.send_trailers(id, fields(&[("grpc-status", "0")]))
                        .unwrap();
                }
                s.push(ev);
            },
            |_, ev| c.push(ev),
        );
        (s, c)
    };
    assert_eq!(
        s[1],
        SEv::Data {
            stream: 1,
            data: b"ping".to_vec(),
            end: false
        }
    );
    assert_eq!(
        s[2],
        SEv::Trailers {
            stream: 1,
            fields: fields(&[("x-checksum", "42")])
        }
    );
    assert_eq!(
        c[2],
        CEv::Data {
            stream: 1,
            data: b"pong".to_vec(),
            end: false
        }
    );
    assert_eq!(
        c[3],
        CEv::Trailers {
            stream: 1,
            fields: fields(&[("grpc-status", "0")])
        }
    );
    assert_eq!(pair.server.active_streams(), 0);
}

#[test]
fn many_concurrent_streams() {
    let mut pair = Pair::default_pair();
    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(get(&mut pair, &format!("/{i}")));
    }
    assert!(!pair.client.can_open_stream(), "our own cap of 100 reached");
    assert_eq!(
        pair.client
            .send_request(b"GET", b"https", b"x", b"/", None, fields(&[]), true),
        Err(shockwave_proto::h2::UsageError::StreamLimit)
    );
    let mut bodies = std::collections::HashMap::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, path, .. } = ev {
                let id = StreamId::new(stream);
                s.send_response(id, 200, fields(&[]), false).unwrap();
                let body = path.unwrap().repeat(1000);
                assert_eq!(s.send_data(id, &body, true).unwrap(), body.len());
            }
        },
        |c, ev| {
            if let CEv::Data { stream, data, .. } = ev {
                c.release_data(StreamId::new(stream), data.len()).unwrap();
                bodies
                    .entry(stream)
                    .or_insert_with(Vec::new)
                    .extend_from_slice(&data);
            }
        },
    );
    assert_eq!(bodies.len(), 100);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            bodies[&id.value()],
            format!("/{i}").repeat(1000).into_bytes()
        );
    }
    assert!(pair.client.can_open_stream());
}

#[test]
fn urgent_streams_overtake_bulk_ones() {
    let mut pair = Pair::default_pair();
    let bulk = pair
        .client
        .send_request(
            b"GET",
            b"https",
            b"x",
            b"/bulk",
            None,
            fields(&[("priority", "u=5")]),
            true,
        )
        .unwrap();
    let urgent = pair
        .client
        .send_request(
            b"GET",
            b"https",
            b"x",
            b"/css",
            None,
            fields(&[("priority", "u=0")]),
            true,
        )
        .unwrap();
    let inc_a = pair
        .client
        .send_request(
            b"GET",
            b"https",
            b"x",
            b"/a",
            None,
            fields(&[("priority", "u=2, i")]),
            true,
        )
        .unwrap();
    let inc_b = pair
        .client
        .send_request(
            b"GET",
            b"https",
            b"x",
            b"/b",
            None,
            fields(&[("priority", "u=2, i")]),
            true,
        )
        .unwrap();
    // Answer all four at once, the bulk one first.
    let mut answered = 0;
    let mut order = Vec::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { .. } = ev {
                answered += 1;
            }
            if answered == 4 {
                answered += 1;
                for id in [bulk, inc_a, inc_b, urgent] {
                    s.send_response(id, 200, fields(&[]), false).unwrap();
                    s.send_data(id, &[0; 40_000], true).unwrap();
                }
            }
        },
        |c, ev| {
            if let CEv::Data { stream, data, .. } = ev {
                c.release_data(StreamId::new(stream), data.len()).unwrap();
                if order.last() != Some(&stream) {
                    order.push(stream);
                }
            }
        },
    );
    // Urgency 0 first, whole; then the incremental pair interleaved; bulk last.
    assert_eq!(order[0], urgent.value(), "{order:?}");
    assert_eq!(*order.last().unwrap(), bulk.value(), "{order:?}");
    let middle = &order[1..order.len() - 1];
    assert!(
        middle.len() >= 4,
        "incremental streams alternate: {order:?}"
    );
    assert!(
        middle
            .iter()
            .all(|&s| s == inc_a.value() || s == inc_b.value())
    );
}

#[test]
fn server_push() {
    let mut pair = Pair::new(config(|c| c.enable_push = true), Default::default());
    let page = get(&mut pair, "/index.html");
    let mut promised = None;
    let mut client_log = Vec::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, .. } = ev {
                let id = StreamId::new(stream);
                let p = s
                    .push_promise(
                        id,
                        b"GET",
                        b"https",
                        b"example.com",
                        b"/style.css",
                        fields(&[]),
                    )
                    .unwrap();
                s.send_response(id, 200, fields(&[]), false).unwrap();
                s.send_data(id, b"<html>", true).unwrap();
                s.send_response(p, 200, fields(&[("content-type", "text/css")]), false)
                    .unwrap();
                s.send_data(p, b"body{}", true).unwrap();
                promised = Some(p);
            }
        },
        |c, ev| {
            if let CEv::Data { stream, data, .. } = &ev {
                c.release_data(StreamId::new(*stream), data.len()).unwrap();
            }
            client_log.push(ev);
        },
    );
    let p = promised.unwrap();
    assert!(p.is_server_initiated());
    assert!(client_log.contains(&CEv::Push {
        associated: page.value(),
        promised: p.value(),
        method: b"GET".to_vec(),
        path: b"/style.css".to_vec()
    }));
    assert!(client_log.contains(&CEv::Response {
        stream: p.value(),
        status: 200,
        fields: fields(&[("content-type", "text/css")]),
        end: false
    }));
    assert!(client_log.contains(&CEv::Data {
        stream: p.value(),
        data: b"body{}".to_vec(),
        end: true
    }));
    assert_eq!(pair.client.active_streams(), 0);
}

#[test]
fn push_is_refused_when_the_client_disabled_it() {
    let mut pair = Pair::default_pair();
    get(&mut pair, "/");
    let mut result = None;
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, .. } = ev {
                result = Some(s.push_promise(
                    StreamId::new(stream),
                    b"GET",
                    b"https",
                    b"x",
                    b"/a",
                    fields(&[]),
                ));
            }
        },
        |_, _| {},
    );
    assert_eq!(
        result,
        Some(Err(shockwave_proto::h2::UsageError::PushDisabled))
    );
}

#[test]
fn extended_connect_websocket() {
    let mut pair = Pair::default_pair();
    // Before the server's SETTINGS, extended CONNECT is not known to be allowed.
    assert_eq!(
        pair.client.send_request(
            b"CONNECT",
            b"https",
            b"x",
            b"/chat",
            Some(b"websocket"),
            fields(&[]),
            false
        ),
        Err(shockwave_proto::h2::UsageError::ExtendedConnectDisabled)
    );
    pair.run_logged();
    assert!(pair.client.peer_settings().enable_connect_protocol);
    let id = pair
        .client
        .send_request(
            b"CONNECT",
            b"https",
            b"x",
            b"/chat",
            Some(b"websocket"),
            fields(&[("sec-websocket-version", "13")]),
            false,
        )
        .unwrap();
    pair.client.send_data(id, b"frame-bytes", false).unwrap();
    let mut server_log = Vec::new();
    let mut client_log = Vec::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, .. } = &ev {
                s.send_response(StreamId::new(*stream), 200, fields(&[]), false)
                    .unwrap();
            }
            if let SEv::Data { stream, data, .. } = &ev {
                s.release_data(StreamId::new(*stream), data.len()).unwrap();
                s.send_data(StreamId::new(*stream), b"echo", false).unwrap();
            }
            server_log.push(ev);
        },
        |_, ev| client_log.push(ev),
    );
    match &server_log[0] {
        SEv::Request {
            method,
            protocol,
            path,
            end,
            ..
        } => {
            assert_eq!(method, b"CONNECT");
            assert_eq!(protocol.as_deref(), Some(&b"websocket"[..]));
            assert_eq!(path.as_deref(), Some(&b"/chat"[..]));
            assert!(!end);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server_log[1],
        SEv::Data {
            stream: id.value(),
            data: b"frame-bytes".to_vec(),
            end: false
        }
    );
    assert_eq!(
        client_log[1],
        CEv::Data {
            stream: id.value(),
            data: b"echo".to_vec(),
            end: false
        }
    );
}

#[test]
fn graceful_shutdown_finishes_streams_in_flight() {
    let mut pair = Pair::default_pair();
    let first = get(&mut pair, "/slow");
    pair.run_logged();
    pair.server.shutdown();
    // A request the client sends before it sees the GOAWAY is still served.
    let second = get(&mut pair, "/late");
    let mut requests = Vec::new();
    let mut client_log = Vec::new();
    pair.run(|_, ev| requests.push(ev), |_, ev| client_log.push(ev));
    assert_eq!(requests.len(), 1, "the late request arrived");
    assert!(client_log.iter().any(|e| matches!(
        e,
        CEv::Goaway {
            last: 0x7fff_ffff,
            ..
        }
    )));
    assert!(client_log.iter().any(|e| matches!(
        e,
        CEv::Goaway {
            last: 3,
            code: ErrorCode::NO_ERROR,
            ..
        }
    )));
    assert!(!pair.client.can_open_stream());
    assert!(!pair.server.is_closed(), "two streams still open");
    for id in [first, second] {
        pair.server
            .send_response(id, 200, fields(&[]), true)
            .unwrap();
    }
    let (_, c) = pair.run_logged();
    assert_eq!(
        c.iter()
            .filter(|e| matches!(e, CEv::Response { .. }))
            .count(),
        2
    );
    assert!(pair.server.is_closed(), "closed once the last stream ended");
}

#[test]
fn resets_both_ways() {
    let mut pair = Pair::default_pair();
    let a = get(&mut pair, "/a");
    let b = get(&mut pair, "/b");
    pair.run_logged();
    pair.client.reset_stream(a, ErrorCode::CANCEL).unwrap();
    pair.server
        .reset_stream(b, ErrorCode::REFUSED_STREAM)
        .unwrap();
    let (s, c) = pair.run_logged();
    assert_eq!(
        s,
        vec![SEv::Reset {
            stream: a.value(),
            code: ErrorCode::CANCEL,
            by_peer: true
        }]
    );
    assert_eq!(
        c,
        vec![CEv::Reset {
            stream: b.value(),
            code: ErrorCode::REFUSED_STREAM,
            by_peer: true
        }]
    );
    assert_eq!(pair.server.active_streams(), 0);
    assert_eq!(
        pair.server.send_response(a, 200, fields(&[]), true),
        Err(shockwave_proto::h2::UsageError::UnknownStream)
    );
}

#[test]
fn informational_then_final() {
    let mut pair = Pair::default_pair();
    get(&mut pair, "/");
    let mut client_log = Vec::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, .. } = ev {
                let id = StreamId::new(stream);
                s.send_informational(id, 103, fields(&[("link", "</s.css>; rel=preload")]))
                    .unwrap();
                assert!(s.send_informational(id, 101, fields(&[])).is_err());
                s.send_response(id, 200, fields(&[]), true).unwrap();
            }
        },
        |_, ev| client_log.push(ev),
    );
    assert_eq!(
        client_log[1..],
        [
            CEv::Info {
                stream: 1,
                status: 103,
                fields: fields(&[("link", "</s.css>; rel=preload")])
            },
            CEv::Response {
                stream: 1,
                status: 200,
                fields: vec![],
                end: true
            },
        ]
    );
}

#[test]
fn ping_round_trip() {
    let mut pair = Pair::default_pair();
    pair.client.ping(*b"12345678").unwrap();
    pair.server.ping(*b"abcdefgh").unwrap();
    let (s, c) = pair.run_logged();
    assert_eq!(s, vec![SEv::PingAck(*b"abcdefgh")]);
    assert_eq!(c, vec![CEv::Settings, CEv::PingAck(*b"12345678")]);
}

#[test]
fn h2c_upgrade_answers_stream_one() {
    use shockwave_proto::Instant;
    use shockwave_proto::h2::ServerConn;
    // HTTP2-Settings: SETTINGS_MAX_FRAME_SIZE = 32768.
    let mut server = ServerConn::upgraded(Default::default(), Instant::ZERO, b"AAUAAIAA").unwrap();
    assert_eq!(server.peer_settings().max_frame_size, 32_768);
    server
        .send_response(StreamId::new(1), 200, fields(&[]), false)
        .unwrap();
    server
        .send_data(StreamId::new(1), b"upgraded", true)
        .unwrap();
    let mut peer = RawPeer::default();
    server
        .handle_input(Instant::ZERO, &RawPeer::preface())
        .unwrap();
    assert!(server_events(&mut server).is_empty());
    let out = drain_server(&mut server, &mut peer);
    assert!(out.contains(&Out::Headers {
        stream: 1,
        end_stream: false,
        fields: fields(&[(":status", "200")])
    }));
    assert!(out.contains(&Out::Data {
        stream: 1,
        len: 8,
        end_stream: true
    }));
    assert!(ServerConn::upgraded(Default::default(), Instant::ZERO, b"AAUA!").is_err());
}

mod splits {
    use super::*;
    use proptest::prelude::*;
    use shockwave_proto::Instant;
    use shockwave_proto::h2::{ClientConn, Config, ServerConn};

    /// What a client writes for a fixed script of requests.
    fn client_bytes() -> Vec<u8> {
        let mut client = ClientConn::new(Config::default());
        let a = client
            .send_request(
                b"POST",
                b"https",
                b"x",
                b"/a",
                None,
                fields(&[("content-length", "11"), ("x-y", "z")]),
                false,
            )
            .unwrap();
        client.send_data(a, b"hello", false).unwrap();
        let b = client
            .send_request(b"GET", b"https", b"x", b"/b", None, fields(&[]), true)
            .unwrap();
        client.send_data(a, b" world", false).unwrap();
        client.ping(*b"pingping").unwrap();
        client.send_trailers(a, fields(&[("t", "1")])).unwrap();
        let _ = b;
        let mut bytes = Vec::new();
        while let Some(out) = client.poll_transmit() {
            bytes.extend_from_slice(out);
            let n = out.len();
            client.advance_transmit(n);
        }
        bytes
    }

    fn feed(bytes: &[u8], cuts: &[usize]) -> Vec<SEv> {
        let mut server = ServerConn::new(Config::default());
        let mut log = Vec::new();
        let mut at = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.sort_unstable();
        points.push(bytes.len());
        for end in points {
            while at < end {
                let n = server.handle_input(Instant::ZERO, &bytes[at..end]).unwrap();
                at += n;
                log.extend(server_events(&mut server));
            }
        }
        log.extend(server_events(&mut server));
        merge_server(log)
    }

    proptest! {
        #[test]
        fn any_split_of_the_input_gives_the_same_events(cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
            let bytes = client_bytes();
            let whole = feed(&bytes, &[]);
            prop_assert_eq!(whole.len(), 4, "{:?}", whole);
            prop_assert_eq!(feed(&bytes, &cuts), whole);
        }

        #[test]
        fn byte_at_a_time(_x in 0..1u8) {
            let bytes = client_bytes();
            let cuts: Vec<usize> = (0..bytes.len()).collect();
            prop_assert_eq!(feed(&bytes, &cuts), feed(&bytes, &[]));
        }
    }
}
