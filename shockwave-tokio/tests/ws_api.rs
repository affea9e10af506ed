//! The tokio WebSocket API: the reference server's `/ws` echo over TCP and
//! TLS, split halves in two tasks, backpressure both ways, the closing
//! handshake with codes, a 16 MiB message, pings, errors, Close 1001 on the
//! server's graceful shutdown.

mod ws_support;

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use shockwave_proto::ws::UsageError;
use shockwave_proto::ws::handshake::HandshakeError;
use shockwave_tokio::ws::{CloseFrame, Config, Connector, Error, Message, close};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ws_support::{RefServer, client_frame, pair, pattern, within};

fn message(i: usize) -> Message {
    if i.is_multiple_of(2) {
        Message::text(format!("message {i} {}", "é".repeat(i % 50)))
    } else {
        Message::binary(pattern(i * 97))
    }
}

/// Sends `n` messages, checks each echo, then closes (1000) and sees the
/// echoed Close and the end of the stream.
async fn echo_then_close<S>(socket: &mut shockwave_tokio::ws::WebSocket<S>, n: usize)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    for i in 0..n {
        socket.send(message(i)).await.unwrap();
        assert_eq!(within(5, socket.recv()).await.unwrap().unwrap(), message(i));
    }
    socket.close(None).await.unwrap();
    assert!(matches!(
        within(5, socket.recv()).await,
        Some(Ok(Message::Close(Some(CloseFrame { code: 1000, .. }))))
    ));
    assert!(within(5, socket.recv()).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_in_two_tasks() {
    let server = RefServer::start();
    let socket = within(10, Connector::new().connect(&server.ws_url()))
        .await
        .unwrap();
    let (mut sink, mut stream) = socket.split();
    const N: usize = 400;
    let writer = tokio::spawn(async move {
        for i in 0..N {
            // Through the `Sink` trait: ready, start_send, flush.
            SinkExt::send(&mut sink, message(i)).await.unwrap();
        }
        sink
    });
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        while got.len() < N {
            match stream.next().await {
                Some(Ok(m)) => got.push(m),
                other => panic!("after {} messages: {other:?}", got.len()),
            }
        }
        (stream, got)
    });
    let mut sink = within(60, writer).await.unwrap();
    let (mut stream, got) = within(60, reader).await.unwrap();
    for (i, m) in got.iter().enumerate() {
        assert_eq!(*m, message(i), "message {i}");
    }

    sink.close(Some(CloseFrame::new(4000, "done")))
        .await
        .unwrap();
    // The server echoes our code, then closes the TCP connection.
    let answer = within(10, stream.next()).await.unwrap().unwrap();
    assert_eq!(answer, Message::Close(Some(CloseFrame::new(4000, ""))));
    assert!(within(10, stream.next()).await.is_none());
    assert!(matches!(
        sink.send(Message::text("late")).await,
        Err(Error::AlreadyClosed)
    ));
    let socket = sink.reunite(stream).expect("same socket");
    assert!(socket.protocol_error().is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn sink_waits_while_the_peer_does_not_read() {
    let mut small = Config::default();
    small.max_write_buffer = 64 << 10;
    let (mut client, mut server) = pair(16 << 10, Config::default(), small);
    let msg = Message::binary(vec![7u8; 10 << 10]);
    // The client never reads: the server's queue fills and stays full.
    let mut sent = 0usize;
    loop {
        match tokio::time::timeout(Duration::from_millis(200), server.feed(msg.clone())).await {
            Ok(result) => result.unwrap(),
            Err(_) => break,
        }
        sent += 1;
        assert!(sent < 100, "the sink never stopped taking messages");
    }
    // Memory bound: what the pipe holds, the 64 KiB queue, and one message
    // taken while it was under its limit.
    let frame = (10 << 10) + 4;
    assert!(sent >= 64 / 10, "sent only {sent}");
    assert!(
        sent * frame <= (16 << 10) + (64 << 10) + 2 * frame,
        "sent {sent}"
    );
    assert!(server.buffered_amount() <= (64 << 10) + frame);
    let ready = futures_util::poll!(std::future::poll_fn(|cx| futures_util::Sink::poll_ready(
        Pin::new(&mut server),
        cx
    )));
    assert!(ready.is_pending(), "poll_ready: {ready:?}");

    // Once the client reads, everything arrives, in order, and more fits.
    let expected = sent + 5;
    let reader = tokio::spawn(async move {
        let mut n = 0;
        while n < expected {
            match client.recv().await {
                Some(Ok(Message::Binary(b))) => {
                    assert_eq!(b.len(), 10 << 10);
                    n += 1;
                }
                other => panic!("after {n}: {other:?}"),
            }
        }
        n
    });
    for _ in 0..5 {
        within(10, server.feed(msg.clone())).await.unwrap();
    }
    within(10, server.flush()).await.unwrap();
    assert_eq!(within(10, reader).await.unwrap(), expected);
}

#[tokio::test]
async fn no_reading_ahead_while_the_output_is_full() {
    let mut small = Config::default();
    small.max_write_buffer = 32 << 10;
    let (mut client, mut server) = pair(16 << 10, Config::default(), small);
    // Fill the server's output: the client does not read.
    let big = Message::binary(vec![1u8; 8 << 10]);
    while tokio::time::timeout(Duration::from_millis(200), server.feed(big.clone()))
        .await
        .is_ok()
    {}
    // A message from the client is in the pipe, but the server takes no
    // input while it cannot write.
    within(5, client.send(Message::text("are you there?")))
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), server.recv())
            .await
            .is_err(),
        "the server read while its output was full"
    );
    // The client reads: the server's output drains and the message arrives.
    let drain = tokio::spawn(async move {
        while let Some(Ok(m)) = client.recv().await {
            if m.is_data() {
                continue;
            }
        }
    });
    let got = within(10, server.recv()).await.unwrap().unwrap();
    assert_eq!(got, Message::text("are you there?"));
    drain.abort();
}

