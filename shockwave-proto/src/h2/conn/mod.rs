//! The connection core both roles share (RFC 9113 sections 3 to 6): preface,
//! frame loop, field blocks, stream dispatch, SETTINGS, PING, GOAWAY, flow
//! control, output scheduling and errors. [`ServerConn`](super::ServerConn) and
//! [`ClientConn`](super::ClientConn) wrap it with their role's events and commands.
//!
//! The read buffer is kept apart from the rest ([`Core`]) so frames are parsed
//! in place: a frame's payload borrows the buffer while the core changes.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::config::Config;
use super::error::{Error, ErrorKind};
use super::flow::{RecvWindow, SendWindow};
use super::frame::{self, FRAME_HEADER_LEN, FrameHeader, PREFACE};
use super::headers::{Headers, RequestHead, RequestInfo, ResponseHead, ResponseInfo};
use super::registry::ErrorCode;
use super::settings::{DEFAULT_WINDOW, Settings};
use super::stream::{StreamId, StreamStore};
use crate::buf::{ReadBuf, WriteBuf};
use crate::hpack::{Decoder, Encoder, HeaderList};
use crate::time::Instant;

mod budget;
mod recv;
mod schedule;
mod send;
mod timers;

use budget::{Budget, Budgets};
pub(crate) use send::RequestParts;

/// The read buffer's size when a connection starts; it grows to
/// `read_buffer_size` for larger frames or fast streams.
const INITIAL_READ_BUFFER: usize = 16 * 1024 + FRAME_HEADER_LEN;
/// The output queue's reservation when a connection starts.
const INITIAL_WRITE_BUFFER: usize = 4 * 1024;
/// Opaque bytes of the PING that follows the first GOAWAY of a graceful shutdown.
const SHUTDOWN_PING: [u8; 8] = *b"shutdown";
/// Opaque bytes of a keep-alive PING.
const KEEPALIVE_PING: [u8; 8] = *b"keepaliv";

/// Which end of the connection this machine is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Server,
    Client,
}

impl Role {
    /// Whether the peer opens streams with identifier `id` (odd: clients).
    fn peer_initiates(self, id: StreamId) -> bool {
        match self {
            Role::Server => id.is_client_initiated(),
            Role::Client => id.is_server_initiated(),
        }
    }
}

/// An event of either role, before the role's wrapper names it.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    Request {
        stream: StreamId,
        head: RequestHead<'a>,
        end_stream: bool,
    },
    Response {
        stream: StreamId,
        head: ResponseHead<'a>,
        end_stream: bool,
    },
    Informational {
        stream: StreamId,
        head: ResponseHead<'a>,
    },
    Data {
        stream: StreamId,
        data: &'a [u8],
        end_stream: bool,
    },
    Trailers {
        stream: StreamId,
        trailers: Headers<'a>,
    },
    Push {
        associated: StreamId,
        promised: StreamId,
        request: RequestHead<'a>,
    },
    Reset {
        stream: StreamId,
        code: ErrorCode,
        by_peer: bool,
    },
    SendReady {
        stream: StreamId,
    },
    Goaway {
        last_stream_id: StreamId,
        code: ErrorCode,
        debug_data: &'a [u8],
    },
    PingAcknowledged {
        opaque: [u8; 8],
    },
    Settings,
}

/// The event the last frame produced, waiting for `poll_event`; it refers to
/// the header list or to the frame still at the front of the read buffer.
#[derive(Clone, Copy, Debug)]
enum Pending {
    Request {
        stream: StreamId,
        info: RequestInfo,
        end_stream: bool,
    },
    Response {
        stream: StreamId,
        info: ResponseInfo,
        end_stream: bool,
    },
    Informational {
        stream: StreamId,
        info: ResponseInfo,
    },
    Data {
        stream: StreamId,
        at: usize,
        len: usize,
        end_stream: bool,
    },
    Trailers {
        stream: StreamId,
    },
    Push {
        associated: StreamId,
        promised: StreamId,
        info: RequestInfo,
    },
    Reset {
        stream: StreamId,
        code: ErrorCode,
        by_peer: bool,
    },
    Goaway {
        last: StreamId,
        code: ErrorCode,
        at: usize,
        len: usize,
    },
    PingAck([u8; 8]),
    Settings,
}

