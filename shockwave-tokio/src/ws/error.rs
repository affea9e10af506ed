//! What can go wrong on a WebSocket, from the handshake to the last byte.

use std::fmt;
use std::io;

use shockwave_proto::h1;
use shockwave_proto::ws::{self, handshake::HandshakeError};

/// A WebSocket failure: the peer's ([`Error::Protocol`], [`Error::Handshake`]),
/// the network's ([`Error::Io`]), or the application's ([`Error::Usage`],
/// [`Error::AlreadyClosed`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the protocol (or did not answer our Close in time). The
    /// machine has sent a Close frame with [`ws::Error::close_code`] (unless it
    /// is 1006); keep reading until the stream ends to finish the closing
    /// handshake.
    Protocol(ws::Error),
    /// The socket failed; the connection is over.
    Io(io::Error),
    /// The opening handshake failed: the server refused (its status is in
    /// [`HandshakeError::UnexpectedStatus`]) or answered wrongly.
    Handshake(HandshakeError),
    /// The server's answer to the opening handshake was not valid HTTP/1.1.
    Http(h1::Error),
    /// The handshake request could not be written (a path or field that is
    /// not valid HTTP).
    Request(h1::UsageError),
    /// The connection ended before the handshake did.
    HandshakeEof,
    /// The handshake did not finish within its timeout.
    HandshakeTimeout,
    /// The URL is not a `ws://` or `wss://` URL with a host.
    Url(String),
    /// TLS could not be set up (trust roots, server name).
    Tls(String),
    /// The application asked for something invalid (a close code that may
    /// not be sent, a ping longer than 125 bytes); nothing was sent.
    Usage(ws::UsageError),
    /// The connection is closing or closed: nothing more can be sent.
    AlreadyClosed,
}

impl Error {
    /// The close code the peer was told, for a protocol error.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            Error::Protocol(e) => Some(e.close_code()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => write!(f, "WebSocket protocol error: {e}"),
            Error::Io(e) => write!(f, "WebSocket I/O error: {e}"),
            Error::Handshake(e) => write!(f, "WebSocket handshake failed: {e}"),
            Error::Http(e) => write!(f, "WebSocket handshake: invalid HTTP response: {e}"),
            Error::Request(e) => write!(f, "WebSocket handshake request: {e}"),
            Error::HandshakeEof => f.write_str("connection closed during the WebSocket handshake"),
            Error::HandshakeTimeout => f.write_str("WebSocket handshake timed out"),
            Error::Url(e) => write!(f, "invalid WebSocket URL: {e}"),
            Error::Tls(e) => write!(f, "TLS: {e}"),
            Error::Usage(e) => write!(f, "WebSocket usage error: {e}"),
            Error::AlreadyClosed => f.write_str("the WebSocket is closed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Protocol(e) => Some(e),
            Error::Io(e) => Some(e),
            Error::Handshake(e) => Some(e),
            Error::Http(e) => Some(e),
            Error::Usage(e) => Some(e),
            Error::Request(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<ws::Error> for Error {
    fn from(e: ws::Error) -> Self {
        Error::Protocol(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}
