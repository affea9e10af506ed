//! The HTTP/2 client against a server built on Python's `h2` package
//! (`tests/py/h2_server.py`, h2c by prior knowledge): multiplexing under the
//! server's stream limit, GOAWAY with requests above its last stream id,
//! RST_STREAM on one stream, REFUSED_STREAM, a request timeout, and flow
//! control both ways against another implementation's windows. The server
//! counts connections, concurrently open streams and resets itself.

mod client_support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::Duration;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use client_support::{ChunkedBody, PyServer, pattern};
use http::{HeaderMap, Request};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use shockwave_proto::h2::ErrorCode;
use shockwave_tokio::client::{Client, ErrorKind};

fn client() -> Client {
    Client::builder()
        .http2_prior_knowledge(true)
        .request_timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// The server's counters (see the script's docs), read over a connection it
/// does not count.
fn stats(server: &PyServer) -> HashMap<String, usize> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.write_all(b"GET /stats HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("read stats");
    let body = response.split("\r\n\r\n").nth(1).expect("stats body");
    body.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.parse().expect("count")))
        .collect()
}

async fn get_text(client: &Client, url: &str) -> String {
    let response = client.get(url).await.expect("GET");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.version(), http::Version::HTTP_2);
    let body = response.into_body().bytes().await.expect("body");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_share_one_connection_up_to_the_servers_limit() {
    let Some(server) = PyServer::start("h2_server_limited.py") else {
        return;
    };
    let client = client();
    // The first exchange brings the server's SETTINGS (MAX_CONCURRENT_STREAMS 10).
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            let url = server.url("/slow/100");
            tokio::spawn(async move { get_text(&client, &url).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "slow\n");
    }
    let stats = stats(&server);
    assert_eq!(stats["connections"], 1, "{stats:?}");
    // Multiplexed up to the limit, never past it (the h2 package would have
    // raised TooManyStreamsError: a violation).
    assert_eq!(stats["max_open"], 10, "{stats:?}");
    assert_eq!(stats["violations"], 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goaway_sends_unprocessed_requests_on_a_new_connection() {
    let Some(server) = PyServer::start("h2_server_goaway.py") else {
        return;
    };
    let client = client();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            // Bodies too: a retried request sends its body again.
            let url = server.url("/echo");
            tokio::spawn(async move {
                let response = client
                    .post(url, format!("request {i}"))
                    .await
                    .expect("POST");
                assert_eq!(response.version(), http::Version::HTTP_2);
                response.into_body().bytes().await.expect("body")
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), format!("request {i}"));
    }
    let stats = stats(&server);
    // The first connection answered five; the rest went to a second one.
    assert_eq!(stats["connections"], 2, "{stats:?}");
    assert!(
        stats["ignored"] > 0,
        "no request was above the GOAWAY: {stats:?}"
    );
    assert_eq!(stats["violations"], 0, "{stats:?}");
    // The new connection keeps serving.
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    assert_eq!(stats_connections(&server), 2);
}

fn stats_connections(server: &PyServer) -> usize {
    stats(server)["connections"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rst_stream_fails_only_its_request() {
    let Some(server) = PyServer::start("h2_server.py") else {
        return;
    };
    let client = client();
    let slow: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            let url = server.url("/slow/200");
            tokio::spawn(async move { get_text(&client, &url).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let err = client.get(server.url("/reset")).await.expect_err("reset");
    assert_eq!(
        err.kind(),
        ErrorKind::StreamReset(ErrorCode::INTERNAL_ERROR),
        "{err}"
    );
    assert_eq!(err.h2_code(), Some(ErrorCode::INTERNAL_ERROR));
    for task in slow {
        assert_eq!(task.await.unwrap(), "slow\n");
    }
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    assert_eq!(stats_connections(&server), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_stream_is_sent_again() {
    let Some(server) = PyServer::start("h2_server.py") else {
        return;
    };
    let client = client();
    assert_eq!(
        get_text(&client, &server.url("/refuse-once/a")).await,
        "accepted\n"
    );
    let stats = stats(&server);
    assert_eq!(stats["refused"], 1, "{stats:?}");
    // REFUSED_STREAM ends a stream, not the connection: the retry used it again.
    assert_eq!(stats["connections"], 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_resets_its_stream_only() {
    let Some(server) = PyServer::start("h2_server.py") else {
        return;
    };
    let client = Client::builder()
        .http2_prior_knowledge(true)
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let slow = {
        let client = client.clone();
        let url = server.url("/slow/3000");
        tokio::spawn(async move { client.get(url).await })
    };
    let fast: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            let url = server.url("/slow/20");
            tokio::spawn(async move { get_text(&client, &url).await })
        })
        .collect();
    let err = slow.await.unwrap().expect_err("timed out");
    assert!(err.is_timeout(), "{err}");
    for task in fast {
        assert_eq!(task.await.unwrap(), "slow\n");
    }
    // The server saw our RST_STREAM (CANCEL) for the abandoned request.
    let mut resets = 0;
    for _ in 0..50 {
        resets = stats(&server)["resets"];
        if resets > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(resets, 1);
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    assert_eq!(stats_connections(&server), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_control_both_ways_with_trailers() {
    let Some(server) = PyServer::start("h2_server.py") else {
        return;
    };
    // Small windows on our side too: the download needs our WINDOW_UPDATEs.
    let mut h2 = shockwave_proto::h2::Config::default();
    h2.initial_window_size = 65_535;
    h2.connection_window = 65_535;
    let client = Client::builder()
        .http2_prior_knowledge(true)
        .h2_config(h2)
        .request_timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // Download: 1 MiB through a 64 KiB window.
    let big = client
        .get(server.url("/big/1048576"))
        .await
        .expect("GET big");
    assert_eq!(big.headers()["content-length"], "1048576");
    let body = big.into_body().bytes().await.expect("big body");
    assert!(
        body == pattern(1 << 20),
        "download differs ({} bytes)",
        body.len()
    );

    // Upload: 1 MiB of unknown length through the server's 64 KiB window,
    // with trailers echoed back.
    let mut trailers = HeaderMap::new();
    trailers.insert("x-checksum", "12345".parse().unwrap());
    let request = Request::post(server.url("/echo"))
        .body(ChunkedBody::new(pattern(1 << 20), 10_000).with_trailers(trailers))
        .unwrap();
    let response = client.request(request).await.expect("POST echo");
    let collected = response.into_body().collect().await.expect("echo body");
    let trailers = collected.trailers().cloned().expect("trailers");
    assert_eq!(trailers["x-checksum"], "12345");
    assert!(collected.to_bytes() == pattern(1 << 20), "echo differs");
    assert_eq!(stats_connections(&server), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connection_says_goodbye_after_the_pool_idle_timeout() {
    let Some(server) = PyServer::start("h2_server.py") else {
        return;
    };
    let client = Client::builder()
        .http2_prior_knowledge(true)
        .pool_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    assert_eq!(stats_connections(&server), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Evicted with a GOAWAY; the next request dials again.
    assert_eq!(stats(&server)["goaways"], 1);
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from python h2\n"
    );
    assert_eq!(stats_connections(&server), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_body_that_outlives_its_response_still_ends_the_stream() {
    let Some(server) = PyServer::start("h2_server.py") else {
        return;
    };
    let client = Client::builder()
        .http2_prior_knowledge(true)
        .pool_idle_timeout(Duration::from_millis(300))
        .request_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(Bytes::from_static(b"first")).await.unwrap();
    let request = Request::post(server.url("/early"))
        .body(ChannelBody(rx))
        .unwrap();
    // The whole response arrives while the request body is still open.
    let response = client.request(request).await.expect("POST");
    assert_eq!(response.into_body().bytes().await.unwrap(), "early\n");
    tx.send(Bytes::from_static(b"second")).await.unwrap();
    drop(tx);
    // Once the body ended, nothing is open: the connection goes idle and is
    // evicted after the pool idle timeout.
    let mut goaways = 0;
    for _ in 0..50 {
        goaways = stats(&server)["goaways"];
        if goaways > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(goaways, 1);
}

/// A request body fed from a channel; it ends when the sender is dropped.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}
