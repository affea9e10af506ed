//! UTF-8 validation kernels (RFC 3629 section 4) for WebSocket text.
//!
//! [`validate`] answers whether a buffer is complete, well-formed UTF-8;
//! [`validate_open`] (long buffers, AVX2) also tells a buffer whose last bytes
//! begin a character that runs past its end. The streaming validator in
//! `ws::utf8` uses the second where it can, else cuts a piece before its open
//! end and gives the whole characters to the first.
//!
//! | kernel | where | method |
//! | --- | --- | --- |
//! | [`validate_scalar`] | everywhere, and always under Miri | ASCII runs a `u64` word at a time, other characters by the RFC 3629 table |
//! | `validate_avx2` | x86_64 with AVX2 (detected once under `std`) | 64 bytes per turn, ASCII blocks skipped, others classified by three nibble lookups |
//! | `validate_neon` | aarch64 (baseline) | the same lookups on four 16-byte vectors |
//!
//! The vector kernels classify each byte with the byte before it: three
//! 16-entry tables, indexed by the previous byte's high and low nibbles and
//! the current byte's high nibble, each give a set of error bits (the
//! "lookup" method of Keiser and Lemire, *Validating UTF-8 in less than one
//! instruction per byte*, 2021); a byte is in error when the three sets share
//! a bit. The third and fourth bytes of long sequences are checked apart: a
//! continuation byte must follow another exactly where the byte two or three
//! back is a 3- or 4-byte lead. x86 without AVX2 uses the scalar kernel (the
//! lookups need SSSE3, which the x86_64 baseline lacks).

/// Error bits of the lookup tables.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
mod bits {
    /// A lead byte not followed by a continuation byte.
    pub const TOO_SHORT: u8 = 1 << 0;
    /// A continuation byte after an ASCII byte.
    pub const TOO_LONG: u8 = 1 << 1;
    /// E0 followed by 80..9F.
    pub const OVERLONG_3: u8 = 1 << 2;
    /// F4 followed by 90..BF, or F5..FF followed by 90..BF.
    pub const TOO_LARGE: u8 = 1 << 3;
    /// ED followed by A0..BF (UTF-16 surrogates).
    pub const SURROGATE: u8 = 1 << 4;
    /// C0 or C1 followed by a continuation byte.
    pub const OVERLONG_2: u8 = 1 << 5;
    /// F5..FF followed by 80..8F.
    pub const TOO_LARGE_1000: u8 = 1 << 6;
    /// F0 followed by 80..8F (shares its bit with `TOO_LARGE_1000`: both need an F lead and an 8 high nibble).
    pub const OVERLONG_4: u8 = 1 << 6;
    /// Two continuation bytes in a row (an error unless the second is a third or fourth byte).
    pub const TWO_CONTS: u8 = 1 << 7;
    /// Bits set for every low nibble of a previous byte.
    pub const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;
}

/// The lookup tables: previous byte's high nibble, its low nibble, the current byte's high nibble.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
const TABLES: [[u8; 16]; 3] = {
    use bits::*;
    let byte_1_high = [
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TWO_CONTS,
        TWO_CONTS,
        TWO_CONTS,
        TWO_CONTS,
        TOO_SHORT | OVERLONG_2,
        TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
    ];
    let large = CARRY | TOO_LARGE | TOO_LARGE_1000;
    let byte_1_low = [
        CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
        CARRY | OVERLONG_2,
        CARRY,
        CARRY,
        CARRY | TOO_LARGE,
        large,
        large,
        large,
        large,
        large,
        large,
        large,
        large,
        large | SURROGATE,
        large,
        large,
    ];
    let cont = TOO_LONG | OVERLONG_2 | TWO_CONTS;
    let byte_2_high = [
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        cont | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        cont | OVERLONG_3 | TOO_LARGE,
        cont | SURROGATE | TOO_LARGE,
        cont | SURROGATE | TOO_LARGE,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
    ];
    [byte_1_high, byte_1_low, byte_2_high]
};

/// Per position of the last vector: the largest byte that does not start a
/// sequence running past the end (the last three positions), else 0xFF.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
const fn incomplete_max<const N: usize>() -> [u8; N] {
    let mut m = [0xFF; N];
    m[N - 3] = 0xEF;
    m[N - 2] = 0xDF;
    m[N - 1] = 0xBF;
    m
}

