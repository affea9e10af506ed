//! The loop allocates nothing per request once warm: a counting allocator
//! counts allocations made on the loop's thread only, across thousands of
//! keep-alive, echo and pipelined requests after a warm-up.

#[allow(dead_code)]
#[path = "../examples/hello.rs"]
mod hello;

mod common;

use std::io::{BufReader, Write};

use common::{TestServer, client, read_response};
use shockwave_mio::Options;
use shockwave_testkit::{Counting, Tally, assert_counter_counts, count_this_thread_into};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What the loop's thread allocates.
static LOOP: Tally = Tally::new();

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const ECHO: &[u8] = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
const ECHO_CHUNKED: &[u8] =
    b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

/// One round: single requests of each kind, then 16 pipelined.
fn round(writer: &mut impl Write, reader: &mut BufReader<std::net::TcpStream>) {
    for req in [GET, ECHO, ECHO_CHUNKED] {
        writer.write_all(req).unwrap();
        let resp = read_response(reader).unwrap();
        assert_eq!(resp.status, 200);
    }
    let mut batch = Vec::new();
    for i in 0..16 {
        batch.extend_from_slice([GET, ECHO, ECHO_CHUNKED][i % 3]);
    }
    writer.write_all(&batch).unwrap();
    for _ in 0..16 {
        assert_eq!(read_response(reader).unwrap().status, 200);
    }
}

#[test]
fn the_counter_counts() {
    assert_counter_counts();
}

#[test]
fn no_allocation_per_request_after_warm_up() {
    let server = TestServer::start(
        || {
            count_this_thread_into(&LOOP);
            hello::Hello::default()
        },
        Options::default(),
    );
    let (mut reader, mut writer) = client(server.addr);
    for _ in 0..50 {
        round(&mut writer, &mut reader);
    }
    let warm = LOOP.counts().allocations;
    const ROUNDS: usize = 300;
    for _ in 0..ROUNDS {
        round(&mut writer, &mut reader);
    }
    let after = LOOP.counts().allocations;
    assert!(warm > 0, "the counter counts on the loop thread");
    assert_eq!(
        after - warm,
        0,
        "allocations on the loop thread over {} requests",
        ROUNDS * 19
    );
}
