//! The HTTP/2 server connection machine.
//!
//! One [`ServerConn`] per accepted connection (ALPN `h2`, prior knowledge, or an
//! `Upgrade: h2c` with [`ServerConn::upgraded`]). It never does I/O.
//!
//! # Methods, by group
//! - Input: [`ServerConn::handle_input`] (copying) or [`ServerConn::input_buf`] +
//!   [`ServerConn::input_filled`]; [`ServerConn::handle_eof`].
//! - Events: [`ServerConn::poll_event`] until `None`: [`ServerEvent::RequestReceived`],
//!   then [`ServerEvent::DataReceived`] / [`ServerEvent::TrailersReceived`] per
//!   stream, [`ServerEvent::StreamReset`], [`ServerEvent::SendReady`], and the
//!   connection's [`ServerEvent::GoawayReceived`], [`ServerEvent::PingAcknowledged`].
//!   Each event borrows the machine until the next call; copy what you keep.
//! - Commands: [`ServerConn::send_response`], [`ServerConn::send_informational`],
//!   [`ServerConn::send_data`], [`ServerConn::send_trailers`], [`ServerConn::reset_stream`],
//!   [`ServerConn::push_promise`], [`ServerConn::release_data`], [`ServerConn::ping`],
//!   [`ServerConn::shutdown`], [`ServerConn::close`]. An invalid call returns a
//!   [`UsageError`] and changes nothing.
//! - Output: [`ServerConn::poll_transmit`], [`ServerConn::advance_transmit`].
//! - Time: [`ServerConn::poll_timeout`], [`ServerConn::handle_timeout`].
//! - End: [`ServerConn::is_closed`], [`ServerConn::error`].
//!
//! # Driving it
//! After any input, timeout or write: poll events until `None` (answering as
//! they come), write out `poll_transmit` (calling `advance_transmit`), re-arm
//! the timer from `poll_timeout`. Writing can make room in stream buffers
//! (`SendReady`): the machine then reports a deadline of "now", so a driver
//! that re-arms its timer after every turn polls events again without a special
//! case. Stop reading while `input_buf()` is empty (an event waits, or the
//! peer does not read what we queue). Close the socket once `is_closed()`.
//!
//! Flow control follows the application: call [`ServerConn::release_data`] with
//! every byte of `DataReceived` once consumed (also for streams that ended), and
//! the peer gets credit back.
//!
//! ```
//! use shockwave_proto::h2::{Config, ServerConn, ServerEvent, frame};
//! use shockwave_proto::hpack::Encoder;
//! use shockwave_proto::Instant;
//!
//! let mut conn = ServerConn::new(Config::default());
//! // A client's preface, SETTINGS and a GET on stream 1.
//! let mut input = frame::PREFACE.to_vec();
//! frame::write_settings(&mut input, &[]);
//! let mut block = Vec::new();
//! Encoder::new().encode(
//!     [(&b":method"[..], &b"GET"[..]), (b":scheme", b"https"), (b":path", b"/"), (b":authority", b"x")],
//!     &mut block,
//! );
//! frame::write_headers(&mut input, 1.into(), &block, true, true, None, None);
//! conn.handle_input(Instant::ZERO, &input).unwrap();
//! while let Some(event) = conn.poll_event() {
//!     if let ServerEvent::RequestReceived { stream, request, .. } = event {
//!         assert_eq!(request.path(), Some(&b"/"[..]));
//!         conn.send_response(stream, 200, [("content-type", "text/plain")], false).unwrap();
//!         conn.send_data(stream, b"hello", true).unwrap();
//!     }
//! }
//! assert!(conn.poll_transmit().is_some());
//! ```

use super::conn::{Conn, Event, RequestParts, Role};
use super::headers::{Headers, RequestHead};
use super::settings::Settings;
use super::stream::StreamState;
use super::{Config, Error, ErrorCode, StreamId, UsageError};
use crate::time::Instant;

