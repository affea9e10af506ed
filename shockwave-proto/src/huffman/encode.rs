//! Huffman encoding: the codes of appendix B packed most significant bit
//! first, the last octet padded with the high bits of EOS (ones).

use alloc::vec::Vec;

use super::code::CODES;

/// Octets the Huffman form of `src` takes, padding included.
pub fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src
        .iter()
        .map(|&b| usize::from(CODES[usize::from(b)].1))
        .sum();
    bits.div_ceil(8)
}

/// Appends the Huffman form of `src` to `out` ([`encoded_len`] octets).
pub fn encode(src: &[u8], out: &mut Vec<u8>) {
    // Codes collect at the bottom of `acc`; whenever 32 bits are waiting they
    // go out as one word. With fewer than 32 pending and codes of at most 30
    // bits, `acc` never holds more than 62 meaningful bits.
    let mut acc: u64 = 0;
    let mut pending: u32 = 0;
    for &b in src {
        let (code, len) = CODES[usize::from(b)];
        acc = (acc << len) | u64::from(code);
        pending += u32::from(len);
        if pending >= 32 {
            pending -= 32;
            out.extend_from_slice(&((acc >> pending) as u32).to_be_bytes());
        }
    }
    if pending > 0 {
        // RFC 7541 §5.2: pad to an octet boundary with the most significant
        // bits of EOS, which are all ones.
        let bytes = pending.div_ceil(8);
        let pad = bytes * 8 - pending;
        let tail = (acc << pad) | ((1u64 << pad) - 1);
        let word = ((tail << (32 - bytes * 8)) as u32).to_be_bytes();
        out.extend_from_slice(&word[..bytes as usize]);
    }
}
