//! A scripted HTTP/2 client for the conformance tests (h2spec's cases).
//!
//! [`Peer`] plays the client against a [`ServerConn`]: it writes frames (by
//! hand with [`frame`], so that malformed frames can be written too), feeds
//! them to the machine, writes out everything the machine transmits, cuts it
//! back into [`RawFrame`]s with its own parser (not the machine's), and keeps
//! the machine's events as owned [`Ev`]s. The expectations are the ones h2spec
//! checks, made exact:
//!
//! - [`Peer::expect_connection_error`]: a GOAWAY with the code, the machine
//!   reports the same connection error and closes, and takes nothing more;
//! - [`Peer::expect_stream_error`]: a RST_STREAM on the stream with the code,
//!   a `StreamReset` event, no GOAWAY, and the connection still answers PING;
//! - [`Peer::assert_alive`]: a PING is answered and nothing was reset.
//!
//! Field blocks: [`literal_block`] encodes fields as HPACK literals without
//! indexing by hand (any name or value, the dynamic table untouched), and
//! [`Peer::request_block`] goes through `hpack::Encoder` like a real client.
#![allow(dead_code)]

use std::collections::VecDeque;

pub use crate::wire::*;

use shockwave_proto::Instant;
use shockwave_proto::h2::{Config, Error, ErrorCode, ServerConn, ServerEvent, StreamId};
use shockwave_proto::hpack;

/// Most rounds of feeding or writing out before the harness calls it a hang.
const MAX_ROUNDS: usize = 100_000;

/// The default configuration changed by `f`.
pub fn config(f: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::default();
    f(&mut c);
    c
}

/// An owned copy of a field section.
pub type OwnedFields = Vec<(Vec<u8>, Vec<u8>)>;

/// An owned copy of a server event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    /// `RequestReceived`.
    Request {
        /// The stream.
        stream: u32,
        /// `:method`.
        method: Vec<u8>,
        /// `:path`.
        path: Option<Vec<u8>>,
        /// Regular fields.
        fields: OwnedFields,
        /// No body follows.
        end_stream: bool,
    },
    /// `DataReceived`.
    Data {
        /// The stream.
        stream: u32,
        /// The bytes.
        data: Vec<u8>,
        /// The body ended.
        end_stream: bool,
    },
    /// `TrailersReceived`.
    Trailers {
        /// The stream.
        stream: u32,
        /// The trailer fields.
        fields: OwnedFields,
    },
    /// `StreamReset`.
    Reset {
        /// The stream.
        stream: u32,
        /// The code.
        code: ErrorCode,
        /// Reset by the peer (else by the machine).
        by_peer: bool,
    },
    /// `GoawayReceived`.
    Goaway {
        /// Last stream identifier.
        last_stream_id: u32,
        /// The code.
        code: ErrorCode,
    },
    /// `PingAcknowledged`.
    PingAcknowledged([u8; 8]),
    /// Any other event, as its debug text.
    Other(String),
}

/// Copies an event out of the machine's buffers.
fn own(ev: ServerEvent<'_>) -> Ev {
    match ev {
        ServerEvent::RequestReceived {
            stream,
            request,
            end_stream,
        } => Ev::Request {
            stream: stream.value(),
            method: request.method().to_vec(),
            path: request.path().map(<[u8]>::to_vec),
            fields: request
                .fields()
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
            end_stream,
        },
        ServerEvent::DataReceived {
            stream,
            data,
            end_stream,
        } => Ev::Data {
            stream: stream.value(),
            data: data.to_vec(),
            end_stream,
        },
        ServerEvent::TrailersReceived { stream, trailers } => Ev::Trailers {
            stream: stream.value(),
            fields: trailers
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
        },
        ServerEvent::StreamReset {
            stream,
            code,
            by_peer,
        } => Ev::Reset {
            stream: stream.value(),
            code,
            by_peer,
        },
        ServerEvent::GoawayReceived {
            last_stream_id,
            code,
            ..
        } => Ev::Goaway {
            last_stream_id: last_stream_id.value(),
            code,
        },
        ServerEvent::PingAcknowledged { opaque } => Ev::PingAcknowledged(opaque),
        #[allow(unreachable_patterns)]
        other => Ev::Other(format!("{other:?}")),
    }
}

