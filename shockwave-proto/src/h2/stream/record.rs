//! The per-stream record: state, windows, body accounting and send queue.

use alloc::vec::Vec;

use super::{StreamId, StreamState};
use crate::h2::flow::{RecvWindow, SendWindow};
use crate::h2::priority::Priority;

/// Everything the connection keeps about one live stream. Records live in the
/// [`StreamStore`](super::StreamStore)'s slab and are reused, buffers included,
/// so opening a stream in steady state allocates nothing.
#[derive(Debug)]
pub(crate) struct StreamRecord {
    /// The stream.
    pub id: StreamId,
    /// Its section 5.1 state, as far as frames actually sent and received go.
    pub state: StreamState,
    /// Credit for our DATA.
    pub send_window: SendWindow,
    /// What the peer may still send.
    pub recv_window: RecvWindow,
    /// RFC 9218 priority for our DATA on it.
    pub priority: Priority,

    /// `content-length` of the message being received (RFC 9113 section 8.1.1).
    pub content_length: Option<u64>,
    /// DATA bytes received (padding excluded).
    pub received: u64,
    /// The body is empty whatever `content-length` says (HEAD, 204, 304).
    pub no_body: bool,
    /// The application was told about the stream (its head was delivered).
    pub known: bool,
    /// The final (non-1xx) head was received.
    pub final_head_received: bool,

    /// Body bytes queued by the application, from `send_off` on.
    pub send_buf: Vec<u8>,
    /// How much of `send_buf` was already framed.
    pub send_off: usize,
    /// Our head (final response or request) was queued.
    pub head_sent: bool,
    /// The application ended its side; END_STREAM goes with the last queued bytes.
    pub end_queued: bool,
    /// Trailers waiting for the queued body, as `(name, value)` entries with
    /// 4-byte little-endian lengths; written (and encoded) once the body is out.
    pub trailers: Vec<u8>,
    /// `trailers` holds a section to send.
    pub trailers_queued: bool,
    /// A `send_data` took fewer bytes than offered: tell the application when room returns.
    pub wants_ready: bool,
}

impl StreamRecord {
    /// A record for a new stream.
    pub(crate) fn new(id: StreamId, send_window: u32, recv_initial: u32, recv_target: u32) -> Self {
        StreamRecord {
            id,
            state: StreamState::Idle,
            send_window: SendWindow::new(send_window),
            recv_window: RecvWindow::new(recv_initial, recv_target),
            priority: Priority::default(),
            content_length: None,
            received: 0,
            no_body: false,
            known: false,
            final_head_received: false,
            send_buf: Vec::new(),
            send_off: 0,
            head_sent: false,
            end_queued: false,
            trailers: Vec::new(),
            trailers_queued: false,
            wants_ready: false,
        }
    }

    /// Makes a reused record new again, keeping its buffers' capacity.
    pub(crate) fn reset(
        &mut self,
        id: StreamId,
        send_window: u32,
        recv_initial: u32,
        recv_target: u32,
    ) {
        let mut send_buf = core::mem::take(&mut self.send_buf);
        let mut trailers = core::mem::take(&mut self.trailers);
        send_buf.clear();
        trailers.clear();
        *self = StreamRecord {
            send_buf,
            trailers,
            ..StreamRecord::new(id, send_window, recv_initial, recv_target)
        };
    }

    /// Body bytes queued and not framed yet.
    pub(crate) fn buffered(&self) -> usize {
        self.send_buf.len() - self.send_off
    }

    /// Queued body bytes not framed yet.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.send_buf[self.send_off..]
    }

    /// Records that `n` queued bytes were framed; the buffer restarts when empty.
    pub(crate) fn take(&mut self, n: usize) {
        self.send_off += n;
        if self.send_off == self.send_buf.len() {
            self.send_buf.clear();
            self.send_off = 0;
        }
    }

    /// Queues body bytes, compacting first when the framed prefix is large.
    pub(crate) fn queue(&mut self, data: &[u8]) {
        if self.send_off > 0 && self.send_off >= self.send_buf.len() / 2 {
            self.send_buf.drain(..self.send_off);
            self.send_off = 0;
        }
        self.send_buf.extend_from_slice(data);
    }

    /// Whether the send side has something for the scheduler: body bytes, an
    /// END_STREAM to write, or trailers.
    pub(crate) fn has_output(&self) -> bool {
        self.state.can_send() && (self.buffered() > 0 || self.end_queued || self.trailers_queued)
    }
}

/// The `(name, value)` entries of a field list stored with 4-byte
/// little-endian lengths before each name and value (trailers, and the
/// application's fields while they are checked).
pub(crate) fn stored_fields(mut bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    core::iter::from_fn(move || {
        let mut next = || {
            let (len, rest) = bytes.split_first_chunk::<4>()?;
            let len = u32::from_le_bytes(*len) as usize;
            let (item, rest) = rest.split_at_checked(len)?;
            bytes = rest;
            Some(item)
        };
        Some((next()?, next()?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn stored_fields_round_trip() {
        let mut bytes = Vec::new();
        for part in [&b"grpc-status"[..], b"0", b"x", b""] {
            bytes.extend_from_slice(&(part.len() as u32).to_le_bytes());
            bytes.extend_from_slice(part);
        }
        let back: Vec<_> = stored_fields(&bytes).collect();
        assert_eq!(back, vec![(&b"grpc-status"[..], &b"0"[..]), (b"x", b"")]);
        assert_eq!(
            stored_fields(&bytes[..5]).count(),
            0,
            "a cut entry ends the list"
        );
    }

    #[test]
    fn send_queue_reuses_its_buffer() {
        let mut r = StreamRecord::new(StreamId::new(1), 10, 10, 10);
        r.queue(b"hello");
        r.take(3);
        assert_eq!(r.pending(), b"lo");
        r.queue(b"!");
        assert_eq!(r.pending(), b"lo!");
        r.take(3);
        assert_eq!(r.buffered(), 0);
        let cap = r.send_buf.capacity();
        r.reset(StreamId::new(3), 1, 1, 1);
        assert_eq!(r.send_buf.capacity(), cap);
        assert_eq!(r.id, StreamId::new(3));
    }
}
