//! The aarch64 kernel: NEON, part of the aarch64 baseline, so there is
//! nothing to detect.
//!
//! The tail is handled as in the x86 kernels: the last partial vector is
//! the buffer's final 16 bytes (overlapping bytes already seen), with their
//! bits shifted out of the mask. NEON has no `movemask`; a vector of 0x00/0xFF
//! lanes narrows (`shrn` by 4) to a `u64` with 4 bits per byte instead.

use core::arch::aarch64::*;

use super::{Kernel, NIBBLES, TARGET, TCHAR, VALUE, scan_bytes};

/// The NEON kernel. Tokens are classified with the nibble tables and
/// `vqtbl1q_u8` (which gives 0 for indices past 15, like `pshufb`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Neon;

/// Lanes of `bad` (each 0x00 or 0xFF) as a mask with 4 bits per byte, byte 0 lowest.
#[inline(always)]
fn nibble_mask(bad: uint8x16_t) -> u64 {
    // SAFETY: NEON is part of the aarch64 baseline; these are value-only intrinsics.
    unsafe {
        let narrowed = vshrn_n_u16::<4>(vreinterpretq_u16_u8(bad));
        vget_lane_u64::<0>(vreinterpret_u64_u8(narrowed))
    }
}

/// Scans `buf` from `pos` 16 bytes at a time with `bad` (0xFF in each
/// offending lane); the tail takes the buffer's last 16 bytes.
#[inline(always)]
fn scan16(buf: &[u8], pos: usize, class: u8, bad: impl Fn(uint8x16_t) -> uint8x16_t) -> usize {
    let len = buf.len();
    if len < 16 {
        return scan_bytes(buf, pos, class);
    }
    let mut at = pos;
    let ptr = buf.as_ptr();
    while at + 16 <= len {
        // SAFETY: `at + 16 <= len`, so the 16 bytes at `at` are inside `buf`;
        // `vld1q_u8` has no alignment requirement beyond `u8`'s.
        let v = unsafe { vld1q_u8(ptr.add(at)) };
        let m = nibble_mask(bad(v));
        if m != 0 {
            return at + (m.trailing_zeros() / 4) as usize;
        }
        at += 16;
    }
    if at >= len {
        return len;
    }
    let base = len - 16;
    // SAFETY: `len >= 16`, so the 16 bytes at `len - 16` are inside `buf`.
    let v = unsafe { vld1q_u8(ptr.add(base)) };
    // `at - base` is 1..=15 here, so the shift is below 64.
    let m = nibble_mask(bad(v)) >> (4 * (at - base));
    if m != 0 {
        at + (m.trailing_zeros() / 4) as usize
    } else {
        len
    }
}

#[inline(always)]
fn neon_bad_token(v: uint8x16_t) -> uint8x16_t {
    let lo_t = vld1q_u8_array(NIBBLES.0);
    let hi_t = vld1q_u8_array(NIBBLES.1);
    // SAFETY: NEON is part of the aarch64 baseline; these are value-only intrinsics.
    unsafe {
        let lo = vandq_u8(v, vdupq_n_u8(0x0F));
        let hi = vshrq_n_u8::<4>(v);
        let hit = vandq_u8(vqtbl1q_u8(lo_t, lo), vqtbl1q_u8(hi_t, hi));
        vceqzq_u8(hit)
    }
}

#[inline(always)]
fn neon_bad_target(v: uint8x16_t) -> uint8x16_t {
    // 0x21..=0x7E maps to 0..=0x5D; everything else wraps above it.
    // SAFETY: NEON is part of the aarch64 baseline; these are value-only intrinsics.
    unsafe { vcgtq_u8(vsubq_u8(v, vdupq_n_u8(0x21)), vdupq_n_u8(0x7E - 0x21)) }
}

#[inline(always)]
fn neon_bad_value(v: uint8x16_t) -> uint8x16_t {
    // SAFETY: NEON is part of the aarch64 baseline; these are value-only intrinsics.
    unsafe {
        let ctl = vcltq_u8(v, vdupq_n_u8(0x20));
        let tab = vceqq_u8(v, vdupq_n_u8(b'\t'));
        let del = vceqq_u8(v, vdupq_n_u8(0x7F));
        vorrq_u8(vbicq_u8(ctl, tab), del)
    }
}

#[inline(always)]
fn vld1q_u8_array(bytes: [u8; 16]) -> uint8x16_t {
    // SAFETY: `bytes` is 16 readable bytes; `vld1q_u8` has no alignment requirement beyond `u8`'s.
    unsafe { vld1q_u8(bytes.as_ptr()) }
}

impl Kernel for Neon {
    #[inline(always)]
    fn token_end(self, buf: &[u8], pos: usize) -> usize {
        scan16(buf, pos, TCHAR, neon_bad_token)
    }
    #[inline(always)]
    fn target_end(self, buf: &[u8], pos: usize) -> usize {
        scan16(buf, pos, TARGET, neon_bad_target)
    }
    #[inline(always)]
    fn value_end(self, buf: &[u8], pos: usize) -> usize {
        scan16(buf, pos, VALUE, neon_bad_value)
    }
}
