//! What the fields of a parsed head mean for its body and its connection.
//!
//! The parser checks syntax; this module applies the message-framing rules of
//! RFC 9112 section 6 (Content-Length, Transfer-Encoding), the Host rules of
//! section 3.2, and the connection options of RFC 9110 section 7.6.1 (close,
//! keep-alive, upgrade) and 10.1.1 (Expect). It is where request smuggling is
//! stopped: every ambiguity about where a body ends is an error, not a guess.

use super::head::{BodyFraming, FieldSpan, Method, RequestLine, StatusLine, Version};
use super::{Error, ErrorKind};

/// What a request's fields say about its body and the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    /// How the request body is delimited.
    pub framing: BodyFraming,
    /// Whether the client allows the connection to stay open after this exchange.
    pub keep_alive: bool,
    /// `Connection: upgrade` together with an `Upgrade` field (RFC 9110 section 7.8).
    pub upgrade: bool,
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 section 10.1.1).
    pub expect_continue: bool,
}

/// What a response's fields say about its body and the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseInfo {
    /// How the response body is delimited.
    pub framing: BodyFraming,
    /// Whether the server allows the connection to stay open after this response.
    pub keep_alive: bool,
    /// The response hands the connection to another protocol (101, or 2xx to CONNECT).
    pub upgraded: bool,
}

/// The fields the framing rules look at, gathered in one pass.
#[derive(Default)]
struct Gathered {
    content_length: Option<u64>,
    transfer_encoding: Option<Codings>,
    hosts: u32,
    host_valid: bool,
    close: bool,
    keep_alive: bool,
    connection_upgrade: bool,
    upgrade_field: bool,
    expect_continue: bool,
}

/// A summary of the Transfer-Encoding codings in order.
#[derive(Clone, Copy, Default)]
struct Codings {
    count: u32,
    chunked_count: u32,
    last_is_chunked: bool,
}

/// `name.eq_ignore_ascii_case(lower)` for a lowercase ASCII literal, a word at
/// a time: a letter's byte is compared with the case bit (0x20) set, any other
/// byte exactly, which is the same relation. `N >= 4`.
#[inline(always)]
pub(crate) fn eq_lower<const N: usize>(name: &[u8], lower: &[u8; N]) -> bool {
    if name.len() != N {
        return false;
    }
    // The case bit of every letter of `lower`, from `at`, `W` bytes.
    #[inline(always)]
    fn word<const W: usize>(bytes: &[u8], at: usize) -> [u8; W] {
        let mut w = [0u8; W];
        w.copy_from_slice(&bytes[at..at + W]);
        w
    }
    #[inline(always)]
    fn mask<const W: usize>(lower: &[u8], at: usize) -> [u8; W] {
        let mut m = [0u8; W];
        let mut i = 0;
        while i < W {
            m[i] = if lower[at + i].is_ascii_lowercase() {
                0x20
            } else {
                0
            };
            i += 1;
        }
        m
    }
    if N >= 8 {
        // Eight bytes at a time; the last word overlaps the one before.
        let mut at = 0;
        let mut diff = 0u64;
        loop {
            let at_ = at.min(N - 8);
            let n = u64::from_le_bytes(word::<8>(name, at_));
            let m = u64::from_le_bytes(mask::<8>(lower, at_));
            let l = u64::from_le_bytes(word::<8>(lower, at_));
            diff |= (n | m) ^ l;
            if at_ == N - 8 {
                break;
            }
            at += 8;
        }
        diff == 0
    } else {
        let a = u32::from_le_bytes(word::<4>(name, 0)) | u32::from_le_bytes(mask::<4>(lower, 0));
        let b = u32::from_le_bytes(word::<4>(name, N - 4))
            | u32::from_le_bytes(mask::<4>(lower, N - 4));
        a == u32::from_le_bytes(word::<4>(lower, 0))
            && b == u32::from_le_bytes(word::<4>(lower, N - 4))
    }
}

