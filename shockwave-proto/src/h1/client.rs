//! The HTTP/1.1 client connection machine.
//!
//! One [`ClientConn`] per connection to a server. Requests may be pipelined up to
//! `max_in_flight`; responses come back in order and are matched to their
//! requests, so a HEAD response or a 2xx to CONNECT is framed correctly.
//!
//! # Methods, by group
//! - Commands: [`ClientConn::send_request`], [`ClientConn::send_data`],
//!   [`ClientConn::finish`], [`ClientConn::send_trailers`], [`ClientConn::close`].
//! - Input: [`ClientConn::handle_input`] or [`ClientConn::input_buf`] +
//!   [`ClientConn::input_filled`]; [`ClientConn::handle_eof`] (which ends a
//!   close-delimited body).
//! - Events: [`ClientConn::poll_event`]: [`ClientEvent::InformationalReceived`] for
//!   each 1xx, [`ClientEvent::ResponseReceived`], [`ClientEvent::DataReceived`],
//!   [`ClientEvent::TrailersReceived`], [`ClientEvent::ResponseFinished`]. Events
//!   borrow the read buffer until the next call.
//! - Output: [`ClientConn::poll_transmit`] / [`ClientConn::advance_transmit`].
//! - Time: [`ClientConn::poll_timeout`] / [`ClientConn::handle_timeout`]: a
//!   response head must arrive within `header_read_timeout` of the request (or
//!   of the response before it, or of a 1xx; bytes trickling in do not extend
//!   it), a body must not stall for `body_read_timeout`, and an idle connection
//!   closes after `keep_alive_timeout`. Commands take no `now`: when one starts
//!   a timer, `poll_timeout` answers the last instant the machine was told, so
//!   the driver calls `handle_timeout` at once and the timer counts from there.
//! - End: [`ClientConn::is_closed`]; [`ClientConn::is_reusable`] tells a pool
//!   whether another request may go on this connection now.
//!
//! ```
//! use shockwave_proto::h1::client::{ClientConn, ClientEvent};
//! use shockwave_proto::h1::{BodyFraming, Config};
//! use shockwave_proto::Instant;
//!
//! let mut conn = ClientConn::new(Config::default());
//! conn.send_request(b"GET", b"/", [(b"host", b"example.com")], BodyFraming::Empty).unwrap();
//! assert_eq!(conn.poll_transmit().unwrap(), b"GET / HTTP/1.1\r\nhost: example.com\r\n\r\n");
//! conn.advance_transmit(37);
//! conn.handle_input(Instant::ZERO, b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi").unwrap();
//! let mut body = Vec::new();
//! while let Some(event) = conn.poll_event() {
//!     match event {
//!         ClientEvent::ResponseReceived(resp) => assert_eq!(resp.status(), 200),
//!         ClientEvent::DataReceived(bytes) => body.extend_from_slice(bytes),
//!         _ => {}
//!     }
//! }
//! assert_eq!(body, b"hi");
//! assert!(conn.is_reusable());
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::body::{BodyReader, BodyWriter};
use super::config::INITIAL_WRITE_BUFFER;
use super::framing::{ResponseInfo, response_info};
use super::head::{BodyFraming, FieldSpan, Fields, Method, Response, StatusLine, Version};
use super::parse::{Parsed, parse_response};
use super::write::{write_app_fields, write_framing, write_request_line};
use super::{Config, Error, ErrorKind, ParseOptions, UsageError};
use crate::buf::{ReadBuf, WriteBuf};
use crate::time::Instant;

