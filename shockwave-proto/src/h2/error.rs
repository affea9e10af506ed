//! What can go wrong on an HTTP/2 connection, and whose fault it was.
//!
//! [`Error`] is the peer's fault. It carries what the peer is told (an
//! [`ErrorCode`] in a GOAWAY or RST_STREAM) and its scope (RFC 9113 section 5.4):
//! [`Error::stream`] is `None` for a connection error, which ends the connection
//! after a GOAWAY, and names the stream for a stream error, which ends only that
//! stream with a RST_STREAM. [`UsageError`] is the application's mistake: the
//! command changed nothing.

use core::fmt;

use super::registry::ErrorCode;
use super::stream::StreamId;

/// A protocol error caused by the peer's bytes (or silence).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    code: ErrorCode,
    stream: Option<StreamId>,
}

/// What went wrong. Each kind has the error code RFC 9113 gives it
/// ([`ErrorKind::code`]); the scope is the [`Error`]'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- connection start (section 3.4) ---
    /// The client connection preface was not `PRI * HTTP/2.0...`.
    BadPreface,
    /// The first frame of the peer was not SETTINGS.
    MissingSettings,

    // --- frame layout (sections 4 and 6) ---
    /// A frame longer than the SETTINGS_MAX_FRAME_SIZE we announced.
    FrameTooLarge,
    /// A frame whose length does not fit its type (PING not 8, RST_STREAM not 4...).
    BadFrameSize,
    /// A frame that needs a stream came on stream 0.
    StreamIdRequired,
    /// A connection-level frame came on a stream other than 0.
    StreamIdNotAllowed,
    /// The padding length is not smaller than the payload.
    BadPadding,
    /// A stream depends on itself (section 5.3.1).
    SelfDependency,
    /// A SETTINGS value out of its range (section 6.5.2).
    InvalidSetting,
    /// A flow-control window would pass 2^31-1 (section 6.9.1).
    WindowOverflow,
    /// A WINDOW_UPDATE with an increment of 0 (section 6.9).
    ZeroWindowIncrement,
    /// The peer sent more DATA than the window allowed (section 6.9.1).
    FlowControlViolation,

    // --- field blocks (sections 4.3 and 6.10) ---
    /// A frame other than CONTINUATION for the same stream inside a field block.
    HeaderBlockInterrupted,
    /// A CONTINUATION without a field block in progress.
    UnexpectedContinuation,
    /// A field block larger than `max_header_block_size` before decoding.
    HeaderBlockTooLarge,
    /// More CONTINUATION frames than `max_continuation_frames` in one block.
    TooManyContinuations,
    /// The HPACK decoder failed (RFC 7541); the compression context is lost.
    Compression,
    /// The decoded field section exceeds `max_header_list_size`.
    HeaderListTooLarge,

    // --- streams (section 5.1) ---
    /// A frame on a stream in the idle state that idle streams cannot take.
    IdleStream,
    /// A frame on a stream that is closed, or half-closed for the sender.
    StreamClosed,
    /// A stream identifier the peer may not open (wrong parity or not increasing).
    InvalidStreamId,
    /// More streams than SETTINGS_MAX_CONCURRENT_STREAMS (section 5.1.2).
    RefusedStream,
    /// A PUSH_PROMISE the receiver did not allow, or sent by a client (section 8.4).
    PushNotAllowed,
    /// A PRIORITY_UPDATE received by a client (RFC 9218 section 7.1).
    UnexpectedPriorityUpdate,

    // --- HTTP semantics (section 8) ---
    /// A field name with uppercase letters or characters not allowed in names (section 8.2.1).
    InvalidFieldName,
    /// A field value with NUL, CR, LF, or leading or trailing whitespace (section 8.2.1).
    InvalidFieldValue,
    /// A connection-specific field such as `connection` (section 8.2.2).
    ConnectionSpecificField,
    /// A `te` field other than `trailers` (section 8.2.2).
    InvalidTe,
    /// A pseudo-header after a regular field (section 8.3).
    PseudoAfterRegular,
    /// A pseudo-header that is unknown, repeated, or not for this message (section 8.3).
    InvalidPseudoHeader,
    /// A required pseudo-header is missing or empty (section 8.3.1).
    MissingPseudoHeader,
    /// A pseudo-header in a trailer section (section 8.1).
    PseudoInTrailers,
    /// A `content-length` that is not a number or disagrees with another one.
    InvalidContentLength,
    /// The DATA received does not add up to `content-length` (section 8.1.1).
    ContentLengthMismatch,
    /// A second HEADERS without END_STREAM, or a final response after another (section 8.1).
    UnexpectedHeaders,
    /// DATA on a stream whose final response head has not arrived (section 8.1).
    DataBeforeHeaders,
    /// `:status` is not three digits, or 101 (section 8.6).
    InvalidStatus,
    /// `:protocol` without SETTINGS_ENABLE_CONNECT_PROTOCOL, or outside CONNECT (RFC 8441 section 4).
    ExtendedConnectNotAllowed,
    /// A pushed request that is not safe and cacheable, or has a body (section 8.4).
    InvalidPushRequest,

    // --- denial of service (section 10.5) ---
    /// Too many stream resets, by the peer or caused by it, in a window (CVE-2023-44487, CVE-2025-8671).
    ResetFlood,
    /// Too many frames that carry no work (empty DATA, CONTINUATION, unknown frames...).
    EmptyFrameFlood,
    /// Too many PING, SETTINGS, PRIORITY or WINDOW_UPDATE frames in a window.
    ControlFrameFlood,
    /// The peer's stream identifiers are used up (section 5.1.1).
    StreamIdsExhausted,

    // --- time ---
    /// Our SETTINGS were not acknowledged within `settings_timeout` (section 6.5.3).
    SettingsTimeout,
    /// A keep-alive PING was not answered in time.
    PingTimeout,
    /// The connection ended in the middle of a frame or before the preface.
    UnexpectedEof,
}