/// `a == b` without a call to `memcmp` for slices of 4 to 63 bytes: two
/// overlapping fixed-size words from each end, which the compiler compares
/// inline (field names and values are short).
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    #[inline(always)]
    fn ends<const N: usize>(a: &[u8], b: &[u8]) -> bool {
        a.first_chunk::<N>() == b.first_chunk::<N>() && a.last_chunk::<N>() == b.last_chunk::<N>()
    }
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        4..=7 => ends::<4>(a, b),
        8..=15 => ends::<8>(a, b),
        16..=31 => ends::<16>(a, b),
        32..=63 => ends::<32>(a, b),
        _ => a == b,
    }
}

/// The last Host value found valid on a connection. A client names the server
/// the same way in every request of a connection, so the value is compared
/// with this one before it is parsed again.
#[derive(Clone, Debug)]
pub(crate) struct KnownHost {
    len: usize,
    bytes: [u8; KnownHost::MAX],
}

impl Default for KnownHost {
    fn default() -> Self {
        KnownHost {
            len: 0,
            bytes: [0; KnownHost::MAX],
        }
    }
}

impl KnownHost {
    /// Longer values are checked every time.
    const MAX: usize = 48;

    /// [`is_valid_host`], remembering a valid value.
    #[inline]
    fn check(&mut self, value: &[u8]) -> bool {
        // `len` starts at 0, and the empty value is valid.
        if same_bytes(value, &self.bytes[..self.len]) {
            return true;
        }
        let valid = is_valid_host(value);
        if valid && value.len() <= Self::MAX {
            self.bytes[..value.len()].copy_from_slice(value);
            self.len = value.len();
        }
        valid
    }
}

fn gather(buf: &[u8], fields: &[FieldSpan], host: &mut KnownHost) -> Result<Gathered, Error> {
    let mut g = Gathered::default();
    for f in fields {
        let name = f.name.of(buf);
        let value = f.value.of(buf);
        // Dispatch on length first: most fields are none of these.
        match name.len() {
            4 if eq_lower(name, b"host") => {
                g.hosts += 1;
                g.host_valid = host.check(value);
            }
            6 if eq_lower(name, b"expect") => {
                g.expect_continue |= value.eq_ignore_ascii_case(b"100-continue");
            }
            7 if eq_lower(name, b"upgrade") => g.upgrade_field = true,
            10 if eq_lower(name, b"connection") => {
                for option in list_elements(value) {
                    if option.eq_ignore_ascii_case(b"close") {
                        g.close = true;
                    } else if option.eq_ignore_ascii_case(b"keep-alive") {
                        g.keep_alive = true;
                    } else if option.eq_ignore_ascii_case(b"upgrade") {
                        g.connection_upgrade = true;
                    }
                }
            }
            14 if eq_lower(name, b"content-length") => {
                let n = parse_content_length(value)?;
                match g.content_length {
                    // RFC 9112 section 6.3 item 5: differing values are unrecoverable.
                    Some(m) if m != n => return Err(ErrorKind::ConflictingContentLength.into()),
                    _ => g.content_length = Some(n),
                }
            }
            17 if eq_lower(name, b"transfer-encoding") => {
                let codings = g.transfer_encoding.get_or_insert_with(Codings::default);
                for coding in list_elements(value) {
                    // A coding may carry parameters (RFC 9112 section 7); its name is what counts.
                    let coding_name = trim(coding.split(|&b| b == b';').next().unwrap_or(coding));
                    let chunked = coding_name.eq_ignore_ascii_case(b"chunked");
                    codings.count += 1;
                    codings.chunked_count += chunked as u32;
                    codings.last_is_chunked = chunked && coding_name.len() == coding.len();
                }
            }
            _ => {}
        }
    }
    Ok(g)
}

/// Applies the framing rules to a parsed request.
///
/// `max_body_size` turns a larger Content-Length into [`ErrorKind::BodyTooLarge`] (413)
/// before any of the body is read.
pub fn request_info(
    buf: &[u8],
    line: &RequestLine,
    fields: &[FieldSpan],
    max_body_size: u64,
) -> Result<RequestInfo, Error> {
    request_info_on(buf, line, fields, max_body_size, &mut KnownHost::default())
}