/// The sequence a lead byte starts (RFC 3629 section 4): its length and the
/// range of its second byte; `None` for bytes that cannot start one
/// (continuation bytes, C0, C1, F5..FF). ASCII is a sequence of one.
#[inline(always)]
pub(crate) const fn sequence(lead: u8) -> Option<(usize, u8, u8)> {
    match lead {
        0x00..=0x7F => Some((1, 0, 0)),
        0xC2..=0xDF => Some((2, 0x80, 0xBF)),
        0xE0 => Some((3, 0xA0, 0xBF)),
        0xE1..=0xEC | 0xEE..=0xEF => Some((3, 0x80, 0xBF)),
        0xED => Some((3, 0x80, 0x9F)),
        0xF0 => Some((4, 0x90, 0xBF)),
        0xF1..=0xF3 => Some((4, 0x80, 0xBF)),
        0xF4 => Some((4, 0x80, 0x8F)),
        _ => None,
    }
}

/// Whether `buf` is complete, well-formed UTF-8, with the best kernel.
#[inline]
pub(crate) fn validate(buf: &[u8]) -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if buf.len() >= 32 && super::x86::has_avx2() {
        // SAFETY: the CPU has AVX2 (probed and cached by `has_avx2`).
        return unsafe { x86::validate_avx2(buf) };
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    if buf.len() >= 32 {
        return neon::validate_neon(buf);
    }
    validate_scalar(buf)
}

/// What a piece of text is, read from its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only the x86_64 kernel gives verdicts so far.
#[cfg_attr(not(all(target_arch = "x86_64", not(miri))), allow(dead_code))]
pub(crate) enum Verdict {
    /// Whole, well-formed UTF-8.
    Complete,
    /// Well formed up to its last bytes, which may begin a character that
    /// runs past the end: the caller checks those bytes one by one.
    Open,
    /// No text starts with these bytes.
    Invalid,
}

/// The streaming form of [`validate`] for long pieces where a vector kernel
/// reads the end in place: `None` when there is none here (the caller cuts
/// the open end off and uses [`validate`]).
#[inline]
pub(crate) fn validate_open(buf: &[u8]) -> Option<Verdict> {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if buf.len() >= 96 && super::x86::has_avx2() {
        // SAFETY: the CPU has AVX2 (probed and cached by `has_avx2`).
        return Some(unsafe { x86::validate_open_avx2(buf) });
    }
    let _ = buf;
    None
}

/// How many leading bytes of `buf` are ASCII, a word at a time.
#[inline(always)]
pub(crate) fn ascii_prefix(buf: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    let mut chunks = buf.chunks_exact(16);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        a.copy_from_slice(&c[..8]);
        b.copy_from_slice(&c[8..]);
        let (a, b) = (u64::from_le_bytes(a), u64::from_le_bytes(b));
        if (a | b) & HIGH != 0 {
            let m = a & HIGH;
            return i + if m != 0 {
                (m.trailing_zeros() / 8) as usize
            } else {
                8 + ((b & HIGH).trailing_zeros() / 8) as usize
            };
        }
        i += 16;
    }
    i + chunks
        .remainder()
        .iter()
        .position(|&b| b >= 0x80)
        .unwrap_or(chunks.remainder().len())
}

