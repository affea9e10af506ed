//! The receive path of each library, fed from memory: one masked binary
//! frame arrives (a client's frame at a server) and is handed to the
//! application unmasked. This is where masking costs in practice: header
//! parsing, the copy from the socket into the library's buffer, unmasking
//! and delivery, per frame.
//!
//! Each "socket" gives out the same wire bytes again and again, at most up
//! to the end of the current frame per read (one frame per arrival, as in a
//! request/response exchange), and accepts and drops all writes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use shockwave_proto::Instant;
use shockwave_proto::ws::frame::{FrameHeader, MAX_HEADER_LEN, OpCode, encode_header};
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::{Config, Conn, Event};

use super::KEY;

/// The wire bytes of one masked, final binary frame carrying `payload`.
pub fn masked_frame(payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        fin: true,
        rsv1: false,
        opcode: OpCode::Binary,
        mask: Some(KEY),
        payload_len: payload.len() as u64,
    };
    let mut head = [0u8; MAX_HEADER_LEN];
    let n = encode_header(&header, &mut head);
    let mut wire = head[..n].to_vec();
    wire.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i & 3]));
    wire
}

/// A socket that delivers one frame's bytes over and over.
pub struct Replay {
    wire: Vec<u8>,
    at: usize,
}

impl Replay {
    /// Replays `wire`, one copy per frame.
    pub fn new(wire: Vec<u8>) -> Self {
        Replay { wire, at: 0 }
    }

    /// Copies the next bytes into `dst`, never past the end of the frame.
    pub fn read_into(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.wire.len() - self.at);
        dst[..n].copy_from_slice(&self.wire[self.at..self.at + n]);
        self.at += n;
        if self.at == self.wire.len() {
            self.at = 0;
        }
        n
    }
}

impl io::Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.read_into(buf))
    }
}

impl io::Write for Replay {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Replay {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let n = this.read_into(buf.initialize_unfilled());
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Replay {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Our server machine reading from a [`Replay`] straight into its buffer.
pub struct ShockwaveRecv {
    conn: Conn,
    socket: Replay,
}

impl ShockwaveRecv {
    /// A server machine with the default limits, no extensions.
    pub fn new(payload: &[u8]) -> Self {
        ShockwaveRecv {
            conn: Conn::server(Config::default(), Extensions::default()),
            socket: Replay::new(masked_frame(payload)),
        }
    }

    /// Receives one message and returns its length (checked by the caller).
    pub fn recv(&mut self) -> usize {
        loop {
            if let Some(Event::MessageReceived { payload, .. }) = self.conn.poll_event() {
                return payload.len();
            }
            let n = self.socket.read_into(self.conn.input_buf());
            self.conn.input_filled(Instant::ZERO, n).unwrap();
        }
    }
}

/// fastwebsockets' server `WebSocket` over a [`Replay`]; its future is polled
/// once with a no-op waker (the socket is always ready, so no runtime is needed).
pub struct FastwsRecv {
    ws: fastwebsockets::WebSocket<Replay>,
}

impl FastwsRecv {
    /// A server `WebSocket` with the crate's defaults.
    pub fn new(payload: &[u8]) -> Self {
        let socket = Replay::new(masked_frame(payload));
        FastwsRecv {
            ws: fastwebsockets::WebSocket::after_handshake(socket, fastwebsockets::Role::Server),
        }
    }

    /// Receives one frame and returns its payload length.
    pub fn recv(&mut self) -> usize {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let fut = std::pin::pin!(self.ws.read_frame());
        match fut.poll(&mut cx) {
            Poll::Ready(Ok(frame)) => frame.payload.len(),
            Poll::Ready(Err(e)) => panic!("fastwebsockets: {e}"),
            Poll::Pending => unreachable!("the replayed socket is always ready"),
        }
    }
}

/// tungstenite's server `WebSocket` over a [`Replay`].
pub struct TungsteniteRecv {
    ws: tungstenite::WebSocket<Replay>,
}

impl TungsteniteRecv {
    /// A server `WebSocket` with the crate's defaults.
    pub fn new(payload: &[u8]) -> Self {
        let socket = Replay::new(masked_frame(payload));
        TungsteniteRecv {
            ws: tungstenite::WebSocket::from_raw_socket(
                socket,
                tungstenite::protocol::Role::Server,
                None,
            ),
        }
    }

    /// Receives one message and returns its length.
    pub fn recv(&mut self) -> usize {
        self.ws.read().unwrap().len()
    }
}
