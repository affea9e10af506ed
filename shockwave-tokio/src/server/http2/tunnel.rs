//! A stream after a 2xx to CONNECT (RFC 9113 section 8.5; RFC 8441's
//! extended CONNECT carries WebSocket this way): DATA both ways becomes a
//! byte stream for [`Handler::on_upgrade`](crate::server::Handler::on_upgrade).
//!
//! The handler gets one end of an in-memory duplex pipe; the connection task
//! pumps the other end: DATA into the pipe, with its flow-control credit
//! released only once the pipe took the bytes, and what the handler writes
//! into DATA frames as the stream's send capacity allows. The handler's
//! future runs as a task of its own, since the connection task serves every
//! other stream too.

use std::pin::Pin;
use std::task::{Context, Poll};

use shockwave_proto::h2::{self, StreamId};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

/// Bytes the pipe buffers in each direction.
const PIPE: usize = 64 * 1024;

/// The connection's end of a tunnel.
pub(crate) struct Tunnel {
    io: DuplexStream,
    /// DATA received and not yet taken by the pipe.
    inbound: Vec<u8>,
    /// The peer ended the stream: shut the pipe's write side once `inbound` drained.
    inbound_end: bool,
    shut: bool,
    /// Read from the pipe, not yet taken by the stream.
    outbound: Vec<u8>,
    out_filled: usize,
    /// The handler closed its end: the stream ends once `outbound` is sent.
    outbound_end: bool,
    ended: bool,
}

impl Tunnel {
    /// A tunnel and the handler's end of it.
    pub(crate) fn new() -> (Tunnel, DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(PIPE);
        let tunnel = Tunnel {
            io: ours,
            inbound: Vec::new(),
            inbound_end: false,
            shut: false,
            outbound: vec![0; 16 * 1024],
            out_filled: 0,
            outbound_end: false,
            ended: false,
        };
        (tunnel, theirs)
    }

    /// DATA arrived on the stream.
    pub(crate) fn received(&mut self, data: &[u8], end_stream: bool) {
        self.inbound.extend_from_slice(data);
        self.inbound_end |= end_stream;
    }

    /// Both directions are over.
    pub(crate) fn is_done(&self) -> bool {
        self.shut && self.ended
    }

    /// Moves what it can between the pipe and the stream; `Ready` when it
    /// moved anything (the driver then writes the output and comes back),
    /// `Pending` with wakers registered otherwise. Returns the bytes to
    /// release to the peer's window.
    pub(crate) fn pump(
        &mut self,
        conn: &mut h2::ServerConn,
        stream: StreamId,
        cx: &mut Context<'_>,
    ) -> Poll<Result<usize, ()>> {
        let mut progress = false;
        let mut released = 0;
        // Peer -> handler.
        while !self.inbound.is_empty() {
            match Pin::new(&mut self.io).poll_write(cx, &self.inbound) {
                Poll::Ready(Ok(n)) => {
                    self.inbound.drain(..n);
                    released += n;
                    progress = true;
                }
                // The handler dropped its end: the tunnel is over.
                Poll::Ready(Err(_)) => return Poll::Ready(Err(())),
                Poll::Pending => break,
            }
        }
        if self.inbound.is_empty() && self.inbound_end && !self.shut {
            match Pin::new(&mut self.io).poll_shutdown(cx) {
                Poll::Ready(_) => {
                    self.shut = true;
                    progress = true;
                }
                Poll::Pending => {}
            }
        }
        // Handler -> peer, as far as the stream takes it.
        loop {
            if self.out_filled > 0 {
                match conn.send_data(stream, &self.outbound[..self.out_filled], false) {
                    Ok(0) => break,
                    Ok(n) => {
                        self.outbound.copy_within(n..self.out_filled, 0);
                        self.out_filled -= n;
                        progress = true;
                        continue;
                    }
                    Err(_) => return Poll::Ready(Err(())),
                }
            }
            if self.outbound_end {
                if !self.ended {
                    if conn.send_data(stream, &[], true).is_err() {
                        return Poll::Ready(Err(()));
                    }
                    self.ended = true;
                    progress = true;
                }
                break;
            }
            if conn.send_capacity(stream) == 0 {
                // Woken by the machine's SendReady, through the driver's turn.
                break;
            }
            let mut buf = ReadBuf::new(&mut self.outbound[self.out_filled..]);
            match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => {
                    let n = buf.filled().len();
                    if n == 0 {
                        self.outbound_end = true;
                    }
                    self.out_filled += n;
                    progress = true;
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Err(())),
                Poll::Pending => break,
            }
        }
        if progress {
            Poll::Ready(Ok(released))
        } else {
            Poll::Pending
        }
    }
}
