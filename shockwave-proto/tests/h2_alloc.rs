//! Zero allocations per request in steady state: a counting global allocator
//! around a warmed client and server pair serving GETs and small POSTs,
//! several streams at a time.

use shockwave_testkit::{Counting, allocations_in, assert_counter_counts};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    assert_counter_counts();
}

use shockwave_proto::Instant;
use shockwave_proto::h2::{ClientConn, ClientEvent, Config, ServerConn, ServerEvent, StreamId};

const BODY: &[u8] = &[b'b'; 100];
const PATHS: [&[u8]; 4] = [b"/", b"/a", b"/upload", b"/b"];

struct World {
    client: ClientConn,
    server: ServerConn,
    wire: Vec<u8>,
    responses: usize,
}

impl World {
    /// Moves bytes both ways and answers events until nothing moves.
    fn pump(&mut self) {
        let now = Instant::ZERO;
        loop {
            let mut progress = false;
            if let Some(out) = self.client.poll_transmit() {
                self.wire.clear();
                self.wire.extend_from_slice(out);
                let n = self.server.handle_input(now, &self.wire).unwrap();
                self.client.advance_transmit(n);
                progress |= n > 0;
            }
            while let Some(ev) = self.server.poll_event() {
                progress = true;
                let answer = match ev {
                    ServerEvent::RequestReceived {
                        stream, end_stream, ..
                    } => end_stream.then_some(stream),
                    ServerEvent::DataReceived {
                        stream,
                        data,
                        end_stream,
                    } => {
                        let n = data.len();
                        self.server.release_data(stream, n).unwrap();
                        end_stream.then_some(stream)
                    }
                    _ => None,
                };
                if let Some(stream) = answer {
                    self.server
                        .send_response(
                            stream,
                            200,
                            [(&b"content-type"[..], &b"text/plain"[..])],
                            false,
                        )
                        .unwrap();
                    self.server.send_data(stream, BODY, true).unwrap();
                }
            }
            if let Some(out) = self.server.poll_transmit() {
                self.wire.clear();
                self.wire.extend_from_slice(out);
                let n = self.client.handle_input(now, &self.wire).unwrap();
                self.server.advance_transmit(n);
                progress |= n > 0;
            }
            while let Some(ev) = self.client.poll_event() {
                progress = true;
                if let ClientEvent::DataReceived {
                    stream,
                    data,
                    end_stream,
                } = ev
                {
                    let n = data.len();
                    self.client.release_data(stream, n).unwrap();
                    if end_stream {
                        self.responses += 1;
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// Four requests at once: two GETs and two small POSTs.
    fn batch(&mut self) {
        let mut posts = [StreamId::ZERO; 2];
        for (i, path) in PATHS.iter().enumerate() {
            let post = i % 2 == 1;
            let method: &[u8] = if post { b"POST" } else { b"GET" };
            let id = self
                .client
                .send_request(
                    method,
                    b"https",
                    b"example.com",
                    path,
                    None,
                    [(&b"accept"[..], &b"*/*"[..])],
                    !post,
                )
                .unwrap();
            if post {
                posts[i / 2] = id;
            }
        }
        for id in posts {
            self.client.send_data(id, BODY, true).unwrap();
        }
        self.pump();
    }
}

#[test]
fn a_warmed_connection_serves_1000_requests_without_allocating() {
    let mut w = World {
        client: ClientConn::new(Config::default()),
        server: ServerConn::new(Config::default()),
        wire: Vec::with_capacity(1 << 20),
        responses: 0,
    };
    assert_eq!(
        allocations_in(|| drop(Vec::<u8>::with_capacity(8))),
        1,
        "the counter counts"
    );
    for _ in 0..50 {
        w.batch();
    }
    assert_eq!(w.responses, 200);
    let n = allocations_in(|| {
        for _ in 0..250 {
            w.batch();
        }
    });
    assert_eq!(w.responses, 1200, "every request was answered");
    assert_eq!(n, 0, "allocations while serving 1000 requests");
    assert_eq!(w.server.active_streams(), 0);
}

/// Requests per second through the pair (both machines, one thread):
/// `cargo test --release -p shockwave-proto --test h2_alloc -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let mut w = World {
        client: ClientConn::new(Config::default()),
        server: ServerConn::new(Config::default()),
        wire: Vec::with_capacity(1 << 20),
        responses: 0,
    };
    for _ in 0..100 {
        w.batch();
    }
    let start = std::time::Instant::now();
    for _ in 0..50_000 {
        w.batch();
    }
    let elapsed = start.elapsed();
    let requests = 200_000;
    println!(
        "{requests} requests in {elapsed:?}: {:.0} requests/s, {:.2} us per request (client + server)",
        requests as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / requests as f64
    );
}
