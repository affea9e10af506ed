//! Control frames with fixed layouts: PRIORITY, RST_STREAM, PING, GOAWAY,
//! WINDOW_UPDATE (RFC 9113 sections 6.3, 6.4, 6.7-6.9) and PRIORITY_UPDATE
//! (RFC 9218 section 7.1).

use alloc::vec::Vec;

use super::{
    FrameHeader, PriorityFields, flags, read_stream_id, require_connection, require_stream,
    write_header,
};
use crate::h2::error::{Error, ErrorKind};
use crate::h2::registry::{ErrorCode, FrameType};
use crate::h2::stream::StreamId;

/// A PRIORITY frame (RFC 7540 priorities, deprecated; checked, not used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityFrame {
    /// The stream reprioritized (never 0).
    pub stream: StreamId,
    /// The new dependency and weight.
    pub priority: PriorityFields,
}

impl PriorityFrame {
    /// Parses a PRIORITY payload.
    pub fn parse(header: FrameHeader, payload: &[u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.3: stream 0 is a PROTOCOL_ERROR connection error; a
        // length other than 5 is a FRAME_SIZE_ERROR stream error.
        require_stream(&header)?;
        if payload.len() != 5 {
            return Err(Error::stream_error(header.stream, ErrorKind::BadFrameSize));
        }
        Ok(PriorityFrame {
            stream: header.stream,
            priority: PriorityFields::read(payload),
        })
    }
}

/// Appends a PRIORITY frame.
pub fn write_priority(out: &mut Vec<u8>, stream: StreamId, priority: PriorityFields) {
    write_header(out, 5, FrameType::PRIORITY, 0, stream);
    priority.write(out);
}

/// A RST_STREAM frame: the stream ends now, with a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RstStreamFrame {
    /// The stream (never 0).
    pub stream: StreamId,
    /// Why.
    pub code: ErrorCode,
}

impl RstStreamFrame {
    /// Parses a RST_STREAM payload.
    pub fn parse(header: FrameHeader, payload: &[u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.4: stream 0 is a PROTOCOL_ERROR, a length other than 4
        // a FRAME_SIZE_ERROR (connection errors).
        require_stream(&header)?;
        let code = payload
            .try_into()
            .map(u32::from_be_bytes)
            .map_err(|_| Error::connection(ErrorKind::BadFrameSize))?;
        Ok(RstStreamFrame {
            stream: header.stream,
            code: ErrorCode(code),
        })
    }
}

/// Appends a RST_STREAM frame.
pub fn write_rst_stream(out: &mut Vec<u8>, stream: StreamId, code: ErrorCode) {
    write_header(out, 4, FrameType::RST_STREAM, 0, stream);
    out.extend_from_slice(&code.0.to_be_bytes());
}

/// A PING frame or its acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingFrame {
    /// An acknowledgement of our PING.
    pub ack: bool,
    /// The 8 opaque bytes, echoed in the acknowledgement.
    pub opaque: [u8; 8],
}

impl PingFrame {
    /// Parses a PING payload.
    pub fn parse(header: FrameHeader, payload: &[u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.7: a stream other than 0 is a PROTOCOL_ERROR, a length
        // other than 8 a FRAME_SIZE_ERROR (connection errors).
        require_connection(&header)?;
        let opaque = payload
            .try_into()
            .map_err(|_| Error::connection(ErrorKind::BadFrameSize))?;
        Ok(PingFrame {
            ack: header.has(flags::ACK),
            opaque,
        })
    }
}

/// Appends a PING frame (`ack`: the acknowledgement of the peer's).
pub fn write_ping(out: &mut Vec<u8>, opaque: [u8; 8], ack: bool) {
    let f = if ack { flags::ACK } else { 0 };
    write_header(out, 8, FrameType::PING, f, StreamId::ZERO);
    out.extend_from_slice(&opaque);
}

/// A GOAWAY frame: the sender takes no new streams past `last_stream_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoawayFrame<'a> {
    /// The highest peer-initiated stream the sender processed or may process.
    pub last_stream_id: StreamId,
    /// Why the connection ends.
    pub code: ErrorCode,
    /// Opaque diagnostic bytes.
    pub debug_data: &'a [u8],
}

