//! The native handler: the machine's borrowed events and commands, with no
//! allocation per request.
//!
//! An event borrows the connection's read buffer, and a command needs the
//! connection, so a request is handled in two phases that never overlap:
//! *observe* ([`Handler::on_request`], [`Handler::on_data`],
//! [`Handler::on_trailers`]: the borrowed head or body bytes, and a
//! per-connection scratch buffer to copy into) and *act* ([`Handler::respond`],
//! with a [`Responder`] that forwards to the machine's commands). `respond` is
//! called after every observed event until the response is complete, and again
//! whenever the output drained after a send that did not fit.
//!
//! ```
//! use shockwave_proto::h1::{BodyFraming, Method};
//! use shockwave_tokio::server::{Handler, Request, Responder, UsageError};
//!
//! struct Echo;
//!
//! enum Route { Hello, Echo(BodyFraming), NotFound }
//!
//! impl Handler for Echo {
//!     type State = Route;
//!     fn on_request(&self, req: &Request<'_>, _scratch: &mut Vec<u8>) -> Route {
//!         match (req.method(), req.path()) {
//!             (Method::Get, b"/") => Route::Hello,
//!             (Method::Post, b"/echo") => Route::Echo(req.body_framing()),
//!             _ => Route::NotFound,
//!         }
//!     }
//!     fn on_data(&self, _: &mut Route, data: &[u8], scratch: &mut Vec<u8>) {
//!         scratch.extend_from_slice(data);
//!     }
//!     fn respond(&self, route: &mut Route, res: &mut Responder<'_>) {
//!         let _ = match *route {
//!             Route::Hello => res.send_response_with_body(200, &[], b"hello\n"),
//!             Route::NotFound => res.send_response_with_body(404, &[], b""),
//!             Route::Echo(framing) => echo(res, framing),
//!         };
//!     }
//! }
//!
//! fn echo(res: &mut Responder<'_>, framing: BodyFraming) -> Result<(), UsageError> {
//!     if !res.is_started() {
//!         res.send_response(200, &[], framing)?;
//!     }
//!     // What did not fit stays in scratch; `respond` is called again once the output drained.
//!     if res.send_scratch()? && res.is_request_finished() {
//!         res.finish()?;
//!     }
//!     Ok(())
//! }
//! ```

use std::future::Future;
use std::pin::Pin;

use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{BodyFraming, Config};
use shockwave_proto::h2;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use super::conn::{self, Clock, Wake};
use super::http2::{self, upgrade};
use super::request::{Fields, Request};
use super::responder::{Exchange, Responder, Target};
use super::upgrade::Upgraded;
use crate::time::to_machine;

/// The future a handler returns to run an upgraded connection. It runs in the
/// connection's task, so it counts against `max_connections` and is aborted at
/// the end of a graceful shutdown's deadline.
pub type UpgradeFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Scratch capacity kept between requests; a handler that grew it past this
/// gets it shrunk back when the next request starts.
const SCRATCH_KEEP: usize = 256 * 1024;

