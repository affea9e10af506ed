//! The HTTP/2 connection driver: one task per connection owning an
//! [`h2::ClientConn`], fed requests through
//! the same kind of job channel as the HTTP/1.1 driver; each request is a stream.
//!
//! Each pass of [`Driver::poll_drive`] runs, in this order: hand the machine
//! the credit of body bytes the application read (`release_data`; a body
//! dropped early resets its stream with `CANCEL`), open streams for queued
//! requests while the machine can open one, feed request bodies (`send_data`
//! as far as each stream's send buffer takes them, then wait for
//! `SendReady`) and reset the streams whose caller gave up (a request timeout
//! or a dropped response future), write `poll_transmit`, read into
//! `input_buf`, hand out events, then the timers; it repeats while any step
//! made progress, so every `Pending` left behind has registered a waker.
//!
//! Where requests wait: the driver takes a job from its channel only while
//! the machine can open a stream (under the server's
//! SETTINGS_MAX_CONCURRENT_STREAMS), so past the limit requests wait in the
//! channel for a stream to close; the pool keeps handing out this connection.
//!
//! Failure scopes: RST_STREAM fails its request only (REFUSED_STREAM, which
//! says the server did not process it, sends it again on another connection;
//! RFC 9113 §8.7). A GOAWAY stops new streams: the channel closes (the pool
//! drops the handle), requests above its last stream id go back to the client
//! to be sent on a new connection, the others finish. A connection error
//! fails every request in flight.

mod stream;

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::StatusCode;
use shockwave_proto::h2::{self, ClientConn, ClientEvent, ErrorCode, StreamId};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::body::{Release, Releases, ResponseBody, Slot};
use super::conn::{Job, Reply};
use super::drive::{self, BadField, Timer};
use super::error::{Error, ErrorKind};
use super::pool::{Pool, PoolKey, PooledConn, Protocol, Scheme};
use crate::time::{to_machine, to_tokio};
use stream::Stream;

/// Requests queued in a connection's channel before callers wait to send.
const JOB_QUEUE: usize = 32;

/// Starts the driver task of a new HTTP/2 connection (the TLS handshake chose
/// `h2`, or h2c by prior knowledge); returns its handle.
pub(crate) fn spawn_http2<IO>(
    io: IO,
    key: PoolKey,
    config: h2::Config,
    pool: &Arc<Pool>,
) -> PooledConn
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(JOB_QUEUE);
    let now = Instant::now();
    let streams = config.max_concurrent_streams as usize;
    let window = config.initial_window_size.min(config.connection_window) as usize;
    let driver = Driver {
        io,
        // The machine queues the connection preface and our SETTINGS now.
        conn: ClientConn::with_start(config, to_machine(now)),
        scheme: key.scheme,
        jobs: rx,
        taking: true,
        held: None,
        streams: HashMap::with_capacity(streams.min(256)),
        releases: Arc::new(Releases::new(window)),
        batch: Vec::new(),
        goaway: None,
        broken: None,
        idle_timeout: pool.idle_timeout(),
        idle_since: Some(now),
        timer: Timer::new(now),
        eof: false,
        need_flush: false,
    };
    tokio::spawn(driver.run());
    PooledConn {
        key,
        protocol: Protocol::Http2,
        jobs: tx,
        idle_since: now,
    }
}

/// Why the driver stops.
enum Stop {
    /// Quietly (idle, or no more requests can come); requests in flight fail
    /// with "connection closed" (or the GOAWAY's code).
    Exit,
    /// With an error for every request in flight.
    Fail(Error),
}

