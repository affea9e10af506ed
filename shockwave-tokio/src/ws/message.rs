//! What goes over a [`WebSocket`](super::WebSocket): [`Message`]s, the
//! [`CloseFrame`] of the closing handshake, and [`Utf8Bytes`], the text
//! payload that shares its buffer instead of copying it; and their borrowed
//! twins [`MessageRef`], [`CloseRef`] and [`Utf8Ref`], which
//! [`WebSocket::recv_each`](super::WebSocket::recv_each) hands out without
//! making a message of its own.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use shockwave_proto::ws::close;

/// A text payload: UTF-8 bytes in a shared buffer, so receiving a text
/// message copies it once (out of the machine) and cloning it copies nothing.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Static text, without a copy.
    pub const fn from_static(text: &'static str) -> Self {
        Utf8Bytes(Bytes::from_static(text.as_bytes()))
    }

    /// Checks that `bytes` are UTF-8 and wraps them.
    pub fn try_from_bytes(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Utf8Bytes(bytes))
    }

    /// The text. Checked again on every call (safe code cannot keep the
    /// proof); the check runs at memory speed, but keep the `&str` rather
    /// than calling this in a loop.
    pub fn as_str(&self) -> &str {
        // Every constructor checked the bytes, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The bytes, shared.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The bytes, shared, without the UTF-8 guarantee.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes the machine validated as UTF-8 already.
    pub(crate) fn validated(bytes: Bytes) -> Self {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Utf8Bytes(bytes)
    }

    /// The text, borrowed.
    pub fn as_borrowed(&self) -> Utf8Ref<'_> {
        Utf8Ref(&self.0)
    }
}

impl Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Utf8Bytes {
    fn from(s: String) -> Self {
        Utf8Bytes(Bytes::from(s))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(s: &str) -> Self {
        Utf8Bytes(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// Borrowed text: bytes known to be UTF-8, which a received text message
/// lies in (so it is not checked twice) and which sending takes as they are.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Utf8Ref<'a>(&'a [u8]);

impl<'a> Utf8Ref<'a> {
    /// The text. Checked again on every call, as [`Utf8Bytes::as_str`].
    pub fn as_str(&self) -> &'a str {
        // Every constructor checked the bytes, so this never falls back.
        std::str::from_utf8(self.0).unwrap_or_default()
    }

    /// The bytes, without the UTF-8 guarantee.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes the machine validated as UTF-8 already.
    pub(crate) fn validated(bytes: &'a [u8]) -> Self {
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        Utf8Ref(bytes)
    }
}

impl<'a> From<&'a str> for Utf8Ref<'a> {
    fn from(s: &'a str) -> Self {
        Utf8Ref(s.as_bytes())
    }
}

impl fmt::Debug for Utf8Ref<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Utf8Ref<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Utf8Ref<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// The code and reason of a Close frame (RFC 6455 section 5.5.1). The codes
/// are in [`close`](shockwave_proto::ws::close) (`NORMAL_CLOSURE`, `GOING_AWAY`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The close code (RFC 6455 section 7.4).
    pub code: u16,
    /// Why, in at most 123 bytes of UTF-8.
    pub reason: Utf8Bytes,
}

impl CloseFrame {
    /// 1000 with no reason: the purpose of the connection was fulfilled.
    pub const fn normal() -> Self {
        CloseFrame {
            code: close::NORMAL_CLOSURE,
            reason: Utf8Bytes::from_static(""),
        }
    }

    /// A Close frame with `code` and `reason`.
    pub fn new(code: u16, reason: impl Into<Utf8Bytes>) -> Self {
        CloseFrame {
            code,
            reason: reason.into(),
        }
    }
}

/// A Close frame's code and reason, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseRef<'a> {
    /// The close code (RFC 6455 section 7.4).
    pub code: u16,
    /// Why, in at most 123 bytes of UTF-8.
    pub reason: Utf8Ref<'a>,
}

/// A WebSocket message, or a control frame the application sees.
///
/// Received: `Text` and `Binary` are whole messages (reassembled and
/// inflated); `Ping` was already answered when the config's `auto_pong` is
/// on; `Close` is the peer's Close frame (`None`: it had no code), already
/// answered. Sent: `Close` starts the closing handshake (`None` sends 1000).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A Ping, with at most 125 bytes of payload.
    Ping(Bytes),
    /// A Pong, with at most 125 bytes of payload.
    Pong(Bytes),
    /// A Close frame.
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Message::Binary(data.into())
    }

    /// Whether this is a text or binary message (not a control frame).
    pub fn is_data(&self) -> bool {
        matches!(self, Message::Text(_) | Message::Binary(_))
    }

    /// The payload bytes (the reason for a Close).
    pub fn as_payload(&self) -> &[u8] {
        self.as_borrowed().as_payload()
    }

    /// The text, for a text message.
    pub fn as_text(&self) -> Option<&str> {
        self.as_borrowed().as_text()
    }

    /// The message, borrowed.
    pub fn as_borrowed(&self) -> MessageRef<'_> {
        match self {
            Message::Text(t) => MessageRef::Text(t.as_borrowed()),
            Message::Binary(b) => MessageRef::Binary(b),
            Message::Ping(p) => MessageRef::Ping(p),
            Message::Pong(p) => MessageRef::Pong(p),
            Message::Close(frame) => MessageRef::Close(frame.as_ref().map(|f| CloseRef {
                code: f.code,
                reason: f.reason.as_borrowed(),
            })),
        }
    }
}