/// Events about streams that do not come from one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notice {
    /// `send_data` may take more.
    SendReady,
    /// A GOAWAY's last stream id says the peer never processed this stream.
    Refused,
}

/// Where a graceful shutdown stands (RFC 9113 section 6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shutdown {
    Running,
    /// The first GOAWAY (last id 2^31-1) and a PING went out; the deadline is
    /// set once the time is known.
    PingSent {
        deadline: Option<Instant>,
    },
    /// The final GOAWAY went out: the connection closes when its streams end.
    Draining,
}

/// A field block being received across HEADERS/PUSH_PROMISE and CONTINUATION.
#[derive(Clone, Copy, Debug)]
struct Block {
    stream: StreamId,
    kind: BlockKind,
    continuations: usize,
}

/// What a field block is for.
#[derive(Clone, Copy, Debug)]
enum BlockKind {
    Headers {
        end_stream: bool,
        /// A stream error found in the frame (self-dependency) that waits for
        /// the block to be decoded first, to keep HPACK in step.
        deferred: Option<Error>,
    },
    PushPromise {
        promised: StreamId,
    },
}

/// Everything but the read buffer.
#[derive(Debug)]
pub(crate) struct Core {
    role: Role,
    config: Config,
    write: WriteBuf,
    /// What we advertised.
    local: Settings,
    /// What the peer advertised.
    peer: Settings,
    settings_unacked: u32,
    settings_deadline: Option<Instant>,
    /// The client preface arrived (always true for a client).
    got_preface: bool,
    got_peer_settings: bool,
    decoder: Decoder,
    encoder: Encoder,
    list: HeaderList,
    block: Option<Block>,
    block_buf: Vec<u8>,
    /// An encoded field block before it is cut into frames.
    scratch: Vec<u8>,
    /// The application's fields, copied and checked before encoding.
    fields: Vec<u8>,
    store: StreamStore,
    conn_send: SendWindow,
    conn_recv: RecvWindow,
    /// Our stream receive window as the peer may be using it: the larger of
    /// the old and new value until our SETTINGS are acknowledged.
    local_initial_window: u32,
    last_peer_stream: StreamId,
    /// The identifier our next stream gets; `None` once they are used up.
    next_local: Option<StreamId>,
    /// The last stream identifier of the GOAWAY we sent last (the final one
    /// of a graceful shutdown, or of an error).
    goaway_sent: Option<StreamId>,
    goaway_received: Option<StreamId>,
    /// We answered a stream still idle with RST_STREAM (a bad PRIORITY, as
    /// h2spec expects): from then on an idle-looking stream may be one we
    /// closed, so lookups ask the ring of closed streams too.
    reset_idle: bool,
    shutdown: Shutdown,
    closing: bool,
    error: Option<Error>,
    now: Instant,
    idle_since: Option<Instant>,
    last_input: Instant,
    keepalive_deadline: Option<Instant>,
    pending: Option<Pending>,
    /// Bytes at the front of the read buffer the pending event refers to.
    held: usize,
    notices: VecDeque<(StreamId, Notice)>,
    budgets: Budgets,
    /// Round-robin position per urgency: the incremental stream served last.
    rr_last: [StreamId; 8],
}

/// A connection: the read buffer and the core.
#[derive(Debug)]
pub(crate) struct Conn {
    read: ReadBuf,
    /// Bytes at the front of the read buffer lent to the last event, taken
    /// back at the next call.
    lent: usize,
    pub(crate) core: Core,
}

