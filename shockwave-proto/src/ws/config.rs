//! Limits and options of the WebSocket machine, with their safe defaults.
//!
//! | field | default | what it bounds | on excess |
//! | --- | --- | --- | --- |
//! | `max_frame_size` | 16 MiB | payload bytes of one received frame; also the read buffer's size (an unfragmented message is delivered from it in place) | close 1009 |
//! | `max_message_size` | 64 MiB | payload bytes of one received message, after inflating when compressed (the decompression-bomb bound of RFC 7692 section 8) | close 1009 |
//! | `max_fragments` | 65 536 | frames of one received message | close 1009 |
//! | `read_buffer_initial` | 4 KiB | the read buffer when first used (a driver using `handle_input_in_place` may never use it); it doubles (to `max_frame_size`) while a frame does not fit | — |
//! | `max_write_buffer` | 1 MiB | bytes queued by `send_*` before `OutputFull`, payloads owed by `send_message_header` included; a message is always taken when nothing is queued | `UsageError::OutputFull` |
//! | `close_timeout` | 5 s | from our Close frame (sent by `close` or after a peer error) to the peer's answer | connection dropped (`CloseTimeout`, 1006) |
//! | `auto_pong` | on | answer every Ping with a Pong (only the latest, when several wait: RFC 6455 section 5.5.3) | — |
//! | `deflate_level` | 1 | permessage-deflate compression level, 0 (stored blocks) to 10 (miniz's fast path at 1) | — |
//! | `deflate_min_size` | 0 | messages shorter than this are sent uncompressed (RSV1 clear), even with permessage-deflate | — |
//!
//! At most [`MAX_OWED`](super::MAX_OWED) (64) payloads are owed at once; with
//! more, `send_message_header` declines and the message is copied instead.
//! Control frames are never longer than 125 bytes (RFC 6455 section 5.5:
//! close 1002 otherwise); a peer's pings cost at most one pending Pong.
//! With permessage-deflate, the compressor and the inflater add about
//! 240 KiB and 45 KiB per connection (miniz_oxide's tables and the 32 KiB window).

use core::time::Duration;

/// Bytes the output queue reserves when a connection starts; it grows (once,
/// then keeps its size) for larger messages.
pub(crate) const INITIAL_WRITE_BUFFER: usize = 1024;

/// Limits and options of a WebSocket connection. See the [module docs](self) for the table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Most payload bytes in one received frame.
    pub max_frame_size: usize,
    /// Most payload bytes in one received message (inflated size when compressed).
    pub max_message_size: usize,
    /// Most frames in one received message.
    pub max_fragments: usize,
    /// Initial size of the read buffer.
    pub read_buffer_initial: usize,
    /// Most bytes queued for sending before commands answer `OutputFull`.
    pub max_write_buffer: usize,
    /// How long to wait for the peer's Close frame after sending ours.
    pub close_timeout: Duration,
    /// Answer pings automatically.
    pub auto_pong: bool,
    /// The permessage-deflate compression level (0 to 10).
    pub deflate_level: u8,
    /// Messages shorter than this are sent uncompressed.
    pub deflate_min_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            max_fragments: 65_536,
            read_buffer_initial: 4 * 1024,
            max_write_buffer: 1 << 20,
            close_timeout: Duration::from_secs(5),
            auto_pong: true,
            deflate_level: 1,
            deflate_min_size: 0,
        }
    }
}