/// What the application learns from a server connection.
#[derive(Debug)]
#[must_use]
pub enum ServerEvent<'a> {
    /// A request head arrived on a new stream. `end_stream`: it has no body.
    RequestReceived {
        /// The new stream; answer on it.
        stream: StreamId,
        /// The request's pseudo-headers and fields.
        request: RequestHead<'a>,
        /// No body follows.
        end_stream: bool,
    },
    /// Request body bytes (padding removed), borrowed from the read buffer.
    /// Call [`ServerConn::release_data`] once they are consumed.
    DataReceived {
        /// The stream.
        stream: StreamId,
        /// The bytes.
        data: &'a [u8],
        /// The body ends here.
        end_stream: bool,
    },
    /// The request's trailer section; it ends the body.
    TrailersReceived {
        /// The stream.
        stream: StreamId,
        /// The trailer fields.
        trailers: Headers<'a>,
    },
    /// The stream ended abruptly: the peer's RST_STREAM (`by_peer`), or a stream
    /// error we answered with RST_STREAM. No more events or sends for it.
    StreamReset {
        /// The stream.
        stream: StreamId,
        /// The RST_STREAM's code.
        code: ErrorCode,
        /// The peer reset it.
        by_peer: bool,
    },
    /// `send_data` may take more bytes on this stream (after a short send).
    SendReady {
        /// The stream.
        stream: StreamId,
    },
    /// The client is going away: no new streams above `last_stream_id`.
    GoawayReceived {
        /// The last stream the client may have processed (pushes).
        last_stream_id: StreamId,
        /// Why.
        code: ErrorCode,
        /// Diagnostic bytes.
        debug_data: &'a [u8],
    },
    /// The answer to our [`ServerConn::ping`].
    PingAcknowledged {
        /// The payload we sent.
        opaque: [u8; 8],
    },
}

/// An HTTP/2 server connection. See the [module docs](self) for how to drive it.
#[derive(Debug)]
pub struct ServerConn {
    conn: Conn,
}

impl ServerConn {
    /// A connection that expects the client preface, starting at `Instant::ZERO`.
    pub fn new(config: Config) -> Self {
        Self::with_start(config, Instant::ZERO)
    }

    /// A connection accepted at `now`; our SETTINGS are queued.
    pub fn with_start(config: Config, now: Instant) -> Self {
        ServerConn {
            conn: Conn::new(Role::Server, config, now),
        }
    }

    /// A connection upgraded from HTTP/1.1 by `Upgrade: h2c` (RFC 7540 section 3.2).
    /// `http2_settings` is the request's HTTP2-Settings value. Stream 1 starts
    /// half-closed (remote) carrying the upgraded request: answer it with
    /// `send_response(StreamId::new(1), ...)`. The client preface is expected next.
    pub fn upgraded(config: Config, now: Instant, http2_settings: &[u8]) -> Result<Self, Error> {
        let settings = Settings::from_http2_settings(http2_settings)?;
        let mut conn = Conn::new(Role::Server, config, now);
        conn.core.upgrade(settings);
        Ok(ServerConn { conn })
    }

    // ----- input -----

    /// Feeds bytes that arrived; returns how many were taken (fewer when the
    /// read buffer is full: poll events, write output, then feed the rest).
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, Error> {
        self.conn.handle_input(now, bytes)
    }

    /// Room to read the socket into; empty once the read buffer is full (an
    /// event waits to be polled, or the peer does not read our output and
    /// frames wait for room) or the connection takes no input.
    pub fn input_buf(&mut self) -> &mut [u8] {
        self.conn.input_buf()
    }

    /// Records that `n` bytes were read into [`ServerConn::input_buf`].
    pub fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Error> {
        self.conn.input_filled(now, n)
    }

    /// The peer closed its sending side: buffered frames are still delivered,
    /// then the connection closes (after a GOAWAY).
    pub fn handle_eof(&mut self, now: Instant) {
        self.conn.handle_eof(now);
    }

    // ----- events -----

