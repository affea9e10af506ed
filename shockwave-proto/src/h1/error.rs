//! What can go wrong on an HTTP/1.1 connection, and whose fault it was.
//!
//! [`Error`] is the peer's fault: it carries what the peer is told (the status of
//! the response a server sends before closing). [`UsageError`] is the
//! application's: a command that is invalid in the current state. Neither is ever
//! a panic.

use core::fmt;

/// A protocol error caused by the peer's bytes (or silence). The connection is
/// closed after it; a server first sends a response with [`Error::status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// The kinds of peer error. Each maps to the status a server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // --- line and field syntax (400) ---
    /// A line ended in LF without CR (RFC 9112 section 2.2).
    BareLf,
    /// A CR not followed by LF.
    BareCr,
    /// The request line is not `method SP request-target SP HTTP-version`.
    InvalidRequestLine,
    /// The method is empty or has a character that is not a token character.
    InvalidMethod,
    /// The request target has a byte that is not allowed, or does not fit its form.
    InvalidTarget,
    /// The HTTP version is malformed (`HTTP/x.y` with single digits).
    InvalidVersion,
    /// The status line is malformed or the status code is not three digits.
    InvalidStatusLine,
    /// A field name is empty or has a character that is not a token character.
    InvalidFieldName,
    /// Whitespace between a field name and the colon (RFC 9112 section 5.1).
    WhitespaceBeforeColon,
    /// A field value has a control character other than HTAB, or DEL.
    InvalidFieldValue,
    /// A line folded onto the previous field (obs-fold, RFC 9112 section 5.2).
    ObsFold,
    /// A field line without a colon.
    MissingColon,
    /// Whitespace before the first field line (RFC 9112 section 2.2).
    WhitespaceAfterStartLine,
    /// An empty line (or only whitespace) where a request line was expected,
    /// beyond the one CRLF the RFC allows us to skip.
    LeadingEmptyLines,

    // --- message framing (400) ---
    /// Content-Length is not a plain decimal, or is too large (RFC 9110 section 8.6).
    InvalidContentLength,
    /// Content-Length appears more than once with different values.
    ConflictingContentLength,
    /// Both Content-Length and Transfer-Encoding (RFC 9112 section 6.3).
    ContentLengthWithTransferEncoding,
    /// A request whose final transfer coding is not `chunked` (RFC 9112 section 6.3).
    ChunkedNotFinal,
    /// `chunked` applied more than once (RFC 9112 section 6.1).
    DuplicateChunked,
    /// Transfer-Encoding in an HTTP/1.0 message (RFC 9112 section 6.1).
    TransferEncodingInHttp10,
    /// An HTTP/1.1 request without Host (RFC 9112 section 3.2).
    MissingHost,
    /// More than one Host field (RFC 9112 section 3.2).
    DuplicateHost,
    /// A Host value that is not a valid `uri-host [ ":" port ]`.
    InvalidHost,
    /// A chunk-size line that is not hex digits, or has bad whitespace or
    /// extension syntax (RFC 9112 section 7.1).
    InvalidChunkSize,
    /// A chunk size that does not fit in 64 bits.
    ChunkSizeOverflow,
    /// Chunk data not followed by CRLF.
    InvalidChunkTerminator,
    /// The connection ended in the middle of a message body.
    IncompleteBody,
    /// The connection ended in the middle of a message head.
    IncompleteHead,

    // --- limits ---
    /// The request target exceeds `max_request_target_size` (414).
    TargetTooLong,
    /// The head exceeds `max_head_size` (431).
    HeadTooLarge,
    /// More than `max_headers` field lines (431).
    TooManyFields,
    /// The trailer section exceeds `max_head_size` or `max_headers` (431).
    TrailersTooLarge,
    /// Chunk extensions exceed `max_chunk_extensions_size` (400).
    ChunkExtensionsTooLarge,
    /// The body is longer than `max_body_size` (413).
    BodyTooLarge,

    /// Response bytes arrived while no request was in flight.
    UnsolicitedResponse,

    // --- unsupported (501, 505) ---
    /// A transfer coding other than `chunked` in a request (RFC 9112 section 6.1: 501).
    UnsupportedTransferCoding,
    /// A major version other than 1, such as `HTTP/2.0` or `HTTP/0.9` in a start
    /// line (505). A request line with no version at all is [`ErrorKind::InvalidRequestLine`].
    UnsupportedVersion,
    /// The 1xx response was one the client did not ask for or cannot take (101 without Upgrade).
    UnexpectedInformational,

    // --- time ---
    /// The head did not arrive within `header_read_timeout` (408).
    HeadTimeout,
    /// The body stopped arriving for `body_read_timeout` (408).
    BodyTimeout,
    /// A response did not arrive within `response_timeout` (client).
    ResponseTimeout,
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

    /// The status a server answers with before closing.
    pub const fn status(&self) -> u16 {
        use ErrorKind::*;
        match self.kind {
            TargetTooLong => 414,
            HeadTooLarge | TooManyFields | TrailersTooLarge => 431,
            BodyTooLarge => 413,
            UnsupportedTransferCoding => 501,
            UnsupportedVersion => 505,
            HeadTimeout | BodyTimeout => 408,
            ResponseTimeout => 504,
            _ => 400,
        }
    }

    /// A short description, the same text `Display` prints.
    pub const fn description(&self) -> &'static str {
        use ErrorKind::*;
        match self.kind {
            BareLf => "line ended in LF without CR",
            BareCr => "CR not followed by LF",
            InvalidRequestLine => "malformed request line",
            InvalidMethod => "invalid method",
            InvalidTarget => "invalid request target",
            InvalidVersion => "invalid HTTP version",
            InvalidStatusLine => "malformed status line",
            InvalidFieldName => "invalid field name",
            WhitespaceBeforeColon => "whitespace between field name and colon",
            InvalidFieldValue => "invalid character in field value",
            ObsFold => "obsolete line folding",
            MissingColon => "field line without colon",
            WhitespaceAfterStartLine => "whitespace before the first field line",
            LeadingEmptyLines => "empty lines before the request line",
            InvalidContentLength => "invalid Content-Length",
            ConflictingContentLength => "conflicting Content-Length values",
            ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
            ChunkedNotFinal => "final transfer coding is not chunked",
            DuplicateChunked => "chunked applied more than once",
            TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 message",
            MissingHost => "missing Host",
            DuplicateHost => "more than one Host",
            InvalidHost => "invalid Host",
            InvalidChunkSize => "invalid chunk-size line",
            ChunkSizeOverflow => "chunk size overflows",
            InvalidChunkTerminator => "chunk data not followed by CRLF",
            IncompleteBody => "connection closed in the middle of a body",
            IncompleteHead => "connection closed in the middle of a head",
            TargetTooLong => "request target too long",
            HeadTooLarge => "head too large",
            TooManyFields => "too many header fields",
            TrailersTooLarge => "trailer section too large",
            ChunkExtensionsTooLarge => "chunk extensions too large",
            BodyTooLarge => "body too large",
            UnsupportedTransferCoding => "unsupported transfer coding",
            UnsupportedVersion => "unsupported HTTP version",
            UnexpectedInformational => "unexpected informational response",
            UnsolicitedResponse => "response without a request",
            HeadTimeout => "head not received in time",
            BodyTimeout => "body stalled",
            ResponseTimeout => "response not received in time",
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
        write!(f, "{} ({})", self.description(), self.status())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// The application's mistake: a command that is invalid in the current state.
/// The connection's state is unchanged by the failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageError {
    /// A field name that is not a token, or a value with CR, LF or NUL (header injection).
    InvalidField,
    /// Content-Length, Transfer-Encoding or Connection given as a field: the
    /// machine writes these itself from the body framing and keep-alive state.
    ManagedField,
    /// A status code outside 100..=999, or a reason phrase with CR or LF.
    InvalidStatus,
    /// A method or request target with characters that cannot be sent.
    InvalidRequestLine,
    /// No request is waiting for this response (server), or a response head was already sent.
    NoRequestPending,
    /// The message head was not sent yet.
    HeadNotSent,
    /// The body was already finished.
    BodyFinished,
    /// This message cannot have a body (HEAD, 1xx, 204, 304, or a Content-Length of 0).
    BodyNotAllowed,
    /// More body bytes than the Content-Length announced.
    BodyTooLong,
    /// The body was finished before the announced Content-Length was reached.
    BodyTooShort,
    /// Trailers on a message that is not chunked.
    TrailersNotChunked,
    /// The output queue is full; send what is queued (`poll_transmit`) and retry.
    OutputFull,
    /// The connection is closing or closed.
    Closed,
    /// Too many requests are in flight on this client connection.
    TooManyInFlight,
    /// The connection was not upgraded, or the upgrade was already taken.
    NotUpgraded,
    /// An HTTP/1.1 request without a Host field (RFC 9112 section 3.2: a client MUST send one).
    MissingHost,
    /// The previous request's body is not finished yet.
    RequestInProgress,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use UsageError::*;
        f.write_str(match self {
            InvalidField => "invalid header field",
            ManagedField => "framing and connection fields are written by the machine",
            InvalidStatus => "invalid status code or reason",
            InvalidRequestLine => "invalid method or request target",
            NoRequestPending => "no request is waiting for a response",
            HeadNotSent => "the message head was not sent",
            BodyFinished => "the body is already finished",
            BodyNotAllowed => "this message cannot have a body",
            BodyTooLong => "more body than the Content-Length",
            BodyTooShort => "less body than the Content-Length",
            TrailersNotChunked => "trailers need chunked framing",
            OutputFull => "output queue full",
            Closed => "connection closed",
            TooManyInFlight => "too many requests in flight",
            NotUpgraded => "connection not upgraded",
            MissingHost => "request without Host",
            RequestInProgress => "the previous request body is not finished",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UsageError {}
