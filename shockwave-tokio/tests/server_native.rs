//! The native handler path over real TCP on 127.0.0.1: keep-alive,
//! pipelining, echo (Content-Length and chunked), errors, timeouts,
//! max_connections, upgrades, streamed responses, graceful shutdown.

mod server_common;

use std::time::Duration;

use server_common::{Client, chunked, pattern, start_native};
use shockwave_proto::h1::{BodyFraming, Config, Method};
use shockwave_tokio::server::reference::Route;
use shockwave_tokio::server::{
    Handler, Reference, Request, Responder, Server, UpgradeFuture, Upgraded,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The reference routes, plus `GET /big` (4 MiB streamed chunk by chunk with
/// backpressure) and `GET /upgrade` (101, then an echo protocol).
struct App;

enum State {
    Reference(Route),
    Big { sent: usize },
    Upgrade,
}

const BIG: usize = 4 << 20;
const BLOCK: [u8; 10_000] = [b'z'; 10_000];

impl Handler for App {
    type State = State;

    fn on_request(&self, req: &Request<'_>, scratch: &mut Vec<u8>) -> State {
        match (req.method(), req.path()) {
            (Method::Get, b"/big") => State::Big { sent: 0 },
            (Method::Get, b"/upgrade") if req.is_upgrade() => State::Upgrade,
            _ => State::Reference(Reference.on_request(req, scratch)),
        }
    }

    fn on_data(&self, state: &mut State, data: &[u8], scratch: &mut Vec<u8>) {
        if let State::Reference(r) = state {
            Reference.on_data(r, data, scratch);
        }
    }

    fn respond(&self, state: &mut State, res: &mut Responder<'_>) {
        match state {
            State::Reference(r) => Reference.respond(r, res),
            State::Upgrade => {
                res.send_response(
                    101,
                    &[(b"upgrade", b"echo"), (b"connection", b"upgrade")],
                    BodyFraming::Empty,
                )
                .unwrap();
            }
            State::Big { sent } => {
                if !res.is_started() {
                    res.send_response(200, &[], BodyFraming::Chunked).unwrap();
                }
                while *sent < BIG {
                    let want = (BIG - *sent).min(BLOCK.len());
                    let n = res.send_data(&BLOCK[..want]).unwrap();
                    *sent += n;
                    if n < want {
                        return; // blocked: called again once the output drained
                    }
                }
                res.finish().unwrap();
            }
        }
    }

    fn on_upgrade(&self, _state: State, mut io: Upgraded) -> UpgradeFuture {
        Box::pin(async move {
            let mut buf = [0u8; 1024];
            loop {
                match io.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if io.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        })
    }
}

fn server() -> Server {
    Server::bind("127.0.0.1:0").unwrap()
}

#[tokio::test]
async fn get_and_keep_alive() {
    let srv = start_native(server(), App);
    let mut c = Client::connect(srv.addr).await;
    for _ in 0..5 {
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let r = c.response().await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"Hello from Shockwave!\n");
        assert!(r.header("date").is_some());
        assert!(r.header("connection").is_none());
    }
    c.send(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(c.response().await.status, 404);
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    let r = c.response().await;
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closed_within(Duration::from_secs(2)).await);
    srv.shutdown().await;
}

#[tokio::test]
async fn pipelined_requests_answer_in_order() {
    let srv = start_native(server(), App);
    let mut c = Client::connect(srv.addr).await;
    c.send(
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\
          POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst\
          GET /missing HTTP/1.1\r\nHost: x\r\n\r\n\
          POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsec\r\n3\r\nond\r\n0\r\n\r\n\
          HEAD / HTTP/1.1\r\nHost: x\r\n\r\n\
          GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert_eq!(c.response().await.body, b"Hello from Shockwave!\n");
    assert_eq!(c.response().await.body, b"first");
    assert_eq!(c.response().await.status, 404);
    let chunked_echo = c.response().await;
    assert_eq!(chunked_echo.header("transfer-encoding"), Some("chunked"));
    assert_eq!(chunked_echo.body, b"second");
    // HEAD: the head only, with the length a GET would have.
    let head = c.head_response().await;
    assert_eq!(head.header("content-length"), Some("22"));
    assert_eq!(c.response().await.body, b"Hello from Shockwave!\n");
    srv.shutdown().await;
}

#[tokio::test]
async fn echo_one_mebibyte_content_length_and_chunked() {
    let srv = start_native(server(), App);
    let body = pattern(1 << 20);
    let mut c = Client::connect(srv.addr).await;
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // Write and read at once: the echo streams, so neither side may wait for the other.
    let (mut rd, mut wr) = c.stream.split();
    let send = async {
        wr.write_all(head.as_bytes()).await.unwrap();
        wr.write_all(&body).await.unwrap();
    };
    let recv = async {
        let mut all = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            let n = rd.read(&mut buf).await.unwrap();
            assert!(n > 0);
            all.extend_from_slice(&buf[..n]);
            if let Some(i) = all.windows(4).position(|w| w == b"\r\n\r\n")
                && all.len() >= i + 4 + body.len()
            {
                return all.split_off(i + 4);
            }
        }
    };
    let ((), echoed) = tokio::join!(send, recv);
    assert_eq!(echoed.len(), body.len());
    assert!(echoed == body);

    // Chunked, on a fresh connection, written by a separate task.
    let c = Client::connect(srv.addr).await;
    let wire = chunked(&body);
    let (rd, mut wr) = c.stream.into_split();
    let writer = tokio::spawn(async move {
        wr.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        wr.write_all(&wire).await.unwrap();
        wr
    });
    let mut c = Client::new(rd);
    let r = c.response().await;
    assert_eq!(r.status, 200);
    assert!(r.body == body);
    drop(writer.await.unwrap());
    srv.shutdown().await;
}

#[tokio::test]
async fn malformed_request_gets_400_and_close() {
    let srv = start_native(server(), App);
    for bad in [
        &b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"GET / HTTP/1.1\nHost: x\n\n",
        b"GET / HTTP/1.1\r\n\r\n",
    ] {
        let mut c = Client::connect(srv.addr).await;
        c.send(bad).await;
        let r = c.response().await;
        assert_eq!(r.status, 400, "for {:?}", String::from_utf8_lossy(bad));
        assert_eq!(r.header("connection"), Some("close"));
        assert!(c.closed_within(Duration::from_secs(3)).await);
    }
    srv.shutdown().await;
}

#[tokio::test]
async fn header_read_and_keep_alive_timeouts() {
    let mut config = Config::default();
    config.header_read_timeout = Duration::from_millis(300);
    config.keep_alive_timeout = Duration::from_millis(300);
    let srv = start_native(server().config(config), App);

    // A head that never ends: 408 and close.
    let mut c = Client::connect(srv.addr).await;
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
    let started = std::time::Instant::now();
    let r = c.response().await;
    assert_eq!(r.status, 408);
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(c.closed_within(Duration::from_secs(2)).await);

    // An idle kept-alive connection: closed quietly.
    let mut c = Client::connect(srv.addr).await;
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(c.response().await.status, 200);
    assert!(c.closed_within(Duration::from_secs(2)).await);

    // A connection that never sends anything is closed too.
    let mut c = Client::connect(srv.addr).await;
    assert!(c.closed_within(Duration::from_secs(2)).await);
    srv.shutdown().await;
}

#[tokio::test]
async fn max_connections_stops_accepting_until_a_slot_frees() {
    let srv = start_native(server().max_connections(1), App);
    let mut first = Client::connect(srv.addr).await;
    first.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(first.response().await.status, 200);

    // The second connection completes in the backlog but is not served.
    let mut second = Client::connect(srv.addr).await;
    second.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut b = [0u8; 1];
    let waited = tokio::time::timeout(Duration::from_millis(400), second.stream.peek(&mut b)).await;
    assert!(waited.is_err(), "served past max_connections");

    drop(first);
    let r = second.response().await;
    assert_eq!(r.status, 200);
    srv.shutdown().await;
}

#[tokio::test]
async fn upgrade_hands_over_the_stream_with_leftover_bytes() {
    let srv = start_native(server(), App);
    let mut c = Client::connect(srv.addr).await;
    // The first protocol bytes ride along with the request.
    c.send(b"GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nearly-bytes;")
        .await;
    let r = c.response().await;
    assert_eq!(r.status, 101);
    assert_eq!(r.header("upgrade"), Some("echo"));
    c.send(b"after").await;
    let mut got = c.take_buffered();
    while got.len() < b"early-bytes;after".len() {
        let mut b = [0u8; 64];
        let n = c.stream.read(&mut b).await.unwrap();
        assert!(n > 0);
        got.extend_from_slice(&b[..n]);
    }
    assert_eq!(got, b"early-bytes;after");
    // The upgraded stream lives in the connection's task until the peer leaves
    // (or a shutdown's deadline aborts it).
    drop(c);
    srv.shutdown().await;
}

#[tokio::test]
async fn streamed_response_with_backpressure() {
    let srv = start_native(server(), App);
    let mut c = Client::connect(srv.addr).await;
    c.send(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n").await;
    // Let the server fill the socket buffers and block before reading.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = c.response().await;
    assert_eq!(r.body.len(), BIG);
    assert!(r.body.iter().all(|&b| b == b'z'));
    // The connection still works afterwards.
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(c.response().await.status, 200);
    srv.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_closes_idle_connections_and_returns() {
    let srv = start_native(server(), App);
    let addr = srv.addr;
    let mut idle = Client::connect(addr).await;
    idle.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(idle.response().await.status, 200);
    // A request whose body is still arriving when the shutdown starts.
    let mut busy = Client::connect(addr).await;
    busy.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stop = srv.stop;
    let _ = stop.unwrap().send(());
    assert!(idle.closed_within(Duration::from_secs(2)).await);
    busy.send(b"world").await;
    let r = busy.response().await;
    assert_eq!(r.body, b"helloworld");
    // Its head went out before the shutdown, so no `connection: close`: the
    // connection simply ends after the response.
    assert!(busy.closed_within(Duration::from_secs(2)).await);
    tokio::time::timeout(Duration::from_secs(5), srv.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