/// What the application learns from a client connection.
#[derive(Debug)]
#[must_use]
pub enum ClientEvent<'a> {
    /// A 1xx response other than 101 (100 Continue, 103 Early Hints, ...).
    InformationalReceived(Response<'a>),
    /// The final response head for the oldest request in flight.
    ResponseReceived(Response<'a>),
    /// Response body bytes, chunk framing removed.
    DataReceived(&'a [u8]),
    /// The trailer section of a chunked response.
    TrailersReceived(Fields<'a>),
    /// The response body ended (also sent for responses without a body).
    ResponseFinished,
    /// The server switched protocols (101, or 2xx to CONNECT); these bytes
    /// arrived after the response head and belong to the new protocol.
    Upgraded(&'a [u8]),
}

/// A request sent and not yet fully answered.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    method: Method,
    /// The request named a protocol in an Upgrade field, so a 101 may answer it.
    upgrade: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recv {
    /// Waiting for a response head.
    Head,
    /// A final response head is parsed; it and its body are being delivered.
    Body,
    Upgraded,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lent {
    Nothing,
    Head(usize),
    Data(usize),
    Trailers,
    All,
}

/// The response being received.
#[derive(Clone, Copy, Debug)]
struct Incoming {
    line: StatusLine,
    fields: usize,
    head_len: usize,
    info: ResponseInfo,
    delivered: bool,
    informational: bool,
}

/// An HTTP/1.1 client connection. See the [module docs](self) for how to drive it.
#[derive(Debug)]
pub struct ClientConn {
    config: Config,
    opts: ParseOptions,
    read: ReadBuf,
    write: WriteBuf,
    spans: Vec<FieldSpan>,
    in_flight: VecDeque<InFlight>,
    /// The request body being sent, if its head went out and it is not finished.
    sending: Option<BodyWriter>,
    recv: Recv,
    incoming: Option<Incoming>,
    body: BodyReader,
    lent: Lent,
    base: usize,
    informational_count: usize,
    keep_alive: bool,
    closing: bool,
    /// A request saying `connection: close` went out: it was the last one.
    last_sent: bool,
    peer_eof: bool,
    error: Option<Error>,
    now: Instant,
    /// Start of the running timer's period: idle since, response head due since,
    /// or the last body progress.
    since: Instant,
    /// A period began at a moment the machine was not told (a command, or the
    /// application taking body bytes): the next `now` it learns starts it.
    restart: bool,
}

impl ClientConn {
    /// A connection whose clock starts at `Instant::ZERO`.
    pub fn new(config: Config) -> Self {
        Self::with_start(config, Instant::ZERO)
    }

    /// A connection established at `now`.
    pub fn with_start(config: Config, now: Instant) -> Self {
        let read_limit = config.max_head_size.max(1024);
        ClientConn {
            opts: config.parse_options(),
            read: ReadBuf::new(config.read_buffer_initial, read_limit),
            write: WriteBuf::new(INITIAL_WRITE_BUFFER, config.max_write_buffer),
            spans: alloc::vec![FieldSpan::default(); config.max_headers],
            in_flight: VecDeque::with_capacity(config.max_in_flight),
            sending: None,
            recv: Recv::Head,
            incoming: None,
            body: BodyReader::new(config.max_chunk_extensions_size),
            lent: Lent::Nothing,
            base: 0,
            informational_count: 0,
            keep_alive: true,
            closing: false,
            last_sent: false,
            peer_eof: false,
            error: None,
            now,
            since: now,
            restart: false,
            config,
        }
    }

    // ----- commands -----

    /// Sends a request head. `fields` must include `host` (RFC 9112 section 3.2);
    /// the machine writes the framing field for `body` itself, and
    /// `connection: close` after [`ClientConn::close`] (a `connection: close`
    /// given here has the same effect). A request body is sent
    /// with [`ClientConn::send_data`] and ended with [`ClientConn::finish`] before
    /// the next request.
    pub fn send_request<N, V>(
        &mut self,
        method: &[u8],
        target: &[u8],
        fields: impl IntoIterator<Item = (N, V)>,
        body: BodyFraming,
    ) -> Result<(), UsageError>
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        if self.error.is_some() || self.last_sent || !matches!(self.recv, Recv::Head | Recv::Body) {
            return Err(UsageError::Closed);
        }
        if self.sending.is_some() {
            return Err(UsageError::RequestInProgress);
        }
        if self.in_flight.len() >= self.config.max_in_flight {
            return Err(UsageError::TooManyInFlight);
        }
        let idle = self.in_flight.is_empty() && self.recv == Recv::Head;
        if idle && !self.read.is_empty() {
            // Bytes nobody asked for would be taken as this request's response.
            return Err(UsageError::Closed);
        }
        let writer = match body {
            BodyFraming::Empty | BodyFraming::Length(0) => BodyWriter::Empty,
            BodyFraming::Length(n) => BodyWriter::Length(n),
            BodyFraming::Chunked => BodyWriter::Chunked,
            // A request body cannot be delimited by closing (RFC 9112 section 6.3).
            BodyFraming::CloseDelimited => return Err(UsageError::BodyNotAllowed),
        };
        let method_kind = Method::from_bytes(method);
        let v = self.write.vec();
        let mark = v.len();
        let result = write_request_line(v, method, target, Version::Http11)
            .and_then(|()| write_app_fields(v, fields))
            .and_then(|app| {
                if app.host {
                    Ok(app)
                } else {
                    Err(UsageError::MissingHost)
                }
            });
        let app = match result {
            Ok(app) => app,
            Err(e) => {
                v.truncate(mark);
                return Err(e);
            }
        };
        match body {
            // RFC 9110 section 8.6: a body-less request of a method that usually has
            // content says so; GET and friends send no framing at all.
            BodyFraming::Empty | BodyFraming::Length(0)
                if matches!(method_kind, Method::Post | Method::Put | Method::Patch) =>
            {
                write_framing(v, BodyFraming::Length(0))
            }
            BodyFraming::Empty | BodyFraming::Length(0) => {}
            framing => write_framing(v, framing),
        }
        if self.closing && !app.close {
            v.extend_from_slice(b"connection: close\r\n");
        }
        // A request that says close is the last one on this connection.
        self.closing |= app.close;
        self.last_sent = self.closing;
        let upgrade = asks_upgrade(&v[mark..]);
        v.extend_from_slice(b"\r\n");
        self.in_flight.push_back(InFlight {
            method: method_kind,
            upgrade,
        });
        // Its response head is due from now, unless another response comes first.
        self.restart |= idle;
        self.sending = (writer != BodyWriter::Empty).then_some(writer);
        Ok(())
    }

    /// Queues request body bytes; returns how many were taken (fewer when the
    /// output queue is near `max_write_buffer`).
    pub fn send_data(&mut self, data: &[u8]) -> Result<usize, UsageError> {
        self.check_open()?;
        let n = match &mut self.sending {
            Some(writer) => writer.send(&mut self.write, data)?,
            None => return Err(UsageError::HeadNotSent),
        };
        if n > 0 {
            self.request_progress();
        }
        Ok(n)
    }

    /// Ends the request body.
    pub fn finish(&mut self) -> Result<(), UsageError> {
        self.send_trailers(&[])
    }

    /// Ends a chunked request body with a trailer section.
    pub fn send_trailers(&mut self, trailers: &[(&[u8], &[u8])]) -> Result<(), UsageError> {
        self.check_open()?;
        match &mut self.sending {
            Some(writer) => writer.finish(&mut self.write, trailers)?,
            None => return Err(UsageError::HeadNotSent),
        }
        self.sending = None;
        self.request_progress();
        if self.closing && self.in_flight.is_empty() && self.recv == Recv::Head {
            // The last response came before the end of its request.
            self.recv = Recv::Closed;
        }
        Ok(())
    }

    /// Winds the connection down. Idle, it closes now; otherwise one more
    /// request may still be sent, and says `connection: close`, and once the
    /// responses in flight are in, the connection closes.
    pub fn close(&mut self) {
        self.closing = true;
        if self.in_flight.is_empty() && self.sending.is_none() && self.recv == Recv::Head {
            self.recv = Recv::Closed;
        }
    }

    /// Whether a pool may send another request on this connection right now:
    /// open, nothing in flight, nothing unexpected buffered, no close announced.
    pub fn is_reusable(&self) -> bool {
        self.error.is_none()
            && !self.closing
            && !self.peer_eof
            && self.keep_alive
            && self.recv == Recv::Head
            && self.in_flight.is_empty()
            && self.sending.is_none()
            && self.read.is_empty()
    }

    /// Requests sent whose responses have not finished.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    // ----- input -----

    /// Feeds bytes that arrived; returns how many were taken.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut taken = 0;
        while taken < bytes.len() {
            let spare = self.input_buf();
            if spare.is_empty() {
                break;
            }
            let n = spare.len().min(bytes.len() - taken);
            spare[..n].copy_from_slice(&bytes[taken..taken + n]);
            self.input_filled(now, n)?;
            taken += n;
        }
        Ok(taken)
    }

    /// Room to read the socket into; empty while body bytes wait for the
    /// application (backpressure) or once no input is taken.
    pub fn input_buf(&mut self) -> &mut [u8] {
        if self.error.is_some()
            || self.peer_eof
            || matches!(self.recv, Recv::Upgraded | Recv::Closed)
        {
            return &mut [];
        }
        let stuck = match self.recv {
            Recv::Head => true,
            _ => self.body.ready() == 0 && self.body.trailers().is_none(),
        };
        self.read.spare_for_read(stuck)
    }

    /// Records that `n` bytes were read into [`ClientConn::input_buf`].
    pub fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.tick(now);
        self.read.filled(n);
        let result = self.progress();
        // Body bytes are progress for the stall timer; a trickling head is not.
        if self.recv == Recv::Body && n > 0 {
            self.since = now;
        }
        result.or_else(|e| self.fail(e))
    }

    /// The server shut down its sending side: ends a close-delimited body; an
    /// error if a response was cut short.
    pub fn handle_eof(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.tick(now);
        self.peer_eof = true;
        // Whole responses already here are still delivered; the first one cut
        // short is the error, found when it is reached.
        self.progress().or_else(|e| self.fail(e))
    }

    // ----- events -----

    /// The next event, or `None`. The event borrows the read buffer until the next call.
    pub fn poll_event(&mut self) -> Option<ClientEvent<'_>> {
        self.take_back_lent();
        if self.error.is_some() {
            return None;
        }
        if let Err(e) = self.progress() {
            let _ = self.fail(e);
            return None;
        }
        if self.recv == Recv::Upgraded {
            if self.lent == Lent::All {
                return None;
            }
            self.lent = Lent::All;
            return Some(ClientEvent::Upgraded(&self.read.data()[self.base..]));
        }
        let inc = self.incoming.as_mut()?;
        if !inc.delivered {
            inc.delivered = true;
            self.lent = Lent::Head(inc.head_len);
            let inc = *inc;
            let resp = Response::new(
                self.read.data(),
                inc.line,
                &self.spans[..inc.fields],
                inc.info,
            );
            return Some(if inc.informational {
                ClientEvent::InformationalReceived(resp)
            } else {
                ClientEvent::ResponseReceived(resp)
            });
        }
        let ready = self.body.ready();
        if ready > 0 {
            self.lent = Lent::Data(ready);
            return Some(ClientEvent::DataReceived(
                &self.read.data()[self.base..self.base + ready],
            ));
        }
        if let Some((len, fields)) = self.body.trailers() {
            self.lent = Lent::Trailers;
            let section = &self.read.data()[self.base..self.base + len];
            return Some(ClientEvent::TrailersReceived(Fields::new(
                section,
                &self.spans[inc.fields..inc.fields + fields],
            )));
        }
        if self.body.is_finished() {
            self.end_response();
            return Some(ClientEvent::ResponseFinished);
        }
        None
    }

    fn take_back_lent(&mut self) {
        match core::mem::replace(&mut self.lent, Lent::Nothing) {
            Lent::Nothing => {}
            // After an upgrade the leftover stays lent for good.
            Lent::All => self.lent = Lent::All,
            Lent::Head(len) => {
                self.read.consume(len);
                self.base -= len;
                if self.incoming.is_some_and(|i| i.informational) {
                    self.incoming = None;
                } else if self.incoming.is_some_and(|i| i.info.upgraded) {
                    self.recv = Recv::Upgraded;
                }
            }
            Lent::Data(n) => {
                self.read.consume(n);
                self.body.take_ready(n);
                // The stall timer measures the peer, not how long the application took.
                self.restart = true;
            }
            Lent::Trailers => {
                let len = self.body.take_trailers();
                self.read.consume(len);
            }
        }
    }

    // ----- output and time -----

    /// The bytes to write next, or `None` when nothing is queued.
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        let pending = self.write.pending();
        (!pending.is_empty()).then_some(pending)
    }

    /// Records that `n` bytes of [`ClientConn::poll_transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.write.advance(n);
        if n > 0 {
            self.request_progress();
        }
    }

    /// The next deadline, if a timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.error.is_some() || matches!(self.recv, Recv::Upgraded | Recv::Closed) {
            return None;
        }
        let period = match (self.recv, self.in_flight.is_empty()) {
            (Recv::Head, false) => self.config.header_read_timeout,
            (Recv::Head, true) => self.config.keep_alive_timeout,
            (Recv::Body, _) if self.body.is_waiting_for_bytes() && self.body.ready() == 0 => {
                self.config.body_read_timeout
            }
            _ => return None,
        };
        // A period that began at an unknown moment: wake at once to learn it.
        Some(if self.restart {
            self.now
        } else {
            self.since + period
        })
    }

    /// Acts on a passed deadline: an idle connection closes quietly; a late
    /// response or a stalled body is an error.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.tick(now);
        match self.poll_timeout() {
            Some(at) if now >= at => match self.recv {
                Recv::Head if self.in_flight.is_empty() => {
                    self.recv = Recv::Closed;
                    self.closing = true;
                    Ok(())
                }
                Recv::Head => self.fail(ErrorKind::ResponseTimeout.into()),
                _ => self.fail(ErrorKind::BodyTimeout.into()),
            },
            _ => Ok(()),
        }
    }

    /// Whether the connection is over and its bytes were handed out.
    pub fn is_closed(&self) -> bool {
        // After a peer error nothing more is worth sending.
        self.error.is_some()
            || (matches!(self.recv, Recv::Upgraded | Recv::Closed) && self.write.is_empty())
    }

    /// The peer error that ended the connection, if one did.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    // ----- internals -----

    fn check_open(&self) -> Result<(), UsageError> {
        if self.error.is_some() || matches!(self.recv, Recv::Closed | Recv::Upgraded) {
            return Err(UsageError::Closed);
        }
        Ok(())
    }

    /// Learns the time; starts a period that began at an unknown moment.
    fn tick(&mut self, now: Instant) {
        self.now = now;
        if core::mem::take(&mut self.restart) {
            self.since = now;
        }
    }

    /// The request being awaited moved forward (its body, or its bytes leaving):
    /// its response head is due from now.
    fn request_progress(&mut self) {
        if self.recv == Recv::Head && self.incoming.is_none() && self.in_flight.len() == 1 {
            self.restart = true;
        }
    }

    fn progress(&mut self) -> Result<(), Error> {
        match self.recv {
            Recv::Head if self.incoming.is_none() && (!self.read.is_empty() || self.peer_eof) => {
                self.try_parse_head()
            }
            Recv::Body => {
                self.body.process(
                    &mut self.read,
                    self.base,
                    // Trailer fields go after the head's, so the head stays valid until delivered.
                    &mut self.spans[self.incoming.map_or(0, |i| i.fields)..],
                    &self.opts,
                    self.config.max_head_size,
                )?;
                if self.peer_eof {
                    // Every byte is in: a close-delimited body ends, any other is cut short.
                    self.body.handle_eof()?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn try_parse_head(&mut self) -> Result<(), Error> {
        let Some(request) = self.in_flight.front().copied() else {
            // Nothing was asked: hold the bytes; the connection is not reusable.
            if self.peer_eof {
                self.recv = Recv::Closed;
                self.closing = true;
            }
            return Ok(());
        };
        let data = self.read.data();
        match parse_response(data, &mut self.spans, &self.opts)? {
            Parsed::Partial if data.len() >= self.config.max_head_size => {
                Err(ErrorKind::HeadTooLarge.into())
            }
            Parsed::Partial if self.peer_eof => Err(ErrorKind::IncompleteHead.into()),
            Parsed::Partial => Ok(()),
            Parsed::Complete { line, fields, len } => {
                let info = response_info(data, &line, &self.spans[..fields], request.method)?;
                // RFC 9110 section 7.8: no switching to a protocol the request did not name.
                if line.status == 101 && !request.upgrade {
                    return Err(ErrorKind::UnexpectedInformational.into());
                }
                if let BodyFraming::Length(n) = info.framing
                    && n > self.config.max_body_size
                {
                    return Err(ErrorKind::BodyTooLarge.into());
                }
                let informational = (100..200).contains(&line.status) && line.status != 101;
                if informational {
                    self.informational_count += 1;
                    if self.informational_count > self.config.max_informational {
                        return Err(ErrorKind::UnexpectedInformational.into());
                    }
                    // The final head is due within `header_read_timeout` of each 1xx.
                    self.since = self.now;
                }
                self.incoming = Some(Incoming {
                    line,
                    fields,
                    head_len: len,
                    info,
                    delivered: false,
                    informational,
                });
                self.base = len;
                if !informational {
                    self.recv = Recv::Body;
                    self.body.start(info.framing, self.config.max_body_size);
                    self.progress()?;
                }
                Ok(())
            }
        }
    }

    fn end_response(&mut self) {
        let keep_alive = self.incoming.is_some_and(|i| i.info.keep_alive);
        self.incoming = None;
        self.in_flight.pop_front();
        self.informational_count = 0;
        self.since = self.now;
        self.keep_alive &= keep_alive;
        let nothing_due = self.in_flight.is_empty();
        if !self.keep_alive
            || (self.closing && nothing_due && self.sending.is_none())
            || (self.peer_eof && nothing_due)
        {
            self.recv = Recv::Closed;
            self.closing = true;
        } else {
            self.recv = Recv::Head;
        }
    }

    fn fail(&mut self, e: Error) -> Result<(), Error> {
        if self.error.is_none() {
            self.error = Some(e);
            self.recv = Recv::Closed;
            self.closing = true;
        }
        Err(e)
    }
}

/// Whether a request head as written (`name: value` lines) has an Upgrade field
/// naming a protocol: only such a request may be answered with 101.
fn asks_upgrade(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n').skip(1).any(|line| {
        line.len() > 8
            && line[..8].eq_ignore_ascii_case(b"upgrade:")
            && line[8..].iter().any(|b| !matches!(b, b' ' | b'\t' | b'\r'))
    })
}
