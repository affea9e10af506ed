//! The application's mistakes on the native path, whatever the protocol.

use core::fmt;

use shockwave_proto::{h1, h2};

/// A command that is invalid in the current state of the connection or
/// stream (the machine is left unchanged). Carries the machine's own error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// From the HTTP/1.1 machine.
    H1(h1::UsageError),
    /// From the HTTP/2 machine.
    H2(h2::UsageError),
}

impl From<h2::UsageError> for UsageError {
    fn from(e: h2::UsageError) -> Self {
        UsageError::H2(e)
    }
}

impl From<h1::UsageError> for UsageError {
    fn from(e: h1::UsageError) -> Self {
        UsageError::H1(e)
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::H1(e) => e.fmt(f),
            UsageError::H2(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for UsageError {}
