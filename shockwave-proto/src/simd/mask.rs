//! WebSocket masking kernels (RFC 6455 section 5.3): XOR a buffer with a
//! 4-byte key repeated from its first byte.
//!
//! | kernel | where | width |
//! | --- | --- | --- |
//! | [`mask_scalar`] | everywhere, and always under Miri | 8 bytes (a `u64` word) |
//! | `mask_sse2` | x86_64 (baseline) | 16 bytes, 64 per loop turn |
//! | `mask_avx2` | x86_64 with AVX2 (detected once under `std`) | 32 bytes, 128 per loop turn |
//! | `mask_neon` | aarch64 (baseline) | 16 bytes, 64 per loop turn |
//!
//! A 4-byte period divides every vector width, so one key vector serves the
//! whole buffer; only the bytes before the first aligned vector (long buffers
//! are aligned to the vector width first) rotate the key.

/// Buffers at least this long are aligned to the vector width before the main loop.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
const ALIGN_FROM: usize = 256;

/// Buffers shorter than this take the SSE2 kernel even where AVX2 is there:
/// it inlines, and a few 16-byte steps cost less than the detour.
#[cfg(all(target_arch = "x86_64", not(miri)))]
const AVX2_FROM: usize = 128;

/// XORs `buf` with `key` repeated, `key[0]` on `buf[0]`, with the best kernel.
#[inline]
pub(crate) fn mask(buf: &mut [u8], key: [u8; 4]) {
    // A short payload (a chat message) a word at a time, inline: a kernel
    // call and its setup cost more than the XOR.
    if buf.len() <= 16 {
        return mask_scalar(buf, key);
    }
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        if buf.len() >= AVX2_FROM && super::x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (probed and cached by `has_avx2`).
            unsafe { x86::mask_avx2(buf, key) };
        } else {
            x86::mask_sse2(buf, key);
        }
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    {
        neon::mask_neon(buf, key);
    }
    #[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
    {
        mask_scalar(buf, key);
    }
}

/// The key as seen from `n` bytes further on.
#[inline(always)]
pub(crate) const fn rotate(key: [u8; 4], n: usize) -> [u8; 4] {
    // Little-endian bytes: rotating right by a byte moves key[1] to the front.
    u32::from_le_bytes(key)
        .rotate_right(8 * (n & 3) as u32)
        .to_le_bytes()
}

/// Masks the bytes of a long buffer before its first `align`-aligned
/// address (a split vector load or store costs more than the scalar head);
/// returns where the vector loop starts and the key from there.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
#[inline(always)]
fn align_head(buf: &mut [u8], key: [u8; 4], align: usize) -> (usize, [u8; 4]) {
    if buf.len() < ALIGN_FROM {
        return (0, key);
    }
    let i = buf.as_ptr().align_offset(align).min(buf.len());
    mask_scalar(&mut buf[..i], key);
    (i, rotate(key, i))
}

/// The key repeated over a `u64` (the same in either byte order: both halves are the key).
#[inline(always)]
fn key_word(key: [u8; 4]) -> u64 {
    u64::from(u32::from_ne_bytes(key)) * 0x1_0000_0001
}

/// The portable kernel: a `u64` word at a time, then the tail.
#[inline]
pub(crate) fn mask_scalar(buf: &mut [u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(w) ^ word).to_ne_bytes());
    }
    // The remainder starts at a multiple of 8, so at key phase 0.
    mask_tail(chunks.into_remainder(), key);
}