/// A request handler working on the machine's borrowed events. See the
/// [module docs](self) for the two phases and an example.
pub trait Handler: Send + Sync + 'static {
    /// What the handler remembers about one request between its events (a
    /// route, a counter, a parsed value). Made by [`Handler::on_request`],
    /// dropped when the next request arrives.
    type State: Send + 'static;

    /// A request head arrived. It borrows the connection: copy what you keep
    /// into the returned state or into `scratch` (cleared for every request,
    /// its capacity kept).
    fn on_request(&self, req: &Request<'_>, scratch: &mut Vec<u8>) -> Self::State;

    /// A piece of the request body arrived (chunk framing removed). The
    /// default drops it.
    fn on_data(&self, state: &mut Self::State, data: &[u8], scratch: &mut Vec<u8>) {
        let _ = (state, data, scratch);
    }

    /// The trailer section of a chunked request body. The default drops it.
    fn on_trailers(&self, state: &mut Self::State, trailers: &Fields<'_>, scratch: &mut Vec<u8>) {
        let _ = (state, trailers, scratch);
    }

    /// Acts on the connection: called after every event until the response is
    /// complete, and after the output drained when a send did not fit. Once
    /// [`Responder::is_request_finished`], the call must complete the response
    /// or be blocked on output (a send that did not fit); a handler that does
    /// neither gets a 500 (or the connection closed, if its head went out).
    fn respond(&self, state: &mut Self::State, res: &mut Responder<'_>);

    /// The response switched protocols (101, or 2xx to CONNECT) and was
    /// written; the stream is the handler's. The default closes it.
    ///
    /// Over HTTP/2 a 2xx to a CONNECT (an RFC 8441 extended CONNECT, such as
    /// WebSocket's) turns the stream into a tunnel: `upgraded` reads the
    /// stream's DATA and writes DATA back, the stream ends when it is shut
    /// down, and the future runs as a task of its own while the connection
    /// serves its other streams.
    fn on_upgrade(&self, state: Self::State, upgraded: Upgraded) -> UpgradeFuture {
        let _ = (state, upgraded);
        Box::pin(async {})
    }
}

/// The exchange in progress on an HTTP/1.1 connection, as the driver keeps it.
struct Current<S> {
    scratch: Vec<u8>,
    state: Option<S>,
    ex: Exchange,
    /// The bytes after a 101 (or a 2xx to CONNECT): the connection switched.
    leftover: Option<Vec<u8>>,
    /// The request switches to h2c: its `HTTP2-Settings` value.
    h2c: Option<Vec<u8>>,
}

/// Polls the machine's events and hands them to the handler until it has no
/// more, the handler is blocked on output, or the connection was upgraded.
/// With `h2c`, a request asking for `Upgrade: h2c` is answered with a 101 and
/// kept for HTTP/2 (the handler sees it, and answers it on stream 1).
fn dispatch<H: Handler>(
    handler: &H,
    conn: &mut ServerConn,
    cur: &mut Current<H::State>,
    h2c: bool,
) {
    let Current {
        scratch,
        state,
        ex,
        leftover,
        h2c: switch,
    } = cur;
    if ex.blocked {
        // The output drained: resume the response before taking more input.
        ex.blocked = false;
        act(handler, conn, scratch, state, ex);
    }
    while !ex.blocked {
        // Matched where the machine returned it: the event is not moved.
        let polled = conn.poll_event();
        let Some(event) = &polled else {
            return;
        };
        match event {
            ServerEvent::RequestReceived(head) => {
                scratch.clear();
                if scratch.capacity() > SCRATCH_KEEP {
                    scratch.shrink_to(SCRATCH_KEEP);
                }
                // The handler's view borrows the event where it lies.
                let req = Request::from_h1_event(head);
                let h1 = req.as_h1();
                let span = tracing::debug_span!(
                    "request",
                    method = req.method_str(),
                    target = req.target_str(),
                    status = tracing::field::Empty,
                );
                // The exchange is reset in place, not rebuilt and dropped.
                ex.restart(req.method(), span);
                let settings = match h1 {
                    Some(h1) if h2c && h1.is_upgrade() => upgrade::h2c_settings(h1),
                    _ => None,
                };
                let _enter = ex.span.enter();
                *state = Some(handler.on_request(&req, scratch));
                if let Some(settings) = settings {
                    *switch = Some(settings.to_vec());
                    ex.request_finished = true;
                    drop(_enter);
                    // Answered over HTTP/2 once the 101 is out.
                    let _ = conn.send_response(
                        101,
                        upgrade::SWITCHING.iter().copied(),
                        BodyFraming::Empty,
                    );
                    continue;
                }
            }
            ServerEvent::DataReceived(data) => {
                if let Some(st) = state.as_mut() {
                    let _enter = ex.span.enter();
                    handler.on_data(st, data, scratch);
                }
            }
            ServerEvent::TrailersReceived(fields) => {
                if let Some(st) = state.as_mut() {
                    let _enter = ex.span.enter();
                    handler.on_trailers(st, &Fields::from(*fields), scratch);
                }
            }
            ServerEvent::RequestFinished => ex.request_finished = true,
            ServerEvent::Upgraded(bytes) => {
                *leftover = Some(bytes.to_vec());
                return;
            }
        }
        if switch.is_none() {
            act(handler, conn, scratch, state, ex);
        }
    }
}

/// The act phase: `respond`, and the rule for handlers that stop halfway.
#[inline(always)]
fn act<H: Handler>(
    handler: &H,
    conn: &mut ServerConn,
    scratch: &mut Vec<u8>,
    state: &mut Option<H::State>,
    ex: &mut Exchange,
) {
    if ex.done {
        return;
    }
    let Some(st) = state.as_mut() else {
        return;
    };
    // The span is entered through a clone (the responder holds the exchange
    // mutably); a disabled span has nothing to enter and is not cloned.
    let span = (!ex.span.is_none()).then(|| ex.span.clone());
    let _enter = span.as_ref().map(tracing::Span::enter);
    let mut res = Responder {
        target: Target::H1(conn),
        scratch,
        ex,
    };
    handler.respond(st, &mut res);
    res.check_stalled();
}

/// Runs the connection as HTTP/2 after the 101 to `Upgrade: h2c` (RFC 7540
/// section 3.2): `bytes` arrived after the upgrading request, which `first`
/// answers on stream 1.
async fn switch_to_h2c<IO, H>(
    io: IO,
    handler: &H,
    config: &h2::Config,
    settings: Vec<u8>,
    bytes: Vec<u8>,
    first: (H::State, Exchange),
    shutdown: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Handler,
{
    let now = to_machine(tokio::time::Instant::now());
    let mut conn = match h2::ServerConn::upgraded(config.clone(), now, &settings) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::debug!(error = %e, "bad HTTP2-Settings");
            return;
        }
    };
    if let Err(e) = conn.handle_input(now, &bytes) {
        tracing::debug!(error = %e, "HTTP/2 connection error");
    }
    http2::native::run(io, handler, conn, shutdown, Some(first)).await;
}