/// [`request_info`] for a request of a connection whose last valid Host value
/// is `host`.
#[inline]
pub(crate) fn request_info_on(
    buf: &[u8],
    line: &RequestLine,
    fields: &[FieldSpan],
    max_body_size: u64,
    host: &mut KnownHost,
) -> Result<RequestInfo, Error> {
    let g = gather(buf, fields, host)?;
    let http11 = line.version == Version::Http11;

    // RFC 9112 section 3.2: exactly one valid Host in HTTP/1.1; never more than one.
    match g.hosts {
        0 if http11 => return Err(ErrorKind::MissingHost.into()),
        0 => {}
        1 if !g.host_valid => return Err(ErrorKind::InvalidHost.into()),
        1 => {}
        _ => return Err(ErrorKind::DuplicateHost.into()),
    }

    let framing = match (g.transfer_encoding, g.content_length) {
        (Some(_), _) if !http11 => {
            // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
            return Err(ErrorKind::TransferEncodingInHttp10.into());
        }
        (Some(_), Some(_)) => {
            // RFC 9112 section 6.3 item 3: both present is a smuggling attempt; reject.
            return Err(ErrorKind::ContentLengthWithTransferEncoding.into());
        }
        (Some(codings), None) => {
            // RFC 9112 section 6.3 item 4: a request whose final coding is not chunked
            // cannot be delimited: 400.
            if codings.count == 0 || !codings.last_is_chunked {
                return Err(ErrorKind::ChunkedNotFinal.into());
            }
            // RFC 9112 section 6.1: chunked MUST NOT be applied more than once.
            if codings.chunked_count > 1 {
                return Err(ErrorKind::DuplicateChunked.into());
            }
            // Any coding before chunked is one we would have to decode: 501.
            if codings.count > 1 {
                return Err(ErrorKind::UnsupportedTransferCoding.into());
            }
            BodyFraming::Chunked
        }
        (None, Some(0)) | (None, None) => BodyFraming::Empty,
        (None, Some(n)) => {
            if n > max_body_size {
                return Err(ErrorKind::BodyTooLarge.into());
            }
            BodyFraming::Length(n)
        }
    };

    let keep_alive = if http11 {
        !g.close
    } else {
        g.keep_alive && !g.close
    };
    Ok(RequestInfo {
        framing,
        keep_alive,
        upgrade: g.connection_upgrade && g.upgrade_field && line.method != Method::Connect,
        // RFC 9110 section 10.1.1: 100-continue in an HTTP/1.0 request is ignored.
        expect_continue: g.expect_continue && http11,
    })
}

/// Applies the framing rules to a parsed response to a request with `method`
/// (RFC 9112 section 6.3, items 1 to 7 in order).
pub fn response_info(
    buf: &[u8],
    line: &StatusLine,
    fields: &[FieldSpan],
    method: Method,
) -> Result<ResponseInfo, Error> {
    let g = gather(buf, fields, &mut KnownHost::default())?;
    let http11 = line.version == Version::Http11;
    let mut keep_alive = if http11 {
        !g.close
    } else {
        g.keep_alive && !g.close
    };
    let status = line.status;

    // Items 1 and 2: no content for HEAD, 1xx, 204, 304; a 2xx to CONNECT is a tunnel.
    if method == Method::Connect && (200..300).contains(&status) {
        return Ok(ResponseInfo {
            framing: BodyFraming::Empty,
            keep_alive: false,
            upgraded: true,
        });
    }
    if status == 101 {
        return Ok(ResponseInfo {
            framing: BodyFraming::Empty,
            keep_alive: false,
            upgraded: true,
        });
    }
    if method == Method::Head || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(ResponseInfo {
            framing: BodyFraming::Empty,
            keep_alive,
            upgraded: false,
        });
    }

    let framing = match g.transfer_encoding {
        // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
        Some(_) if !http11 => return Err(ErrorKind::TransferEncodingInHttp10.into()),
        Some(codings) => {
            if codings.chunked_count > 1 {
                return Err(ErrorKind::DuplicateChunked.into());
            }
            // Item 3: Transfer-Encoding overrides Content-Length, and the connection
            // cannot be trusted for another message.
            if g.content_length.is_some() {
                keep_alive = false;
            }
            if codings.last_is_chunked && codings.count == 1 {
                BodyFraming::Chunked
            } else if codings.last_is_chunked {
                // Codings under chunked (gzip, ...) are the application's to undo.
                BodyFraming::Chunked
            } else {
                // Item 4: a response whose final coding is not chunked runs to the close.
                keep_alive = false;
                BodyFraming::CloseDelimited
            }
        }
        None => match g.content_length {
            Some(0) => BodyFraming::Empty,
            Some(n) => BodyFraming::Length(n),
            None => {
                // Item 7: no framing means the body runs to the close.
                keep_alive = false;
                BodyFraming::CloseDelimited
            }
        },
    };
    Ok(ResponseInfo {
        framing,
        keep_alive,
        upgraded: false,
    })
}

