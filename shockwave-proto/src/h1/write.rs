//! The head writer: start lines and field lines, refusing header injection.
//!
//! Every function appends to a `Vec<u8>` the machine reuses, and on a
//! [`UsageError`] leaves it exactly as it was: a name or value that could end a
//! line early (CR, LF, NUL, other controls) is never written (RFC 9110 section 5.5).
//! Nothing here allocates beyond the growth of `out` itself.

use alloc::vec::Vec;

use super::date::{DateCache, LINE_LEN as DATE_LINE_LEN};
use super::{BodyFraming, UsageError, Version};
use crate::simd::{CLASS, Kernel, Scalar, TCHAR, VALUE, swar_bad_value};

/// Whether `b` is a `tchar` (RFC 9110 section 5.6.2).
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    CLASS[b as usize] & TCHAR != 0
}

/// Whether `name` is a valid field name: `1*tchar` (RFC 9110 section 5.6.2).
pub fn is_valid_field_name(name: &[u8]) -> bool {
    !name.is_empty() && all_in_class(name, TCHAR)
}

/// Whether every byte of `bytes` has the class bit `class`. No early exit: the
/// loop has no branch per byte, which is faster for the short names and values
/// a head carries (and a refused field is the rare case).
#[inline]
fn all_in_class(bytes: &[u8], class: u8) -> bool {
    bytes.iter().fold(class, |acc, &b| acc & CLASS[b as usize]) != 0
}

/// Whether every byte of `bytes` may appear inside a field value or reason
/// phrase: HTAB, SP, VCHAR or obs-text; no other control and no DEL
/// (RFC 9110 section 5.5, RFC 9112 section 4).
#[inline]
fn is_field_text(bytes: &[u8]) -> bool {
    // Eight bytes at a time (SWAR), the last word overlapping the others;
    // text shorter than a word byte by byte.
    let Some(last) = bytes.last_chunk::<8>() else {
        return all_in_class(bytes, VALUE);
    };
    let mut bad = swar_bad_value(u64::from_le_bytes(*last));
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        bad |= swar_bad_value(u64::from_le_bytes(word));
    }
    bad == 0
}

/// Whether `value` may be sent as a field value: no CR, LF, NUL or other
/// control except HTAB, no DEL, and no leading or trailing SP/HTAB
/// (RFC 9110 section 5.5). The empty value is valid.
pub fn is_valid_field_value(value: &[u8]) -> bool {
    let edge_ok = |b: Option<&u8>| !matches!(b, Some(b' ' | b'\t'));
    edge_ok(value.first()) && edge_ok(value.last()) && is_field_text(value)
}

/// One table for the canonical reason phrases and the whole status lines
/// built from them, so the common statuses cost one copy of a static line.
macro_rules! statuses {
    ($($code:literal => $reason:literal,)*) => {
        /// The reason phrase RFC 9110 section 15 gives `status` (plus the few later
        /// registrations a server answers with), or `None` for an unknown code.
        pub fn canonical_reason(status: u16) -> Option<&'static str> {
            Some(match status {
                $($code => $reason,)*
                _ => return None,
            })
        }

        /// `HTTP/1.1 <status> <reason>\r\n` for a status with a canonical
        /// reason, padded to a fixed size, with its length.
        fn canonical_status_line(status: u16) -> Option<&'static StatusLineBytes> {
            Some(match status {
                $($code => {
                    const LINE: StatusLineBytes =
                        StatusLineBytes::new(concat!("HTTP/1.1 ", $code, " ", $reason, "\r\n"));
                    &LINE
                })*
                _ => return None,
            })
        }
    };
}

/// A whole status line in a fixed-size array (the longest canonical one is 46
/// bytes), so writing it is a copy of a size known at compile time.
struct StatusLineBytes {
    bytes: [u8; 48],
    len: usize,
}

impl StatusLineBytes {
    const fn new(line: &str) -> Self {
        let line = line.as_bytes();
        let mut bytes = [0u8; 48];
        let mut i = 0;
        while i < line.len() {
            bytes[i] = line[i];
            i += 1;
        }
        StatusLineBytes {
            bytes,
            len: line.len(),
        }
    }
}