#[tokio::test]
async fn closing_handshake_started_by_the_client() {
    let (mut client, mut server) = pair(64 << 10, Config::default(), Config::default());
    client
        .close(Some(CloseFrame::new(4001, "client done")))
        .await
        .unwrap();
    let got = within(5, server.recv()).await.unwrap().unwrap();
    assert_eq!(
        got,
        Message::Close(Some(CloseFrame::new(4001, "client done")))
    );
    // The server answered and closed its side: its stream is over.
    assert!(within(5, server.recv()).await.is_none());
    // RFC 6455 section 5.5.1: the answer echoes the code.
    let answer = within(5, client.recv()).await.unwrap().unwrap();
    assert_eq!(answer, Message::Close(Some(CloseFrame::new(4001, ""))));
    // The client saw the server's end of stream, then ended its own.
    assert!(within(5, client.recv()).await.is_none());
    assert!(client.protocol_error().is_none());
    assert!(server.protocol_error().is_none());
    assert!(matches!(
        client.send(Message::text("x")).await,
        Err(Error::AlreadyClosed)
    ));
}

#[tokio::test]
async fn closing_handshake_started_by_the_server() {
    let (mut client, mut server) = pair(64 << 10, Config::default(), Config::default());
    server
        .close(Some(CloseFrame::new(close::GOING_AWAY, "restarting")))
        .await
        .unwrap();
    // Messages still arrive while the server waits for the answer.
    let server_task = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(m) = server.recv().await {
            seen.push(m.unwrap());
        }
        seen
    });
    let got = within(5, client.recv()).await.unwrap().unwrap();
    assert_eq!(
        got,
        Message::Close(Some(CloseFrame::new(1001, "restarting")))
    );
    assert!(within(5, client.recv()).await.is_none());
    let seen = within(5, server_task).await.unwrap();
    assert_eq!(seen, [Message::Close(Some(CloseFrame::new(1001, "")))]);
}

