//! The client against servers from other libraries: Python's `http.server`
//! and h11. Connection reuse is shown by the connections the server accepted.

mod client_support;

use std::time::Duration;

use bytes::Bytes;
use client_support::{ChunkedBody, PyServer, pattern};
use http_body_util::BodyExt;
use shockwave_tokio::client::Client;

fn client() -> Client {
    Client::builder()
        .request_timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

async fn get_text(client: &Client, url: &str) -> String {
    let response = client.get(url).await.expect("GET");
    assert_eq!(response.status(), 200, "{url}");
    let body = response.into_body().bytes().await.expect("body");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

#[tokio::test]
async fn get_and_post_echo() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = client();
    assert_eq!(
        get_text(&client, &server.url("/")).await,
        "hello from http.server\n"
    );

    let response = client
        .post(server.url("/echo"), "ping pong")
        .await
        .expect("POST");
    assert_eq!(response.headers()["content-length"], "9");
    assert_eq!(response.into_body().bytes().await.unwrap(), "ping pong");
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn twenty_sequential_requests_use_one_connection() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = client();
    for _ in 0..20 {
        assert_eq!(
            get_text(&client, &server.url("/")).await,
            "hello from http.server\n"
        );
    }
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn eight_concurrent_requests_use_at_most_eight_connections() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = client();
    for _round in 0..3 {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let client = client.clone();
                let url = server.url("/big/100000");
                tokio::spawn(async move { get_text(&client, &url).await.len() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), 100_000);
        }
    }
    let accepted = server.accepted();
    println!("8 concurrent requests x 3 rounds: {accepted} connections");
    assert!((1..=8).contains(&accepted), "{accepted} connections");
}

#[tokio::test]
async fn idle_connection_is_evicted() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = Client::builder()
        .pool_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    get_text(&client, &server.url("/")).await;
    get_text(&client, &server.url("/")).await;
    assert_eq!(server.accepted(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    get_text(&client, &server.url("/")).await;
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn connection_close_is_not_reused_and_not_an_error() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = client();
    for _ in 0..20 {
        assert_eq!(get_text(&client, &server.url("/close")).await, "bye\n");
    }
    assert_eq!(server.accepted(), 20);
    // A kept-alive request afterwards still works.
    get_text(&client, &server.url("/")).await;
    assert_eq!(server.accepted(), 21);
}

#[tokio::test]
async fn body_dropped_early_is_not_reused_but_fully_read_is() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = client();
    // 8 MiB: far more than the driver buffers, so dropping leaves bytes unread.
    let response = client.get(server.url("/big/8388608")).await.unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.is_data());
    drop(body);
    get_text(&client, &server.url("/")).await;
    assert_eq!(
        server.accepted(),
        2,
        "a half-read connection must not be reused"
    );
    // A small body that arrived whole is reusable even if never read.
    let response = client.get(server.url("/")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(response);
    get_text(&client, &server.url("/")).await;
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn four_mib_chunked_request_echoed() {
    let Some(server) = PyServer::start("client_server.py") else {
        return;
    };
    let client = client();
    let data = pattern(4 << 20);
    let request = http::Request::post(server.url("/echo"))
        .body(ChunkedBody::new(data.clone(), 100_000))
        .unwrap();
    let response = client.request(request).await.expect("POST chunked");
    assert_eq!(response.status(), 200);
    let echoed = response.into_body().bytes().await.unwrap();
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "echo differs");
    // The connection stays usable.
    get_text(&client, &server.url("/")).await;
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn h11_server_reuse_echo_and_trailers() {
    let Some(server) = PyServer::start("client_h11_server.py") else {
        return;
    };
    let client = client();
    for _ in 0..10 {
        assert_eq!(
            get_text(&client, &server.url("/")).await,
            "hello from h11\n"
        );
    }
    let data = pattern(1 << 20);
    let mut trailers = http::HeaderMap::new();
    trailers.insert("x-sent", "yes".parse().unwrap());
    let request = http::Request::post(server.url("/echo"))
        .body(ChunkedBody::new(data.clone(), 30_000).with_trailers(trailers))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert!(response.into_body().bytes().await.unwrap() == data);

    let response = client.get(server.url("/trailers")).await.unwrap();
    let collected = response.into_body().collect().await.unwrap();
    assert_eq!(collected.trailers().unwrap()["x-checksum"], "12");
    assert_eq!(collected.to_bytes(), Bytes::from_static(b"first,second"));

    assert_eq!(server.accepted(), 1);
}
