//! WebSocket (RFC 6455, with permessage-deflate, RFC 7692) on tokio: the
//! [`shockwave_proto::ws`] machine over a socket, as a `Stream` and `Sink`
//! of [`Message`]s.
//!
//! - Server: check the upgrade request with
//!   [`ServerHandshake::from_request`] in a native handler's `on_request`,
//!   answer with [`ServerHandshake::respond`] (or [`refuse`]), and turn the
//!   [`Upgraded`](crate::server::Upgraded) connection the handler's
//!   `on_upgrade` receives into a [`WebSocket`] with
//!   [`ServerHandshake::accept`]. Any stream whose handshake was done
//!   elsewhere: [`WebSocket::server`].
//! - Client: [`connect`] a `ws://` or `wss://` URL, or configure a
//!   [`Connector`] (subprotocols, permessage-deflate, fields, TLS trust, the
//!   machine's [`Config`]).
//! - Either way: [`WebSocket::recv`] / [`WebSocket::send`], or the
//!   `futures` [`Stream`](futures_core::Stream) and [`Sink`](futures_sink::Sink);
//!   [`WebSocket::split`] for a reading and a writing task.
//! - Without owned messages: [`WebSocket::recv_each`] lends each buffered
//!   message where it lies ([`MessageRef`]) and takes replies through an
//!   [`Outbox`]; no reference count or move per message, for servers that
//!   answer each message as it comes (an echo, a request-response protocol).
//!
//! # Driving order
//! Receiving drives the connection: it writes what the machine owes the
//! peer (Pongs, the answer to a Close), runs the close timer, and ends the
//! stream (`None`) once the closing handshake is over and the socket is shut
//! down (a client first waits, up to `close_timeout`, for the server to
//! close the TCP connection, RFC 6455 section 7.1.1). So keep receiving,
//! also while only sending, and after an `Err` from a protocol error: the
//! machine has sent its Close frame with the error's code and finishes the
//! handshake.
//!
//! # Backpressure
//! The machine's output queue holds at most `max_write_buffer` bytes (plus
//! one message taken while it was empty). While it is full, the `Sink` is
//! not ready and the stream reads nothing more, so a peer that does not read
//! holds us to a bounded amount of memory, and TCP holds it back in turn.
//!
//! # Close codes
//! [`CloseFrame::code`] is a `u16`; [`close`] names the codes of RFC 6455
//! section 7.4.1. A protocol error reports the code the peer was told
//! ([`Error::close_code`]).

mod client;
mod error;
mod inner;
mod message;
mod outbox;
mod server;
mod socket;

pub use client::{ClientStream, Connector, connect};
pub use error::Error;
pub use message::{CloseFrame, CloseRef, Message, MessageRef, Utf8Bytes, Utf8Ref};
pub use outbox::Outbox;
pub use server::{ServerHandshake, accept, refuse};
pub use shockwave_proto::ws::handshake::{HandshakeError, OriginPolicy, ServerPolicy};
pub use shockwave_proto::ws::{Config, close};
pub use socket::{SplitSink, SplitStream, WebSocket};
