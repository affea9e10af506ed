//! Streaming UTF-8 validation of text messages (RFC 6455 section 8.1,
//! RFC 3629 section 4).
//!
//! A text message arrives in pieces (TCP reads, fragments, inflated output)
//! whose boundaries may fall inside a character. [`Utf8Validator::feed`]
//! checks each piece as soon as it arrives and fails as early as the bytes
//! allow: a byte that no valid text could continue with fails the piece it is
//! in, even when its character is not complete yet (`F4 90`, `ED A0`, `C0`
//! fail at once); only the valid beginning of a character at the end of a
//! piece is carried over to the next. Each piece goes to the SIMD kernels
//! (with their ASCII fast path), whole where the kernel can report an open
//! end, else cut before it.

use crate::simd::utf8::{Verdict, sequence, validate, validate_open};

/// Pieces up to this long are tested for ASCII first (`<[u8]>::is_ascii`,
/// a word at a time): cheaper than the kernels' setup when they are.
const SHORT_ASCII: usize = 64;

/// The text was not UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error;

impl core::fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("invalid UTF-8")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Utf8Error {}

/// Validates text fed in pieces; carries at most 3 bytes of an unfinished
/// character between pieces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utf8Validator {
    /// The lead byte of the unfinished character.
    lead: u8,
    /// Bytes of it seen so far (0: none carried).
    have: u8,
    /// Its length.
    need: u8,
}

impl Utf8Validator {
    /// A validator at the start of a text.
    pub const fn new() -> Self {
        Utf8Validator {
            lead: 0,
            have: 0,
            need: 0,
        }
    }

    /// Checks the next piece of the text.
    #[inline]
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), Utf8Error> {
        // A short ASCII piece with no character carried over (a chat-sized
        // message): two overlapping word loads, inline, no call.
        if self.have == 0 && bytes.len() <= 16 && short_ascii(bytes) {
            return Ok(());
        }
        self.feed_slow(bytes)
    }

    #[inline(never)]
    fn feed_slow(&mut self, bytes: &[u8]) -> Result<(), Utf8Error> {
        let mut rest = bytes;
        while self.have > 0 {
            let Some((&b, r)) = rest.split_first() else {
                return Ok(());
            };
            self.continue_with(b)?;
            rest = r;
        }
        // A short all-ASCII piece (chat-sized text) ends with a word test,
        // before any kernel's setup.
        if rest.len() <= SHORT_ASCII && rest.is_ascii() {
            return Ok(());
        }
        // A long piece is read whole by the vector kernel, which reports an
        // open end instead of failing it; a short one is cut before its open end.
        let tail = match validate_open(rest) {
            Some(Verdict::Invalid) => return Err(Utf8Error),
            Some(Verdict::Complete) => rest.len(),
            Some(Verdict::Open) => open_tail(rest),
            None => {
                let tail = open_tail(rest);
                if !validate(&rest[..tail]) {
                    return Err(Utf8Error);
                }
                tail
            }
        };
        for &b in &rest[tail..] {
            self.continue_with(b)?;
        }
        Ok(())
    }

    /// Ends the text: an unfinished character is an error. The validator is
    /// ready for the next text either way.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let open = self.have > 0;
        *self = Self::new();
        if open { Err(Utf8Error) } else { Ok(()) }
    }

    /// Whether the text so far ends on a character boundary.
    pub fn is_complete(&self) -> bool {
        self.have == 0
    }

    /// Takes byte `b` of a character that is not finished (or starts one).
    fn continue_with(&mut self, b: u8) -> Result<(), Utf8Error> {
        if self.have == 0 {
            let (n, _, _) = sequence(b).ok_or(Utf8Error)?;
            if n > 1 {
                (self.lead, self.have, self.need) = (b, 1, n as u8);
            }
            return Ok(());
        }
        let ok = if self.have == 1 {
            let (_, lo, hi) = sequence(self.lead).ok_or(Utf8Error)?;
            (lo..=hi).contains(&b)
        } else {
            b & 0xC0 == 0x80
        };
        if !ok {
            return Err(Utf8Error);
        }
        self.have += 1;
        if self.have == self.need {
            self.have = 0;
        }
        Ok(())
    }
}

