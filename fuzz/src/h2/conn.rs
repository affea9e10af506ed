//! The `h2_server_conn` and `h2_client_conn` targets: a machine driven by a
//! command script and a peer byte stream taken from the input.
//!
//! Input layout: byte 0 picks the configuration ([`Setup`]), byte 1 is the
//! script length `L`, the next `L` bytes are the script, and the rest is what
//! the peer sends (for the server, after a valid client preface the target
//! writes itself). Each script byte is one command: the low nibble is the
//! [`op`](Driver::op), the high nibble its argument. When the script runs out,
//! a well-behaved application takes over (answers every request, releases
//! every byte, writes everything out) until the peer's bytes are used up.
//!
//! Invariants checked, besides no panic and no endless loop:
//! - everything the machine writes is valid HTTP/2 checked by an independent
//!   reader ([`Output`]): frames parse, fit the peer's SETTINGS_MAX_FRAME_SIZE
//!   and flow-control windows, field blocks are contiguous and decode with a
//!   separate HPACK decoder into valid fields, nothing is sent on a stream after
//!   its END_STREAM or RST_STREAM, PING ACKs answer the peer's PINGs, GOAWAY's
//!   last stream never grows and nothing follows an error GOAWAY;
//! - bytes offered by `poll_transmit` and not advanced are offered again;
//! - a command that returns a `UsageError` queues nothing and opens nothing;
//! - `handle_input` errors are connection errors equal to `error()`, and stay;
//! - events are consistent: requests on new, increasing, odd streams (server),
//!   responses only on our streams, nothing on a stream after its end or
//!   reset, bodies that agree with `content-length`, valid fields only;
//! - `send_data` takes exactly what `send_capacity` announced;
//! - after `is_closed()` no command queues output;
//! - the read buffer and the output queue stay within their configured bounds;
//! - a well-behaved application never stalls while the peer has bytes to send.

use std::collections::HashMap;
use std::time::Duration;

use shockwave_proto::Instant;
use shockwave_proto::h2::frame::PREFACE;
use shockwave_proto::h2::{ClientConn, Config, Error, ErrorCode, ServerConn, StreamId, UsageError};

use super::machine::{Ev, Machine};
use super::wire::{Output, PeerModel, Side};

/// Most events one poll may yield, and most rounds of any loop.
const MAX_ROUNDS: usize = 100_000;

const FEED_SIZES: [usize; 16] = [
    1,
    2,
    3,
    5,
    8,
    9,
    13,
    21,
    34,
    55,
    89,
    144,
    377,
    987,
    4096,
    1 << 20,
];
const DATA_SIZES: [usize; 8] = [0, 1, 7, 100, 1000, 16_385, 70_000, 3];
const STEPS_MS: [u64; 16] = [
    0, 1, 10, 100, 1_000, 4_999, 5_001, 9_999, 10_001, 19_000, 21_000, 59_000, 61_000, 600_000, 2,
    500,
];
const STATUSES: [u16; 8] = [200, 204, 304, 404, 100, 101, 999, 1000];
const INFORMATIONAL: [u16; 4] = [100, 103, 101, 200];

type FieldList = &'static [(&'static [u8], &'static [u8])];

/// Fields for heads and trailers, valid and not.
const FIELD_SETS: [FieldList; 8] = [
    &[],
    &[(b"content-type", b"text/plain")],
    &[(b"content-length", b"5")],
    &[(b"x-a", b"1"), (b"x-b", b"")],
    &[(b"Upper", b"x")],
    &[(b"connection", b"close")],
    &[(b"x", b"a\r\nb")],
    &[(b":status", b"200")],
];

/// The configuration the first input byte picks.
pub struct Setup {
    /// Bit 0: tiny limits everywhere.
    tiny: bool,
    /// Bit 1: push enabled (client) / extended CONNECT disabled (server).
    flip: bool,
    /// Bit 2: input through `input_buf` + `input_filled`.
    zero_copy: bool,
    /// Bit 3: the target writes the peer's SETTINGS and its ACK first.
    handshake: bool,
    /// Bit 4 (server): the connection starts as an `Upgrade: h2c` with stream 1
    /// half-closed (remote), carrying the upgraded request.
    upgrade: bool,
}

impl Setup {
    fn new(byte: u8) -> Setup {
        Setup {
            tiny: byte & 1 != 0,
            flip: byte & 2 != 0,
            zero_copy: byte & 4 != 0,
            handshake: byte & 8 != 0,
            upgrade: byte & 16 != 0,
        }
    }

