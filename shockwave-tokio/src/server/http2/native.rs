//! The native handler over HTTP/2: every stream is one exchange with its own
//! handler state, scratch buffer and [`Responder`], driven by the machine's
//! events in the order they come.
//!
//! Flow control follows the handler: body bytes handed to `on_data` are
//! released to the peer at once, unless the stream's response is blocked on
//! output; then they are released when it unblocks, so a peer that sends
//! faster than it reads is held to one stream window of buffered bytes.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use shockwave_proto::h2::{self, ErrorCode, ServerEvent, StreamId};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

use super::tunnel::Tunnel;
use crate::server::conn::{self, Wake};
use crate::server::native::Handler;
use crate::server::request::{Fields, Request};
use crate::server::responder::{Exchange, Responder, Target};
use crate::server::upgrade::Upgraded;

/// Scratch capacity a stream slot keeps between requests.
const SCRATCH_KEEP: usize = 64 * 1024;

/// One stream's exchange. Slots are reused for later streams, with their
/// scratch buffers, so a warm connection allocates nothing per request.
struct Slot<S> {
    stream: StreamId,
    live: bool,
    state: Option<S>,
    ex: Exchange,
    scratch: Vec<u8>,
    /// Body bytes delivered while the response was blocked, not yet released.
    unreleased: usize,
    /// The stream became a tunnel (a 2xx to CONNECT): the handler's
    /// `on_upgrade` has the other end.
    tunnel: Option<Tunnel>,
}

/// The live exchanges of a connection.
struct Slots<S> {
    slots: Vec<Slot<S>>,
}

impl<S> Slots<S> {
    fn find(&mut self, stream: StreamId) -> Option<&mut Slot<S>> {
        self.slots.iter_mut().find(|s| s.live && s.stream == stream)
    }

    fn open(&mut self, stream: StreamId, ex: Exchange) -> &mut Slot<S> {
        let i = match self.slots.iter().position(|s| !s.live) {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    stream,
                    live: false,
                    state: None,
                    ex: Exchange::idle(),
                    scratch: Vec::new(),
                    unreleased: 0,
                    tunnel: None,
                });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[i];
        slot.stream = stream;
        slot.live = true;
        slot.ex = ex;
        slot.unreleased = 0;
        slot.scratch.clear();
        if slot.scratch.capacity() > SCRATCH_KEEP {
            slot.scratch.shrink_to(SCRATCH_KEEP);
        }
        slot
    }
}

impl<S> Slot<S> {
    fn free(&mut self) {
        self.live = false;
        self.state = None;
        self.tunnel = None;
    }
}

/// What an event asks of a stream once the event's borrow of the machine ended.
enum Next {
    Nothing,
    Act(StreamId),
    Release(StreamId, usize),
}

/// Polls the machine's events, handing each to its stream's exchange.
fn dispatch<H: Handler>(
    handler: &H,
    conn: &mut h2::ServerConn,
    slots: &mut Slots<H::State>,
    shutdown: &watch::Receiver<bool>,
) {
    while let Some(event) = conn.poll_event() {
        let next = match event {
            ServerEvent::RequestReceived {
                stream,
                request,
                end_stream,
            } => {
                let req = Request::from_h2(request, end_stream);
                let span = tracing::debug_span!(
                    "request",
                    %stream,
                    method = req.method_str(),
                    target = req.target_str(),
                    status = tracing::field::Empty,
                );
                let mut ex = Exchange::start(req.method(), span);
                ex.request_finished = end_stream;
                let slot = slots.open(stream, ex);
                let _enter = slot.ex.span.enter();
                slot.state = Some(handler.on_request(&req, &mut slot.scratch));
                Next::Act(stream)
            }
            ServerEvent::DataReceived {
                stream,
                data,
                end_stream,
            } => {
                let n = data.len();
                match slots.find(stream) {
                    Some(Slot {
                        tunnel: Some(tunnel),
                        ..
                    }) => {
                        // Credit goes back once the handler's pipe took the bytes.
                        tunnel.received(data, end_stream);
                        Next::Nothing
                    }
                    Some(slot) => {
                        if let Some(st) = slot.state.as_mut() {
                            let _enter = slot.ex.span.enter();
                            handler.on_data(st, data, &mut slot.scratch);
                        }
                        slot.ex.request_finished |= end_stream;
                        if slot.ex.blocked {
                            slot.unreleased += n;
                            Next::Act(stream)
                        } else {
                            Next::Release(stream, n)
                        }
                    }
                    // A stream we reset or finished: its bytes still count
                    // against the connection window.
                    None => Next::Release(stream, n),
                }
            }
            ServerEvent::TrailersReceived { stream, trailers } => match slots.find(stream) {
                Some(slot) => {
                    if let Some(st) = slot.state.as_mut() {
                        let _enter = slot.ex.span.enter();
                        handler.on_trailers(st, &Fields::from(trailers), &mut slot.scratch);
                    }
                    slot.ex.request_finished = true;
                    Next::Act(stream)
                }
                None => Next::Nothing,
            },
            ServerEvent::StreamReset { stream, code, .. } => {
                if let Some(slot) = slots.find(stream) {
                    tracing::debug!(parent: &slot.ex.span, %code, "stream reset");
                    slot.free();
                }
                Next::Nothing
            }
            ServerEvent::SendReady { stream } => {
                if let Some(slot) = slots.find(stream) {
                    slot.ex.blocked = false;
                }
                Next::Act(stream)
            }
            _ => Next::Nothing,
        };
        match next {
            Next::Nothing => {}
            Next::Release(stream, n) => {
                let _ = conn.release_data(stream, n);
                if let Some(slot) = slots.find(stream) {
                    act(handler, conn, slot, shutdown);
                }
            }
            Next::Act(stream) => {
                if let Some(slot) = slots.find(stream) {
                    act(handler, conn, slot, shutdown);
                }
            }
        }
    }
}