impl Conn {
    /// A connection in `role` starting at `now`; the SETTINGS (and, for a
    /// client, the preface) are queued.
    pub(crate) fn new(role: Role, config: Config, now: Instant) -> Self {
        let config = config.normalized();
        let local = Settings {
            header_table_size: config.header_table_size,
            enable_push: role == Role::Client && config.enable_push,
            max_concurrent_streams: Some(config.max_concurrent_streams),
            initial_window_size: config.initial_window_size,
            max_frame_size: config.max_frame_size,
            max_header_list_size: Some(config.max_header_list_size),
            enable_connect_protocol: role == Role::Server && config.enable_connect_protocol,
            no_rfc7540_priorities: true,
        };
        let streams = 2 * config.max_concurrent_streams.min(1024) as usize + 2;
        let mut write = WriteBuf::new(INITIAL_WRITE_BUFFER, config.max_write_buffer);
        let budgets = Budgets {
            resets: Budget::new(config.max_resets_per_window, now),
            empty: Budget::new(config.max_empty_frames_per_window, now),
            control: Budget::new(config.max_control_frames_per_window, now),
        };
        let mut core = Core {
            role,
            write: WriteBuf::new(0, 0),
            local,
            peer: Settings::default(),
            settings_unacked: 1,
            settings_deadline: Some(now + config.settings_timeout),
            got_preface: role == Role::Client,
            got_peer_settings: false,
            decoder: Decoder::new((config.header_table_size as usize).max(4096)),
            encoder: Encoder::new(),
            list: HeaderList::new(config.max_header_list_size as usize),
            block: None,
            block_buf: Vec::new(),
            scratch: Vec::new(),
            fields: Vec::new(),
            store: StreamStore::new(streams, streams),
            conn_send: SendWindow::new(DEFAULT_WINDOW),
            conn_recv: RecvWindow::new(DEFAULT_WINDOW, config.connection_window),
            local_initial_window: config.initial_window_size.max(DEFAULT_WINDOW),
            last_peer_stream: StreamId::ZERO,
            next_local: Some(StreamId::new(if role == Role::Client { 1 } else { 2 })),
            goaway_sent: None,
            goaway_received: None,
            reset_idle: false,
            shutdown: Shutdown::Running,
            closing: false,
            error: None,
            now,
            idle_since: Some(now),
            last_input: now,
            keepalive_deadline: None,
            pending: None,
            held: 0,
            notices: VecDeque::with_capacity(streams),
            budgets,
            rr_last: [StreamId::ZERO; 8],
            config,
        };
        // RFC 9113 section 3.4: the client preface is the magic then SETTINGS; the
        // server preface is SETTINGS. Both may be sent at once.
        if role == Role::Client {
            write.extend(PREFACE);
        }
        let mut params = [(super::registry::SettingId(0), 0u32); 8];
        let mut n = 0;
        for p in core.local.diff(&Settings::default()) {
            params[n] = p;
            n += 1;
        }
        frame::write_settings(write.vec(), &params[..n]);
        // Section 6.9.2: only a WINDOW_UPDATE opens the connection window past 65,535.
        if let Some(inc) = core.conn_recv.open_to_target() {
            frame::write_window_update(write.vec(), StreamId::ZERO, inc);
        }
        core.write = write;
        let read = ReadBuf::new(INITIAL_READ_BUFFER, core.config.read_buffer_size);
        Conn {
            read,
            lent: 0,
            core,
        }
    }

    // ----- input -----

    pub(crate) fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, Error> {
        if let Some(e) = self.core.error {
            return Err(e);
        }
        self.core.tick(now);
        self.core.last_input = now;
        let mut taken = 0;
        while taken < bytes.len() {
            let spare = self.input_buf();
            if spare.is_empty() {
                break;
            }
            let n = spare.len().min(bytes.len() - taken);
            spare[..n].copy_from_slice(&bytes[taken..taken + n]);
            self.read.filled(n);
            taken += n;
            self.run()?;
        }
        Ok(taken)
    }

    pub(crate) fn input_buf(&mut self) -> &mut [u8] {
        if self.core.error.is_some() || self.core.closing {
            return &mut [];
        }
        self.take_back();
        // Only an unfinished frame makes a full buffer grow; a pending event or
        // a full output queue is backpressure.
        let stuck = self.core.pending.is_none() && !self.core.output_full();
        self.read.spare_for_read(stuck)
    }

    pub(crate) fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Error> {
        if let Some(e) = self.core.error {
            return Err(e);
        }
        self.core.tick(now);
        self.core.last_input = now;
        self.read.filled(n);
        self.run()
    }

    pub(crate) fn handle_eof(&mut self, now: Instant) {
        if self.core.error.is_some() {
            return;
        }
        self.core.tick(now);
        // Frames already complete are still delivered; then the connection ends.
        self.core.closing = true;
        if self.core.goaway_sent.is_none() {
            let last = self.core.last_peer_stream;
            self.core.send_goaway(last, ErrorCode::NO_ERROR);
        }
    }

    /// Processes buffered frames; a connection error is recorded and returned.
    fn run(&mut self) -> Result<(), Error> {
        match self.process() {
            Ok(()) => Ok(()),
            Err(e) => {
                self.core.fail(e);
                Err(e)
            }
        }
    }

