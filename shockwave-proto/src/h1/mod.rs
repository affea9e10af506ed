//! HTTP/1.1 (RFC 9112, with the semantics of RFC 9110).
//!
//! The pieces, bottom up:
//! - [`parse`]: request and response heads parsed in place into [`head`] spans.
//! - [`framing`]: what the fields mean for the body and the connection
//!   (Content-Length, Transfer-Encoding, Host, Connection, Expect, Upgrade).
//! - [`chunked`]: the chunked transfer coding, decoder and encoder.
//! - [`write`](mod@write): the head writer, refusing header injection; [`date`]: the cached `Date`.
//! - [`server`] and [`client`]: the connection machines.
//! - [`config`]: every limit, with its default, in one table.

mod body;
pub mod chunked;
pub mod client;
pub mod config;
pub mod date;
mod error;
pub mod framing;
pub mod head;
pub mod parse;
pub mod server;
pub mod write;

pub use config::{Config, ParseOptions};
pub use error::{Error, ErrorKind, UsageError};
pub use head::{BodyFraming, Field, Fields, Method, Request, Response, TargetForm, Version};
