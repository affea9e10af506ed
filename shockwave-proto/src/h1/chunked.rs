//! The chunked transfer coding (RFC 9112 section 7.1): a streaming decoder
//! and the encoder functions.
//!
//! # Decoding
//!
//! [`ChunkedDecoder::decode`] reads from the start of the unconsumed bytes of the
//! read buffer and says what it found ([`Decoded`]):
//! - `Data { start, len }`: body bytes `input[start..start + len]`; consume
//!   `start + len` bytes once they were used, then call again.
//! - `NeedMore { consumed }`: drop `consumed` bytes of framing and read more.
//! - `TrailersStart { consumed }`: the last chunk was read; drop `consumed`
//!   bytes, and the trailer section starts at `input[consumed..]`.
//!
//! The decoder reads framing (size lines, extensions, CRLFs) one byte at a time
//! through a small state machine and consumes every framing byte it has seen, so
//! a caller never keeps a partial size line: `NeedMore.consumed` is always
//! `input.len()`. Any split of the same body gives the same data and the same
//! result. It never allocates: [`ChunkedDecoder::reset`] readies it for the next
//! message.
//!
//! Limits: chunk extensions count against one budget per body (bytes from the
//! end of the chunk-size to the CR of each size line), checked byte by byte; a
//! chunk-size has at most 16 significant hex digits and 32 digits in all.
//!
//! # Encoding
//!
//! [`encode_chunk`], [`encode_chunk_header`] and [`encode_last_chunk`] append to
//! the machine's write buffer.

use alloc::vec::Vec;

use super::write::{is_managed_field, is_tchar, is_valid_field_name, is_valid_field_value};
use super::{Error, ErrorKind, UsageError};

/// Most significant hex digits of a chunk-size: 16 fit in a `u64`.
const MAX_SIGNIFICANT_DIGITS: u8 = 16;
/// Most hex digits of a chunk-size, leading zeros included.
const MAX_SIZE_DIGITS: u8 = 32;

/// What [`ChunkedDecoder::decode`] found at the start of its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Decoded {
    /// Body bytes at `input[start..start + len]` (`len > 0`, possibly only part of
    /// a chunk). The caller consumes `start + len` bytes once it has used them;
    /// the decoder already counted them.
    Data {
        /// Offset of the first body byte (the framing before it is consumed with it).
        start: usize,
        /// Number of body bytes.
        len: usize,
    },
    /// More input needed; the first `consumed` bytes (framing) were used up and
    /// must be dropped by the caller.
    NeedMore {
        /// Framing bytes to drop.
        consumed: usize,
    },
    /// The last chunk (`0` size line) was read; `consumed` bytes (all framing up
    /// to and including the last-chunk line) must be dropped. The trailer section
    /// starts at `input[consumed..]`; the decoder is done after this.
    TrailersStart {
        /// Framing bytes to drop.
        consumed: usize,
    },
}

/// Where the decoder is in the chunked grammar of RFC 9112 section 7.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading chunk-size digits.
    Size,
    /// After the chunk-size or an extension value, no whitespace yet: `;`, BWS or CR.
    ExtEnd,
    /// Whitespace after the chunk-size or a value: more BWS or `;`.
    ExtEndSpace,
    /// After `;`: BWS, then the first character of a name.
    NameStart,
    /// Inside an extension name: tchar, `;`, `=`, BWS or CR.
    Name,
    /// Whitespace after a name: more BWS, `=` or `;`.
    NameSpace,
    /// After `=`: BWS, then a token or a quoted-string.
    ValueStart,
    /// Inside a token value: tchar, `;`, BWS or CR.
    TokenValue,
    /// Inside a quoted-string value.
    Quoted,
    /// After a backslash in a quoted-string.
    QuotedPair,
    /// The CR of a size line was read; LF must follow.
    SizeLf,
    /// Inside chunk data; `remaining` bytes to go.
    Data,
    /// After chunk data: CR.
    DataCr,
    /// After chunk data and CR: LF.
    DataLf,
    /// The last chunk was read.
    Done,
    /// A peer error; returned again on every call.
    Failed(ErrorKind),
}

