//! The `tower` path over real TCP: an `axum::Router` unchanged (HTTP/1.1 and
//! HTTP/2), a streaming
//! echo service, trailers both ways, upgrades, and graceful shutdown with a
//! slow request in flight.

mod server_common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use server_common::{Client, chunked, pattern};
use shockwave_tokio::server::{Incoming, OnUpgrade, PeerAddr, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// Starts `serve_with_shutdown(service)` on a free port.
macro_rules! start {
    ($server:expr, $service:expr) => {{
        let server: Server = $server;
        let addr = server.local_addrs()[0].0;
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve_with_shutdown($service, async {
            let _ = rx.await;
        }));
        server_common::Running {
            addr,
            stop: Some(stop),
            task,
        }
    }};
}

fn server() -> Server {
    Server::bind("127.0.0.1:0").unwrap()
}

fn router() -> Router {
    Router::new()
        .route("/", get(|| async { "hello from axum" }))
        .route("/echo", post(|body: String| async move { body }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(600)).await;
                "slow but done"
            }),
        )
}

#[tokio::test]
async fn axum_router_runs_unchanged() {
    let srv = start!(server(), router());
    let mut c = Client::connect(srv.addr).await;
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let r = c.response().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"hello from axum");
    assert_eq!(r.header("content-length"), Some("15"));
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));

    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
        .await;
    assert_eq!(c.response().await.body, b"hello world");

    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        .await;
    assert_eq!(c.response().await.body, b"hello world");

    c.send(b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(c.response().await.status, 404);

    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .await;
    assert_eq!(c.response().await.status, 405);

    // The string extractor rejects a body that is not UTF-8.
    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n\xff\xfe")
        .await;
    assert_eq!(c.response().await.status, 400);
    srv.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_lets_a_slow_request_finish() {
    let srv = start!(server(), router());
    let addr = srv.addr;
    let mut c = Client::connect(addr).await;
    c.send(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = std::time::Instant::now();
    let mut srv = srv;
    let _ = srv.stop.take().unwrap().send(());
    let r = c.response().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"slow but done");
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closed_within(Duration::from_secs(2)).await);
    tokio::time::timeout(Duration::from_secs(5), srv.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutdown_deadline_aborts_what_is_left() {
    let app = Router::new().route(
        "/forever",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "never"
        }),
    );
    let srv = start!(server().shutdown_timeout(Duration::from_millis(300)), app);
    let mut c = Client::connect(srv.addr).await;
    c.send(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    srv.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(c.closed_within(Duration::from_secs(2)).await);
}

async fn echo(req: Request<Incoming>) -> Result<Response<Incoming>, Infallible> {
    assert!(req.extensions().get::<PeerAddr>().is_some());
    Ok(Response::new(req.into_body()))
}

#[tokio::test]
async fn streaming_echo_service_one_mebibyte() {
    let srv = start!(server(), tower::service_fn(echo));
    let body = pattern(1 << 20);
    for chunked_request in [false, true] {
        let stream = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
        let (rd, mut wr) = stream.into_split();
        let wire = if chunked_request {
            let mut w =
                b"POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            w.extend_from_slice(&chunked(&body));
            w
        } else {
            let mut w = format!(
                "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            w.extend_from_slice(&body);
            w
        };
        let writer = tokio::spawn(async move {
            wr.write_all(&wire).await.unwrap();
            wr
        });
        let mut c = Client::new(rd);
        let r = c.response().await;
        assert_eq!(r.status, 200);
        // Content-Length from the request body's exact size hint, else chunked.
        assert_eq!(r.header("content-length").is_some(), !chunked_request);
        assert_eq!(r.body.len(), body.len());
        assert!(r.body == body);
        drop(writer.await.unwrap());
    }
    srv.shutdown().await;
}

/// Reads the whole body with its trailers and answers with a body whose
/// trailers say what came in.
async fn trailers(
    req: Request<Incoming>,
) -> Result<Response<impl http_body::Body<Data = Bytes, Error = Infallible>>, Infallible> {
    let collected = req.into_body().collect().await.unwrap();
    let got = collected
        .trailers()
        .and_then(|t| t.get("x-checksum"))
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = collected.to_bytes();
    let mut out = HeaderMap::new();
    out.insert("x-got-checksum", got.parse().unwrap());
    // Trailers go out only with chunked framing: hide the exact size (map_frame
    // reports none), or the body would be sent with a Content-Length.
    let body = Full::new(body)
        .with_trailers(async move { Some(Ok(out)) })
        .map_frame(|f| f);
    Ok(Response::new(body))
}

#[tokio::test]
async fn trailers_both_ways() {
    let srv = start!(server(), tower::service_fn(trailers));
    let mut c = Client::connect(srv.addr).await;
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\nx-checksum: 1234\r\n\r\n")
        .await;
    let r = c.response().await;
    assert_eq!(r.body, b"body");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("x-got-checksum"), Some("1234"));
    srv.shutdown().await;
}

async fn upgrade(mut req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let Some(on_upgrade) = OnUpgrade::from_request(&mut req) else {
        return Ok(Response::builder()
            .status(400)
            .body(Full::default())
            .unwrap());
    };
    tokio::spawn(async move {
        let mut io = on_upgrade.upgraded().await.unwrap();
        let mut buf = [0u8; 256];
        loop {
            match io.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => io.write_all(&buf[..n]).await.unwrap(),
            }
        }
    });
    Ok(Response::builder()
        .status(101)
        .header("connection", "upgrade")
        .header("upgrade", "echo")
        .body(Full::default())
        .unwrap())
}

