//! WebSocket (RFC 6455), with permessage-deflate (RFC 7692) and over HTTP/2
//! (RFC 8441).
//!
//! The pieces, in the RFC's order:
//! - [`handshake`]: the opening handshake (RFC 6455 section 4) for both roles,
//!   over HTTP/1.1 (the 101 answer) and HTTP/2 (an extended CONNECT answered
//!   by a 200), with the subprotocol, the extensions and an Origin policy.
//! - [`frame`]: the frame codec (section 5.2); [`mask`]: masking (section
//!   5.3) with SIMD kernels; [`utf8`]: streaming validation of text (section
//!   8.1) with SIMD kernels.
//! - Messages (section 5.4): fragments reassembled, control frames between
//!   them, [`MessageKind`].
//! - [`close`]: the closing handshake and the close codes (section 7).
//! - [`deflate`]: permessage-deflate's negotiation and codec (RFC 7692).
//! - [`conn`]: [`Conn`], the connection machine; [`config`]: every limit,
//!   with its default, in one table; [`Error`] (the peer's fault, with the
//!   close code it earns) and [`UsageError`] (the application's).
//!
//! A connection starts with the handshake helpers on top of the HTTP machine
//! (HTTP/1.1 or an HTTP/2 stream), then hands the bytes that follow to a
//! [`Conn`] built with the agreed [`handshake::Extensions`].

pub mod close;
pub mod config;
pub mod conn;
pub mod deflate;
mod error;
pub mod frame;
pub mod handshake;
pub mod mask;
mod message;
pub mod utf8;

pub use config::Config;
pub use conn::{Conn, Event, InPlaceInput, InPlaceMessage, MAX_OWED, MaskSource, OutputPart};
pub use error::{Error, ErrorKind, UsageError};
pub use message::MessageKind;