/// A decoded response head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// `:status`.
    pub status: u16,
    /// The regular fields.
    pub fields: OwnedFields,
    /// END_STREAM was set on the HEADERS.
    pub end_stream: bool,
}

// ---------------------------------------------------------------------------
// The scripted client
// ---------------------------------------------------------------------------

/// The client side of a conversation with a [`ServerConn`].
pub struct Peer {
    /// The machine under test.
    pub conn: ServerConn,
    /// The time given to the machine.
    pub now: Instant,
    /// Bytes the machine transmitted that do not yet make a whole frame.
    inbox: Vec<u8>,
    /// Frames the machine transmitted, not yet taken by an expectation.
    pub frames: VecDeque<RawFrame>,
    /// Events the machine reported, in order.
    pub events: Vec<Ev>,
    /// The first error `handle_input` returned.
    pub input_error: Option<Error>,
    /// Bytes `handle_input` refused to take (it returned an error first).
    pub unconsumed: usize,
    /// Whether `DataReceived` bytes are released at once (the default).
    pub auto_release: bool,
    /// Our encoder, for [`Peer::request_block`].
    encoder: hpack::Encoder,
    /// Our decoder of the server's field blocks.
    decoder: hpack::Decoder,
    /// The decoder's output arena.
    list: hpack::HeaderList,
    /// The next PING payload [`Peer::assert_alive`] sends.
    next_ping: u64,
}

impl Peer {
    /// A machine that has seen nothing yet.
    pub fn fresh(config: Config) -> Peer {
        let now = Instant::from_millis(1_000);
        Peer {
            conn: ServerConn::with_start(config, now),
            now,
            inbox: Vec::new(),
            frames: VecDeque::new(),
            events: Vec::new(),
            input_error: None,
            unconsumed: 0,
            auto_release: true,
            encoder: hpack::Encoder::new(),
            decoder: hpack::Decoder::new(4096),
            list: hpack::HeaderList::new(1 << 20),
            next_ping: 0x5348_4f43_4b00_0000,
        }
    }

    /// A connection with the default configuration after the preface and the
    /// SETTINGS exchange (RFC 9113 section 3.4), nothing left unread.
    pub fn connected() -> Peer {
        Peer::connected_with(Config::default(), &[])
    }

    /// A connection with `config` whose client sent `params` in its SETTINGS.
    pub fn connected_with(config: Config, params: &[(u16, u32)]) -> Peer {
        let mut p = Peer::fresh(config);
        let mut hello = PREFACE.to_vec();
        hello.extend(settings(params));
        p.send(&hello);
        // Section 3.4: the server preface is a SETTINGS frame, first.
        let first = p.frames.pop_front().expect("no server preface");
        assert_eq!(first.kind, ty::SETTINGS, "server preface: {first:?}");
        assert!(!first.has(fl::ACK), "server preface is an ACK");
        assert_eq!(first.stream, 0);
        p.send(&settings_ack());
        // Section 6.5.3: our SETTINGS are acknowledged.
        p.take(|f| f.kind == ty::SETTINGS && f.has(fl::ACK))
            .expect("no SETTINGS ACK for the client's SETTINGS");
        // What else the server says at start: a connection WINDOW_UPDATE.
        p.frames
            .retain(|f| !(f.kind == ty::WINDOW_UPDATE && f.stream == 0 && f.payload.len() == 4));
        assert!(p.frames.is_empty(), "unexpected frames after the preface");
        assert!(p.input_error.is_none(), "{:?}", p.input_error);
        p.events.clear();
        p
    }

    /// Feeds `bytes` to the machine (all of them, unless it fails), then takes
    /// its events and writes out what it transmits.
    pub fn send(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        let mut stalls = 0;
        while !rest.is_empty() {
            if self.input_error.is_some() {
                self.unconsumed += rest.len();
                break;
            }
            match self.conn.handle_input(self.now, rest) {
                Ok(n) => {
                    rest = &rest[n..];
                    if n == 0 {
                        stalls += 1;
                        assert!(stalls < MAX_ROUNDS, "the machine takes no input");
                        if self.conn.is_closed() {
                            self.unconsumed += rest.len();
                            break;
                        }
                    } else {
                        stalls = 0;
                    }
                }
                Err(e) => {
                    self.input_error = Some(e);
                    self.unconsumed += rest.len();
                    break;
                }
            }
            self.pump();
        }
        self.pump();
    }

