//! The reference server's routes as a native handler: `GET /` says hello,
//! `POST /echo` streams the request body back, `/ws` is a WebSocket echo
//! (text and binary, permessage-deflate accepted; over HTTP/1.1 and over
//! HTTP/2 by extended CONNECT) replying to borrowed messages
//! (`WebSocket::recv_each`), `/ws/owned` the same echo made of owned
//! messages (`recv` and `feed`), anything else is 404.

use shockwave_proto::h1::{BodyFraming, Method};
use shockwave_proto::ws::deflate::DeflateOptions;
use shockwave_proto::ws::handshake::{HandshakeError, OriginPolicy, ServerPolicy};

use super::native::{Handler, UpgradeFuture};
use super::{Request, Responder, Upgraded, UsageError};
use crate::ws::{self, ServerHandshake, WebSocket};

/// The reference server's handler (the benchmark target).
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

/// Which route a request took.
#[derive(Debug)]
pub enum Route {
    /// `GET /` (and `HEAD /`).
    Hello,
    /// `POST /echo`: the body comes back with the request's own framing.
    Echo(BodyFraming),
    /// `GET /ws` (or `/ws/owned`) asking for a WebSocket: accepted, echoed
    /// once upgraded.
    WebSocket(Box<ServerHandshake>, WsEcho),
    /// `/ws` with a WebSocket handshake that is refused (the error says why).
    WebSocketRefused(HandshakeError),
    /// `/ws` without an upgrade: 426 Upgrade Required.
    UpgradeRequired,
    /// Anything else.
    NotFound,
}

/// How a WebSocket route echoes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WsEcho {
    /// `/ws`: each message borrowed where it was read, the echo queued at
    /// once (`WebSocket::recv_each`).
    Borrowed,
    /// `/ws/owned`: each message received as a `Message` and fed back.
    Owned,
}

/// The echo's handshake: no subprotocol, permessage-deflate accepted when
/// offered, and browsers only from a page of the same host.
const WS_POLICY: ServerPolicy<'static> = ServerPolicy {
    protocols: &[],
    origin: OriginPolicy::SameHost,
    deflate: Some(DeflateOptions {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
    }),
};

/// The route of a request for `/ws`. Out of line, so that routing the other
/// requests saves and restores no registers for the handshake's sake.
#[inline(never)]
fn websocket_route(req: &Request<'_>, echo: WsEcho) -> Route {
    // HTTP/2: an extended CONNECT (RFC 8441); its 200 makes the stream a tunnel.
    let extended_connect = req.as_h2().is_some_and(|h| h.protocol().is_some());
    if !req.is_upgrade() && !extended_connect {
        return Route::UpgradeRequired;
    }
    match ServerHandshake::from_request(req, &WS_POLICY) {
        Ok(handshake) => Route::WebSocket(Box::new(handshake), echo),
        Err(e) => Route::WebSocketRefused(e),
    }
}

/// Echoes every text and binary message until the connection is over,
/// borrowed: the echo is queued while the message lies in the read buffer.
async fn websocket_echo(mut socket: WebSocket<Upgraded>) {
    let echo = |message: ws::MessageRef<'_>, out: &mut ws::Outbox<'_>| {
        if message.is_data() {
            // Refused only when the connection is closing: keep receiving
            // to finish the closing handshake.
            let _ = out.send(message);
        }
    };
    while let Some(batch) = socket.recv_each(echo).await {
        if let Err(e) = batch {
            tracing::debug!(error = %e, "websocket echo");
        }
    }
}

/// The same echo with owned messages.
async fn websocket_echo_owned(mut socket: WebSocket<Upgraded>) {
    while let Some(message) = socket.recv().await {
        match message {
            // Queued; written by the next `recv` (or when the queue fills).
            // A failed send means the connection is closing: keep receiving
            // to finish the closing handshake.
            Ok(message) if message.is_data() => {
                let _ = socket.feed(message).await;
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "websocket echo"),
        }
    }
}

const HELLO: &[u8] = b"Hello from Shockwave!\n";
const TEXT: &[(&[u8], &[u8])] = &[(b"content-type", b"text/plain; charset=utf-8")];
const OCTETS: &[(&[u8], &[u8])] = &[(b"content-type", b"application/octet-stream")];

impl Handler for Reference {
    type State = Route;

    fn on_request(&self, req: &Request<'_>, _scratch: &mut Vec<u8>) -> Route {
        match (req.method(), req.path()) {
            (Method::Get | Method::Head, b"/") => Route::Hello,
            (Method::Post, b"/echo") => Route::Echo(req.body_framing()),
            (_, b"/ws") => websocket_route(req, WsEcho::Borrowed),
            (_, b"/ws/owned") => websocket_route(req, WsEcho::Owned),
            _ => Route::NotFound,
        }
    }

    fn on_data(&self, route: &mut Route, data: &[u8], scratch: &mut Vec<u8>) {
        if let Route::Echo(_) = route {
            scratch.extend_from_slice(data);
        }
    }

    fn respond(&self, route: &mut Route, res: &mut Responder<'_>) {
        let result = match route {
            Route::Hello => res.send_response_with_body(200, TEXT, HELLO),
            Route::NotFound => res.send_response_with_body(404, TEXT, b"not found\n"),
            _ => respond_other(route, res),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "reference handler");
            res.close();
        }
    }

    fn on_upgrade(&self, route: Route, upgraded: Upgraded) -> UpgradeFuture {
        match route {
            Route::WebSocket(handshake, echo) => {
                let socket = handshake.accept(upgraded, ws::Config::default());
                match echo {
                    WsEcho::Borrowed => Box::pin(websocket_echo(socket)),
                    WsEcho::Owned => Box::pin(websocket_echo_owned(socket)),
                }
            }
            _ => Box::pin(async {}),
        }
    }
}

/// The routes that stream or switch protocols: out of line, so that the
/// hello and 404 answers keep a small frame.
#[inline(never)]
fn respond_other(route: &mut Route, res: &mut Responder<'_>) -> Result<(), UsageError> {
    match route {
        // Answered in `respond`.
        Route::Hello | Route::NotFound => Ok(()),
        Route::Echo(framing) => echo(res, *framing),
        Route::WebSocket(handshake, _) if !res.is_started() => handshake.respond(res),
        Route::WebSocket(..) => Ok(()),
        Route::WebSocketRefused(e) => ws::refuse(res, *e),
        // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to.
        Route::UpgradeRequired => res.send_response_with_body(
            426,
            &[
                (b"upgrade", b"websocket"),
                (b"sec-websocket-version", b"13"),
                TEXT[0],
            ],
            b"this is a WebSocket endpoint\n",
        ),
    }
}

fn echo(res: &mut Responder<'_>, framing: BodyFraming) -> Result<(), UsageError> {
    if !res.is_started() {
        res.send_response(200, OCTETS, framing)?;
    }
    if res.send_scratch()? && res.is_request_finished() && !res.is_done() {
        res.finish()?;
    }
    Ok(())
}