/// A message borrowed from the connection's buffers (or the application's):
/// what [`WebSocket::recv_each`](super::WebSocket::recv_each) hands out, valid
/// for one call, and what its [`Outbox`](super::Outbox) sends. The variants
/// mean what [`Message`]'s do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageRef<'a> {
    /// A text message.
    Text(Utf8Ref<'a>),
    /// A binary message.
    Binary(&'a [u8]),
    /// A Ping, with at most 125 bytes of payload.
    Ping(&'a [u8]),
    /// A Pong, with at most 125 bytes of payload.
    Pong(&'a [u8]),
    /// A Close frame.
    Close(Option<CloseRef<'a>>),
}

impl<'a> MessageRef<'a> {
    /// Whether this is a text or binary message (not a control frame).
    pub fn is_data(&self) -> bool {
        matches!(self, MessageRef::Text(_) | MessageRef::Binary(_))
    }

    /// The payload bytes (the reason for a Close).
    pub fn as_payload(&self) -> &'a [u8] {
        match self {
            MessageRef::Text(t) => t.as_bytes(),
            MessageRef::Binary(b) | MessageRef::Ping(b) | MessageRef::Pong(b) => b,
            MessageRef::Close(c) => c.map_or(&[][..], |c| c.reason.as_bytes()),
        }
    }

    /// The text, for a text message.
    pub fn as_text(&self) -> Option<&'a str> {
        match self {
            MessageRef::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// An owned copy (which allocates for a payload that is not empty).
    pub fn to_message(&self) -> Message {
        let copy = |b: &[u8]| Bytes::copy_from_slice(b);
        match *self {
            MessageRef::Text(t) => Message::Text(Utf8Bytes(copy(t.as_bytes()))),
            MessageRef::Binary(b) => Message::Binary(copy(b)),
            MessageRef::Ping(p) => Message::Ping(copy(p)),
            MessageRef::Pong(p) => Message::Pong(copy(p)),
            MessageRef::Close(frame) => Message::Close(frame.map(|f| CloseFrame {
                code: f.code,
                reason: Utf8Bytes(copy(f.reason.as_bytes())),
            })),
        }
    }
}

impl<'a> From<&'a str> for MessageRef<'a> {
    fn from(s: &'a str) -> Self {
        MessageRef::Text(s.into())
    }
}

impl<'a> From<&'a [u8]> for MessageRef<'a> {
    fn from(b: &'a [u8]) -> Self {
        MessageRef::Binary(b)
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s.into())
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.into())
    }
}

impl From<Vec<u8>> for Message {
    fn from(v: Vec<u8>) -> Self {
        Message::Binary(v.into())
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Self {
        Message::Binary(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bytes_refuses_invalid_text() {
        assert!(Utf8Bytes::try_from_bytes(Bytes::from_static(b"\xff")).is_err());
        let t = Utf8Bytes::try_from_bytes(Bytes::from_static("héllo".as_bytes())).unwrap();
        assert_eq!(t, "héllo");
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn payload_views() {
        assert_eq!(Message::text("ab").as_payload(), b"ab");
        assert_eq!(Message::text("ab").as_text(), Some("ab"));
        assert_eq!(Message::binary(vec![1, 2]).as_text(), None);
        assert_eq!(
            Message::Close(Some(CloseFrame::new(1001, "bye"))).as_payload(),
            b"bye"
        );
        assert_eq!(Message::Close(None).as_payload(), b"");
        assert!(Message::binary(vec![]).is_data());
        assert!(!Message::Ping(Bytes::new()).is_data());
    }

    #[test]
    fn borrowed_messages_round_trip() {
        let messages = [
            Message::text("héllo"),
            Message::binary(vec![1, 2, 3]),
            Message::Ping(Bytes::from_static(b"p")),
            Message::Pong(Bytes::new()),
            Message::Close(Some(CloseFrame::new(1001, "bye"))),
            Message::Close(None),
        ];
        for m in messages {
            let r = m.as_borrowed();
            assert_eq!(r.to_message(), m);
            assert_eq!(r.as_payload(), m.as_payload());
            assert_eq!(r.is_data(), m.is_data());
            assert_eq!(r.as_text(), m.as_text());
        }
        assert_eq!(MessageRef::from("ab").as_text(), Some("ab"));
        assert_eq!(MessageRef::from(&b"ab"[..]), MessageRef::Binary(b"ab"));
    }
}
