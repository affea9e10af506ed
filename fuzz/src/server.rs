//! The `server_conn` target: a [`ServerConn`] driven by a command script.
//!
//! Input layout: byte 0 picks the configuration (bit 0: tiny limits), byte 1
//! is the script length `L`, the next `L` bytes are the script, and the rest is
//! the byte stream the peer sends. Each script byte is one command: the low
//! nibble is the [`op`](Driver::op), the high nibble its argument; a few
//! commands take one more script byte.
//!
//! Invariants checked:
//! - nothing panics and nothing loops (every loop is bounded, and running out
//!   of the bound is a finding);
//! - every call that may start a response (`send_response`, errors answered by
//!   the machine, `100 Continue`) queues bytes that begin with `HTTP/1.1 `;
//! - a call that returns a `UsageError` queues nothing;
//! - queued bytes are never dropped before they are transmitted;
//! - after `is_closed()`, every command is refused or ignored and nothing more
//!   is queued or taken;
//! - an application that answers every request and writes everything out
//!   never stalls while the peer still has bytes to send.

use core::time::Duration;

use shockwave_proto::Instant;
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config, UsageError};

/// Most events one poll may yield before it counts as a loop.
const MAX_EVENTS_PER_POLL: usize = 10_000;
/// Most rounds of the well-behaved application after the script.
const MAX_AUTO_ROUNDS: usize = 10_000;

const FEED_SIZES: [usize; 16] = [
    1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 100_000,
];
const STATUSES: [u16; 16] = [
    200, 204, 304, 101, 404, 500, 100, 103, 0, 99, 1000, 999, 201, 301, 200, 200,
];
const DATA_SIZES: [usize; 8] = [0, 1, 5, 100, 1000, 10_000, 70_000, 3];
const STEPS: [u64; 16] = [
    0,
    1,
    1_000,
    1_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    29_000_000_000,
    31_000_000_000,
    59_000_000_000,
    61_000_000_000,
    3_600_000_000_000,
    u64::MAX / 4,
    2,
    500_000_000,
    5_000_000_000,
];

type FieldList = &'static [(&'static [u8], &'static [u8])];

/// Response fields, valid and not (managed fields, injection attempts).
const FIELD_SETS: [FieldList; 8] = [
    &[],
    &[(b"content-type", b"text/plain")],
    &[(b"content-length", b"5")],
    &[(b"transfer-encoding", b"chunked")],
    &[(b"x-a", b"1"), (b"x-b", b"")],
    &[(b"bad name", b"x")],
    &[(b"x", b"a\r\nset-cookie: evil")],
    &[(b"connection", b"close"), (b"upgrade", b"websocket")],
];

/// Trailers, valid and not.
const TRAILER_SETS: [FieldList; 4] = [
    &[],
    &[(b"x-checksum", b"abc")],
    &[(b"content-length", b"0")],
    &[(b"x", b"\0")],
];

/// Which side of a response a call writes, for the head-start check.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writes {
    /// Whatever it queues starts a response head.
    Head,
    /// It queues body bytes (or nothing).
    Body,
}

struct Driver<'a> {
    conn: ServerConn,
    now: Instant,
    stream: &'a [u8],
    /// Everything transmitted so far.
    out: Vec<u8>,
    /// Offsets in `out` where a response head must start.
    heads: Vec<usize>,
    /// `is_closed()` was seen.
    closed: bool,
    /// We signalled the peer's EOF.
    eof: bool,
    /// The last `finish` failed because the response body is shorter than its
    /// announced length.
    owes_body: bool,
}

pub(crate) fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (script, stream) = match rest.split_first() {
        Some((&len, rest)) => rest.split_at(usize::from(len).min(rest.len())),
        None => (&[][..], &[][..]),
    };
    let mut config = Config::default();
    if flags & 1 != 0 {
        config.max_head_size = 256;
        config.max_request_target_size = 64;
        config.max_headers = 4;
        config.max_chunk_extensions_size = 16;
        config.max_body_size = 100;
        config.read_buffer_initial = 16;
        config.max_write_buffer = 256;
    }
    let start = Instant::from_millis(1_000);
    let mut d = Driver {
        conn: ServerConn::with_start(config, start),
        now: start,
        stream,
        out: Vec::new(),
        heads: Vec::new(),
        closed: false,
        eof: false,
        owes_body: false,
    };
    let mut script = script.iter().copied();
    while let Some(op) = script.next() {
        d.op(op, &mut script);
        d.now += Duration::from_millis(1);
        d.check_closed();
    }
    d.auto();
    d.finish_checks();
}

