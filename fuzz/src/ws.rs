//! The WebSocket targets: `ws_frame` (the frame header codec, masking and
//! the streaming UTF-8 validator), `ws_inflate` (permessage-deflate's
//! inflater and its size limit), `ws_conn` (the [`Conn`] machine in either
//! role, driven by a command script and a peer byte stream).

use core::time::Duration;
use std::collections::VecDeque;

use shockwave_proto::Instant;
use shockwave_proto::ws::deflate::{DeflateParams, Deflater, InflateError, Inflater};
use shockwave_proto::ws::frame::{
    DecodeRules, MAX_HEADER_LEN, OpCode, decode_header, encode_header,
};
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::mask::apply_mask;
use shockwave_proto::ws::utf8::Utf8Validator;
use shockwave_proto::ws::{
    Config, Conn, Event, InPlaceInput, MAX_OWED, MessageKind, OutputPart, UsageError, close,
};

use crate::mix;

// ----- ws_frame -----

const MAX_PAYLOADS: [u64; 4] = [0, 125, 65_536, u64::MAX];

/// Target `ws_frame`: byte 0 picks the decode rules, the rest is a frame's
/// start. Checks that a decoded header re-encodes to its bytes (the shortest
/// form is the only one accepted) and keeps every rule; that a verdict comes
/// as soon as the bytes prove it and stays (prefixes are `None` or the same
/// error; bytes after change nothing); that masking in pieces at any offset
/// equals the byte-wise definition and undoes itself; and that the streaming
/// UTF-8 validator, fed the rest in pieces, agrees with `core::str::from_utf8`
/// and fails on the first piece that no valid text could continue.
pub fn ws_frame(data: &[u8]) {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let rules = DecodeRules {
        expect_masked: flags & 1 != 0,
        rsv1_allowed: flags & 2 != 0,
        max_payload: MAX_PAYLOADS[usize::from(flags >> 2 & 3)],
    };
    let result = decode_header(bytes, &rules);
    let mut longer = bytes.to_vec();
    longer.extend_from_slice(&[0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    match result {
        Ok(Some((h, n))) => {
            assert_eq!(
                decode_header(&longer, &rules),
                result,
                "bytes after the header changed it"
            );
            assert_eq!(n, h.encoded_len());
            let mut out = [0u8; MAX_HEADER_LEN];
            assert_eq!(encode_header(&h, &mut out), n);
            assert_eq!(&out[..n], &bytes[..n], "not the shortest form");
            assert_eq!(h.mask.is_some(), rules.expect_masked, "mask rule");
            assert!(h.payload_len <= rules.max_payload);
            if h.opcode.is_control() {
                assert!(
                    h.fin && h.payload_len <= 125 && !h.rsv1,
                    "control frame rules"
                );
            }
            if h.rsv1 {
                assert!(rules.rsv1_allowed && matches!(h.opcode, OpCode::Text | OpCode::Binary));
            }
            for k in 0..n {
                assert_eq!(decode_header(&bytes[..k], &rules), Ok(None), "prefix {k}");
            }
            check_mask(
                &bytes[n..],
                h.mask.unwrap_or([0x5a, 0xa5, 0x3c, 0xc3]),
                flags,
            );
        }
        Ok(None) => {
            assert!(bytes.len() < MAX_HEADER_LEN);
            for k in 0..bytes.len() {
                assert_eq!(decode_header(&bytes[..k], &rules), Ok(None), "prefix {k}");
            }
        }
        Err(e) => {
            assert_eq!(
                decode_header(&longer, &rules),
                Err(e),
                "bytes after an error changed it"
            );
            for k in 0..bytes.len() {
                let p = decode_header(&bytes[..k], &rules);
                assert!(
                    p == Ok(None) || p == Err(e),
                    "prefix {k} gave {p:?}, the whole {e:?}"
                );
            }
        }
    }
    check_utf8(bytes);
}

fn check_mask(payload: &[u8], key: [u8; 4], flags: u8) {
    let offset = u64::from(flags >> 4);
    let mut want = payload.to_vec();
    for (i, b) in want.iter_mut().enumerate() {
        *b ^= key[(offset as usize + i) % 4];
    }
    let mut got = payload.to_vec();
    let cut = (mix(payload) % (payload.len() as u64 + 1)) as usize;
    let (a, b) = got.split_at_mut(cut);
    apply_mask(a, key, offset);
    apply_mask(b, key, offset + cut as u64);
    assert_eq!(got, want, "masking in pieces");
    apply_mask(&mut got, key, offset);
    assert_eq!(got, payload, "masking twice");
}

fn check_utf8(text: &[u8]) {
    let h = mix(text);
    let mut v = Utf8Validator::new();
    let mut start = 0;
    let mut k = 0;
    while start < text.len() {
        let end = (start + 1 + ((h >> (k % 60)) as usize % 7)).min(text.len());
        k += 3;
        let fed = v.feed(&text[start..end]);
        // A prefix is still good while it is valid text or only lacks its end.
        let good = match core::str::from_utf8(&text[..end]) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        };
        assert_eq!(fed.is_ok(), good, "piece {start}..{end}");
        if fed.is_err() {
            return;
        }
        start = end;
    }
    assert_eq!(v.finish().is_ok(), core::str::from_utf8(text).is_ok());
}

// ----- ws_inflate -----

const LIMITS: [usize; 4] = [0, 100, 4096, 1 << 20];

/// Inflates `messages` in pieces of `piece` bytes: each message's output, or the error.
fn inflate_all(
    inflater: &mut Inflater,
    messages: &[&[u8]],
    piece: usize,
    limit: usize,
) -> Vec<Result<Vec<u8>, InflateError>> {
    let mut results = Vec::new();
    for m in messages {
        let mut out = Vec::new();
        let r = m
            .chunks(piece.max(1))
            .try_for_each(|c| inflater.inflate(c, &mut out, limit))
            .and_then(|()| inflater.finish_message(&mut out, limit));
        assert!(out.len() <= limit, "inflated past the limit");
        let failed = r.is_err();
        results.push(r.map(|()| out));
        if failed {
            break;
        }
    }
    results
}

/// Target `ws_inflate`: byte 0 picks the limit, context takeover and the
/// compression level; the rest is split into messages at `0xFF 0x00`. The
/// messages as compressed data: the output never passes the limit, and any
/// split of the input gives the same output or error. The messages as plain
/// data: compressed by our [`Deflater`] (whole or in two parts) and inflated
/// again, they come back unchanged, context carried over or not.
pub fn ws_inflate(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let limit = LIMITS[usize::from(flags & 3)];
    let no_takeover = flags & 4 != 0;
    let level = (flags >> 4) % 11;
    let messages: Vec<&[u8]> = split_messages(rest);

    // Arbitrary compressed data: bounded, and split-invariant.
    let whole = inflate_all(
        &mut Inflater::new(no_takeover),
        &messages,
        usize::MAX,
        limit,
    );
    let piece = (mix(rest) % 17 + 1) as usize;
    let pieces = inflate_all(&mut Inflater::new(no_takeover), &messages, piece, limit);
    assert_eq!(whole, pieces, "split into pieces of {piece}");

    // Our own compression round-trips.
    let mut deflater = Deflater::new(level, no_takeover, 15);
    let mut inflater = Inflater::new(no_takeover);
    for (i, m) in messages.iter().enumerate() {
        let mut wire = Vec::new();
        if i % 2 == 1 && m.len() > 1 {
            let (a, b) = m.split_at(m.len() / 2);
            deflater.compress(a, false, &mut wire);
            deflater.compress(b, true, &mut wire);
        } else {
            deflater.compress(m, true, &mut wire);
        }
        let mut out = Vec::new();
        inflater
            .inflate(&wire, &mut out, m.len())
            .expect("our own data inflates");
        inflater
            .finish_message(&mut out, m.len())
            .expect("our own data inflates");
        assert_eq!(&out, m, "round trip of message {i}");
    }
}

fn split_messages(data: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == 0xFF && data[i + 1] == 0x00 {
            v.push(&data[start..i]);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    v.push(&data[start..]);
    v
}

// ----- ws_conn -----

/// Most events one poll may yield before it counts as a loop.
const MAX_EVENTS_PER_POLL: usize = 100_000;
const FEED_SIZES: [usize; 8] = [1, 2, 5, 14, 100, 1000, 70_000, usize::MAX];
const DATA_SIZES: [usize; 8] = [0, 1, 5, 125, 126, 1000, 70_000, 3];
const CLOSE_CODES: [u16; 8] = [1000, 1001, 1005, 1006, 3000, 4999, 2000, 1011];
const STEPS: [u64; 8] = [
    0,
    1,
    1_000_000,
    1_000_000_000,
    4_999_000_000,
    5_000_000_000,
    60_000_000_000,
    u64::MAX / 4,
];
const TEXT: &str = "κόσμε€😀 plain ascii and more ascii text to slice from, 0123456789 ";

fn deflate_params(v: u8) -> Option<DeflateParams> {
    let d = DeflateParams::default();
    match v & 3 {
        0 => None,
        1 => Some(d),
        2 => Some(DeflateParams {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            ..d
        }),
        _ => Some(DeflateParams {
            server_max_window_bits: 9,
            client_max_window_bits: 8,
            ..d
        }),
    }
}

struct Driver<'a> {
    conn: Conn,
    /// A connection of the other role that reads everything `conn` writes:
    /// it must never find an error (what we write is valid WebSocket).
    mirror: Conn,
    config: Config,
    now: Instant,
    stream: &'a [u8],
    closed: bool,
    closed_event: bool,
    error: Option<shockwave_proto::ws::Error>,
    /// The payloads handed over with `send_message_header` and not written
    /// in full, in order: the driver writes them from here (one at a time
    /// once `poll_transmit` stops, or gathered from `output_parts`).
    owed: VecDeque<Vec<u8>>,
    /// Feeding goes through `handle_input_in_place` over `pending`, the
    /// driver's own buffer (what the machine did not take stays at its front).
    in_place: bool,
    pending: Vec<u8>,
}

/// Target `ws_conn`: byte 0 picks the role (bit 0: client), the extensions
/// (bits 1-2: none, permessage-deflate with and without context takeover,
/// with small windows), tiny limits (bit 3), `auto_pong` (bit 4) and the
/// input call (bit 5: `handle_input_in_place` instead of `handle_input`); byte 1
/// is the script length `L`, the next `L` bytes the commands (one byte each:
/// the low nibble the command, the high nibble its argument), the rest the
/// peer's byte stream. Then the stream is fed to its end.
///
/// Checks: no panic and no endless loop; a refused command queues nothing;
/// events keep their promises (text is UTF-8, sizes within the limits, close
/// codes valid, `Closed` last and once); after `is_closed()` nothing is
/// queued, taken or timed; an error, once reported, stays; and everything
/// the machine writes is read without error by a machine of the other role.
pub fn ws_conn(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (script, stream) = match rest.split_first() {
        Some((&len, rest)) => rest.split_at(usize::from(len).min(rest.len())),
        None => (&[][..], &[][..]),
    };
    let mut config = Config::default();
    if flags & 8 != 0 {
        config.max_frame_size = 200;
        config.max_message_size = 300;
        config.max_fragments = 3;
        config.read_buffer_initial = 1;
        config.max_write_buffer = 256;
    }
    config.auto_pong = flags & 16 == 0;
    let extensions = Extensions {
        deflate: deflate_params(flags >> 1),
    };
    let masks = || -> Box<dyn shockwave_proto::ws::MaskSource + Send> {
        let mut x = 0x9E37_79B9u32;
        Box::new(move || {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x.to_le_bytes()
        })
    };
    let mut mirror_config = Config::default();
    mirror_config.max_write_buffer = usize::MAX;
    let (conn, mirror) = if flags & 1 != 0 {
        (
            Conn::client(config.clone(), extensions, masks()),
            Conn::server(mirror_config, extensions),
        )
    } else {
        (
            Conn::server(config.clone(), extensions),
            Conn::client(mirror_config, extensions, masks()),
        )
    };
    let mut d = Driver {
        conn,
        mirror,
        config,
        now: Instant::from_millis(1),
        stream,
        closed: false,
        closed_event: false,
        error: None,
        owed: VecDeque::new(),
        in_place: flags & 32 != 0,
        pending: Vec::new(),
    };
    for &op in script {
        d.op(op);
        d.check();
    }
    // The rest of the stream, then whatever is queued.
    let mut rounds = 0;
    while (!d.stream.is_empty() || !d.pending.is_empty()) && !d.closed {
        rounds += 1;
        assert!(rounds < 1_000_000, "the machine stopped taking input");
        let before = d.stream.len() + d.pending.len();
        d.feed(usize::MAX);
        d.poll();
        d.transmit(usize::MAX);
        d.check();
        if d.in_place && d.stream.len() + d.pending.len() == before {
            // What is left is an unfinished frame: the stream ended in it.
            break;
        }
        if d.stream.len() == before && d.conn.input_buf().is_empty() && !d.closed {
            // Nothing taken: only an unpolled event may hold input back, and
            // polling took it above; a full stop is a finding unless closed.
            assert!(
                d.conn.is_closed() || d.conn.error().is_some(),
                "input stalled"
            );
            break;
        }
    }
    d.transmit(usize::MAX);
}

impl Driver<'_> {
    fn op(&mut self, op: u8) {
        let arg = usize::from(op >> 4);
        match op & 0x0F {
            0 | 1 => self.feed(FEED_SIZES[arg & 7]),
            2 => self.poll(),
            3 => self.transmit(if arg == 0 { usize::MAX } else { arg * 37 }),
            4 => self.command(|c| c.send_text(text_of(arg))),
            5 => self.command(|c| c.send_binary(&binary(DATA_SIZES[arg & 7]))),
            6 | 7 => {
                let kind = if op & 1 == 0 {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let data = binary(DATA_SIZES[arg & 7]);
                let bytes = if kind == MessageKind::Text {
                    text_of(arg).as_bytes()
                } else {
                    &data
                };
                self.command(|c| c.send_fragment(kind, bytes, arg & 8 != 0));
            }
            8 => self.command(|c| c.ping(&binary(DATA_SIZES[arg & 7]))),
            9 => self.command(|c| c.pong(&binary(DATA_SIZES[arg & 7]))),
            10 => self
                .command(|c| c.close(CLOSE_CODES[arg & 7], if arg & 8 != 0 { "bye" } else { "" })),
            11 => {
                self.now += Duration::from_nanos(STEPS[arg & 7]);
                let r = self.conn.handle_timeout(self.now);
                self.note(r.err());
            }
            12 => {
                let r = self.conn.handle_eof(self.now);
                self.note(r.err());
            }
            13 if arg < 8 => {
                self.command(|c| c.send_message(MessageKind::Text, &[0xce, 0xba, 0xff][..arg % 4]))
            }
            13 => self.send_owned(arg),
            14 => {
                // The zero-copy input path.
                let room = self.conn.input_buf();
                let n = room.len().min(self.stream.len()).min(FEED_SIZES[arg & 7]);
                room[..n].copy_from_slice(&self.stream[..n]);
                self.stream = &self.stream[n..];
                let r = self.conn.input_filled(self.now, n);
                self.note(r.err());
            }
            _ => {
                if let Some(t) = self.conn.poll_timeout() {
                    self.now = self.now.max(t);
                    let r = self.conn.handle_timeout(self.now);
                    self.note(r.err());
                }
            }
        }
    }

    /// Runs a command; a refused one must leave the output as it was.
    fn command(&mut self, f: impl FnOnce(&mut Conn) -> Result<(), UsageError>) {
        let before = self
            .conn
            .poll_transmit()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let queued = self.conn.queued();
        let r = f(&mut self.conn);
        let after = self
            .conn
            .poll_transmit()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        match r {
            Err(_) => {
                assert_eq!(before, after, "a refused command queued bytes");
                assert_eq!(queued, self.conn.queued(), "a refused command queued bytes");
            }
            Ok(()) => {
                assert!(!self.closed, "a command accepted after is_closed()");
                assert!(self.conn.queued() > queued);
                // Bytes queued behind an owed payload only show once it is written.
                assert!(after.starts_with(&before));
                assert!(after.len() > before.len() || self.conn.owed_payload() > 0);
            }
        }
    }

    /// A message whose payload the driver writes from its own buffer: either
    /// only its header is queued and the payload is owed, or (where it must be
    /// masked, compressed, or `MAX_OWED` payloads are owed) nothing happens.
    fn send_owned(&mut self, arg: usize) {
        let (kind, payload) = match arg & 1 {
            0 => (MessageKind::Binary, binary(DATA_SIZES[arg & 7])),
            _ => (MessageKind::Text, text_of(arg).as_bytes().to_vec()),
        };
        let queued = self.conn.queued();
        let owed_before = (self.conn.owed_payload(), self.conn.owed_payloads());
        match self.conn.send_message_header(kind, &payload) {
            Err(_) | Ok(false) => {
                assert_eq!(self.conn.queued(), queued, "a refused message queued bytes");
                let owed = (self.conn.owed_payload(), self.conn.owed_payloads());
                assert_eq!(owed, owed_before);
            }
            Ok(true) => {
                assert!(!self.closed, "a command accepted after is_closed()");
                assert!(owed_before.1 < MAX_OWED, "more than MAX_OWED payloads owed");
                if payload.is_empty() {
                    assert_eq!(self.conn.owed_payloads(), owed_before.1);
                } else {
                    assert_eq!(self.conn.owed_payloads(), owed_before.1 + 1);
                    self.owed.push_back(payload.clone());
                }
                if owed_before.1 == 0 {
                    assert_eq!(self.conn.owed_payload(), payload.len());
                }
                assert!(self.conn.queued() >= queued + 2 + payload.len());
            }
        }
    }

    /// Records an error returned by a call, or found by `poll_event`: once
    /// there, it stays the same.
    fn note(&mut self, e: Option<shockwave_proto::ws::Error>) {
        if let Some(e) = e {
            assert!(
                self.error.is_none() || self.error == Some(e),
                "a second, different error"
            );
            self.error = Some(e);
        }
        match (self.error, self.conn.error()) {
            (Some(known), now) => {
                assert_eq!(now, Some(known), "the error changed or was forgotten")
            }
            (None, Some(found)) => self.error = Some(found),
            (None, None) => {}
        }
    }

    fn feed(&mut self, n: usize) {
        let n = n.min(self.stream.len());
        if self.in_place {
            self.pending.extend_from_slice(&self.stream[..n]);
            self.stream = &self.stream[n..];
            return self.feed_in_place();
        }
        match self.conn.handle_input(self.now, &self.stream[..n]) {
            Ok(k) => {
                assert!(k <= n);
                self.stream = &self.stream[k..];
            }
            Err(e) => {
                self.stream = &self.stream[n..];
                self.note(Some(e));
            }
        }
        self.note(None);
    }

    /// Gives the machine the driver's buffer until it takes nothing more:
    /// a message it reports lies in the bytes it took and keeps its promises.
    fn feed_in_place(&mut self) {
        for _ in 0..MAX_EVENTS_PER_POLL {
            if self.pending.is_empty() {
                break;
            }
            match self.conn.handle_input_in_place(self.now, &mut self.pending) {
                Ok(InPlaceInput { taken, message }) => {
                    assert!(taken <= self.pending.len());
                    if let Some(m) = message {
                        assert!(m.payload.end <= taken && m.payload.start <= m.payload.end);
                        assert!(!self.closed_event, "a message after Closed");
                        let payload = &self.pending[m.payload];
                        assert!(payload.len() <= self.config.max_message_size);
                        if m.kind == MessageKind::Text {
                            assert!(
                                core::str::from_utf8(payload).is_ok(),
                                "text that is not UTF-8"
                            );
                        }
                    } else if taken == 0 {
                        break;
                    }
                    self.pending.drain(..taken);
                }
                Err(e) => {
                    self.pending.clear();
                    self.note(Some(e));
                }
            }
            self.note(None);
        }
    }

    fn poll(&mut self) {
        let limits = (self.config.max_message_size, self.closed_event);
        let mut closed_event = self.closed_event;
        for _ in 0..MAX_EVENTS_PER_POLL {
            let Some(e) = self.conn.poll_event() else {
                self.closed_event = closed_event;
                return;
            };
            assert!(!closed_event, "an event after Closed: {e:?}");
            match e {
                Event::MessageReceived { kind, payload } => {
                    assert!(payload.len() <= limits.0);
                    if kind == MessageKind::Text {
                        assert!(
                            core::str::from_utf8(payload).is_ok(),
                            "text that is not UTF-8"
                        );
                    }
                }
                Event::PingReceived(p) | Event::PongReceived(p) => assert!(p.len() <= 125),
                Event::CloseReceived { code, reason } => {
                    assert!(code.is_none_or(close::is_valid), "close code {code:?}");
                    assert!(
                        reason.len() <= close::MAX_REASON_LEN
                            && core::str::from_utf8(reason).is_ok()
                    );
                }
                Event::Closed => closed_event = true,
            }
        }
        panic!("poll_event never returned None");
    }

    /// Writes out up to `n` bytes, into the mirror: an odd `n` a piece at
    /// a time (`poll_transmit`, then an owed payload), an even one gathered
    /// from `output_parts`.
    fn transmit(&mut self, n: usize) {
        let mut left = n;
        while left > 0 {
            let bytes = if n.is_multiple_of(2) {
                let mut gathered = Vec::new();
                let mut payloads = self.owed.iter();
                for part in self.conn.output_parts() {
                    match part {
                        OutputPart::Queued(bytes) => gathered.extend_from_slice(bytes),
                        OutputPart::Owed(k) => {
                            let payload = payloads.next().expect("an Owed part without a payload");
                            gathered.extend_from_slice(&payload[payload.len() - k..]);
                        }
                    }
                }
                if gathered.is_empty() {
                    return;
                }
                gathered.truncate(left);
                self.conn.advance_output(gathered.len());
                self.forget_written();
                gathered
            } else if let Some(out) = self.conn.poll_transmit() {
                let k = out.len().min(left);
                let bytes = out[..k].to_vec();
                self.conn.advance_transmit(k);
                bytes
            } else if self.conn.owed_payload() > 0 {
                // The payload's turn: written from our buffer, after its header.
                let payload = &self.owed[0];
                let at = payload.len() - self.conn.owed_payload();
                let k = (payload.len() - at).min(left);
                let bytes = payload[at..at + k].to_vec();
                self.conn.advance_payload(k);
                self.forget_written();
                bytes
            } else {
                return;
            };
            left -= bytes.len();
            let mut rest = &bytes[..];
            let mut spins = 0;
            while !rest.is_empty() {
                let taken = self
                    .mirror
                    .handle_input(self.now, rest)
                    .unwrap_or_else(|e| panic!("our output is not valid WebSocket: {e}"));
                rest = &rest[taken..];
                while self.mirror.poll_event().is_some() {}
                let _ = self
                    .mirror
                    .poll_transmit()
                    .map(<[u8]>::len)
                    .map(|m| self.mirror.advance_transmit(m));
                spins += 1;
                assert!(spins < 1_000_000, "the mirror stalled");
            }
        }
    }

    /// Drops the payloads the machine no longer owes.
    fn forget_written(&mut self) {
        let done = self.owed.len() - self.conn.owed_payloads();
        self.owed.drain(..done);
    }

    fn check(&mut self) {
        self.note(None);
        if self.conn.is_closed() {
            self.closed = true;
        }
        if self.closed {
            assert!(self.conn.is_closed(), "is_closed() went back to false");
            assert!(
                self.conn.poll_transmit().is_none(),
                "output after is_closed()"
            );
            assert!(
                self.conn.input_buf().is_empty(),
                "input taken after is_closed()"
            );
            assert!(
                self.conn.poll_timeout().is_none(),
                "a timer after is_closed()"
            );
        }
    }
}

fn text_of(arg: usize) -> &'static str {
    let ends: Vec<usize> = (0..=TEXT.len())
        .filter(|&i| TEXT.is_char_boundary(i))
        .collect();
    &TEXT[..ends[arg * 3 % ends.len()]]
}

fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}