statuses! {
    100 => "Continue",
    101 => "Switching Protocols",
    103 => "Early Hints", // RFC 8297
    200 => "OK",
    201 => "Created",
    202 => "Accepted",
    203 => "Non-Authoritative Information",
    204 => "No Content",
    205 => "Reset Content",
    206 => "Partial Content",
    300 => "Multiple Choices",
    301 => "Moved Permanently",
    302 => "Found",
    303 => "See Other",
    304 => "Not Modified",
    305 => "Use Proxy",
    307 => "Temporary Redirect",
    308 => "Permanent Redirect",
    400 => "Bad Request",
    401 => "Unauthorized",
    402 => "Payment Required",
    403 => "Forbidden",
    404 => "Not Found",
    405 => "Method Not Allowed",
    406 => "Not Acceptable",
    407 => "Proxy Authentication Required",
    408 => "Request Timeout",
    409 => "Conflict",
    410 => "Gone",
    411 => "Length Required",
    412 => "Precondition Failed",
    413 => "Content Too Large",
    414 => "URI Too Long",
    415 => "Unsupported Media Type",
    416 => "Range Not Satisfiable",
    417 => "Expectation Failed",
    421 => "Misdirected Request",
    422 => "Unprocessable Content",
    426 => "Upgrade Required",
    428 => "Precondition Required",           // RFC 6585
    429 => "Too Many Requests",               // RFC 6585
    431 => "Request Header Fields Too Large", // RFC 6585; the machine answers it
    451 => "Unavailable For Legal Reasons",   // RFC 7725
    500 => "Internal Server Error",
    501 => "Not Implemented",
    502 => "Bad Gateway",
    503 => "Service Unavailable",
    504 => "Gateway Timeout",
    505 => "HTTP Version Not Supported",
}

/// Writes the decimal digits of `n` at the front of `out`; returns how many.
#[inline]
fn decimal(mut n: u64, out: &mut [u8; 20]) -> usize {
    // Two digits per division, from a table of "00".."99", from the last digit back.
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
                                2021222324252627282930313233343536373839\
                                4041424344454647484950515253545556575859\
                                6061626364656667686970717273747576777879\
                                8081828384858687888990919293949596979899";
    // Bodies are mostly short: a few compares count their digits, where
    // `ilog10` of a `u64` is a couple of dozen instructions.
    let len = match n {
        0..10 => 1,
        10..100 => 2,
        100..1000 => 3,
        1000..10_000 => 4,
        _ => n.ilog10() as usize + 1,
    };
    let mut i = len;
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        out[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        out[0..2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        out[0] = b'0' + n as u8;
    }
    len
}

/// Appends `bytes[..len]` by copying the whole fixed-size array and cutting
/// back: a copy of a size known at compile time is a few moves, where a short
/// copy of a run-time size is a call to `memcpy`.
#[inline(always)]
fn push_prefix<const N: usize>(out: &mut Vec<u8>, bytes: &[u8; N], len: usize) {
    let end = out.len() + len;
    out.extend_from_slice(bytes);
    out.truncate(end);
}

/// Appends the decimal digits of `n`.
#[cfg(test)]
fn push_decimal(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let len = decimal(n, &mut digits);
    push_prefix(out, &digits, len);
}

/// The longest `content-length` line: 16 bytes of name, 20 digits, CRLF.
const CONTENT_LENGTH_MAX: usize = 16 + 20 + 2;

/// `content-length: n\r\n` in a fixed-size array, with its length.
#[inline]
fn content_length_line(n: u64) -> ([u8; CONTENT_LENGTH_MAX], usize) {
    const PREFIX: &[u8; 16] = b"content-length: ";
    let mut line = [0u8; CONTENT_LENGTH_MAX];
    line[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 20];
    let end = PREFIX.len() + decimal(n, &mut digits);
    line[PREFIX.len()..PREFIX.len() + 20].copy_from_slice(&digits);
    line[end..end + 2].copy_from_slice(b"\r\n");
    (line, end + 2)
}

/// Appends `content-length: n\r\n`.
#[inline]
fn push_content_length(out: &mut Vec<u8>, n: u64) {
    let (line, len) = content_length_line(n);
    push_prefix(out, &line, len);
}

/// What a response head ends with, after the application's fields: the fields
/// the machine owns and the empty line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeadEnd {
    /// The framing field to write (`None` for 1xx, 204, 304 and upgrades).
    pub(crate) framing: Option<BodyFraming>,
    /// A `connection` field the machine adds.
    pub(crate) connection: Connection,
}