    /// The next event, or `None`. The event borrows the machine until the next call.
    pub fn poll_event(&mut self) -> Option<ServerEvent<'_>> {
        Some(match self.conn.poll_event()? {
            Event::Request {
                stream,
                head,
                end_stream,
            } => ServerEvent::RequestReceived {
                stream,
                request: head,
                end_stream,
            },
            Event::Data {
                stream,
                data,
                end_stream,
            } => ServerEvent::DataReceived {
                stream,
                data,
                end_stream,
            },
            Event::Trailers { stream, trailers } => {
                ServerEvent::TrailersReceived { stream, trailers }
            }
            Event::Reset {
                stream,
                code,
                by_peer,
            } => ServerEvent::StreamReset {
                stream,
                code,
                by_peer,
            },
            Event::SendReady { stream } => ServerEvent::SendReady { stream },
            Event::Goaway {
                last_stream_id,
                code,
                debug_data,
            } => ServerEvent::GoawayReceived {
                last_stream_id,
                code,
                debug_data,
            },
            Event::PingAcknowledged { opaque } => ServerEvent::PingAcknowledged { opaque },
            // Responses, pushes and the SETTINGS notice are made only in the client role.
            Event::Response { .. }
            | Event::Informational { .. }
            | Event::Push { .. }
            | Event::Settings => {
                debug_assert!(false, "client event on a server");
                return None;
            }
        })
    }

    // ----- commands -----

    /// Sends the response head on a stream that received a request. `fields`
    /// are regular fields (lowercase names; connection-specific fields and
    /// pseudo-headers are a `UsageError`). `end_stream`: no body follows.
    pub fn send_response<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        status: u16,
        fields: impl IntoIterator<Item = (N, V)>,
        end_stream: bool,
    ) -> Result<(), UsageError> {
        self.conn
            .core
            .send_response(stream, status, fields, end_stream)
    }

    /// Sends an informational (1xx, not 101) response before the final one.
    pub fn send_informational<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        status: u16,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<(), UsageError> {
        self.conn.core.send_informational(stream, status, fields)
    }

    /// Queues body bytes; returns how many were taken (bounded by the stream's
    /// send buffer, `Config::stream_send_buffer`). `end_stream` applies only
    /// when all of `data` was taken; after a short send wait for
    /// [`ServerEvent::SendReady`].
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: &[u8],
        end_stream: bool,
    ) -> Result<usize, UsageError> {
        self.conn.core.send_data(stream, data, end_stream)
    }

    /// Queues the trailer section; it ends the stream after the queued body.
    pub fn send_trailers<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<(), UsageError> {
        self.conn.core.send_trailers(stream, fields)
    }

    /// Ends a stream at once with RST_STREAM and `code`; no event follows.
    pub fn reset_stream(&mut self, stream: StreamId, code: ErrorCode) -> Result<(), UsageError> {
        self.conn.core.reset_stream(stream, code)
    }

    /// Server push (only when the client allows SETTINGS_ENABLE_PUSH):
    /// promises a GET or HEAD `request` on `associated` and returns the
    /// promised stream, on which `send_response` and the rest then work.
    #[allow(clippy::too_many_arguments)]
    pub fn push_promise<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        associated: StreamId,
        method: &[u8],
        scheme: &[u8],
        authority: &[u8],
        path: &[u8],
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<StreamId, UsageError> {
        let parts = RequestParts {
            method,
            scheme,
            authority,
            path,
            protocol: None,
        };
        self.conn.core.push_promise(associated, parts, fields)
    }

    /// The application consumed `n` bytes of a stream's DATA: flow-control
    /// credit goes back to the peer per the window-update policy. For a stream
    /// that ended, only the connection window is credited (not an error).
    pub fn release_data(&mut self, stream: StreamId, n: usize) -> Result<(), UsageError> {
        self.conn.core.release_data(stream, n)
    }

    /// Bytes `send_data` would take now on `stream` (0 for an unknown stream).
    pub fn send_capacity(&self, stream: StreamId) -> usize {
        self.conn.core.send_capacity(stream)
    }

    /// Sends a PING; its answer arrives as [`ServerEvent::PingAcknowledged`].
    pub fn ping(&mut self, opaque: [u8; 8]) -> Result<(), UsageError> {
        self.conn.core.ping(opaque)
    }

    /// Graceful shutdown: a GOAWAY with the largest stream id and a PING, then
    /// the final GOAWAY once the PING returns (or after `shutdown_ping_timeout`);
    /// streams in flight finish, then the machine closes.
    pub fn shutdown(&mut self) {
        self.conn.core.shutdown();
    }

    /// Immediate close: GOAWAY with `code`, then closed once it is written.
    pub fn close(&mut self, code: ErrorCode) {
        self.conn.core.close(code);
    }

    // ----- output, time, end -----

    /// The bytes to write next, or `None`.
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.conn.poll_transmit()
    }

    /// Records that `n` bytes of [`ServerConn::poll_transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.conn.advance_transmit(n);
    }

    /// The next deadline, if any (the last known `now` when events or a
    /// timer's start wait for the driver).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conn.core.poll_timeout()
    }

    /// Acts on passed deadlines (calling early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.conn.core.handle_timeout(now)
    }

    /// Whether the connection is over and its last bytes were handed out.
    pub fn is_closed(&self) -> bool {
        self.conn.core.is_closed()
    }

    /// The connection error that ended the connection, if one did.
    pub fn error(&self) -> Option<Error> {
        self.conn.core.error()
    }

    /// The client's SETTINGS.
    pub fn peer_settings(&self) -> &Settings {
        self.conn.core.peer_settings()
    }

    /// Live streams (open, half-closed, reserved, or with queued output).
    pub fn active_streams(&self) -> usize {
        self.conn.core.active_streams()
    }

    /// Bytes queued for the peer and not written yet (bounded by
    /// `max_write_buffer` plus one head or frame).
    pub fn queued_output(&self) -> usize {
        self.conn.core.queued_output()
    }

    /// Bytes received and not yet consumed by the machine.
    pub fn buffered_input(&self) -> usize {
        self.conn.buffered_input()
    }
}

/// The state a stream is in, for tests and diagnostics.
impl ServerConn {
    /// The section 5.1 state of a live stream (`None` once it is gone).
    pub fn stream_state(&self, stream: StreamId) -> Option<StreamState> {
        self.conn.core.stream_state(stream)
    }
}