    fn config(&self, side: Side) -> Config {
        let mut c = Config::default();
        if self.tiny {
            c.header_table_size = 64;
            c.max_concurrent_streams = 2;
            c.initial_window_size = 100;
            c.connection_window = 65_535;
            c.max_header_list_size = 200;
            c.max_header_block_size = 300;
            c.max_continuation_frames = 2;
            c.stream_send_buffer = 50;
            c.max_write_buffer = 256;
            c.read_buffer_size = 1;
            c.max_resets_per_window = 4;
            c.max_empty_frames_per_window = 4;
            c.max_control_frames_per_window = 8;
        }
        match side {
            Side::Client => c.enable_push = self.flip,
            Side::Server => c.enable_connect_protocol = !self.flip,
        }
        c
    }
}

/// What the application knows of a stream.
#[derive(Default, Debug)]
struct StreamApp {
    /// The request (server) or final response (client) head arrived.
    head: bool,
    /// The peer's side ended (END_STREAM or trailers).
    ended: bool,
    /// The stream was reset (either way).
    reset: bool,
    /// Body bytes received.
    body: u64,
    /// Body bytes received and not released.
    unreleased: usize,
    content_length: Option<u64>,
    /// The application answered it (server) or a HEAD request was made (client:
    /// no body expected whatever `content-length` says).
    answered: bool,
}

/// The driver: the machine, its two wire checkers and the application state.
struct Driver {
    m: Machine,
    side: Side,
    config: Config,
    now: Instant,
    zero_copy: bool,
    peer_bytes: Vec<u8>,
    fed: usize,
    model: PeerModel,
    out: Output,
    /// Bytes offered by `poll_transmit` and not advanced yet.
    offered: Vec<u8>,
    streams: HashMap<u32, StreamApp>,
    order: Vec<u32>,
    /// The last request stream (server) or the last stream we opened (client).
    last_stream: u32,
    error: Option<Error>,
}

impl Driver {
    fn new(side: Side, data: &[u8]) -> (Driver, Vec<u8>) {
        let setup = Setup::new(data.first().copied().unwrap_or(0));
        let script_len = data.get(1).copied().unwrap_or(0) as usize;
        let script = data.get(2..2 + script_len).unwrap_or(&[]).to_vec();
        let rest = data.get(2 + script_len..).unwrap_or(&[]);
        let config = setup.config(side);
        let now = Instant::from_millis(1_000);
        let mut peer_bytes = Vec::new();
        let m = match side {
            Side::Server if setup.upgrade => {
                peer_bytes.extend_from_slice(PREFACE);
                // HTTP2-Settings: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 65,535.
                let conn = ServerConn::upgraded(config.clone(), now, b"AAMAAABkAAQAAP__")
                    .expect("a valid HTTP2-Settings value");
                Machine::Server(conn)
            }
            Side::Server => {
                peer_bytes.extend_from_slice(PREFACE);
                Machine::Server(ServerConn::with_start(config.clone(), now))
            }
            Side::Client => Machine::Client(ClientConn::with_start(config.clone(), now)),
        };
        if setup.handshake {
            shockwave_proto::h2::frame::write_settings(&mut peer_bytes, &[]);
            shockwave_proto::h2::frame::write_settings_ack(&mut peer_bytes);
        }
        peer_bytes.extend_from_slice(rest);
        let mut driver = Driver {
            m,
            side,
            config,
            now,
            zero_copy: setup.zero_copy,
            peer_bytes,
            fed: 0,
            model: PeerModel::new(side == Side::Server),
            out: Output::new(side),
            offered: Vec::new(),
            streams: HashMap::new(),
            order: Vec::new(),
            last_stream: 0,
            error: None,
        };
        if setup.upgrade && side == Side::Server {
            // The upgraded request is stream 1's; the application answers it.
            driver.model.opened.insert(1);
            driver.last_stream = 1;
            driver.order.push(1);
            let upgraded = StreamApp {
                head: true,
                ended: true,
                ..StreamApp::default()
            };
            driver.streams.insert(1, upgraded);
        }
        (driver, script)
    }

    // --- input ---------------------------------------------------------------

