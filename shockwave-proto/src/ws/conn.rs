//! The WebSocket connection machine (RFC 6455 sections 5 to 7, with
//! permessage-deflate from RFC 7692).
//!
//! One [`Conn`] per connection, after the opening handshake (see
//! [`handshake`](super::handshake)): over the TCP stream after a 101, or over
//! the DATA of an HTTP/2 stream after an extended CONNECT (RFC 8441), where
//! the machine sees the same byte stream. It never does I/O.
//!
//! # Methods, by group
//! - Construct: [`Conn::server`] or [`Conn::client`] (with a [`MaskSource`]:
//!   client frames need unpredictable masks, RFC 6455 section 5.3), with the
//!   [`Extensions`] the handshake agreed on.
//! - Input: [`Conn::handle_input`] (copying) or [`Conn::input_buf`] +
//!   [`Conn::input_filled`] (the socket reads straight into the machine), or
//!   [`Conn::handle_input_in_place`] (the machine reads the driver's own
//!   buffer and reports a single-frame message as a range of it, for drivers
//!   that hand it on without a copy); [`Conn::handle_eof`] when the peer
//!   shuts down its side.
//! - Events: [`Conn::poll_event`] until `None`: [`Event::MessageReceived`],
//!   [`Event::PingReceived`], [`Event::PongReceived`],
//!   [`Event::CloseReceived`], and [`Event::Closed`] last. Each event borrows
//!   the machine's buffers until the next call; copy what you keep.
//! - Commands: [`Conn::send_text`], [`Conn::send_binary`],
//!   [`Conn::send_message`], [`Conn::send_message_header`] (the payload
//!   stays in the driver's buffer), [`Conn::send_fragment`], [`Conn::ping`],
//!   [`Conn::pong`], [`Conn::close`]. An invalid call returns a
//!   [`UsageError`] and changes nothing.
//! - Output: [`Conn::poll_transmit`] gives the bytes to write,
//!   [`Conn::advance_transmit`] says how many were written, [`Conn::queued`]
//!   how many wait in all. After a
//!   [`Conn::send_message_header`], [`Conn::owed_payload`] tells when the
//!   driver writes that payload from its own buffer, and
//!   [`Conn::advance_payload`] how much of it was written. A vectored
//!   driver writes everything at once from [`Conn::output_parts`] (queued
//!   bytes and owed payloads in order) and counts it with
//!   [`Conn::advance_output`].
//! - Time: [`Conn::poll_timeout`], [`Conn::handle_timeout`] (calling it
//!   early is harmless).
//! - End: [`Conn::is_closed`]: drop the socket (or end the HTTP/2 stream);
//!   [`Conn::error`] says why, if the peer was at fault.
//!
//! # Driving it
//! After every input: poll events until `None` (answering as they come), then
//! write out `poll_transmit`, then re-arm the timer from `poll_timeout`. Close
//! the socket once `is_closed()`. An empty `input_buf()` means: do not read now
//! (an event is waiting to be polled, or the connection takes no more input).
//!
//! Time: every input takes `now`; commands do not. A timer started by a
//! command (`close` starts the close timer) asks for the time:
//! `poll_timeout` then answers the last `now` it was told, the driver calls
//! `handle_timeout(now)` at once, and the period counts from that `now`.
//!
//! # Errors and the end of a connection
//! A peer error (a broken frame, text that is not UTF-8, a message too large)
//! is returned by the input call that found it (which took all its bytes);
//! [`Conn::error`] keeps it. The machine then sends a Close frame with the
//! error's code (1002, 1007, 1009: [`Error::close_code`]) and keeps reading
//! until the peer's Close arrives, the close timer passes or the stream ends;
//! then it is closed. When the error broke the framing itself, nothing more
//! can be read, so only the timer or the end of the stream end it. Either way
//! the driver keeps driving as usual until `is_closed()`: no special case.
//!
//! A Close from the peer is answered at once (echoing its code), reported as
//! [`Event::CloseReceived`], and followed by [`Event::Closed`]. The server
//! is closed as soon as its answer is written (RFC 6455 section 7.1.1: the
//! server closes the TCP connection first); so is the client, which the same
//! section allows.
//!
//! ```
//! use shockwave_proto::Instant;
//! use shockwave_proto::ws::{Config, Conn, Event, MessageKind};
//! use shockwave_proto::ws::handshake::Extensions;
//!
//! let mut counter = 0u32;
//! let masks = Box::new(move || { counter = counter.wrapping_add(0x9e37_79b9); counter.to_le_bytes() });
//! let mut client = Conn::client(Config::default(), Extensions::default(), masks);
//! let mut server = Conn::server(Config::default(), Extensions::default());
//! let now = Instant::ZERO;
//!
//! client.send_text("Hello").unwrap();
//! let wire = client.poll_transmit().unwrap().to_vec();
//! client.advance_transmit(wire.len());
//! server.handle_input(now, &wire).unwrap();
//! match server.poll_event() {
//!     Some(Event::MessageReceived { kind: MessageKind::Text, payload }) => assert_eq!(payload, b"Hello"),
//!     other => panic!("{other:?}"),
//! }
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::close::{self, CloseAction, CloseEvent, Closing};
use super::config::INITIAL_WRITE_BUFFER;
use super::deflate::{Deflater, Inflater};
use super::frame::{
    DecodeRules, FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, OpCode, decode_header,
};
use super::handshake::Extensions;
use super::mask::apply_mask;
use super::message::{Assembly, Delivery, Limits, MessageKind};
use super::utf8::Utf8Validator;
use super::{Config, Error, ErrorKind, UsageError};
use crate::buf::{ReadBuf, WriteBuf};
use crate::time::Instant;

