//! Streams (RFC 9113 section 5.1): identifiers, the state machine, the
//! per-stream record and the store of live streams.
//!
//! # The state machine
//!
//! [`transition`] is the one place where section 5.1's diagram lives. Each
//! frame a stream sends or receives is an [`StreamEvent`]; HEADERS or DATA with
//! END_STREAM is two events, the frame's then `SendEndStream`/`RecvEndStream`.
//!
//! | state \ event | send HEADERS | recv HEADERS | send/recv DATA | send END_STREAM | recv END_STREAM | send/recv RST_STREAM | send PUSH_PROMISE | recv PUSH_PROMISE |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | Idle | Open | Open | usage / PROTOCOL_ERROR (conn) | usage | PROTOCOL_ERROR (conn) | usage / PROTOCOL_ERROR (conn) | ReservedLocal | ReservedRemote |
//! | ReservedLocal | HalfClosedRemote | PROTOCOL_ERROR (conn) | usage / PROTOCOL_ERROR (conn) | usage | PROTOCOL_ERROR (conn) | Closed | usage | PROTOCOL_ERROR (conn) |
//! | ReservedRemote | usage | HalfClosedLocal | usage / PROTOCOL_ERROR (conn) | usage | PROTOCOL_ERROR (conn) | Closed | usage | PROTOCOL_ERROR (conn) |
//! | Open | Open | Open | Open | HalfClosedLocal | HalfClosedRemote | Closed | usage | PROTOCOL_ERROR (conn) |
//! | HalfClosedLocal | usage | HalfClosedLocal | usage / HalfClosedLocal | usage | Closed | Closed | usage | PROTOCOL_ERROR (conn) |
//! | HalfClosedRemote | HalfClosedRemote | STREAM_CLOSED (stream) | HalfClosedRemote / STREAM_CLOSED (stream) | Closed | STREAM_CLOSED (stream) | Closed | usage | PROTOCOL_ERROR (conn) |
//! | Closed | usage | STREAM_CLOSED (stream) | usage / STREAM_CLOSED (stream) | usage | STREAM_CLOSED (stream) | Closed | usage | PROTOCOL_ERROR (conn) |
//!
//! "usage" is the application's mistake ([`UsageError::InvalidState`]); the
//! others are the peer's, with their code and scope. The PUSH_PROMISE columns
//! are the events of the *promised* stream; a PUSH_PROMISE on a non-idle
//! promised stream is a connection error (section 6.6). A frame on a closed
//! stream whose closing the store still remembers can be judged more finely (a
//! frame after our RST_STREAM is ignored, section 5.1); the connection does that
//! before calling [`transition`].

use core::fmt;

use super::error::{Error, ErrorKind, UsageError};

mod record;
mod store;

pub(crate) use record::{StreamRecord, stored_fields};
pub(crate) use store::{ClosedHow, StreamStore};

/// A stream identifier: 31 bits, odd for streams a client opens, even for
/// streams a server opens (pushes), 0 for the connection itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(u32);

impl StreamId {
    /// Stream 0: frames about the whole connection.
    pub const ZERO: StreamId = StreamId(0);
    /// The largest identifier (2^31-1).
    pub const MAX: StreamId = StreamId(0x7fff_ffff);

    /// The identifier `id`, with the reserved high bit cleared (RFC 9113 section 4.1:
    /// it MUST be ignored when receiving).
    pub const fn new(id: u32) -> Self {
        StreamId(id & 0x7fff_ffff)
    }

    /// The identifier as a number.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// Whether this is stream 0.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether a client opens this stream (odd).
    pub const fn is_client_initiated(self) -> bool {
        self.0 % 2 == 1
    }

    /// Whether a server opens this stream (even, not 0).
    pub const fn is_server_initiated(self) -> bool {
        self.0 != 0 && self.0.is_multiple_of(2)
    }

    /// The next identifier of the same initiator, or `None` past 2^31-1.
    pub const fn next(self) -> Option<StreamId> {
        if self.0 > StreamId::MAX.0 - 2 {
            None
        } else {
            Some(StreamId(self.0 + 2))
        }
    }
}

