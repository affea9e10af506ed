//! Limits and options of the HTTP/1.1 machines, with their safe defaults.
//!
//! | field | default | what it bounds | on excess |
//! | --- | --- | --- | --- |
//! | `max_head_size` | 16 KiB | request or status line plus all field lines; also a trailer section, and the read buffer's size | 431 (server), error (client) |
//! | `max_request_target_size` | 8 KiB | the request target alone | 414 |
//! | `max_headers` | 100 | field lines of a message, head and trailers together | 431 |
//! | `max_chunk_extensions_size` | 4 KiB | chunk-extension bytes summed over one body | 400 |
//! | `max_body_size` | 1 GiB | bytes of one request body (server) or response body (client) | 413 (server), error (client) |
//! | `read_buffer_initial` | 2 KiB | the read buffer when the connection starts; doubles (to `max_head_size`) for a long head or a body streaming in full reads | — |
//! | `max_write_buffer` | 64 KiB | bytes queued by `send_data` and friends before `OutputFull` | `UsageError::OutputFull` |
//! | `header_read_timeout` | 30 s | from the first byte of a head to its end (slowloris) | 408 and close |
//! | `keep_alive_timeout` | 60 s | idle time between messages | quiet close |
//! | `body_read_timeout` | 60 s | a body that stops arriving while the application waits for it | 408 and close |
//! | `max_in_flight` | 16 | requests a client pipelines before their responses (client) | `UsageError::TooManyInFlight` |
//! | `max_informational` | 8 | 1xx responses accepted before a final one (client) | error |
//!
//! The machines are always stricter than this table alone: the framing rules of
//! RFC 9112 section 6 and the syntax rules of sections 2 to 5 have no switches.
//! There are no leniency switches: every rejection they make is one a
//! request-smuggling-proof server must make, and no mainstream client needs it relaxed.

use core::time::Duration;

/// Bytes the output queue reserves when a connection starts. A typical response
/// head fits; the queue grows (once, then keeps its size) for larger output, so
/// an idle connection costs little memory.
pub(crate) const INITIAL_WRITE_BUFFER: usize = 1024;

/// Limits and options shared by the server and client machines.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Most bytes of a head: start line plus field lines plus the empty line.
    pub max_head_size: usize,
    /// Most bytes of a request target (longer: 414).
    pub max_request_target_size: usize,
    /// Most field lines in a head or a trailer section.
    pub max_headers: usize,
    /// Most chunk-extension bytes in one chunked body.
    pub max_chunk_extensions_size: usize,
    /// Most bytes of one received body.
    pub max_body_size: u64,
    /// Initial size of the read buffer; it grows to hold a head up to `max_head_size`.
    pub read_buffer_initial: usize,
    /// Most bytes queued for sending before commands answer `OutputFull`.
    pub max_write_buffer: usize,
    /// Longest time from the first byte of a head to its end.
    pub header_read_timeout: Duration,
    /// Longest idle time between messages on a kept-alive connection.
    pub keep_alive_timeout: Duration,
    /// Longest time a body may stall while more of it is expected.
    pub body_read_timeout: Duration,
    /// Most requests a client sends before their responses arrive.
    pub max_in_flight: usize,
    /// Most 1xx responses a client accepts before the final response.
    pub max_informational: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_head_size: 16 * 1024,
            max_request_target_size: 8 * 1024,
            max_headers: 100,
            max_chunk_extensions_size: 4 * 1024,
            max_body_size: 1 << 30,
            read_buffer_initial: 2 * 1024,
            max_write_buffer: 64 * 1024,
            header_read_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(60),
            max_in_flight: 16,
            max_informational: 8,
        }
    }
}

impl Config {
    /// The options the head parser needs.
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            max_request_target_size: self.max_request_target_size,
        }
    }
}

/// Options of the head parser (a subset of [`Config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Most bytes of a request target (longer: [`ErrorKind::TargetTooLong`](super::ErrorKind::TargetTooLong)).
    pub max_request_target_size: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Config::default().parse_options()
    }
}
