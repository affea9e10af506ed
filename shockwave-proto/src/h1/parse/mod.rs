//! HTTP/1.1 message heads parsed in place (RFC 9112 sections 2 to 5).
//!
//! The parser is strict: every ambiguity a request smuggler could use is an
//! [`Error`], never a guess. Lines end in CRLF only; field names are tokens
//! with the colon right after them; no obs-fold; no control characters in
//! values; exactly one SP between the parts of a start line.
//!
//! It records offsets ([`Span`]s) into the buffer, so a
//! head costs no allocation. Feed it what has arrived: [`Parsed::Partial`]
//! means "the head is not complete yet, call again with more bytes"; an error
//! comes as soon as the bytes seen prove one, however much is still missing.
//!
//! ```
//! use shockwave_proto::h1::head::FieldSpan;
//! use shockwave_proto::h1::parse::{parse_request, Parsed};
//! use shockwave_proto::h1::{Method, ParseOptions};
//!
//! let buf = b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n";
//! let mut fields = [FieldSpan::default(); 16];
//! match parse_request(buf, &mut fields, &ParseOptions::default()).unwrap() {
//!     Parsed::Complete { line, fields: n, len } => {
//!         assert_eq!(line.method, Method::Get);
//!         assert_eq!(line.target.of(buf), b"/hello");
//!         assert_eq!(n, 1);
//!         assert_eq!(fields[0].value.of(buf), b"example.com");
//!         assert_eq!(len, buf.len());
//!     }
//!     Parsed::Partial => unreachable!(),
//! }
//! ```

mod fast;
mod fields;
mod request;
mod response;
#[cfg(test)]
mod tests;

use super::config::ParseOptions;
use super::error::{Error, ErrorKind};
use super::head::{FieldSpan, RequestLine, Span, StatusLine, Version};
use crate::simd::{self, Job, Kernel};

/// The outcome of parsing a head from the bytes received so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed<T> {
    /// The head is complete.
    Complete {
        /// The start line (`()` for a field section alone).
        line: T,
        /// How many [`FieldSpan`]s were written at the front of `fields`.
        fields: usize,
        /// Bytes of the head, including the empty line that ends it.
        len: usize,
    },
    /// More bytes are needed; nothing seen so far is wrong.
    Partial,
}

/// What the internal steps return: `Ok(None)` is "need more bytes".
type Step<T> = Result<Option<T>, Error>;

/// An error of the given kind; out of line, errors are the cold path.
#[cold]
#[inline(never)]
fn fail<T>(kind: ErrorKind) -> Result<T, Error> {
    Err(Error::new(kind))
}

/// Parses a request head: request line, field lines, empty line (RFC 9112 section 2.1).
///
/// Field lines are recorded in `fields`; more than `fields.len()` of them is
/// [`ErrorKind::TooManyFields`]. A single CRLF before the request line is skipped
/// (RFC 9112 section 2.2).
#[inline]
pub fn parse_request(
    buf: &[u8],
    fields: &mut [FieldSpan],
    opts: &ParseOptions,
) -> Result<Parsed<RequestLine>, Error> {
    if buf.len() > u32::MAX as usize {
        return fail(ErrorKind::HeadTooLarge);
    }
    simd::dispatch(RequestJob { buf, fields, opts })
}

/// Parses a response head: status line, field lines, empty line (RFC 9112 section 2.1).
pub fn parse_response(
    buf: &[u8],
    fields: &mut [FieldSpan],
    opts: &ParseOptions,
) -> Result<Parsed<StatusLine>, Error> {
    if buf.len() > u32::MAX as usize {
        return fail(ErrorKind::HeadTooLarge);
    }
    let _ = opts;
    simd::dispatch(ResponseJob { buf, fields })
}

/// Parses a field section alone (the trailer section of a chunked body,
/// RFC 9112 section 7.1.2): field lines from `buf[0]` up to and including the
/// empty line. An immediate CRLF is an empty section:
/// `Complete { line: (), fields: 0, len: 2 }`.
pub fn parse_fields(
    buf: &[u8],
    fields: &mut [FieldSpan],
    opts: &ParseOptions,
) -> Result<Parsed<()>, Error> {
    if buf.len() > u32::MAX as usize {
        return fail(ErrorKind::HeadTooLarge);
    }
    let _ = opts;
    simd::dispatch(FieldsJob { buf, fields })
}

struct RequestJob<'a, 'f> {
    buf: &'a [u8],
    fields: &'f mut [FieldSpan],
    opts: &'a ParseOptions,
}

impl Job for RequestJob<'_, '_> {
    type Output = Result<Parsed<RequestLine>, Error>;
    #[inline(always)]
    fn run<K: Kernel>(self, k: K) -> Self::Output {
        if !crate::tests_take_general_paths()
            && let Some((line, fields, len)) =
                fast::request_head(k, self.buf, self.fields, self.opts)
        {
            return Ok(Parsed::Complete { line, fields, len });
        }
        let Some((line, pos)) = request::request_line(k, self.buf, self.opts)? else {
            return Ok(Parsed::Partial);
        };
        finish(k, self.buf, pos, self.fields, line)
    }
}

struct ResponseJob<'a, 'f> {
    buf: &'a [u8],
    fields: &'f mut [FieldSpan],
}

impl Job for ResponseJob<'_, '_> {
    type Output = Result<Parsed<StatusLine>, Error>;
    #[inline(always)]
    fn run<K: Kernel>(self, k: K) -> Self::Output {
        let Some((line, pos)) = response::status_line(k, self.buf)? else {
            return Ok(Parsed::Partial);
        };
        finish(k, self.buf, pos, self.fields, line)
    }
}

