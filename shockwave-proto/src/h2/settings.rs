//! SETTINGS values and their ranges (RFC 9113 section 6.5.2, RFC 8441 section 3,
//! RFC 9218 section 2.1).

use alloc::vec::Vec;

use super::error::{Error, ErrorKind};
use super::frame::{DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE, SettingsFrame};
use super::registry::SettingId;

/// The largest flow-control window (2^31-1).
pub const MAX_WINDOW: u32 = 0x7fff_ffff;
/// The initial window of every stream and of the connection until SETTINGS say
/// otherwise (RFC 9113 section 6.9.2).
pub const DEFAULT_WINDOW: u32 = 65_535;

/// One endpoint's SETTINGS, starting from the RFC's initial values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// HPACK dynamic table size the endpoint's decoder allows (default 4096).
    pub header_table_size: u32,
    /// Whether the endpoint accepts server push (default true; servers never).
    pub enable_push: bool,
    /// Streams the endpoint lets its peer open at once (`None`: unlimited, the default).
    pub max_concurrent_streams: Option<u32>,
    /// The endpoint's initial stream receive window (default 65,535).
    pub initial_window_size: u32,
    /// The largest frame payload the endpoint accepts (default 16,384).
    pub max_frame_size: u32,
    /// Advisory largest field section the endpoint accepts (`None`: unlimited).
    pub max_header_list_size: Option<u32>,
    /// Extended CONNECT allowed (RFC 8441; default false).
    pub enable_connect_protocol: bool,
    /// The endpoint ignores RFC 7540 priorities (RFC 9218; default false).
    pub no_rfc7540_priorities: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            header_table_size: 4096,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_WINDOW,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: None,
            enable_connect_protocol: false,
            no_rfc7540_priorities: false,
        }
    }
}

