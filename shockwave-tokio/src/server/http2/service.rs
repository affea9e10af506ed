//! The `tower` path over HTTP/2: one service call per stream, all of a
//! connection's streams polled by its task.
//!
//! Request bodies go through [`Incoming`] with flow-control credit released as
//! the service takes each frame. Response bodies are polled only while their
//! stream can take more bytes (after a short `send_data`, not until the
//! machine's `SendReady`), so a slow peer holds at most a stream's send buffer
//! per stream. The machine schedules what goes out by RFC 9218 priority.

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;

use bytes::{Buf, Bytes};
use http_body::{Body, Frame};
use shockwave_proto::h2::{self, ErrorCode, RequestHead, ServerEvent, StreamId};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tower_service::Service;

use crate::server::conn::{self, Wake};
use crate::server::incoming::{BoxError, Chunk, Incoming, PeerAddr, ReleaseTx};
use crate::server::responder::decimal;
use crate::server::service::header_map;

/// One stream's exchange.
struct Exchange<F, B: Body> {
    stream: StreamId,
    head_request: bool,
    future: Option<Pin<Box<F>>>,
    body: Option<Pin<Box<B>>>,
    /// A data frame the stream could not take yet.
    pending: Option<B::Data>,
    /// Waiting for `SendReady` after a short send.
    blocked: bool,
    body_tx: Option<mpsc::UnboundedSender<Chunk>>,
    span: tracing::Span,
}

/// What a stream's future or body produced.
enum Polled<B: Body> {
    Response(Result<http::Response<B>, BoxError>),
    Frame(Option<Result<Frame<B::Data>, BoxError>>),
}

/// Fields that HTTP/2 forbids (RFC 9113 section 8.2.2); an HTTP/1.1-minded
/// service may still set them, so they are dropped rather than failing the stream.
fn connection_specific(name: &http::HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "proxy-connection" | "transfer-encoding" | "upgrade"
    )
}

fn build_request(
    head: &RequestHead<'_>,
    body: Incoming,
    peer: SocketAddr,
) -> Result<http::Request<Incoming>, http::Error> {
    let mut out = http::Request::new(body);
    *out.method_mut() = http::Method::from_bytes(head.method())?;
    let path = head.path().unwrap_or(b"");
    let uri = match (head.scheme(), head.authority()) {
        (Some(scheme), Some(authority)) if !path.is_empty() => http::Uri::builder()
            .scheme(scheme)
            .authority(authority)
            .path_and_query(path)
            .build()?,
        (_, Some(authority)) if path.is_empty() => http::Uri::try_from(authority)?,
        _ => http::Uri::try_from(path)?,
    };
    *out.uri_mut() = uri;
    *out.version_mut() = http::Version::HTTP_2;
    *out.headers_mut() = header_map(head.fields().into_iter(), head.fields().len())?;
    out.extensions_mut().insert(PeerAddr(peer));
    Ok(out)
}

/// Sends the response head; returns the body to stream, if there is one.
fn start_response<B: Body>(
    conn: &mut h2::ServerConn,
    stream: StreamId,
    head_request: bool,
    res: http::Response<B>,
) -> Result<Option<Pin<Box<B>>>, h2::UsageError> {
    let (parts, body) = res.into_parts();
    let status = parts.status.as_u16();
    let no_body = head_request || matches!(status, 204 | 304) || body.is_end_stream();
    let mut digits = [0u8; 20];
    let length = match body.size_hint().exact() {
        Some(n) if !parts.headers.contains_key(http::header::CONTENT_LENGTH) && status != 204 => {
            Some((&b"content-length"[..], decimal(n, &mut digits)))
        }
        _ => None,
    };
    let fields = parts
        .headers
        .iter()
        .filter(|(name, _)| !connection_specific(name))
        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
        .chain(length);
    conn.send_response(stream, status, fields, no_body)?;
    Ok((!no_body).then(|| Box::pin(body)))
}

