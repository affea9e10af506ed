//! DATA frames (RFC 9113 section 6.1).

use alloc::vec::Vec;

use super::{FrameHeader, flags, require_stream, strip_padding, write_header, write_pad};
use crate::h2::error::Error;
use crate::h2::registry::FrameType;
use crate::h2::stream::StreamId;

/// A DATA frame: body bytes of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataFrame<'a> {
    /// The stream (never 0).
    pub stream: StreamId,
    /// The data, padding removed.
    pub data: &'a [u8],
    /// The sender's last frame on the stream.
    pub end_stream: bool,
    /// The Pad Length when PADDED was set.
    pub padding: Option<u8>,
}

impl<'a> DataFrame<'a> {
    /// Parses a DATA payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.1: DATA on stream 0 is a PROTOCOL_ERROR connection error.
        require_stream(&header)?;
        let (data, padding) = strip_padding(&header, payload)?;
        Ok(DataFrame {
            stream: header.stream,
            data,
            end_stream: header.has(flags::END_STREAM),
            padding,
        })
    }

    /// The bytes that count against flow control: the whole payload, padding
    /// and Pad Length octet included (RFC 9113 section 6.1).
    pub fn flow_controlled_len(&self) -> usize {
        self.data.len() + self.padding.map_or(0, |p| p as usize + 1)
    }
}

/// Appends a DATA frame without padding.
pub fn write_data(out: &mut Vec<u8>, stream: StreamId, data: &[u8], end_stream: bool) {
    let flag = if end_stream { flags::END_STREAM } else { 0 };
    write_header(out, data.len(), FrameType::DATA, flag, stream);
    out.extend_from_slice(data);
}

/// Appends a DATA frame with `pad` bytes of padding.
pub fn write_data_padded(
    out: &mut Vec<u8>,
    stream: StreamId,
    data: &[u8],
    pad: u8,
    end_stream: bool,
) {
    let flag = flags::PADDED | if end_stream { flags::END_STREAM } else { 0 };
    write_header(
        out,
        1 + data.len() + pad as usize,
        FrameType::DATA,
        flag,
        stream,
    );
    out.push(pad);
    out.extend_from_slice(data);
    write_pad(out, pad);
}
