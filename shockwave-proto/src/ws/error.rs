//! What can go wrong on a WebSocket connection, and whose fault it was.
//!
//! [`Error`] is the peer's fault: it carries the close code the peer is told
//! ([`Error::close_code`], RFC 6455 section 7.4.1) before the connection ends.
//! [`UsageError`] is the application's: a command that is invalid in the
//! current state, which changes nothing. Neither is ever a panic.

use core::fmt;

/// A protocol error caused by the peer's bytes (or silence). The machine sends
/// a Close frame with [`Error::close_code`] (unless the code is 1006, which is
/// never sent) and ends the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// The kinds of peer error, grouped by the close code they earn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- 1002 protocol error ---
    /// An opcode that RFC 6455 reserves (3-7, B-F).
    ReservedOpcode,
    /// RSV2 or RSV3 set, or RSV1 without permessage-deflate, on a control
    /// frame, or on a continuation frame (RFC 6455 section 5.2, RFC 7692 section 6).
    ReservedBits,
    /// A payload length not in its shortest form, or a 64-bit length with the
    /// most significant bit set (RFC 6455 section 5.2).
    InvalidLength,
    /// A control frame with more than 125 bytes of payload (RFC 6455 section 5.5).
    ControlFrameTooLong,
    /// A control frame without FIN (RFC 6455 section 5.5).
    FragmentedControlFrame,
    /// A client frame without a mask (RFC 6455 section 5.1).
    UnmaskedFrame,
    /// A server frame with a mask (RFC 6455 section 5.1).
    MaskedFrame,
    /// A continuation frame with no message in progress (RFC 6455 section 5.4).
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message is unfinished (RFC 6455 section 5.4).
    ExpectedContinuation,
    /// A Close frame with a 1-byte payload (RFC 6455 section 5.5.1).
    InvalidClosePayload,
    /// A close code that may not be sent (RFC 6455 section 7.4).
    InvalidCloseCode,

    // --- 1007 invalid payload data ---
    /// A text message that is not UTF-8 (RFC 6455 section 8.1).
    InvalidUtf8,
    /// A close reason that is not UTF-8 (RFC 6455 section 5.5.1).
    InvalidCloseReason,
    /// A compressed message that is not valid DEFLATE data (RFC 7692 section 7.2.2).
    InvalidDeflate,

    // --- 1009 message too big ---
    /// A frame longer than `max_frame_size`.
    FrameTooLarge,
    /// A message longer than `max_message_size`.
    MessageTooLarge,
    /// A compressed message that inflates past `max_message_size` (RFC 7692 section 8).
    DecompressedTooLarge,
    /// A message in more than `max_fragments` frames.
    TooManyFragments,

    // --- 1006: nothing sent ---
    /// The byte stream ended without a closing handshake.
    UnexpectedEof,
    /// The peer did not answer our Close frame within `close_timeout`.
    CloseTimeout,
}

impl Error {
    /// An error of the given kind.
    pub const fn new(kind: ErrorKind) -> Self {
        Error { kind }
    }

    /// What went wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The close code the peer is told (RFC 6455 section 7.4.1): 1002, 1007
    /// or 1009; 1006 ("abnormal closure") when nothing can be sent.
    pub const fn close_code(&self) -> u16 {
        use ErrorKind::*;
        match self.kind {
            InvalidUtf8 | InvalidCloseReason | InvalidDeflate => 1007,
            FrameTooLarge | MessageTooLarge | DecompressedTooLarge | TooManyFragments => 1009,
            UnexpectedEof | CloseTimeout => 1006,
            _ => 1002,
        }
    }

    /// Whether the frame boundaries are still known after this error, so the
    /// peer's Close frame can be found in what follows.
    pub(crate) const fn keeps_framing(&self) -> bool {
        use ErrorKind::*;
        matches!(
            self.kind,
            ExpectedContinuation
                | UnexpectedContinuation
                | FrameTooLarge
                | InvalidUtf8
                | InvalidDeflate
                | MessageTooLarge
                | DecompressedTooLarge
                | TooManyFragments
        )
    }

    /// A short description, the same text `Display` prints.
    pub const fn description(&self) -> &'static str {
        use ErrorKind::*;
        match self.kind {
            ReservedOpcode => "reserved opcode",
            ReservedBits => "reserved bits set",
            InvalidLength => "payload length not in its shortest form",
            ControlFrameTooLong => "control frame longer than 125 bytes",
            FragmentedControlFrame => "fragmented control frame",
            UnmaskedFrame => "unmasked client frame",
            MaskedFrame => "masked server frame",
            UnexpectedContinuation => "continuation frame without a message",
            ExpectedContinuation => "new message before the last one finished",
            InvalidClosePayload => "close frame with a 1-byte payload",
            InvalidCloseCode => "invalid close code",
            InvalidUtf8 => "text is not UTF-8",
            InvalidCloseReason => "close reason is not UTF-8",
            InvalidDeflate => "invalid compressed data",
            FrameTooLarge => "frame too large",
            MessageTooLarge => "message too large",
            DecompressedTooLarge => "message inflates too large",
            TooManyFragments => "too many fragments",
            UnexpectedEof => "connection ended without a closing handshake",
            CloseTimeout => "close frame not answered in time",
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.close_code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// The application's mistake: a command that is invalid in the current state.
/// The connection is unchanged by the failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageError {
    /// A Close frame was sent or received: no more messages or pings.
    Closed,
    /// The output queue is full; send what is queued (`poll_transmit`) and retry.
    OutputFull,
    /// A fragmented message is being sent: finish it first (or continue it with the same kind).
    FragmentInProgress,
    /// A close code that may not be sent (1005, 1006, 1015, or outside the valid ranges).
    InvalidCloseCode,
    /// A ping or pong payload longer than 125 bytes, or a close reason longer than 123.
    ControlPayloadTooLong,
    /// Text that is not UTF-8.
    InvalidUtf8,
    /// A subprotocol name that is not a token (RFC 6455 section 4.1).
    InvalidProtocol,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use UsageError::*;
        f.write_str(match self {
            Closed => "the connection is closing",
            OutputFull => "output queue full",
            FragmentInProgress => "a fragmented message is being sent",
            InvalidCloseCode => "close code may not be sent",
            ControlPayloadTooLong => "control frame payload too long",
            InvalidUtf8 => "text is not UTF-8",
            InvalidProtocol => "subprotocol name is not a token",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UsageError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_follow_section_7_4_1() {
        assert_eq!(Error::new(ErrorKind::ReservedOpcode).close_code(), 1002);
        assert_eq!(Error::new(ErrorKind::InvalidCloseCode).close_code(), 1002);
        assert_eq!(Error::new(ErrorKind::InvalidUtf8).close_code(), 1007);
        assert_eq!(Error::new(ErrorKind::InvalidCloseReason).close_code(), 1007);
        assert_eq!(Error::new(ErrorKind::MessageTooLarge).close_code(), 1009);
        assert_eq!(
            Error::new(ErrorKind::DecompressedTooLarge).close_code(),
            1009
        );
        assert_eq!(Error::new(ErrorKind::CloseTimeout).close_code(), 1006);
    }
}
