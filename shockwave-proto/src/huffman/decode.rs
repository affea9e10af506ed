//! Table-driven Huffman decoding.
//!
//! The input is read into a 64-bit window, most significant bit first. The
//! top [`PEEK`] bits of the window index [`FAST`], built at compile time from
//! appendix B, which gives the one or two symbols whose codes fit in those
//! bits and how many bits they take; most header text decodes two symbols per
//! lookup. The few codes longer than [`PEEK`] bits (rare octets, EOS) all start
//! with [`PEEK`] ones; they are decoded from the canonical form of the code
//! (RFC 7541 appendix B: "a canonical Huffman code"): the codes of one length
//! are consecutive numbers, so a length's first code and symbol count find the
//! symbol.

use alloc::vec::Vec;

use super::HuffmanError;
use super::code::{CODES, EOS, MAX_CODE_LEN};

/// Bits looked up at once.
const PEEK: u32 = 12;

/// Shortest code length in appendix B.
const MIN_CODE_LEN: u32 = 5;

/// An entry of [`FAST`], packed into a `u32`: bits of both codes (bits
/// 0..5, bit 5 clear, so the window shifts by the entry itself), symbol
/// count (6..8, 0 when no code fits in [`PEEK`] bits), bits of the first
/// code (8..13), first symbol (16..24), second symbol (24..32), so the two
/// symbols are the entry's upper half, stored with one 16-bit write.
const fn entry(sym1: u32, sym2: u32, len1: u32, total: u32, count: u32) -> u32 {
    total | (count << 6) | (len1 << 8) | (sym1 << 16) | (sym2 << 24)
}

const fn total(e: u32) -> u32 {
    e & 0x1f
}

const fn count(e: u32) -> u32 {
    (e >> 6) & 0x3
}

const fn len1(e: u32) -> u32 {
    (e >> 8) & 0x1f
}

const fn sym1(e: u32) -> u32 {
    (e >> 16) & 0xff
}

/// The lookup table: the symbols that the [`PEEK`] bits starting a window
/// begin with.
static FAST: [u32; 1 << PEEK] = build_fast();

const fn build_fast() -> [u32; 1 << PEEK] {
    // One symbol per entry first: every code of at most PEEK bits fills the
    // entries it is a prefix of.
    let mut single = [0u32; 1 << PEEK];
    let mut sym = 0;
    while sym < EOS {
        let (code, len) = CODES[sym];
        let len = len as u32;
        if len <= PEEK {
            let first = (code << (PEEK - len)) as usize;
            let mut k = 0;
            while k < 1 << (PEEK - len) {
                single[first + k] = entry(sym as u32, 0, len, len, 1);
                k += 1;
            }
        }
        sym += 1;
    }
    // Then a second symbol where the bits after the first code hold a whole
    // code too.
    let mut table = single;
    let mut i = 0;
    while i < 1 << PEEK {
        let e = single[i];
        let first_len = len1(e);
        if first_len != 0 && first_len + MIN_CODE_LEN <= PEEK {
            let rest = (i << first_len) & ((1 << PEEK) - 1);
            let next = single[rest];
            let next_len = len1(next);
            if next_len != 0 && first_len + next_len <= PEEK {
                table[i] = entry(sym1(e), sym1(next), first_len, first_len + next_len, 2);
            }
        }
        i += 1;
    }
    table
}

/// The canonical form of the codes longer than [`PEEK`] bits: per length, the
/// first code, the number of codes, and where their symbols start in
/// [`LONG_SYMBOLS`] (ordered by code).
struct Long {
    first: [u32; MAX_CODE_LEN as usize + 1],
    count: [u32; MAX_CODE_LEN as usize + 1],
    offset: [u32; MAX_CODE_LEN as usize + 1],
    symbols: [u16; 257],
}

static LONG: Long = build_long();

const fn build_long() -> Long {
    let mut long = Long {
        first: [0; MAX_CODE_LEN as usize + 1],
        count: [0; MAX_CODE_LEN as usize + 1],
        offset: [0; MAX_CODE_LEN as usize + 1],
        symbols: [0; 257],
    };
    let mut next = 0;
    let mut len = 1;
    while len <= MAX_CODE_LEN as usize {
        long.offset[len] = next;
        // Symbols of this length in code order: repeatedly the smallest code
        // above the previous one.
        let mut prev: i64 = -1;
        loop {
            let mut best = EOS + 1;
            let mut sym = 0;
            while sym <= EOS {
                let (code, l) = CODES[sym];
                if l as usize == len && code as i64 > prev && (best > EOS || code < CODES[best].0) {
                    best = sym;
                }
                sym += 1;
            }
            if best > EOS {
                break;
            }
            let code = CODES[best].0;
            if long.count[len] == 0 {
                long.first[len] = code;
            }
            // Canonical: the codes of one length are consecutive.
            assert!(code == long.first[len] + long.count[len]);
            long.symbols[next as usize] = best as u16;
            long.count[len] += 1;
            next += 1;
            prev = code as i64;
        }
        len += 1;
    }
    assert!(next == 257);
    long
}

