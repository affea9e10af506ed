//! WebSocket (RFC 6455, RFC 7692, RFC 8441).

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
pub use conn::{Conn, Event, MaskSource};
pub use error::{Error, ErrorKind, UsageError};
pub use message::MessageKind;
