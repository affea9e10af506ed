//! HTTP/2 (RFC 9113), with extensible priorities (RFC 9218) and extended
//! CONNECT (RFC 8441).
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`frame`] | the frame codec: pure parse and write functions, every section 6 rule |
//! | [`registry`] | frame types, error codes, settings identifiers: one table each |
//! | [`settings`] | SETTINGS values and their ranges |
//! | [`stream`] | stream identifiers and the section 5.1 state machine |
//! | [`headers`] | section 8: what makes a message malformed, and the borrowed heads |
//! | [`priority`] | RFC 9218 priorities |
//! | [`config`] | every limit with its default, in one table |
//! | [`error`] | [`Error`] (the peer's fault, with code and scope) and [`UsageError`] |
//! | [`server`], [`client`] | the connection machines |
//!
//! The machines share one connection core (private `conn` module): preface,
//! frame loop, field-block reassembly and HPACK, stream dispatch, SETTINGS,
//! PING, GOAWAY, flow control (private `flow` module) and output scheduling.
//! How to drive them is in [`server`]'s docs.

pub mod client;
pub mod config;
mod conn;
pub mod error;
pub(crate) mod flow;
pub mod frame;
pub mod headers;
pub mod priority;
pub mod registry;
pub mod server;
pub mod settings;
pub mod stream;

pub use client::{ClientConn, ClientEvent};
pub use config::Config;
pub use error::{Error, ErrorKind, UsageError};
pub use headers::{Headers, RequestHead, ResponseHead};
pub use priority::Priority;
pub use registry::{ErrorCode, FrameType, SettingId};
pub use server::{ServerConn, ServerEvent};
pub use settings::Settings;
pub use stream::{StreamId, StreamState};
