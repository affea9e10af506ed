//! Instruction counts (iai-callgrind) of the HTTP/1.1 server machine answering
//! the load benchmark's workload: wrk's `GET /` (`benches/load/pipeline.lua`
//! sends `GET / HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n\r\n`, 16 per write when
//! pipelined) answered with the reference server's hello (status 200,
//! `content-type`, `content-length`, `date`, a 22-byte body).
//!
//! Each run drives a warmed connection the way the mio loop and the tokio
//! driver do: per read, the wall clock for `Date`, `input_buf` +
//! `input_filled`, events until `None` answered as they come, `poll_transmit`
//! written out whole, and the interest/timer bookkeeping (`input_buf`,
//! `poll_transmit`, `poll_timeout`). Sockets and the runtime are not counted:
//! profile the real servers for those. `benches/run.sh` prints the counts per
//! request (each run serves [`REQUESTS`] requests).
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use shockwave_proto::Instant;
use shockwave_proto::h1::Config;
use shockwave_proto::h1::server::{ServerConn, ServerEvent};

/// Requests served per measured run.
const REQUESTS: usize = 1024;
/// What wrk sends for `GET /` (port 5 digits, as `run.py` picks them).
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:40123\r\n\r\n";
/// The reference server's hello route (`shockwave-tokio/src/server/reference.rs`).
const HELLO: &[u8] = b"Hello from Shockwave!\n";
const TEXT: &[(&[u8], &[u8])] = &[(b"content-type", b"text/plain; charset=utf-8")];
/// Some second in 2025, for the `Date` field.
const UNIX_SECS: u64 = 1_750_000_000;

/// A warmed connection and the bytes one socket read brings.
struct Server {
    conn: ServerConn,
    read: Vec<u8>,
    now: Instant,
    /// Bytes written out, so the output is used.
    written: usize,
}

impl Server {
    /// One loop turn: a read of `self.read`, the application, the write, the bookkeeping.
    #[inline(never)]
    fn turn(&mut self) {
        self.now = Instant::from_nanos(self.now.as_nanos() + 1_000);
        let conn = &mut self.conn;
        conn.set_unix_time(UNIX_SECS + self.now.as_nanos() / 1_000_000_000);
        let buf = conn.input_buf();
        let n = self.read.len().min(buf.len());
        buf[..n].copy_from_slice(&self.read[..n]);
        conn.input_filled(self.now, n).expect("valid requests");
        while let Some(event) = conn.poll_event() {
            if let ServerEvent::RequestReceived(req) = event
                && req.path() == b"/"
            {
                conn.send_response_with_body(200, TEXT, HELLO)
                    .expect("valid response");
            }
        }
        while let Some(out) = conn.poll_transmit() {
            let len = black_box(out).len();
            self.written += len;
            conn.advance_transmit(len);
        }
        // Interest and timer: whether to keep reading, writing, and when to wake.
        black_box(conn.input_buf().is_empty());
        black_box(conn.poll_transmit().is_none());
        if let Some(at) = conn.poll_timeout()
            && at <= self.now
        {
            conn.handle_timeout(self.now).expect("no timeout is due");
        }
        black_box(conn.poll_timeout());
    }
}

/// A connection that already served a few reads of `depth` requests each.
fn warmed(depth: usize) -> Server {
    let mut server = Server {
        conn: ServerConn::new(Config::default()),
        read: REQUEST.repeat(depth),
        now: Instant::from_nanos(1),
        written: 0,
    };
    for _ in 0..4 {
        server.turn();
    }
    server
}

#[library_benchmark]
#[bench::pipelined_16(warmed(16))]
#[bench::keep_alive(warmed(1))]
fn serve(mut server: Server) -> Server {
    let depth = server.read.len() / REQUEST.len();
    for _ in 0..REQUESTS / depth {
        server.turn();
    }
    assert!(!server.conn.is_closed());
    // Returned, so dropping the connection is not counted.
    server
}

library_benchmark_group!(name = h1_server; benchmarks = serve);
main!(library_benchmark_groups = h1_server);
