//! [`Outbox`]: replying from inside [`WebSocket::recv_each`](super::WebSocket::recv_each),
//! while the received message is still borrowed from the read buffer.

use shockwave_proto::ws::{Conn, MessageKind, UsageError, close};

use super::{Error, Message, MessageRef};

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
#[derive(Debug)]
pub struct Outbox<'a> {
    pub(super) conn: &'a mut Conn,
    pub(super) pending: &'a mut Option<Message>,
}

impl Outbox<'_> {
    /// Queues a message: text, binary, a Ping or Pong, or a Close (which
    /// starts the closing handshake; `None` sends 1000).
    pub fn send(&mut self, message: MessageRef<'_>) -> Result<(), Error> {
        if self.pending.is_some() {
            return Err(Error::Usage(UsageError::OutputFull));
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