mod in_place;
mod send;
mod short_paths;
mod transmit;

use in_place::Input;
pub use in_place::{InPlaceInput, InPlaceMessage};
use transmit::OwedQueue;
pub use transmit::{MAX_OWED, OutputPart};

/// Where a client's masking keys come from. Keys must be unpredictable to
/// the application's peers (RFC 6455 section 5.3 and 10.3); the adapter
/// implements this from the OS random source, tests from a seeded generator.
/// Closures returning `[u8; 4]` are mask sources.
pub trait MaskSource {
    /// The key for the next frame.
    fn next_mask(&mut self) -> [u8; 4];
}

impl<F: FnMut() -> [u8; 4]> MaskSource for F {
    fn next_mask(&mut self) -> [u8; 4] {
        self()
    }
}

/// What the application learns from a connection.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum Event<'a> {
    /// A whole message arrived (reassembled and inflated as needed; text is
    /// valid UTF-8). An unfragmented, uncompressed message is borrowed from
    /// the read buffer without a copy.
    MessageReceived {
        /// Text or binary.
        kind: MessageKind,
        /// The payload.
        payload: &'a [u8],
    },
    /// A Ping arrived (answered already when `auto_pong` is on).
    PingReceived(&'a [u8]),
    /// A Pong arrived.
    PongReceived(&'a [u8]),
    /// The peer's Close arrived; ours answering it is queued.
    CloseReceived {
        /// The close code, if the frame had one (1005 "no status" otherwise).
        code: Option<u16>,
        /// The reason, valid UTF-8 (may be empty).
        reason: &'a [u8],
    },
    /// The connection is over: no more events. Write out what is queued,
    /// then [`Conn::is_closed`] is true.
    Closed,
}

/// Which end of the connection this machine is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Server,
    Client,
}

/// What a frame's payload is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// A whole message, kept in the read buffer.
    InPlace(MessageKind),
    /// A control frame, kept in the read buffer until complete.
    Control,
    /// Copied or inflated into the assembly as it arrives.
    Assemble,
    /// Read and dropped (after an error).
    Skip,
}

/// The frame being received. For `InPlace` and `Control` frames the header is
/// still at the front of the read buffer; for the others it was consumed.
#[derive(Clone, Copy, Debug)]
struct InFrame {
    header: FrameHeader,
    header_len: usize,
    /// Payload bytes already unmasked (and validated or assembled).
    done: u64,
    mode: Mode,
}

/// An event ready to be handed out, or the last one handed out (whose bytes
/// are taken back at the next call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ready {
    Nothing,
    /// `len` bytes at `at` in the read buffer; `consume` bytes are freed after.
    InPlace {
        kind: MessageKind,
        at: usize,
        len: usize,
        consume: usize,
    },
    Assembled(MessageKind),
    Ping {
        at: usize,
        len: usize,
        consume: usize,
    },
    Pong {
        at: usize,
        len: usize,
        consume: usize,
    },
    Close {
        code: Option<u16>,
        at: usize,
        len: usize,
        consume: usize,
    },
    Closed,
}