/// Masks fewer than 16 bytes at key phase 0: one `u64`, one `u32`, then at
/// most three single bytes.
#[inline(always)]
fn mask_tail(buf: &mut [u8], key: [u8; 4]) {
    let mut rest = buf;
    if rest.len() >= 8 {
        let (w, r) = rest.split_at_mut(8);
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        w.copy_from_slice(&(u64::from_ne_bytes(b) ^ key_word(key)).to_ne_bytes());
        rest = r;
    }
    if rest.len() >= 4 {
        let (w, r) = rest.split_at_mut(4);
        let mut b = [0u8; 4];
        b.copy_from_slice(w);
        w.copy_from_slice(&(u32::from_ne_bytes(b) ^ u32::from_ne_bytes(key)).to_ne_bytes());
        rest = r;
    }
    for (b, k) in rest.iter_mut().zip(key) {
        *b ^= k;
    }
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
pub(crate) mod x86 {
    use core::arch::x86_64::*;

    use super::{align_head, mask_tail};

    /// The SSE2 kernel (part of the x86_64 baseline).
    #[inline]
    pub(crate) fn mask_sse2(buf: &mut [u8], key: [u8; 4]) {
        let len = buf.len();
        if len < 16 {
            return mask_tail(buf, key);
        }
        let (mut i, key) = align_head(buf, key, 16);
        let p = buf.as_mut_ptr();
        // SAFETY: SSE2 is part of the x86_64 baseline; every load and store below
        // covers 16 bytes at `i` with `i + 16 <= len` (checked by each loop
        // condition), so it stays inside `buf`; `loadu`/`storeu` need no alignment.
        unsafe {
            let k = _mm_set1_epi32(i32::from_ne_bytes(key));
            while i + 64 <= len {
                let a = _mm_loadu_si128(p.add(i).cast());
                let b = _mm_loadu_si128(p.add(i + 16).cast());
                let c = _mm_loadu_si128(p.add(i + 32).cast());
                let d = _mm_loadu_si128(p.add(i + 48).cast());
                _mm_storeu_si128(p.add(i).cast(), _mm_xor_si128(a, k));
                _mm_storeu_si128(p.add(i + 16).cast(), _mm_xor_si128(b, k));
                _mm_storeu_si128(p.add(i + 32).cast(), _mm_xor_si128(c, k));
                _mm_storeu_si128(p.add(i + 48).cast(), _mm_xor_si128(d, k));
                i += 64;
            }
            while i + 16 <= len {
                let a = _mm_loadu_si128(p.add(i).cast());
                _mm_storeu_si128(p.add(i).cast(), _mm_xor_si128(a, k));
                i += 16;
            }
        }
        // `i` moved by multiples of 16 since the key was last rotated: phase 0.
        if i < len {
            mask_tail(&mut buf[i..], key);
        }
    }

    /// The AVX2 kernel.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) unsafe fn mask_avx2(buf: &mut [u8], key: [u8; 4]) {
        let len = buf.len();
        if len < 32 {
            return mask_sse2(buf, key);
        }
        let (mut i, key) = align_head(buf, key, 32);
        let p = buf.as_mut_ptr();
        let k = _mm256_set1_epi32(i32::from_ne_bytes(key));
        // SAFETY: every load and store below covers 32 bytes at `i` with
        // `i + 32 <= len` (checked by each loop condition), so it stays inside
        // `buf`; `loadu`/`storeu` need no alignment. AVX2 is enabled on this function.
        unsafe {
            while i + 128 <= len {
                let a = _mm256_loadu_si256(p.add(i).cast());
                let b = _mm256_loadu_si256(p.add(i + 32).cast());
                let c = _mm256_loadu_si256(p.add(i + 64).cast());
                let d = _mm256_loadu_si256(p.add(i + 96).cast());
                _mm256_storeu_si256(p.add(i).cast(), _mm256_xor_si256(a, k));
                _mm256_storeu_si256(p.add(i + 32).cast(), _mm256_xor_si256(b, k));
                _mm256_storeu_si256(p.add(i + 64).cast(), _mm256_xor_si256(c, k));
                _mm256_storeu_si256(p.add(i + 96).cast(), _mm256_xor_si256(d, k));
                i += 128;
            }
            while i + 32 <= len {
                let a = _mm256_loadu_si256(p.add(i).cast());
                _mm256_storeu_si256(p.add(i).cast(), _mm256_xor_si256(a, k));
                i += 32;
            }
        }
        mask_sse2(&mut buf[i..], key);
    }
}

#[cfg(all(target_arch = "aarch64", not(miri)))]
pub(crate) mod neon {
    use core::arch::aarch64::*;

    use super::{align_head, mask_tail};