impl From<u32> for StreamId {
    fn from(id: u32) -> Self {
        StreamId::new(id)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The states of RFC 9113 section 5.1, seen from this endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamState {
    /// Not used yet.
    Idle,
    /// We promised this stream with a PUSH_PROMISE; our response opens it.
    ReservedLocal,
    /// The peer promised this stream; its response opens it.
    ReservedRemote,
    /// Both sides may send.
    Open,
    /// We sent END_STREAM; the peer may still send.
    HalfClosedLocal,
    /// The peer sent END_STREAM; we may still send.
    HalfClosedRemote,
    /// Neither side sends any more.
    Closed,
}

impl StreamState {
    /// Whether the stream counts against SETTINGS_MAX_CONCURRENT_STREAMS (section 5.1.2).
    pub const fn is_active(self) -> bool {
        matches!(
            self,
            StreamState::Open | StreamState::HalfClosedLocal | StreamState::HalfClosedRemote
        )
    }

    /// Whether the peer may still send DATA on it.
    pub const fn can_recv(self) -> bool {
        matches!(self, StreamState::Open | StreamState::HalfClosedLocal)
    }

    /// Whether we may still send on it.
    pub const fn can_send(self) -> bool {
        matches!(self, StreamState::Open | StreamState::HalfClosedRemote)
    }
}

/// Something a stream sends or receives; see the table in the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamEvent {
    /// We send a HEADERS frame (head or trailers).
    SendHeaders,
    /// The peer's HEADERS frame arrived.
    RecvHeaders,
    /// We send a DATA frame.
    SendData,
    /// The peer's DATA frame arrived.
    RecvData,
    /// Our frame carries END_STREAM.
    SendEndStream,
    /// The peer's frame carried END_STREAM.
    RecvEndStream,
    /// We send RST_STREAM.
    SendReset,
    /// The peer's RST_STREAM arrived.
    RecvReset,
    /// We promise this stream in a PUSH_PROMISE.
    SendPushPromise,
    /// The peer promised this stream in a PUSH_PROMISE.
    RecvPushPromise,
}

/// Why a transition is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionError {
    /// The peer broke the rules: a stream or connection error.
    Peer(Error),
    /// The application asked for something the state does not allow.
    Usage(UsageError),
}

/// The one transition function of RFC 9113 section 5.1: the state after
/// `event` on stream `id` in `state`, or whose fault it is that it cannot happen.
pub fn transition(
    state: StreamState,
    event: StreamEvent,
    id: StreamId,
) -> Result<StreamState, TransitionError> {
    use StreamEvent::*;
    use StreamState::*;
    let conn = |kind| Err(TransitionError::Peer(Error::connection(kind)));
    let stream = |kind| Err(TransitionError::Peer(Error::stream_error(id, kind)));
    let usage = Err(TransitionError::Usage(UsageError::InvalidState));
    match (state, event) {
        // Resets end every state but idle. RFC 9113 section 6.4: RST_STREAM on an
        // idle stream is a connection error of type PROTOCOL_ERROR.
        (Idle, RecvReset) => conn(ErrorKind::IdleStream),
        (Idle, SendReset) => usage,
        (_, SendReset | RecvReset) => Ok(Closed),

        // A promised stream must be idle (section 6.6: PROTOCOL_ERROR otherwise).
        (Idle, SendPushPromise) => Ok(ReservedLocal),
        (Idle, RecvPushPromise) => Ok(ReservedRemote),
        (_, SendPushPromise) => usage,
        (_, RecvPushPromise) => conn(ErrorKind::InvalidStreamId),

        (Idle, SendHeaders | RecvHeaders) => Ok(Open),
        // Section 5.1 idle: any frame but HEADERS or PRIORITY is a connection
        // error of type PROTOCOL_ERROR.
        (Idle, RecvData | RecvEndStream) => conn(ErrorKind::IdleStream),
        (Idle, SendData | SendEndStream) => usage,

        (ReservedLocal, SendHeaders) => Ok(HalfClosedRemote),
        (ReservedLocal, SendData | SendEndStream) => usage,
        // Section 5.1 reserved (local): frames other than RST_STREAM, PRIORITY and
        // WINDOW_UPDATE are a connection error of type PROTOCOL_ERROR.
        (ReservedLocal, RecvHeaders | RecvData | RecvEndStream) => conn(ErrorKind::InvalidStreamId),

        (ReservedRemote, RecvHeaders) => Ok(HalfClosedLocal),
        // Section 5.1 reserved (remote): only HEADERS, RST_STREAM and PRIORITY.
        (ReservedRemote, RecvData | RecvEndStream) => conn(ErrorKind::InvalidStreamId),
        (ReservedRemote, SendHeaders | SendData | SendEndStream) => usage,

        (Open, SendHeaders | RecvHeaders | SendData | RecvData) => Ok(Open),
        (Open, SendEndStream) => Ok(HalfClosedLocal),
        (Open, RecvEndStream) => Ok(HalfClosedRemote),

        (HalfClosedLocal, RecvHeaders | RecvData) => Ok(HalfClosedLocal),
        (HalfClosedLocal, RecvEndStream) => Ok(Closed),
        (HalfClosedLocal, SendHeaders | SendData | SendEndStream) => usage,

        (HalfClosedRemote, SendHeaders | SendData) => Ok(HalfClosedRemote),
        (HalfClosedRemote, SendEndStream) => Ok(Closed),
        // Section 5.1 half-closed (remote): frames other than WINDOW_UPDATE,
        // PRIORITY and RST_STREAM are a stream error of type STREAM_CLOSED.
        (HalfClosedRemote, RecvHeaders | RecvData | RecvEndStream) => {
            stream(ErrorKind::StreamClosed)
        }

        (Closed, RecvHeaders | RecvData | RecvEndStream) => stream(ErrorKind::StreamClosed),
        (Closed, SendHeaders | SendData | SendEndStream) => usage,
    }
}

#[cfg(test)]
mod tests;