/// A fragmented message being sent.
#[derive(Clone, Copy, Debug)]
struct Sending {
    kind: MessageKind,
    compressed: bool,
    utf8: Utf8Validator,
}

/// A WebSocket connection. See the [module docs](self) for how to drive it.
pub struct Conn {
    role: Role,
    config: Config,
    rules: DecodeRules,
    limits: Limits,
    read: ReadBuf,
    write: WriteBuf,
    masks: Option<Box<dyn MaskSource + Send>>,
    inflater: Option<Inflater>,
    deflater: Option<Deflater>,
    /// Compressed output of the message being sent.
    scratch: Vec<u8>,
    frame: Option<InFrame>,
    assembly: Assembly,
    /// Text of an in-place message is validated as it arrives.
    utf8: Utf8Validator,
    ready: Ready,
    lent: Ready,
    closing: Closing,
    closed_reported: bool,
    sending: Option<Sending>,
    /// Message payloads the driver writes itself, each after the queued
    /// bytes before it ([`Conn::send_message_header`]).
    owed: OwedQueue,
    /// The latest ping's payload, to answer when the output has room.
    pending_pong: Option<([u8; MAX_CONTROL_PAYLOAD], u8)>,
    error: Option<Error>,
    /// An error broke the framing: the rest of the input is dropped.
    framing_lost: bool,
    /// The peer's Close was read: nothing after it is (RFC 6455 section 5.5.1).
    close_read: bool,
    /// The unfinished frame's bytes are in the caller's buffer
    /// (`handle_input_in_place` left them there): only that call goes on.
    frame_with_caller: bool,
    /// We failed the connection for a peer error: frames are only skipped
    /// now, looking for the peer's Close.
    failed: bool,
    now: Instant,
    close_deadline: Option<Instant>,
    /// The close timer started at a moment the machine was not told.
    timer_restart: bool,
}

impl core::fmt::Debug for Conn {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Conn")
            .field("role", &self.role)
            .field("closing", &self.closing)
            .field("frame", &self.frame)
            .field("ready", &self.ready)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// The server end of a connection whose handshake agreed on `extensions`.
    pub fn server(config: Config, extensions: Extensions) -> Self {
        Self::new(Role::Server, config, extensions, None)
    }

    /// The client end; `masks` gives the key of every frame sent.
    pub fn client(
        config: Config,
        extensions: Extensions,
        masks: Box<dyn MaskSource + Send>,
    ) -> Self {
        Self::new(Role::Client, config, extensions, Some(masks))
    }

    fn new(
        role: Role,
        config: Config,
        extensions: Extensions,
        masks: Option<Box<dyn MaskSource + Send>>,
    ) -> Self {
        let read_limit = config.max_frame_size.max(MAX_CONTROL_PAYLOAD) + MAX_HEADER_LEN;
        let (inflater, deflater) = match extensions.deflate {
            None => (None, None),
            Some(p) => {
                let (ours_fresh, ours_bits, theirs_fresh) = match role {
                    Role::Server => (
                        p.server_no_context_takeover,
                        p.server_max_window_bits,
                        p.client_no_context_takeover,
                    ),
                    Role::Client => (
                        p.client_no_context_takeover,
                        p.client_max_window_bits,
                        p.server_no_context_takeover,
                    ),
                };
                (
                    Some(Inflater::new(theirs_fresh)),
                    Some(Deflater::new(config.deflate_level, ours_fresh, ours_bits)),
                )
            }
        };
        Conn {
            role,
            rules: DecodeRules {
                // RFC 6455 section 5.1: clients mask, servers do not.
                expect_masked: role == Role::Server,
                rsv1_allowed: extensions.deflate.is_some(),
                max_payload: config.max_frame_size as u64,
            },
            limits: Limits {
                max_message_size: config.max_message_size,
                max_fragments: config.max_fragments,
            },
            // Allocated on first use: a driver that lends the machine its own
            // bytes (`handle_input_in_place`) may never need it.
            read: ReadBuf::unallocated(read_limit.max(1)),
            write: WriteBuf::new(INITIAL_WRITE_BUFFER, config.max_write_buffer),
            masks,
            inflater,
            deflater,
            scratch: Vec::new(),
            frame: None,
            assembly: Assembly::default(),
            utf8: Utf8Validator::new(),
            ready: Ready::Nothing,
            lent: Ready::Nothing,
            closing: Closing::Open,
            closed_reported: false,
            sending: None,
            owed: OwedQueue::default(),
            pending_pong: None,
            error: None,
            framing_lost: false,
            close_read: false,
            frame_with_caller: false,
            failed: false,
            now: Instant::ZERO,
            close_deadline: None,
            timer_restart: false,
            config,
        }
    }