/// Whether `b` (at most 16 bytes) is ASCII: two overlapping word loads.
#[inline(always)]
fn short_ascii(b: &[u8]) -> bool {
    if let (Some(x), Some(y)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        (u64::from_ne_bytes(*x) | u64::from_ne_bytes(*y)) & 0x8080_8080_8080_8080 == 0
    } else if let (Some(x), Some(y)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        (u32::from_ne_bytes(*x) | u32::from_ne_bytes(*y)) & 0x8080_8080 == 0
    } else {
        b.iter().fold(0u8, |a, &c| a | c) < 0x80
    }
}

/// Where the character left open at the end of `buf` starts (`buf.len()`
/// if none is): the last lead byte among the final three whose sequence runs
/// past the end. A byte that can lead nothing counts as open, so that the
/// byte-wise check rejects it.
fn open_tail(buf: &[u8]) -> usize {
    let len = buf.len();
    for back in 1..=len.min(3) {
        let b = buf[len - back];
        if b < 0x80 {
            return len;
        }
        if b >= 0xC0 {
            return match sequence(b) {
                Some((n, _, _)) if n <= back => len,
                _ => len - back,
            };
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn feed_all(pieces: &[&[u8]]) -> Result<(), Utf8Error> {
        let mut v = Utf8Validator::new();
        for p in pieces {
            v.feed(p)?;
        }
        v.finish()
    }

    #[test]
    fn characters_split_across_pieces() {
        let euro = "€".as_bytes();
        assert_eq!(feed_all(&[&euro[..1], &euro[1..2], &euro[2..]]), Ok(()));
        assert_eq!(feed_all(&[b"ab", &euro[..2]]), Err(Utf8Error));
        let emoji = "😀".as_bytes();
        for cut in 0..=4 {
            assert_eq!(feed_all(&[&emoji[..cut], &emoji[cut..]]), Ok(()));
        }
    }

    #[test]
    fn impossible_bytes_fail_at_once() {
        // Each is the start of a piece whose character is not finished yet,
        // but no continuation could make it valid.
        for bad in [
            &b"\xf4\x90"[..],
            b"\xed\xa0",
            b"\xe0\x80",
            b"\xf0\x80",
            b"\xc0",
            b"\xc1",
            b"\xf5",
            b"\xff",
            b"\x80",
            b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80",
        ] {
            let mut v = Utf8Validator::new();
            assert_eq!(v.feed(bad), Err(Utf8Error), "{bad:02x?}");
        }
        // A valid beginning waits for more.
        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(b"abc\xf4\x8f"), Ok(()));
        assert!(!v.is_complete());
        assert_eq!(v.feed(b"\x80"), Ok(()));
        assert_eq!(v.feed(b"\x7f"), Err(Utf8Error));
    }

    fn text_bytes() -> impl Strategy<Value = Vec<u8>> {
        let ch = prop_oneof![
            4 => any::<char>().prop_map(|c| {
                let mut b = [0u8; 4];
                c.encode_utf8(&mut b).as_bytes().to_vec()
            }),
            2 => prop::collection::vec(0x20u8..0x7f, 1..80),
            1 => prop::collection::vec(any::<u8>(), 1..3),
        ];
        prop::collection::vec(ch, 0..100).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 1000 }))]
        /// Any split gives the whole text's verdict, and a failure comes with
        /// the first piece whose bytes no longer start a valid text.
        #[test]
        fn any_split_agrees_with_core_and_fails_fast(text in text_bytes(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(text.len() + 1)).collect();
            cuts.sort_unstable();
            let mut v = Utf8Validator::new();
            let mut start = 0;
            let mut failed = false;
            for &c in cuts.iter().chain(core::iter::once(&text.len())) {
                let seen = &text[..c];
                // The longest prefix of `seen` that starts some valid text.
                let prefix_ok = match core::str::from_utf8(seen) {
                    Ok(_) => true,
                    Err(e) => e.error_len().is_none(),
                };
                let r = v.feed(&text[start..c]);
                prop_assert_eq!(r.is_ok(), prefix_ok, "piece {}..{}", start, c);
                if r.is_err() {
                    failed = true;
                    break;
                }
                start = c;
            }
            if !failed {
                prop_assert_eq!(v.finish().is_ok(), core::str::from_utf8(&text).is_ok());
            }
        }
    }
}