/// Drives one connection with a native handler until it closes or is upgraded.
pub(crate) async fn run<IO, H>(
    mut io: IO,
    handler: &H,
    config: Config,
    h2: Option<&h2::Config>,
    shutdown: watch::Receiver<bool>,
    preread: &[u8],
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Handler,
{
    let start = tokio::time::Instant::now();
    let clock = Clock::new(start);
    let mut conn = ServerConn::with_start(config, to_machine(start));
    // What protocol detection read is a prefix of the first head: it fits.
    let _ = conn.handle_input(to_machine(start), preread);
    let mut cur = Current {
        scratch: Vec::new(),
        state: None,
        ex: Exchange::idle(),
        leftover: None,
        h2c: None,
    };
    let mut closing = *shutdown.borrow();
    if closing {
        conn.close();
    }
    let sleep = tokio::time::sleep_until(start);
    tokio::pin!(sleep);
    // One wait for the shutdown signal for the whole connection (on a clone, so
    // `shutdown` can still be handed on): a `changed()` made afresh each turn
    // registers and drops a waiter every time.
    let mut signal = shutdown.clone();
    let stop = signal.changed();
    tokio::pin!(stop);

    // The time the last wake-up happened at: the turn that follows it is short.
    let mut now = start;
    loop {
        conn.set_unix_time(clock.unix_secs(now));
        dispatch(handler, &mut conn, &mut cur, h2.is_some());
        if let Err(e) = conn::write_output(&mut io, &mut conn).await {
            tracing::debug!(error = %e, "write failed");
            return;
        }
        if cur.ex.abort {
            conn::close(&mut io, false).await;
            return;
        }
        if cur.ex.blocked {
            now = tokio::time::Instant::now();
            continue;
        }
        if let Some(bytes) = cur.leftover.take() {
            let Some(st) = cur.state.take() else { return };
            if let (Some(settings), Some(config)) = (cur.h2c.take(), h2) {
                tracing::debug!("switching to h2c");
                let first = (st, core::mem::replace(&mut cur.ex, Exchange::idle()));
                // Boxed, machine and all, as on a plain port: inline, the HTTP/2
                // connection would make every HTTP/1.1 connection's task larger.
                Box::pin(switch_to_h2c(
                    io, handler, config, settings, bytes, first, shutdown,
                ))
                .await;
                return;
            }
            tracing::debug!("connection upgraded");
            handler
                .on_upgrade(
                    st,
                    Upgraded::new(Box::new(io), bytes).with_shutdown(shutdown),
                )
                .await;
            return;
        }
        if conn.is_closed() {
            conn::close(&mut io, conn.error().is_some()).await;
            return;
        }

        // The machine asks for the time after every exchange (its idle period
        // began in a command); only a timeout that acted needs another turn.
        if conn::due(&mut conn, now) && (conn.poll_transmit().is_some() || conn.is_closed()) {
            continue;
        }
        let timer = conn::arm_timer(&conn, sleep.as_mut(), now);
        // Asked for once per turn: finding the room can compact the buffer.
        let input = conn.input_buf();
        let can_read = !input.is_empty();
        // The read is polled first: under load it is ready, and then the other
        // two are not polled at all. A shutdown is still seen at once (the flag
        // is read every turn), and a deadline by `due` above.
        let wake: Wake = if !closing && shutdown.has_changed().unwrap_or(true) {
            Wake::Shutdown
        } else {
            tokio::select! {
                biased;
                r = tokio::io::AsyncReadExt::read(&mut io, input), if can_read => Wake::Read(r),
                // Once it fired, `closing` is set and it is not polled again.
                _ = &mut stop, if !closing => Wake::Shutdown,
                _ = &mut sleep, if timer => Wake::Timer,
                else => Wake::Stuck,
            }
        };
        now = tokio::time::Instant::now();
        if conn::apply_at(&mut conn, wake, &mut closing, now).is_err() {
            return;
        }
    }
}