/// The streaming decoder of one chunked body (RFC 9112 section 7.1).
///
/// ```
/// # use shockwave_proto::h1::chunked::{ChunkedDecoder, Decoded};
/// let mut dec = ChunkedDecoder::new(1024);
/// let input = b"5\r\nhello\r\n0\r\n\r\n";
/// assert_eq!(dec.decode(input), Ok(Decoded::Data { start: 3, len: 5 }));
/// assert_eq!(dec.decode(&input[8..]), Ok(Decoded::TrailersStart { consumed: 5 }));
/// assert!(dec.is_done());
/// ```
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    state: State,
    /// The chunk-size read so far, then the data bytes still to come.
    remaining: u64,
    /// Digits of the current chunk-size, leading zeros included.
    digits: u8,
    /// Digits of the current chunk-size after its leading zeros.
    significant: u8,
    /// Extension bytes seen in this body.
    extensions_size: usize,
    max_extensions_size: usize,
}

impl ChunkedDecoder {
    /// A decoder that allows at most `max_extensions_size` bytes of chunk
    /// extensions over one body.
    pub fn new(max_extensions_size: usize) -> Self {
        ChunkedDecoder {
            state: State::Size,
            remaining: 0,
            digits: 0,
            significant: 0,
            extensions_size: 0,
            max_extensions_size,
        }
    }

    /// Readies the decoder for the next message (keeps the limit).
    pub fn reset(&mut self) {
        *self = ChunkedDecoder::new(self.max_extensions_size);
    }

    /// Whether the last chunk was read ([`Decoded::TrailersStart`] was returned).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from the start of `input` (the unconsumed bytes of the read buffer).
    ///
    /// After an error, every call returns the same error; after
    /// `TrailersStart`, every call returns `TrailersStart { consumed: 0 }`.
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded, Error> {
        let mut pos = 0;
        loop {
            match self.state {
                State::Failed(kind) => return Err(Error::new(kind)),
                State::Done => return Ok(Decoded::TrailersStart { consumed: pos }),
                State::Data => {
                    let available = input.len() - pos;
                    if available == 0 {
                        return Ok(Decoded::NeedMore { consumed: pos });
                    }
                    // Fits in usize: it is at most `available`.
                    let len = self.remaining.min(available as u64) as usize;
                    self.remaining -= len as u64;
                    if self.remaining == 0 {
                        self.state = State::DataCr;
                    }
                    return Ok(Decoded::Data { start: pos, len });
                }
                _ => {
                    let Some(&byte) = input.get(pos) else {
                        return Ok(Decoded::NeedMore { consumed: pos });
                    };
                    match self.framing_byte(byte) {
                        Ok(true) => pos += 1,
                        Ok(false) => {}
                        Err(kind) => {
                            self.state = State::Failed(kind);
                            return Err(Error::new(kind));
                        }
                    }
                }
            }
        }
    }

