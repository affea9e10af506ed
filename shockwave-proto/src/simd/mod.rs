//! SIMD kernels: the only place `unsafe` is allowed.
//!
//! The HTTP/1.1 head parser spends its time finding the first byte of a run
//! that does not belong to a class: the end of a token (method, field name),
//! of a request target, or of a field value (whose first byte outside the
//! class must be the CR of the line end). A [`Kernel`] answers those three
//! questions; there is one kernel per instruction set:
//!
//! | kernel | where | width |
//! | --- | --- | --- |
//! | [`Scalar`] | everywhere, and always under Miri | 8 bytes (SWAR on `u64`) |
//! | `Sse2` | x86_64 (SSE2 is part of the baseline) | 16 bytes |
//! | `Avx2` | x86_64 with AVX2, detected at run time (feature `std`) or enabled at compile time | 32 bytes |
//! | `Neon` | aarch64 (NEON is part of the baseline) | 16 bytes |
//!
//! The parser is written once, generic over the kernel, and [`dispatch`] runs
//! it monomorphised for the best kernel, so the choice costs one cached load per
//! parse, not one indirect call per scan.
//!
//! The WebSocket kernels live in [`mask`] (XOR with the masking key) and
//! [`utf8`] (text validation), each with its scalar twin and the same CPU
//! detection; they dispatch per call, since each call covers a whole payload.

pub(crate) mod mask;
#[cfg(all(target_arch = "aarch64", not(miri)))]
mod neon;
pub(crate) mod utf8;
#[cfg(all(target_arch = "x86_64", not(miri)))]
mod x86;

#[cfg(test)]
mod tests;

/// Class bit: `tchar` (RFC 9110 section 5.6.2).
pub(crate) const TCHAR: u8 = 1;
/// Class bit: a byte allowed in a request target: 0x21..=0x7E (no SP, CTL, DEL or non-ASCII).
pub(crate) const TARGET: u8 = 2;
/// Class bit: a byte allowed in a field value or reason phrase: HTAB, SP,
/// VCHAR, obs-text (RFC 9110 section 5.5, RFC 9112 section 4).
pub(crate) const VALUE: u8 = 4;

const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if is_tchar(b) {
            c |= TCHAR;
        }
        if b >= 0x21 && b <= 0x7E {
            c |= TARGET;
        }
        if b == b'\t' || b >= 0x20 && b != 0x7F {
            c |= VALUE;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// The class bits of every byte.
pub(crate) static CLASS: [u8; 256] = classes();

/// The nibble tables of the vector `tchar` classifiers: byte `b` is a tchar iff
/// `LO[b & 15] & HI[b >> 4] != 0`. Bit `h` of `LO[l]` says whether byte
/// `h * 16 + l` is a tchar; `HI[h]` is `1 << h` for ASCII rows, 0 above.
#[cfg(all(
    any(
        target_arch = "aarch64",
        all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2"))
    ),
    not(miri)
))]
const fn nibble_tables() -> ([u8; 16], [u8; 16]) {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    let mut h = 0;
    while h < 8 {
        hi[h] = 1 << h;
        let mut l = 0;
        while l < 16 {
            if CLASS[h * 16 + l] & TCHAR != 0 {
                lo[l] |= 1 << h;
            }
            l += 1;
        }
        h += 1;
    }
    (lo, hi)
}
#[cfg(all(
    any(
        target_arch = "aarch64",
        all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2"))
    ),
    not(miri)
))]
const NIBBLES: ([u8; 16], [u8; 16]) = nibble_tables();

/// The first index `>= pos` whose byte lacks `class`, or `buf.len()`; byte by byte.
#[inline(always)]
pub(crate) fn scan_bytes(buf: &[u8], pos: usize, class: u8) -> usize {
    let Some(rest) = buf.get(pos..) else {
        return buf.len();
    };
    rest.iter()
        .position(|&b| CLASS[b as usize] & class == 0)
        .map_or(buf.len(), |p| pos + p)
}