    /// The NEON kernel (part of the aarch64 baseline).
    #[inline]
    pub(crate) fn mask_neon(buf: &mut [u8], key: [u8; 4]) {
        let len = buf.len();
        if len < 16 {
            return mask_tail(buf, key);
        }
        let (mut i, key) = align_head(buf, key, 16);
        let p = buf.as_mut_ptr();
        // SAFETY: NEON is part of the aarch64 baseline; every load and store
        // covers 16 bytes at `i` with `i + 16 <= len` (checked by each loop
        // condition), inside `buf`; `vld1q`/`vst1q` need only `u8` alignment.
        unsafe {
            let k = vreinterpretq_u8_u32(vdupq_n_u32(u32::from_ne_bytes(key)));
            while i + 64 <= len {
                let a = vld1q_u8(p.add(i));
                let b = vld1q_u8(p.add(i + 16));
                let c = vld1q_u8(p.add(i + 32));
                let d = vld1q_u8(p.add(i + 48));
                vst1q_u8(p.add(i), veorq_u8(a, k));
                vst1q_u8(p.add(i + 16), veorq_u8(b, k));
                vst1q_u8(p.add(i + 32), veorq_u8(c, k));
                vst1q_u8(p.add(i + 48), veorq_u8(d, k));
                i += 64;
            }
            while i + 16 <= len {
                let a = vld1q_u8(p.add(i));
                vst1q_u8(p.add(i), veorq_u8(a, k));
                i += 16;
            }
        }
        mask_tail(&mut buf[i..], key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// The definition, byte by byte.
    fn model(buf: &mut [u8], key: [u8; 4], phase: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(phase + i) % 4];
        }
    }

    type Kernel = (&'static str, fn(&mut [u8], [u8; 4]));

    /// Every kernel this CPU can run, by name.
    fn kernels() -> Vec<Kernel> {
        let mut v: Vec<Kernel> = alloc::vec![("scalar", mask_scalar), ("dispatch", mask)];
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        {
            v.push(("sse2", x86::mask_sse2));
            #[cfg(feature = "std")]
            if std::is_x86_feature_detected!("avx2") {
                fn avx2(buf: &mut [u8], key: [u8; 4]) {
                    // SAFETY: only pushed after AVX2 was detected.
                    unsafe { x86::mask_avx2(buf, key) }
                }
                v.push(("avx2", avx2));
            }
        }
        #[cfg(all(target_arch = "aarch64", not(miri)))]
        v.push(("neon", neon::mask_neon));
        v
    }

    /// Checks every kernel on `data[off..off + len]` at key phase `phase`.
    fn check(data: &[u8], off: usize, len: usize, key: [u8; 4], phase: usize) {
        let mut want = data.to_vec();
        model(&mut want[off..off + len], key, phase);
        for (name, k) in kernels() {
            let mut got = data.to_vec();
            k(&mut got[off..off + len], rotate(key, phase));
            assert_eq!(got, want, "{name}: len {len} off {off} phase {phase}");
        }
    }

    #[test]
    fn every_length_phase_and_alignment() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 37 + 11) as u8).collect();
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let lens: Vec<usize> = if cfg!(miri) {
            alloc::vec![0, 1, 7, 8, 9, 33]
        } else {
            (0..=200).collect()
        };
        for len in lens {
            for phase in 0..4 {
                for off in [0, 1, 3, 17, 31, 64] {
                    check(&data, off, len.min(data.len() - off), key, phase);
                }
            }
        }
    }

    #[test]
    fn long_buffers_take_the_aligned_path() {
        let n = if cfg!(miri) { 600 } else { 70_000 };
        let data: Vec<u8> = (0..n as u32).map(|i| (i ^ (i >> 7)) as u8).collect();
        for off in [0, 1, 5, 13, 31] {
            for phase in 0..4 {
                check(&data, off, n - 64, [1, 2, 3, 0xff], phase);
            }
        }
    }

    #[test]
    fn rotate_is_a_shift_of_the_phase() {
        let key = [1, 2, 3, 4];
        assert_eq!(rotate(key, 0), key);
        assert_eq!(rotate(key, 1), [2, 3, 4, 1]);
        assert_eq!(rotate(key, 6), [3, 4, 1, 2]);
        assert_eq!(rotate(rotate(key, 3), 1), key);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
        #[test]
        fn kernels_agree_on_random_input(
            data in prop::collection::vec(any::<u8>(), 0..5000),
            off in 0usize..64,
            key in any::<[u8; 4]>(),
            phase in 0usize..4,
        ) {
            let off = off.min(data.len());
            check(&data, off, data.len() - off, key, phase);
        }
    }
}
