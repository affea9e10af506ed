//! The frame codec (RFC 6455 section 5.2): headers decoded and encoded; the
//! payload stays where it is (unmasked in place by the connection).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```
//!
//! [`decode_header`] checks every rule a header alone can break, each as soon
//! as the bytes that break it have arrived (a reserved opcode fails on the
//! first byte, not after the length): reserved opcodes and bits, the mask
//! required of one role and forbidden to the other, the shortest length
//! form, control frames short and unfragmented, and the configured frame
//! size. Encoding always uses the shortest form, so a header decodes and
//! re-encodes to the same bytes.

use super::{Error, ErrorKind};

/// The longest header: 2 bytes, a 64-bit length and a masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// The longest control frame payload (RFC 6455 section 5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// Frame opcodes (RFC 6455 section 5.2 and the registry of section 11.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: a later frame of a fragmented message.
    Continuation,
    /// 0x1: the first frame of a text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: the closing handshake.
    Close,
    /// 0x9: a ping.
    Ping,
    /// 0xA: a pong.
    Pong,
}

impl OpCode {
    /// The opcode of the low four bits of `b`; `None` for the reserved ones.
    pub const fn from_bits(b: u8) -> Option<OpCode> {
        Some(match b & 0x0F {
            0x0 => OpCode::Continuation,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xA => OpCode::Pong,
            _ => return None,
        })
    }

    /// The opcode's four bits.
    pub const fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    /// Close, Ping and Pong (RFC 6455 section 5.5).
    pub const fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }
}

/// A decoded frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// The last frame of its message.
    pub fin: bool,
    /// RSV1: "per-message compressed" with permessage-deflate (RFC 7692 section 6).
    pub rsv1: bool,
    /// What the frame is.
    pub opcode: OpCode,
    /// The masking key, present on (and only on) client frames.
    pub mask: Option<[u8; 4]>,
    /// Payload bytes after the header.
    pub payload_len: u64,
}

impl FrameHeader {
    /// How many bytes this header takes on the wire.
    pub const fn encoded_len(&self) -> usize {
        let len = match self.payload_len {
            0..=125 => 2,
            126..=0xFFFF => 4,
            _ => 10,
        };
        if self.mask.is_some() { len + 4 } else { len }
    }
}

/// What a header may be, from the role and the negotiated extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeRules {
    /// The frames come from a client: they must be masked (RFC 6455 section
    /// 5.1). Otherwise they come from a server and must not be.
    pub expect_masked: bool,
    /// permessage-deflate was negotiated: RSV1 may be set on a message's first frame.
    pub rsv1_allowed: bool,
    /// Most payload bytes of a frame (more: [`ErrorKind::FrameTooLarge`]).
    pub max_payload: u64,
}

/// Decodes the frame header at the start of `buf`: `Ok(None)` while it is
/// incomplete (no rule broken yet), else the header and its length.
#[inline]
pub fn decode_header(
    buf: &[u8],
    rules: &DecodeRules,
) -> Result<Option<(FrameHeader, usize)>, Error> {
    let Some(&b0) = buf.first() else {
        return Ok(None);
    };
    let fin = b0 & 0x80 != 0;
    let rsv1 = b0 & 0x40 != 0;
    // RFC 6455 section 5.2: RSV bits MUST be 0 unless an extension defines them.
    if b0 & 0x30 != 0 {
        return Err(ErrorKind::ReservedBits.into());
    }
    // RFC 6455 section 5.2: a reserved opcode MUST fail the connection.
    let opcode = OpCode::from_bits(b0).ok_or(ErrorKind::ReservedOpcode)?;
    // RFC 7692 section 6: RSV1 only on the first frame of a data message.
    if rsv1 && (!rules.rsv1_allowed || opcode.is_control() || opcode == OpCode::Continuation) {
        return Err(ErrorKind::ReservedBits.into());
    }
    // RFC 6455 section 5.5: control frames MUST NOT be fragmented.
    if opcode.is_control() && !fin {
        return Err(ErrorKind::FragmentedControlFrame.into());
    }
    let Some(&b1) = buf.get(1) else {
        return Ok(None);
    };
    let masked = b1 & 0x80 != 0;
    // RFC 6455 section 5.1: a server MUST close on an unmasked client frame;
    // a client MUST close on a masked server frame.
    if masked != rules.expect_masked {
        return Err(if rules.expect_masked {
            ErrorKind::UnmaskedFrame
        } else {
            ErrorKind::MaskedFrame
        }
        .into());
    }
    let len7 = b1 & 0x7F;
    // RFC 6455 section 5.5: control frame payloads are at most 125 bytes.
    if opcode.is_control() && len7 > 125 {
        return Err(ErrorKind::ControlFrameTooLong.into());
    }
    let (payload_len, at) = match len7 {
        126 => {
            let Some(b) = buf.get(2..4) else {
                return Ok(None);
            };
            let n = u16::from_be_bytes([b[0], b[1]]);
            // RFC 6455 section 5.2: the minimal number of bytes MUST be used.
            if n < 126 {
                return Err(ErrorKind::InvalidLength.into());
            }
            (u64::from(n), 4)
        }
        127 => {
            // The most significant bit MUST be 0, and the form minimal: both show
            // on the first length byte or on the whole length.
            if buf.get(2).is_some_and(|&b| b & 0x80 != 0) {
                return Err(ErrorKind::InvalidLength.into());
            }
            let Some(b) = buf.get(2..10) else {
                return Ok(None);
            };
            let mut w = [0u8; 8];
            w.copy_from_slice(b);
            let n = u64::from_be_bytes(w);
            if n <= 0xFFFF {
                return Err(ErrorKind::InvalidLength.into());
            }
            (n, 10)
        }
        n => (u64::from(n), 2),
    };
    if payload_len > rules.max_payload {
        return Err(ErrorKind::FrameTooLarge.into());
    }
    let mask = if masked {
        let Some(k) = buf.get(at..at + 4) else {
            return Ok(None);
        };
        Some([k[0], k[1], k[2], k[3]])
    } else {
        None
    };
    let header = FrameHeader {
        fin,
        rsv1,
        opcode,
        mask,
        payload_len,
    };
    Ok(Some((header, at + if masked { 4 } else { 0 })))
}

