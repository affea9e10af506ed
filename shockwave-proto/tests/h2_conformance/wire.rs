//! The wire as the conformance tests write and read it, by hand: frame type,
//! flag and setting numbers written out (so the tests do not lean on the code
//! under test), frame writers that can write malformed frames, HPACK literals,
//! and [`RawFrame`], the harness's own cut of what the server transmits.
#![allow(dead_code)]

use std::collections::VecDeque;

use shockwave_proto::h2::ErrorCode;

/// Frame type numbers (RFC 9113 section 11.2), written out here so that the
/// harness does not lean on the code under test.
pub mod ty {
    /// DATA.
    pub const DATA: u8 = 0x0;
    /// HEADERS.
    pub const HEADERS: u8 = 0x1;
    /// PRIORITY.
    pub const PRIORITY: u8 = 0x2;
    /// RST_STREAM.
    pub const RST_STREAM: u8 = 0x3;
    /// SETTINGS.
    pub const SETTINGS: u8 = 0x4;
    /// PUSH_PROMISE.
    pub const PUSH_PROMISE: u8 = 0x5;
    /// PING.
    pub const PING: u8 = 0x6;
    /// GOAWAY.
    pub const GOAWAY: u8 = 0x7;
    /// WINDOW_UPDATE.
    pub const WINDOW_UPDATE: u8 = 0x8;
    /// CONTINUATION.
    pub const CONTINUATION: u8 = 0x9;
}

/// Frame flags (RFC 9113 section 6).
pub mod fl {
    /// END_STREAM (DATA, HEADERS).
    pub const END_STREAM: u8 = 0x1;
    /// ACK (SETTINGS, PING).
    pub const ACK: u8 = 0x1;
    /// END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION).
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED (DATA, HEADERS, PUSH_PROMISE).
    pub const PADDED: u8 = 0x8;
    /// PRIORITY (HEADERS).
    pub const PRIORITY: u8 = 0x20;
}