/// The `connection` field the machine adds to a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Connection {
    /// None: the default of the version says it.
    Unsaid,
    /// `connection: close`: the connection ends after this response.
    Close,
    /// `connection: keep-alive`, for an HTTP/1.0 client.
    KeepAlive,
}

/// Appends the end of a response head ([`HeadEnd`], then the `Date` line if
/// `date` holds one, then CRLF). Room for the longest of each piece is added
/// first and cut back after, so that every piece is a copy of a size known at
/// compile time, written in place.
#[inline]
pub(crate) fn write_head_end(out: &mut Vec<u8>, end: HeadEnd, date: &DateCache) {
    const CONTENT_LENGTH: &[u8; 16] = b"content-length: ";
    const CHUNKED: &[u8; 28] = b"transfer-encoding: chunked\r\n";
    const CLOSE: &[u8; 19] = b"connection: close\r\n";
    const KEEP_ALIVE: &[u8; 24] = b"connection: keep-alive\r\n";
    const MAX: usize = CONTENT_LENGTH_MAX + KEEP_ALIVE.len() + DATE_LINE_LEN + 2;
    let start = out.len();
    out.extend_from_slice(&[0; MAX]);
    let Some(buf) = out.last_chunk_mut::<MAX>() else {
        return;
    };
    let mut len = 0;
    match end.framing {
        Some(BodyFraming::Length(n)) => {
            buf[..16].copy_from_slice(CONTENT_LENGTH);
            let Some(digits) = buf[16..].first_chunk_mut::<20>() else {
                return;
            };
            len = 16 + decimal(n, digits);
            buf[len..len + 2].copy_from_slice(b"\r\n");
            len += 2;
        }
        Some(BodyFraming::Chunked) => {
            buf[..CHUNKED.len()].copy_from_slice(CHUNKED);
            len = CHUNKED.len();
        }
        Some(BodyFraming::Empty | BodyFraming::CloseDelimited) | None => {}
    }
    match end.connection {
        Connection::Unsaid => {}
        Connection::Close => {
            buf[len..len + CLOSE.len()].copy_from_slice(CLOSE);
            len += CLOSE.len();
        }
        Connection::KeepAlive => {
            buf[len..len + KEEP_ALIVE.len()].copy_from_slice(KEEP_ALIVE);
            len += KEEP_ALIVE.len();
        }
    }
    if let Some(line) = date.line() {
        buf[len..len + DATE_LINE_LEN].copy_from_slice(line);
        len += DATE_LINE_LEN;
    }
    buf[len..len + 2].copy_from_slice(b"\r\n");
    out.truncate(start + len + 2);
}