impl Settings {
    /// Applies one parameter, checking its range. Unknown identifiers are
    /// ignored (RFC 9113 section 6.5.2).
    pub fn apply(&mut self, id: SettingId, value: u32) -> Result<(), Error> {
        let invalid = Error::connection(ErrorKind::InvalidSetting);
        match id {
            SettingId::HEADER_TABLE_SIZE => self.header_table_size = value,
            SettingId::ENABLE_PUSH => {
                // Section 6.5.2: any value but 0 or 1 is a PROTOCOL_ERROR.
                self.enable_push = match value {
                    0 => false,
                    1 => true,
                    _ => return Err(invalid),
                };
            }
            SettingId::MAX_CONCURRENT_STREAMS => self.max_concurrent_streams = Some(value),
            SettingId::INITIAL_WINDOW_SIZE => {
                // Section 6.5.2: above 2^31-1 is a FLOW_CONTROL_ERROR.
                if value > MAX_WINDOW {
                    return Err(Error::connection(ErrorKind::WindowOverflow));
                }
                self.initial_window_size = value;
            }
            SettingId::MAX_FRAME_SIZE => {
                // Section 6.5.2: outside 2^14..=2^24-1 is a PROTOCOL_ERROR.
                if !(DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&value) {
                    return Err(invalid);
                }
                self.max_frame_size = value;
            }
            SettingId::MAX_HEADER_LIST_SIZE => self.max_header_list_size = Some(value),
            SettingId::ENABLE_CONNECT_PROTOCOL => {
                // RFC 8441 section 3: 0 or 1, and never 0 after 1.
                match (value, self.enable_connect_protocol) {
                    (1, _) => self.enable_connect_protocol = true,
                    (0, false) => {}
                    _ => return Err(invalid),
                }
            }
            SettingId::NO_RFC7540_PRIORITIES => {
                // RFC 9218 section 2.1: any value but 0 or 1 is a PROTOCOL_ERROR.
                self.no_rfc7540_priorities = match value {
                    0 => false,
                    1 => true,
                    _ => return Err(invalid),
                };
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies every parameter of a SETTINGS frame in order (RFC 9113 section
    /// 6.5.3: processed in the order they appear). On error, the parameters
    /// before the bad one stay applied; the connection ends anyway.
    pub fn apply_frame(&mut self, frame: &SettingsFrame<'_>) -> Result<(), Error> {
        frame
            .iter()
            .try_for_each(|(id, value)| self.apply(id, value))
    }

    /// Settings from the payload of a SETTINGS frame (for the HTTP2-Settings field).
    pub fn from_payload(payload: &[u8]) -> Result<Settings, Error> {
        if !payload.len().is_multiple_of(6) {
            return Err(Error::connection(ErrorKind::BadFrameSize));
        }
        let mut s = Settings::default();
        s.apply_frame(&SettingsFrame {
            ack: false,
            payload,
        })?;
        Ok(s)
    }

    /// Settings from the value of an `HTTP2-Settings` field (RFC 7540 section
    /// 3.2.1: the SETTINGS payload in base64url, trailing `=` omitted; accepted
    /// here with or without them).
    pub fn from_http2_settings(value: &[u8]) -> Result<Settings, Error> {
        let payload =
            base64url_decode(value).ok_or(Error::connection(ErrorKind::InvalidSetting))?;
        Settings::from_payload(&payload)
    }

    /// The parameters that differ from `base` (what a SETTINGS frame must carry
    /// to move a peer from `base` to these settings), in registry order.
    pub fn diff(&self, base: &Settings) -> impl Iterator<Item = (SettingId, u32)> {
        let mine = self.params();
        let theirs = base.params();
        (0..mine.len()).filter_map(move |i| (mine[i] != theirs[i]).then_some(mine[i]).flatten())
    }

    /// Every parameter as sent on the wire; `None` where the value is "unlimited".
    fn params(&self) -> [Option<(SettingId, u32)>; 8] {
        [
            Some((SettingId::HEADER_TABLE_SIZE, self.header_table_size)),
            Some((SettingId::ENABLE_PUSH, self.enable_push as u32)),
            self.max_concurrent_streams
                .map(|v| (SettingId::MAX_CONCURRENT_STREAMS, v)),
            Some((SettingId::INITIAL_WINDOW_SIZE, self.initial_window_size)),
            Some((SettingId::MAX_FRAME_SIZE, self.max_frame_size)),
            self.max_header_list_size
                .map(|v| (SettingId::MAX_HEADER_LIST_SIZE, v)),
            Some((
                SettingId::ENABLE_CONNECT_PROTOCOL,
                self.enable_connect_protocol as u32,
            )),
            Some((
                SettingId::NO_RFC7540_PRIORITIES,
                self.no_rfc7540_priorities as u32,
            )),
        ]
    }
}

/// Decodes base64url (RFC 4648 section 5), padding optional.
fn base64url_decode(input: &[u8]) -> Option<Vec<u8>> {
    let trimmed = match input.iter().position(|&b| b == b'=') {
        Some(at) if input[at..].iter().all(|&b| b == b'=') && input.len().is_multiple_of(4) => {
            &input[..at]
        }
        Some(_) => return None,
        None => input,
    };
    if trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in trimmed {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h2::ErrorCode;
    use alloc::vec;

    #[test]
    fn ranges_of_section_6_5_2() {
        let mut s = Settings::default();
        let code = |r: Result<(), Error>| r.unwrap_err().code();
        assert_eq!(
            code(s.apply(SettingId::ENABLE_PUSH, 2)),
            ErrorCode::PROTOCOL_ERROR
        );
        assert_eq!(
            code(s.apply(SettingId::INITIAL_WINDOW_SIZE, MAX_WINDOW + 1)),
            ErrorCode::FLOW_CONTROL_ERROR
        );
        assert_eq!(
            code(s.apply(SettingId::MAX_FRAME_SIZE, 16_383)),
            ErrorCode::PROTOCOL_ERROR
        );
        assert_eq!(
            code(s.apply(SettingId::MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE + 1)),
            ErrorCode::PROTOCOL_ERROR
        );
        assert_eq!(
            code(s.apply(SettingId::NO_RFC7540_PRIORITIES, 2)),
            ErrorCode::PROTOCOL_ERROR
        );
        s.apply(SettingId::MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE)
            .unwrap();
        s.apply(SettingId::INITIAL_WINDOW_SIZE, MAX_WINDOW).unwrap();
        s.apply(SettingId(0xabc), 99).unwrap();
        assert_eq!(s.max_frame_size, MAX_MAX_FRAME_SIZE);
        assert_eq!(s.initial_window_size, MAX_WINDOW);
    }

    #[test]
    fn connect_protocol_cannot_be_withdrawn() {
        let mut s = Settings::default();
        s.apply(SettingId::ENABLE_CONNECT_PROTOCOL, 0).unwrap();
        s.apply(SettingId::ENABLE_CONNECT_PROTOCOL, 1).unwrap();
        assert!(s.enable_connect_protocol);
        assert!(s.apply(SettingId::ENABLE_CONNECT_PROTOCOL, 0).is_err());
        assert!(s.apply(SettingId::ENABLE_CONNECT_PROTOCOL, 2).is_err());
    }

    #[test]
    fn http2_settings_field() {
        // SETTINGS_MAX_CONCURRENT_STREAMS = 100, SETTINGS_INITIAL_WINDOW_SIZE = 65535.
        let payload = [0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff];
        let encoded = b"AAMAAABkAAQAAP__";
        let s = Settings::from_http2_settings(encoded).unwrap();
        assert_eq!(s, Settings::from_payload(&payload).unwrap());
        assert_eq!(s.max_concurrent_streams, Some(100));
        assert_eq!(
            Settings::from_http2_settings(b"").unwrap(),
            Settings::default()
        );
        assert!(
            Settings::from_http2_settings(b"AAMAAABkAAQAAP+/").is_err(),
            "not base64url"
        );
        assert!(
            Settings::from_http2_settings(b"AAMA").is_err(),
            "not 6-byte items"
        );
        assert_eq!(base64url_decode(b"YWI=").unwrap(), b"ab");
        assert_eq!(base64url_decode(b"YWI").unwrap(), b"ab");
        assert!(base64url_decode(b"Y").is_none());
    }

    #[test]
    fn diff_carries_only_changes() {
        let s = Settings {
            max_concurrent_streams: Some(100),
            initial_window_size: 1 << 20,
            ..Settings::default()
        };
        let d: Vec<_> = s.diff(&Settings::default()).collect();
        assert_eq!(
            d,
            vec![
                (SettingId::MAX_CONCURRENT_STREAMS, 100),
                (SettingId::INITIAL_WINDOW_SIZE, 1 << 20)
            ]
        );
    }
}
