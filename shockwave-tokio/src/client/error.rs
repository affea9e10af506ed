//! What can go wrong with a client request, and at which step.

use std::error::Error as StdError;
use std::fmt;

use shockwave_proto::h1;

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
