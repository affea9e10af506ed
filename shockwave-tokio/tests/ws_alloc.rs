//! The WebSocket path allocates nothing per message in steady state: a warmed
//! connection to each of the reference server's echoes (`/ws`, borrowed
//! messages through `recv_each`; `/ws/owned`, owned ones) carries 1,500 round trips
//! (text and binary, plain and with permessage-deflate) on a current-thread
//! runtime, our client in the same runtime, while a counting allocator watches
//! this thread. Received messages are split from the connection's read
//! buffer without a copy (or, reassembled or inflated, copied into a reused
//! one), so a message dropped before the next one arrives costs no
//! allocation: the read buffer takes back its room. The large message spans
//! several reads and is written from its own buffer.

use bytes::Bytes;
use shockwave_testkit::{Counting, assert_counter_counts, start_counting, stop_counting};
use shockwave_tokio::server::{Reference, Server};
use shockwave_tokio::ws::{ClientStream, Connector, Message, Utf8Bytes, WebSocket};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    assert_counter_counts();
}

const TEXT: &str = "a short text message, echoed";

async fn echo(socket: &mut WebSocket<ClientStream>, n: usize, messages: &[(Message, usize)]) {
    for i in 0..n {
        let (m, len) = &messages[i % messages.len()];
        let (m, len) = (m.clone(), *len);
        socket.send(m).await.unwrap();
        let echo = socket.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_payload().len(), len);
    }
}

async fn round_trips(connector: Connector, url: &str) -> usize {
    let mut socket = connector.connect(url).await.unwrap();
    // Static payloads: sending copies them into the machine, never allocates.
    static LARGE: [u8; 20_000] = [9u8; 20_000];
    let messages = [
        (Message::Text(Utf8Bytes::from_static(TEXT)), TEXT.len()),
        (Message::Binary(Bytes::from_static(&[7u8; 1024])), 1024),
        (Message::Binary(Bytes::from_static(&LARGE)), LARGE.len()),
    ];
    echo(&mut socket, 300, &messages).await;
    start_counting();
    echo(&mut socket, 1500, &messages).await;
    stop_counting().allocations
}

#[test]
fn echo_round_trips_allocate_nothing() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addrs()[0].0;
        tokio::spawn(server.serve_handler(Reference));
        for path in ["/ws", "/ws/owned"] {
            let url = format!("ws://{addr}{path}");
            let plain = round_trips(Connector::new().deflate(false), &url).await;
            let deflated = round_trips(Connector::new(), &url).await;
            assert_eq!(
                (plain, deflated),
                (0, 0),
                "allocations in 1,500 round trips on {path}"
            );
        }
    });
}
