//! The HTTP/2 client connection machine.
//!
//! One [`ClientConn`] per connection to a server. Construction queues the
//! client preface and our SETTINGS; requests may be sent at once (RFC 9113
//! section 3.4 lets a client send frames before the server's SETTINGS arrive).
//!
//! # Methods, by group
//! - Input: [`ClientConn::handle_input`] or [`ClientConn::input_buf`] +
//!   [`ClientConn::input_filled`]; [`ClientConn::handle_eof`].
//! - Events: [`ClientConn::poll_event`] until `None`:
//!   [`ClientEvent::ResponseReceived`] (after any [`ClientEvent::InformationalReceived`]),
//!   [`ClientEvent::DataReceived`], [`ClientEvent::TrailersReceived`],
//!   [`ClientEvent::PushPromised`], [`ClientEvent::StreamReset`],
//!   [`ClientEvent::SendReady`], [`ClientEvent::SettingsReceived`],
//!   [`ClientEvent::GoawayReceived`], [`ClientEvent::PingAcknowledged`].
//! - Commands: [`ClientConn::send_request`], [`ClientConn::send_data`],
//!   [`ClientConn::send_trailers`], [`ClientConn::reset_stream`],
//!   [`ClientConn::release_data`], [`ClientConn::ping`], [`ClientConn::shutdown`],
//!   [`ClientConn::close`]; [`ClientConn::can_open_stream`] for pools.
//! - Output, time and end: as [`ServerConn`](super::ServerConn).
//!
//! Driving is the server's: events until `None`, then output, then the timer.
//! A stream the server's GOAWAY says it never processed ends with
//! `StreamReset { code: REFUSED_STREAM, by_peer: true }`: it is safe to retry.

use super::conn::{Conn, Event, RequestParts, Role};
use super::headers::{Headers, RequestHead, ResponseHead};
use super::settings::Settings;
use super::stream::StreamState;
use super::{Config, Error, ErrorCode, StreamId, UsageError};
use crate::time::Instant;

/// What the application learns from a client connection.
#[derive(Debug)]
#[must_use]
pub enum ClientEvent<'a> {
    /// The final response head. `end_stream`: no body follows.
    ResponseReceived {
        /// The request's stream (or a promised stream).
        stream: StreamId,
        /// Status and fields.
        response: ResponseHead<'a>,
        /// No body follows.
        end_stream: bool,
    },
    /// A 1xx response before the final one.
    InformationalReceived {
        /// The stream.
        stream: StreamId,
        /// The 1xx status.
        status: u16,
        /// Its fields.
        fields: Headers<'a>,
    },
    /// Response body bytes; call [`ClientConn::release_data`] once consumed.
    DataReceived {
        /// The stream.
        stream: StreamId,
        /// The bytes (padding removed).
        data: &'a [u8],
        /// The body ends here.
        end_stream: bool,
    },
    /// The response's trailers; they end it.
    TrailersReceived {
        /// The stream.
        stream: StreamId,
        /// The trailer fields.
        trailers: Headers<'a>,
    },
    /// The server promised a response to `request` on `promised` (only with
    /// `Config::enable_push`); it arrives as `ResponseReceived` on `promised`.
    PushPromised {
        /// The stream of the request that caused the push.
        associated: StreamId,
        /// The reserved stream.
        promised: StreamId,
        /// The promised request.
        request: RequestHead<'a>,
    },
    /// The stream ended abruptly (the server's RST_STREAM, a stream error we
    /// reset, or a GOAWAY that left it unprocessed: REFUSED_STREAM).
    StreamReset {
        /// The stream.
        stream: StreamId,
        /// The code.
        code: ErrorCode,
        /// The server ended it.
        by_peer: bool,
    },
    /// `send_data` may take more bytes on this stream.
    SendReady {
        /// The stream.
        stream: StreamId,
    },
    /// The server's SETTINGS arrived (the first time, or extended CONNECT was
    /// enabled): see [`ClientConn::peer_settings`].
    SettingsReceived,
    /// The server is going away: no new streams; those above `last_stream_id`
    /// were not processed (each also gets a `StreamReset`).
    GoawayReceived {
        /// The last stream the server may have processed.
        last_stream_id: StreamId,
        /// Why.
        code: ErrorCode,
        /// Diagnostic bytes.
        debug_data: &'a [u8],
    },
    /// The answer to our [`ClientConn::ping`].
    PingAcknowledged {
        /// The payload we sent.
        opaque: [u8; 8],
    },
}

/// An HTTP/2 client connection. See the [module docs](self).
#[derive(Debug)]
pub struct ClientConn {
    conn: Conn,
}

impl ClientConn {
    /// A connection starting at `Instant::ZERO`; the preface and SETTINGS are queued.
    pub fn new(config: Config) -> Self {
        Self::with_start(config, Instant::ZERO)
    }

    /// A connection made at `now`.
    pub fn with_start(config: Config, now: Instant) -> Self {
        ClientConn {
            conn: Conn::new(Role::Client, config, now),
        }
    }