    /// Takes one byte of framing. Returns whether it was used (`false`: the state
    /// changed and the same byte must be looked at again).
    fn framing_byte(&mut self, b: u8) -> Result<bool, ErrorKind> {
        use State::*;
        let is_ws = b == b' ' || b == b'\t';
        match self.state {
            Size => {
                if let Some(d) = hex_value(b) {
                    self.digits += 1;
                    if self.remaining != 0 || d != 0 {
                        self.significant += 1;
                    }
                    // RFC 9112 section 7.1: recipients MUST anticipate large chunk
                    // sizes and guard against integer overflow.
                    if self.significant > MAX_SIGNIFICANT_DIGITS {
                        return Err(ErrorKind::ChunkSizeOverflow);
                    }
                    if self.digits > MAX_SIZE_DIGITS {
                        return Err(ErrorKind::InvalidChunkSize);
                    }
                    self.remaining = (self.remaining << 4) | u64::from(d);
                    return Ok(true);
                }
                if self.digits == 0 {
                    // chunk-size = 1*HEXDIG
                    return Err(match b {
                        b'\n' => ErrorKind::BareLf,
                        _ => ErrorKind::InvalidChunkSize,
                    });
                }
                self.state = ExtEnd;
                Ok(false)
            }
            SizeLf => {
                if b != b'\n' {
                    return Err(ErrorKind::BareCr);
                }
                self.state = if self.remaining == 0 { Done } else { Data };
                self.digits = 0;
                self.significant = 0;
                Ok(true)
            }
            DataCr | DataLf => {
                // RFC 9112 section 7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
                let (want, next) = if self.state == DataCr {
                    (b'\r', DataLf)
                } else {
                    (b'\n', Size)
                };
                if b != want {
                    return Err(ErrorKind::InvalidChunkTerminator);
                }
                self.state = next;
                Ok(true)
            }
            // Not reached: `decode` handles these states without calling here.
            Data | Done | Failed(_) => Ok(true),
            _ if b == b'\n' => Err(ErrorKind::BareLf), // RFC 9112 section 2.2
            _ if b == b'\r' => {
                // The line may end after a complete extension (no BWS before CRLF).
                if matches!(self.state, ExtEnd | Name | TokenValue) {
                    self.state = SizeLf;
                    Ok(true)
                } else {
                    Err(ErrorKind::InvalidChunkSize)
                }
            }
            ext => {
                // RFC 9112 section 7.1.1: a server ought to limit the total length of
                // chunk extensions; counted per byte so nothing unbounded is read.
                self.extensions_size += 1;
                if self.extensions_size > self.max_extensions_size {
                    return Err(ErrorKind::ChunkExtensionsTooLarge);
                }
                self.state = match (ext, b) {
                    (ExtEnd | ExtEndSpace, _) if is_ws => ExtEndSpace,
                    (ExtEnd | ExtEndSpace | Name | NameSpace | TokenValue, b';') => NameStart,
                    (NameStart, _) if is_ws => NameStart,
                    (NameStart | Name, _) if is_tchar(b) => Name,
                    (Name | NameSpace, _) if is_ws => NameSpace,
                    (Name | NameSpace, b'=') => ValueStart,
                    (ValueStart, _) if is_ws => ValueStart,
                    (ValueStart, b'"') => Quoted,
                    (ValueStart | TokenValue, _) if is_tchar(b) => TokenValue,
                    (TokenValue, _) if is_ws => ExtEndSpace,
                    (Quoted, b'"') => ExtEnd,
                    (Quoted, b'\\') => QuotedPair,
                    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 section 5.6.4)
                    (Quoted, _) if is_ws || (b >= 0x21 && b != 0x7f) => Quoted,
                    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                    (QuotedPair, _) if is_ws || (b >= 0x21 && b != 0x7f) => Quoted,
                    _ => return Err(ErrorKind::InvalidChunkSize),
                };
                Ok(true)
            }
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends `len` in lowercase hex and CRLF.
fn push_size_line(out: &mut Vec<u8>, len: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 2 * core::mem::size_of::<usize>()];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = HEX[n & 0xf];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends one chunk: size line, `data`, CRLF. Empty `data` writes nothing (an
/// empty chunk would end the body).
///
/// ```
/// # use shockwave_proto::h1::chunked::encode_chunk;
/// let mut out = Vec::new();
/// encode_chunk(&mut out, b"hello, world");
/// assert_eq!(out, b"c\r\nhello, world\r\n");
/// ```
pub fn encode_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    out.reserve(2 * core::mem::size_of::<usize>() + data.len() + 4);
    push_size_line(out, data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends only the size line for `len` bytes, `{len:x}\r\n`, for callers that
/// write the data (and the CRLF after it) themselves, e.g. vectored. `len` 0
/// writes nothing: skip empty chunks entirely, as a `0` line would end the body.
pub fn encode_chunk_header(out: &mut Vec<u8>, len: usize) {
    if len != 0 {
        push_size_line(out, len);
    }
}

/// Appends the last chunk and the trailer section: `0\r\n`, then
/// `name: value\r\n` for each trailer, then `\r\n`.
///
/// Each trailer is validated like [`write_field`](super::write::write_field)
/// ([`UsageError::InvalidField`]); the fields the machine manages
/// (Content-Length, Transfer-Encoding, Connection, Keep-Alive) are refused with
/// [`UsageError::ManagedField`]. On error `out` is left exactly as it was.
///
/// ```
/// # use shockwave_proto::h1::chunked::encode_last_chunk;
/// let mut out = Vec::new();
/// encode_last_chunk(&mut out, &[(b"checksum", b"abc")]).unwrap();
/// assert_eq!(out, b"0\r\nchecksum: abc\r\n\r\n");
/// ```
pub fn encode_last_chunk(out: &mut Vec<u8>, trailers: &[(&[u8], &[u8])]) -> Result<(), UsageError> {
    let mut size = 5;
    for &(name, value) in trailers {
        if !is_valid_field_name(name) || !is_valid_field_value(value) {
            return Err(UsageError::InvalidField);
        }
        // RFC 9110 section 6.5.1: framing fields must not be sent as trailers.
        if is_managed_field(name) {
            return Err(UsageError::ManagedField);
        }
        size += name.len() + value.len() + 4;
    }
    out.reserve(size);
    out.extend_from_slice(b"0\r\n");
    for &(name, value) in trailers {
        super::write::push_field_unchecked(out, name, value);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

#[cfg(test)]
mod tests;
