//! The HTTP/1.1 server connection machine.
//!
//! One [`ServerConn`] per accepted connection. It never does I/O: the driver
//! feeds it bytes and time, and writes out what it queues.
//!
//! # Methods, by group
//! - Input: [`ServerConn::handle_input`] (copying) or [`ServerConn::input_buf`] +
//!   [`ServerConn::input_filled`] (the socket reads straight into the machine),
//!   [`ServerConn::handle_eof`] when the peer shuts down its side.
//! - Events: [`ServerConn::poll_event`] until `None`: [`ServerEvent::RequestReceived`],
//!   then [`ServerEvent::DataReceived`] and [`ServerEvent::TrailersReceived`] for the
//!   body, then [`ServerEvent::RequestFinished`]. Each event borrows the read
//!   buffer until the next call; copy what you keep.
//! - Commands: [`ServerConn::send_response`] (or [`ServerConn::send_response_with_body`]),
//!   [`ServerConn::send_data`], [`ServerConn::finish`], [`ServerConn::send_trailers`],
//!   [`ServerConn::send_informational`], [`ServerConn::close`]. Invalid calls return a
//!   [`UsageError`] and change nothing.
//! - Output: [`ServerConn::poll_transmit`] gives the bytes to write,
//!   [`ServerConn::advance_transmit`] says how many were written.
//! - Time: [`ServerConn::poll_timeout`] gives the next deadline, [`ServerConn::handle_timeout`]
//!   is called when it passes (calling it early is harmless).
//!   [`ServerConn::set_unix_time`] feeds the wall clock for the `Date` field.
//! - End: [`ServerConn::is_closed`]: drop the socket.
//!
//! # Driving it
//! After every input: poll events until `None` (answering requests as they come),
//! then write out `poll_transmit`, then re-arm the timer from `poll_timeout`.
//! Stop reading while `input_buf()` is empty (backpressure: the application has
//! not taken the body bytes yet). Close the socket once `is_closed()`.
//!
//! # The exchange cycle
//! One request is handled at a time; pipelined requests wait in the read buffer
//! and are parsed once the previous response is finished, so responses go out in
//! order. After a response, the connection is kept alive unless either side said
//! `close`, the request was HTTP/1.0 without keep-alive, the response was
//! close-delimited, or the request body was abandoned by a 100-continue refusal.
//! A request body the application did not read is read and dropped before the
//! next request.
//!
//! ```
//! use shockwave_proto::h1::server::{ServerConn, ServerEvent};
//! use shockwave_proto::h1::{BodyFraming, Config};
//! use shockwave_proto::Instant;
//!
//! let mut conn = ServerConn::new(Config::default());
//! let now = Instant::ZERO;
//! conn.handle_input(now, b"GET /hi HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
//! while let Some(event) = conn.poll_event() {
//!     if let ServerEvent::RequestReceived(req) = event {
//!         assert_eq!(req.target(), b"/hi");
//!         conn.send_response_with_body(200, &[(b"content-type", b"text/plain")], b"hello").unwrap();
//!     }
//! }
//! let out = conn.poll_transmit().unwrap();
//! assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
//! assert!(out.ends_with(b"\r\n\r\nhello"));
//! ```

use alloc::vec::Vec;

use super::body::{BodyReader, BodyWriter};
use super::config::INITIAL_WRITE_BUFFER;
use super::date::DateCache;
use super::framing::{KnownHost, RequestInfo, request_info_on};
use super::head::{BodyFraming, FieldSpan, Fields, Method, Request, RequestLine, Version};
use super::parse::{Parsed, parse_request};
use super::write::{
    AppFields, Connection, HeadEnd, write_app_fields, write_head_end, write_status_line,
};
use super::{Config, Error, ErrorKind, ParseOptions, UsageError};
use crate::buf::{ReadBuf, WriteBuf};
use crate::time::Instant;

mod cycle;
mod head_cache;
use head_cache::HeadCache;
mod respond;
#[cfg(test)]
mod tests;