#[tokio::test]
async fn unanswered_close_times_out() {
    let mut quick = Config::default();
    quick.close_timeout = Duration::from_millis(200);
    let (raw, peer) = tokio::io::duplex(64 << 10);
    let mut server = shockwave_tokio::ws::WebSocket::server(peer, Default::default(), quick);
    server.close(None).await.unwrap();
    // The peer never answers (but keeps its side open).
    let start = tokio::time::Instant::now();
    let err = within(5, server.recv()).await.unwrap().unwrap_err();
    assert_eq!(err.close_code(), Some(close::ABNORMAL_CLOSURE), "{err}");
    assert!(within(5, server.recv()).await.is_none());
    assert!(start.elapsed() >= Duration::from_millis(200));
    drop(raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_mib_message_echoed() {
    let server = RefServer::start();
    let mut socket = within(
        10,
        Connector::new().deflate(false).connect(&server.ws_url()),
    )
    .await
    .unwrap();
    let payload = Bytes::from(pattern(16 << 20));
    within(60, socket.send(Message::Binary(payload.clone())))
        .await
        .unwrap();
    match within(60, socket.recv()).await {
        Some(Ok(Message::Binary(b))) => assert!(b == payload, "echo differs"),
        other => panic!("{other:?}"),
    }
    // Compressed both ways (the server accepted permessage-deflate).
    let mut socket2 = within(10, Connector::new().connect(&server.ws_url()))
        .await
        .unwrap();
    let text = "WebSocket ".repeat(100_000);
    within(30, socket2.send(Message::text(text.clone())))
        .await
        .unwrap();
    match within(30, socket2.recv()).await {
        Some(Ok(Message::Text(t))) => assert!(t == text.as_str()),
        other => panic!("{other:?}"),
    }
    socket.close(None).await.unwrap();
    socket2.close(None).await.unwrap();
    assert!(matches!(
        within(5, socket.recv()).await,
        Some(Ok(Message::Close(Some(CloseFrame { code: 1000, .. }))))
    ));
    assert!(within(5, socket.recv()).await.is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn ping_and_pong_both_ways() {
    let server = RefServer::start();
    // Our ping, answered by the server.
    let mut socket = within(10, Connector::new().connect(&server.ws_url()))
        .await
        .unwrap();
    socket
        .send(Message::Ping(Bytes::from_static(b"hello")))
        .await
        .unwrap();
    let pong = within(5, socket.recv()).await.unwrap().unwrap();
    assert_eq!(pong, Message::Pong(Bytes::from_static(b"hello")));
    drop(socket);

    // The server's ping, answered by the client on its own.
    let (mut client, mut peer) = pair(64 << 10, Config::default(), Config::default());
    peer.send(Message::Ping(Bytes::from_static(b"are you alive")))
        .await
        .unwrap();
    let ping = within(5, client.recv()).await.unwrap().unwrap();
    assert_eq!(ping, Message::Ping(Bytes::from_static(b"are you alive")));
    let pong = within(5, peer.recv()).await.unwrap().unwrap();
    assert_eq!(pong, Message::Pong(Bytes::from_static(b"are you alive")));
    server.shutdown().await;
}

#[tokio::test]
async fn a_protocol_error_is_reported_with_its_close_code() {
    let (mut raw, io) = tokio::io::duplex(64 << 10);
    let mut server =
        shockwave_tokio::ws::WebSocket::server(io, Default::default(), Config::default());
    // A text frame that is not UTF-8 (RFC 6455 section 8.1: close 1007).
    raw.write_all(&client_frame(0x1, b"ok \xff\xfe"))
        .await
        .unwrap();
    let err = within(5, server.recv()).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Protocol(_)), "{err}");
    assert_eq!(err.close_code(), Some(close::INVALID_PAYLOAD_DATA));
    // The server still drives the closing handshake: its Close carries 1007...
    let pump = tokio::spawn(async move {
        let rest: Vec<_> = server.collect().await;
        rest
    });
    let mut head = [0u8; 4];
    within(5, raw.read_exact(&mut head)).await.unwrap();
    assert_eq!(head[0], 0x88, "a Close frame");
    assert_eq!(u16::from_be_bytes([head[2], head[3]]), 1007);
    let mut reason = vec![0u8; usize::from(head[1]) - 2];
    raw.read_exact(&mut reason).await.unwrap();
    // ...and our answer ends it.
    raw.write_all(&client_frame(0x8, &1007u16.to_be_bytes()))
        .await
        .unwrap();
    let rest = within(5, pump).await.unwrap();
    assert!(rest.is_empty(), "{rest:?}");
}

#[tokio::test]
async fn usage_errors_send_nothing() {
    let (mut client, mut server) = pair(64 << 10, Config::default(), Config::default());
    assert!(matches!(
        client
            .send(Message::Ping(Bytes::from(vec![0u8; 126])))
            .await,
        Err(Error::Usage(UsageError::ControlPayloadTooLong))
    ));
    assert!(matches!(
        client.close(Some(CloseFrame::new(1005, ""))).await,
        Err(Error::Usage(UsageError::InvalidCloseCode))
    ));
    // Nothing went out: the next thing the server sees is this message.
    client.send(Message::text("first")).await.unwrap();
    assert_eq!(
        within(5, server.recv()).await.unwrap().unwrap(),
        Message::text("first")
    );
}

#[tokio::test]
async fn handshake_answers() {
    let server = RefServer::start();
    // No upgrade: 426 naming the protocol.
    let mut tcp = TcpStream::connect(server.plain).await.unwrap();
    tcp.write_all(b"GET /ws HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    within(5, tcp.read_to_string(&mut answer)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
    assert!(answer.contains("upgrade: websocket\r\n"), "{answer}");

    // Another version: 426 with the one we speak (RFC 6455 section 4.4).
    let mut tcp = TcpStream::connect(server.plain).await.unwrap();
    tcp.write_all(
        b"GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
          sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 8\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 1024];
    let n = within(5, tcp.read(&mut buf)).await.unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
    assert!(answer.contains("sec-websocket-version: 13\r\n"), "{answer}");

    // A route that is not a WebSocket: the client reports the status.
    let err = within(
        10,
        shockwave_tokio::ws::connect(&format!("ws://{}/", server.plain)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Handshake(HandshakeError::UnexpectedStatus(200))),
        "{err}"
    );
    // The RFC 6455 section 1.3 sample key gets its sample answer.
    let mut tcp = TcpStream::connect(server.plain).await.unwrap();
    tcp.write_all(
        b"GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
          sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
    )
    .await
    .unwrap();
    let n = within(5, tcp.read(&mut buf)).await.unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
    assert!(
        answer.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{answer}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_closes_with_going_away() {
    let server = RefServer::start();
    let mut socket = within(10, shockwave_tokio::ws::connect(&server.ws_url()))
        .await
        .unwrap();
    socket.send(Message::text("still here")).await.unwrap();
    assert_eq!(
        within(5, socket.recv()).await.unwrap().unwrap(),
        Message::text("still here")
    );
    let started = std::time::Instant::now();
    let stopping = tokio::spawn(server.shutdown());
    // RFC 6455 section 7.4.1: 1001, the server is going away.
    assert_eq!(
        within(5, socket.recv()).await.unwrap().unwrap(),
        Message::Close(Some(CloseFrame::new(
            close::GOING_AWAY,
            "server shutting down"
        )))
    );
    assert!(within(5, socket.recv()).await.is_none());
    within(5, stopping).await.unwrap();
    // Ended by the closing handshake, not aborted at the 2 s shutdown deadline.
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

/// The same over HTTP/2: an extended CONNECT (RFC 8441) from our own h2 and
/// WebSocket client machines; the server's graceful shutdown reaches the
/// tunnelled WebSocket, which closes with 1001 before the stream ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_closes_a_websocket_over_http2_with_going_away() {
    use shockwave_proto::h2::{self, ClientConn, ClientEvent};
    use shockwave_proto::ws::handshake::Extensions;
    use shockwave_proto::ws::{Conn, Event};

    let server = RefServer::start();
    let mut tcp = TcpStream::connect(server.plain).await.unwrap();
    let start = std::time::Instant::now();
    let now = || shockwave_proto::Instant::from_nanos(start.elapsed().as_nanos() as u64);
    let mut h2c = ClientConn::new(h2::Config::default());
    let mut ws = Conn::client(
        shockwave_proto::ws::Config::default(),
        Extensions::default(),
        ws_support::test_masks(),
    );
    let (mut stream, mut echoed, mut going_away, mut ended) = (None, false, None, false);
    let mut stopping = None;
    let mut server = Some(server);
    let mut buf = vec![0u8; 16 << 10];
    while !ended {
        if stream.is_none() && h2c.peer_settings().enable_connect_protocol {
            let fields = [("sec-websocket-version", "13")];
            stream = Some(
                h2c.send_request(
                    b"CONNECT",
                    b"http",
                    b"127.0.0.1",
                    b"/ws",
                    Some(b"websocket"),
                    fields,
                    false,
                )
                .unwrap(),
            );
        }
        // WebSocket bytes go out as DATA on the stream.
        if let Some(id) = stream
            && let Some(out) = ws.poll_transmit()
        {
            let n = h2c.send_data(id, out, false).unwrap();
            ws.advance_transmit(n);
        }
        while let Some(out) = h2c.poll_transmit() {
            let n = out.len();
            tcp.write_all(out).await.unwrap();
            h2c.advance_transmit(n);
        }
        let n = within(5, tcp.read(&mut buf)).await.unwrap();
        if n == 0 {
            h2c.handle_eof(now());
            break;
        }
        h2c.handle_input(now(), &buf[..n]).unwrap();
        while let Some(event) = h2c.poll_event() {
            match event {
                ClientEvent::ResponseReceived { response, .. } => {
                    assert_eq!(response.status(), 200);
                    ws.send_text("over h2").unwrap();
                }
                ClientEvent::DataReceived {
                    stream: id,
                    data,
                    end_stream,
                } => {
                    ws.handle_input(now(), data).unwrap();
                    let len = data.len();
                    ended |= end_stream;
                    h2c.release_data(id, len).unwrap();
                    while let Some(e) = ws.poll_event() {
                        match e {
                            Event::MessageReceived { payload, .. } => {
                                assert_eq!(payload, b"over h2");
                                echoed = true;
                                stopping = Some(tokio::spawn(server.take().unwrap().shutdown()));
                            }
                            Event::CloseReceived { code, reason } => {
                                going_away =
                                    Some((code, String::from_utf8_lossy(reason).into_owned()));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    assert!(echoed && ended, "echoed {echoed}, stream ended {ended}");
    // RFC 6455 section 7.4.1: 1001, the server is going away.
    assert_eq!(
        going_away,
        Some((Some(1001), "server shutting down".to_string()))
    );
    // Our side of the connection goes; the server then stops well before its
    // 2 s shutdown deadline.
    drop(tcp);
    within(10, stopping.unwrap()).await.unwrap();
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_echo() {
    let server = RefServer::start();
    let mut socket = within(10, server.connector().connect(&server.wss_url()))
        .await
        .unwrap();
    echo_then_close(&mut socket, 20).await;
    // Without the certificate, TLS fails.
    let err = within(10, Connector::new().connect(&server.wss_url()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io(_) | Error::Tls(_)), "{err}");
    server.shutdown().await;
}

/// The `tower` path: a service answering the handshake with
/// `ServerHandshake::http_response` and running the socket in a task of its own.
async fn tower_echo(
    mut req: http::Request<shockwave_tokio::server::Incoming>,
) -> Result<http::Response<http_body_util::Empty<Bytes>>, std::convert::Infallible> {
    let policy = shockwave_tokio::ws::ServerPolicy::default();
    let handshake = match shockwave_tokio::ws::ServerHandshake::from_http(&req, &policy) {
        Ok(h) => h,
        Err(e) => {
            let mut response = http::Response::new(Default::default());
            *response.status_mut() = http::StatusCode::from_u16(e.status()).unwrap();
            return Ok(response);
        }
    };
    let on_upgrade = shockwave_tokio::server::OnUpgrade::from_request(&mut req).unwrap();
    let response = handshake.http_response();
    tokio::spawn(async move {
        let upgraded = on_upgrade.upgraded().await.unwrap();
        let mut socket = handshake.accept(upgraded, Config::default());
        while let Some(Ok(message)) = socket.recv().await {
            if message.is_data() {
                let _ = socket.send(message).await;
            }
        }
    });
    Ok(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tower_service_accepts_a_websocket() {
    let server = shockwave_tokio::server::Server::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addrs()[0].0;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(
        server.serve_with_shutdown(tower::service_fn(tower_echo), async {
            let _ = stopped.await;
        }),
    );
    let mut socket = within(
        10,
        shockwave_tokio::ws::connect(&format!("ws://{addr}/chat")),
    )
    .await
    .unwrap();
    echo_then_close(&mut socket, 10).await;
    // Not an upgrade: the service's refusal.
    let err = within(10, async {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).await.unwrap();
        answer
    })
    .await;
    assert!(err.starts_with("HTTP/1.1 400 "), "{err}");
    let _ = stop.send(());
    within(15, task).await.unwrap().unwrap();
}