    /// The frame loop: parses and handles whole frames from the front of the
    /// read buffer until one produces an event, the buffer runs dry, or the
    /// output queue is too full to take more control frames.
    fn process(&mut self) -> Result<(), Error> {
        loop {
            if self.core.pending.is_some() || self.core.error.is_some() || self.core.output_full() {
                return Ok(());
            }
            let data = self.read.data();
            if !self.core.got_preface {
                // RFC 9113 section 3.4: the client preface is these 24 octets; anything
                // else is a connection error of type PROTOCOL_ERROR.
                let n = data.len().min(PREFACE.len());
                if data[..n] != PREFACE[..n] {
                    return Err(Error::connection(ErrorKind::BadPreface));
                }
                if n < PREFACE.len() {
                    return Ok(());
                }
                self.read.consume(PREFACE.len());
                self.core.got_preface = true;
                continue;
            }
            let Some(header) = FrameHeader::parse(data) else {
                return Ok(());
            };
            // Section 4.2: a frame larger than our SETTINGS_MAX_FRAME_SIZE is a
            // FRAME_SIZE_ERROR; treated as a connection error whatever its type.
            if header.length > self.core.local.max_frame_size {
                return Err(Error::connection(ErrorKind::FrameTooLarge));
            }
            let total = FRAME_HEADER_LEN + header.length as usize;
            if data.len() < total {
                self.read.reserve_total(total);
                return Ok(());
            }
            let hold = self.core.on_frame(header, &data[FRAME_HEADER_LEN..total])?;
            if hold {
                self.core.held = total;
            } else {
                self.read.consume(total);
            }
        }
    }

    // ----- events -----

    fn take_back(&mut self) {
        let n = core::mem::take(&mut self.lent);
        if n > 0 {
            self.read.consume(n);
        }
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event<'_>> {
        self.take_back();
        if self.core.error.is_some() {
            return None;
        }
        if self.core.pending.is_none()
            && self.core.notices.is_empty()
            && let Err(e) = self.process()
        {
            self.core.fail(e);
            return None;
        }
        if let Some(p) = self.core.pending.take() {
            self.lent = core::mem::take(&mut self.core.held);
            return Some(self.core.event(p, self.read.data()));
        }
        while let Some((stream, notice)) = self.core.notices.pop_front() {
            match notice {
                Notice::SendReady => {
                    if self.core.store.get(stream).is_some() {
                        return Some(Event::SendReady { stream });
                    }
                }
                Notice::Refused => {
                    return Some(Event::Reset {
                        stream,
                        code: ErrorCode::REFUSED_STREAM,
                        by_peer: true,
                    });
                }
            }
        }
        None
    }

    // ----- output -----

    pub(crate) fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.core.fill();
        let pending = self.core.write.pending();
        (!pending.is_empty()).then_some(pending)
    }

    pub(crate) fn advance_transmit(&mut self, n: usize) {
        let was_full = self.core.output_full();
        self.core.write.advance(n);
        // Frames that waited for room in the output are processed now; what
        // they produce shows as an early deadline, so the driver polls.
        if was_full
            && !self.core.output_full()
            && self.lent == 0
            && let Err(e) = self.process()
        {
            self.core.fail(e);
        }
        self.core.fill();
    }

    /// Bytes the read buffer holds (for tests of bounded memory).
    pub(crate) fn buffered_input(&self) -> usize {
        self.read.len()
    }
}

