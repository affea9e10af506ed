//! Frames that carry a field block (RFC 9113 sections 6.2, 6.6, 6.10): HEADERS,
//! PUSH_PROMISE and CONTINUATION, with their padding and priority fields.

use alloc::vec::Vec;

use super::{FrameHeader, flags, read_stream_id, require_stream, write_header, write_pad};
use crate::h2::error::{Error, ErrorKind};
use crate::h2::registry::FrameType;
use crate::h2::stream::StreamId;

/// The RFC 7540 priority fields of HEADERS and PRIORITY (deprecated by RFC 9113
/// section 5.3.2: parsed and checked, not used for scheduling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityFields {
    /// The dependency is exclusive.
    pub exclusive: bool,
    /// The stream depended on.
    pub dependency: StreamId,
    /// Weight minus one (0..=255).
    pub weight: u8,
}

impl PriorityFields {
    /// Reads the 5 bytes of the fields.
    pub(crate) fn read(b: &[u8]) -> Self {
        PriorityFields {
            exclusive: b[0] & 0x80 != 0,
            dependency: read_stream_id(b),
            weight: b[4],
        }
    }

    /// Appends the 5 bytes of the fields.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let dep = self.dependency.value() | if self.exclusive { 0x8000_0000 } else { 0 };
        out.extend_from_slice(&dep.to_be_bytes());
        out.push(self.weight);
    }
}

/// A HEADERS frame: the start of a field block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadersFrame<'a> {
    /// The stream (never 0).
    pub stream: StreamId,
    /// The field block fragment, padding and priority fields removed.
    pub fragment: &'a [u8],
    /// The sender's last frame on the stream.
    pub end_stream: bool,
    /// No CONTINUATION follows.
    pub end_headers: bool,
    /// The RFC 7540 priority fields, when the PRIORITY flag was set.
    pub priority: Option<PriorityFields>,
    /// The Pad Length when PADDED was set.
    pub padding: Option<u8>,
}

impl<'a> HeadersFrame<'a> {
    /// Parses a HEADERS payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.2: HEADERS on stream 0 is a PROTOCOL_ERROR connection error.
        require_stream(&header)?;
        let (pad_len, body) = split_pad_length(&header, payload)?;
        let (priority, body) = if header.has(flags::PRIORITY) {
            if body.len() < 5 {
                // Section 4.2: too small for its mandatory fields; a frame carrying a
                // field block makes this a connection error.
                return Err(Error::connection(ErrorKind::BadFrameSize));
            }
            (Some(PriorityFields::read(body)), &body[5..])
        } else {
            (None, body)
        };
        let pad = pad_len.unwrap_or(0) as usize;
        // Section 6.2: padding that exceeds the room left for the fragment is a
        // connection error of type PROTOCOL_ERROR.
        if pad > body.len() {
            return Err(Error::connection(ErrorKind::BadPadding));
        }
        Ok(HeadersFrame {
            stream: header.stream,
            fragment: &body[..body.len() - pad],
            end_stream: header.has(flags::END_STREAM),
            end_headers: header.has(flags::END_HEADERS),
            priority,
            padding: pad_len,
        })
    }
}

/// Splits the Pad Length octet off a PADDED payload (section 4.2: a payload
/// without room for it is a FRAME_SIZE_ERROR).
fn split_pad_length<'a>(
    header: &FrameHeader,
    payload: &'a [u8],
) -> Result<(Option<u8>, &'a [u8]), Error> {
    if !header.has(flags::PADDED) {
        return Ok((None, payload));
    }
    let (&pad, rest) = payload
        .split_first()
        .ok_or(Error::connection(ErrorKind::BadFrameSize))?;
    Ok((Some(pad), rest))
}

