//! A WebSocket echo server on the shockwave-mio loop: the HTTP/1.1 machine
//! answers the opening handshake, then the connection's bytes go to a
//! WebSocket machine. Both speak the loop's vocabulary, so the loop does not
//! know the protocol changed.
//!
//! ```text
//! cargo run --release -p shockwave-mio --example ws_echo -- --listen 127.0.0.1:8082
//! python3 -m websockets ws://127.0.0.1:8082/ws
//! ```
//!
//! - `GET /ws` with a valid upgrade: 101, then every text and binary message
//!   comes back (permessage-deflate accepted when offered); pings are
//!   answered and the closing handshake is the machine's.
//! - A refused handshake gets the status the handshake helpers name (400,
//!   403, 405, 426); anything else is 404.
//!
//! Backpressure: while the WebSocket machine's output queue is full, the
//! application stops polling its events; the machine then stops taking
//! input (an empty `input_buf`), so the loop stops reading the socket.

use std::net::SocketAddr;

use shockwave_mio::shockwave_proto::Instant;
use shockwave_mio::shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_mio::shockwave_proto::h1::{self, BodyFraming, Method};
use shockwave_mio::shockwave_proto::ws::deflate::DeflateOptions;
use shockwave_mio::shockwave_proto::ws::handshake::{
    Extensions, OriginPolicy, ServerPolicy, validate_request,
};
use shockwave_mio::shockwave_proto::ws::{self, Conn, Event, MessageKind, UsageError};
use shockwave_mio::{App, EventLoop, Machine, Options};

const TEXT: (&[u8], &[u8]) = (b"content-type", b"text/plain");

const POLICY: ServerPolicy<'static> = ServerPolicy {
    protocols: &[],
    origin: OriginPolicy::SameHost,
    deflate: Some(DeflateOptions {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
    }),
};

/// One connection: HTTP/1.1 until the 101, then WebSocket. The HTTP machine
/// stays until its last bytes (the 101) are written, which go out before
/// anything the WebSocket machine sends.
#[derive(Debug)]
pub struct Connection {
    http: ServerConn,
    ws: Option<Conn>,
}

/// A peer error from either machine (the loop only needs to know there was one).
#[derive(Debug)]
pub enum ConnectionError {
    /// During the HTTP/1.1 part.
    Http(h1::Error),
    /// On the WebSocket.
    Ws(ws::Error),
}

impl Machine for Connection {
    type Error = ConnectionError;

    fn input_buf(&mut self) -> &mut [u8] {
        match &mut self.ws {
            Some(ws) => ws.input_buf(),
            None => self.http.input_buf(),
        }
    }
    fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), ConnectionError> {
        match &mut self.ws {
            Some(ws) => ws.input_filled(now, n).map_err(ConnectionError::Ws),
            None => self
                .http
                .input_filled(now, n)
                .map_err(ConnectionError::Http),
        }
    }
    fn handle_eof(&mut self, now: Instant) -> Result<(), ConnectionError> {
        match &mut self.ws {
            Some(ws) => ws.handle_eof(now).map_err(ConnectionError::Ws),
            None => self.http.handle_eof(now).map_err(ConnectionError::Http),
        }
    }
    fn poll_transmit(&mut self) -> Option<&[u8]> {
        if self.http.poll_transmit().is_some() {
            return self.http.poll_transmit();
        }
        self.ws.as_mut()?.poll_transmit()
    }
    fn advance_transmit(&mut self, n: usize) {
        match &mut self.ws {
            Some(ws) if self.http.poll_transmit().is_none() => ws.advance_transmit(n),
            _ => self.http.advance_transmit(n),
        }
    }
    fn poll_timeout(&self) -> Option<Instant> {
        match &self.ws {
            Some(ws) => ws.poll_timeout(),
            None => self.http.poll_timeout(),
        }
    }
    fn handle_timeout(&mut self, now: Instant) -> Result<(), ConnectionError> {
        match &mut self.ws {
            Some(ws) => ws.handle_timeout(now).map_err(ConnectionError::Ws),
            None => self.http.handle_timeout(now).map_err(ConnectionError::Http),
        }
    }
    fn is_closed(&self) -> bool {
        match &self.ws {
            // The HTTP machine is closed once its 101 is written.
            Some(ws) => ws.is_closed() && self.http.is_closed(),
            None => self.http.is_closed(),
        }
    }
    fn set_unix_time(&mut self, unix_secs: u64) {
        self.http.set_unix_time(unix_secs);
    }
}

