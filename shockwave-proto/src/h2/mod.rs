//! HTTP/2 (RFC 9113).
// The connection machine that uses the crate-private pieces lands next.
#![allow(dead_code, unused_imports)]

pub mod config;
pub mod error;
pub(crate) mod flow;
pub mod frame;
pub mod priority;
pub mod registry;
pub mod settings;
pub mod stream;

pub use config::Config;
pub use error::{Error, ErrorKind, UsageError};
pub use priority::Priority;
pub use registry::{ErrorCode, FrameType, SettingId};
pub use settings::Settings;
pub use stream::{StreamId, StreamState};