/// What the application learns from a server connection.
#[derive(Debug)]
#[must_use]
pub enum ServerEvent<'a> {
    /// A request head arrived. Its body (if any) follows as `DataReceived`.
    RequestReceived(Request<'a>),
    /// Request body bytes, chunk framing removed.
    DataReceived(&'a [u8]),
    /// The trailer section of a chunked request body.
    TrailersReceived(Fields<'a>),
    /// The request body ended (also sent for requests without a body).
    RequestFinished,
    /// The response switched protocols (101, or 2xx to CONNECT). These bytes
    /// arrived after the request and belong to the new protocol. Once
    /// `poll_transmit` is drained the machine is closed and the socket is the
    /// application's.
    Upgraded(&'a [u8]),
}

/// Where the receiving side stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recv {
    /// Waiting for the next request head.
    Head,
    /// The head is parsed; it and the body are being delivered.
    Body,
    /// The whole request was delivered; waiting for the response to end.
    Done,
    /// Reading and dropping a body the response made irrelevant.
    Discard,
    /// The connection switched protocols.
    Upgraded,
    /// No more input is taken.
    Closed,
}

/// Where the sending side stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Send {
    /// No request is waiting.
    Idle,
    /// A request was received; no final response head yet.
    Waiting,
    /// The response body is being sent.
    Body(BodyWriter),
    /// The response is complete.
    Done,
}

/// What the last event lent from the read buffer, taken back at the next poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lent {
    Nothing,
    Head(usize),
    Data(usize),
    Trailers(usize),
    All,
}

/// Which deadline `poll_timeout` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// No request in progress: close quietly when it passes.
    Idle(Instant),
    /// A head is arriving too slowly: 408.
    Head(Instant),
    /// A body stalled: 408.
    Body(Instant),
}

/// The request being handled, as far as the response needs it.
#[derive(Clone, Copy, Debug)]
struct Exchange {
    line: RequestLine,
    fields: usize,
    head_len: usize,
    info: RequestInfo,
    /// RequestReceived was handed out.
    head_delivered: bool,
    /// RequestFinished was handed out.
    finish_delivered: bool,
    continue_sent: bool,
    /// Nothing in the request changes how a response is framed or whether the
    /// connection persists: HTTP/1.1, keep-alive, no upgrade, no 100-continue,
    /// neither HEAD nor CONNECT. Such a request takes the short response path.
    plain: bool,
}

/// An HTTP/1.1 server connection. See the [module docs](self) for how to drive it.
#[derive(Debug)]
pub struct ServerConn {
    config: Config,
    opts: ParseOptions,
    read: ReadBuf,
    write: WriteBuf,
    spans: Vec<FieldSpan>,
    date: DateCache,
    /// The last response's status line and fields, validated.
    head_cache: HeadCache,
    /// The last valid Host value the peer sent.
    known_host: KnownHost,
    recv: Recv,
    send: Send,
    body: BodyReader,
    exchange: Option<Exchange>,
    lent: Lent,
    /// Head bytes still lent or not yet delivered, in front of the body region.
    base: usize,
    /// Length of the buffered head prefix at the last Partial parse: only a new
    /// LF after it can complete the head, so we do not re-parse before that.
    partial_at: Option<usize>,
    /// The connection outlives the current exchange.
    keep_alive: bool,
    /// Close once the current exchange (if any) is over and the output is sent.
    closing: bool,
    peer_eof: bool,
    error: Option<Error>,
    now: Instant,
    /// When the idle period or the current head began.
    since: Instant,
    /// A timer period began at a moment the machine was not told (a command, or
    /// the application taking body bytes): `poll_timeout` answers the last known
    /// `now`, and the next `now` the driver gives starts the period.
    restart: bool,
    head_started: Option<Instant>,
    /// The first request gets `header_read_timeout` from the connection's start.
    served_any: bool,
}

