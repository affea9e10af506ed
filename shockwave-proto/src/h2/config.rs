//! Limits and options of the HTTP/2 machines, with their safe defaults.
//!
//! | field | default | what it bounds | on excess |
//! | --- | --- | --- | --- |
//! | `header_table_size` | 4096 | HPACK dynamic table of our decoder (advertised as SETTINGS_HEADER_TABLE_SIZE) | COMPRESSION_ERROR (connection) |
//! | `max_concurrent_streams` | 100 | streams the peer may have open at once (advertised); also caps the streams we open or reserve | RST_STREAM REFUSED_STREAM (counted as a reset); `UsageError::StreamLimit` |
//! | `initial_window_size` | 1 MiB | DATA bytes a stream may have received and not yet released (SETTINGS_INITIAL_WINDOW_SIZE) | FLOW_CONTROL_ERROR (stream) |
//! | `connection_window` | 4 MiB | DATA bytes of all streams received and not released (a WINDOW_UPDATE at start when above 65,535) | FLOW_CONTROL_ERROR (connection) |
//! | `max_frame_size` | 16 KiB | frame payload we accept (SETTINGS_MAX_FRAME_SIZE) | FRAME_SIZE_ERROR (connection) |
//! | `max_header_list_size` | 16 KiB | decoded field section, RFC 7541 size (advertised) | server: a 431 response; client: RST_STREAM CANCEL |
//! | `max_header_block_size` | 64 KiB | encoded bytes of HEADERS + CONTINUATION before decoding | ENHANCE_YOUR_CALM (connection) |
//! | `max_continuation_frames` | 32 | CONTINUATION frames in one field block | ENHANCE_YOUR_CALM (connection) |
//! | `enable_push` | false | client: whether the server may push (SETTINGS_ENABLE_PUSH) | PROTOCOL_ERROR (connection) |
//! | `enable_connect_protocol` | true | server: extended CONNECT (RFC 8441) advertised and accepted | malformed request (stream PROTOCOL_ERROR) |
//! | `stream_send_buffer` | 64 KiB | body bytes `send_data` queues per stream before it takes fewer (then `SendReady`) | short `send_data` |
//! | `max_write_buffer` | 64 KiB | control frames and heads queued unwritten; DATA is moved into the output only below half of it | input processing pauses until written |
//! | `read_buffer_size` | 64 KiB | the read buffer (at least one frame of `max_frame_size`); starts at 16 KiB | backpressure (`input_buf` empty) |
//! | `settings_timeout` | 10 s | our SETTINGS unacknowledged | SETTINGS_TIMEOUT (connection) |
//! | `idle_timeout` | 60 s | time with no open stream | GOAWAY NO_ERROR, close |
//! | `shutdown_ping_timeout` | 5 s | graceful shutdown: wait for the PING after the first GOAWAY | the final GOAWAY is sent anyway |
//! | `keepalive_interval` | none | time without input before we send a PING | — |
//! | `keepalive_timeout` | 20 s | a keep-alive PING unanswered | close (`ErrorKind::PingTimeout`) |
//! | `flood_window` | 10 s | the period the three flood budgets below count over | — |
//! | `max_resets_per_window` | 200 | RST_STREAM from the peer plus stream errors it caused plus refused streams (Rapid Reset CVE-2023-44487, MadeYouReset CVE-2025-8671) | ENHANCE_YOUR_CALM (connection) |
//! | `max_empty_frames_per_window` | 1000 | frames carrying no work: empty DATA without END_STREAM, DATA under 16 bytes without END_STREAM, empty HEADERS/CONTINUATION fragments before END_HEADERS, unknown frame types | ENHANCE_YOUR_CALM (connection) |
//! | `max_control_frames_per_window` | 1000 | PING, SETTINGS, PRIORITY, PRIORITY_UPDATE, and WINDOW_UPDATE with an increment under 1024 | ENHANCE_YOUR_CALM (connection) |
//!
//! Peer-chosen values are bounded too: the peer's SETTINGS_MAX_FRAME_SIZE only
//! lowers what we write; its SETTINGS_HEADER_TABLE_SIZE is capped by our
//! encoder; its MAX_CONCURRENT_STREAMS is capped by `max_concurrent_streams`.
//! Client stream identifiers near 2^31 end the connection with a GOAWAY
//! (`ErrorKind::StreamIdsExhausted`), and our own client refuses to open past
//! 2^31-1 (`UsageError::StreamIdsExhausted`).