/// Appends a status line: `HTTP/1.1 200 OK\r\n`.
///
/// With `reason` `None` the [`canonical_reason`] is used (or an empty reason
/// for an unknown code). A status outside `100..=999` or a reason with a
/// control character other than HTAB is [`UsageError::InvalidStatus`], and
/// `out` is unchanged.
///
/// ```
/// # use shockwave_proto::h1::{write::write_status_line, Version};
/// let mut out = Vec::new();
/// write_status_line(&mut out, Version::Http11, 404, None).unwrap();
/// assert_eq!(out, b"HTTP/1.1 404 Not Found\r\n");
/// ```
pub fn write_status_line(
    out: &mut Vec<u8>,
    version: Version,
    status: u16,
    reason: Option<&[u8]>,
) -> Result<(), UsageError> {
    // RFC 9112 section 4: status-code = 3DIGIT; reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
    if !(100..=999).contains(&status) {
        return Err(UsageError::InvalidStatus);
    }
    if let (Version::Http11, None, Some(line)) = (version, reason, canonical_status_line(status)) {
        push_prefix(out, &line.bytes, line.len);
        return Ok(());
    }
    let reason = match reason {
        Some(r) if is_field_text(r) => r,
        Some(_) => return Err(UsageError::InvalidStatus),
        None => canonical_reason(status).unwrap_or("").as_bytes(),
    };
    // "HTTP/1.x NNN " as one fixed-size copy: the version is eight bytes.
    let mut start = [0u8; 13];
    start[..8].copy_from_slice(version.as_str().as_bytes());
    start[8] = b' ';
    // Three digits, checked above.
    start[9] = b'0' + (status / 100) as u8;
    start[10] = b'0' + (status / 10 % 10) as u8;
    start[11] = b'0' + (status % 10) as u8;
    // The SP before the reason is required even when the reason is empty.
    start[12] = b' ';
    out.reserve(start.len() + reason.len() + 2);
    out.extend_from_slice(&start);
    out.extend_from_slice(reason);
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Appends a request line: `GET /path HTTP/1.1\r\n`.
///
/// `method` must be a token and `target` non-empty bytes `0x21..=0x7E`
/// (RFC 9112 section 3), else [`UsageError::InvalidRequestLine`] and `out` is unchanged.
pub fn write_request_line(
    out: &mut Vec<u8>,
    method: &[u8],
    target: &[u8],
    version: Version,
) -> Result<(), UsageError> {
    let target_ok = !target.is_empty() && Scalar.target_end(target, 0) == target.len();
    if !is_valid_field_name(method) || !target_ok {
        return Err(UsageError::InvalidRequestLine);
    }
    let version = version.as_str().as_bytes();
    out.reserve(method.len() + target.len() + version.len() + 4);
    out.extend_from_slice(method);
    out.push(b' ');
    out.extend_from_slice(target);
    out.push(b' ');
    out.extend_from_slice(version);
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Appends one field line, `name: value\r\n`.
///
/// An invalid name or value ([`is_valid_field_name`], [`is_valid_field_value`])
/// is [`UsageError::InvalidField`] and `out` is unchanged: no header injection.
///
/// ```
/// # use shockwave_proto::h1::write::write_field;
/// let mut out = Vec::new();
/// write_field(&mut out, b"server", b"shockwave").unwrap();
/// assert!(write_field(&mut out, b"x", b"a\r\nset-cookie: evil").is_err());
/// assert_eq!(out, b"server: shockwave\r\n");
/// ```
pub fn write_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) -> Result<(), UsageError> {
    if !is_valid_field_name(name) || !is_valid_field_value(value) {
        return Err(UsageError::InvalidField);
    }
    push_field_unchecked(out, name, value);
    Ok(())
}

/// Appends `name: value\r\n` for a name and value already validated.
pub(crate) fn push_field_unchecked(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends the field that frames a body: `Length(n)` writes
/// `content-length: n\r\n`, `Chunked` writes `transfer-encoding: chunked\r\n`,
/// `Empty` and `CloseDelimited` write nothing.
#[inline]
pub fn write_framing(out: &mut Vec<u8>, framing: BodyFraming) {
    match framing {
        BodyFraming::Length(n) => push_content_length(out, n),
        BodyFraming::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
        BodyFraming::Empty | BodyFraming::CloseDelimited => {}
    }
}

/// Whether `name` is a framing field the machine writes itself (Content-Length,
/// Transfer-Encoding), ASCII case-insensitive. The application may not give
/// these. Connection is allowed (`upgrade`, `close`): the machine reads a
/// `close` option from it and adds its own `connection: close` when it must.
pub fn is_managed_field(name: &[u8]) -> bool {
    match name.len() {
        14 => name.eq_ignore_ascii_case(b"content-length"),
        17 => name.eq_ignore_ascii_case(b"transfer-encoding"),
        _ => false,
    }
}

/// What the machine learned from the fields the application wrote.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AppFields {
    /// A `connection` field with the `close` option: the connection ends after this message.
    pub(crate) close: bool,
    /// A `host` field was among them.
    pub(crate) host: bool,
}

/// Writes the application's fields, refusing invalid ones and the framing fields
/// the machine writes itself. On error `out` may hold part of them: the caller
/// truncates back to where the head began.
pub(crate) fn write_app_fields<N, V>(
    out: &mut Vec<u8>,
    fields: impl IntoIterator<Item = (N, V)>,
) -> Result<AppFields, UsageError>
where
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut seen = AppFields::default();
    for (name, value) in fields {
        write_app_field(out, &mut seen, name.as_ref(), value.as_ref())?;
    }
    Ok(seen)
}

