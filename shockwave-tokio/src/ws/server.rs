//! The server side. With the native [`Handler`](crate::server::Handler):
//! check the upgrade request in `on_request`, answer it in `respond`, run
//! the socket in `on_upgrade`. On the `tower` path:
//! [`ServerHandshake::from_http`], answer with
//! [`ServerHandshake::http_response`], and accept the
//! [`OnUpgrade`](crate::server::OnUpgrade) in a task of your own.
//!
//! ```
//! use shockwave_tokio::server::{Handler, Request, Responder, UpgradeFuture, Upgraded};
//! use shockwave_tokio::ws::{self, Message, ServerHandshake};
//! use shockwave_proto::ws::handshake::{HandshakeError, ServerPolicy};
//!
//! struct Echo;
//!
//! impl Handler for Echo {
//!     type State = Result<ServerHandshake, HandshakeError>;
//!     fn on_request(&self, req: &Request<'_>, _: &mut Vec<u8>) -> Self::State {
//!         ServerHandshake::from_request(req, &ServerPolicy::default())
//!     }
//!     fn respond(&self, state: &mut Self::State, res: &mut Responder<'_>) {
//!         let _ = match state {
//!             Ok(handshake) => handshake.respond(res),
//!             Err(e) => ws::refuse(res, *e),
//!         };
//!     }
//!     fn on_upgrade(&self, state: Self::State, upgraded: Upgraded) -> UpgradeFuture {
//!         let Ok(handshake) = state else { return Box::pin(async {}) };
//!         let mut socket = handshake.accept(upgraded, Default::default());
//!         Box::pin(async move {
//!             while let Some(Ok(message)) = socket.recv().await {
//!                 if message.is_data() && socket.send(message).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         })
//!     }
//! }
//! ```

use shockwave_proto::h1::BodyFraming;
use shockwave_proto::ws::handshake::{
    self, Extensions, HandshakeError, ServerPolicy, validate_extended_connect, validate_request,
};
use shockwave_proto::ws::{Config, Conn};

use super::WebSocket;
use crate::server::{Request, Responder, Upgraded, UsageError, Version};

/// An accepted opening handshake: the answer to send (101 over HTTP/1.1,
/// 200 to an HTTP/2 extended CONNECT) and what it agreed on. It owns what it
/// keeps, so it can be a handler's state.
#[derive(Clone, Debug)]
pub struct ServerHandshake {
    status: u16,
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    extensions: Extensions,
    protocol: Option<String>,
}

impl ServerHandshake {
    /// Checks a request against `policy`: an HTTP/1.1 GET upgrade (RFC 6455
    /// section 4.2.1), or an HTTP/2 CONNECT with `:protocol = websocket`
    /// (RFC 8441 section 5). On `Err`, answer with [`refuse`].
    pub fn from_request(
        req: &Request<'_>,
        policy: &ServerPolicy<'_>,
    ) -> Result<Self, HandshakeError> {
        let accept = match (req.version(), req.as_h2()) {
            (Version::Http2, Some(h2)) => validate_extended_connect(
                req.method_bytes(),
                h2.protocol(),
                req.authority(),
                req.fields(),
                policy,
            )?,
            _ => validate_request(req.method_bytes(), req.fields(), policy)?,
        };
        Ok(Self::owned(&accept))
    }

    /// Checks an `http` request (the `tower` path, HTTP/1.1) against
    /// `policy`. Answer with [`ServerHandshake::http_response`], then take the
    /// request's [`OnUpgrade`](crate::server::OnUpgrade) and
    /// [`accept`](ServerHandshake::accept) what it yields.
    pub fn from_http<B>(
        req: &http::Request<B>,
        policy: &ServerPolicy<'_>,
    ) -> Result<Self, HandshakeError> {
        let fields = req
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()));
        let accept = validate_request(req.method().as_str().as_bytes(), fields, policy)?;
        Ok(Self::owned(&accept))
    }

    /// The accepting answer as an `http::Response` with an empty body.
    pub fn http_response<B: Default>(&self) -> http::Response<B> {
        let mut response = http::Response::new(B::default());
        *response.status_mut() = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::SWITCHING_PROTOCOLS);
        for (name, value) in &self.fields {
            // The handshake helpers write tokens and base64 only.
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name),
                http::HeaderValue::from_bytes(value),
            ) {
                response.headers_mut().append(n, v);
            }
        }
        response
    }

    fn owned(accept: &handshake::Accept<'_>) -> Self {
        ServerHandshake {
            status: accept.status(),
            fields: accept
                .fields()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
            extensions: accept.extensions(),
            protocol: accept.protocol().map(str::to_string),
        }
    }

    /// Sends the accepting answer. Once it is written the connection is
    /// handed to [`Handler::on_upgrade`](crate::server::Handler::on_upgrade).
    pub fn respond(&self, res: &mut Responder<'_>) -> Result<(), UsageError> {
        let fields: Vec<(&[u8], &[u8])> =
            self.fields.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        res.send_response(self.status, &fields, BodyFraming::Empty)
    }

    /// The subprotocol chosen.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The extensions agreed on.
    pub fn extensions(&self) -> Extensions {
        self.extensions
    }

    /// The WebSocket over the upgraded connection.
    pub fn accept(self, upgraded: Upgraded, config: Config) -> WebSocket<Upgraded> {
        accept(upgraded, self, config)
    }
}

/// The WebSocket over an upgraded connection, with what `handshake` agreed on.
/// When the server begins a graceful shutdown it closes with 1001 (going
/// away), noticed while the application receives, so that the closing
/// handshake can end it before the shutdown deadline aborts it.
pub fn accept(
    upgraded: Upgraded,
    handshake: ServerHandshake,
    config: Config,
) -> WebSocket<Upgraded> {
    let conn = Conn::server(config, handshake.extensions);
    let going_away = upgraded.shutting_down();
    WebSocket::from_conn(
        upgraded,
        conn,
        false,
        handshake.protocol,
        Default::default(),
    )
    .close_when(going_away)
}

/// Answers a refused handshake: the error's status (400, 403, 405 with
/// `Allow`, 426 with the version we speak) and its description as the body.
pub fn refuse(res: &mut Responder<'_>, error: HandshakeError) -> Result<(), UsageError> {
    let mut fields: Vec<(&[u8], &[u8])> = error.response_fields().to_vec();
    fields.push((b"content-type", b"text/plain; charset=utf-8"));
    let body = format!("{error}\n");
    res.send_response_with_body(error.status(), &fields, body.as_bytes())
}