/// Per-connection state, its buffers reused from message to message.
#[derive(Debug, Default)]
pub struct EchoState {
    /// What the accepted handshake agreed on, until the 101 is out.
    agreed: Option<Extensions>,
    /// Bytes that followed the upgrade request, not yet taken by the
    /// WebSocket machine.
    backlog: Vec<u8>,
    /// A message to echo that did not fit the output queue yet.
    pending: Option<MessageKind>,
    message: Vec<u8>,
}

/// The application: the handshake, then the echo.
#[derive(Debug, Default)]
pub struct WsEcho {
    /// Limits of every HTTP/1.1 connection.
    pub http: h1::Config,
    /// Limits of every WebSocket.
    pub ws: ws::Config,
}

impl App for WsEcho {
    type Machine = Connection;
    type State = EchoState;

    fn accept(&mut self, now: Instant, _peer: SocketAddr) -> (Connection, EchoState) {
        let http = ServerConn::with_start(self.http.clone(), now);
        (Connection { http, ws: None }, EchoState::default())
    }

    fn on_ready(&mut self, conn: &mut Connection, st: &mut EchoState, now: Instant) {
        if conn.ws.is_none() {
            self.handshake(conn, st);
        }
        let Some(ws) = conn.ws.as_mut() else { return };
        loop {
            if let Some(kind) = st.pending {
                match ws.send_message(kind, &st.message) {
                    // Output full: stop here; called again once it drained.
                    Err(UsageError::OutputFull) => return,
                    // Sent, or the connection is closing: either way it is done.
                    _ => st.pending = None,
                }
            }
            match ws.poll_event() {
                // The event borrows the machine: copy, then send at the loop's top.
                Some(Event::MessageReceived { kind, payload }) => {
                    st.message.clear();
                    st.message.extend_from_slice(payload);
                    st.pending = Some(kind);
                }
                // Pings are answered and Close frames echoed by the machine.
                Some(_) => {}
                None if st.backlog.is_empty() => return,
                None => {
                    // Feed what came with the upgrade request, as far as it fits.
                    let taken = ws
                        .handle_input(now, &st.backlog)
                        .unwrap_or(st.backlog.len());
                    if taken == 0 {
                        // No event waits, so the machine takes no more input at all.
                        st.backlog.clear();
                    }
                    st.backlog.drain(..taken);
                }
            }
        }
    }
}

impl WsEcho {
    /// The HTTP/1.1 part: routes requests, accepts the upgrade, and builds
    /// the WebSocket machine once the 101 went out.
    fn handshake(&self, conn: &mut Connection, st: &mut EchoState) {
        while let Some(event) = conn.http.poll_event() {
            match event {
                ServerEvent::RequestReceived(req) => {
                    if req.path() != b"/ws" {
                        let _ = conn
                            .http
                            .send_response_with_body(404, &[TEXT], b"not found\n");
                        continue;
                    }
                    let fields = req.fields();
                    let accepted = validate_request(
                        req.method_bytes(),
                        fields.iter().map(|f| (f.name, f.value)),
                        &POLICY,
                    );
                    let upgrade = req.is_upgrade() && req.method() == Method::Get;
                    // `req` borrows the machine: commands come after its last use.
                    let _ = match accepted {
                        Ok(accept) if upgrade => {
                            st.agreed = Some(accept.extensions());
                            conn.http
                                .send_response(101, accept.fields(), BodyFraming::Empty)
                        }
                        Ok(_) => conn
                            .http
                            .send_response_with_body(426, &[TEXT], b"upgrade\n"),
                        Err(e) => {
                            let mut fields = e.response_fields().to_vec();
                            fields.push(TEXT);
                            conn.http
                                .send_response_with_body(e.status(), &fields, b"refused\n")
                        }
                    };
                }
                ServerEvent::Upgraded(leftover) => {
                    st.backlog.clear();
                    st.backlog.extend_from_slice(leftover);
                    let extensions = st.agreed.take().unwrap_or_default();
                    conn.ws = Some(Conn::server(self.ws.clone(), extensions));
                    return;
                }
                _ => {}
            }
        }
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = match args.as_slice() {
        [] => "127.0.0.1:8082".to_string(),
        [flag, addr] if flag == "--listen" => addr.clone(),
        _ => {
            eprintln!("usage: ws_echo [--listen ADDR]   (default 127.0.0.1:8082)");
            std::process::exit(2);
        }
    };
    let addr = listen.parse().map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{listen}: {e}"))
    })?;
    let mut event_loop = EventLoop::bind(addr, WsEcho::default(), Options::default())?;
    println!("listening on ws://{}/ws", event_loop.local_addr()?);
    event_loop.run()
}
