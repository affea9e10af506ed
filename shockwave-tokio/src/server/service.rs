//! The `tower` path: any `Service<http::Request<Incoming>>` answering with an
//! `http::Response` whose body implements `http_body::Body`.
//!
//! The request body is fed from the machine's `DataReceived` and
//! `TrailersReceived` events through a bounded channel: while the channel is
//! full, the driver stops polling the machine for body bytes, so the machine's
//! read buffer fills and the socket is no longer read (backpressure down to TCP).
//! The response body is streamed with `send_data`: `content-length` from
//! `size_hint().exact()` (or the response's own `content-length`), otherwise
//! chunked, with trailers via `send_trailers` (trailers need chunked framing:
//! with a `content-length` they are dropped).

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;

use bytes::{Buf, Bytes};
use http::{HeaderMap, HeaderName, HeaderValue};
use http_body::{Body, Frame};
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config, Method, Request, Version};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tower_service::Service;

use super::conn::{self, Clock, Wake};
use super::incoming::{BODY_CHANNEL, Chunk};
use super::incoming::{BoxError, Incoming, PeerAddr};
use super::upgrade::{OnUpgrade, Upgraded};
use crate::time::to_machine;

/// Fields as an `http::HeaderMap` (names lowercased; well-known names cost no allocation).
pub(crate) fn header_map<'a>(
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    len: usize,
) -> Result<HeaderMap, http::Error> {
    let mut map = HeaderMap::with_capacity(len);
    for (name, value) in fields {
        map.append(
            HeaderName::from_bytes(name)?,
            HeaderValue::from_bytes(value)?,
        );
    }
    Ok(map)
}

fn build_request(
    req: &Request<'_>,
    body: Incoming,
    peer: SocketAddr,
) -> Result<http::Request<Incoming>, http::Error> {
    let mut out = http::Request::new(body);
    *out.method_mut() = http::Method::from_bytes(req.method_bytes())?;
    *out.uri_mut() = http::Uri::try_from(req.target())?;
    *out.version_mut() = match req.version() {
        Version::Http10 => http::Version::HTTP_10,
        Version::Http11 => http::Version::HTTP_11,
    };
    let fields = req.fields();
    *out.headers_mut() = header_map(fields.iter().map(|f| (f.name, f.value)), fields.len())?;
    out.extensions_mut().insert(PeerAddr(peer));
    Ok(out)
}

/// The response being sent.
struct Sending<B: Body> {
    body: Pin<Box<B>>,
    /// A data frame that did not fit in the output yet.
    pending: Option<B::Data>,
}

/// Sends the response head; returns the body to stream, if one must be sent.
fn start_response<B>(
    conn: &mut ServerConn,
    method: Method,
    res: http::Response<B>,
) -> Option<Sending<B>>
where
    B: Body,
{
    let (parts, body) = res.into_parts();
    let status = parts.status.as_u16();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let framing = match (declared, body.size_hint().exact()) {
        (Some(n), _) | (None, Some(n)) => BodyFraming::Length(n),
        (None, None) => BodyFraming::Chunked,
    };
    let no_body = matches!(status, 101 | 204 | 304)
        || (100..200).contains(&status)
        || (method == Method::Connect && (200..300).contains(&status));
    let framing = if no_body { BodyFraming::Empty } else { framing };
    let fields = parts.headers.iter().filter(|(name, _)| {
        *name != http::header::CONTENT_LENGTH && *name != http::header::TRANSFER_ENCODING
    });
    if let Err(e) = conn.send_response(status, fields, framing) {
        tracing::error!(error = %e, status, "the service's response cannot be sent");
        let _ = conn.send_response_with_body(500, &[], b"");
        return None;
    }
    let ends_here = no_body
        || method == Method::Head
        || matches!(framing, BodyFraming::Length(0) | BodyFraming::Empty);
    if ends_here {
        // The machine ended the response with its head.
        return None;
    }
    Some(Sending {
        body: Box::pin(body),
        pending: None,
    })
}

/// Offers a data frame to the machine; returns what did not fit.
fn offer<D: Buf>(conn: &mut ServerConn, mut data: D) -> Result<Option<D>, ()> {
    while data.has_remaining() {
        match conn.send_data(data.chunk()) {
            Ok(n) => {
                data.advance(n);
                if n == 0 {
                    return Ok(Some(data));
                }
            }
            Err(shockwave_proto::h1::UsageError::OutputFull) => return Ok(Some(data)),
            Err(e) => {
                tracing::debug!(error = %e, "the response body does not fit its framing");
                return Err(());
            }
        }
    }
    Ok(None)
}

