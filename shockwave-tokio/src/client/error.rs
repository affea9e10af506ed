//! What can go wrong with a client request, and at which step.

use std::error::Error as StdError;
use std::fmt;

use shockwave_proto::{h1, h2};

/// A boxed error from a request body or a transport.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The step that failed. See [`Error::kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request cannot be sent as given: a URI without a host, a scheme
    /// other than `http`/`https`, a header value that cannot go on the wire.
    InvalidRequest,
    /// The TCP connection could not be established (refused, unreachable, DNS).
    Connect,
    /// The TLS handshake failed (untrusted certificate, wrong name, protocol).
    Tls,
    /// Connecting (TCP and TLS) took longer than the connect timeout.
    ConnectTimeout,
    /// The response head did not arrive within the request timeout.
    RequestTimeout,
    /// The server broke HTTP/1.1; the machine's error says how.
    Protocol(h1::ErrorKind),
    /// The machine refused a command (a bug in this crate or a request it cannot frame).
    Usage(h1::UsageError),
    /// The server broke HTTP/2 (a connection error, or a malformed response
    /// that ended only this request's stream); the machine's error says how.
    Http2(h2::ErrorKind),
    /// The HTTP/2 machine refused a command: a request it cannot send (a
    /// field value it refuses, a method without the pseudo-headers it needs).
    Http2Usage(h2::UsageError),
    /// This request's HTTP/2 stream was reset with the code: by the server
    /// (RST_STREAM), or by this client when the server's frames on it were
    /// malformed (then [`std::error::Error::source`] says so). The
    /// connection's other requests are not affected.
    StreamReset(h2::ErrorCode),
    /// The server's GOAWAY ended the connection with the code before this
    /// request's response was complete (requests the server had not processed
    /// are sent again on another connection instead).
    GoAway(h2::ErrorCode),
    /// Reading or writing the socket failed.
    Io,
    /// The request body returned an error.
    RequestBody,
    /// The connection closed before the response (or its body) was complete.
    ConnectionClosed,
}

/// A failed request: what failed ([`Error::kind`]) and the underlying cause
/// ([`std::error::Error::source`]).
pub struct Error {
    kind: ErrorKind,
    source: Option<BoxError>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error { kind, source: None }
    }

    pub(crate) fn with(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        Error {
            kind,
            source: Some(source.into()),
        }
    }

    /// What failed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether a connect or request timeout expired (or the machine's own
    /// response or body timer).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::ConnectTimeout
                | ErrorKind::RequestTimeout
                | ErrorKind::Protocol(
                    h1::ErrorKind::ResponseTimeout
                        | h1::ErrorKind::HeadTimeout
                        | h1::ErrorKind::BodyTimeout
                )
                | ErrorKind::Http2(h2::ErrorKind::SettingsTimeout | h2::ErrorKind::PingTimeout)
        )
    }

    /// Whether the failure happened while connecting (TCP, TLS, or the connect timeout).
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Connect | ErrorKind::Tls | ErrorKind::ConnectTimeout
        )
    }

    /// The machine's protocol error, if the server broke HTTP/1.1.
    pub fn protocol_error(&self) -> Option<h1::Error> {
        match self.kind {
            ErrorKind::Protocol(kind) => Some(h1::Error::new(kind)),
            _ => None,
        }
    }

    /// The HTTP/2 error code the request ended with: the code of the server's
    /// RST_STREAM or GOAWAY, or of the error our machine detected.
    pub fn h2_code(&self) -> Option<h2::ErrorCode> {
        match self.kind {
            ErrorKind::StreamReset(code) | ErrorKind::GoAway(code) => Some(code),
            ErrorKind::Http2(kind) => Some(kind.code()),
            _ => None,
        }
    }

    /// The same failure for another request on the connection: one connection
    /// error fails every stream in flight, each with its own `Error`.
    pub(crate) fn duplicate(&self) -> Error {
        Error {
            kind: self.kind,
            source: self
                .source
                .as_ref()
                .map(|source| BoxError::from(source.to_string())),
        }
    }
}

impl From<h1::Error> for Error {
    fn from(e: h1::Error) -> Self {
        Error::new(ErrorKind::Protocol(e.kind()))
    }
}

impl From<h1::UsageError> for Error {
    fn from(e: h1::UsageError) -> Self {
        Error::new(ErrorKind::Usage(e))
    }
}

impl From<h2::Error> for Error {
    fn from(e: h2::Error) -> Self {
        Error::new(ErrorKind::Http2(e.kind()))
    }
}

impl From<h2::UsageError> for Error {
    fn from(e: h2::UsageError) -> Self {
        Error::new(ErrorKind::Http2Usage(e))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::InvalidRequest => f.write_str("invalid request")?,
            ErrorKind::Connect => f.write_str("connect failed")?,
            ErrorKind::Tls => f.write_str("TLS handshake failed")?,
            ErrorKind::ConnectTimeout => f.write_str("connect timed out")?,
            ErrorKind::RequestTimeout => f.write_str("no response within the request timeout")?,
            ErrorKind::Protocol(kind) => {
                write!(f, "HTTP/1.1 protocol error: {}", h1::Error::new(kind))?
            }
            ErrorKind::Usage(e) => write!(f, "request refused by the connection: {e}")?,
            ErrorKind::Http2(kind) => write!(
                f,
                "HTTP/2 protocol error: {} ({})",
                kind.description(),
                kind.code()
            )?,
            ErrorKind::Http2Usage(e) => write!(f, "request refused by the HTTP/2 connection: {e}")?,
            ErrorKind::StreamReset(code) => write!(f, "HTTP/2 stream reset ({code})")?,
            ErrorKind::GoAway(code) => write!(f, "connection going away ({code})")?,
            ErrorKind::Io => f.write_str("connection I/O failed")?,
            ErrorKind::RequestBody => f.write_str("request body failed")?,
            ErrorKind::ConnectionClosed => {
                f.write_str("connection closed before the response was complete")?
            }
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
