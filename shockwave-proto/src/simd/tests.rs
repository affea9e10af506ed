//! Every kernel against a byte-at-a-time model written from the RFC grammar.

use super::*;
use alloc::vec::Vec;
use proptest::prelude::*;

fn model_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
fn model_target(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
}
fn model_value(b: u8) -> bool {
    b == b'\t' || b == b' ' || (0x21..=0x7E).contains(&b) || b >= 0x80
}

fn model_end(buf: &[u8], pos: usize, ok: fn(u8) -> bool) -> usize {
    (pos..buf.len()).find(|&i| !ok(buf[i])).unwrap_or(buf.len())
}

/// Checks one kernel on `buf` at the start positions `at`.
fn check<K: Kernel>(k: K, buf: &[u8], at: &[usize]) {
    for &pos in at {
        let want = |ok| {
            if pos > buf.len() {
                buf.len()
            } else {
                model_end(buf, pos, ok)
            }
        };
        assert_eq!(
            k.token_end(buf, pos),
            want(model_tchar),
            "token {buf:?} at {pos}"
        );
        assert_eq!(
            k.target_end(buf, pos),
            want(model_target),
            "target {buf:?} at {pos}"
        );
        assert_eq!(
            k.value_end(buf, pos),
            want(model_value),
            "value {buf:?} at {pos}"
        );
    }
}

/// Checks every kernel on `buf` at every start position.
fn check_all(buf: &[u8]) {
    let all: Vec<usize> = (0..=buf.len() + 1).collect();
    check_all_at(buf, &all);
}

fn check_all_at(buf: &[u8], at: &[usize]) {
    check(Scalar, buf, at);
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        check(x86::Sse2, buf, at);
        #[cfg(feature = "std")]
        if let Some(k) = x86::avx2_if_present() {
            check(k, buf, at);
        }
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    check(neon::Neon, buf, at);
}

#[test]
fn class_table_matches_model() {
    for b in 0..=255u8 {
        assert_eq!(CLASS[b as usize] & TCHAR != 0, model_tchar(b), "{b}");
        assert_eq!(CLASS[b as usize] & TARGET != 0, model_target(b), "{b}");
        assert_eq!(CLASS[b as usize] & VALUE != 0, model_value(b), "{b}");
    }
}

#[test]
fn planted_bytes_at_every_position() {
    // A filler inside every class, then each interesting byte planted at each position,
    // in slices starting at several alignments.
    let specials = [
        0u8, b'\t', b'\n', b'\r', 0x1F, b' ', b'"', b':', b'(', 0x7E, 0x7F, 0x80, 0xFF,
    ];
    let backing: Vec<u8> = alloc::vec![b'a'; 140];
    for len in 0..100 {
        for off in [0, 7, 31] {
            for at in 0..len {
                for &s in &specials {
                    let mut v = backing.clone();
                    v[off + at] = s;
                    check_all_at(&v[off..off + len], &[0, at.saturating_sub(1), at, at + 1]);
                }
            }
        }
    }
}

fn bytes() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(&b"aZ09-_~/?=:;, \t"[..]),
        1 => any::<u8>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn kernels_agree_with_model(buf in prop::collection::vec(bytes(), 0..100), off in 0usize..32) {
        let off = off.min(buf.len());
        check_all(&buf[off..]);
    }
}