/// Per-connection state of the `tower` path.
struct Exchange<F, B: Body> {
    method: Method,
    future: Option<Pin<Box<F>>>,
    sending: Option<Sending<B>>,
    body_tx: Option<mpsc::Sender<Chunk>>,
    upgrade_tx: Option<oneshot::Sender<Upgraded>>,
    span: tracing::Span,
}

enum Event<B: Body> {
    Response(Result<http::Response<B>, BoxError>),
    Frame(Option<Result<Frame<B::Data>, BoxError>>),
    Capacity,
}

/// Drives one connection with a service until it closes or is upgraded.
pub(crate) async fn run<IO, S, B>(
    mut io: IO,
    mut service: S,
    config: Config,
    mut shutdown: watch::Receiver<bool>,
    peer: SocketAddr,
    preread: &[u8],
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<http::Request<Incoming>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    let start = tokio::time::Instant::now();
    let clock = Clock::new(start);
    let mut conn = ServerConn::with_start(config, to_machine(start));
    // What protocol detection read is a prefix of the first head: it fits.
    let _ = conn.handle_input(to_machine(start), preread);
    let mut ex: Exchange<S::Future, B> = Exchange {
        method: Method::Get,
        future: None,
        sending: None,
        body_tx: None,
        upgrade_tx: None,
        span: tracing::Span::none(),
    };
    let mut leftover: Option<Vec<u8>> = None;
    let mut closing = *shutdown.borrow();
    if closing {
        conn.close();
    }
    let sleep = tokio::time::sleep_until(start);
    tokio::pin!(sleep);

    loop {
        let now = tokio::time::Instant::now();
        conn.set_unix_time(clock.unix_secs(now));

        // Resume a body frame that did not fit before.
        if let Some(sending) = ex.sending.as_mut()
            && let Some(data) = sending.pending.take()
        {
            match offer(&mut conn, data) {
                Ok(rest) => sending.pending = rest,
                Err(()) => return,
            }
        }

        // Events, as long as the request body channel has room.
        let mut body_blocked = false;
        loop {
            if let Some(tx) = &ex.body_tx
                && tx.capacity() == 0
            {
                body_blocked = true;
                break;
            }
            let Some(event) = conn.poll_event() else {
                break;
            };
            match event {
                ServerEvent::RequestReceived(req) => {
                    ex.method = req.method();
                    ex.span = tracing::debug_span!(
                        "request",
                        method = req.method_str(),
                        target = req.target_str(),
                        status = tracing::field::Empty,
                    );
                    let body = if req.has_body() {
                        let (tx, rx) = mpsc::channel(BODY_CHANNEL);
                        ex.body_tx = Some(tx);
                        let remaining = match req.body_framing() {
                            BodyFraming::Length(n) => Some(n),
                            _ => None,
                        };
                        Incoming::bounded(rx, remaining)
                    } else {
                        Incoming::empty()
                    };
                    let upgradable = req.is_upgrade() || req.method() == Method::Connect;
                    match build_request(&req, body, peer) {
                        Ok(mut request) => {
                            if upgradable {
                                let (tx, on) = OnUpgrade::pair();
                                request.extensions_mut().insert(on);
                                ex.upgrade_tx = Some(tx);
                            }
                            if let Err(e) = poll_fn(|cx| service.poll_ready(cx)).await {
                                let e: BoxError = e.into();
                                tracing::error!(error = %e, "service failed");
                                return;
                            }
                            let _enter = ex.span.enter();
                            ex.future = Some(Box::pin(service.call(request)));
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "request not representable in http types");
                            ex.body_tx = None;
                            let _ = conn.send_response_with_body(400, &[], b"");
                            conn.close();
                        }
                    }
                }
                ServerEvent::DataReceived(data) => {
                    if let Some(tx) = &ex.body_tx
                        && tx
                            .try_send(Chunk::Frame(Frame::data(Bytes::copy_from_slice(data))))
                            .is_err()
                    {
                        // The service dropped the body: the rest is read and dropped.
                        ex.body_tx = None;
                    }
                }
                ServerEvent::TrailersReceived(fields) => {
                    let trailers =
                        header_map(fields.iter().map(|f| (f.name, f.value)), fields.len())
                            .unwrap_or_default();
                    if let Some(tx) = &ex.body_tx
                        && tx
                            .try_send(Chunk::Frame(Frame::trailers(trailers)))
                            .is_err()
                    {
                        ex.body_tx = None;
                    }
                }
                ServerEvent::RequestFinished => {
                    if let Some(tx) = ex.body_tx.take() {
                        let _ = tx.try_send(Chunk::End);
                    }
                }
                ServerEvent::Upgraded(bytes) => {
                    leftover = Some(bytes.to_vec());
                    break;
                }
            }
        }

        if let Err(e) = conn::write_output(&mut io, &mut conn).await {
            tracing::debug!(error = %e, "write failed");
            return;
        }
        if let Some(bytes) = leftover.take() {
            if let Some(tx) = ex.upgrade_tx.take() {
                tracing::debug!("connection upgraded");
                let _ = tx.send(Upgraded::new(Box::new(io), bytes).with_shutdown(shutdown));
            }
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
        let has_future = ex.future.is_some();
        let has_body = ex.sending.as_ref().is_some_and(|s| s.pending.is_none());
        let future = &mut ex.future;
        let sending = &mut ex.sending;
        let body_tx = &ex.body_tx;
        let wake: Wake<Event<B>> = tokio::select! {
            biased;
            _ = shutdown.changed(), if !closing => Wake::Shutdown,
            r = poll_fn(|cx| match future.as_mut() {
                Some(f) => f.as_mut().poll(cx).map(|r| r.map_err(Into::into)),
                None => Poll::Pending,
            }), if has_future => Wake::Other(Event::Response(r)),
            f = poll_fn(|cx| match sending.as_mut() {
                Some(s) => s.body.as_mut().poll_frame(cx).map(|f| f.map(|r| r.map_err(Into::into))),
                None => Poll::Pending,
            }), if has_body => Wake::Other(Event::Frame(f)),
            _ = async {
                if let Some(tx) = body_tx {
                    let _ = tx.reserve().await;
                }
            }, if body_blocked => Wake::Other(Event::Capacity),
            r = tokio::io::AsyncReadExt::read(&mut io, conn.input_buf()), if can_read => Wake::Read(r),
            _ = &mut sleep, if timer => Wake::Timer,
            else => Wake::Stuck,
        };
        let event = match conn::apply(&mut conn, wake, &mut closing) {
            Ok(event) => event,
            Err(()) => return,
        };
        if conn.error().is_some() {
            // The request body will not complete: the service sees `IncompleteBody`.
            ex.body_tx = None;
        }
        match event {
            None | Some(Event::Capacity) => {}
            Some(Event::Response(result)) => {
                ex.future = None;
                match result {
                    Ok(response) => {
                        ex.span.record("status", response.status().as_u16());
                        ex.sending = start_response(&mut conn, ex.method, response);
                    }
                    Err(e) => {
                        tracing::error!(parent: &ex.span, error = %e, "service failed");
                        ex.span.record("status", 500);
                        let _ = conn.send_response_with_body(500, &[], b"");
                    }
                }
            }
            Some(Event::Frame(frame)) => {
                let Some(sending) = ex.sending.as_mut() else {
                    continue;
                };
                match frame {
                    None => {
                        ex.sending = None;
                        if let Err(e) = conn.finish() {
                            tracing::debug!(error = %e, "response body ended early");
                            return;
                        }
                    }
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "response body failed; closing");
                        let _ = conn::write_output(&mut io, &mut conn).await;
                        return;
                    }
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => match offer(&mut conn, data) {
                            Ok(rest) => sending.pending = rest,
                            Err(()) => return,
                        },
                        Err(frame) => {
                            ex.sending = None;
                            let trailers = frame.into_trailers().unwrap_or_default();
                            let pairs: Vec<(&[u8], &[u8])> = trailers
                                .iter()
                                .map(|(n, v)| (n.as_ref(), v.as_bytes()))
                                .collect();
                            if conn.send_trailers(&pairs).is_err() && conn.finish().is_err() {
                                return;
                            }
                        }
                    },
                }
            }
        }
    }
}