impl Driver<'_> {
    /// Runs `f` and checks what it queued: a refused call queues nothing, a
    /// head-writing call's bytes start with the status line, nothing is dropped.
    fn call<R>(
        &mut self,
        writes: Writes,
        f: impl FnOnce(&mut ServerConn) -> R,
        refused: impl FnOnce(&R) -> bool,
    ) -> R {
        let before = self.queued();
        let r = f(&mut self.conn);
        let after = self.queued();
        assert!(
            after >= before,
            "queued bytes vanished ({before} -> {after})"
        );
        if refused(&r) {
            assert_eq!(after, before, "a refused command queued bytes");
        }
        if after > before {
            assert!(!self.closed, "bytes queued after is_closed()");
            if writes == Writes::Head {
                self.heads.push(before);
            }
        }
        r
    }

    /// Bytes transmitted plus bytes queued: the output's absolute end.
    fn queued(&mut self) -> usize {
        self.out.len() + self.conn.poll_transmit().map_or(0, <[u8]>::len)
    }

    fn check_closed(&mut self) {
        if self.conn.is_closed() {
            self.closed = true;
        }
        if self.closed {
            assert!(self.conn.is_closed(), "is_closed() went back to false");
            assert!(
                self.conn.poll_transmit().is_none(),
                "output after is_closed()"
            );
            assert!(
                self.conn.input_buf().is_empty(),
                "input taken after is_closed()"
            );
            assert!(
                self.conn.poll_timeout().is_none(),
                "a timer after is_closed()"
            );
        }
    }

    /// Feeds up to `n` stream bytes with `handle_input`.
    fn feed(&mut self, n: usize) -> usize {
        let n = n.min(self.stream.len());
        let (now, chunk) = (self.now, &self.stream[..n]);
        let r = self.call(Writes::Head, |c| c.handle_input(now, chunk), |_| false);
        match r {
            Ok(taken) => {
                assert!(taken <= n);
                self.stream = &self.stream[taken..];
                taken
            }
            Err(e) => {
                assert_eq!(self.conn.error(), Some(e), "error not recorded");
                assert_eq!(
                    self.conn.handle_input(now, b"x"),
                    Err(e),
                    "error not sticky"
                );
                0
            }
        }
    }

    /// Reads up to `n` stream bytes through `input_buf` / `input_filled`.
    fn read_into(&mut self, n: usize) -> usize {
        let now = self.now;
        let stream = self.stream;
        let r = self.call(
            Writes::Head,
            |c| {
                let buf = c.input_buf();
                let k = n.min(buf.len()).min(stream.len());
                buf[..k].copy_from_slice(&stream[..k]);
                if k == 0 {
                    return Ok(0);
                }
                c.input_filled(now, k).map(|()| k)
            },
            |_| false,
        );
        match r {
            Ok(k) => {
                self.stream = &self.stream[k..];
                k
            }
            // Taken, then refused: the bytes are gone either way.
            Err(_) => {
                assert!(self.conn.error().is_some());
                0
            }
        }
    }

    /// Polls events until `None`; answers requests when `answer` is set.
    /// Returns how many events came.
    fn poll(&mut self, answer: bool) -> usize {
        let mut count = 0;
        loop {
            let before = self.queued();
            let Some(ev) = self.conn.poll_event() else {
                let after = self.queued();
                self.note_head(before, after);
                return count;
            };
            let mut request = false;
            match ev {
                ServerEvent::RequestReceived(req) => {
                    assert!(!req.target().is_empty());
                    request = true;
                }
                ServerEvent::DataReceived(data) => assert!(!data.is_empty(), "empty DataReceived"),
                ServerEvent::TrailersReceived(fields) => {
                    for f in fields {
                        assert!(!f.name.is_empty());
                    }
                }
                ServerEvent::RequestFinished | ServerEvent::Upgraded(_) => {}
            }
            let after = self.queued();
            self.note_head(before, after);
            count += 1;
            assert!(
                count <= MAX_EVENTS_PER_POLL,
                "poll_event never returns None"
            );
            if request && answer {
                let body: &[u8] = b"ok";
                let _ = self.call(
                    Writes::Head,
                    |c| c.send_response_with_body(200, &[(b"content-type", b"text/plain")], body),
                    Result::is_err,
                );
            }
        }
    }

    /// A `100 Continue` or an error response queued by an input call.
    fn note_head(&mut self, before: usize, after: usize) {
        assert!(after >= before);
        if after > before {
            assert!(!self.closed, "bytes queued after is_closed()");
            self.heads.push(before);
        }
    }

    /// Writes out up to `n` queued bytes.
    fn transmit(&mut self, n: usize) -> usize {
        let Some(pending) = self.conn.poll_transmit() else {
            return 0;
        };
        assert!(!pending.is_empty(), "poll_transmit gave an empty slice");
        let k = n.min(pending.len());
        self.out.extend_from_slice(&pending[..k]);
        self.conn.advance_transmit(k);
        k
    }

    fn op(&mut self, byte: u8, script: &mut impl Iterator<Item = u8>) {
        let arg = usize::from(byte >> 4);
        match byte & 0xf {
            0 => {
                self.feed(FEED_SIZES[arg]);
            }
            1 => {
                self.read_into(FEED_SIZES[arg]);
            }
            2 => {
                self.poll(arg & 1 != 0);
            }
            3 => {
                let extra = usize::from(script.next().unwrap_or(0));
                let status = STATUSES[arg];
                let fields = FIELD_SETS[extra & 7];
                let framing = match extra >> 3 & 7 {
                    0 => BodyFraming::Empty,
                    1 => BodyFraming::Length(0),
                    2 => BodyFraming::Length(5),
                    3 => BodyFraming::Length(100_000),
                    4 | 5 => BodyFraming::Chunked,
                    6 => BodyFraming::CloseDelimited,
                    _ => BodyFraming::Length(u64::MAX),
                };
                let _ = self.call(
                    Writes::Head,
                    |c| c.send_response(status, fields.iter().copied(), framing),
                    Result::is_err,
                );
            }
            4 => {
                let extra = usize::from(script.next().unwrap_or(0));
                let status = STATUSES[arg];
                let body = vec![b'b'; DATA_SIZES[extra & 7]];
                let fields = FIELD_SETS[extra >> 3 & 7];
                let _ = self.call(
                    Writes::Head,
                    |c| c.send_response_with_body(status, fields, &body),
                    Result::is_err,
                );
            }
            5 => {
                let data = vec![b'd'; DATA_SIZES[arg & 7]];
                let r = self.call(
                    Writes::Body,
                    |c| c.send_data(&data),
                    |r| matches!(r, Err(e) if *e != UsageError::OutputFull),
                );
                if let Ok(n) = r {
                    assert!(n <= data.len());
                }
            }
            6 => {
                let _ = self.call(Writes::Body, ServerConn::finish, Result::is_err);
            }
            7 => {
                let trailers = TRAILER_SETS[arg & 3];
                let _ = self.call(Writes::Body, |c| c.send_trailers(trailers), Result::is_err);
            }
            8 => {
                let status = [100, 101, 102, 103, 199, 200, 99, 100][arg & 7];
                let fields = FIELD_SETS[arg >> 3];
                let _ = self.call(
                    Writes::Head,
                    |c| c.send_informational(status, fields),
                    Result::is_err,
                );
            }
            9 => {
                self.call(Writes::Head, ServerConn::close, |()| false);
            }
            10 => {
                let now = self.now;
                self.eof = true;
                let _ = self.call(Writes::Head, |c| c.handle_eof(now), |_| false);
            }
            11 => {
                self.now = match (arg, self.conn.poll_timeout()) {
                    (0, Some(at)) => at.max(self.now),
                    _ => self.now + Duration::from_nanos(STEPS[arg]),
                };
                let now = self.now;
                let _ = self.call(Writes::Head, |c| c.handle_timeout(now), |_| false);
            }
            12 => {
                let n = if arg == 0 {
                    usize::MAX
                } else {
                    FEED_SIZES[arg]
                };
                self.transmit(n);
            }
            13 => self.conn.set_unix_time(1_700_000_000 + 86_399 * arg as u64),
            14 => {
                // An early handle_timeout is harmless.
                if let Some(at) = self.conn.poll_timeout().filter(|&at| at > self.now) {
                    self.now = Instant::from_nanos(at.as_nanos() - 1).max(self.now);
                    let (now, was_closed) = (self.now, self.conn.is_closed());
                    let r = self.call(Writes::Head, |c| c.handle_timeout(now), |_| false);
                    assert!(r.is_ok(), "early handle_timeout failed: {r:?}");
                    assert_eq!(
                        self.conn.is_closed(),
                        was_closed,
                        "early handle_timeout closed"
                    );
                    assert_eq!(
                        self.conn.poll_timeout(),
                        Some(at),
                        "early handle_timeout moved the timer"
                    );
                }
            }
            _ => {
                self.auto_round();
            }
        }
    }

    /// One round of a well-behaved application: answer, finish, write out, read.
    /// Returns whether anything happened.
    fn auto_round(&mut self) -> bool {
        let events = self.poll(true);
        // A request the script polled but left unanswered is answered now (a
        // refused call when there is none, or a response is already started).
        let _ = self.call(
            Writes::Head,
            |c| c.send_response_with_body(200, &[(b"content-type", b"text/plain")], b"ok"),
            Result::is_err,
        );
        let finished = self.call(Writes::Body, ServerConn::finish, Result::is_err);
        // A response whose announced length the script did not write: this
        // application never writes it, so the machine rightly waits for it
        // and reads nothing more (backpressure); that is not a stall.
        self.owes_body = finished == Err(UsageError::BodyTooShort);
        let sent = self.transmit(usize::MAX);
        let read = if self.stream.is_empty() {
            0
        } else {
            self.feed(512)
        };
        self.check_closed();
        events > 0 || sent > 0 || read > 0
    }

    /// After the script: run the well-behaved application until the stream is
    /// used up, then signal EOF and write out what is left.
    fn auto(&mut self) {
        let mut idle = 0;
        for _ in 0..MAX_AUTO_ROUNDS {
            if self.closed || self.conn.error().is_some() || self.eof {
                break;
            }
            if self.auto_round() {
                idle = 0;
                continue;
            }
            if self.stream.is_empty() || self.owes_body {
                break;
            }
            idle += 1;
            assert!(
                idle < 3,
                "stalled with {} bytes still to read",
                self.stream.len()
            );
        }
        if !self.closed && self.conn.error().is_none() && !self.eof {
            let now = self.now;
            self.eof = true;
            let _ = self.call(Writes::Head, |c| c.handle_eof(now), |_| false);
            self.auto_round();
        }
        self.poll(true);
        self.transmit(usize::MAX);
        self.check_closed();
    }

    fn finish_checks(&mut self) {
        // Every command after the end is refused or harmless.
        if self.closed {
            let now = self.now;
            assert!(self.conn.send_data(b"x").is_err());
            assert!(self.conn.finish().is_err());
            assert!(self.conn.send_response_with_body(200, &[], b"").is_err());
            assert!(matches!(
                self.conn.handle_input(now, b"GET / HTTP/1.1\r\n\r\n"),
                Ok(0) | Err(_)
            ));
            let _ = self.conn.handle_eof(now);
            let _ = self.conn.handle_timeout(Instant::MAX);
            self.conn.close();
            while self.conn.poll_event().is_some() {}
            self.check_closed();
        }
        assert!(
            self.out.is_empty() || self.out.starts_with(b"HTTP/1.1 "),
            "output does not start with a status line: {:?}",
            String::from_utf8_lossy(&self.out[..self.out.len().min(64)])
        );
        for &at in &self.heads {
            if at < self.out.len() {
                assert!(
                    self.out[at..].starts_with(b"HTTP/1.1 "),
                    "a response head at {at} does not start with a status line: {:?}",
                    String::from_utf8_lossy(&self.out[at..self.out.len().min(at + 64)])
                );
            }
        }
    }
}