/// Setting identifiers (RFC 9113 section 6.5.2).
pub mod set {
    /// SETTINGS_HEADER_TABLE_SIZE.
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    /// SETTINGS_ENABLE_PUSH.
    pub const ENABLE_PUSH: u16 = 0x2;
    /// SETTINGS_MAX_CONCURRENT_STREAMS.
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    /// SETTINGS_MAX_FRAME_SIZE.
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    /// SETTINGS_MAX_HEADER_LIST_SIZE.
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

/// The client connection preface (RFC 9113 section 3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// ---------------------------------------------------------------------------
// Writing frames by hand
// ---------------------------------------------------------------------------

/// A frame with any header fields: `length` is the payload's, `stream` is
/// written as is (the reserved bit included).
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    assert!(len < 1 << 24, "payload too long for a frame");
    let mut out = Vec::with_capacity(9 + payload.len());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// HEADERS with END_HEADERS, and END_STREAM when `end_stream`.
pub fn headers(stream: u32, block: &[u8], end_stream: bool) -> Vec<u8> {
    let f = fl::END_HEADERS | if end_stream { fl::END_STREAM } else { 0 };
    frame(ty::HEADERS, f, stream, block)
}

/// DATA, with END_STREAM when `end_stream`.
pub fn data(stream: u32, bytes: &[u8], end_stream: bool) -> Vec<u8> {
    frame(
        ty::DATA,
        if end_stream { fl::END_STREAM } else { 0 },
        stream,
        bytes,
    )
}

/// CONTINUATION, with END_HEADERS when `end_headers`.
pub fn continuation(stream: u32, block: &[u8], end_headers: bool) -> Vec<u8> {
    let f = if end_headers { fl::END_HEADERS } else { 0 };
    frame(ty::CONTINUATION, f, stream, block)
}

/// SETTINGS with these parameters.
pub fn settings(params: &[(u16, u32)]) -> Vec<u8> {
    let mut payload = Vec::new();
    for (id, value) in params {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    frame(ty::SETTINGS, 0, 0, &payload)
}

/// The SETTINGS acknowledgement.
pub fn settings_ack() -> Vec<u8> {
    frame(ty::SETTINGS, fl::ACK, 0, &[])
}

/// PING (not an acknowledgement).
pub fn ping(opaque: [u8; 8]) -> Vec<u8> {
    frame(ty::PING, 0, 0, &opaque)
}

/// WINDOW_UPDATE with a raw 32-bit increment field.
pub fn window_update(stream: u32, increment: u32) -> Vec<u8> {
    frame(ty::WINDOW_UPDATE, 0, stream, &increment.to_be_bytes())
}

/// RST_STREAM with `code`.
pub fn rst_stream(stream: u32, code: ErrorCode) -> Vec<u8> {
    frame(ty::RST_STREAM, 0, stream, &code.0.to_be_bytes())
}

/// PRIORITY: `stream` depends on `dependency` with `weight` (minus one).
pub fn priority(stream: u32, dependency: u32, exclusive: bool, weight: u8) -> Vec<u8> {
    frame(
        ty::PRIORITY,
        0,
        stream,
        &priority_fields(dependency, exclusive, weight),
    )
}

/// The 5 bytes of RFC 7540 priority fields.
pub fn priority_fields(dependency: u32, exclusive: bool, weight: u8) -> [u8; 5] {
    let dep = dependency | if exclusive { 0x8000_0000 } else { 0 };
    let d = dep.to_be_bytes();
    [d[0], d[1], d[2], d[3], weight]
}

/// GOAWAY with `last_stream_id` and `code`.
pub fn goaway(last_stream_id: u32, code: ErrorCode) -> Vec<u8> {
    let mut payload = last_stream_id.to_be_bytes().to_vec();
    payload.extend_from_slice(&code.0.to_be_bytes());
    frame(ty::GOAWAY, 0, 0, &payload)
}

// ---------------------------------------------------------------------------
// Field blocks by hand (RFC 7541)
// ---------------------------------------------------------------------------

/// Appends an HPACK integer with an `n`-bit prefix; `first` holds the pattern bits.
pub fn hpack_int(out: &mut Vec<u8>, first: u8, n: u32, mut value: u64) {
    let max = (1u64 << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

/// Appends a string literal without Huffman coding.
pub fn hpack_string(out: &mut Vec<u8>, s: &[u8]) {
    hpack_int(out, 0x00, 7, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends a literal field without indexing with a literal name (RFC 7541
/// section 6.2.2): any name or value, no effect on the dynamic table.
pub fn hpack_literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0x00);
    hpack_string(out, name);
    hpack_string(out, value);
}

/// A field block of literals without indexing, in order.
pub fn literal_block(fields: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        hpack_literal(&mut out, name, value);
    }
    out
}

/// A literal block of a valid GET for `/` followed by `extra` fields.
pub fn get_block_with(extra: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut fields: Vec<(&[u8], &[u8])> = vec![
        (b":method", b"GET"),
        (b":scheme", b"http"),
        (b":path", b"/"),
        (b":authority", b"example.com"),
    ];
    fields.extend_from_slice(extra);
    literal_block(&fields)
}

// ---------------------------------------------------------------------------
// What the server sends
// ---------------------------------------------------------------------------

/// A frame the server transmitted, cut out by the harness's own parser.
#[derive(Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// Frame type.
    pub kind: u8,
    /// Flags.
    pub flags: u8,
    /// Stream identifier, the reserved bit included (it must be 0 on send).
    pub stream: u32,
    /// Payload.
    pub payload: Vec<u8>,
}

impl RawFrame {
    /// Whether `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The error code of a RST_STREAM or GOAWAY.
    pub fn error_code(&self) -> ErrorCode {
        let at = match self.kind {
            ty::RST_STREAM => 0,
            ty::GOAWAY => 4,
            k => panic!("frame type {k} has no error code"),
        };
        let b = &self.payload[at..at + 4];
        ErrorCode(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The last stream identifier of a GOAWAY.
    pub fn last_stream_id(&self) -> u32 {
        assert_eq!(self.kind, ty::GOAWAY);
        u32::from_be_bytes(self.payload[..4].try_into().unwrap()) & 0x7fff_ffff
    }

    /// The SETTINGS parameters of a SETTINGS frame.
    pub fn settings(&self) -> Vec<(u16, u32)> {
        assert_eq!(self.kind, ty::SETTINGS);
        assert_eq!(self.payload.len() % 6, 0, "SETTINGS length");
        self.payload
            .chunks(6)
            .map(|c| {
                (
                    u16::from_be_bytes([c[0], c[1]]),
                    u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                )
            })
            .collect()
    }
}

impl std::fmt::Debug for RawFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.kind {
            ty::DATA => "DATA",
            ty::HEADERS => "HEADERS",
            ty::PRIORITY => "PRIORITY",
            ty::RST_STREAM => "RST_STREAM",
            ty::SETTINGS => "SETTINGS",
            ty::PUSH_PROMISE => "PUSH_PROMISE",
            ty::PING => "PING",
            ty::GOAWAY => "GOAWAY",
            ty::WINDOW_UPDATE => "WINDOW_UPDATE",
            ty::CONTINUATION => "CONTINUATION",
            _ => "?",
        };
        write!(
            f,
            "{name}(type {:#x}, flags {:#x}, stream {}, {} bytes",
            self.kind,
            self.flags,
            self.stream,
            self.payload.len()
        )?;
        if matches!(self.kind, ty::RST_STREAM | ty::GOAWAY) && self.payload.len() >= 4 {
            write!(f, ", {}", self.error_code())?;
        }
        write!(f, ")")
    }
}

/// Cuts the complete frames off the front of `bytes`.
pub fn cut_frames(bytes: &mut Vec<u8>, out: &mut VecDeque<RawFrame>) {
    let mut at = 0;
    while bytes.len() - at >= 9 {
        let h = &bytes[at..at + 9];
        let len = u32::from_be_bytes([0, h[0], h[1], h[2]]) as usize;
        if bytes.len() - at < 9 + len {
            break;
        }
        out.push_back(RawFrame {
            kind: h[3],
            flags: h[4],
            stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]),
            payload: bytes[at + 9..at + 9 + len].to_vec(),
        });
        at += 9 + len;
    }
    bytes.drain(..at);
}

/// The field block fragment of a HEADERS frame (padding and priority removed).
pub fn header_fragment(f: &RawFrame) -> Vec<u8> {
    let mut p: &[u8] = &f.payload;
    let mut pad = 0;
    if f.has(fl::PADDED) {
        pad = p[0] as usize;
        p = &p[1..];
    }
    if f.has(fl::PRIORITY) {
        p = &p[5..];
    }
    p[..p.len() - pad].to_vec()
}