/// The portable kernel: ASCII runs a word at a time, other characters checked
/// against the RFC 3629 table one by one.
pub(crate) fn validate_scalar(buf: &[u8]) -> bool {
    let len = buf.len();
    let mut i = 0;
    while i < len {
        if buf[i] < 0x80 {
            i += ascii_prefix(&buf[i..]);
            continue;
        }
        let Some((n, lo, hi)) = sequence(buf[i]) else {
            return false;
        };
        if i + n > len || !(lo..=hi).contains(&buf[i + 1]) {
            return false;
        }
        if buf[i + 2..i + n].iter().any(|&b| b & 0xC0 != 0x80) {
            return false;
        }
        i += n;
    }
    true
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
pub(crate) mod x86 {
    use core::arch::x86_64::*;

    use super::{TABLES, Verdict, incomplete_max};

    /// The running state of the AVX2 kernel over consecutive 32-byte vectors.
    struct State {
        error: __m256i,
        prev: __m256i,
        prev_incomplete: __m256i,
    }

    /// The vector of `input` shifted by `N` bytes, with the last `N` bytes of `prev` in front.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn prev_n<const SHIFT: i32>(input: __m256i, prev: __m256i) -> __m256i {
        // Lanes: [prev.high, input.low]; `alignr` then shifts within each 128-bit lane.
        let joined = _mm256_permute2x128_si256::<0x21>(prev, input);
        _mm256_alignr_epi8::<SHIFT>(input, joined)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn table(t: [u8; 16]) -> __m256i {
        // SAFETY: `[u8; 16]` and `__m128i` have the same size and every bit pattern is valid.
        let v = unsafe { core::mem::transmute::<[u8; 16], __m128i>(t) };
        _mm256_broadcastsi128_si256(v)
    }

    /// The error bits of `input`, given the vector before it.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn check(input: __m256i, prev: __m256i) -> __m256i {
        let nib = _mm256_set1_epi8(0x0F);
        let prev1 = prev_n::<15>(input, prev);
        let b1h = _mm256_shuffle_epi8(
            table(TABLES[0]),
            _mm256_and_si256(_mm256_srli_epi16::<4>(prev1), nib),
        );
        let b1l = _mm256_shuffle_epi8(table(TABLES[1]), _mm256_and_si256(prev1, nib));
        let b2h = _mm256_shuffle_epi8(
            table(TABLES[2]),
            _mm256_and_si256(_mm256_srli_epi16::<4>(input), nib),
        );
        let special = _mm256_and_si256(_mm256_and_si256(b1h, b1l), b2h);
        let prev2 = prev_n::<14>(input, prev);
        let prev3 = prev_n::<13>(input, prev);
        // 0x80 set where the byte two back is >= E0 or the byte three back >= F0.
        let third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((0xE0u8 - 0x80) as i8));
        let fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((0xF0u8 - 0x80) as i8));
        let must23 = _mm256_and_si256(
            _mm256_or_si256(third, fourth),
            _mm256_set1_epi8(0x80u8 as i8),
        );
        _mm256_xor_si256(must23, special)
    }

    impl State {
        /// Checks one 64-byte block (ASCII or not).
        #[target_feature(enable = "avx2")]
        #[inline]
        fn block(&mut self, a: __m256i, b: __m256i) {
            self.error = _mm256_or_si256(self.error, check(a, self.prev));
            self.error = _mm256_or_si256(self.error, check(b, a));
            // SAFETY: `[u8; 32]` and `__m256i` have the same size and every bit pattern is valid.
            let max = unsafe { core::mem::transmute::<[u8; 32], __m256i>(incomplete_max::<32>()) };
            self.prev_incomplete = _mm256_subs_epu8(b, max);
            self.prev = b;
        }
    }

    /// Loads the 32 bytes at `p + at`.
    ///
    /// # Safety
    /// The 32 bytes at `p + at` must be readable.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn load(p: *const u8, at: usize) -> __m256i {
        // SAFETY: the caller guarantees 32 readable bytes at `p + at`; `loadu`
        // has no alignment requirement.
        unsafe { _mm256_loadu_si256(p.add(at).cast()) }
    }

    /// The AVX2 kernel. ASCII runs take a loop of their own (two loads, an OR
    /// and a mask test per 64 bytes); the last partial block is the buffer's
    /// final 64 bytes, checked again from the context before them, so no
    /// byte past the end is read and nothing is copied.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn validate_avx2(buf: &[u8]) -> bool {
        // SAFETY: the caller guarantees AVX2.
        unsafe { run_avx2::<false>(buf) == Verdict::Complete }
    }

    /// As [`validate_avx2`], but a sequence left open by the last bytes is
    /// [`Verdict::Open`], not an error. Needs `buf.len() >= 96`, so that the
    /// last partial block is read in place (a zero-padded copy would make an
    /// open end look broken).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn validate_open_avx2(buf: &[u8]) -> Verdict {
        debug_assert!(buf.len() >= 96);
        // SAFETY: the caller guarantees AVX2.
        unsafe { run_avx2::<true>(buf) }
    }

    /// The loop of both entry points: with `OPEN_END`, an open sequence at
    /// the very end is reported, not counted as an error.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn run_avx2<const OPEN_END: bool>(buf: &[u8]) -> Verdict {
        let len = buf.len();
        let p = buf.as_ptr();
        let mut s = State {
            error: _mm256_setzero_si256(),
            prev: _mm256_setzero_si256(),
            prev_incomplete: _mm256_setzero_si256(),
        };
        let mut i = 0;
        while i + 64 <= len {
            // SAFETY: `i + 64 <= len`: both loads are inside `buf`.
            let (a, b) = unsafe { (load(p, i), load(p, i + 32)) };
            if _mm256_movemask_epi8(_mm256_or_si256(a, b)) != 0 {
                s.block(a, b);
                i += 64;
                continue;
            }
            // An ASCII run: only a sequence left open before it is wrong.
            s.error = _mm256_or_si256(s.error, s.prev_incomplete);
            s.prev_incomplete = _mm256_setzero_si256();
            i += 64;
            while i + 128 <= len {
                // SAFETY: `i + 128 <= len`: the four loads are inside `buf`.
                let any = unsafe {
                    _mm256_or_si256(
                        _mm256_or_si256(load(p, i), load(p, i + 32)),
                        _mm256_or_si256(load(p, i + 64), load(p, i + 96)),
                    )
                };
                if _mm256_movemask_epi8(any) != 0 {
                    break;
                }
                i += 128;
            }
            // SAFETY: `i >= 64`: the 32 bytes before `i` are inside `buf`.
            s.prev = unsafe { load(p, i - 32) };
        }
        if i < len {
            if len >= 96 {
                // The final 64 bytes, with the 32 before them as context;
                // bytes checked twice cannot change the verdict.
                let base = len - 64;
                // SAFETY: `base >= 32` and `base + 64 == len`: all three loads are inside `buf`.
                let (before, a, b) =
                    unsafe { (load(p, base - 32), load(p, base), load(p, base + 32)) };
                // SAFETY: `[u8; 32]` and `__m256i` have the same size and every bit pattern is valid.
                let max =
                    unsafe { core::mem::transmute::<[u8; 32], __m256i>(incomplete_max::<32>()) };
                s.prev = before;
                s.prev_incomplete = _mm256_subs_epu8(before, max);
                s.block(a, b);
            } else {
                // Short: the tail, padded with ASCII zeros (which end nothing that was open).
                let mut tail = [0u8; 64];
                tail[..len - i].copy_from_slice(&buf[i..]);
                // SAFETY: both loads are inside the 64-byte `tail`.
                let (a, b) = unsafe { (load(tail.as_ptr(), 0), load(tail.as_ptr(), 32)) };
                s.block(a, b);
            }
        }
        if _mm256_testz_si256(s.error, s.error) == 0 {
            return Verdict::Invalid;
        }
        match _mm256_testz_si256(s.prev_incomplete, s.prev_incomplete) {
            1 => Verdict::Complete,
            _ if OPEN_END => Verdict::Open,
            _ => Verdict::Invalid,
        }
    }
}