struct Driver<IO> {
    io: IO,
    conn: ClientConn,
    scheme: Scheme,
    jobs: mpsc::Receiver<Job>,
    /// Whether new requests are taken (not after a GOAWAY, or once every
    /// handle is gone).
    taking: bool,
    /// A request taken from the channel that the machine could not open yet.
    held: Option<Job>,
    streams: HashMap<StreamId, Stream>,
    releases: Arc<Releases>,
    /// The releases being handed to the machine (swapped with the queue's).
    batch: Vec<Release>,
    /// The code of the server's GOAWAY, once one arrived.
    goaway: Option<ErrorCode>,
    /// A connection error the machine reported; the driver stops once its
    /// GOAWAY is written.
    broken: Option<h2::Error>,
    idle_timeout: Duration,
    /// Since when no stream is open (`None` while busy).
    idle_since: Option<Instant>,
    timer: Timer,
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
        // Say goodbye (GOAWAY), then a polite end; the peer may be gone already.
        if !self.conn.is_closed() {
            self.conn.close(ErrorCode::NO_ERROR);
        }
        let flush = poll_fn(|cx| {
            let mut progress = false;
            match drive::poll_write(
                &mut self.io,
                &mut self.conn,
                &mut self.need_flush,
                cx,
                &mut progress,
            ) {
                Ok(()) if self.conn.poll_transmit().is_some() || self.need_flush => Poll::Pending,
                _ => Poll::Ready(()),
            }
        });
        let _ = tokio::time::timeout(Duration::from_millis(100), flush).await;
        let _ = tokio::time::timeout(Duration::from_millis(100), self.io.shutdown()).await;
    }

    fn poll_drive(&mut self, cx: &mut Context<'_>) -> Poll<Stop> {
        loop {
            let mut progress = false;
            let step = self
                .poll_releases(cx, &mut progress)
                .and_then(|()| self.poll_jobs(cx, &mut progress))
                .and_then(|()| self.poll_streams(cx, &mut progress))
                .and_then(|()| self.poll_write(cx, &mut progress))
                .and_then(|()| self.poll_read(cx, &mut progress))
                .and_then(|()| self.poll_events(&mut progress))
                .and_then(|()| self.poll_timer(cx, &mut progress))
                .and_then(|()| self.check_done());
            if let Err(stop) = step {
                return Poll::Ready(stop);
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    /// Credit for the body bytes readers took; resets for bodies dropped early.
    fn poll_releases(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        self.releases.take(cx, &mut self.batch);
        for release in self.batch.drain(..) {
            *progress = true;
            if release.bytes > 0 {
                // A closed stream still credits the connection window.
                let _ = self.conn.release_data(release.stream, release.bytes);
            }
            if release.reader_gone {
                let unfinished = self
                    .streams
                    .get(&release.stream)
                    .is_some_and(|s| !s.recv_done);
                if unfinished {
                    let _ = self.conn.reset_stream(release.stream, ErrorCode::CANCEL);
                    self.streams.remove(&release.stream);
                }
            }
        }
        Ok(())
    }

    /// Opens streams for queued requests while the machine can take them.
    fn poll_jobs(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        while self.taking {
            let job = match self.held.take() {
                Some(job) => job,
                None if !self.conn.can_open_stream() => return Ok(()),
                None => match self.jobs.poll_recv(cx) {
                    Poll::Ready(Some(job)) => job,
                    Poll::Ready(None) => {
                        // Every handle is gone: finish what is in flight.
                        self.taking = false;
                        return Ok(());
                    }
                    Poll::Pending => return Ok(()),
                },
            };
            *progress = true;
            if job.reply.is_closed() {
                continue; // The caller gave up while the request waited.
            }
            match stream::send_head(&mut self.conn, self.scheme, &job.request) {
                Ok(id) => {
                    self.streams.insert(id, Stream::new(job));
                }
                Err(h2::UsageError::StreamLimit) => {
                    self.held = Some(job);
                    return Ok(());
                }
                Err(
                    h2::UsageError::GoingAway
                    | h2::UsageError::Closed
                    | h2::UsageError::StreamIdsExhausted,
                ) => {
                    // Nothing was sent: another connection takes it, and the rest.
                    let _ = job.reply.send(Reply::Refused(job.request));
                    self.stop_taking();
                }
                Err(e) => {
                    let _ = job.reply.send(Reply::Failed(e.into()));
                }
            }
        }
        Ok(())
    }

    /// No new requests: the channel closes (so the pool drops this
    /// connection) and the requests queued in it go to another connection.
    fn stop_taking(&mut self) {
        self.taking = false;
        self.jobs.close();
        let held = self.held.take();
        for job in held
            .into_iter()
            .chain(std::iter::from_fn(|| self.jobs.try_recv().ok()))
        {
            let _ = job.reply.send(Reply::Refused(job.request));
        }
    }

    /// Request bodies into the machine; streams whose caller gave up are reset.
    fn poll_streams(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        let Driver { conn, streams, .. } = self;
        streams.retain(|&id, s| {
            let gone = s
                .reply
                .as_mut()
                .is_some_and(|reply| reply.poll_closed(cx).is_ready());
            if gone {
                // A request timeout or a dropped response future: this stream only.
                let _ = conn.reset_stream(id, ErrorCode::CANCEL);
                *progress = true;
                return false;
            }
            match s.feed(id, conn, cx, progress) {
                // A body that ends after its response did finishes the stream here.
                Ok(()) => !s.is_finished(),
                Err(e) => {
                    let _ = conn.reset_stream(id, ErrorCode::CANCEL);
                    *progress = true;
                    s.fail(e);
                    false
                }
            }
        });
        Ok(())
    }

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

    /// Reads into the machine's buffer (which lends no room while its output
    /// is over its limit: the peer must read what we owe it first).
    fn poll_read(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        if self.eof || self.broken.is_some() {
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
                    self.conn.handle_eof(now);
                    Ok(())
                } else {
                    let result = self.conn.input_filled(now, n);
                    self.note(result);
                    Ok(())
                }
            }
            // An idle connection that fails is simply gone.
            Poll::Ready(Err(_)) if self.streams.is_empty() => Err(Stop::Exit),
            Poll::Ready(Err(e)) => Err(Stop::Fail(Error::with(ErrorKind::Io, e))),
        }
    }

    /// A connection error from input or a timer: the machine queues its
    /// GOAWAY and the driver stops once that is written. A stream error
    /// arrives as that stream's `StreamReset` event.
    fn note(&mut self, result: Result<(), h2::Error>) {
        if let Err(e) = result
            && e.is_connection_error()
        {
            self.broken.get_or_insert(e);
        }
    }

    /// Hands the machine's events to the callers and response bodies.
    fn poll_events(&mut self, progress: &mut bool) -> Result<(), Stop> {
        let Driver {
            conn,
            streams,
            releases,
            jobs,
            taking,
            goaway: goaway_code,
            ..
        } = self;
        let mut goaway = None;
        while let Some(event) = conn.poll_event() {
            *progress = true;
            match event {
                ClientEvent::ResponseReceived {
                    stream: id,
                    response,
                    end_stream,
                } => {
                    let head = response_head(response.status(), response.fields());
                    let length = if end_stream {
                        Some(0)
                    } else {
                        response.content_length()
                    };
                    let Some(s) = streams.get_mut(&id) else {
                        continue;
                    };
                    let mut response = match head {
                        Ok(response) => response,
                        Err(e) => {
                            let _ = conn.reset_stream(id, ErrorCode::PROTOCOL_ERROR);
                            if let Some(mut s) = streams.remove(&id) {
                                s.fail(e);
                            }
                            continue;
                        }
                    };
                    let slot = Arc::new(Slot::for_stream(id, releases.clone()));
                    *response.body_mut() = ResponseBody::new(slot.clone(), length);
                    s.answered(slot, end_stream);
                    let delivered = s
                        .reply
                        .take()
                        .is_some_and(|reply| reply.send(Reply::Response(response)).is_ok());
                    if !delivered {
                        // The caller gave up just now: nobody reads the body.
                        if !end_stream {
                            let _ = conn.reset_stream(id, ErrorCode::CANCEL);
                        }
                        streams.remove(&id);
                    } else if s.is_finished() {
                        streams.remove(&id);
                    }
                }
                ClientEvent::DataReceived {
                    stream: id,
                    data,
                    end_stream,
                } => {
                    let n = data.len();
                    let s = streams.get_mut(&id);
                    let queued = s
                        .as_ref()
                        .and_then(|s| s.slot.as_ref())
                        .is_some_and(|slot| slot.push_data(data));
                    if !queued && n > 0 {
                        // Nobody will read these bytes: give the credit back now.
                        let _ = conn.release_data(id, n);
                    }
                    if let Some(s) = s
                        && end_stream
                    {
                        s.end(Ok(()));
                        if s.is_finished() {
                            streams.remove(&id);
                        }
                    }
                }
                ClientEvent::TrailersReceived {
                    stream: id,
                    trailers,
                } => {
                    let map = drive::header_map(trailers.len(), trailers.iter());
                    if let Some(s) = streams.get_mut(&id) {
                        match map {
                            Ok(map) => {
                                if let Some(slot) = &s.slot {
                                    slot.push_trailers(map);
                                }
                                s.end(Ok(()));
                            }
                            Err(bad) => s.end(Err(bad_field(bad))),
                        }
                        if s.is_finished() {
                            streams.remove(&id);
                        }
                    }
                }
                ClientEvent::StreamReset {
                    stream: id,
                    code,
                    by_peer,
                } => {
                    let Some(mut s) = streams.remove(&id) else {
                        continue;
                    };
                    let error = match by_peer {
                        true => Error::new(ErrorKind::StreamReset(code)),
                        false => Error::with(
                            ErrorKind::StreamReset(code),
                            "reset by the client: the server's frames on the stream were malformed",
                        ),
                    };
                    if by_peer && code == ErrorCode::REFUSED_STREAM {
                        // RFC 9113 §8.7: not processed, safe to send again.
                        s.retry_or_fail(error);
                    } else if !s.recv_done || s.reply.is_some() {
                        s.fail(error);
                    }
                    // A reset after a complete response (NO_ERROR: "stop
                    // sending the body") ends nothing the caller waits for.
                }
                ClientEvent::SendReady { stream: id } => {
                    if let Some(s) = streams.get_mut(&id) {
                        s.unblock();
                    }
                }
                ClientEvent::GoawayReceived {
                    last_stream_id,
                    code,
                    ..
                } => {
                    // No new requests from now on, before the REFUSED_STREAM
                    // resets that follow send theirs elsewhere.
                    *goaway_code = Some(code);
                    *taking = false;
                    jobs.close();
                    goaway = Some(last_stream_id);
                }
                ClientEvent::PushPromised { promised, .. } => {
                    // Push is off unless the configuration enabled it, and this
                    // client has no place to deliver a pushed response.
                    let _ = conn.reset_stream(promised, ErrorCode::CANCEL);
                }
                _ => {}
            }
        }
        if let Some(last) = goaway {
            self.on_goaway(last);
        }
        Ok(())
    }

    /// RFC 9113 §6.8: streams above `last` were not processed and go to a
    /// new connection (the machine resets those the server knew of with
    /// REFUSED_STREAM; this catches the rest); those at or below it finish here.
    fn on_goaway(&mut self, last: StreamId) {
        let code = self.goaway.unwrap_or(ErrorCode::NO_ERROR);
        self.stop_taking();
        let unprocessed: Vec<StreamId> = self
            .streams
            .keys()
            .copied()
            .filter(|&id| id > last)
            .collect();
        for id in unprocessed {
            if let Some(mut s) = self.streams.remove(&id) {
                s.retry_or_fail(Error::new(ErrorKind::GoAway(code)));
            }
        }
    }

    /// The machine's timers, and the pool's idle timeout while no stream is open.
    fn poll_timer(&mut self, cx: &mut Context<'_>, progress: &mut bool) -> Result<(), Stop> {
        let idle_deadline = if self.streams.is_empty() && self.held.is_none() {
            let since = *self.idle_since.get_or_insert_with(Instant::now);
            Some(since + self.idle_timeout)
        } else {
            self.idle_since = None;
            None
        };
        let machine = self.conn.poll_timeout().map(to_tokio);
        let Poll::Ready(now) = self.timer.poll(cx, [machine, idle_deadline]) else {
            return Ok(());
        };
        if idle_deadline.is_some_and(|d| now >= d) {
            // Evicted: idle longer than the pool keeps connections.
            return Err(Stop::Exit);
        }
        let result = self.conn.handle_timeout(to_machine(now));
        self.note(result);
        if self.conn.poll_timeout().map(to_tokio) != machine {
            *progress = true;
        }
        Ok(())
    }

    fn check_done(&mut self) -> Result<(), Stop> {
        if self.conn.is_closed() {
            return Err(match self.conn.error().or(self.broken) {
                Some(e) => Stop::Fail(e.into()),
                None => Stop::Exit,
            });
        }
        if let Some(e) = self.broken
            && self.conn.poll_transmit().is_none()
            && !self.need_flush
        {
            return Err(Stop::Fail(e.into()));
        }
        if self.eof {
            // The server closed its side: nothing more will arrive.
            return Err(Stop::Exit);
        }
        if !self.taking && self.held.is_none() && self.streams.is_empty() {
            return Err(Stop::Exit);
        }
        Ok(())
    }

    /// Ends every request in flight with `stop`'s error (or the GOAWAY's
    /// code), and turns away the requests still queued.
    fn shutdown(&mut self, stop: Stop) {
        let error = match (stop, self.goaway) {
            (_, Some(code)) if code != ErrorCode::NO_ERROR => Error::new(ErrorKind::GoAway(code)),
            (Stop::Fail(e), _) => e,
            (Stop::Exit, Some(code)) => Error::new(ErrorKind::GoAway(code)),
            (Stop::Exit, None) => Error::new(ErrorKind::ConnectionClosed),
        };
        for (_, mut s) in self.streams.drain() {
            s.fail(error.duplicate());
        }
        self.stop_taking();
    }
}

/// The `http` response of a HEADERS frame (its body is set by the caller).
fn response_head<'a>(
    status: u16,
    fields: h2::Headers<'a>,
) -> Result<http::Response<ResponseBody>, Error> {
    let mut response = http::Response::new(ResponseBody::empty());
    *response.status_mut() = StatusCode::from_u16(status)
        .map_err(|e| Error::with(ErrorKind::Http2(h2::ErrorKind::InvalidStatus), e))?;
    *response.version_mut() = http::Version::HTTP_2;
    *response.headers_mut() = drive::header_map(fields.len(), fields.iter()).map_err(bad_field)?;
    Ok(response)
}

fn bad_field(bad: BadField) -> Error {
    Error::new(ErrorKind::Http2(match bad {
        BadField::Name => h2::ErrorKind::InvalidFieldName,
        BadField::Value => h2::ErrorKind::InvalidFieldValue,
    }))
}