impl Core {
    /// Builds the application's view of a pending event.
    fn event<'a>(&'a self, p: Pending, read: &'a [u8]) -> Event<'a> {
        match p {
            Pending::Request {
                stream,
                info,
                end_stream,
            } => Event::Request {
                stream,
                head: RequestHead::new(&self.list, info),
                end_stream,
            },
            Pending::Response {
                stream,
                info,
                end_stream,
            } => Event::Response {
                stream,
                head: ResponseHead::new(&self.list, info),
                end_stream,
            },
            Pending::Informational { stream, info } => Event::Informational {
                stream,
                head: ResponseHead::new(&self.list, info),
            },
            Pending::Data {
                stream,
                at,
                len,
                end_stream,
            } => Event::Data {
                stream,
                data: &read[at..at + len],
                end_stream,
            },
            Pending::Trailers { stream } => Event::Trailers {
                stream,
                trailers: Headers::new(&self.list, 0),
            },
            Pending::Push {
                associated,
                promised,
                info,
            } => Event::Push {
                associated,
                promised,
                request: RequestHead::new(&self.list, info),
            },
            Pending::Reset {
                stream,
                code,
                by_peer,
            } => Event::Reset {
                stream,
                code,
                by_peer,
            },
            Pending::Goaway {
                last,
                code,
                at,
                len,
            } => Event::Goaway {
                last_stream_id: last,
                code,
                debug_data: &read[at..at + len],
            },
            Pending::PingAck(opaque) => Event::PingAcknowledged { opaque },
            Pending::Settings => Event::Settings,
        }
    }

    /// Whether queued control output is over the limit: input waits until the
    /// peer reads (a peer that floods PINGs and never reads stalls itself).
    fn output_full(&self) -> bool {
        self.write.len() > self.config.max_write_buffer
    }

    /// A connection error: GOAWAY with its code, then closed once written
    /// (RFC 9113 section 5.4.1).
    pub(crate) fn fail(&mut self, e: Error) {
        if self.error.is_some() {
            return;
        }
        let last = self.last_peer_stream;
        self.send_goaway(last, e.code());
        self.error = Some(e);
        self.closing = true;
        self.pending = None;
        self.held = 0;
    }

    fn send_goaway(&mut self, last: StreamId, code: ErrorCode) {
        // RFC 9113 section 6.8: the last stream identifier MUST NOT increase
        // (streams the peer opened after our GOAWAY were ignored).
        let last = self.goaway_sent.map_or(last, |sent| sent.min(last));
        frame::write_goaway(self.write.vec(), last, code, b"");
        self.goaway_sent = Some(last);
    }

    pub(crate) fn error(&self) -> Option<Error> {
        self.error
    }

    pub(crate) fn is_closed(&self) -> bool {
        (self.closing || self.error.is_some()) && self.write.is_empty()
    }

    pub(crate) fn peer_settings(&self) -> &Settings {
        &self.peer
    }

    pub(crate) fn active_streams(&self) -> usize {
        self.store.len()
    }

    /// Bytes queued for the peer (for tests of bounded memory).
    pub(crate) fn queued_output(&self) -> usize {
        self.write.len()
    }

    /// The section 5.1 state of a live stream.
    pub(crate) fn stream_state(&self, id: StreamId) -> Option<super::stream::StreamState> {
        self.store.get(id).map(|r| r.state)
    }

    /// Starts as upgraded from HTTP/1.1 (RFC 7540 section 3.2): the client's
    /// settings came in HTTP2-Settings, and stream 1 carries the request, which
    /// the client finished sending.
    pub(crate) fn upgrade(&mut self, settings: Settings) {
        self.peer = settings;
        self.encoder
            .set_max_table_size(settings.header_table_size as usize);
        let id = StreamId::new(1);
        self.last_peer_stream = id;
        let rec = self.insert_stream(id);
        rec.state = super::stream::StreamState::HalfClosedRemote;
        rec.known = true;
        rec.final_head_received = true;
        self.idle_since = None;
    }

    /// Immediate close: GOAWAY with `code`, streams dropped.
    pub(crate) fn close(&mut self, code: ErrorCode) {
        if self.closing || self.error.is_some() {
            return;
        }
        let last = self.last_peer_stream;
        self.send_goaway(last, code);
        self.closing = true;
        self.pending = None;
        self.held = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h2::UsageError;

    #[test]
    fn our_client_refuses_to_open_past_the_last_identifier() {
        let mut conn = Conn::new(Role::Client, Config::default(), Instant::ZERO);
        conn.core.next_local = Some(StreamId::MAX);
        let parts = RequestParts {
            method: b"GET",
            scheme: b"https",
            authority: b"x",
            path: b"/",
            protocol: None,
        };
        let none: [(&[u8], &[u8]); 0] = [];
        assert_eq!(conn.core.send_request(parts, none, true), Ok(StreamId::MAX));
        assert!(!conn.core.can_open_stream());
        assert_eq!(
            conn.core.send_request(parts, none, true),
            Err(UsageError::StreamIdsExhausted)
        );
    }
}