    // ----- input -----

    /// Feeds bytes that arrived; returns how many were taken (fewer when an
    /// event must be polled first). On `Err` (a peer error found in these
    /// bytes), all of them were taken; keep driving until [`Conn::is_closed`].
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, Error> {
        self.tick(now);
        self.take_back();
        if self.closing == Closing::Done {
            // The connection is over: what still arrives means nothing.
            return Ok(bytes.len());
        }
        let had_error = self.error.is_some();
        let mut taken = 0;
        loop {
            self.process();
            if taken == bytes.len() {
                break;
            }
            let spare = self.spare();
            if spare.is_empty() {
                break;
            }
            let n = spare.len().min(bytes.len() - taken);
            spare[..n].copy_from_slice(&bytes[taken..taken + n]);
            self.read.filled(n);
            taken += n;
        }
        match self.error {
            Some(e) if !had_error => Err(e),
            _ => Ok(taken),
        }
    }

    /// Room to read the socket into; empty while an event waits to be polled,
    /// while [`Conn::handle_input_in_place`] left an unfinished frame with
    /// its caller, or once the connection takes no more input.
    pub fn input_buf(&mut self) -> &mut [u8] {
        self.take_back();
        self.spare()
    }

    /// Records that `n` bytes were read into [`Conn::input_buf`].
    pub fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Error> {
        self.tick(now);
        let had_error = self.error.is_some();
        self.read.filled(n);
        self.process();
        match self.error {
            Some(e) if !had_error => Err(e),
            _ => Ok(()),
        }
    }

    /// Whether the connection still reads input: false once it is over
    /// (stop reading the socket then).
    pub fn takes_input(&self) -> bool {
        self.closing != Closing::Done
    }

    /// The peer shut down its sending side (the TCP FIN, or END_STREAM on
    /// HTTP/2). Without a closing handshake that is [`ErrorKind::UnexpectedEof`].
    pub fn handle_eof(&mut self, now: Instant) -> Result<(), Error> {
        self.tick(now);
        let abnormal = self.closing != Closing::Done && self.error.is_none();
        self.closing = self.closing.on(CloseEvent::Eof).0;
        self.pending_pong = None;
        if abnormal {
            let e = Error::new(ErrorKind::UnexpectedEof);
            self.error = Some(e);
            return Err(e);
        }
        Ok(())
    }

    fn spare(&mut self) -> &mut [u8] {
        if self.closing == Closing::Done || self.ready != Ready::Nothing || self.frame_with_caller {
            return &mut [];
        }
        if self.read.capacity() == 0 {
            let initial = self.config.read_buffer_initial.clamp(1, self.read.limit());
            self.read.reserve_total(initial);
        }
        // Only a frame that must be whole in the buffer (an unfinished header,
        // an in-place message, a control frame) makes a full buffer grow; a
        // stream of frames that fit never does, so the buffer stays as large
        // as the largest such frame, not as the read rate.
        let stuck = match &self.frame {
            None => true,
            Some(f) => matches!(f.mode, Mode::InPlace(_) | Mode::Control),
        };
        if stuck && self.read.spare().is_empty() {
            return self.read.spare_for_read(true);
        }
        self.read.spare()
    }

    fn tick(&mut self, now: Instant) {
        self.now = now;
        if core::mem::take(&mut self.timer_restart) {
            self.close_deadline = Some(now + self.config.close_timeout);
        }
    }