    /// Feeds up to `max` more peer bytes; returns how many the machine took.
    fn feed(&mut self, max: usize) -> usize {
        let end = (self.fed + max).min(self.peer_bytes.len());
        let chunk = self.peer_bytes[self.fed..end].to_vec();
        if chunk.is_empty() {
            return 0;
        }
        let now = self.now;
        let result = if self.zero_copy {
            both!(&mut self.m, c => {
                let buf = c.input_buf();
                let n = buf.len().min(chunk.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                c.input_filled(now, n).map(|()| n)
            })
        } else {
            both!(&mut self.m, c => c.handle_input(now, &chunk))
        };
        match result {
            Ok(n) => {
                assert!(n <= chunk.len(), "took {n} of {}", chunk.len());
                self.model.taken(&chunk[..n]);
                self.fed += n;
                n
            }
            Err(e) => {
                // The whole chunk counts as seen: the model only bounds credit.
                self.model.taken(&chunk);
                self.fed = end;
                self.failed(e);
                0
            }
        }
    }

    /// A `handle_input`/`handle_timeout` error: a connection error, the one
    /// `error()` reports, and it stays.
    fn failed(&mut self, e: Error) {
        assert!(
            e.is_connection_error(),
            "a stream error was returned: {e:?}"
        );
        assert_eq!(self.m.error(), Some(e), "error() disagrees with {e:?}");
        if let Some(first) = self.error {
            assert_eq!(first.code(), e.code(), "the error changed");
        }
        self.error = Some(e);
    }

    // --- events and output ---------------------------------------------------

    fn poll_events(&mut self) {
        for _ in 0..MAX_ROUNDS {
            let Some(ev) = self.m.next_event() else {
                return;
            };
            self.on_event(ev);
        }
        panic!("endless events");
    }

    fn on_event(&mut self, ev: Ev) {
        match ev {
            Ev::Head {
                stream,
                status,
                end_stream,
                content_length,
                promised_on,
            } => {
                if let Some(assoc) = promised_on {
                    assert!(self.config.enable_push, "push not enabled");
                    assert!(
                        stream % 2 == 0 && assoc % 2 == 1,
                        "push {assoc} -> {stream}"
                    );
                    assert!(!self.streams.contains_key(&stream), "promised twice");
                    self.streams.insert(stream, StreamApp::default());
                    self.order.push(stream);
                    return;
                }
                match self.side {
                    Side::Server => {
                        assert!(stream % 2 == 1, "request on even stream {stream}");
                        assert!(
                            stream > self.last_stream,
                            "request {stream} after {}",
                            self.last_stream
                        );
                        self.last_stream = stream;
                        assert!(!self.streams.contains_key(&stream));
                        self.order.push(stream);
                        self.streams.insert(stream, StreamApp::default());
                    }
                    Side::Client => assert!(status >= 200),
                }
                let s = self
                    .streams
                    .get_mut(&stream)
                    .unwrap_or_else(|| panic!("head on unknown stream {stream}"));
                assert!(
                    !s.head && !s.reset && !s.ended,
                    "second head on {stream}: {s:?}"
                );
                s.head = true;
                s.content_length = content_length;
                if end_stream {
                    s.ended = true;
                    check_length(s, self.side);
                }
            }
            Ev::Data {
                stream,
                len,
                end_stream,
            } => {
                let s = self
                    .streams
                    .get_mut(&stream)
                    .unwrap_or_else(|| panic!("DATA on unknown stream {stream}"));
                assert!(
                    s.head && !s.ended && !s.reset,
                    "DATA on {stream} in state {s:?}"
                );
                s.body += len as u64;
                s.unreleased += len;
                if let Some(cl) = s.content_length.filter(|_| self.side == Side::Server) {
                    assert!(s.body <= cl, "body past content-length on {stream}");
                }
                if end_stream {
                    s.ended = true;
                    check_length(s, self.side);
                }
            }
            Ev::Trailers { stream } => {
                let s = self
                    .streams
                    .get_mut(&stream)
                    .unwrap_or_else(|| panic!("trailers on unknown stream {stream}"));
                assert!(
                    s.head && !s.ended && !s.reset,
                    "trailers on {stream} in state {s:?}"
                );
                s.ended = true;
                check_length(s, self.side);
            }
            Ev::Reset { stream, by_peer } => {
                // The peer's reset is a RST_STREAM it sent (or, for a client, a
                // GOAWAY that left the stream unprocessed).
                assert!(
                    !by_peer || self.model.reset.contains(&stream) || self.model.goaway,
                    "reset by the peer without its RST_STREAM on {stream}"
                );
                if let Some(s) = self.streams.get_mut(&stream) {
                    assert!(!s.reset, "stream {stream} reset twice");
                    s.reset = true;
                }
            }
            Ev::Informational { stream } => {
                let s = self
                    .streams
                    .get(&stream)
                    .unwrap_or_else(|| panic!("1xx on unknown stream {stream}"));
                assert!(
                    !s.head && !s.reset,
                    "1xx after the final response on {stream}"
                );
            }
            Ev::SendReady | Ev::Other => {}
        }
    }

    /// Writes out what the machine offers: `limit` bytes at most (all when `None`).
    fn flush(&mut self, limit: Option<usize>) {
        let mut budget = limit.unwrap_or(usize::MAX);
        for _ in 0..MAX_ROUNDS {
            if budget == 0 {
                return;
            }
            let Some(slice) = both!(&mut self.m, m => m.poll_transmit()) else {
                assert!(self.offered.is_empty(), "offered bytes were dropped");
                return;
            };
            assert!(!slice.is_empty(), "poll_transmit gave an empty slice");
            let k = slice.len().min(self.offered.len());
            assert_eq!(slice[..k], self.offered[..k], "offered bytes changed");
            let w = slice.len().min(budget);
            let (written, rest) = slice.split_at(w);
            let (written, rest) = (written.to_vec(), rest.to_vec());
            self.out.written(&written, &self.model);
            both!(&mut self.m, m => m.advance_transmit(w));
            self.offered = rest;
            budget -= w;
        }
        panic!("endless output");
    }

    /// One turn of a driver: events, output, bounds.
    fn turn(&mut self) {
        self.poll_events();
        self.flush(None);
        self.check_bounds();
    }

    fn check_bounds(&mut self) {
        if let Machine::Server(m) = &self.m {
            let read_limit = self
                .config
                .read_buffer_size
                .max(self.config.max_frame_size as usize + 9);
            assert!(
                m.buffered_input() <= read_limit,
                "read buffer {} over {read_limit}",
                m.buffered_input()
            );
        }
        // Control frames and heads are bounded by max_write_buffer; one more head
        // or frame may pass it, and DATA only enters below half of it.
        let limit =
            self.config.max_write_buffer + 2 * (self.config.max_header_block_size + 16_384 + 9);
        assert!(
            self.m.queued_output() <= limit,
            "output queue {} over {limit}",
            self.m.queued_output()
        );
    }

    // --- commands --------------------------------------------------------------

    /// A stream for a command: a known one, or (arg 15) one that does not exist.
    fn pick(&self, arg: u8) -> StreamId {
        if arg == 15 || self.order.is_empty() {
            return StreamId::new([0, 2, 99, 0x7fff_ffff][usize::from(arg) % 4]);
        }
        StreamId::new(self.order[usize::from(arg) % self.order.len()])
    }

    /// Runs a command that may fail with a `UsageError`, checking that a failure
    /// changes nothing and that nothing is queued once closed.
    fn command<T>(&mut self, f: impl FnOnce(&mut Machine) -> Result<T, UsageError>) -> Option<T> {
        let closed = self.m.is_closed();
        let (queued, active) = (self.m.queued_output(), self.m.active_streams());
        let r = f(&mut self.m);
        if r.is_err() {
            assert_eq!(
                self.m.queued_output(),
                queued,
                "a refused command queued output"
            );
            assert_eq!(
                self.m.active_streams(),
                active,
                "a refused command changed the streams"
            );
        }
        if closed {
            assert!(
                self.m.queued_output() <= queued,
                "output queued after close"
            );
        }
        r.ok()
    }

    fn op(&mut self, byte: u8) {
        let (op, arg) = (byte & 0xf, byte >> 4);
        let fields = FIELD_SETS[usize::from(arg & 7)];
        match op {
            0 => {
                self.feed(FEED_SIZES[usize::from(arg)]);
            }
            1 => self.send_head(arg, fields),
            2 => {
                let s = self.pick(arg);
                let data = vec![b'd'; DATA_SIZES[usize::from(arg & 7)]];
                if let Some(n) =
                    self.command(|m| both!(m, c => c.send_data(s, &data, arg & 8 != 0)))
                {
                    assert!(n <= data.len());
                }
            }
            3 => {
                let s = self.pick(arg);
                let _ = self.command(|m| both!(m, c => c.send_trailers(s, fields.iter().copied())));
            }
            4 => {
                let s = self.pick(arg);
                let _ =
                    self.command(|m| both!(m, c => c.reset_stream(s, ErrorCode(u32::from(arg)))));
            }
            5 => self.release(arg),
            6 => {
                let _ = self.command(|m| both!(m, c => c.ping([arg; 8])));
            }
            7 => both!(&mut self.m, c => c.shutdown()),
            8 => both!(&mut self.m, c => c.close(ErrorCode(u32::from(arg)))),
            9 => {
                self.now += Duration::from_millis(STEPS_MS[usize::from(arg)]);
                self.timeout();
            }
            10 => both!(&mut self.m, c => c.handle_eof(self.now)),
            11 => {
                // A partial write; the rest must be offered again.
                self.poll_events();
                self.flush(Some(usize::from(arg) * 7 + 1));
                return;
            }
            12 => self.send_other_head(arg),
            13 => self.role_extra(arg),
            14 => {
                let s = self.pick(arg);
                let cap = both!(&self.m, c => c.send_capacity(s));
                let data = vec![b'c'; cap + usize::from(arg) * 10];
                if let Some(n) = self.command(|m| both!(m, c => c.send_data(s, &data, false))) {
                    assert_eq!(
                        n,
                        cap.min(data.len()),
                        "send_data and send_capacity disagree"
                    );
                }
            }
            _ => self.behave(),
        }
        self.turn();
    }

    fn timeout(&mut self) {
        let r = both!(&mut self.m, c => c.handle_timeout(self.now));
        if let Err(e) = r {
            self.failed(e);
        }
    }

    /// Server: a response; client: a request.
    fn send_head(&mut self, arg: u8, fields: FieldList) {
        let s = self.pick(arg);
        let end = arg & 8 != 0;
        match &mut self.m {
            Machine::Server(_) => {
                let status = STATUSES[usize::from(arg & 7)];
                let ok = self
                    .command(|m| match m {
                        Machine::Server(c) => {
                            c.send_response(s, status, fields.iter().copied(), end)
                        }
                        Machine::Client(_) => unreachable!(),
                    })
                    .is_some();
                if ok && let Some(st) = self.streams.get_mut(&s.value()) {
                    st.answered = true;
                }
            }
            Machine::Client(_) => {
                let method: &[u8] = [&b"GET"[..], b"POST", b"HEAD", b""][usize::from(arg & 3)];
                let opened = self.command(|m| match m {
                    Machine::Client(c) => c.send_request(
                        method,
                        b"https",
                        b"example.com",
                        b"/",
                        None,
                        fields.iter().copied(),
                        end,
                    ),
                    Machine::Server(_) => unreachable!(),
                });
                if let Some(id) = opened {
                    self.opened(id, method == b"HEAD");
                }
            }
        }
    }

    /// A stream our client opened: odd, increasing.
    fn opened(&mut self, id: StreamId, head: bool) {
        let v = id.value();
        assert!(
            v % 2 == 1 && v > self.last_stream,
            "opened {v} after {}",
            self.last_stream
        );
        self.last_stream = v;
        self.order.push(v);
        self.streams.insert(
            v,
            StreamApp {
                answered: head,
                ..StreamApp::default()
            },
        );
    }

    /// Server: an informational response; client: a CONNECT or extended CONNECT.
    fn send_other_head(&mut self, arg: u8) {
        let s = self.pick(arg);
        match &mut self.m {
            Machine::Server(_) => {
                let status = INFORMATIONAL[usize::from(arg & 3)];
                let _ = self.command(|m| match m {
                    Machine::Server(c) => c.send_informational(
                        s,
                        status,
                        FIELD_SETS[usize::from(arg >> 2)].iter().copied(),
                    ),
                    Machine::Client(_) => unreachable!(),
                });
            }
            Machine::Client(_) => {
                let protocol: Option<&[u8]> = if arg & 1 == 0 {
                    None
                } else {
                    Some(b"websocket")
                };
                let (scheme, path): (&[u8], &[u8]) = if protocol.is_some() {
                    (b"https", b"/chat")
                } else {
                    (b"", b"")
                };
                let opened = self.command(|m| match m {
                    Machine::Client(c) => c.send_request(
                        b"CONNECT",
                        scheme,
                        b"example.com:443",
                        path,
                        protocol,
                        FIELD_SETS[0].iter().copied(),
                        false,
                    ),
                    Machine::Server(_) => unreachable!(),
                });
                if let Some(id) = opened {
                    self.opened(id, false);
                }
            }
        }
    }

    /// Server: a push promise; client: `can_open_stream` agrees with `send_request`.
    fn role_extra(&mut self, arg: u8) {
        let s = self.pick(arg);
        match &mut self.m {
            Machine::Server(_) => {
                let promised = self.command(|m| match m {
                    Machine::Server(c) => c.push_promise(
                        s,
                        b"GET",
                        b"https",
                        b"example.com",
                        b"/pushed",
                        FIELD_SETS[usize::from(arg & 3)].iter().copied(),
                    ),
                    Machine::Client(_) => unreachable!(),
                });
                if let Some(p) = promised {
                    assert!(p.is_server_initiated());
                    self.order.push(p.value());
                    self.streams.insert(
                        p.value(),
                        StreamApp {
                            head: true,
                            ended: true,
                            ..StreamApp::default()
                        },
                    );
                }
            }
            Machine::Client(c) => {
                let can = c.can_open_stream();
                let r = c.send_request(
                    b"GET",
                    b"https",
                    b"example.com",
                    b"/",
                    None,
                    FIELD_SETS[0].iter().copied(),
                    true,
                );
                match r {
                    Ok(id) => {
                        assert!(can, "opened a stream can_open_stream refused");
                        self.opened(id, false);
                    }
                    Err(UsageError::StreamLimit | UsageError::GoingAway) => {
                        assert!(!can, "can_open_stream promised a stream")
                    }
                    Err(_) => {}
                }
            }
        }
    }

    /// Releases received bytes: all of one stream's, or (arg 15) one too many.
    fn release(&mut self, arg: u8) {
        let s = self.pick(arg);
        let unreleased = self.streams.get(&s.value()).map_or(0, |st| st.unreleased);
        let n = if arg == 14 {
            unreleased + 1
        } else {
            unreleased
        };
        if self
            .command(|m| both!(m, c => c.release_data(s, n)))
            .is_some()
            && let Some(st) = self.streams.get_mut(&s.value())
        {
            st.unreleased -= n.min(st.unreleased);
        }
    }

    /// The well-behaved application: answers every request (server), releases
    /// every byte.
    fn behave(&mut self) {
        let ids: Vec<u32> = self.order.clone();
        for id in ids {
            let sid = StreamId::new(id);
            let st = &self.streams[&id];
            let (answer, unreleased) = (
                self.side == Side::Server && st.head && !st.answered && !st.reset && id % 2 == 1,
                st.unreleased,
            );
            if unreleased > 0 {
                let _ = self.command(|m| both!(m, c => c.release_data(sid, unreleased)));
                self.streams.get_mut(&id).unwrap().unreleased = 0;
            }
            if answer {
                if let Machine::Server(c) = &mut self.m
                    && c.send_response(sid, 200, [("content-type", "text/plain")], false)
                        .is_ok()
                {
                    let _ = c.send_data(sid, b"answer", true);
                }
                self.streams.get_mut(&id).unwrap().answered = true;
            }
        }
    }

    /// After the script: feed the rest as a well-behaved application would.
    fn finish(&mut self) {
        let mut idle = 0;
        for _ in 0..MAX_ROUNDS {
            if self.fed >= self.peer_bytes.len() || self.m.is_closed() || self.error.is_some() {
                break;
            }
            let took = self.feed(4096);
            self.turn();
            self.behave();
            self.turn();
            if took == 0 {
                idle += 1;
                // Time may be what the machine waits for (a paused read resumes
                // after a deadline of "now").
                self.timeout();
                self.turn();
                assert!(
                    idle < 100,
                    "stalled with {} peer bytes left",
                    self.peer_bytes.len() - self.fed
                );
            } else {
                idle = 0;
            }
        }
        if let Some(e) = self.error {
            // The error stays: more input gets it again, and after the output
            // is written the machine is closed.
            let again = both!(&mut self.m, c => c.handle_input(self.now, b"\0\0\0\x06\0\0\0\0\0"));
            assert_eq!(
                again.map_err(|e| e.code()),
                Err(e.code()),
                "the error did not stay"
            );
            self.turn();
            assert!(self.m.is_closed(), "not closed after {e:?}");
            assert!(!self.out.mid_frame(), "closed in the middle of a frame");
        }
        if self.m.is_closed() {
            assert!(
                both!(&mut self.m, c => c.poll_transmit()).is_none(),
                "output after close"
            );
        }
    }
}

/// A body that ended must match its `content-length` (server: requests).
fn check_length(s: &StreamApp, side: Side) {
    if side == Side::Server
        && let Some(cl) = s.content_length
    {
        assert_eq!(s.body, cl, "body and content-length disagree");
    }
}

/// Runs one input against a machine on `side`.
pub fn run(side: Side, data: &[u8]) {
    let (mut d, script) = Driver::new(side, data);
    d.turn();
    for &byte in &script {
        d.op(byte);
    }
    d.finish();
}
