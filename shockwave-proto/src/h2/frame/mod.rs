//! The HTTP/2 frame codec (RFC 9113 sections 4 and 6): pure functions, no state.
//!
//! [`FrameHeader::parse`] reads the 9-byte header, [`parse_frame`] turns a
//! header and its payload into a typed [`Frame`] borrowing the payload, with
//! every size, stream-identifier and padding rule of section 6 checked and
//! reported as an [`Error`] with the RFC's code and scope. Rules that need the
//! connection's state (the frame-size limit we announced, stream states, field
//! block sequencing) are the connection's.
//!
//! Writing: [`Frame::write`] appends any frame to a `Vec<u8>`; the `write_*`
//! functions of the frame families are the same without building a `Frame`.
//!
//! ```
//! use shockwave_proto::h2::frame::{self, Frame, FrameHeader};
//! use shockwave_proto::h2::StreamId;
//!
//! let mut out = Vec::new();
//! frame::write_data(&mut out, StreamId::new(1), b"hello", true);
//! let header = FrameHeader::parse(&out).unwrap();
//! match frame::parse_frame(header, &out[frame::FRAME_HEADER_LEN..]).unwrap() {
//!     Frame::Data(data) => assert_eq!((data.data, data.end_stream), (&b"hello"[..], true)),
//!     other => panic!("{other:?}"),
//! }
//! ```

use alloc::vec::Vec;

use super::error::{Error, ErrorKind};
use super::registry::FrameType;
use super::stream::StreamId;

mod control;
mod data;
mod headers;
mod settings;

pub use control::{
    GoawayFrame, PingFrame, PriorityFrame, PriorityUpdateFrame, RstStreamFrame, WindowUpdateFrame,
    write_goaway, write_ping, write_priority, write_priority_update, write_rst_stream,
    write_window_update,
};
pub use data::{DataFrame, write_data, write_data_padded};
pub use headers::{
    ContinuationFrame, HeadersFrame, PriorityFields, PushPromiseFrame, write_continuation,
    write_headers, write_push_promise,
};
pub use settings::{SettingsFrame, SettingsIter, write_settings, write_settings_ack};

/// Bytes of every frame header.
pub const FRAME_HEADER_LEN: usize = 9;
/// SETTINGS_MAX_FRAME_SIZE until the peer says otherwise, and its lowest value.
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 16_384;
/// The largest SETTINGS_MAX_FRAME_SIZE (2^24-1).
pub const MAX_MAX_FRAME_SIZE: u32 = 16_777_215;
/// The client connection preface (RFC 9113 section 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The frame flags RFC 9113 defines (section 6); their meaning depends on the type.
pub mod flags {
    /// DATA, HEADERS: the sender's last frame on the stream.
    pub const END_STREAM: u8 = 0x1;
    /// SETTINGS, PING: an acknowledgement.
    pub const ACK: u8 = 0x1;
    /// HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends here.
    pub const END_HEADERS: u8 = 0x4;
    /// DATA, HEADERS, PUSH_PROMISE: a Pad Length octet and padding are present.
    pub const PADDED: u8 = 0x8;
    /// HEADERS: the RFC 7540 priority fields are present.
    pub const PRIORITY: u8 = 0x20;
}

/// The 9-byte frame header (RFC 9113 section 4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length (24 bits).
    pub length: u32,
    /// The frame type.
    pub kind: FrameType,
    /// Type-specific flags.
    pub flags: u8,
    /// The stream; the reserved bit is dropped.
    pub stream: StreamId,
}

impl FrameHeader {
    /// Reads the header at the start of `bytes`; `None` when fewer than 9 bytes.
    pub fn parse(bytes: &[u8]) -> Option<FrameHeader> {
        let b: &[u8; FRAME_HEADER_LEN] = bytes.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
        Some(FrameHeader {
            length: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: FrameType(b[3]),
            flags: b[4],
            stream: StreamId::new(u32::from_be_bytes([b[5], b[6], b[7], b[8]])),
        })
    }

    /// Appends the header; `length` must fit in 24 bits (it is masked).
    pub fn write(&self, out: &mut Vec<u8>) {
        let len = self.length.to_be_bytes();
        out.extend_from_slice(&[len[1], len[2], len[3], self.kind.0, self.flags]);
        out.extend_from_slice(&self.stream.value().to_be_bytes());
    }

    /// Whether `flag` is set.
    pub const fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Appends a frame header built from its parts.
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    length: usize,
    kind: FrameType,
    flags: u8,
    stream: StreamId,
) {
    FrameHeader {
        length: length as u32,
        kind,
        flags,
        stream,
    }
    .write(out);
}