    /// Runs the frame loop over the buffered bytes, turning an error into the
    /// failure of the connection.
    fn process(&mut self) {
        if self.read.is_empty() || self.frame_with_caller {
            // Nothing to read here; a frame begun by `handle_input_in_place`
            // has its bytes in the caller's buffer, not here.
            self.flush_pong();
            return;
        }
        // The frame loop works on the read buffer's bytes as an `Input`, the
        // same code as over the caller's bytes in `handle_input_in_place`.
        let mut read = core::mem::replace(&mut self.read, ReadBuf::detached());
        let mut input = Input::new(read.data_mut());
        self.run(&mut input);
        let consumed = input.front;
        read.consume(consumed);
        self.read = read;
    }

    /// Runs the frame loop over `input`, turning an error into the failure
    /// of the connection.
    fn run(&mut self, input: &mut Input<'_>) {
        if let Err(e) = self.advance(input) {
            self.fail(e, input);
        }
        self.flush_pong();
    }

    /// Reads frames until an event is ready or the bytes run out.
    fn advance(&mut self, input: &mut Input<'_>) -> Result<(), Error> {
        loop {
            if self.ready != Ready::Nothing {
                return Ok(());
            }
            if self.close_read || self.framing_lost {
                // Nothing more is read: drop what arrives.
                input.consume(input.len());
                return Ok(());
            }
            if self.frame.is_none()
                && !self.failed
                && let Some((kind, len)) = self.small_frame(input)
            {
                self.ready = Ready::InPlace {
                    kind,
                    at: 6,
                    len,
                    consume: 6 + len,
                };
                continue;
            }
            let frame = match self.frame {
                Some(f) => f,
                None => {
                    // After an error, frames are only skipped: their size does not matter.
                    let rules = match self.failed {
                        false => self.rules,
                        true => DecodeRules {
                            max_payload: u64::MAX,
                            ..self.rules
                        },
                    };
                    let Some((header, header_len)) = decode_header(input.data(), &rules)? else {
                        return Ok(());
                    };
                    let f = self.begin_frame(header, header_len, input)?;
                    self.frame = Some(f);
                    f
                }
            };
            if !self.progress(frame, input)? {
                return Ok(());
            }
        }
    }

    fn begin_frame(
        &mut self,
        header: FrameHeader,
        header_len: usize,
        input: &mut Input<'_>,
    ) -> Result<InFrame, Error> {
        let mode = if header.opcode.is_control() {
            Mode::Control
        } else if self.failed {
            Mode::Skip
        } else {
            match self.assembly.begin_frame(&header, &self.limits)? {
                Delivery::InPlace(kind) => Mode::InPlace(kind),
                Delivery::Assemble => Mode::Assemble,
            }
        };
        let mut f = InFrame {
            header,
            header_len,
            done: 0,
            mode,
        };
        if matches!(mode, Mode::Assemble | Mode::Skip) {
            input.consume(header_len);
            f.header_len = 0;
        }
        if matches!(mode, Mode::InPlace(MessageKind::Text)) {
            self.utf8 = Utf8Validator::new();
        }
        Ok(f)
    }

    /// Moves the current frame on with the buffered bytes; `true` once it is done.
    fn progress(&mut self, mut f: InFrame, input: &mut Input<'_>) -> Result<bool, Error> {
        let len = f.header.payload_len;
        let buffered = (input.len() - f.header_len) as u64;
        match f.mode {
            Mode::Control => {
                if buffered < len {
                    return Ok(false);
                }
                let (at, n) = (f.header_len, len as usize);
                if let Some(key) = f.header.mask {
                    apply_mask(&mut input.data_mut()[at..at + n], key, 0);
                }
                self.frame = None;
                self.on_control(f.header.opcode, at, n, input)?;
            }
            Mode::InPlace(kind) => {
                let upto = buffered.min(len);
                let (from, to) = (f.header_len + f.done as usize, f.header_len + upto as usize);
                if let Some(key) = f.header.mask {
                    apply_mask(&mut input.data_mut()[from..to], key, f.done);
                }
                if kind == MessageKind::Text {
                    self.utf8
                        .feed(&input.data()[from..to])
                        .map_err(|_| ErrorKind::InvalidUtf8)?;
                }
                if upto < len {
                    f.done = upto;
                    self.frame = Some(f);
                    return Ok(false);
                }
                if kind == MessageKind::Text {
                    self.utf8.finish().map_err(|_| ErrorKind::InvalidUtf8)?;
                }
                self.frame = None;
                self.ready = Ready::InPlace {
                    kind,
                    at: f.header_len,
                    len: len as usize,
                    consume: f.header_len + len as usize,
                };
            }
            Mode::Assemble | Mode::Skip => {
                let n = buffered.min(len - f.done) as usize;
                if f.mode == Mode::Assemble && n > 0 {
                    let bytes = &mut input.data_mut()[..n];
                    if let Some(key) = f.header.mask {
                        apply_mask(bytes, key, f.done);
                    }
                    self.assembly
                        .feed(bytes, self.inflater.as_mut(), &self.limits)?;
                }
                input.consume(n);
                f.done += n as u64;
                self.frame = Some(f);
                if f.done < len {
                    return Ok(false);
                }
                self.frame = None;
                if f.mode == Mode::Assemble && f.header.fin {
                    let kind = self.assembly.finish(self.inflater.as_mut(), &self.limits)?;
                    self.ready = Ready::Assembled(kind);
                }
            }
        }
        Ok(true)
    }