/// Offers body bytes to the stream; returns what it did not take.
fn offer<D: Buf>(
    conn: &mut h2::ServerConn,
    stream: StreamId,
    mut data: D,
) -> Result<Option<D>, h2::UsageError> {
    while data.has_remaining() {
        let n = conn.send_data(stream, data.chunk(), false)?;
        data.advance(n);
        if n == 0 {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// The connection's exchanges, and the order they are polled in.
struct Exchanges<F, B: Body> {
    list: Vec<Exchange<F, B>>,
    /// Where the next poll starts, so no stream starves the others.
    next: usize,
}

impl<F, B: Body> Exchanges<F, B> {
    fn position(&self, stream: StreamId) -> Option<usize> {
        self.list.iter().position(|e| e.stream == stream)
    }

    fn remove(&mut self, stream: StreamId) {
        if let Some(i) = self.position(stream) {
            self.list.swap_remove(i);
        }
    }
}

/// Drives one HTTP/2 connection with a service until it closes.
pub(crate) async fn run<IO, S, B>(
    mut io: IO,
    mut service: S,
    mut conn: h2::ServerConn,
    mut shutdown: watch::Receiver<bool>,
    peer: SocketAddr,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<http::Request<Incoming>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut ex: Exchanges<S::Future, B> = Exchanges {
        list: Vec::new(),
        next: 0,
    };
    let (release_tx, mut release_rx) = mpsc::unbounded_channel::<(StreamId, usize)>();
    let mut closing = *shutdown.borrow();
    if closing {
        conn.shutdown();
    }
    let sleep = tokio::time::sleep_until(tokio::time::Instant::now());
    tokio::pin!(sleep);

    loop {
        let now = tokio::time::Instant::now();
        if !dispatch(&mut conn, &mut ex, &mut service, &release_tx, peer).await {
            return;
        }
        if let Err(e) = conn::write_output(&mut io, &mut conn).await {
            tracing::debug!(error = %e, "write failed");
            return;
        }
        if conn.is_closed() {
            conn::close(&mut io, conn.error().is_some()).await;
            return;
        }
        if conn::due(&mut conn, now) {
            continue;
        }
        let timer = conn::arm_timer(&conn, sleep.as_mut(), now);
        let can_read = !conn.input_buf().is_empty();
        let streams = &mut ex;
        let work = !streams.list.is_empty();
        let wake: Wake<(usize, Polled<B>)> = tokio::select! {
            biased;
            _ = shutdown.changed(), if !closing => Wake::Shutdown,
            Some((stream, n)) = release_rx.recv() => {
                let _ = conn.release_data(stream, n);
                continue;
            }
            polled = poll_fn(|cx| poll_exchanges(streams, cx)), if work => Wake::Other(polled),
            r = tokio::io::AsyncReadExt::read(&mut io, conn.input_buf()), if can_read => Wake::Read(r),
            _ = &mut sleep, if timer => Wake::Timer,
            else => Wake::Stuck,
        };
        let polled = match conn::apply(&mut conn, wake, &mut closing) {
            Ok(Some(polled)) => polled,
            Ok(None) => continue,
            Err(()) => return,
        };
        handle_polled(&mut conn, &mut ex, polled);
    }
}

/// Hands the machine's events to the exchanges; `false` when the service failed.
async fn dispatch<S, B>(
    conn: &mut h2::ServerConn,
    ex: &mut Exchanges<S::Future, B>,
    service: &mut S,
    release_tx: &ReleaseTx,
    peer: SocketAddr,
) -> bool
where
    S: Service<http::Request<Incoming>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
{
    loop {
        // A request needs the service ready, which may wait: build it first,
        // outside the event's borrow of the machine.
        let mut call = None;
        {
            let Some(event) = conn.poll_event() else {
                return true;
            };
            match event {
                ServerEvent::RequestReceived {
                    stream,
                    request,
                    end_stream,
                } => {
                    let span = tracing::debug_span!(
                        "request",
                        %stream,
                        method = %String::from_utf8_lossy(request.method()),
                        path = %String::from_utf8_lossy(request.path().unwrap_or(b"")),
                        status = tracing::field::Empty,
                    );
                    let (body, body_tx) = if end_stream {
                        (Incoming::empty(), None)
                    } else {
                        let (tx, rx) = mpsc::unbounded_channel();
                        let body = Incoming::released(
                            rx,
                            release_tx.clone(),
                            stream,
                            request.content_length(),
                        );
                        (body, Some(tx))
                    };
                    let head_request = request.method() == b"HEAD";
                    match build_request(&request, body, peer) {
                        Ok(req) => call = Some((stream, head_request, req, body_tx, span)),
                        Err(e) => {
                            tracing::debug!(error = %e, "request not representable in http types");
                            let _ = conn.send_response(
                                stream,
                                400,
                                core::iter::empty::<(&[u8], &[u8])>(),
                                true,
                            );
                        }
                    }
                }
                ServerEvent::DataReceived {
                    stream,
                    data,
                    end_stream,
                } => {
                    let n = data.len();
                    let mut delivered = false;
                    if let Some(i) = ex.position(stream)
                        && let Some(tx) = &ex.list[i].body_tx
                    {
                        delivered = n == 0
                            || tx
                                .send(Chunk::Frame(Frame::data(Bytes::copy_from_slice(data))))
                                .is_ok();
                        if end_stream {
                            let _ = tx.send(Chunk::End);
                            ex.list[i].body_tx = None;
                        }
                    }
                    if !delivered || n == 0 {
                        // Nobody will take these bytes: credit them now.
                        let _ = conn.release_data(stream, n);
                    }
                }
                ServerEvent::TrailersReceived { stream, trailers } => {
                    if let Some(i) = ex.position(stream)
                        && let Some(tx) = ex.list[i].body_tx.take()
                    {
                        let map =
                            header_map(trailers.into_iter(), trailers.len()).unwrap_or_default();
                        let _ = tx.send(Chunk::Frame(Frame::trailers(map)));
                        let _ = tx.send(Chunk::End);
                    }
                }
                ServerEvent::StreamReset { stream, code, .. } => {
                    if let Some(i) = ex.position(stream) {
                        tracing::debug!(parent: &ex.list[i].span, %code, "stream reset");
                    }
                    // Dropping the body sender makes the service see `IncompleteBody`.
                    ex.remove(stream);
                }
                ServerEvent::SendReady { stream } => {
                    if let Some(i) = ex.position(stream) {
                        let e = &mut ex.list[i];
                        e.blocked = false;
                        if let Some(data) = e.pending.take() {
                            match offer(conn, stream, data) {
                                Ok(rest) => {
                                    e.blocked = rest.is_some();
                                    e.pending = rest;
                                }
                                Err(err) => {
                                    tracing::debug!(error = %err, "response body");
                                    let _ = conn.reset_stream(stream, ErrorCode::INTERNAL_ERROR);
                                    ex.remove(stream);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some((stream, head_request, req, body_tx, span)) = call {
            if let Err(e) = poll_fn(|cx| service.poll_ready(cx)).await {
                let e: BoxError = e.into();
                tracing::error!(error = %e, "service failed");
                return false;
            }
            let future = {
                let _enter = span.enter();
                Box::pin(service.call(req))
            };
            ex.list.push(Exchange {
                stream,
                head_request,
                future: Some(future),
                body: None,
                pending: None,
                blocked: false,
                body_tx,
                span,
            });
        }
    }
}

/// Polls every exchange's response future or body, starting after the one
/// that was ready last time; returns the first that is ready.
fn poll_exchanges<F, E, B>(
    ex: &mut Exchanges<F, B>,
    cx: &mut std::task::Context<'_>,
) -> Poll<(usize, Polled<B>)>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    E: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    let len = ex.list.len();
    for k in 0..len {
        let i = (ex.next + k) % len;
        let e = &mut ex.list[i];
        if let Some(f) = e.future.as_mut() {
            if let Poll::Ready(r) = f.as_mut().poll(cx) {
                ex.next = i + 1;
                return Poll::Ready((i, Polled::Response(r.map_err(Into::into))));
            }
        } else if !e.blocked
            && e.pending.is_none()
            && let Some(body) = e.body.as_mut()
            && let Poll::Ready(frame) = body.as_mut().poll_frame(cx)
        {
            ex.next = i + 1;
            return Poll::Ready((i, Polled::Frame(frame.map(|r| r.map_err(Into::into)))));
        }
    }
    Poll::Pending
}

/// Acts on what one exchange produced.
fn handle_polled<F, B: Body>(
    conn: &mut h2::ServerConn,
    ex: &mut Exchanges<F, B>,
    (i, polled): (usize, Polled<B>),
) {
    let e = &mut ex.list[i];
    let stream = e.stream;
    let outcome: Result<bool, String> = match polled {
        Polled::Response(Ok(res)) => {
            e.future = None;
            e.span.record("status", res.status().as_u16());
            match start_response(conn, stream, e.head_request, res) {
                Ok(body) => {
                    let done = body.is_none();
                    e.body = body;
                    Ok(done)
                }
                Err(err) => Err(err.to_string()),
            }
        }
        Polled::Response(Err(err)) => {
            e.future = None;
            tracing::error!(parent: &e.span, error = %err, "service failed");
            e.span.record("status", 500);
            conn.send_response(stream, 500, core::iter::empty::<(&[u8], &[u8])>(), true)
                .map(|()| true)
                .map_err(|err| err.to_string())
        }
        Polled::Frame(None) => conn
            .send_data(stream, &[], true)
            .map(|_| true)
            .map_err(|err| err.to_string()),
        Polled::Frame(Some(Err(err))) => Err(err.to_string()),
        Polled::Frame(Some(Ok(frame))) => match frame.into_data() {
            Ok(data) => match offer(conn, stream, data) {
                Ok(rest) => {
                    e.blocked = rest.is_some();
                    e.pending = rest;
                    Ok(false)
                }
                Err(err) => Err(err.to_string()),
            },
            Err(frame) => {
                let trailers = frame.into_trailers().unwrap_or_default();
                conn.send_trailers(
                    stream,
                    trailers
                        .iter()
                        .filter(|(name, _)| !connection_specific(name))
                        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes())),
                )
                .map(|()| true)
                .map_err(|err| err.to_string())
            }
        },
    };
    match outcome {
        Ok(false) => {}
        Ok(true) => {
            // The response is complete; a request body still arriving is
            // credited as it comes (its sender is dropped with the exchange).
            ex.list.swap_remove(i);
        }
        Err(err) => {
            tracing::debug!(error = %err, %stream, "response failed; resetting the stream");
            let _ = conn.reset_stream(stream, ErrorCode::INTERNAL_ERROR);
            ex.list.swap_remove(i);
        }
    }
}