/// Writes `header` in its shortest form into `out`; returns the bytes written.
pub fn encode_header(header: &FrameHeader, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
    out[0] = (u8::from(header.fin) << 7) | (u8::from(header.rsv1) << 6) | header.opcode.bits();
    let mask_bit = if header.mask.is_some() { 0x80 } else { 0 };
    let len = header.payload_len;
    let mut at = match len {
        0..=125 => {
            out[1] = mask_bit | len as u8;
            2
        }
        126..=0xFFFF => {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        }
        _ => {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&len.to_be_bytes());
            10
        }
    };
    if let Some(k) = header.mask {
        out[at..at + 4].copy_from_slice(&k);
        at += 4;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    const CLIENT_FRAMES: DecodeRules = DecodeRules {
        expect_masked: true,
        rsv1_allowed: false,
        max_payload: 1 << 40,
    };
    const SERVER_FRAMES: DecodeRules = DecodeRules {
        expect_masked: false,
        rsv1_allowed: false,
        max_payload: 1 << 40,
    };

    fn header(buf: &[u8], rules: &DecodeRules) -> (FrameHeader, usize) {
        decode_header(buf, rules).unwrap().unwrap()
    }

    fn kind(buf: &[u8], rules: &DecodeRules) -> ErrorKind {
        decode_header(buf, rules).unwrap_err().kind()
    }

    #[test]
    fn section_5_7_examples() {
        // A single-frame unmasked text message.
        let (h, n) = header(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f], &SERVER_FRAMES);
        assert_eq!(
            (h.fin, h.opcode, h.mask, h.payload_len, n),
            (true, OpCode::Text, None, 5, 2)
        );
        // A single-frame masked text message.
        let (h, n) = header(
            &[
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
            ],
            &CLIENT_FRAMES,
        );
        assert_eq!(
            (h.mask, h.payload_len, n),
            (Some([0x37, 0xfa, 0x21, 0x3d]), 5, 6)
        );
        // A fragmented unmasked text message.
        let (h, _) = header(&[0x01, 0x03, 0x48, 0x65, 0x6c], &SERVER_FRAMES);
        assert_eq!((h.fin, h.opcode, h.payload_len), (false, OpCode::Text, 3));
        let (h, _) = header(&[0x80, 0x02, 0x6c, 0x6f], &SERVER_FRAMES);
        assert_eq!(
            (h.fin, h.opcode, h.payload_len),
            (true, OpCode::Continuation, 2)
        );
        // Unmasked ping, masked pong.
        let (h, _) = header(&[0x89, 0x05], &SERVER_FRAMES);
        assert_eq!(h.opcode, OpCode::Ping);
        let (h, _) = header(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d], &CLIENT_FRAMES);
        assert_eq!(h.opcode, OpCode::Pong);
        // 256 bytes and 64 KiB binary messages.
        let (h, n) = header(&[0x82, 0x7E, 0x01, 0x00], &SERVER_FRAMES);
        assert_eq!((h.opcode, h.payload_len, n), (OpCode::Binary, 256, 4));
        let (h, n) = header(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0], &SERVER_FRAMES);
        assert_eq!((h.payload_len, n), (65536, 10));
    }

    #[test]
    fn encoding_is_the_shortest_form() {
        let enc = |h: FrameHeader| {
            let mut out = [0u8; MAX_HEADER_LEN];
            let n = encode_header(&h, &mut out);
            out[..n].to_vec()
        };
        let h = |len, mask| FrameHeader {
            fin: true,
            rsv1: false,
            opcode: OpCode::Binary,
            mask,
            payload_len: len,
        };
        assert_eq!(enc(h(125, None)), [0x82, 125]);
        assert_eq!(enc(h(126, None)), [0x82, 126, 0, 126]);
        assert_eq!(enc(h(65535, None)), [0x82, 126, 0xff, 0xff]);
        assert_eq!(
            enc(h(65536, Some([1, 2, 3, 4]))),
            [0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4]
        );
        assert_eq!(h(65536, Some([0; 4])).encoded_len(), 14);
    }

    #[test]
    fn rules_fail_on_the_first_byte_that_breaks_them() {
        // Reserved opcodes and bits: the first byte is enough.
        for op in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assert_eq!(
                kind(&[0x80 | op], &CLIENT_FRAMES),
                ErrorKind::ReservedOpcode
            );
        }
        assert_eq!(kind(&[0xA1], &CLIENT_FRAMES), ErrorKind::ReservedBits);
        assert_eq!(kind(&[0x91], &CLIENT_FRAMES), ErrorKind::ReservedBits);
        assert_eq!(kind(&[0xC1], &CLIENT_FRAMES), ErrorKind::ReservedBits);
        let deflate = DecodeRules {
            rsv1_allowed: true,
            ..CLIENT_FRAMES
        };
        assert!(decode_header(&[0xC1], &deflate).unwrap().is_none());
        assert_eq!(kind(&[0xC0], &deflate), ErrorKind::ReservedBits);
        assert_eq!(kind(&[0xC9], &deflate), ErrorKind::ReservedBits);
        assert_eq!(
            kind(&[0x09], &CLIENT_FRAMES),
            ErrorKind::FragmentedControlFrame
        );
        // The second byte: mask and control length.
        assert_eq!(
            kind(&[0x81, 0x05], &CLIENT_FRAMES),
            ErrorKind::UnmaskedFrame
        );
        assert_eq!(kind(&[0x81, 0x85], &SERVER_FRAMES), ErrorKind::MaskedFrame);
        assert_eq!(
            kind(&[0x89, 0xFE], &CLIENT_FRAMES),
            ErrorKind::ControlFrameTooLong
        );
        // Extended lengths: shortest form, top bit clear.
        assert_eq!(
            kind(&[0x82, 0x7E, 0, 125], &SERVER_FRAMES),
            ErrorKind::InvalidLength
        );
        assert_eq!(
            kind(&[0x82, 0x7F, 0x80], &SERVER_FRAMES),
            ErrorKind::InvalidLength
        );
        assert_eq!(
            kind(&[0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xff, 0xff], &SERVER_FRAMES),
            ErrorKind::InvalidLength
        );
        let small = DecodeRules {
            max_payload: 1000,
            ..SERVER_FRAMES
        };
        assert_eq!(
            kind(&[0x82, 0x7E, 0x03, 0xE9], &small),
            ErrorKind::FrameTooLarge
        );
        assert!(
            decode_header(&[0x82, 0x7E, 0x03, 0xE8], &small)
                .unwrap()
                .is_some()
        );
    }

    fn any_header() -> impl Strategy<Value = FrameHeader> {
        (
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(alloc::vec![
                OpCode::Continuation,
                OpCode::Text,
                OpCode::Binary,
                OpCode::Close,
                OpCode::Ping,
                OpCode::Pong
            ]),
            any::<Option<[u8; 4]>>(),
            prop_oneof![0u64..=125, 126u64..=65535, 65536u64..(1 << 63)],
        )
            .prop_map(|(fin, rsv1, opcode, mask, len)| {
                let control = opcode.is_control();
                FrameHeader {
                    fin: fin || control,
                    rsv1: rsv1 && !control && opcode != OpCode::Continuation,
                    opcode,
                    mask,
                    payload_len: if control { len % 126 } else { len },
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 1000 }))]
        #[test]
        fn encode_then_decode_is_the_identity(h in any_header(), tail in prop::collection::vec(any::<u8>(), 0..4)) {
            let rules = DecodeRules { expect_masked: h.mask.is_some(), rsv1_allowed: true, max_payload: u64::MAX };
            let mut out = [0u8; MAX_HEADER_LEN];
            let n = encode_header(&h, &mut out);
            prop_assert_eq!(n, h.encoded_len());
            let mut bytes: Vec<u8> = out[..n].to_vec();
            // Every strict prefix is incomplete, and what follows is not read.
            for k in 0..n {
                prop_assert_eq!(decode_header(&bytes[..k], &rules), Ok(None));
            }
            bytes.extend_from_slice(&tail);
            prop_assert_eq!(decode_header(&bytes, &rules), Ok(Some((h, n))));
        }

        #[test]
        fn decoded_headers_re_encode_to_their_bytes(bytes in prop::collection::vec(any::<u8>(), 0..16), masked: bool) {
            let rules = DecodeRules { expect_masked: masked, rsv1_allowed: true, max_payload: u64::MAX };
            if let Ok(Some((h, n))) = decode_header(&bytes, &rules) {
                let mut out = [0u8; MAX_HEADER_LEN];
                prop_assert_eq!(encode_header(&h, &mut out), n);
                prop_assert_eq!(&out[..n], &bytes[..n]);
            }
        }
    }
}