    /// A whole control frame is at `at..at + len` of the read buffer, unmasked.
    fn on_control(
        &mut self,
        opcode: OpCode,
        at: usize,
        len: usize,
        input: &mut Input<'_>,
    ) -> Result<(), Error> {
        let consume = at + len;
        match opcode {
            OpCode::Ping => {
                // RFC 6455 section 5.5.2: answer with a Pong carrying the same data
                // (section 5.5.3: only the latest when several wait). Not after our Close.
                if self.config.auto_pong && self.closing == Closing::Open {
                    let mut data = [0u8; MAX_CONTROL_PAYLOAD];
                    data[..len].copy_from_slice(&input.data()[at..consume]);
                    self.pending_pong = Some((data, len as u8));
                }
                self.ready = if self.failed {
                    input.consume(consume);
                    Ready::Nothing
                } else {
                    Ready::Ping { at, len, consume }
                };
            }
            OpCode::Pong => {
                self.ready = if self.failed {
                    input.consume(consume);
                    Ready::Nothing
                } else {
                    Ready::Pong { at, len, consume }
                };
            }
            _ => return self.on_close(at, len, input),
        }
        Ok(())
    }

    fn on_close(&mut self, at: usize, len: usize, input: &mut Input<'_>) -> Result<(), Error> {
        let consume = at + len;
        self.close_read = true;
        let parsed = close::parse_payload(&input.data()[at..consume])
            .map(|(code, reason)| (code, reason.len()));
        let (closing, action) = self.closing.on(CloseEvent::Receive);
        self.closing = closing;
        self.pending_pong = None;
        match parsed {
            Err(kind) => {
                // The peer closed with a broken Close: answer with the error's
                // code, and the connection is over.
                input.consume(consume);
                let e = Error::new(kind);
                if self.error.is_none() && action == CloseAction::Answer {
                    self.queue_close(e.close_code(), e.description().as_bytes());
                }
                return Err(e);
            }
            Ok((code, reason_len)) => {
                if action == CloseAction::Answer {
                    // RFC 6455 section 5.5.1: answer with a Close, echoing the code.
                    let code_bytes = code.map(u16::to_be_bytes);
                    self.queue_close_payload(code_bytes.as_ref().map_or(&[][..], |c| &c[..]));
                }
                if self.failed {
                    input.consume(consume);
                } else {
                    self.ready = Ready::Close {
                        code,
                        at: consume - reason_len,
                        len: reason_len,
                        consume,
                    };
                }
            }
        }
        Ok(())
    }