/// Content-Length = 1*DIGIT (RFC 9110 section 8.6). A list of identical values is
/// accepted as that value, as section 8.6 allows; anything else is an error.
fn parse_content_length(value: &[u8]) -> Result<u64, Error> {
    let mut result: Option<u64> = None;
    for element in value.split(|&b| b == b',') {
        let digits = trim(element);
        if digits.is_empty() || digits.len() > 19 {
            return Err(ErrorKind::InvalidContentLength.into());
        }
        let mut n: u64 = 0;
        for &d in digits {
            if !d.is_ascii_digit() {
                return Err(ErrorKind::InvalidContentLength.into());
            }
            n = n * 10 + u64::from(d - b'0');
        }
        match result {
            Some(m) if m != n => return Err(ErrorKind::ConflictingContentLength.into()),
            _ => result = Some(n),
        }
    }
    result.ok_or_else(|| ErrorKind::InvalidContentLength.into())
}

/// Whether a Connection value has the `close` option.
pub(crate) fn has_close_option(value: &[u8]) -> bool {
    list_elements(value).any(|o| o.eq_ignore_ascii_case(b"close"))
}

/// The non-empty elements of a comma-separated list (RFC 9110 section 5.6.1).
fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim)
        .filter(|e| !e.is_empty())
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The bytes of a reg-name: unreserved, sub-delims and `%` of pct-encoded
/// (RFC 3986 section 3.2.2), as a table so a Host check costs a load per byte.
const REG_NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'%'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            );
        b += 1;
    }
    t
};

/// `Host = uri-host [ ":" port ]` (RFC 9112 section 3.2, RFC 3986 section 3.2.2).
/// An empty value is valid: it means the target has no authority.
pub fn is_valid_host(value: &[u8]) -> bool {
    match value.strip_prefix(b"[") {
        Some(rest) => is_ip_literal_host(rest),
        None => is_reg_name_host(value),
    }
}

/// `IP-literal [ ":" port ]` after its `[`: `( IPv6address / IPvFuture ) "]"`.
fn is_ip_literal_host(rest: &[u8]) -> bool {
    let Some(close) = rest.iter().position(|&b| b == b']') else {
        return false;
    };
    let inside = &rest[..close];
    let inside_ok = !inside.is_empty()
        && inside
            .iter()
            .all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'));
    inside_ok
        && match &rest[close + 1..] {
            [] => true,
            [b':', port @ ..] => port_ok(port),
            _ => false,
        }
}

/// `reg-name [ ":" port ]`. reg-name has no ':', so a port follows the last
/// one: at most five digits, found from the end in at most six steps. The
/// host before it is then checked without a branch per byte; a ':' left in it
/// (a longer port, a second ':') fails that check.
#[inline]
fn is_reg_name_host(value: &[u8]) -> bool {
    let mut host_end = value.len();
    for (i, &b) in value.iter().enumerate().rev().take(6) {
        if b == b':' {
            host_end = i;
            break;
        }
        if !b.is_ascii_digit() {
            break;
        }
    }
    value[..host_end]
        .iter()
        .fold(true, |ok, &b| ok & REG_NAME[b as usize])
}