#[cfg(all(target_arch = "aarch64", not(miri)))]
pub(crate) mod neon {
    use core::arch::aarch64::*;

    use super::{TABLES, incomplete_max};

    /// The error bits of `input`, given the vector before it.
    #[inline(always)]
    fn check(input: uint8x16_t, prev: uint8x16_t) -> uint8x16_t {
        // SAFETY: NEON is part of the aarch64 baseline; these are value-only
        // intrinsics and loads of 16-byte arrays.
        unsafe {
            let t0 = vld1q_u8(TABLES[0].as_ptr());
            let t1 = vld1q_u8(TABLES[1].as_ptr());
            let t2 = vld1q_u8(TABLES[2].as_ptr());
            let prev1 = vextq_u8::<15>(prev, input);
            let b1h = vqtbl1q_u8(t0, vshrq_n_u8::<4>(prev1));
            let b1l = vqtbl1q_u8(t1, vandq_u8(prev1, vdupq_n_u8(0x0F)));
            let b2h = vqtbl1q_u8(t2, vshrq_n_u8::<4>(input));
            let special = vandq_u8(vandq_u8(b1h, b1l), b2h);
            let prev2 = vextq_u8::<14>(prev, input);
            let prev3 = vextq_u8::<13>(prev, input);
            let third = vqsubq_u8(prev2, vdupq_n_u8(0xE0 - 0x80));
            let fourth = vqsubq_u8(prev3, vdupq_n_u8(0xF0 - 0x80));
            let must23 = vandq_u8(vorrq_u8(third, fourth), vdupq_n_u8(0x80));
            veorq_u8(must23, special)
        }
    }