/// Writes one of the application's fields (see [`write_app_fields`]) and
/// records what it means in `seen`.
#[inline]
pub(crate) fn write_app_field(
    out: &mut Vec<u8>,
    seen: &mut AppFields,
    name: &[u8],
    value: &[u8],
) -> Result<(), UsageError> {
    seen.note(name, value)?;
    write_field(out, name, value)
}

impl AppFields {
    /// Records what the field `name: value` means for the machine; refuses
    /// the framing fields it writes itself.
    #[inline]
    pub(crate) fn note(&mut self, name: &[u8], value: &[u8]) -> Result<(), UsageError> {
        // Dispatch on length first: most fields are none of these.
        match name.len() {
            4 => self.host |= name.eq_ignore_ascii_case(b"host"),
            10 if name.eq_ignore_ascii_case(b"connection") => {
                self.close |= super::framing::has_close_option(value);
            }
            14 | 17 if is_managed_field(name) => return Err(UsageError::ManagedField),
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn field_names() {
        assert!(is_valid_field_name(b"content-type"));
        assert!(is_valid_field_name(b"X-!#$%&'*+-.^_`|~09az"));
        for bad in [
            &b""[..],
            b"a b",
            b"a:b",
            b"a\r",
            b"a\n",
            b"a\0",
            b"(x)",
            b"\xff",
            b"a\x7f",
        ] {
            assert!(!is_valid_field_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn field_values() {
        assert!(is_valid_field_value(b""));
        assert!(is_valid_field_value(b"a\tb c"));
        assert!(is_valid_field_value(b"caf\xc3\xa9"));
        for bad in [
            &b" a"[..],
            b"a ",
            b"\ta",
            b"a\t",
            b" ",
            b"a\rb",
            b"a\nb",
            b"a\0b",
            b"a\x7fb",
            b"a\x01b",
        ] {
            assert!(!is_valid_field_value(bad), "{bad:?}");
        }
    }

    #[test]
    fn every_byte_classified() {
        for b in 0..=255u8 {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_valid_field_name(&[b]), tchar, "{b:#x}");
            let text = b == b'\t' || (b >= 0x20 && b != 0x7f);
            assert_eq!(is_valid_field_value(&[b'a', b, b'a']), text, "{b:#x}");
            let mut out = Vec::new();
            let target = (0x21..=0x7e).contains(&b);
            assert_eq!(
                write_request_line(&mut out, b"GET", &[b'/', b], Version::Http11).is_ok(),
                target
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn write_field_never_injects(name in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
                                     value in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let mut out = b"x: y\r\n".to_vec();
            match write_field(&mut out, &name, &value) {
                Ok(()) => {
                    let line = &out[6..];
                    proptest::prop_assert_eq!(line.len(), name.len() + value.len() + 4);
                    proptest::prop_assert!(!line[..line.len() - 2].iter().any(|&b| b == b'\r' || b == b'\n' || b == 0));
                }
                Err(e) => {
                    proptest::prop_assert_eq!(e, UsageError::InvalidField);
                    proptest::prop_assert_eq!(&out[..], b"x: y\r\n");
                }
            }
        }
    }

    #[test]
    fn write_field_refuses_injection_and_leaves_out_unchanged() {
        let mut out = b"HTTP/1.1 200 OK\r\n".to_vec();
        let before = out.clone();
        for (name, value) in [
            (&b"x\r"[..], &b"v"[..]),
            (b"x\n", b"v"),
            (b"x\0", b"v"),
            (b"x", b"v\r"),
            (b"x", b"v\r\nset-cookie: a=b"),
            (b"x", b"v\nfoo"),
            (b"x", b"v\0"),
            (b"", b"v"),
            (b"x y", b"v"),
            (b"x", b" v"),
        ] {
            assert_eq!(
                write_field(&mut out, name, value),
                Err(UsageError::InvalidField)
            );
            assert_eq!(out, before);
        }
        write_field(&mut out, b"Server", b"shockwave").unwrap();
        assert_eq!(&out[before.len()..], b"Server: shockwave\r\n");
        write_field(&mut out, b"x-empty", b"").unwrap();
        assert!(out.ends_with(b"x-empty: \r\n"));
    }

    #[test]
    fn every_canonical_reason() {
        let table: &[(u16, &str)] = &[
            (100, "Continue"),
            (101, "Switching Protocols"),
            (103, "Early Hints"),
            (200, "OK"),
            (201, "Created"),
            (202, "Accepted"),
            (203, "Non-Authoritative Information"),
            (204, "No Content"),
            (205, "Reset Content"),
            (206, "Partial Content"),
            (300, "Multiple Choices"),
            (301, "Moved Permanently"),
            (302, "Found"),
            (303, "See Other"),
            (304, "Not Modified"),
            (305, "Use Proxy"),
            (307, "Temporary Redirect"),
            (308, "Permanent Redirect"),
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (402, "Payment Required"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (406, "Not Acceptable"),
            (407, "Proxy Authentication Required"),
            (408, "Request Timeout"),
            (409, "Conflict"),
            (410, "Gone"),
            (411, "Length Required"),
            (412, "Precondition Failed"),
            (413, "Content Too Large"),
            (414, "URI Too Long"),
            (415, "Unsupported Media Type"),
            (416, "Range Not Satisfiable"),
            (417, "Expectation Failed"),
            (421, "Misdirected Request"),
            (422, "Unprocessable Content"),
            (426, "Upgrade Required"),
            (428, "Precondition Required"),
            (429, "Too Many Requests"),
            (431, "Request Header Fields Too Large"),
            (451, "Unavailable For Legal Reasons"),
            (500, "Internal Server Error"),
            (501, "Not Implemented"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
            (504, "Gateway Timeout"),
            (505, "HTTP Version Not Supported"),
        ];
        for &(code, reason) in table {
            assert_eq!(canonical_reason(code), Some(reason), "{code}");
            let mut out = Vec::new();
            write_status_line(&mut out, Version::Http11, code, None).unwrap();
            assert_eq!(
                out,
                alloc::format!("HTTP/1.1 {code} {reason}\r\n").as_bytes()
            );
        }
        let known = (0..=u16::MAX)
            .filter(|&c| canonical_reason(c).is_some())
            .count();
        assert_eq!(known, table.len());
        assert_eq!(canonical_reason(306), None);
        assert_eq!(canonical_reason(418), None);
    }

    #[test]
    fn status_lines() {
        let mut out = Vec::new();
        write_status_line(&mut out, Version::Http10, 200, Some(b"Fine\tthanks")).unwrap();
        assert_eq!(out, b"HTTP/1.0 200 Fine\tthanks\r\n");
        out.clear();
        write_status_line(&mut out, Version::Http11, 299, None).unwrap();
        assert_eq!(out, b"HTTP/1.1 299 \r\n");
        out.clear();
        write_status_line(&mut out, Version::Http11, 999, Some(b"")).unwrap();
        assert_eq!(out, b"HTTP/1.1 999 \r\n");
        let before = out.clone();
        for status in [0, 99, 1000, u16::MAX] {
            assert_eq!(
                write_status_line(&mut out, Version::Http11, status, None),
                Err(UsageError::InvalidStatus)
            );
        }
        for reason in [&b"OK\r\nx: y"[..], b"\n", b"\r", b"a\0", b"a\x7f"] {
            assert_eq!(
                write_status_line(&mut out, Version::Http11, 200, Some(reason)),
                Err(UsageError::InvalidStatus)
            );
        }
        assert_eq!(out, before);
    }

    #[test]
    fn request_lines() {
        let mut out = Vec::new();
        write_request_line(&mut out, b"GET", b"/a?b=c", Version::Http11).unwrap();
        write_request_line(&mut out, b"OPTIONS", b"*", Version::Http10).unwrap();
        assert_eq!(out, b"GET /a?b=c HTTP/1.1\r\nOPTIONS * HTTP/1.0\r\n");
        let before = out.clone();
        for (m, t) in [
            (&b""[..], &b"/"[..]),
            (b"G ET", b"/"),
            (b"GET\r\n", b"/"),
            (b"GET", b""),
            (b"GET", b"/ a"),
            (b"GET", b"/\r\nHost: x"),
            (b"GET", b"/\x7f"),
            (b"GET", b"/\xc3\xa9"),
        ] {
            assert_eq!(
                write_request_line(&mut out, m, t, Version::Http11),
                Err(UsageError::InvalidRequestLine)
            );
        }
        assert_eq!(out, before);
    }

    #[test]
    fn framing_fields() {
        let mut out = Vec::new();
        write_framing(&mut out, BodyFraming::Empty);
        write_framing(&mut out, BodyFraming::CloseDelimited);
        assert!(out.is_empty());
        write_framing(&mut out, BodyFraming::Length(0));
        write_framing(&mut out, BodyFraming::Length(u64::MAX));
        write_framing(&mut out, BodyFraming::Chunked);
        assert_eq!(
            out,
            b"content-length: 0\r\ncontent-length: 18446744073709551615\r\ntransfer-encoding: chunked\r\n"
        );
    }

    #[test]
    fn managed_fields() {
        for name in [&b"Content-Length"[..], b"transfer-encoding"] {
            assert!(is_managed_field(name));
        }
        for name in [
            &b"upgrade"[..],
            b"connection",
            b"content-type",
            b"content-length2",
            b"",
            b"date",
        ] {
            assert!(!is_managed_field(name));
        }
    }

    #[test]
    fn head_ends() {
        let mut date = DateCache::new();
        for dated in [false, true] {
            if dated {
                date.update(784_111_777);
            }
            for framing in [
                None,
                Some(BodyFraming::Length(0)),
                Some(BodyFraming::Length(u64::MAX)),
                Some(BodyFraming::Chunked),
                Some(BodyFraming::Empty),
                Some(BodyFraming::CloseDelimited),
            ] {
                for connection in [Connection::Unsaid, Connection::Close, Connection::KeepAlive] {
                    let mut want = alloc::string::String::from(">");
                    match framing {
                        Some(BodyFraming::Length(n)) => {
                            want += &alloc::format!("content-length: {n}\r\n")
                        }
                        Some(BodyFraming::Chunked) => want += "transfer-encoding: chunked\r\n",
                        _ => {}
                    }
                    want += match connection {
                        Connection::Unsaid => "",
                        Connection::Close => "connection: close\r\n",
                        Connection::KeepAlive => "connection: keep-alive\r\n",
                    };
                    if dated {
                        want += "date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
                    }
                    want += "\r\n";
                    let mut out = vec![b'>'];
                    write_head_end(
                        &mut out,
                        HeadEnd {
                            framing,
                            connection,
                        },
                        &date,
                    );
                    assert_eq!(core::str::from_utf8(&out).unwrap(), want);
                }
            }
        }
    }

    #[test]
    fn decimal() {
        // Both sides of every change in the number of digits.
        let powers = (0..20).map(|e| 10u64.pow(e));
        let edges = powers.flat_map(|p| [p - 1, p, p + 1]);
        for n in edges.chain([12345, u64::MAX - 1, u64::MAX]) {
            let mut out = vec![b'x'];
            push_decimal(&mut out, n);
            assert_eq!(out, alloc::format!("x{n}").as_bytes());
            let mut out = vec![b'x'];
            write_framing(&mut out, BodyFraming::Length(n));
            assert_eq!(out, alloc::format!("xcontent-length: {n}\r\n").as_bytes());
        }
    }
}