/// Decodes a code longer than [`PEEK`] bits from the top of `window`, of
/// which `avail` bits are valid: the symbol and its code's length, or `None`
/// when the code does not end within the valid bits.
#[cold]
fn long_code(window: u64, avail: u32) -> Result<Option<(u8, u32)>, HuffmanError> {
    let mut len = PEEK + 1;
    while len <= MAX_CODE_LEN.min(avail) {
        let l = len as usize;
        let code = (window >> (64 - len)) as u32;
        let k = code.wrapping_sub(LONG.first[l]);
        if k < LONG.count[l] {
            let sym = LONG.symbols[(LONG.offset[l] + k) as usize];
            // RFC 7541 §5.2: EOS in a string is a decoding error.
            return u8::try_from(sym)
                .map(|octet| Some((octet, len)))
                .map_err(|_| HuffmanError::Eos);
        }
        len += 1;
    }
    Ok(None)
}

/// Appends the octets that the Huffman-coded `src` stands for to `out`.
///
/// On error `out` is left as it was.
///
/// # Errors
///
/// [`HuffmanError::Eos`] when the string holds the EOS code,
/// [`HuffmanError::InvalidPadding`] when it ends in more than 7 bits that are
/// not a whole code or in bits that are not all ones (RFC 7541 §5.2).
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
    let start = out.len();
    out.resize(start + decoded_room(src.len()), 0);
    match decode_into(src, &mut out[start..]) {
        Ok(n) => {
            out.truncate(start + n);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Room [`decode_into`] needs for `len` coded octets: every code has at
/// least 5 bits, and a step may write one octet past the last symbol.
#[inline]
pub(crate) const fn decoded_room(len: usize) -> usize {
    len * 8 / MIN_CODE_LEN as usize + 2
}

/// The next 8 octets of `src` from `i` as a big-endian word, zeros past the end.
#[inline(always)]
fn load(src: &[u8], i: usize) -> u64 {
    if let Some(chunk) = src.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        return u64::from_be_bytes(word);
    }
    load_end(src, i)
}

/// [`load`] near the end of `src`: the last 8 octets shifted into place when
/// there are that many, else the few octets assembled.
#[inline]
fn load_end(src: &[u8], i: usize) -> u64 {
    let rest = src.len().saturating_sub(i);
    if rest == 0 {
        return 0;
    }
    if let Some(last) = src.len().checked_sub(8).and_then(|start| src.get(start..)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(last);
        return u64::from_be_bytes(word) << (8 * (8 - rest));
    }
    src[i..]
        .iter()
        .enumerate()
        .fold(0, |w, (k, &b)| w | (u64::from(b) << (56 - 8 * k)))
}

/// Decodes `src` into the start of `buf`, which has at least
/// [`decoded_room`] octets, and returns the number written (the octets after
/// them are scratch). For callers that keep a buffer of their own instead of
/// a `Vec` to append to.
///
/// # Errors
///
/// As [`decode`].
pub(crate) fn decode_into(src: &[u8], buf: &mut [u8]) -> Result<usize, HuffmanError> {
    // The valid bits are the top `avail` bits of `window`; the bits below
    // them are the input's next bits or zeros, which no step looks at.
    let mut window: u64 = 0;
    let mut avail: u32 = 0;
    let mut i = 0;
    let mut o = 0;
    loop {
        window |= load(src, i) >> avail;
        let take = ((64 - avail) / 8).min((src.len() - i) as u32);
        i += take as usize;
        avail += take * 8;
        if i == src.len() {
            break;
        }
        // Every code fits in MAX_CODE_LEN bits, so each lookup is complete.
        while avail >= MAX_CODE_LEN {
            fast_step(&mut window, &mut avail, buf, &mut o)?;
        }
    }
    // The whole rest of the input is in the window.
    while avail >= MAX_CODE_LEN {
        fast_step(&mut window, &mut avail, buf, &mut o)?;
    }
    while avail > 0 {
        let e = FAST[(window >> (64 - PEEK)) as usize];
        let step = if count(e) != 0 && total(e) <= avail {
            buf[o..o + 2].copy_from_slice(&((e >> 16) as u16).to_le_bytes());
            o += count(e) as usize;
            total(e)
        } else if count(e) != 0 && len1(e) <= avail {
            buf[o] = sym1(e) as u8;
            o += 1;
            len1(e)
        } else if count(e) != 0 {
            break;
        } else {
            let Some((sym, len)) = long_code(window, avail)? else {
                break;
            };
            buf[o] = sym;
            o += 1;
            len
        };
        window <<= step;
        avail -= step;
    }
    // RFC 7541 §5.2: at most 7 bits of padding, all ones (the start of EOS).
    if avail > 7 || (avail > 0 && (window >> (64 - avail)) != (1 << avail) - 1) {
        return Err(HuffmanError::InvalidPadding);
    }
    Ok(o)
}

/// Decodes the code(s) at the top of `window`, which holds at least
/// [`MAX_CODE_LEN`] valid bits.
#[inline(always)]
fn fast_step(
    window: &mut u64,
    avail: &mut u32,
    buf: &mut [u8],
    o: &mut usize,
) -> Result<(), HuffmanError> {
    let e = FAST[(*window >> (64 - PEEK)) as usize];
    if count(e) != 0 {
        buf[*o..*o + 2].copy_from_slice(&((e >> 16) as u16).to_le_bytes());
        *o += count(e) as usize;
        // Shifting by the entry shifts by its low 6 bits: the codes' length.
        *window = window.wrapping_shl(e);
        *avail -= total(e);
    } else {
        // A code always ends within MAX_CODE_LEN bits (the code is complete,
        // tested); refuse rather than panic.
        let (sym, len) = long_code(*window, *avail)?.ok_or(HuffmanError::InvalidPadding)?;
        buf[*o] = sym;
        *o += 1;
        *window <<= len;
        *avail -= len;
    }
    Ok(())
}