struct FieldsJob<'a, 'f> {
    buf: &'a [u8],
    fields: &'f mut [FieldSpan],
}

impl Job for FieldsJob<'_, '_> {
    type Output = Result<Parsed<()>, Error>;
    #[inline(always)]
    fn run<K: Kernel>(self, k: K) -> Self::Output {
        finish(k, self.buf, 0, self.fields, ())
    }
}

/// Parses the field lines from `pos` and wraps the outcome.
#[inline(always)]
fn finish<K: Kernel, T>(
    k: K,
    buf: &[u8],
    pos: usize,
    fields: &mut [FieldSpan],
    line: T,
) -> Result<Parsed<T>, Error> {
    Ok(match fields::field_lines(k, buf, pos, fields)? {
        Some((n, len)) => Parsed::Complete {
            line,
            fields: n,
            len,
        },
        None => Parsed::Partial,
    })
}

/// Skips the one empty line a recipient may ignore before a start line
/// (RFC 9112 section 2.2); more than one is an error.
#[inline(always)]
fn skip_leading_crlf(buf: &[u8]) -> Step<usize> {
    match buf.first() {
        None => Ok(None),
        Some(b'\r') => match buf.get(1) {
            None => Ok(None),
            Some(b'\n') => match buf.get(2) {
                None => Ok(None),
                Some(b'\r' | b'\n') => fail(ErrorKind::LeadingEmptyLines),
                Some(_) => Ok(Some(2)),
            },
            Some(_) => fail(ErrorKind::BareCr),
        },
        // RFC 9112 section 2.2: a bare LF is not a line terminator here.
        Some(b'\n') => fail(ErrorKind::BareLf),
        Some(_) => Ok(Some(0)),
    }
}

/// `HTTP/1.1` and `HTTP/1.0` as little-endian words.
const HTTP11: u64 = u64::from_le_bytes(*b"HTTP/1.1");
const HTTP10: u64 = u64::from_le_bytes(*b"HTTP/1.0");

/// Reads 8 bytes at `at` as a little-endian word, if there are 8.
#[inline(always)]
fn word_at(buf: &[u8], at: usize) -> Option<u64> {
    // Two compares (`at` in the buffer, 8 bytes after it), no overflow check.
    let w = buf.get(at..)?.first_chunk::<8>()?;
    Some(u64::from_le_bytes(*w))
}

/// Parses `HTTP-version` at `at` (RFC 9112 section 2.3): `HTTP/` DIGIT `.` DIGIT.
/// Each byte is checked as it arrives, so an error never waits for the rest.
#[inline(always)]
fn version(buf: &[u8], at: usize) -> Step<Version> {
    match word_at(buf, at) {
        Some(HTTP11) => return Ok(Some(Version::Http11)),
        Some(HTTP10) => return Ok(Some(Version::Http10)),
        _ => {}
    }
    version_slow(buf, at)
}

#[cold]
fn version_slow(buf: &[u8], at: usize) -> Step<Version> {
    let mut minor = 0;
    for (i, want) in b"HTTP/1.1".iter().enumerate() {
        let Some(&b) = buf.get(at + i) else {
            return Ok(None);
        };
        match i {
            5 | 7 if !b.is_ascii_digit() => return fail(ErrorKind::InvalidVersion),
            // Only HTTP/1.x is spoken on this wire (RFC 9110 section 6.2).
            5 if b != b'1' => return fail(ErrorKind::UnsupportedVersion),
            7 => minor = b - b'0',
            0..=4 | 6 if b != *want => return fail(ErrorKind::InvalidVersion),
            _ => {}
        }
    }
    // A higher minor version is treated as the highest we speak (RFC 9110 section 6.2).
    Ok(Some(if minor == 0 {
        Version::Http10
    } else {
        Version::Http11
    }))
}

/// CRLF as a little-endian word.
const CRLF: u16 = u16::from_le_bytes(*b"\r\n");

/// Reads 2 bytes at `at` as a little-endian word, if there are 2.
#[inline(always)]
fn pair_at(buf: &[u8], at: usize) -> Option<u16> {
    let w = buf.get(at..)?.first_chunk::<2>()?;
    Some(u16::from_le_bytes(*w))
}

/// The first offset from `at` that is not OWS (SP or HTAB, RFC 9110 section 5.6.3).
#[inline(always)]
fn skip_ows(buf: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t') = buf.get(at) {
        at += 1;
    }
    at
}

/// The field line whose name spans `pos..name_end` and whose value runs from
/// `value_start` to the line end `line_end`, trailing OWS trimmed (RFC 9112 section 5.1).
#[inline(always)]
fn field_span(
    buf: &[u8],
    pos: usize,
    name_end: usize,
    value_start: usize,
    line_end: usize,
) -> FieldSpan {
    let value = buf.get(value_start..line_end).unwrap_or_default();
    let kept = value
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |p| p + 1);
    FieldSpan {
        name: Span::new(pos, name_end),
        value: Span::new(value_start, value_start + kept),
    }
}

/// Checks for CRLF at `at` (RFC 9112 section 2.2); `other` is the error for a
/// byte that is neither CR nor LF.
#[inline(always)]
fn crlf(buf: &[u8], at: usize, other: ErrorKind) -> Step<()> {
    match buf.get(at) {
        None => Ok(None),
        Some(b'\r') => match buf.get(at + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some(())),
            Some(_) => fail(ErrorKind::BareCr),
        },
        Some(b'\n') => fail(ErrorKind::BareLf),
        Some(_) => fail(other),
    }
}