    /// Checks one 64-byte block at `p`; returns the new error and incomplete vectors.
    ///
    /// # Safety
    /// `p` must point to 64 readable bytes.
    #[inline(always)]
    unsafe fn block(
        p: *const u8,
        error: &mut uint8x16_t,
        prev: &mut uint8x16_t,
        prev_incomplete: &mut uint8x16_t,
    ) {
        // SAFETY: the caller guarantees 64 readable bytes at `p`; NEON is baseline.
        unsafe {
            let a = vld1q_u8(p);
            let b = vld1q_u8(p.add(16));
            let c = vld1q_u8(p.add(32));
            let d = vld1q_u8(p.add(48));
            let any = vorrq_u8(vorrq_u8(a, b), vorrq_u8(c, d));
            if vmaxvq_u8(any) < 0x80 {
                *error = vorrq_u8(*error, *prev_incomplete);
                *prev_incomplete = vdupq_n_u8(0);
            } else {
                let e = vorrq_u8(
                    vorrq_u8(check(a, *prev), check(b, a)),
                    vorrq_u8(check(c, b), check(d, c)),
                );
                *error = vorrq_u8(*error, e);
                let max = incomplete_max::<16>();
                *prev_incomplete = vqsubq_u8(d, vld1q_u8(max.as_ptr()));
            }
            *prev = d;
        }
    }