use core::time::Duration;

use super::frame::{DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LEN, MAX_MAX_FRAME_SIZE};
use super::settings::{DEFAULT_WINDOW, MAX_WINDOW};

/// Limits and options shared by the server and client machines. See the
/// [module docs](self) for the table of defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// HPACK dynamic table size our decoder allows.
    pub header_table_size: u32,
    /// Streams the peer may open at once; also caps the streams we open.
    pub max_concurrent_streams: u32,
    /// Our initial stream receive window.
    pub initial_window_size: u32,
    /// Our connection receive window.
    pub connection_window: u32,
    /// Largest frame payload we accept.
    pub max_frame_size: u32,
    /// Largest decoded field section we accept.
    pub max_header_list_size: u32,
    /// Largest encoded field block (HEADERS plus CONTINUATION) we buffer.
    pub max_header_block_size: usize,
    /// Most CONTINUATION frames in one field block.
    pub max_continuation_frames: usize,
    /// Client: accept server push.
    pub enable_push: bool,
    /// Server: accept extended CONNECT (RFC 8441).
    pub enable_connect_protocol: bool,
    /// Body bytes queued per stream by `send_data`.
    pub stream_send_buffer: usize,
    /// Bytes of control frames and heads queued before input processing pauses.
    pub max_write_buffer: usize,
    /// Size the read buffer may grow to (at least one frame).
    pub read_buffer_size: usize,
    /// Longest wait for the acknowledgement of our SETTINGS.
    pub settings_timeout: Duration,
    /// Longest time without an open stream before the connection closes (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Graceful shutdown: longest wait for the PING that follows the first GOAWAY.
    pub shutdown_ping_timeout: Duration,
    /// Send a PING after this long without input (`None`: never).
    pub keepalive_interval: Option<Duration>,
    /// Longest wait for the answer to a keep-alive PING.
    pub keepalive_timeout: Duration,
    /// The period the flood budgets count over.
    pub flood_window: Duration,
    /// Stream resets (by the peer, or caused by its frames) per `flood_window`.
    pub max_resets_per_window: u32,
    /// Frames that carry no work per `flood_window`.
    pub max_empty_frames_per_window: u32,
    /// PING, SETTINGS, PRIORITY, PRIORITY_UPDATE and small WINDOW_UPDATE frames per `flood_window`.
    pub max_control_frames_per_window: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            header_table_size: 4096,
            max_concurrent_streams: 100,
            initial_window_size: 1 << 20,
            connection_window: 4 << 20,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: 16 << 10,
            max_header_block_size: 64 << 10,
            max_continuation_frames: 32,
            enable_push: false,
            enable_connect_protocol: true,
            stream_send_buffer: 64 << 10,
            max_write_buffer: 64 << 10,
            read_buffer_size: 64 << 10,
            settings_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(60)),
            shutdown_ping_timeout: Duration::from_secs(5),
            keepalive_interval: None,
            keepalive_timeout: Duration::from_secs(20),
            flood_window: Duration::from_secs(10),
            max_resets_per_window: 200,
            max_empty_frames_per_window: 1000,
            max_control_frames_per_window: 1000,
        }
    }
}

impl Config {
    /// The values clamped into the ranges the protocol allows, so a machine
    /// never advertises an invalid setting.
    pub(crate) fn normalized(mut self) -> Config {
        self.max_frame_size = self
            .max_frame_size
            .clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
        self.initial_window_size = self.initial_window_size.min(MAX_WINDOW);
        self.connection_window = self.connection_window.clamp(DEFAULT_WINDOW, MAX_WINDOW);
        self.max_concurrent_streams = self.max_concurrent_streams.max(1);
        self.max_header_block_size = self.max_header_block_size.max(1);
        self.stream_send_buffer = self.stream_send_buffer.max(1);
        self.read_buffer_size = self
            .read_buffer_size
            .max(self.max_frame_size as usize + FRAME_HEADER_LEN);
        self
    }
}