    /// Fails the connection for a peer error (RFC 6455 section 7.1.7): the
    /// Close frame with its code, then wait for the peer's (if the framing
    /// still allows reading it) or the timer.
    fn fail(&mut self, e: Error, input: &mut Input<'_>) {
        if self.error.is_some() {
            // A second error, found by a later input, loses the framing too
            // (as one found below does): left alone, its frame header would
            // stay at the front of the buffer for good.
            self.framing_lost = true;
            self.frame = None;
            input.consume(input.len());
            return;
        }
        self.error = Some(e);
        self.failed = true;
        self.ready = Ready::Nothing;
        self.assembly.abandon();
        self.pending_pong = None;
        if e.close_code() != close::ABNORMAL_CLOSURE && self.closing == Closing::Open {
            self.queue_close(e.close_code(), e.description().as_bytes());
            let (closing, _) = self.closing.on(CloseEvent::Send);
            self.closing = closing;
            self.close_deadline = Some(self.now + self.config.close_timeout);
        }
        self.framing_lost = !e.keeps_framing();
        // The rest of the current frame is read and dropped. The bytes still
        // in the buffer before that are its header and what was unmasked in place.
        if let Some(f) = self.frame.as_mut() {
            let in_buffer = match f.mode {
                Mode::InPlace(_) | Mode::Control => f.header_len + f.done as usize,
                Mode::Assemble | Mode::Skip => 0,
            };
            input.consume(in_buffer.min(input.len()));
            f.header_len = 0;
            f.mode = Mode::Skip;
        }
        if self.framing_lost {
            self.frame = None;
        }
        // Keep reading: the peer's Close may already be buffered. A second
        // error loses the framing.
        if self.advance(input).is_err() {
            self.framing_lost = true;
            self.frame = None;
            input.consume(input.len());
        }
    }

    // ----- events -----

    /// The next event, or `None` when nothing new happened. The event borrows
    /// the machine's buffers until the next call.
    #[inline]
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        // Nothing lent, ready or buffered, no Pong to queue, not over: no
        // event (the state between in-place messages), decided inline.
        if matches!(self.lent, Ready::Nothing)
            && matches!(self.ready, Ready::Nothing)
            && self.read.is_empty()
            && self.pending_pong.is_none()
            && self.closing != Closing::Done
        {
            return None;
        }
        self.next_event()
    }

    /// [`Conn::poll_event`] when an event may be ready.
    #[inline(never)]
    fn next_event(&mut self) -> Option<Event<'_>> {
        self.take_back();
        if self.ready == Ready::Nothing {
            self.process();
        }
        if self.ready == Ready::Nothing && self.closing == Closing::Done && !self.closed_reported {
            self.ready = Ready::Closed;
        }
        let ready = core::mem::replace(&mut self.ready, Ready::Nothing);
        self.lent = ready;
        let data = self.read.data();
        Some(match ready {
            Ready::Nothing => return None,
            Ready::InPlace { kind, at, len, .. } => Event::MessageReceived {
                kind,
                payload: &data[at..at + len],
            },
            Ready::Assembled(kind) => Event::MessageReceived {
                kind,
                payload: self.assembly.payload(),
            },
            Ready::Ping { at, len, .. } => Event::PingReceived(&data[at..at + len]),
            Ready::Pong { at, len, .. } => Event::PongReceived(&data[at..at + len]),
            Ready::Close { code, at, len, .. } => Event::CloseReceived {
                code,
                reason: &data[at..at + len],
            },
            Ready::Closed => {
                self.closed_reported = true;
                Event::Closed
            }
        })
    }

    /// Frees what the last event borrowed.
    fn take_back(&mut self) {
        match core::mem::replace(&mut self.lent, Ready::Nothing) {
            Ready::InPlace { consume, .. }
            | Ready::Ping { consume, .. }
            | Ready::Pong { consume, .. }
            | Ready::Close { consume, .. } => self.read.consume(consume),
            Ready::Assembled(_) => self.assembly.clear(),
            Ready::Nothing | Ready::Closed => {}
        }
    }

    // ----- time and the end -----

    /// The next deadline: the close timer, while we wait for the peer's Close.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closing != Closing::Sent {
            return None;
        }
        if self.timer_restart {
            return Some(self.now);
        }
        self.close_deadline
    }

    /// Acts on a passed deadline: the peer did not answer our Close in time,
    /// so the connection ends ([`ErrorKind::CloseTimeout`]).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.tick(now);
        if self.closing != Closing::Sent || self.close_deadline.is_none_or(|d| now < d) {
            return Ok(());
        }
        self.closing = self.closing.on(CloseEvent::Timeout).0;
        if self.error.is_none() {
            let e = Error::new(ErrorKind::CloseTimeout);
            self.error = Some(e);
            return Err(e);
        }
        Ok(())
    }

    /// Whether the connection is over and its last bytes were handed out: drop the socket.
    pub fn is_closed(&self) -> bool {
        self.closing == Closing::Done && self.queued() == 0
    }

    /// The peer error that ended (or is ending) the connection, if one did.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// The configuration the connection runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
