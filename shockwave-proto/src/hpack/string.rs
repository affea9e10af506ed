//! The string literal representation of RFC 7541 §5.2: a Huffman flag, a
//! length with a 7-bit prefix, then the octets, raw or Huffman coded.

use alloc::vec::Vec;

use super::header_list::Arena;
use super::{DecodeError, integer};
use crate::huffman;

/// When the encoder Huffman-codes a string literal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HuffmanPolicy {
    /// When the Huffman form is strictly shorter than the raw octets.
    #[default]
    WhenShorter,
    /// Never: every string goes raw.
    Never,
    /// Always, even when longer (to reproduce other encoders' output).
    Always,
}

/// Decodes the string literal at `block[*pos]`, appends its octets to `out`
/// and advances `*pos` past it.
///
/// # Errors
///
/// [`DecodeError::Truncated`], [`DecodeError::IntegerOverflow`] for the
/// length, [`DecodeError::StringTooLong`] past `max_len` octets (raw or
/// decoded), [`DecodeError::Huffman`] for a malformed Huffman string.
#[inline]
pub(crate) fn decode(
    block: &[u8],
    pos: &mut usize,
    out: &mut Arena,
    max_len: usize,
) -> Result<(), DecodeError> {
    let huffman = block.get(*pos).is_some_and(|&b| b & 0x80 != 0);
    let len = integer::decode(block, pos, 7)?;
    if len > max_len {
        return Err(DecodeError::StringTooLong);
    }
    let raw = block
        .get(*pos..)
        .and_then(|rest| rest.get(..len))
        .ok_or(DecodeError::Truncated)?;
    *pos += len;
    if huffman {
        let start = out.len();
        if out.push_huffman(raw)? > max_len {
            out.truncate(start);
            return Err(DecodeError::StringTooLong);
        }
    } else {
        out.push_slice(raw);
    }
    Ok(())
}

/// Appends `s` as a string literal, Huffman coded as `policy` says.
#[inline]
pub(crate) fn encode(out: &mut Vec<u8>, s: &[u8], policy: HuffmanPolicy) {
    let coded_len = match policy {
        HuffmanPolicy::Never => None,
        HuffmanPolicy::Always => Some(huffman::encoded_len(s)),
        HuffmanPolicy::WhenShorter => Some(huffman::encoded_len(s)).filter(|&n| n < s.len()),
    };
    match coded_len {
        Some(n) => {
            integer::encode(out, 0x80, 7, n);
            huffman::encode(s, out);
        }
        None => {
            integer::encode(out, 0, 7, s.len());
            out.extend_from_slice(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::{Arena, HuffmanPolicy, decode, encode};
    use crate::hpack::DecodeError;
    use crate::huffman::HuffmanError;

    fn round_trip(s: &[u8], policy: HuffmanPolicy) -> Vec<u8> {
        let mut wire = Vec::new();
        encode(&mut wire, s, policy);
        let mut out = Arena::default();
        let mut pos = 0;
        decode(&wire, &mut pos, &mut out, usize::MAX).unwrap();
        assert_eq!(pos, wire.len());
        assert_eq!(out.as_slice(), s);
        wire
    }

    #[test]
    fn policies() {
        // C.4.1: "www.example.com" is 12 octets Huffman coded.
        assert_eq!(
            round_trip(b"www.example.com", HuffmanPolicy::WhenShorter)[0],
            0x8c
        );
        assert_eq!(
            round_trip(b"www.example.com", HuffmanPolicy::Never)[0],
            0x0f
        );
        // A string the code makes longer stays raw unless forced.
        let binary = [0u8, 1, 2, 3];
        assert_eq!(round_trip(&binary, HuffmanPolicy::WhenShorter)[0], 0x04);
        assert_eq!(round_trip(&binary, HuffmanPolicy::Always)[0] & 0x80, 0x80);
        round_trip(b"", HuffmanPolicy::Always);
        round_trip(&[b'a'; 300], HuffmanPolicy::WhenShorter);
    }

    #[test]
    fn errors() {
        let mut out = Arena::default();
        let mut pos = 0;
        assert_eq!(
            decode(&[0x03, b'a', b'b'], &mut pos, &mut out, 10),
            Err(DecodeError::Truncated)
        );
        let mut pos = 0;
        assert_eq!(
            decode(&[0x03, b'a', b'b', b'c'], &mut pos, &mut out, 2),
            Err(DecodeError::StringTooLong)
        );
        // Five octets of 'a' Huffman coded (00011 x5 = 25 bits, 4 octets)
        // decode to more than a limit of 4 even though the wire is 4 octets.
        let mut wire = Vec::new();
        encode(&mut wire, b"aaaaa", HuffmanPolicy::Always);
        assert_eq!(wire[0], 0x84);
        let mut pos = 0;
        assert_eq!(
            decode(&wire, &mut pos, &mut out, 4),
            Err(DecodeError::StringTooLong)
        );
        assert!(out.as_slice().is_empty());
        let mut pos = 0;
        assert_eq!(
            decode(&[0x81, 0x00], &mut pos, &mut out, 10),
            Err(DecodeError::Huffman(HuffmanError::InvalidPadding))
        );
    }
}