/// A parsed frame, borrowing its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// DATA (section 6.1).
    Data(DataFrame<'a>),
    /// HEADERS (section 6.2).
    Headers(HeadersFrame<'a>),
    /// PRIORITY (section 6.3).
    Priority(PriorityFrame),
    /// RST_STREAM (section 6.4).
    RstStream(RstStreamFrame),
    /// SETTINGS (section 6.5).
    Settings(SettingsFrame<'a>),
    /// PUSH_PROMISE (section 6.6).
    PushPromise(PushPromiseFrame<'a>),
    /// PING (section 6.7).
    Ping(PingFrame),
    /// GOAWAY (section 6.8).
    Goaway(GoawayFrame<'a>),
    /// WINDOW_UPDATE (section 6.9).
    WindowUpdate(WindowUpdateFrame),
    /// CONTINUATION (section 6.10).
    Continuation(ContinuationFrame<'a>),
    /// PRIORITY_UPDATE (RFC 9218 section 7.1).
    PriorityUpdate(PriorityUpdateFrame<'a>),
    /// A frame type outside the registry; ignored by the connection (section 5.5).
    Unknown {
        /// Its header.
        header: FrameHeader,
        /// Its payload, uninterpreted.
        payload: &'a [u8],
    },
}

/// Parses the payload of a frame whose header is `header`. `payload` must be
/// exactly `header.length` bytes (the caller cut it out).
pub fn parse_frame(header: FrameHeader, payload: &[u8]) -> Result<Frame<'_>, Error> {
    debug_assert_eq!(payload.len(), header.length as usize);
    Ok(match header.kind {
        FrameType::DATA => Frame::Data(DataFrame::parse(header, payload)?),
        FrameType::HEADERS => Frame::Headers(HeadersFrame::parse(header, payload)?),
        FrameType::PRIORITY => Frame::Priority(PriorityFrame::parse(header, payload)?),
        FrameType::RST_STREAM => Frame::RstStream(RstStreamFrame::parse(header, payload)?),
        FrameType::SETTINGS => Frame::Settings(SettingsFrame::parse(header, payload)?),
        FrameType::PUSH_PROMISE => Frame::PushPromise(PushPromiseFrame::parse(header, payload)?),
        FrameType::PING => Frame::Ping(PingFrame::parse(header, payload)?),
        FrameType::GOAWAY => Frame::Goaway(GoawayFrame::parse(header, payload)?),
        FrameType::WINDOW_UPDATE => Frame::WindowUpdate(WindowUpdateFrame::parse(header, payload)?),
        FrameType::CONTINUATION => Frame::Continuation(ContinuationFrame::parse(header, payload)?),
        FrameType::PRIORITY_UPDATE => {
            Frame::PriorityUpdate(PriorityUpdateFrame::parse(header, payload)?)
        }
        _ => Frame::Unknown { header, payload },
    })
}

impl Frame<'_> {
    /// Appends this frame, header and payload, to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        match *self {
            Frame::Data(f) => match f.padding {
                Some(pad) => write_data_padded(out, f.stream, f.data, pad, f.end_stream),
                None => write_data(out, f.stream, f.data, f.end_stream),
            },
            Frame::Headers(f) => write_headers(
                out,
                f.stream,
                f.fragment,
                f.end_stream,
                f.end_headers,
                f.priority,
                f.padding,
            ),
            Frame::Priority(f) => write_priority(out, f.stream, f.priority),
            Frame::RstStream(f) => write_rst_stream(out, f.stream, f.code),
            Frame::Settings(f) => {
                if f.ack {
                    write_settings_ack(out);
                } else {
                    write_header(out, f.payload.len(), FrameType::SETTINGS, 0, StreamId::ZERO);
                    out.extend_from_slice(f.payload);
                }
            }
            Frame::PushPromise(f) => write_push_promise(
                out,
                f.stream,
                f.promised,
                f.fragment,
                f.end_headers,
                f.padding,
            ),
            Frame::Ping(f) => write_ping(out, f.opaque, f.ack),
            Frame::Goaway(f) => write_goaway(out, f.last_stream_id, f.code, f.debug_data),
            Frame::WindowUpdate(f) => write_window_update(out, f.stream, f.increment),
            Frame::Continuation(f) => write_continuation(out, f.stream, f.fragment, f.end_headers),
            Frame::PriorityUpdate(f) => write_priority_update(out, f.prioritized, f.field_value),
            Frame::Unknown { header, payload } => {
                write_header(out, payload.len(), header.kind, header.flags, header.stream);
                out.extend_from_slice(payload);
            }
        }
    }
}

/// RFC 9113 section 6: frames that belong to a stream MUST NOT use stream 0
/// (connection error of type PROTOCOL_ERROR).
pub(crate) fn require_stream(header: &FrameHeader) -> Result<(), Error> {
    if header.stream.is_zero() {
        return Err(Error::connection(ErrorKind::StreamIdRequired));
    }
    Ok(())
}

/// RFC 9113 section 6: connection frames MUST use stream 0 (PROTOCOL_ERROR).
pub(crate) fn require_connection(header: &FrameHeader) -> Result<(), Error> {
    if !header.stream.is_zero() {
        return Err(Error::connection(ErrorKind::StreamIdNotAllowed));
    }
    Ok(())
}

/// Removes the Pad Length octet and the padding of a PADDED frame, returning
/// what is between them. RFC 9113 sections 6.1, 6.2, 6.6: padding that is not
/// shorter than the rest of the payload is a connection error of type
/// PROTOCOL_ERROR; a payload without room for the Pad Length octet is too small
/// for its mandatory fields (FRAME_SIZE_ERROR, section 4.2).
pub(crate) fn strip_padding<'a>(
    header: &FrameHeader,
    payload: &'a [u8],
) -> Result<(&'a [u8], Option<u8>), Error> {
    if !header.has(flags::PADDED) {
        return Ok((payload, None));
    }
    let (&pad, rest) = payload
        .split_first()
        .ok_or(Error::connection(ErrorKind::BadFrameSize))?;
    if pad as usize > rest.len() {
        return Err(Error::connection(ErrorKind::BadPadding));
    }
    Ok((&rest[..rest.len() - pad as usize], Some(pad)))
}

/// Appends padding: the Pad Length octet goes first, this goes last.
pub(crate) fn write_pad(out: &mut Vec<u8>, pad: u8) {
    out.resize(out.len() + pad as usize, 0);
}

/// Reads a 31-bit stream identifier (the reserved bit dropped).
pub(crate) fn read_stream_id(b: &[u8]) -> StreamId {
    StreamId::new(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests;
