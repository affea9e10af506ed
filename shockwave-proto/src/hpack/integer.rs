//! The integer representation of RFC 7541 §5.1: an N-bit prefix in the first
//! octet, continued in 7-bit groups, least significant first.

use alloc::vec::Vec;

use super::DecodeError;

/// Most continuation octets accepted: five carry 35 bits, enough for every
/// value up to `u32::MAX` plus a few redundant zero groups.
const MAX_CONTINUATION: u32 = 5;

/// Decodes an integer with a `prefix`-bit prefix (1 to 8) starting at
/// `block[*pos]`, and advances `*pos` past it.
///
/// # Errors
///
/// [`DecodeError::Truncated`] when the block ends first,
/// [`DecodeError::IntegerOverflow`] above `u32::MAX` or past five continuation
/// octets (RFC 7541 §5.1: encodings that exceed implementation limits are
/// decoding errors).
#[inline]
pub(crate) fn decode(block: &[u8], pos: &mut usize, prefix: u32) -> Result<usize, DecodeError> {
    let max = (1u32 << prefix) - 1;
    let first = u32::from(*block.get(*pos).ok_or(DecodeError::Truncated)?) & max;
    *pos += 1;
    if first < max {
        return Ok(first as usize);
    }
    decode_continuation(block, pos, u64::from(max))
}

/// The continuation octets of an integer whose prefix was all ones.
#[cold]
fn decode_continuation(
    block: &[u8],
    pos: &mut usize,
    mut value: u64,
) -> Result<usize, DecodeError> {
    let mut shift = 0;
    for _ in 0..MAX_CONTINUATION {
        let b = *block.get(*pos).ok_or(DecodeError::Truncated)?;
        *pos += 1;
        value += u64::from(b & 0x7f) << shift;
        if value > u64::from(u32::MAX) {
            return Err(DecodeError::IntegerOverflow);
        }
        if b & 0x80 == 0 {
            return usize::try_from(value).map_err(|_| DecodeError::IntegerOverflow);
        }
        shift += 7;
    }
    Err(DecodeError::IntegerOverflow)
}

/// Appends `value` with a `prefix`-bit prefix (1 to 8); `flags` are the bits
/// of the first octet above the prefix.
#[inline]
pub(crate) fn encode(out: &mut Vec<u8>, flags: u8, prefix: u32, value: usize) {
    let max = (1usize << prefix) - 1;
    if value < max {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | max as u8);
    let mut rest = value - max;
    while rest >= 0x80 {
        out.push((rest as u8 & 0x7f) | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::{DecodeError, decode, encode};

    fn enc(flags: u8, prefix: u32, value: usize) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&mut out, flags, prefix, value);
        out
    }

    #[test]
    fn rfc_examples() {
        // C.1.1: 10 with a 5-bit prefix.
        assert_eq!(enc(0, 5, 10), [0b01010]);
        // C.1.2: 1337 with a 5-bit prefix.
        assert_eq!(enc(0, 5, 1337), [0b11111, 0b1001_1010, 0b0000_1010]);
        // C.1.3: 42 starting at an octet boundary.
        assert_eq!(enc(0, 8, 42), [42]);
        let mut pos = 0;
        assert_eq!(
            decode(&[0b11111, 0b1001_1010, 0b0000_1010], &mut pos, 5),
            Ok(1337)
        );
        assert_eq!(pos, 3);
        // The bits above the prefix are not part of the value.
        let mut pos = 0;
        assert_eq!(decode(&[0b1110_1010], &mut pos, 5), Ok(10));
    }

    #[test]
    fn truncated() {
        let mut pos = 0;
        assert_eq!(decode(&[], &mut pos, 5), Err(DecodeError::Truncated));
        let mut pos = 0;
        assert_eq!(
            decode(&[0x1f, 0x9a], &mut pos, 5),
            Err(DecodeError::Truncated)
        );
    }

    #[test]
    fn overflow() {
        // u32::MAX is the largest value accepted.
        let max = enc(0, 5, u32::MAX as usize);
        let mut pos = 0;
        assert_eq!(decode(&max, &mut pos, 5), Ok(u32::MAX as usize));
        // One more.
        let mut pos = 0;
        assert_eq!(
            decode(&[0x1f, 0xe1, 0xff, 0xff, 0xff, 0x0f], &mut pos, 5),
            Err(DecodeError::IntegerOverflow)
        );
        // A sixth continuation octet, even of zeros.
        let mut pos = 0;
        assert_eq!(
            decode(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], &mut pos, 5),
            Err(DecodeError::IntegerOverflow)
        );
        // Five redundant zero groups are accepted.
        let mut pos = 0;
        assert_eq!(
            decode(&[0x1f, 0x81, 0x80, 0x80, 0x80, 0x00], &mut pos, 5),
            Ok(32)
        );
        // A huge value in few octets.
        let mut pos = 0;
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], &mut pos, 8),
            Err(DecodeError::IntegerOverflow)
        );
    }

    proptest! {
        #[test]
        fn round_trip_every_prefix(prefix in 1u32..=8, value in 0usize..=u32::MAX as usize, flags in any::<u8>(), tail in any::<u8>()) {
            let flags = flags & !(((1u16 << prefix) - 1) as u8);
            let mut wire = enc(flags, prefix, value);
            prop_assert_eq!(wire[0] & flags, flags);
            let len = wire.len();
            wire.push(tail);
            let mut pos = 0;
            prop_assert_eq!(decode(&wire, &mut pos, prefix), Ok(value));
            prop_assert_eq!(pos, len);
            // Every proper prefix is truncated.
            for k in 0..len {
                let mut pos = 0;
                prop_assert_eq!(decode(&wire[..k], &mut pos, prefix), Err(DecodeError::Truncated));
            }
        }

        #[test]
        fn small_values_round_trip(prefix in 1u32..=8, value in 0usize..70_000) {
            let wire = enc(0, prefix, value);
            let mut pos = 0;
            prop_assert_eq!(decode(&wire, &mut pos, prefix), Ok(value));
        }
    }
}