#[tokio::test]
async fn tower_upgrade_through_on_upgrade() {
    let srv = start!(server(), tower::service_fn(upgrade));
    let mut c = Client::connect(srv.addr).await;
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nping")
        .await;
    let r = c.response().await;
    assert_eq!(r.status, 101);
    let mut got = c.take_buffered();
    while got.len() < 4 {
        let mut b = [0u8; 16];
        let n = c.stream.read(&mut b).await.unwrap();
        assert!(n > 0);
        got.extend_from_slice(&b[..n]);
    }
    assert_eq!(got, b"ping");
    c.send(b"pong").await;
    let mut b = [0u8; 4];
    c.stream.read_exact(&mut b).await.unwrap();
    assert_eq!(&b, b"pong");
    srv.shutdown().await;
}

/// The same unchanged router over HTTP/2 (h2c prior knowledge), many
/// requests at once on one connection, with a streamed 1 MiB echo through
/// the flow-control windows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_router_over_http2() {
    let srv = start!(server(), router());
    let client = shockwave_tokio::client::Client::builder()
        .http2_prior_knowledge(true)
        .build()
        .unwrap();
    let base = format!("http://{}", srv.addr);
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        let base = base.clone();
        calls.spawn(async move {
            if i % 2 == 0 {
                let res = client.get(format!("{base}/").as_str()).await.unwrap();
                assert_eq!(res.version(), http::Version::HTTP_2);
                assert_eq!(res.status(), 200);
                let body = res.into_body().bytes().await.unwrap();
                assert_eq!(&body[..], b"hello from axum");
            } else {
                let text = "x".repeat(1 << 20);
                let req = Request::post(format!("{base}/echo"))
                    .body(Full::new(Bytes::from(text.clone())))
                    .unwrap();
                let res = client.request(req).await.unwrap();
                assert_eq!(res.version(), http::Version::HTTP_2);
                let body = res.into_body().bytes().await.unwrap();
                assert!(body == text.as_bytes(), "echo of {} bytes", body.len());
            }
        });
    }
    while let Some(done) = calls.join_next().await {
        done.unwrap();
    }
    srv.shutdown().await;
}