/// The act phase for one stream: the rest of a whole-body response, then
/// `respond`, then the end of the exchange.
fn act<H: Handler>(
    handler: &H,
    conn: &mut h2::ServerConn,
    slot: &mut Slot<H::State>,
    shutdown: &watch::Receiver<bool>,
) {
    let stream = slot.stream;
    let span = slot.ex.span.clone();
    let _enter = span.enter();
    let flushed = {
        let mut res = Responder {
            target: Target::H2(conn, stream),
            scratch: &mut slot.scratch,
            ex: &mut slot.ex,
        };
        let flushed = res.flush_tail();
        if !res.ex.done
            && let Some(st) = slot.state.as_mut()
        {
            handler.respond(st, &mut res);
            res.check_stalled();
        }
        flushed
    };
    if slot.ex.tunnel
        && slot.tunnel.is_none()
        && let Some(state) = slot.state.take()
    {
        let (tunnel, theirs) = Tunnel::new();
        slot.tunnel = Some(tunnel);
        tracing::debug!("stream tunnelled");
        // The tunnel hears of graceful shutdown too (a WebSocket closes with 1001).
        let upgraded = Upgraded::new(Box::new(theirs), Vec::new()).with_shutdown(shutdown.clone());
        tokio::spawn(handler.on_upgrade(state, upgraded));
        return;
    }
    let abort = slot.ex.abort;
    let tail_left = !slot.ex.tail.is_empty();
    if abort || flushed.is_err() {
        let _ = conn.reset_stream(stream, ErrorCode::INTERNAL_ERROR);
        slot.free();
        return;
    }
    if !slot.ex.blocked && slot.unreleased > 0 {
        let _ = conn.release_data(stream, slot.unreleased);
        slot.unreleased = 0;
    }
    if slot.ex.done && slot.ex.request_finished && !tail_left && slot.tunnel.is_none() {
        slot.free();
    }
}

/// Moves bytes through every tunnel; `Ready` when any moved (or ended).
fn pump_tunnels<S>(
    conn: &mut h2::ServerConn,
    slots: &mut Slots<S>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let mut progress = false;
    for slot in slots.slots.iter_mut().filter(|s| s.live) {
        let Some(tunnel) = slot.tunnel.as_mut() else {
            continue;
        };
        match tunnel.pump(conn, slot.stream, cx) {
            Poll::Pending => {}
            Poll::Ready(Ok(released)) => {
                progress = true;
                if released > 0 {
                    let _ = conn.release_data(slot.stream, released);
                }
                if tunnel.is_done() {
                    slot.free();
                }
            }
            Poll::Ready(Err(())) => {
                progress = true;
                let _ = conn.reset_stream(slot.stream, ErrorCode::CANCEL);
                slot.free();
            }
        }
    }
    if progress {
        Poll::Ready(())
    } else {
        Poll::Pending
    }
}

/// Drives one HTTP/2 connection with a native handler until it closes;
/// `upgraded` is the exchange of an h2c upgrade's request.
pub(crate) async fn run<IO, H>(
    mut io: IO,
    handler: &H,
    mut conn: h2::ServerConn,
    mut shutdown: watch::Receiver<bool>,
    upgraded: Option<(H::State, Exchange)>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Handler,
{
    let mut slots = Slots { slots: Vec::new() };
    if let Some((state, ex)) = upgraded {
        // h2c by Upgrade: the HTTP/1.1 request is stream 1 (RFC 7540 section 3.2).
        let slot = slots.open(StreamId::new(1), ex);
        slot.state = Some(state);
        act(handler, &mut conn, slot, &shutdown);
    }
    let mut closing = *shutdown.borrow();
    if closing {
        conn.shutdown();
    }
    let sleep = tokio::time::sleep_until(tokio::time::Instant::now());
    tokio::pin!(sleep);

    loop {
        let now = tokio::time::Instant::now();
        dispatch(handler, &mut conn, &mut slots, &shutdown);
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
        let tunnels = slots.slots.iter().any(|s| s.tunnel.is_some());
        // Reading the socket and pumping tunnels both need the machine: one poll.
        let io_or_tunnels = poll_fn(|cx| {
            if tunnels && pump_tunnels(&mut conn, &mut slots, cx).is_ready() {
                return Poll::Ready(Wake::Other(()));
            }
            if !can_read {
                return Poll::Pending;
            }
            let mut buf = ReadBuf::new(conn.input_buf());
            match Pin::new(&mut io).poll_read(cx, &mut buf) {
                Poll::Ready(r) => Poll::Ready(Wake::Read(r.map(|()| buf.filled().len()))),
                Poll::Pending => Poll::Pending,
            }
        });
        let wake: Wake = tokio::select! {
            biased;
            _ = shutdown.changed(), if !closing => Wake::Shutdown,
            _ = &mut sleep, if timer => Wake::Timer,
            w = io_or_tunnels, if can_read || tunnels => w,
            else => Wake::Stuck,
        };
        if conn::apply(&mut conn, wake, &mut closing).is_err() {
            return;
        }
    }
}
