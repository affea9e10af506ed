//! Response streaming and backpressure: a server in the test counts the body
//! bytes it managed to write while the client reads slowly.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt;
use shockwave_tokio::client::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const TOTAL: usize = 64 << 20;
/// What may sit between the server and the application: socket buffers on
/// both sides, the machine's read buffer and the body slot. Far below `TOTAL`.
const BOUND: usize = 8 << 20;

/// A server that answers one request with `TOTAL` bytes, counting what it wrote.
async fn big_body_server() -> (u16, Arc<AtomicUsize>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(64 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(16).unwrap();
    let port = listener.local_addr().unwrap().port();
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "client closed before its request head");
            head.extend_from_slice(&buf[..n]);
        }
        let response = format!("HTTP/1.1 200 OK\r\ncontent-length: {TOTAL}\r\n\r\n");
        tcp.write_all(response.as_bytes()).await.unwrap();
        let chunk = vec![b'z'; 64 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            let n = tcp
                .write(&chunk[..chunk.len().min(TOTAL - sent)])
                .await
                .unwrap();
            sent += n;
            count.store(sent, Ordering::SeqCst);
        }
    });
    (port, written)
}

#[tokio::test]
async fn slow_consumer_bounds_what_is_read_ahead() {
    let (port, written) = big_body_server().await;
    let client = Client::builder().build().unwrap();
    let response = client
        .get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();

    // Not reading at all: the driver stops once its slot and buffers are full.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stalled = written.load(Ordering::SeqCst);
    println!("written by the server while the body was not read: {stalled} bytes");
    assert!(stalled < BOUND, "read ahead {stalled} bytes");

    // Reading slowly: what was written stays within a bound of what was consumed.
    let mut consumed = 0;
    for _ in 0..20 {
        let frame = body.frame().await.unwrap().unwrap();
        consumed += frame.into_data().unwrap().len();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ahead = written.load(Ordering::SeqCst) - consumed;
    println!("after {consumed} bytes consumed slowly, {ahead} bytes ahead");
    assert!(ahead < BOUND, "read ahead {ahead} bytes");

    // Then everything arrives, in order and complete.
    while let Some(frame) = body.frame().await {
        let data = frame.unwrap().into_data().unwrap();
        assert!(data.iter().all(|&b| b == b'z'));
        consumed += data.len();
    }
    assert_eq!(consumed, TOTAL);
}
