//! Dialing (TCP, then TLS for `https`), what the drivers share (the job
//! channel's messages, writing out, the timer, header conversion), and the
//! HTTP/1.1 connection driver (the HTTP/2 one is in `http2/`).
//!
//! One task per connection. The task owns the socket and the HTTP/1.1 machine
//! and takes requests from a channel; the pool holds the channel's sender. A
//! task rather than driving inline from `Client::request` because the
//! connection has work when no caller is polling it: the response body streams
//! after `request` returned, and an idle connection must notice the server's
//! close and its idle timer. It is also the shape an HTTP/2 driver needs
//! (many requests into one task).
//!
//! Each pass of [`Driver::poll_drive`] runs the machine's loop in the order
//! its docs give: take a request if idle, feed the request body (`send_data`
//! while the output queue has room), write `poll_transmit`, read into
//! `input_buf` (the machine lends no room while body bytes wait, and events are
//! taken only while the response body's slot has room: that is the
//! backpressure), hand out events, then timers; it repeats while any step made
//! progress, so every `Pending` left behind has registered a waker.

use std::future::poll_fn;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http::header::{CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use http::{HeaderMap, StatusCode};
use shockwave_proto::h1::client::{ClientConn, ClientEvent};
use shockwave_proto::h1::{self, BodyFraming, Fields, UsageError};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::body::{RequestBody, ResponseBody, Slot};
use super::drive::{self, BadField, Timer};
use super::error::{Error, ErrorKind};
use super::pool::{Pool, PoolKey, PooledConn, Protocol};
use crate::time::{to_machine, to_tokio};

/// A request on its way to a connection.
pub(crate) struct PendingRequest {
    pub(crate) parts: http::request::Parts,
    pub(crate) body: RequestBody,
}

/// A request with the way back to its caller.
pub(crate) struct Job {
    pub(crate) request: PendingRequest,
    pub(crate) reply: oneshot::Sender<Reply>,
    /// The connection's own handle, given back to the pool when it is idle again.
    pub(crate) handle: Option<PooledConn>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("method", &self.request.parts.method)
            .field("uri", &self.request.parts.uri)
            .finish_non_exhaustive()
    }
}

/// What a connection answers.
pub(crate) enum Reply {
    /// The response head; the body follows through its slot.
    Response(http::Response<ResponseBody>),
    /// The exchange failed.
    Failed(Error),
    /// The connection could not take the request; nothing of it was sent, so
    /// it may go to another connection.
    Refused(PendingRequest),
}

/// Opens a TCP connection to the first address of `host` that accepts.
pub(crate) async fn tcp_connect(host: &str, port: u16) -> Result<TcpStream, Error> {
    let addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Error::with(ErrorKind::Connect, e))?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Heads and small bodies go out in one write; do not wait for ACKs.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => Error::with(ErrorKind::Connect, e),
        None => Error::with(ErrorKind::Connect, format!("{host} resolved to no address")),
    })
}

/// Starts the driver task of a new HTTP/1.1 connection; returns its handle.
pub(crate) fn spawn_http1<IO>(
    io: IO,
    key: PoolKey,
    config: h1::Config,
    pool: &Arc<Pool>,
) -> PooledConn
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(1);
    let now = Instant::now();
    let driver = Driver {
        io,
        conn: ClientConn::with_start(config, to_machine(now)),
        jobs: rx,
        pool: Arc::downgrade(pool),
        idle_timeout: pool.idle_timeout(),
        idle_since: now,
        timer: Timer::new(now),
        ex: None,
        eof: false,
        need_flush: false,
    };
    tokio::spawn(driver.run());
    PooledConn {
        key,
        protocol: Protocol::Http1,
        jobs: tx,
        idle_since: now,
    }
}

/// The request body's progress.
pub(crate) enum Sending {
    /// Frames still come from the body.
    Body(RequestBody),
    /// The body ended; the end (with trailers, if chunked) is still to be queued.
    End(Option<HeaderMap>),
    Done,
}

/// The exchange in progress.
struct Exchange {
    sending: Sending,
    /// Bytes of the last data frame the machine has not taken yet.
    chunk: Bytes,
    chunked: bool,
    /// Until the response head arrives.
    reply: Option<oneshot::Sender<Reply>>,
    /// After the response head: where its body goes.
    slot: Option<Arc<Slot>>,
    handle: Option<PooledConn>,
}

/// Why the driver stops.
enum Stop {
    /// Quietly (closed by either side, evicted); an exchange in progress fails
    /// with "connection closed".
    Exit,
    /// With an error for the exchange in progress.
    Fail(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(e)
    }
}