    /// Sends several frames as one write.
    pub fn send_all(&mut self, frames: &[Vec<u8>]) {
        self.send(&frames.concat());
    }

    /// Takes the machine's events and writes out what it transmits, until it
    /// has nothing more of either.
    pub fn pump(&mut self) {
        for _ in 0..MAX_ROUNDS {
            let mut progressed = false;
            while let Some(ev) = self.conn.poll_event() {
                progressed = true;
                let ev = own(ev);
                if let Ev::Data {
                    stream, ref data, ..
                } = ev
                    && self.auto_release
                    && !data.is_empty()
                {
                    let n = data.len();
                    self.events.push(ev);
                    let _ = self.conn.release_data(StreamId::new(stream), n);
                } else {
                    self.events.push(ev);
                }
                assert!(self.events.len() < MAX_ROUNDS, "endless events");
            }
            while let Some(out) = self.conn.poll_transmit() {
                progressed = true;
                assert!(!out.is_empty(), "poll_transmit gave an empty slice");
                let n = out.len();
                self.inbox.extend_from_slice(out);
                self.conn.advance_transmit(n);
            }
            if !progressed {
                cut_frames(&mut self.inbox, &mut self.frames);
                return;
            }
        }
        panic!("the machine never runs out of events or output");
    }

    /// Removes and returns the first unread frame that `pred` accepts.
    pub fn take(&mut self, pred: impl Fn(&RawFrame) -> bool) -> Option<RawFrame> {
        let i = self.frames.iter().position(pred)?;
        self.frames.remove(i)
    }

    /// Removes and returns every unread frame that `pred` accepts.
    pub fn take_all(&mut self, pred: impl Fn(&RawFrame) -> bool) -> Vec<RawFrame> {
        let mut taken = Vec::new();
        self.frames.retain(|f| {
            let hit = pred(f);
            if hit {
                taken.push(f.clone());
            }
            !hit
        });
        taken
    }

    /// The frames of `kind` still unread, without removing them.
    pub fn unread(&self, kind: u8) -> Vec<&RawFrame> {
        self.frames.iter().filter(|f| f.kind == kind).collect()
    }

    /// Moves the clock on by `d` and lets the machine's timers run.
    pub fn advance(&mut self, d: std::time::Duration) {
        self.now += d;
        if let Err(e) = self.conn.handle_timeout(self.now) {
            self.input_error.get_or_insert(e);
        }
        self.pump();
    }

    // --- requests ----------------------------------------------------------

    /// A field block for `method` `path` (plus `extra` fields) encoded by the
    /// crate's HPACK encoder, whose dynamic table the server's decoder follows.
    pub fn request_block(
        &mut self,
        method: &[u8],
        path: &[u8],
        extra: &[(&[u8], &[u8])],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        self.encoder.begin_block(&mut out);
        let pseudo: [(&[u8], &[u8]); 4] = [
            (b":method", method),
            (b":scheme", b"http"),
            (b":path", path),
            (b":authority", b"example.com"),
        ];
        for (name, value) in pseudo.iter().chain(extra) {
            self.encoder.encode_field(name, value, &mut out);
        }
        out
    }

    /// Sends a GET for `/` on `stream` with END_STREAM and returns the stream.
    pub fn get(&mut self, stream: u32) -> u32 {
        let block = self.request_block(b"GET", b"/", &[]);
        self.send(&headers(stream, &block, true));
        stream
    }

    /// Sends a POST head on `stream` without END_STREAM (a body follows).
    pub fn post(&mut self, stream: u32, extra: &[(&[u8], &[u8])]) -> u32 {
        let block = self.request_block(b"POST", b"/", extra);
        self.send(&headers(stream, &block, false));
        stream
    }

    /// Asserts that the machine reported a request on `stream` (and nothing
    /// was reset): the request was accepted.
    pub fn expect_request(&self, stream: u32) -> &Ev {
        self.assert_no_reset();
        self.events
            .iter()
            .find(|e| matches!(e, Ev::Request { stream: s, .. } if *s == stream))
            .unwrap_or_else(|| panic!("no request on stream {stream}: {:?}", self.events))
    }