impl ErrorKind {
    /// The error code RFC 9113 (or RFC 9218, RFC 8441) assigns to this violation.
    pub const fn code(self) -> ErrorCode {
        use ErrorKind::*;
        match self {
            FrameTooLarge | BadFrameSize => ErrorCode::FRAME_SIZE_ERROR,
            WindowOverflow | FlowControlViolation => ErrorCode::FLOW_CONTROL_ERROR,
            Compression => ErrorCode::COMPRESSION_ERROR,
            StreamClosed => ErrorCode::STREAM_CLOSED,
            RefusedStream => ErrorCode::REFUSED_STREAM,
            SettingsTimeout => ErrorCode::SETTINGS_TIMEOUT,
            HeaderBlockTooLarge | TooManyContinuations | ResetFlood | EmptyFrameFlood
            | ControlFrameFlood => ErrorCode::ENHANCE_YOUR_CALM,
            HeaderListTooLarge => ErrorCode::CANCEL,
            PingTimeout | UnexpectedEof | StreamIdsExhausted => ErrorCode::NO_ERROR,
            _ => ErrorCode::PROTOCOL_ERROR,
        }
    }

    /// A short description, the text `Display` prints.
    pub const fn description(self) -> &'static str {
        use ErrorKind::*;
        match self {
            BadPreface => "invalid connection preface",
            MissingSettings => "first frame is not SETTINGS",
            FrameTooLarge => "frame larger than SETTINGS_MAX_FRAME_SIZE",
            BadFrameSize => "frame length invalid for its type",
            StreamIdRequired => "frame needs a stream identifier",
            StreamIdNotAllowed => "connection frame on a stream",
            BadPadding => "padding not shorter than the payload",
            SelfDependency => "stream depends on itself",
            InvalidSetting => "invalid SETTINGS value",
            WindowOverflow => "flow-control window above 2^31-1",
            ZeroWindowIncrement => "WINDOW_UPDATE increment of 0",
            FlowControlViolation => "DATA beyond the flow-control window",
            HeaderBlockInterrupted => "frame inside a field block",
            UnexpectedContinuation => "CONTINUATION without a field block",
            HeaderBlockTooLarge => "field block too large",
            TooManyContinuations => "too many CONTINUATION frames",
            Compression => "HPACK decoding failed",
            HeaderListTooLarge => "field section too large",
            IdleStream => "frame on an idle stream",
            StreamClosed => "frame on a closed stream",
            InvalidStreamId => "invalid stream identifier",
            RefusedStream => "too many concurrent streams",
            PushNotAllowed => "PUSH_PROMISE not allowed",
            UnexpectedPriorityUpdate => "PRIORITY_UPDATE received by a client",
            InvalidFieldName => "invalid field name",
            InvalidFieldValue => "invalid field value",
            ConnectionSpecificField => "connection-specific field",
            InvalidTe => "te other than trailers",
            PseudoAfterRegular => "pseudo-header after a regular field",
            InvalidPseudoHeader => "unknown, repeated or misplaced pseudo-header",
            MissingPseudoHeader => "required pseudo-header missing",
            PseudoInTrailers => "pseudo-header in trailers",
            InvalidContentLength => "invalid content-length",
            ContentLengthMismatch => "DATA does not match content-length",
            UnexpectedHeaders => "unexpected HEADERS",
            DataBeforeHeaders => "DATA before the response head",
            InvalidStatus => "invalid :status",
            ExtendedConnectNotAllowed => "extended CONNECT not allowed",
            InvalidPushRequest => "invalid pushed request",
            ResetFlood => "too many stream resets",
            EmptyFrameFlood => "too many empty frames",
            ControlFrameFlood => "too many control frames",
            StreamIdsExhausted => "stream identifiers exhausted",
            SettingsTimeout => "SETTINGS not acknowledged in time",
            PingTimeout => "keep-alive PING not answered",
            UnexpectedEof => "connection closed mid-frame",
        }
    }
}