impl ServerConn {
    /// A connection that starts now (`Instant::ZERO` for its clock origin; call
    /// [`ServerConn::with_start`] to give a real start time).
    pub fn new(config: Config) -> Self {
        Self::with_start(config, Instant::ZERO)
    }

    /// A connection accepted at `now`.
    pub fn with_start(config: Config, now: Instant) -> Self {
        let read_limit = config.max_head_size.max(1024);
        ServerConn {
            opts: config.parse_options(),
            read: ReadBuf::new(config.read_buffer_initial, read_limit),
            write: WriteBuf::new(INITIAL_WRITE_BUFFER, config.max_write_buffer),
            spans: alloc::vec![FieldSpan::default(); config.max_headers],
            date: DateCache::new(),
            head_cache: HeadCache::default(),
            known_host: KnownHost::default(),
            recv: Recv::Head,
            send: Send::Idle,
            body: BodyReader::new(config.max_chunk_extensions_size),
            exchange: None,
            lent: Lent::Nothing,
            base: 0,
            partial_at: None,
            keep_alive: true,
            closing: false,
            peer_eof: false,
            error: None,
            now,
            since: now,
            restart: false,
            head_started: None,
            served_any: false,
            config,
        }
    }

    // ----- input -----

    /// Feeds bytes that arrived; returns how many were taken (fewer when the
    /// read buffer is full: feed the rest after polling events).
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.accepts_input() {
            return Ok(0);
        }
        self.tick(now);
        let mut taken = 0;
        while taken < bytes.len() {
            let spare = self.input_buf();
            if spare.is_empty() {
                break;
            }
            let n = spare.len().min(bytes.len() - taken);
            spare[..n].copy_from_slice(&bytes[taken..taken + n]);
            self.read.filled(n);
            taken += n;
            self.on_bytes(now)?;
        }
        Ok(taken)
    }

    /// Room to read the socket into. Empty while the application has not taken
    /// the buffered body (backpressure), or once the connection takes no input.
    pub fn input_buf(&mut self) -> &mut [u8] {
        if !self.accepts_input() {
            return &mut [];
        }
        // The last event's borrow ended with this call: take its bytes back now,
        // so new input never lands behind a head or data still counted as lent.
        self.take_back_lent();
        // Body bytes wait for the application; only an unfinished head or framing
        // that cannot be delivered yet makes a full buffer grow.
        let stuck = self.nothing_deliverable();
        self.read.spare_for_read(stuck)
    }

    /// Records that `n` bytes were read into [`ServerConn::input_buf`].
    pub fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.tick(now);
        self.read.filled(n);
        self.on_bytes(now)
    }

    /// The peer shut down its sending side.
    pub fn handle_eof(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.tick(now);
        self.peer_eof = true;
        self.take_back_lent();
        // A complete head may wait unparsed behind the exchange that just ended.
        if self.recv == Recv::Head
            && self.exchange.is_none()
            && !self.read.is_empty()
            && let Err(e) = self.try_parse_head()
        {
            return self.fail(e);
        }
        match self.recv {
            Recv::Head if !self.read.is_empty() => {
                return self.fail(ErrorKind::IncompleteHead.into());
            }
            Recv::Head => self.close_now(),
            Recv::Body | Recv::Discard => {
                if let Err(e) = self.body.handle_eof() {
                    return self.fail(e);
                }
                self.keep_alive = false;
            }
            Recv::Done => self.keep_alive = false,
            Recv::Upgraded | Recv::Closed => {}
        }
        self.keep_alive = false;
        Ok(())
    }

    // ----- events -----

    /// The next event, or `None` when nothing new happened. The event borrows the
    /// read buffer until the next call.
    pub fn poll_event(&mut self) -> Option<ServerEvent<'_>> {
        self.take_back_lent();
        if self.error.is_some() {
            return None;
        }
        let progress = match self.recv {
            Recv::Discard => self.discard_body(),
            _ => Ok(()),
        };
        // A pipelined head may have waited for the previous exchange to end.
        let progress = progress.and_then(|()| match self.recv {
            Recv::Head if self.exchange.is_none() => self.try_parse_head(),
            // A body that ended on the wire has nothing left to move.
            Recv::Body if !self.body.is_received() => self.process_body(),
            _ => Ok(()),
        });
        if let Err(e) = progress {
            let _ = self.fail(e);
            return None;
        }
        if self.recv == Recv::Upgraded {
            if self.lent == Lent::All {
                return None;
            }
            self.lent = Lent::All;
            return Some(ServerEvent::Upgraded(&self.read.data()[self.base..]));
        }
        self.deliver()
    }

    fn deliver(&mut self) -> Option<ServerEvent<'_>> {
        let ex = self.exchange.as_mut()?;
        if !ex.head_delivered {
            ex.head_delivered = true;
            self.lent = Lent::Head(ex.head_len);
            let ex = *ex;
            let data = self.read.data();
            return Some(ServerEvent::RequestReceived(Request::new(
                data,
                ex.line,
                &self.spans[..ex.fields],
                ex.info,
            )));
        }
        if ex.finish_delivered {
            return None;
        }
        let ready = self.body.ready();
        if ready > 0 {
            self.lent = Lent::Data(ready);
            return Some(ServerEvent::DataReceived(
                &self.read.data()[self.base..self.base + ready],
            ));
        }
        if let Some((len, fields)) = self.body.trailers() {
            self.lent = Lent::Trailers(len);
            let section = &self.read.data()[self.base..self.base + len];
            return Some(ServerEvent::TrailersReceived(Fields::new(
                section,
                &self.spans[ex.fields..ex.fields + fields],
            )));
        }
        if self.body.is_finished() {
            ex.finish_delivered = true;
            self.recv = Recv::Done;
            self.maybe_end_exchange();
            return Some(ServerEvent::RequestFinished);
        }
        // The application wants more body: a waiting 100-continue client gets its
        // go-ahead now (RFC 9110 section 10.1.1), unless a final response went out.
        if ex.info.expect_continue && !ex.continue_sent && self.send == Send::Waiting {
            ex.continue_sent = true;
            self.write.extend(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        None
    }

    fn take_back_lent(&mut self) {
        match core::mem::replace(&mut self.lent, Lent::Nothing) {
            Lent::Nothing => {}
            // The upgrade leftover is handed out once; it stays lent for good.
            Lent::All => self.lent = Lent::All,
            Lent::Head(len) => {
                self.read.consume(len);
                self.base -= len;
                self.partial_at = None;
            }
            Lent::Data(n) => {
                self.read.consume(n);
                self.body.take_ready(n);
                // The stall timer measures the peer, not how long the application took.
                self.restart = true;
            }
            Lent::Trailers(_) => {
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

    /// Records that `n` bytes of [`ServerConn::poll_transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.write.advance(n);
    }

    /// The next deadline, if a timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let at = self.timer().map(|t| match t {
            Timer::Idle(at) | Timer::Head(at) | Timer::Body(at) => at,
        })?;
        // A period that began at an unknown moment: wake at once to learn it.
        Some(if self.restart { self.now } else { at })
    }

    /// Acts on a passed deadline: an idle connection closes quietly, a slow head
    /// or a stalled body is answered with 408 and closed.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.tick(now);
        match self.timer() {
            Some(Timer::Idle(at)) if now >= at => {
                self.close_now();
                Ok(())
            }
            Some(Timer::Head(at)) if now >= at => self.fail(ErrorKind::HeadTimeout.into()),
            Some(Timer::Body(at)) if now >= at => self.fail(ErrorKind::BodyTimeout.into()),
            _ => Ok(()),
        }
    }

    /// Whether the connection is over and all its bytes were handed out: drop the socket.
    pub fn is_closed(&self) -> bool {
        matches!(self.recv, Recv::Closed | Recv::Upgraded) && self.write.is_empty()
    }

    /// The peer error that ended the connection, if one did.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// The configuration the connection runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
