//! x86_64 kernels: SSE2 (always there on x86_64) and AVX2 (detected once).
//!
//! Each scan loads a full vector while one fits; the last partial vector is
//! handled by loading the final vector of the buffer (overlapping bytes
//! already seen) and shifting their bits out of the mask, so no byte past the
//! end is ever read and short tails do not fall back to a byte loop.

use core::arch::x86_64::*;

use super::{Job, Kernel, Scalar, TARGET, VALUE, scan_bytes};

/// The AVX2 kernel exists where it can run: detected at run time (`std`) or
/// enabled at compile time.
#[cfg(any(feature = "std", target_feature = "avx2"))]
mod avx2;
#[cfg(any(feature = "std", target_feature = "avx2"))]
pub(crate) use avx2::Avx2;
#[cfg(all(test, feature = "std"))]
pub(crate) use avx2::avx2_if_present;

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
pub(super) fn scan16(buf: &[u8], pos: usize, class: u8, bad: impl Fn(__m128i) -> u32) -> usize {
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
pub(super) fn sse2_bad_target(v: __m128i) -> u32 {
    // SAFETY: SSE2 is part of the x86_64 baseline; these are value-only intrinsics.
    unsafe {
        // Signed: bytes >= 0x80 are negative, so "< 0x21" also catches them.
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x21));
        let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));
        _mm_movemask_epi8(_mm_or_si128(low, del)) as u32
    }
}

#[inline(always)]
pub(super) fn sse2_bad_value(v: __m128i) -> u32 {
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
