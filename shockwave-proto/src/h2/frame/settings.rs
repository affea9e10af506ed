//! SETTINGS frames (RFC 9113 section 6.5): the frame layout. The values and
//! their ranges are [`crate::h2::Settings`]'.

use alloc::vec::Vec;

use super::{FrameHeader, flags, require_connection, write_header};
use crate::h2::error::{Error, ErrorKind};
use crate::h2::registry::{FrameType, SettingId};
use crate::h2::stream::StreamId;

/// A SETTINGS frame: parameters, or the acknowledgement of the peer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettingsFrame<'a> {
    /// An acknowledgement (empty payload).
    pub ack: bool,
    /// The parameters, 6 bytes each; see [`SettingsFrame::iter`].
    pub payload: &'a [u8],
}

impl<'a> SettingsFrame<'a> {
    /// Parses a SETTINGS payload.
    pub fn parse(header: FrameHeader, payload: &'a [u8]) -> Result<Self, Error> {
        // RFC 9113 section 6.5: a stream other than 0 is a PROTOCOL_ERROR,
        // an ACK with a payload or a length not a multiple of 6 a FRAME_SIZE_ERROR
        // (connection errors).
        require_connection(&header)?;
        let ack = header.has(flags::ACK);
        if (ack && !payload.is_empty()) || !payload.len().is_multiple_of(6) {
            return Err(Error::connection(ErrorKind::BadFrameSize));
        }
        Ok(SettingsFrame { ack, payload })
    }

    /// The parameters in the order sent, unknown identifiers included.
    pub fn iter(&self) -> SettingsIter<'a> {
        SettingsIter { rest: self.payload }
    }
}

/// The parameters of a SETTINGS frame.
#[derive(Clone, Debug)]
pub struct SettingsIter<'a> {
    rest: &'a [u8],
}

impl Iterator for SettingsIter<'_> {
    type Item = (SettingId, u32);

    fn next(&mut self) -> Option<Self::Item> {
        let (item, rest) = self.rest.split_first_chunk::<6>()?;
        self.rest = rest;
        let id = SettingId(u16::from_be_bytes([item[0], item[1]]));
        Some((id, u32::from_be_bytes([item[2], item[3], item[4], item[5]])))
    }
}

/// Appends a SETTINGS frame with these parameters.
pub fn write_settings(out: &mut Vec<u8>, params: &[(SettingId, u32)]) {
    write_header(
        out,
        params.len() * 6,
        FrameType::SETTINGS,
        0,
        StreamId::ZERO,
    );
    for (id, value) in params {
        out.extend_from_slice(&id.0.to_be_bytes());
        out.extend_from_slice(&value.to_be_bytes());
    }
}

/// Appends a SETTINGS acknowledgement.
pub fn write_settings_ack(out: &mut Vec<u8>) {
    write_header(out, 0, FrameType::SETTINGS, flags::ACK, StreamId::ZERO);
}
