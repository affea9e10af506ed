//! Allocations of the HTTP/2 client per response body frame, counted by a
//! global allocator while a warmed connection downloads 4 MiB from the
//! Python h2 server (another process, so every allocation counted is the
//! client's): past what a one-frame request costs, the `Bytes` handed to the
//! reader is the only allocation per frame.

mod client_support;

use std::time::Duration;

use client_support::{PyServer, pattern};
use http_body_util::BodyExt;
use shockwave_testkit::{Counting, all_threads};
use shockwave_tokio::client::Client;

#[global_allocator]
static GLOBAL: Counting = Counting;

const SIZE: usize = 4 << 20;

/// Downloads `/big/len`; returns (data frames, allocations of the whole
/// exchange, the request included).
async fn download(client: &Client, url: &str, len: usize) -> (usize, usize) {
    let mut received = Vec::with_capacity(len);
    let expected = pattern(len);
    let before = all_threads().allocations;
    let response = client.get(url).await.expect("GET");
    let mut body = response.into_body();
    let mut frames = 0;
    while let Some(frame) = body.frame().await {
        let data = frame.expect("frame").into_data().expect("data");
        received.extend_from_slice(&data);
        frames += 1;
    }
    drop(body);
    let allocations = all_threads().allocations - before;
    assert!(received == expected, "body differs");
    (frames, allocations)
}

#[test]
fn one_allocation_per_response_body_frame() {
    // One thread: the count holds only the client's work.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let Some(server) = PyServer::start("h2_server.py") else {
            return;
        };
        let client = Client::builder()
            .http2_prior_knowledge(true)
            .request_timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let small = server.url("/big/100");
        let big = server.url(&format!("/big/{SIZE}"));
        // Warm: the connection, its buffers and queues.
        download(&client, &big, SIZE).await;
        // What a request with a one-frame body costs.
        let (one, per_request) = download(&client, &small, 100).await;
        assert_eq!(one, 1);
        let (frames, allocations) = download(&client, &big, SIZE).await;
        println!(
            "one-frame request: {per_request} allocations; {frames} data frames: {allocations}"
        );
        assert!(frames >= SIZE / 16_384, "{frames} frames");
        // Each further frame: its Bytes, plus a few for the response's new
        // queue growing to its high water mark.
        assert!(
            allocations <= per_request + (frames - 1) + 8,
            "{allocations} allocations for {frames} frames ({per_request} for one)"
        );
    });
}