impl<'a> GoawayFrame<'a> {
    /// Parses a GOAWAY payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.8: a stream other than 0 is a PROTOCOL_ERROR; shorter
        // than its 8 mandatory bytes is a FRAME_SIZE_ERROR (section 4.2).
        require_connection(&header)?;
        if payload.len() < 8 {
            return Err(Error::connection(ErrorKind::BadFrameSize));
        }
        Ok(GoawayFrame {
            last_stream_id: read_stream_id(payload),
            code: ErrorCode(u32::from_be_bytes([
                payload[4], payload[5], payload[6], payload[7],
            ])),
            debug_data: &payload[8..],
        })
    }
}

/// Appends a GOAWAY frame.
pub fn write_goaway(
    out: &mut Vec<u8>,
    last_stream_id: StreamId,
    code: ErrorCode,
    debug_data: &[u8],
) {
    write_header(
        out,
        8 + debug_data.len(),
        FrameType::GOAWAY,
        0,
        StreamId::ZERO,
    );
    out.extend_from_slice(&last_stream_id.value().to_be_bytes());
    out.extend_from_slice(&code.0.to_be_bytes());
    out.extend_from_slice(debug_data);
}

/// A WINDOW_UPDATE frame: flow-control credit for a stream, or the connection (stream 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowUpdateFrame {
    /// The stream, or 0 for the connection window.
    pub stream: StreamId,
    /// The credit added, 1..=2^31-1.
    pub increment: u32,
}

impl WindowUpdateFrame {
    /// Parses a WINDOW_UPDATE payload.
    pub fn parse(header: FrameHeader, payload: &[u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.9: a length other than 4 is a FRAME_SIZE_ERROR
        // connection error.
        let raw: [u8; 4] = payload
            .try_into()
            .map_err(|_| Error::connection(ErrorKind::BadFrameSize))?;
        let increment = u32::from_be_bytes(raw) & 0x7fff_ffff;
        if increment == 0 {
            // Section 6.9: an increment of 0 is a PROTOCOL_ERROR, a stream error on a
            // stream and a connection error on the connection window.
            let e = ErrorKind::ZeroWindowIncrement;
            return Err(if header.stream.is_zero() {
                Error::connection(e)
            } else {
                Error::stream_error(header.stream, e)
            });
        }
        Ok(WindowUpdateFrame {
            stream: header.stream,
            increment,
        })
    }
}

/// Appends a WINDOW_UPDATE frame.
pub fn write_window_update(out: &mut Vec<u8>, stream: StreamId, increment: u32) {
    write_header(out, 4, FrameType::WINDOW_UPDATE, 0, stream);
    out.extend_from_slice(&(increment & 0x7fff_ffff).to_be_bytes());
}

/// A PRIORITY_UPDATE frame (RFC 9218 section 7.1): a new Priority field value for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityUpdateFrame<'a> {
    /// The request stream reprioritized (never 0).
    pub prioritized: StreamId,
    /// The Priority field value (RFC 9218 section 4), unparsed.
    pub field_value: &'a [u8],
}

impl<'a> PriorityUpdateFrame<'a> {
    /// Parses a PRIORITY_UPDATE payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9218 section 7.1: the frame's own stream MUST be 0 and the prioritized
        // stream MUST NOT be (PROTOCOL_ERROR); shorter than 4 bytes is a FRAME_SIZE_ERROR.
        require_connection(&header)?;
        if payload.len() < 4 {
            return Err(Error::connection(ErrorKind::BadFrameSize));
        }
        let prioritized = read_stream_id(payload);
        if prioritized.is_zero() {
            return Err(Error::connection(ErrorKind::StreamIdRequired));
        }
        Ok(PriorityUpdateFrame {
            prioritized,
            field_value: &payload[4..],
        })
    }
}

/// Appends a PRIORITY_UPDATE frame.
pub fn write_priority_update(out: &mut Vec<u8>, prioritized: StreamId, field_value: &[u8]) {
    write_header(
        out,
        4 + field_value.len(),
        FrameType::PRIORITY_UPDATE,
        0,
        StreamId::ZERO,
    );
    out.extend_from_slice(&prioritized.value().to_be_bytes());
    out.extend_from_slice(field_value);
}
