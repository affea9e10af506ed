//! [`Outbox`]: replying from inside [`WebSocket::recv_each`](super::WebSocket::recv_each),
//! while the received message is still borrowed from the read buffer.

use std::collections::VecDeque;

use bytes::Bytes;
use shockwave_proto::ws::{Conn, MessageKind, UsageError, close};

use super::{Error, Message, MessageRef};

/// Messages from this size on are written from their own buffer after the
/// frame header the machine queues; shorter ones are copied into the
/// machine's queue, where they can leave together with others in one slice
/// (copying a few KiB costs less than a write of a separate slice).
pub(super) const HAND_OVER_MIN: usize = 8 * 1024;

/// The connection's output, lent to the callback of
/// [`WebSocket::recv_each`](super::WebSocket::recv_each): what it sends is
/// copied into the machine's output queue and written, together with the
/// rest of the batch's replies, when the callback has seen every buffered
/// message.
///
/// Backpressure as with [`WebSocket::feed`](super::WebSocket::feed): each
/// call of the callback starts with room in the queue; a reply that does not
/// fit waits as an owned copy (one at most), and the batch stops after that
/// message until the queue drained. A second reply that does not fit in the
/// same call is refused with `OutputFull`.
///
/// A reply of 8 KiB or more that lies in the message being lent (an echo of
/// it, or of part of it) is written from the read buffer itself, not copied.
#[derive(Debug)]
pub struct Outbox<'a> {
    conn: &'a mut Conn,
    pending: &'a mut Option<Message>,
    owed: &'a mut VecDeque<Bytes>,
    /// The buffer of the message being lent, when it has one of its own:
    /// a large reply lying in it is handed over instead of copied.
    lent: Option<&'a Bytes>,
}

impl<'a> Outbox<'a> {
    /// The output of one connection; `lent`, the lent message's own buffer.
    #[inline(always)]
    pub(super) fn new(
        conn: &'a mut Conn,
        pending: &'a mut Option<Message>,
        owed: &'a mut VecDeque<Bytes>,
        lent: Option<&'a Bytes>,
    ) -> Self {
        Outbox {
            conn,
            pending,
            owed,
            lent,
        }
    }

    /// Queues a message: text, binary, a Ping or Pong, or a Close (which
    /// starts the closing handshake; `None` sends 1000).
    #[inline]
    pub fn send(&mut self, message: MessageRef<'_>) -> Result<(), Error> {
        if self.pending.is_some() {
            return Err(Error::Usage(UsageError::OutputFull));
        }
        if self.lent.is_some() && self.hand_over_lent(message) {
            return Ok(());
        }
        match send_to(self.conn, message) {
            Ok(()) => Ok(()),
            // Written once the queue drained, like a message `feed` took.
            Err(UsageError::OutputFull) => {
                *self.pending = Some(message.to_message());
                Ok(())
            }
            Err(UsageError::Closed) => Err(Error::AlreadyClosed),
            Err(e) => Err(Error::Usage(e)),
        }
    }

    /// Hands a large reply lying in the lent message's buffer over to be
    /// written from there; false when it is not one.
    #[inline(never)]
    fn hand_over_lent(&mut self, message: MessageRef<'_>) -> bool {
        let Some((kind, part)) = self.lent.and_then(|lent| lent_part(lent, message)) else {
            return false;
        };
        hand_over(self.conn, self.owed, kind, &part)
    }

    /// Queues a text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send(MessageRef::from(text))
    }

    /// Queues a binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send(MessageRef::Binary(data))
    }

    /// Bytes queued for the peer and not written yet.
    pub fn buffered_amount(&self) -> usize {
        self.conn.queued() + self.pending.as_ref().map_or(0, |m| m.as_payload().len())
    }
}

/// A large text or binary payload lying in `lent` (the lent message's own
/// buffer), as a share of it.
fn lent_part(lent: &Bytes, message: MessageRef<'_>) -> Option<(MessageKind, Bytes)> {
    let (kind, payload) = match message {
        MessageRef::Text(t) => (MessageKind::Text, t.as_bytes()),
        MessageRef::Binary(b) => (MessageKind::Binary, b),
        _ => return None,
    };
    let (start, base) = (payload.as_ptr() as usize, lent.as_ptr() as usize);
    let inside = start >= base && start + payload.len() <= base + lent.len();
    (payload.len() >= HAND_OVER_MIN && inside).then(|| (kind, lent.slice_ref(payload)))
}

/// Queues a large message's frame header in the machine and keeps `payload`
/// in `owed`, to be written after it from its own buffer (no copy into the
/// queue). False for a short message, or one the machine cannot send so: it
/// is then queued as usual, which also reports whatever refused it.
pub(super) fn hand_over(
    conn: &mut Conn,
    owed: &mut VecDeque<Bytes>,
    kind: MessageKind,
    payload: &Bytes,
) -> bool {
    if payload.len() >= HAND_OVER_MIN && conn.send_message_header(kind, payload) == Ok(true) {
        owed.push_back(payload.clone());
        return true;
    }
    false
}

/// Queues `message` in the machine, in one frame. A Close when one was sent
/// already (or the peer's was answered) is done, not an error.
pub(super) fn send_to(conn: &mut Conn, message: MessageRef<'_>) -> Result<(), UsageError> {
    match message {
        MessageRef::Text(t) => conn.send_validated_text(t.as_bytes()),
        MessageRef::Binary(b) => conn.send_message(MessageKind::Binary, b),
        MessageRef::Ping(p) => conn.ping(p),
        MessageRef::Pong(p) => conn.pong(p),
        MessageRef::Close(frame) => {
            let (code, reason) =
                frame.map_or((close::NORMAL_CLOSURE, ""), |f| (f.code, f.reason.as_str()));
            match conn.close(code, reason) {
                Err(UsageError::Closed) => Ok(()),
                other => other,
            }
        }
    }
}