    /// The NEON kernel.
    pub(crate) fn validate_neon(buf: &[u8]) -> bool {
        let len = buf.len();
        let p = buf.as_ptr();
        // SAFETY: NEON is part of the aarch64 baseline; every block reads 64
        // bytes at `i` with `i + 64 <= len`, or from the 64-byte `tail`.
        unsafe {
            let mut error = vdupq_n_u8(0);
            let mut prev = vdupq_n_u8(0);
            let mut prev_incomplete = vdupq_n_u8(0);
            let mut i = 0;
            while i + 64 <= len {
                block(p.add(i), &mut error, &mut prev, &mut prev_incomplete);
                i += 64;
            }
            if i < len {
                let mut tail = [0u8; 64];
                tail[..len - i].copy_from_slice(&buf[i..]);
                block(tail.as_ptr(), &mut error, &mut prev, &mut prev_incomplete);
            }
            vmaxvq_u8(vorrq_u8(error, prev_incomplete)) == 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    type Kernel = (&'static str, fn(&[u8]) -> bool);

    /// Every kernel this CPU can run, by name.
    fn kernels() -> Vec<Kernel> {
        let mut v: Vec<Kernel> = alloc::vec![("scalar", validate_scalar), ("dispatch", validate)];
        #[cfg(all(target_arch = "x86_64", not(miri), feature = "std"))]
        if std::is_x86_feature_detected!("avx2") {
            fn avx2(buf: &[u8]) -> bool {
                // SAFETY: only pushed after AVX2 was detected.
                unsafe { x86::validate_avx2(buf) }
            }
            v.push(("avx2", avx2));
        }
        #[cfg(all(target_arch = "aarch64", not(miri)))]
        v.push(("neon", neon::validate_neon));
        v
    }

    fn check(buf: &[u8]) {
        let want = core::str::from_utf8(buf).is_ok();
        for (name, k) in kernels() {
            assert_eq!(k(buf), want, "{name} on {buf:02x?}");
        }
    }

    /// Short sequences that exercise every class boundary of RFC 3629's table.
    const PIECES: &[&[u8]] = &[
        b"a",
        b"\x7f",
        b"\xc2\x80",
        b"\xdf\xbf",
        b"\xc0\x80",
        b"\xc1\xbf",
        b"\xe0\xa0\x80",
        b"\xe0\x9f\xbf",
        b"\xed\x9f\xbf",
        b"\xed\xa0\x80",
        b"\xee\x80\x80",
        b"\xef\xbf\xbf",
        b"\xf0\x90\x80\x80",
        b"\xf0\x8f\xbf\xbf",
        b"\xf4\x8f\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"\xf5\x80\x80\x80",
        b"\xff",
        b"\x80",
        b"\xbf",
        b"\xe2\x82",
        b"\xf0\x9f\x98",
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
    ];

    #[test]
    fn pieces_planted_at_every_position() {
        let lens: Vec<usize> = if cfg!(miri) {
            alloc::vec![0, 5, 70]
        } else {
            (0..140).collect()
        };
        for &piece in PIECES {
            for &len in &lens {
                for at in 0..=len {
                    let mut v = alloc::vec![b'x'; len];
                    v.splice(at..at, piece.iter().copied());
                    check(&v);
                    // And after a valid multi-byte character, so the vector path runs.
                    let mut w = "é".repeat(len / 2).into_bytes();
                    let at = at.min(w.len());
                    let at = (0..=at).rev().find(|&k| k % 2 == 0).unwrap_or(0);
                    w.splice(at..at, piece.iter().copied());
                    check(&w);
                }
            }
        }
    }

    #[test]
    fn every_two_byte_pair_at_a_vector_seam() {
        // Pairs decide every table entry; put them across the 16/32-byte seams.
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                if cfg!(miri) && (a % 17 != 0 || b % 13 != 0) {
                    continue;
                }
                let mut v = alloc::vec![b'.'; 64];
                v[15] = a;
                v[16] = b;
                check(&v);
                v[15] = b'.';
                v[16] = b'.';
                v[31] = a;
                v[32] = b;
                check(&v);
                let mut w = alloc::vec![b'.'; 96];
                w[63] = a;
                w[64] = b;
                check(&w);
            }
        }
    }

    /// `validate_open` against `core`: Complete exactly for valid text, Invalid
    /// only where an impossible byte sits before the last three, Open otherwise
    /// with everything before the open end valid.
    fn check_open(buf: &[u8]) {
        let Some(v) = validate_open(buf) else {
            return;
        };
        let model = core::str::from_utf8(buf);
        match v {
            Verdict::Complete => assert!(model.is_ok(), "{buf:02x?}"),
            Verdict::Invalid => {
                assert!(model.is_err_and(|e| e.error_len().is_some()), "{buf:02x?}")
            }
            Verdict::Open => {
                let e = model.expect_err("an open end is not valid text");
                assert!(e.valid_up_to() + 4 > buf.len(), "{buf:02x?}");
                assert!(buf[e.valid_up_to()] >= 0xC0, "{buf:02x?}");
            }
        }
    }

    #[test]
    fn open_ends_are_reported_not_failed() {
        for &piece in PIECES {
            for len in [96, 100, 127, 128, 200] {
                let mut v = "é".repeat(len / 2).into_bytes();
                v.extend_from_slice(piece);
                check_open(&v);
                for cut in 1..piece.len() {
                    check_open(&v[..v.len() - cut]);
                }
                let mut a = alloc::vec![b'a'; len];
                a.extend_from_slice(piece);
                check_open(&a);
                check_open(&a[..a.len() - 1]);
            }
        }
    }

    #[test]
    fn ascii_prefix_finds_the_first_high_byte() {
        for len in 0..40 {
            for at in 0..=len {
                let mut v = alloc::vec![b'a'; len];
                if at < len {
                    v[at] = 0x80;
                }
                assert_eq!(ascii_prefix(&v), at, "{len} {at}");
            }
        }
    }

    fn text_bytes() -> impl Strategy<Value = Vec<u8>> {
        let ch = prop_oneof![
            4 => any::<char>().prop_map(|c| {
                let mut b = [0u8; 4];
                c.encode_utf8(&mut b).as_bytes().to_vec()
            }),
            4 => prop::collection::vec(0x20u8..0x7f, 1..40),
            1 => prop::collection::vec(any::<u8>(), 1..3),
        ];
        prop::collection::vec(ch, 0..200).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 2000 }))]
        #[test]
        fn kernels_agree_with_core(buf in text_bytes(), cut in 0usize..8) {
            check(&buf);
            // Truncations end inside sequences.
            check(&buf[..buf.len().saturating_sub(cut)]);
            check_open(&buf[..buf.len().saturating_sub(cut)]);
        }
    }
}