    /// The body the application received on `stream` so far, and whether it ended.
    pub fn body(&self, stream: u32) -> (Vec<u8>, bool) {
        let mut body = Vec::new();
        let mut ended = false;
        for e in &self.events {
            if let Ev::Data {
                stream: s,
                data,
                end_stream,
            } = e
                && *s == stream
            {
                body.extend_from_slice(data);
                ended |= *end_stream;
            }
        }
        (body, ended)
    }

    /// Whether any request was reported on `stream`.
    pub fn has_request(&self, stream: u32) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Ev::Request { stream: s, .. } if *s == stream))
    }

    /// The application answers `stream` with 200 and, if given, a body.
    pub fn respond(&mut self, stream: u32, body: Option<&[u8]>) {
        let id = StreamId::new(stream);
        let fields: [(&[u8], &[u8]); 1] = [(b"content-type", b"text/plain")];
        self.conn
            .send_response(id, 200, fields, body.is_none())
            .expect("send_response");
        if let Some(body) = body {
            let n = self.conn.send_data(id, body, true).expect("send_data");
            assert_eq!(n, body.len(), "send_data took part of a short body");
        }
        self.pump();
    }

    /// Decodes the next HEADERS (plus CONTINUATION) the server sent on `stream`.
    pub fn take_response(&mut self, stream: u32) -> Response {
        let first = self
            .take(|f| f.kind == ty::HEADERS && f.stream == stream)
            .unwrap_or_else(|| panic!("no HEADERS on stream {stream}: {:?}", self.frames));
        let mut block = header_fragment(&first);
        let mut end = first.has(fl::END_HEADERS);
        while !end {
            let next = self.frames.pop_front().expect("field block not ended");
            assert_eq!(
                next.kind,
                ty::CONTINUATION,
                "RFC 9113 §6.10: {next:?} in a field block"
            );
            assert_eq!(next.stream, stream);
            block.extend_from_slice(&next.payload);
            end = next.has(fl::END_HEADERS);
        }
        self.list.clear();
        self.decoder
            .decode(&block, &mut self.list)
            .expect("the server's field block does not decode");
        let mut status = None;
        let mut fields = Vec::new();
        for f in self.list.iter() {
            if f.name == b":status" {
                status = Some(std::str::from_utf8(f.value).unwrap().parse().unwrap());
            } else {
                assert!(
                    !f.name.starts_with(b":"),
                    "pseudo-header {:?} in a response",
                    f.name
                );
                fields.push((f.name.to_vec(), f.value.to_vec()));
            }
        }
        Response {
            status: status.expect("response without :status"),
            fields,
            end_stream: first.has(fl::END_STREAM),
        }
    }

    /// Removes the DATA frames the server sent on `stream` and returns their
    /// payload lengths (padding included) and whether the last one ended the stream.
    pub fn take_data(&mut self, stream: u32) -> (Vec<usize>, bool) {
        let frames = self.take_all(|f| f.kind == ty::DATA && f.stream == stream);
        let end = frames.last().is_some_and(|f| f.has(fl::END_STREAM));
        (frames.iter().map(|f| f.payload.len()).collect(), end)
    }

    // --- expectations ------------------------------------------------------

    /// RFC 9113 section 5.4.1: a connection error. The machine sends a GOAWAY
    /// with `code` (the first GOAWAY it sends), reports the same connection
    /// error, closes once its output is written, and takes nothing more.
    pub fn expect_connection_error(&mut self, code: ErrorCode) -> RawFrame {
        let goaway = self.take(|f| f.kind == ty::GOAWAY).unwrap_or_else(|| {
            panic!(
                "no GOAWAY (expected {code}); frames: {:?}; events: {:?}; input error: {:?}",
                self.frames, self.events, self.input_error
            )
        });
        assert_eq!(goaway.stream, 0, "GOAWAY on a stream");
        assert_eq!(goaway.error_code(), code, "GOAWAY code");
        let err = self
            .conn
            .error()
            .unwrap_or_else(|| panic!("GOAWAY {code} sent but error() is None"));
        assert_eq!(err.code(), code, "error(): {err:?}");
        assert_eq!(err.stream(), None, "error() is a stream error: {err:?}");
        if let Some(e) = self.input_error {
            assert_eq!(e.code(), code, "handle_input error: {e:?}");
            assert_eq!(e.stream(), None, "handle_input error: {e:?}");
        }
        assert!(self.conn.is_closed(), "not closed after a connection error");
        // After the GOAWAY nothing is answered.
        let before = self.frames.len();
        self.input_error = None;
        self.send(&ping(*b"afterend"));
        assert!(
            self.frames.len() == before,
            "frames after a connection error: {:?}",
            self.frames
        );
        goaway
    }

    /// RFC 9113 section 5.4.2: a stream error. The machine sends RST_STREAM on
    /// `stream` with `code`, reports it as a `StreamReset` it made itself, sends
    /// no GOAWAY, and still answers a PING.
    pub fn expect_stream_error(&mut self, stream: u32, code: ErrorCode) {
        self.assert_no_goaway();
        let rst = self
            .take(|f| f.kind == ty::RST_STREAM && f.stream == stream)
            .unwrap_or_else(|| {
                panic!(
                    "no RST_STREAM on stream {stream} (expected {code}); frames: {:?}; events: {:?}",
                    self.frames, self.events
                )
            });
        assert_eq!(rst.payload.len(), 4, "RST_STREAM length");
        assert_eq!(rst.error_code(), code, "RST_STREAM code");
        // The application hears of the end of a stream it was told about,
        // once: not for a stream it never saw or one the peer reset before.
        let reset_by_peer = self
            .events
            .iter()
            .any(|e| matches!(e, Ev::Reset { stream: s, by_peer: true, .. } if *s == stream));
        assert!(
            self.events.contains(&Ev::Reset {
                stream,
                code,
                by_peer: false
            }) || !self.has_request(stream)
                || reset_by_peer,
            "no StreamReset event for a reported stream: {:?}",
            self.events
        );
        assert!(
            self.input_error.is_none(),
            "stream error returned as {:?}",
            self.input_error
        );
        assert!(
            self.conn.error().is_none(),
            "error() after a stream error: {:?}",
            self.conn.error()
        );
        self.assert_alive();
    }

    /// An error that RFC 9113 lets the receiver scope either way (a frame on a
    /// closed stream, section 5.1): `code` as a stream error on `stream` or as
    /// a connection error. Returns whether it was a connection error.
    pub fn expect_stream_or_connection_error(&mut self, stream: u32, code: ErrorCode) -> bool {
        if self.frames.iter().any(|f| f.kind == ty::GOAWAY) {
            let _ = self.expect_connection_error(code);
            true
        } else {
            self.expect_stream_error(stream, code);
            false
        }
    }

    /// The connection still works: a PING is answered with its payload, no
    /// GOAWAY was sent and the machine is not closed.
    pub fn assert_alive(&mut self) {
        self.next_ping += 1;
        let opaque = self.next_ping.to_be_bytes();
        self.send(&ping(opaque));
        self.assert_no_goaway();
        assert!(
            self.input_error.is_none(),
            "input error: {:?}",
            self.input_error
        );
        assert!(!self.conn.is_closed(), "the machine closed");
        let ack = self
            .take(|f| f.kind == ty::PING && f.has(fl::ACK) && f.payload == opaque)
            .unwrap_or_else(|| panic!("PING not answered; frames: {:?}", self.frames));
        // Section 6.7: the answer is on stream 0 and carries only the ACK flag.
        assert_eq!((ack.stream, ack.flags), (0, fl::ACK));
    }

    /// No GOAWAY among the unread frames.
    pub fn assert_no_goaway(&self) {
        let goaways = self.unread(ty::GOAWAY);
        assert!(
            goaways.is_empty(),
            "unexpected GOAWAY: {goaways:?}; events: {:?}",
            self.events
        );
    }

    /// No RST_STREAM among the unread frames and no reset in the events.
    pub fn assert_no_reset(&self) {
        let rsts = self.unread(ty::RST_STREAM);
        assert!(rsts.is_empty(), "unexpected RST_STREAM: {rsts:?}");
        assert!(
            !self
                .events
                .iter()
                .any(|e| matches!(e, Ev::Reset { by_peer: false, .. })),
            "unexpected reset: {:?}",
            self.events
        );
    }

    /// Everything is fine: the connection answers PING, nothing was reset.
    pub fn assert_no_error(&mut self) {
        self.assert_no_reset();
        self.assert_alive();
    }
}
