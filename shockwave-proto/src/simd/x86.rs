//! x86_64 kernels: SSE2 (always there on x86_64) and AVX2 (detected once).
//!
//! Each scan loads a full vector while one fits; the last partial vector is
//! handled by loading the final vector of the buffer (overlapping bytes
//! already seen) and shifting their bits out of the mask, so no byte past the
//! end is ever read and short tails do not fall back to a byte loop.

use core::arch::x86_64::*;

use super::{Job, Kernel, NIBBLES, Scalar, TARGET, TCHAR, VALUE, scan_bytes};

/// 0: not probed yet; 1: no AVX2; 2: AVX2.
#[cfg(all(feature = "std", not(target_feature = "avx2")))]
static AVX2: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

#[cfg(all(feature = "std", not(target_feature = "avx2")))]
#[cold]
fn probe_avx2() -> bool {
    // BMI1/BMI2/LZCNT/POPCNT come with every AVX2 CPU; enabling them lets the
    // bit scans over match masks compile to tzcnt/blsr like a native build.
    let has = std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("lzcnt")
        && std::is_x86_feature_detected!("popcnt");
    AVX2.store(
        if has { 2 } else { 1 },
        core::sync::atomic::Ordering::Relaxed,
    );
    has
}

/// Whether the AVX2 kernels may run: AVX2 with BMI1/2, LZCNT and POPCNT, from
/// the same cached probe the parser's dispatch uses (the WebSocket kernels ask
/// per call, since they are not generic over a [`Kernel`](super::Kernel)).
#[inline]
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_feature = "avx2")]
    {
        true
    }
    #[cfg(all(not(target_feature = "avx2"), feature = "std"))]
    {
        match AVX2.load(core::sync::atomic::Ordering::Relaxed) {
            0 => probe_avx2(),
            v => v == 2,
        }
    }
    #[cfg(all(not(target_feature = "avx2"), not(feature = "std")))]
    {
        false
    }
}

#[cfg(all(test, feature = "std"))]
std::thread_local! {
    /// Tests set this to run the parser with the SSE2 kernel on this thread.
    pub(crate) static FORCE_SSE2: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Runs `job` with the best x86_64 kernel.
#[inline]
pub(crate) fn dispatch<J: Job>(job: J) -> J::Output {
    #[cfg(all(test, feature = "std"))]
    if FORCE_SSE2.with(|f| f.get()) {
        return job.run(Sse2);
    }
    #[cfg(target_feature = "avx2")]
    {
        job.run(Avx2 { _proof: () })
    }
    #[cfg(not(target_feature = "avx2"))]
    {
        #[cfg(feature = "std")]
        {
            let has = match AVX2.load(core::sync::atomic::Ordering::Relaxed) {
                0 => probe_avx2(),
                v => v == 2,
            };
            if has {
                // SAFETY: the CPU has AVX2, BMI1/2, LZCNT and POPCNT, probed just above (or cached).
                return unsafe { run_avx2(job) };
            }
        }
        job.run(Sse2)
    }
}

/// `job` compiled with AVX2 enabled, so the kernel's intrinsics inline into it.
///
/// # Safety
/// The CPU must support AVX2, BMI1, BMI2, LZCNT and POPCNT.
#[cfg(all(feature = "std", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
unsafe fn run_avx2<J: Job>(job: J) -> J::Output {
    job.run(Avx2 { _proof: () })
}

/// The SSE2 kernel (part of the x86_64 baseline). Tokens are scanned byte by
/// byte: classifying them with shuffles needs SSSE3.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sse2;

/// Scans `buf` from `pos` 16 bytes at a time with `bad` (a mask of offending
/// bytes per vector); the tail takes the buffer's last 16 bytes.
#[inline(always)]
fn scan16(buf: &[u8], pos: usize, class: u8, bad: impl Fn(__m128i) -> u32) -> usize {
    let len = buf.len();
    if len < 16 {
        return scan_bytes(buf, pos, class);
    }
    let mut at = pos;
    let ptr = buf.as_ptr();
    while at + 16 <= len {
        // SAFETY: `at + 16 <= len`, so the 16 bytes at `at` are inside `buf`;
        // `loadu` has no alignment requirement.
        let v = unsafe { _mm_loadu_si128(ptr.add(at).cast()) };
        let m = bad(v);
        if m != 0 {
            return at + m.trailing_zeros() as usize;
        }
        at += 16;
    }
    if at >= len {
        return len;
    }
    let base = len - 16;
    // SAFETY: `len >= 16`, so the 16 bytes at `len - 16` are inside `buf`.
    let v = unsafe { _mm_loadu_si128(ptr.add(base).cast()) };
    let m = bad(v) >> (at - base);
    if m != 0 {
        at + m.trailing_zeros() as usize
    } else {
        len
    }
}

#[inline(always)]
fn sse2_bad_target(v: __m128i) -> u32 {
    // SAFETY: SSE2 is part of the x86_64 baseline; these are value-only intrinsics.
    unsafe {
        // Signed: bytes >= 0x80 are negative, so "< 0x21" also catches them.
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x21));
        let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));
        _mm_movemask_epi8(_mm_or_si128(low, del)) as u32
    }
}

#[inline(always)]
fn sse2_bad_value(v: __m128i) -> u32 {
    // SAFETY: SSE2 is part of the x86_64 baseline; these are value-only intrinsics.
    unsafe {
        let ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
        let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
        let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));
        _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, ctl), del)) as u32
    }
}

impl Kernel for Sse2 {
    #[inline(always)]
    fn token_end(self, buf: &[u8], pos: usize) -> usize {
        Scalar.token_end(buf, pos)
    }
    #[inline(always)]
    fn target_end(self, buf: &[u8], pos: usize) -> usize {
        scan16(buf, pos, TARGET, sse2_bad_target)
    }
    #[inline(always)]
    fn value_end(self, buf: &[u8], pos: usize) -> usize {
        scan16(buf, pos, VALUE, sse2_bad_value)
    }
}

/// The AVX2 kernel. A value of this type proves the CPU has AVX2: it is made
/// only after detection, or when AVX2 is enabled at compile time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2 {
    _proof: (),
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
