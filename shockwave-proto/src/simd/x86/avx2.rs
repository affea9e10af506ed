//! The AVX2 kernel: 32 bytes per step, `tchar` classified with nibble
//! shuffles (the tables are in the parent `simd` module).

use core::arch::x86_64::*;

use super::super::{Kernel, NIBBLES, TARGET, TCHAR, VALUE, scan_bytes};
use super::{scan16, sse2_bad_target, sse2_bad_value};

/// The AVX2 kernel. A value of this type proves the CPU has AVX2: it is made
/// only after detection, or when AVX2 is enabled at compile time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2 {
    /// Made only by `x86`'s dispatch after detection (or under a compile-time `avx2`).
    pub(super) _proof: (),
}

/// As [`scan16`], 32 bytes at a time, for the class `C`; buffers shorter
/// than 32 bytes go to the SSE2 scans.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn scan32<const C: u8>(buf: &[u8], pos: usize) -> usize {
    let bad = |v| match C {
        TCHAR => avx2_bad_token(v),
        TARGET => avx2_bad_target(v),
        _ => avx2_bad_value(v),
    };
    let len = buf.len();
    if len < 32 {
        return match C {
            TCHAR => scan_bytes(buf, pos, TCHAR),
            TARGET => scan16(buf, pos, TARGET, sse2_bad_target),
            _ => scan16(buf, pos, VALUE, sse2_bad_value),
        };
    }
    let mut at = pos;
    let ptr = buf.as_ptr();
    while at + 32 <= len {
        // SAFETY: `at + 32 <= len`: the 32 bytes at `at` are inside `buf`.
        let v = unsafe { _mm256_loadu_si256(ptr.add(at).cast()) };
        let m = bad(v);
        if m != 0 {
            return at + m.trailing_zeros() as usize;
        }
        at += 32;
    }
    if at >= len {
        return len;
    }
    let base = len - 32;
    // SAFETY: `len >= 32`: the 32 bytes at `len - 32` are inside `buf`.
    let v = unsafe { _mm256_loadu_si256(ptr.add(base).cast()) };
    let m = bad(v) >> (at - base);
    if m != 0 {
        at + m.trailing_zeros() as usize
    } else {
        len
    }
}

#[target_feature(enable = "avx2")]
#[inline]
fn avx2_bad_token(v: __m256i) -> u32 {
    let lo_t = _mm256_broadcastsi128_si256(to_m128(NIBBLES.0));
    let hi_t = _mm256_broadcastsi128_si256(to_m128(NIBBLES.1));
    let nib = _mm256_set1_epi8(0x0F);
    let lo = _mm256_and_si256(v, nib);
    let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(v), nib);
    let hit = _mm256_and_si256(_mm256_shuffle_epi8(lo_t, lo), _mm256_shuffle_epi8(hi_t, hi));
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256())) as u32
}

#[target_feature(enable = "avx2")]
#[inline]
fn avx2_bad_target(v: __m256i) -> u32 {
    let low = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x21), v);
    let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7F));
    _mm256_movemask_epi8(_mm256_or_si256(low, del)) as u32
}

#[target_feature(enable = "avx2")]
#[inline]
fn avx2_bad_value(v: __m256i) -> u32 {
    let ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v);
    let tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8));
    let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7F));
    _mm256_movemask_epi8(_mm256_or_si256(_mm256_andnot_si256(tab, ctl), del)) as u32
}

#[inline(always)]
fn to_m128(bytes: [u8; 16]) -> __m128i {
    // SAFETY: `[u8; 16]` and `__m128i` have the same size, and every bit pattern is valid for both.
    unsafe { core::mem::transmute::<[u8; 16], __m128i>(bytes) }
}

impl Kernel for Avx2 {
    #[inline(always)]
    fn token_end(self, buf: &[u8], pos: usize) -> usize {
        // SAFETY: an `Avx2` exists only when the CPU has AVX2.
        unsafe { scan32::<TCHAR>(buf, pos) }
    }
    #[inline(always)]
    fn target_end(self, buf: &[u8], pos: usize) -> usize {
        // SAFETY: an `Avx2` exists only when the CPU has AVX2.
        unsafe { scan32::<TARGET>(buf, pos) }
    }
    #[inline(always)]
    fn value_end(self, buf: &[u8], pos: usize) -> usize {
        // SAFETY: an `Avx2` exists only when the CPU has AVX2.
        unsafe { scan32::<VALUE>(buf, pos) }
    }
}

/// The AVX2 kernel, if this CPU has AVX2 (for the tests that compare kernels).
#[cfg(all(test, feature = "std"))]
pub(crate) fn avx2_if_present() -> Option<Avx2> {
    std::is_x86_feature_detected!("avx2").then_some(Avx2 { _proof: () })
}