    /// Opens a stream with a request head. `authority` may be empty (then
    /// omitted). `protocol` is extended CONNECT's `:protocol` (RFC 8441; needs
    /// the server's SETTINGS_ENABLE_CONNECT_PROTOCOL). For plain CONNECT pass
    /// empty `scheme` and `path`.
    #[allow(clippy::too_many_arguments)]
    pub fn send_request<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        method: &[u8],
        scheme: &[u8],
        authority: &[u8],
        path: &[u8],
        protocol: Option<&[u8]>,
        fields: impl IntoIterator<Item = (N, V)>,
        end_stream: bool,
    ) -> Result<StreamId, UsageError> {
        let parts = RequestParts {
            method,
            scheme,
            authority,
            path,
            protocol,
        };
        self.conn.core.send_request(parts, fields, end_stream)
    }

    /// Whether [`ClientConn::send_request`] can open a stream now: under the
    /// server's MAX_CONCURRENT_STREAMS, no GOAWAY, identifiers left.
    pub fn can_open_stream(&self) -> bool {
        self.conn.core.can_open_stream()
    }

    /// Feeds bytes that arrived; returns how many were taken.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, Error> {
        self.conn.handle_input(now, bytes)
    }

    /// Room to read the socket into (empty: backpressure, as for the server).
    pub fn input_buf(&mut self) -> &mut [u8] {
        self.conn.input_buf()
    }

    /// Records that `n` bytes were read into [`ClientConn::input_buf`].
    pub fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Error> {
        self.conn.input_filled(now, n)
    }

    /// The server closed its sending side.
    pub fn handle_eof(&mut self, now: Instant) {
        self.conn.handle_eof(now);
    }

    /// The next event, or `None`. It borrows the machine until the next call.
    pub fn poll_event(&mut self) -> Option<ClientEvent<'_>> {
        Some(match self.conn.poll_event()? {
            Event::Response {
                stream,
                head,
                end_stream,
            } => ClientEvent::ResponseReceived {
                stream,
                response: head,
                end_stream,
            },
            Event::Informational { stream, head } => ClientEvent::InformationalReceived {
                stream,
                status: head.status(),
                fields: head.fields(),
            },
            Event::Data {
                stream,
                data,
                end_stream,
            } => ClientEvent::DataReceived {
                stream,
                data,
                end_stream,
            },
            Event::Trailers { stream, trailers } => {
                ClientEvent::TrailersReceived { stream, trailers }
            }
            Event::Push {
                associated,
                promised,
                request,
            } => ClientEvent::PushPromised {
                associated,
                promised,
                request,
            },
            Event::Reset {
                stream,
                code,
                by_peer,
            } => ClientEvent::StreamReset {
                stream,
                code,
                by_peer,
            },
            Event::SendReady { stream } => ClientEvent::SendReady { stream },
            Event::Settings => ClientEvent::SettingsReceived,
            Event::Goaway {
                last_stream_id,
                code,
                debug_data,
            } => ClientEvent::GoawayReceived {
                last_stream_id,
                code,
                debug_data,
            },
            Event::PingAcknowledged { opaque } => ClientEvent::PingAcknowledged { opaque },
            // Requests are made only in the server role.
            Event::Request { .. } => {
                debug_assert!(false, "server event on a client");
                return None;
            }
        })
    }

    /// Queues request body bytes; see [`ServerConn::send_data`](super::ServerConn::send_data).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: &[u8],
        end_stream: bool,
    ) -> Result<usize, UsageError> {
        self.conn.core.send_data(stream, data, end_stream)
    }

    /// Queues the request's trailers; they end the stream.
    pub fn send_trailers<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<(), UsageError> {
        self.conn.core.send_trailers(stream, fields)
    }

    /// Cancels a stream with RST_STREAM and `code`; no event follows.
    pub fn reset_stream(&mut self, stream: StreamId, code: ErrorCode) -> Result<(), UsageError> {
        self.conn.core.reset_stream(stream, code)
    }

    /// The application consumed `n` bytes of a stream's DATA (credit goes back).
    pub fn release_data(&mut self, stream: StreamId, n: usize) -> Result<(), UsageError> {
        self.conn.core.release_data(stream, n)
    }

    /// Bytes `send_data` would take now on `stream`.
    pub fn send_capacity(&self, stream: StreamId) -> usize {
        self.conn.core.send_capacity(stream)
    }

    /// Sends a PING; its answer arrives as [`ClientEvent::PingAcknowledged`].
    pub fn ping(&mut self, opaque: [u8; 8]) -> Result<(), UsageError> {
        self.conn.core.ping(opaque)
    }

    /// Graceful shutdown: GOAWAY, no new streams; open ones finish, then closed.
    pub fn shutdown(&mut self) {
        self.conn.core.shutdown();
    }

    /// Immediate close: GOAWAY with `code`, then closed once written.
    pub fn close(&mut self, code: ErrorCode) {
        self.conn.core.close(code);
    }

    /// The bytes to write next, or `None`.
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.conn.poll_transmit()
    }

    /// Records that `n` bytes of [`ClientConn::poll_transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.conn.advance_transmit(n);
    }

    /// The next deadline, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conn.core.poll_timeout()
    }

    /// Acts on passed deadlines.
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

    /// The server's SETTINGS (defaults until they arrive).
    pub fn peer_settings(&self) -> &Settings {
        self.conn.core.peer_settings()
    }

    /// Live streams.
    pub fn active_streams(&self) -> usize {
        self.conn.core.active_streams()
    }

    /// The section 5.1 state of a live stream.
    pub fn stream_state(&self, stream: StreamId) -> Option<StreamState> {
        self.conn.core.stream_state(stream)
    }

    /// Bytes queued for the peer and not written yet.
    pub fn queued_output(&self) -> usize {
        self.conn.core.queued_output()
    }
}