impl Error {
    /// A connection error of `kind`, with the kind's code.
    pub const fn connection(kind: ErrorKind) -> Self {
        Error {
            kind,
            code: kind.code(),
            stream: None,
        }
    }

    /// A stream error of `kind` on `stream`, with the kind's code.
    pub const fn stream_error(stream: StreamId, kind: ErrorKind) -> Self {
        Error {
            kind,
            code: kind.code(),
            stream: Some(stream),
        }
    }

    /// The same error with another code (a kind whose code depends on context).
    pub const fn with_code(self, code: ErrorCode) -> Self {
        Error { code, ..self }
    }

    /// The same violation escalated to a connection error.
    pub const fn to_connection(self) -> Self {
        Error {
            stream: None,
            ..self
        }
    }

    /// What went wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The code sent to the peer in GOAWAY (connection error) or RST_STREAM.
    pub const fn code(&self) -> ErrorCode {
        self.code
    }

    /// The stream a stream error ends; `None` for a connection error.
    pub const fn stream(&self) -> Option<StreamId> {
        self.stream
    }

    /// Whether the whole connection ends.
    pub const fn is_connection_error(&self) -> bool {
        self.stream.is_none()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stream {
            Some(id) => write!(
                f,
                "{} ({} on stream {id})",
                self.kind.description(),
                self.code
            ),
            None => write!(f, "{} ({})", self.kind.description(), self.code),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// The application's mistake: a command invalid in the current state. The
/// connection is unchanged by the failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageError {
    /// No such stream, or it already ended (reset or closed).
    UnknownStream,
    /// A response or trailers were already sent on this stream, or the head is
    /// not allowed in its state (a response before a request).
    InvalidState,
    /// The stream's body already ended (END_STREAM was queued).
    StreamFinished,
    /// A field name that is not a lowercase token or a value with NUL, CR or LF.
    InvalidField,
    /// A connection-specific field (`connection`, `transfer-encoding`, ...) or a
    /// pseudo-header given as a regular field (RFC 9113 section 8.2.2).
    ConnectionSpecificField,
    /// A status outside 100..=999, a 1xx where a final status is needed, or 101.
    InvalidStatus,
    /// An empty method, or request pseudo-headers that do not fit the method.
    InvalidRequest,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (or our own cap) is reached.
    StreamLimit,
    /// Every stream identifier was used (2^31-1); open a new connection.
    StreamIdsExhausted,
    /// A GOAWAY was sent or received: no new streams.
    GoingAway,
    /// The peer disabled server push, or the associated stream cannot carry one.
    PushDisabled,
    /// Extended CONNECT without the peer's SETTINGS_ENABLE_CONNECT_PROTOCOL.
    ExtendedConnectDisabled,
    /// More bytes released than were received and not yet released on the stream.
    ReleaseTooLarge,
    /// The output queue is over `max_write_buffer`; write out `poll_transmit` first.
    OutputFull,
    /// The connection is closing or closed.
    Closed,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use UsageError::*;
        f.write_str(match self {
            UnknownStream => "no such stream",
            InvalidState => "not allowed in the stream's state",
            StreamFinished => "the stream's body already ended",
            InvalidField => "invalid header field",
            ConnectionSpecificField => "connection-specific field or pseudo-header",
            InvalidStatus => "invalid status code",
            InvalidRequest => "invalid request pseudo-headers",
            StreamLimit => "concurrent stream limit reached",
            StreamIdsExhausted => "stream identifiers exhausted",
            GoingAway => "connection going away",
            PushDisabled => "server push not allowed",
            ExtendedConnectDisabled => "extended CONNECT not enabled by the peer",
            ReleaseTooLarge => "released more than was received",
            OutputFull => "output queue full",
            Closed => "connection closed",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UsageError {}
