//! Masking (RFC 6455 section 5.3): client payloads are XORed with a 4-byte
//! key, byte `i` of the payload with key byte `i % 4`.
//!
//! [`apply_mask`] masks or unmasks (the same operation) any part of a payload:
//! `offset` is the position of the slice's first byte in the payload, so a
//! frame unmasked piece by piece as it arrives gives the same bytes as one
//! pass over the whole. The work is done by the SIMD kernels of the crate
//! (AVX2 or SSE2 on x86_64, NEON on aarch64, a `u64` word at a time elsewhere).

use crate::simd::mask;

/// XORs `buf` with `key`, as the bytes at `offset..offset + buf.len()` of a
/// masked payload.
///
/// ```
/// use shockwave_proto::ws::mask::apply_mask;
/// // RFC 6455 section 5.7: "Hello" masked with 37 fa 21 3d.
/// let mut payload = *b"\x7f\x9f\x4d\x51\x58";
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// apply_mask(&mut payload[..2], key, 0);
/// apply_mask(&mut payload[2..], key, 2);
/// assert_eq!(&payload, b"Hello");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: u64) {
    mask::mask(buf, mask::rotate(key, (offset & 3) as usize));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_5_7_masked_hello() {
        let mut p = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut p, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&p, b"Hello");
        apply_mask(&mut p, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(p, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn pieces_at_any_offset_equal_one_pass() {
        let key = [9, 8, 7, 6];
        let data: alloc::vec::Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        let mut whole = data.clone();
        apply_mask(&mut whole, key, 0);
        for cut in 0..data.len() {
            let mut pieces = data.clone();
            let (a, b) = pieces.split_at_mut(cut);
            apply_mask(a, key, 0);
            apply_mask(b, key, cut as u64);
            assert_eq!(pieces, whole, "cut at {cut}");
        }
    }
}
