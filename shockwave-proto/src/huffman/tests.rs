use alloc::vec::Vec;

use proptest::prelude::*;

use super::code::{CODES, EOS};
use super::{HuffmanError, decode, encode, encoded_len};

fn enc(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(s, &mut out);
    out
}

fn dec(s: &[u8]) -> Result<Vec<u8>, HuffmanError> {
    let mut out = Vec::new();
    decode(s, &mut out).map(|()| out)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Packs codes MSB first, padding the end with `pad_bit` to `pad_bits`
/// further bits, then to an octet boundary with ones.
fn pack(codes: &[(u32, u8)], pad_bits: u32, pad_bit: u64) -> Vec<u8> {
    let mut bits: Vec<u64> = Vec::new();
    for &(code, len) in codes {
        for k in (0..len).rev() {
            bits.push(u64::from((code >> k) & 1));
        }
    }
    for _ in 0..pad_bits {
        bits.push(pad_bit);
    }
    while !bits.len().is_multiple_of(8) {
        bits.push(1);
    }
    bits.chunks(8)
        .map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8))
        .collect()
}

/// The strings of RFC 7541 appendix C.4 and C.6 with their Huffman forms.
const RFC_STRINGS: &[(&str, &str)] = &[
    ("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"),
    ("no-cache", "a8eb10649cbf"),
    ("custom-key", "25a849e95ba97d7f"),
    ("custom-value", "25a849e95bb8e8b4bf"),
    ("302", "6402"),
    ("private", "aec3771a4b"),
    (
        "Mon, 21 Oct 2013 20:13:21 GMT",
        "d07abe941054d444a8200595040b8166e082a62d1bff",
    ),
    (
        "https://www.example.com",
        "9d29ad171863c78f0b97c8e9ae82ae43d3",
    ),
    ("307", "640eff"),
    ("gzip", "9bd9ab"),
    (
        "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
        "94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ),
];

#[test]
fn rfc_examples_encode_and_decode() {
    for &(text, wire) in RFC_STRINGS {
        let wire = hex(wire);
        assert_eq!(enc(text.as_bytes()), wire, "{text}");
        assert_eq!(encoded_len(text.as_bytes()), wire.len(), "{text}");
        assert_eq!(dec(&wire).unwrap(), text.as_bytes(), "{text}");
    }
}

#[test]
fn code_is_complete() {
    // Kraft sum of exactly one: every bit pattern starts with a code, so the
    // decoder never meets a pattern that is no code.
    let sum: u64 = CODES.iter().map(|&(_, len)| 1u64 << (30 - len)).sum();
    assert_eq!(sum, 1 << 30);
}

#[test]
fn every_symbol_round_trips_alone_and_between_others() {
    for sym in 0..=255u8 {
        for s in [
            &[sym][..],
            &[sym, sym, sym][..],
            &[b'a', sym, b'0'][..],
            &[sym, 0xff, sym, b'e'][..],
        ] {
            let wire = enc(s);
            assert_eq!(wire.len(), encoded_len(s));
            assert_eq!(dec(&wire).unwrap(), s, "symbol {sym}");
        }
        // Long runs exercise the word-at-a-time loop.
        let run = [sym; 40];
        assert_eq!(dec(&enc(&run)).unwrap(), run, "run of {sym}");
    }
}

#[test]
fn empty_string() {
    assert!(enc(b"").is_empty());
    assert_eq!(encoded_len(b""), 0);
    assert_eq!(dec(b"").unwrap(), b"");
}

#[test]
fn decode_appends_and_keeps_output_on_error() {
    let mut out = b"prefix".to_vec();
    decode(&hex("a8eb10649cbf"), &mut out).unwrap();
    assert_eq!(out, b"prefixno-cache");
    assert_eq!(decode(&[0x00], &mut out), Err(HuffmanError::InvalidPadding));
    assert_eq!(out, b"prefixno-cache");
}

#[test]
fn eos_in_string_is_an_error() {
    let eos = CODES[EOS];
    let a = CODES[usize::from(b'a')];
    // EOS alone (30 bits + 2 padding ones), after a symbol, and before one.
    assert_eq!(dec(&pack(&[eos], 0, 1)), Err(HuffmanError::Eos));
    assert_eq!(dec(&pack(&[a, eos], 0, 1)), Err(HuffmanError::Eos));
    assert_eq!(dec(&pack(&[eos, a], 0, 1)), Err(HuffmanError::Eos));
    // In the middle of a long string (the word-at-a-time path).
    let mut codes = [a; 20].to_vec();
    codes.push(eos);
    codes.extend([a; 20]);
    assert_eq!(dec(&pack(&codes, 0, 1)), Err(HuffmanError::Eos));
    // Four all-ones octets: EOS followed by two padding bits.
    assert_eq!(dec(&[0xff; 4]), Err(HuffmanError::Eos));
}

#[test]
fn padding_longer_than_seven_bits_is_an_error() {
    let a = CODES[usize::from(b'a')]; // 5 bits
    // 'a' then 3 ones: fine. 'a' then 11 ones (a whole octet of padding): error.
    assert_eq!(dec(&pack(&[a], 0, 1)).unwrap(), b"a");
    assert_eq!(dec(&pack(&[a], 8, 1)), Err(HuffmanError::InvalidPadding));
    // A full octet of ones alone, and two.
    assert_eq!(dec(&[0xff]), Err(HuffmanError::InvalidPadding));
    assert_eq!(dec(&[0xff, 0xff]), Err(HuffmanError::InvalidPadding));
    // After a long string too.
    let codes = [a; 30];
    assert_eq!(dec(&pack(&codes, 8, 1)), Err(HuffmanError::InvalidPadding));
}

#[test]
fn padding_not_all_ones_is_an_error() {
    let a = CODES[usize::from(b'a')];
    // 'a' (00011) then a zero bit then ones: the padding is not EOS's prefix.
    assert_eq!(dec(&pack(&[a], 1, 0)), Err(HuffmanError::InvalidPadding));
    // 0x00: '0' (00000) then 000 padding.
    assert_eq!(dec(&[0x00]), Err(HuffmanError::InvalidPadding));
    // Every single-octet input whose last bits are not ones after its codes.
    for b in 0..=255u8 {
        let r = dec(&[b]);
        if let Ok(text) = &r {
            assert_eq!(enc(text), [b], "octet {b:#04x} decoded to {text:?}");
        }
    }
}

#[test]
fn every_one_and_two_octet_input_decodes_to_its_canonical_form_or_errs() {
    // Valid input is exactly what the encoder produces from its output: the
    // encoding is unique, so decode-then-encode must give the input back.
    for x in 0..=0xffffu32 {
        let input = [(x >> 8) as u8, x as u8];
        if let Ok(text) = dec(&input) {
            assert_eq!(enc(&text), input, "{input:02x?}");
        }
    }
}

proptest! {
    #[test]
    fn encode_then_decode_is_identity(s in proptest::collection::vec(any::<u8>(), 0..300)) {
        let wire = enc(&s);
        prop_assert_eq!(wire.len(), encoded_len(&s));
        prop_assert_eq!(dec(&wire).unwrap(), s);
    }

    #[test]
    fn text_round_trips(s in "[ -~]{0,200}") {
        prop_assert_eq!(dec(&enc(s.as_bytes())).unwrap(), s.as_bytes());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics_and_is_canonical(s in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(text) = dec(&s) {
            prop_assert_eq!(enc(&text), s);
        }
    }
}