/// The three scans the head parser needs. Each returns the first index
/// `i >= pos` such that `buf[i]` is outside the class, or `buf.len()` if
/// there is none (also when `pos >= buf.len()`).
pub(crate) trait Kernel: Copy {
    /// The end of a run of `tchar`.
    fn token_end(self, buf: &[u8], pos: usize) -> usize;
    /// The end of a run of bytes 0x21..=0x7E.
    fn target_end(self, buf: &[u8], pos: usize) -> usize;
    /// The end of a run of HTAB, SP, VCHAR and obs-text.
    fn value_end(self, buf: &[u8], pos: usize) -> usize;
}

/// Something to run with the best kernel: the parser entry points.
pub(crate) trait Job {
    /// What the job returns.
    type Output;
    /// Runs the job with kernel `k`; implementations are `#[inline(always)]`
    /// so that the kernel's instructions are available in the whole job.
    fn run<K: Kernel>(self, k: K) -> Self::Output;
}

/// Runs `job` with the best kernel for this CPU.
#[inline]
pub(crate) fn dispatch<J: Job>(job: J) -> J::Output {
    #[cfg(all(test, feature = "std"))]
    if FORCE_SCALAR.with(|f| f.get()) {
        return job.run(Scalar);
    }
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        x86::dispatch(job)
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    {
        job.run(neon::Neon)
    }
    #[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
    {
        job.run(Scalar)
    }
}

#[cfg(all(test, feature = "std"))]
std::thread_local! {
    /// Tests set this to run the parser with the portable kernel on this thread.
    pub(crate) static FORCE_SCALAR: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Runs `f` with the best kernel, then with every other one on this CPU, and
/// checks that they all return the same.
#[cfg(all(test, feature = "std"))]
pub(crate) fn each_kernel<R: PartialEq + core::fmt::Debug>(mut f: impl FnMut() -> R) -> R {
    let best = f();
    FORCE_SCALAR.with(|c| c.set(true));
    let scalar = f();
    FORCE_SCALAR.with(|c| c.set(false));
    assert_eq!(best, scalar, "best kernel and scalar disagree");
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        x86::FORCE_SSE2.with(|c| c.set(true));
        let sse2 = f();
        x86::FORCE_SSE2.with(|c| c.set(false));
        assert_eq!(best, sse2, "best kernel and SSE2 disagree");
    }
    best
}

/// The portable kernel: eight bytes at a time in a `u64` (SWAR).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HI: u64 = 0x8080_8080_8080_8080;
const fn splat(b: u8) -> u64 {
    (b as u64) * 0x0101_0101_0101_0101
}

/// Bytes of `w` (little-endian order) that are not 0x21..=0x7E, as their high bits.
/// Exact per byte: the additions never carry across bytes.
#[inline(always)]
fn swar_bad_target(w: u64) -> u64 {
    let x = w & LO7;
    let below = !x.wrapping_add(splat(0x80 - 0x21));
    let del = x.wrapping_add(splat(0x01));
    (below | del | w) & HI
}

/// Bytes of `w` that are CTL other than HTAB, or DEL, as their high bits. Exact per byte.
#[inline(always)]
pub(crate) fn swar_bad_value(w: u64) -> u64 {
    let x = w & LO7;
    let below = !x.wrapping_add(splat(0x80 - 0x20));
    let not_tab = (x ^ splat(b'\t')).wrapping_add(LO7);
    let del = x.wrapping_add(splat(0x01));
    ((below & not_tab) | del) & !w & HI
}

#[inline(always)]
fn swar_scan(buf: &[u8], pos: usize, class: u8, bad: fn(u64) -> u64) -> usize {
    let Some(rest) = buf.get(pos..) else {
        return buf.len();
    };
    let mut chunks = rest.chunks_exact(8);
    let mut at = pos;
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        let m = bad(u64::from_le_bytes(word));
        if m != 0 {
            return at + (m.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    scan_bytes(buf, at, class)
}

impl Kernel for Scalar {
    #[inline(always)]
    fn token_end(self, buf: &[u8], pos: usize) -> usize {
        scan_bytes(buf, pos, TCHAR)
    }
    #[inline(always)]
    fn target_end(self, buf: &[u8], pos: usize) -> usize {
        swar_scan(buf, pos, TARGET, swar_bad_target)
    }
    #[inline(always)]
    fn value_end(self, buf: &[u8], pos: usize) -> usize {
        swar_scan(buf, pos, VALUE, swar_bad_value)
    }
}