/// `port = *DIGIT`, at most five of them.
#[inline]
fn port_ok(port: &[u8]) -> bool {
    port.len() <= 5 && port.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::head::{Span, TargetForm};

    /// Builds a buffer and spans from `(name, value)` pairs.
    fn fields(pairs: &[(&str, &str)]) -> (alloc::vec::Vec<u8>, alloc::vec::Vec<FieldSpan>) {
        let mut buf = alloc::vec::Vec::new();
        let mut spans = alloc::vec::Vec::new();
        for (n, v) in pairs {
            let ns = buf.len();
            buf.extend_from_slice(n.as_bytes());
            let vs = buf.len();
            buf.extend_from_slice(v.as_bytes());
            spans.push(FieldSpan {
                name: Span::new(ns, vs),
                value: Span::new(vs, buf.len()),
            });
        }
        (buf, spans)
    }

    fn line(method: Method, version: Version) -> RequestLine {
        RequestLine {
            method,
            method_span: Span::default(),
            target: Span::default(),
            form: TargetForm::Origin,
            version,
        }
    }

    fn req(pairs: &[(&str, &str)]) -> Result<RequestInfo, ErrorKind> {
        req_v(pairs, Version::Http11)
    }

    fn req_v(pairs: &[(&str, &str)], v: Version) -> Result<RequestInfo, ErrorKind> {
        let (buf, spans) = fields(pairs);
        request_info(&buf, &line(Method::Post, v), &spans, 1000).map_err(|e| e.kind())
    }

    #[test]
    fn content_length_rules() {
        let h = ("host", "a");
        assert_eq!(
            req(&[h, ("content-length", "10")]).unwrap().framing,
            BodyFraming::Length(10)
        );
        assert_eq!(
            req(&[h, ("Content-Length", "0")]).unwrap().framing,
            BodyFraming::Empty
        );
        assert_eq!(
            req(&[h, ("content-length", "10, 10")]).unwrap().framing,
            BodyFraming::Length(10)
        );
        assert_eq!(
            req(&[h, ("content-length", "10"), ("content-length", "10")])
                .unwrap()
                .framing,
            BodyFraming::Length(10)
        );
        for bad in [
            "+10",
            "-1",
            "1 0",
            "0x10",
            "",
            "10a",
            "99999999999999999999",
        ] {
            assert_eq!(
                req(&[h, ("content-length", bad)]),
                Err(ErrorKind::InvalidContentLength),
                "{bad}"
            );
        }
        assert_eq!(
            req(&[h, ("content-length", "1"), ("content-length", "2")]),
            Err(ErrorKind::ConflictingContentLength)
        );
        assert_eq!(
            req(&[h, ("content-length", "1, 2")]),
            Err(ErrorKind::ConflictingContentLength)
        );
        assert_eq!(
            req(&[h, ("content-length", "1001")]),
            Err(ErrorKind::BodyTooLarge)
        );
    }

    #[test]
    fn transfer_encoding_rules() {
        let h = ("host", "a");
        assert_eq!(
            req(&[h, ("transfer-encoding", "chunked")]).unwrap().framing,
            BodyFraming::Chunked
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "Chunked")]).unwrap().framing,
            BodyFraming::Chunked
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "chunked"), ("content-length", "3")]),
            Err(ErrorKind::ContentLengthWithTransferEncoding)
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "gzip")]),
            Err(ErrorKind::ChunkedNotFinal)
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "chunked, gzip")]),
            Err(ErrorKind::ChunkedNotFinal)
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "")]),
            Err(ErrorKind::ChunkedNotFinal)
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "chunked, chunked")]),
            Err(ErrorKind::DuplicateChunked)
        );
        assert_eq!(
            req(&[
                h,
                ("transfer-encoding", "chunked"),
                ("transfer-encoding", "chunked")
            ]),
            Err(ErrorKind::DuplicateChunked)
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "gzip, chunked")]),
            Err(ErrorKind::UnsupportedTransferCoding)
        );
        assert_eq!(
            req(&[h, ("transfer-encoding", "xchunked")]),
            Err(ErrorKind::ChunkedNotFinal)
        );
        assert_eq!(
            req_v(&[("transfer-encoding", "chunked")], Version::Http10),
            Err(ErrorKind::TransferEncodingInHttp10)
        );
    }

    #[test]
    fn host_rules() {
        assert_eq!(req(&[]), Err(ErrorKind::MissingHost));
        assert_eq!(
            req(&[("host", "a"), ("host", "a")]),
            Err(ErrorKind::DuplicateHost)
        );
        assert_eq!(req(&[("host", "a b")]), Err(ErrorKind::InvalidHost));
        assert_eq!(req(&[("host", "a:port")]), Err(ErrorKind::InvalidHost));
        assert!(req(&[("host", "")]).is_ok());
        assert!(req(&[("host", "example.com:8080")]).is_ok());
        assert!(req(&[("host", "[::1]:80")]).is_ok());
        assert_eq!(req(&[("host", "[::1")]), Err(ErrorKind::InvalidHost));
        assert!(req_v(&[], Version::Http10).is_ok());
    }

    /// The grammar read the other way round, from the front: a reg-name runs
    /// up to its first byte outside the class, which must be the only ':',
    /// followed by at most five digits.
    fn host_by_definition(value: &[u8]) -> bool {
        if value.starts_with(b"[") {
            return is_valid_host(value);
        }
        let end = value
            .iter()
            .position(|&b| !REG_NAME[b as usize])
            .unwrap_or(value.len());
        match &value[end..] {
            [] => true,
            [b':', port @ ..] => port.len() <= 5 && port.iter().all(u8::is_ascii_digit),
            _ => false,
        }
    }

    #[test]
    fn eq_lower_is_eq_ignore_ascii_case() {
        fn check<const N: usize>(lit: &[u8; N]) {
            let upper = lit.to_ascii_uppercase();
            assert!(eq_lower(lit, lit) && eq_lower(&upper, lit));
            assert!(!eq_lower(&lit[1..], lit));
            for i in 0..N {
                for b in 0..=255u8 {
                    for base in [&lit[..], &upper[..]] {
                        let mut name = base.to_vec();
                        name[i] = b;
                        assert_eq!(
                            eq_lower(&name, lit),
                            name.eq_ignore_ascii_case(lit),
                            "{name:?}"
                        );
                    }
                }
            }
        }
        check(b"host");
        check(b"expect");
        check(b"upgrade");
        check(b"connection");
        check(b"content-length");
        check(b"transfer-encoding");
        check(b"a-b.");
    }

    #[test]
    fn host_matches_definition() {
        for v in [
            &b""[..],
            b":",
            b"::",
            b"a:",
            b":80",
            b"a:80:80",
            b"a::80",
            b"a:123456",
            b"a:12345",
            b"a:8a",
            b"a b:80",
            b"a%20b.c_d~e:1",
        ] {
            assert_eq!(is_valid_host(v), host_by_definition(v), "{v:?}");
        }
    }

    #[test]
    fn same_bytes_is_equality() {
        // Every length up to past the word sizes, equal and with one byte changed.
        for len in 0..80usize {
            let a: alloc::vec::Vec<u8> = (0..len as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            assert!(len == 0 || !same_bytes(&a, &a[..len - 1]));
            for i in 0..len {
                let mut b = a.clone();
                b[i] ^= 0x20;
                assert!(!same_bytes(&a, &b), "{len} {i}");
            }
        }
    }

    #[test]
    fn known_host_agrees_with_the_check() {
        let mut known = KnownHost::default();
        let long = [b'a'; KnownHost::MAX + 1];
        for v in [
            &b""[..],
            b"a:1",
            b"a:1",
            b"a:2",
            b"a b",
            b"a:1",
            b"",
            &long,
            &long,
            b"a:123456",
            b"[::1]:80",
            b"[::1]:80",
            b"[::1",
        ] {
            assert_eq!(known.check(v), is_valid_host(v), "{v:?}");
        }
    }

    const HOSTS: &[&[u8]] = &[b"a:1", b"a:2", b"a:", b"a b", b"a:1x", b"", b"[::1]"];

    proptest::proptest! {
        #[test]
        fn known_host_agrees(values in proptest::collection::vec(
            proptest::sample::select(HOSTS),
            1..12,
        )) {
            let mut known = KnownHost::default();
            for v in values {
                proptest::prop_assert_eq!(known.check(v), is_valid_host(v));
            }
        }

        #[test]
        fn host_agrees_with_definition(v in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::Just(b':'),
                proptest::prelude::Just(b'1'),
                proptest::prelude::Just(b'a'),
                proptest::prelude::Just(b'.'),
                proptest::prelude::any::<u8>(),
            ],
            0..12,
        )) {
            proptest::prop_assert_eq!(is_valid_host(&v), host_by_definition(&v));
        }
    }

    #[test]
    fn connection_options() {
        let h = ("host", "a");
        assert!(req(&[h]).unwrap().keep_alive);
        assert!(!req(&[h, ("connection", "close")]).unwrap().keep_alive);
        assert!(
            !req(&[h, ("connection", "keep-alive, Close")])
                .unwrap()
                .keep_alive
        );
        assert!(!req_v(&[], Version::Http10).unwrap().keep_alive);
        assert!(
            req_v(&[("connection", "keep-alive")], Version::Http10)
                .unwrap()
                .keep_alive
        );
        assert!(
            req(&[h, ("connection", "Upgrade"), ("upgrade", "websocket")])
                .unwrap()
                .upgrade
        );
        assert!(!req(&[h, ("upgrade", "websocket")]).unwrap().upgrade);
        assert!(
            req(&[h, ("expect", "100-Continue")])
                .unwrap()
                .expect_continue
        );
        assert!(
            !req_v(&[("expect", "100-continue")], Version::Http10)
                .unwrap()
                .expect_continue
        );
    }

    fn resp(
        status: u16,
        method: Method,
        pairs: &[(&str, &str)],
    ) -> Result<ResponseInfo, ErrorKind> {
        let (buf, spans) = fields(pairs);
        let line = StatusLine {
            version: Version::Http11,
            status,
            reason: Span::default(),
        };
        response_info(&buf, &line, &spans, method).map_err(|e| e.kind())
    }

    #[test]
    fn response_framing() {
        let cl = ("content-length", "5");
        assert_eq!(
            resp(200, Method::Get, &[cl]).unwrap().framing,
            BodyFraming::Length(5)
        );
        assert_eq!(
            resp(200, Method::Head, &[cl]).unwrap().framing,
            BodyFraming::Empty
        );
        assert_eq!(
            resp(204, Method::Get, &[]).unwrap().framing,
            BodyFraming::Empty
        );
        assert_eq!(
            resp(304, Method::Get, &[cl]).unwrap().framing,
            BodyFraming::Empty
        );
        let r = resp(200, Method::Get, &[]).unwrap();
        assert_eq!(
            (r.framing, r.keep_alive),
            (BodyFraming::CloseDelimited, false)
        );
        let r = resp(200, Method::Get, &[("transfer-encoding", "chunked"), cl]).unwrap();
        assert_eq!((r.framing, r.keep_alive), (BodyFraming::Chunked, false));
        assert_eq!(
            resp(200, Method::Get, &[("transfer-encoding", "gzip")])
                .unwrap()
                .framing,
            BodyFraming::CloseDelimited
        );
        assert!(resp(200, Method::Connect, &[]).unwrap().upgraded);
        assert!(resp(101, Method::Get, &[]).unwrap().upgraded);
        assert_eq!(
            resp(200, Method::Get, &[("content-length", "x")]),
            Err(ErrorKind::InvalidContentLength)
        );
    }
}