/// Appends a HEADERS frame.
pub fn write_headers(
    out: &mut Vec<u8>,
    stream: StreamId,
    fragment: &[u8],
    end_stream: bool,
    end_headers: bool,
    priority: Option<PriorityFields>,
    padding: Option<u8>,
) {
    let mut f = 0;
    let mut len = fragment.len();
    if end_stream {
        f |= flags::END_STREAM;
    }
    if end_headers {
        f |= flags::END_HEADERS;
    }
    if priority.is_some() {
        f |= flags::PRIORITY;
        len += 5;
    }
    if let Some(pad) = padding {
        f |= flags::PADDED;
        len += 1 + pad as usize;
    }
    write_header(out, len, FrameType::HEADERS, f, stream);
    if let Some(pad) = padding {
        out.push(pad);
    }
    if let Some(p) = priority {
        p.write(out);
    }
    out.extend_from_slice(fragment);
    if let Some(pad) = padding {
        write_pad(out, pad);
    }
}

/// A CONTINUATION frame: more of a field block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContinuationFrame<'a> {
    /// The stream (never 0).
    pub stream: StreamId,
    /// The field block fragment.
    pub fragment: &'a [u8],
    /// The field block ends here.
    pub end_headers: bool,
}

impl<'a> ContinuationFrame<'a> {
    /// Parses a CONTINUATION payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.10: stream 0 is a PROTOCOL_ERROR connection error.
        require_stream(&header)?;
        Ok(ContinuationFrame {
            stream: header.stream,
            fragment: payload,
            end_headers: header.has(flags::END_HEADERS),
        })
    }
}

/// Appends a CONTINUATION frame.
pub fn write_continuation(out: &mut Vec<u8>, stream: StreamId, fragment: &[u8], end_headers: bool) {
    let f = if end_headers { flags::END_HEADERS } else { 0 };
    write_header(out, fragment.len(), FrameType::CONTINUATION, f, stream);
    out.extend_from_slice(fragment);
}

/// A PUSH_PROMISE frame: the server reserves `promised` for a response to the
/// request in the field block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushPromiseFrame<'a> {
    /// The associated stream the promise is sent on (never 0).
    pub stream: StreamId,
    /// The reserved stream.
    pub promised: StreamId,
    /// The field block fragment (the promised request's head).
    pub fragment: &'a [u8],
    /// No CONTINUATION follows.
    pub end_headers: bool,
    /// The Pad Length when PADDED was set.
    pub padding: Option<u8>,
}

impl<'a> PushPromiseFrame<'a> {
    /// Parses a PUSH_PROMISE payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.6: stream 0 is a PROTOCOL_ERROR connection error.
        require_stream(&header)?;
        let (padding, body) = split_pad_length(&header, payload)?;
        if body.len() < 4 {
            // Section 4.2: too small for the Promised Stream ID.
            return Err(Error::connection(ErrorKind::BadFrameSize));
        }
        let pad = padding.unwrap_or(0) as usize;
        if pad > body.len() - 4 {
            // Section 6.6: padding beyond the room left is a PROTOCOL_ERROR.
            return Err(Error::connection(ErrorKind::BadPadding));
        }
        let body = &body[..body.len() - pad];
        let promised = read_stream_id(body);
        if promised.is_zero() {
            // Section 6.6: the promised identifier must be a valid new stream.
            return Err(Error::connection(ErrorKind::InvalidStreamId));
        }
        Ok(PushPromiseFrame {
            stream: header.stream,
            promised,
            fragment: &body[4..],
            end_headers: header.has(flags::END_HEADERS),
            padding,
        })
    }
}

/// Appends a PUSH_PROMISE frame.
pub fn write_push_promise(
    out: &mut Vec<u8>,
    stream: StreamId,
    promised: StreamId,
    fragment: &[u8],
    end_headers: bool,
    padding: Option<u8>,
) {
    let mut f = if end_headers { flags::END_HEADERS } else { 0 };
    let mut len = 4 + fragment.len();
    if let Some(pad) = padding {
        f |= flags::PADDED;
        len += 1 + pad as usize;
    }
    write_header(out, len, FrameType::PUSH_PROMISE, f, stream);
    if let Some(pad) = padding {
        out.push(pad);
    }
    out.extend_from_slice(&promised.value().to_be_bytes());
    out.extend_from_slice(fragment);
    if let Some(pad) = padding {
        write_pad(out, pad);
    }
}