impl From<h1::Error> for Stop {
    fn from(e: h1::Error) -> Self {
        Stop::Fail(e.into())
    }
}

struct Driver<IO> {
    io: IO,
    conn: ClientConn,
    jobs: mpsc::Receiver<Job>,
    pool: Weak<Pool>,
    idle_timeout: Duration,
    idle_since: Instant,
    timer: Timer,
    ex: Option<Exchange>,
    eof: bool,
    need_flush: bool,
}

impl<IO> Driver<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn run(mut self) {
        let stop = poll_fn(|cx| self.poll_drive(cx)).await;
        self.shutdown(stop);
        // A polite end (FIN, or close_notify for TLS); the peer may be gone already.
        let _ = tokio::time::timeout(Duration::from_millis(100), self.io.shutdown()).await;
    }

    fn poll_drive(&mut self, cx: &mut Context<'_>) -> Poll<Stop> {
        loop {
            let mut progress = false;
            let step = self
                .poll_accept(cx, &mut progress)
                .and_then(|()| self.poll_request_body(cx, &mut progress))
                .and_then(|()| self.poll_write(cx, &mut progress))
                .and_then(|()| self.poll_read(cx, &mut progress))
                .and_then(|()| self.poll_events(cx, &mut progress))
                .and_then(|()| self.poll_caller(cx))
                .and_then(|()| self.poll_timer(cx, &mut progress))
                .and_then(|()| self.check_closed());
            if let Err(stop) = step {
                return Poll::Ready(stop);
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    /// Idle: take the next request, or stop if the connection cannot carry one.
    fn poll_accept(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        if self.ex.is_some() {
            return Ok(());
        }
        if !self.conn.is_reusable() {
            return Err(Stop::Exit);
        }
        match self.jobs.poll_recv(cx) {
            Poll::Ready(None) => Err(Stop::Exit),
            Poll::Ready(Some(job)) => {
                *progress = true;
                self.start(job);
                Ok(())
            }
            Poll::Pending => Ok(()),
        }
    }

    /// Hands a request to the machine.
    fn start(&mut self, job: Job) {
        let Job {
            request: PendingRequest { parts, body },
            reply,
            handle,
        } = job;
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let framing = if body.is_end_stream() {
            BodyFraming::Empty
        } else if let Some(n) = body.size_hint().exact().or(declared) {
            BodyFraming::Length(n)
        } else {
            BodyFraming::Chunked
        };
        let host = match parts.headers.contains_key(HOST) {
            true => None,
            false => drive::uri_authority(&parts.uri),
        };
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .as_bytes();
        // The machine frames the body itself.
        let fields = host
            .map(|h| (HOST.as_str().as_bytes(), h.as_bytes()))
            .into_iter()
            .chain(
                parts
                    .headers
                    .iter()
                    .filter(|(name, _)| **name != CONTENT_LENGTH && **name != TRANSFER_ENCODING)
                    .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes())),
            );
        let sent =
            self.conn
                .send_request(parts.method.as_str().as_bytes(), target, fields, framing);
        if let Err(e) = sent {
            // The machine is unchanged by a refused command: stay in the pool.
            let _ = reply.send(Reply::Failed(e.into()));
            if let (Some(handle), Some(pool)) = (handle, self.pool.upgrade()) {
                pool.checkin(handle);
            }
            return;
        }
        let sending = match framing {
            BodyFraming::Empty | BodyFraming::Length(0) => Sending::Done,
            _ => Sending::Body(body),
        };
        self.ex = Some(Exchange {
            sending,
            chunk: Bytes::new(),
            chunked: framing == BodyFraming::Chunked,
            reply: Some(reply),
            slot: None,
            handle,
        });
    }

    /// Moves request body frames into the machine while its output queue has room.
    fn poll_request_body(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        let Some(ex) = &mut self.ex else {
            return Ok(());
        };
        loop {
            match &mut ex.sending {
                Sending::Done => return Ok(()),
                Sending::End(trailers) => {
                    let result = match trailers.as_ref().filter(|_| ex.chunked) {
                        Some(map) => {
                            let pairs: Vec<(&[u8], &[u8])> = map
                                .iter()
                                .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
                                .collect();
                            self.conn.send_trailers(&pairs)
                        }
                        None => self.conn.finish(),
                    };
                    match result {
                        Ok(()) => {
                            ex.sending = Sending::Done;
                            *progress = true;
                        }
                        Err(UsageError::OutputFull) => return Ok(()),
                        Err(e) => return Err(Stop::Fail(e.into())),
                    }
                }
                Sending::Body(_) if !ex.chunk.is_empty() => match self.conn.send_data(&ex.chunk) {
                    Ok(0) | Err(UsageError::OutputFull) => return Ok(()),
                    Ok(n) => {
                        ex.chunk.advance(n);
                        *progress = true;
                    }
                    Err(e) => return Err(Stop::Fail(e.into())),
                },
                Sending::Body(body) => match body.as_mut().poll_frame(cx) {
                    Poll::Pending => return Ok(()),
                    Poll::Ready(None) => {
                        ex.sending = Sending::End(None);
                        *progress = true;
                    }
                    Poll::Ready(Some(Err(e))) => {
                        return Err(Stop::Fail(Error::with(ErrorKind::RequestBody, e)));
                    }
                    Poll::Ready(Some(Ok(frame))) => {
                        *progress = true;
                        match frame.into_data() {
                            Ok(data) => ex.chunk = data,
                            Err(frame) => {
                                if let Ok(trailers) = frame.into_trailers() {
                                    ex.sending = Sending::End(Some(trailers));
                                }
                            }
                        }
                    }
                },
            }
        }
    }

    /// Writes what the machine queued, then flushes.
    fn poll_write(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        drive::poll_write(
            &mut self.io,
            &mut self.conn,
            &mut self.need_flush,
            cx,
            progress,
        )
        .map_err(Stop::Fail)
    }

    /// Reads into the machine's buffer. The machine lends no room while body
    /// bytes wait for `poll_event`, which is not called while the response
    /// body's slot is full: the socket is left alone until the reader catches up.
    fn poll_read(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        if self.eof {
            return Ok(());
        }
        let buf = self.conn.input_buf();
        if buf.is_empty() {
            return Ok(());
        }
        match drive::poll_read(&mut self.io, buf, cx) {
            Poll::Pending => Ok(()),
            Poll::Ready(Ok(n)) => {
                *progress = true;
                let now = to_machine(Instant::now());
                if n == 0 {
                    self.eof = true;
                    self.conn.handle_eof(now).map_err(|e| self.eof_error(e))
                } else {
                    self.conn.input_filled(now, n).map_err(Stop::from)
                }
            }
            // An idle connection that fails is simply gone.
            Poll::Ready(Err(_)) if self.ex.is_none() => Err(Stop::Exit),
            Poll::Ready(Err(e)) => Err(Stop::Fail(Error::with(ErrorKind::Io, e))),
        }
    }

    /// A response cut short by the server closing: "closed before the response".
    fn eof_error(&self, e: h1::Error) -> Stop {
        match e.kind() {
            h1::ErrorKind::IncompleteHead | h1::ErrorKind::IncompleteBody => {
                Stop::Fail(Error::with(ErrorKind::ConnectionClosed, e))
            }
            _ => Stop::Fail(e.into()),
        }
    }

    /// Hands the machine's events to the caller and the response body.
    fn poll_events(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        let Driver {
            conn,
            ex,
            pool,
            idle_since,
            ..
        } = self;
        let Some(exchange) = ex else {
            return Ok(());
        };
        loop {
            if let Some(slot) = &exchange.slot {
                if slot.reader_gone() {
                    // The body was dropped before its end: the rest is not read.
                    return Err(Stop::Exit);
                }
                if !slot.poll_room(cx) {
                    return Ok(());
                }
            }
            let Some(event) = conn.poll_event() else {
                return Ok(());
            };
            *progress = true;
            match event {
                ClientEvent::InformationalReceived(_) => {}
                ClientEvent::ResponseReceived(head) => {
                    let length = match head.body_framing() {
                        BodyFraming::Empty => Some(0),
                        BodyFraming::Length(n) => Some(n),
                        BodyFraming::Chunked | BodyFraming::CloseDelimited => None,
                    };
                    let mut response = http::Response::new(ResponseBody::empty());
                    *response.status_mut() = StatusCode::from_u16(head.status()).map_err(|e| {
                        Error::with(ErrorKind::Protocol(h1::ErrorKind::InvalidStatusLine), e)
                    })?;
                    *response.version_mut() = match head.version() {
                        h1::Version::Http10 => http::Version::HTTP_10,
                        _ => http::Version::HTTP_11,
                    };
                    *response.headers_mut() = header_map(head.fields())?;
                    let slot = Arc::new(Slot::default());
                    *response.body_mut() = ResponseBody::new(slot.clone(), length);
                    exchange.slot = Some(slot);
                    let Some(reply) = exchange.reply.take() else {
                        return Err(Stop::Exit);
                    };
                    if reply.send(Reply::Response(response)).is_err() {
                        // The caller gave up (request timeout): nobody reads the body.
                        return Err(Stop::Exit);
                    }
                }
                ClientEvent::DataReceived(data) => {
                    if let Some(slot) = &exchange.slot {
                        slot.push_data(data);
                    }
                }
                ClientEvent::TrailersReceived(fields) => {
                    let trailers = header_map(fields)?;
                    if let Some(slot) = &exchange.slot {
                        slot.push_trailers(trailers);
                    }
                }
                ClientEvent::ResponseFinished => {
                    let Some(Exchange {
                        sending,
                        slot,
                        handle,
                        ..
                    }) = ex.take()
                    else {
                        return Ok(());
                    };
                    *idle_since = Instant::now();
                    // Back to the pool before the body reads as ended, so a caller
                    // that waits for the end and sends again finds it there.
                    let reusable = matches!(sending, Sending::Done) && conn.is_reusable();
                    if let (true, Some(handle), Some(pool)) = (reusable, handle, pool.upgrade()) {
                        pool.checkin(handle);
                    }
                    if let Some(slot) = slot {
                        slot.end(Ok(()));
                    }
                    // The server answered before the request body was sent (or said
                    // close): this connection is done.
                    return if reusable { Ok(()) } else { Err(Stop::Exit) };
                }
                ClientEvent::Upgraded(_) => {
                    // Protocol switches are not offered by this client yet: the
                    // response is delivered with an empty body and the connection ends.
                    if let Some(slot) = exchange.slot.take() {
                        slot.end(Ok(()));
                    }
                    *ex = None;
                    return Err(Stop::Exit);
                }
            }
        }
    }

    /// Before the response head: stop if the caller gave up (request timeout).
    fn poll_caller(&mut self, cx: &mut Context<'_>) -> Result<(), Stop> {
        let gone = self
            .ex
            .as_mut()
            .and_then(|ex| ex.reply.as_mut())
            .is_some_and(|reply| reply.poll_closed(cx).is_ready());
        if gone { Err(Stop::Exit) } else { Ok(()) }
    }

    /// The machine's timers, and the pool's idle timeout while idle.
    fn poll_timer(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        let idle_deadline = self
            .ex
            .is_none()
            .then(|| self.idle_since + self.idle_timeout);
        let machine = self.conn.poll_timeout().map(to_tokio);
        let Poll::Ready(now) = self.timer.poll(cx, [machine, idle_deadline]) else {
            return Ok(());
        };
        if idle_deadline.is_some_and(|d| now >= d) {
            // Evicted: idle longer than the pool keeps connections.
            return Err(Stop::Exit);
        }
        self.conn.handle_timeout(to_machine(now))?;
        if self.conn.poll_timeout().map(to_tokio) != machine {
            *progress = true;
        }
        Ok(())
    }

    fn check_closed(&mut self) -> Result<(), Stop> {
        if !self.conn.is_closed() {
            return Ok(());
        }
        match self.conn.error() {
            Some(e) if self.eof => Err(self.eof_error(e)),
            Some(e) => Err(e.into()),
            None => Err(Stop::Exit),
        }
    }

    /// Ends the exchange in progress with `stop`'s error, and turns away the
    /// requests that reached the channel after the connection stopped.
    fn shutdown(&mut self, stop: Stop) {
        if let Some(ex) = self.ex.take() {
            let error = match stop {
                Stop::Fail(e) => e,
                Stop::Exit => Error::new(ErrorKind::ConnectionClosed),
            };
            if let Some(reply) = ex.reply {
                let _ = reply.send(Reply::Failed(error));
            } else if let Some(slot) = ex.slot {
                slot.end(Err(error));
            }
        }
        self.jobs.close();
        while let Ok(job) = self.jobs.try_recv() {
            let _ = job.reply.send(Reply::Refused(job.request));
        }
    }
}

/// A field section as an `http` header map (the parser already checked the syntax).
fn header_map(fields: Fields<'_>) -> Result<HeaderMap, Stop> {
    drive::header_map(fields.len(), fields.iter().map(|f| (f.name, f.value))).map_err(|bad| {
        Stop::Fail(Error::new(ErrorKind::Protocol(match bad {
            BadField::Name => h1::ErrorKind::InvalidFieldName,
            BadField::Value => h1::ErrorKind::InvalidFieldValue,
        })))
    })
}
