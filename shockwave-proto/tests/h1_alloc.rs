//! Zero allocations per request in steady state: a counting global allocator
//! around a warmed server connection driving keep-alive and pipelined requests.

use shockwave_testkit::{Counting, allocations_in, assert_counter_counts};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    assert_counter_counts();
}

use shockwave_proto::Instant;
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config};

const GET: &[u8] =
    b"GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n";
const POST: &[u8] = b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz";
const ECHO: &[u8] = b"POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Checksum: 42\r\n\r\n";

/// Answers every request: GET and the Content-Length POST with a one-call
/// response, the chunked POST by echoing its body back chunked. Returns the
/// number of requests answered and the bytes written.
fn serve(conn: &mut ServerConn, input: &[u8]) -> (usize, usize) {
    let mut answered = 0;
    let mut written = 0;
    let mut rest = input;
    let mut copy = [0u8; 256];
    while !rest.is_empty() {
        let n = conn.handle_input(Instant::ZERO, rest).expect("valid input");
        rest = &rest[n..];
        let mut echo = false;
        loop {
            let mut pending = 0;
            let finished = match conn.poll_event() {
                None => break,
                Some(ServerEvent::RequestReceived(req)) => {
                    echo = req.path() == b"/echo";
                    if echo {
                        conn.send_response(
                            200,
                            [(b"content-type", b"text/plain")],
                            BodyFraming::Chunked,
                        )
                        .expect("head");
                    }
                    false
                }
                Some(ServerEvent::DataReceived(d)) => {
                    if echo {
                        pending = d.len();
                        copy[..pending].copy_from_slice(d);
                    }
                    false
                }
                Some(ServerEvent::TrailersReceived(t)) => {
                    assert_eq!(t.len(), 1);
                    false
                }
                Some(ServerEvent::RequestFinished) => true,
                Some(ServerEvent::Upgraded(_)) => unreachable!(),
            };
            if pending > 0 {
                assert_eq!(conn.send_data(&copy[..pending]), Ok(pending));
            }
            if finished {
                if echo {
                    conn.send_trailers(&[(b"x-echoed", b"1")])
                        .expect("trailers");
                } else {
                    conn.send_response_with_body(
                        200,
                        &[(b"content-type", b"text/plain")],
                        b"hello, world",
                    )
                    .expect("response");
                }
                answered += 1;
            }
        }
        while let Some(out) = conn.poll_transmit() {
            let n = out.len();
            written += n;
            conn.advance_transmit(n);
        }
    }
    (answered, written)
}

#[test]
fn steady_state_requests_do_not_allocate() {
    // The counter sees this thread's allocations.
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1u8; 16]))) >= 1);

    let mut conn = ServerConn::new(Config::default());
    conn.set_unix_time(1_700_000_000);
    let pipelined: Vec<u8> = [GET, POST, ECHO, GET].repeat(4).concat();

    // Warm up: every buffer reaches its working size.
    for _ in 0..8 {
        for input in [GET, POST, ECHO, &pipelined[..]] {
            serve(&mut conn, input);
        }
    }

    let mut answered = 0;
    let keep_alive = allocations_in(|| {
        for _ in 0..1000 {
            for input in [GET, POST, ECHO] {
                answered += serve(&mut conn, input).0;
            }
        }
    });
    assert_eq!(answered, 3000);
    assert_eq!(keep_alive, 0, "allocations over 3,000 keep-alive requests");

    let mut answered = 0;
    let pipelining = allocations_in(|| {
        for _ in 0..1000 / 16 + 1 {
            answered += serve(&mut conn, &pipelined).0;
        }
    });
    assert_eq!(answered, (1000 / 16 + 1) * 16);
    assert_eq!(pipelining, 0, "allocations over 1,008 pipelined requests");

    // Date changes (once a second in a real loop) do not allocate either.
    let date = allocations_in(|| {
        for s in 0..100 {
            conn.set_unix_time(1_700_000_001 + s);
            serve(&mut conn, GET);
        }
    });
    assert_eq!(date, 0);
    assert!(!conn.is_closed());
}
