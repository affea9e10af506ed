//! Parsed message heads as offsets into the read buffer, and borrowed views of them.
//!
//! The parser records where things are ([`Span`]s) instead of building strings,
//! so a head costs no allocation and the machine can keep it next to the buffer
//! it points into. The views ([`Request`], [`Response`], [`Fields`]) turn spans
//! back into slices on access.

use super::framing::{RequestInfo, ResponseInfo};

/// A byte range `start..end` into the buffer the head was parsed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    #[inline]
    pub const fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The bytes this span covers in `buf`.
    #[inline]
    pub fn of<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.start as usize..self.end as usize]
    }

    /// Length in bytes.
    #[inline]
    pub const fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span is empty.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One field line: where its name and its value (without surrounding whitespace) are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldSpan {
    /// The field name, as received (case preserved).
    pub name: Span,
    /// The field value, leading and trailing whitespace removed.
    pub value: Span,
}

/// The HTTP version of a message. Higher 1.x minor versions are treated as 1.1
/// (RFC 9110 section 6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// HTTP/1.0: no keep-alive unless asked for, no chunked coding.
    Http10,
    /// HTTP/1.1.
    Http11,
}

impl Version {
    /// The version as it is written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// The request methods the machine treats specially, and every other token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// HEAD: the response has no body (RFC 9110 section 9.3.2).
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// CONNECT: authority-form target; a 2xx answer hands the connection over.
    Connect,
    /// OPTIONS: may use the asterisk-form target.
    Options,
    /// TRACE
    Trace,
    /// PATCH
    Patch,
    /// Any other token; the name is in [`Request::method`].
    Other,
}

impl Method {
    /// Recognises a method token (case-sensitive, RFC 9110 section 9.1).
    pub fn from_bytes(m: &[u8]) -> Method {
        match m {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"CONNECT" => Method::Connect,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"PATCH" => Method::Patch,
            _ => Method::Other,
        }
    }
}

/// The four forms of request target (RFC 9112 section 3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetForm {
    /// `/path?query`, the usual form.
    Origin,
    /// `scheme://authority/path`, sent to proxies (and accepted by servers).
    Absolute,
    /// `host:port`, only with CONNECT.
    Authority,
    /// `*`, only with OPTIONS.
    Asterisk,
}

/// Where the parts of a request line are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLine {
    /// The method, recognised.
    pub method: Method,
    /// The method token.
    pub method_span: Span,
    /// The request target.
    pub target: Span,
    /// Which form the target has.
    pub form: TargetForm,
    /// The protocol version.
    pub version: Version,
}

/// Where the parts of a status line are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusLine {
    /// The protocol version.
    pub version: Version,
    /// The three-digit status code.
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: Span,
}

/// How the body of a message is delimited (RFC 9112 section 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyFraming {
    /// No body at all.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// The chunked transfer coding.
    Chunked,
    /// Until the connection closes (responses only).
    CloseDelimited,
}

/// A field line as slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// The name, case as received.
    pub name: &'a [u8],
    /// The value, surrounding whitespace removed.
    pub value: &'a [u8],
}

/// The field lines of a head or trailer section, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    buf: &'a [u8],
    spans: &'a [FieldSpan],
}

impl<'a> Fields<'a> {
    /// Fields recorded in `spans`, pointing into `buf`.
    pub fn new(buf: &'a [u8], spans: &'a [FieldSpan]) -> Self {
        Fields { buf, spans }
    }

    /// The number of field lines.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no field lines.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The `i`-th field line.
    pub fn get_index(&self, i: usize) -> Option<Field<'a>> {
        self.spans.get(i).map(|s| Field {
            name: s.name.of(self.buf),
            value: s.value.of(self.buf),
        })
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.iter()
            .find(|f| f.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| f.value)
    }

    /// Every value of the fields named `name`, in order.
    pub fn get_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a [u8]> + 'n
    where
        'a: 'n,
    {
        self.iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| f.value)
    }

    /// The field lines in order.
    pub fn iter(&self) -> FieldsIter<'a> {
        FieldsIter {
            buf: self.buf,
            spans: self.spans.iter(),
        }
    }
}

impl<'a> IntoIterator for Fields<'a> {
    type Item = Field<'a>;
    type IntoIter = FieldsIter<'a>;
    fn into_iter(self) -> FieldsIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Fields`].
#[derive(Clone, Debug)]
pub struct FieldsIter<'a> {
    buf: &'a [u8],
    spans: core::slice::Iter<'a, FieldSpan>,
}

impl<'a> Iterator for FieldsIter<'a> {
    type Item = Field<'a>;
    #[inline]
    fn next(&mut self) -> Option<Field<'a>> {
        self.spans.next().map(|s| Field {
            name: s.name.of(self.buf),
            value: s.value.of(self.buf),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for FieldsIter<'_> {}

/// A received request head, borrowed from the connection's read buffer.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    buf: &'a [u8],
    line: RequestLine,
    fields: Fields<'a>,
    info: RequestInfo,
}

impl<'a> Request<'a> {
    /// A view of a head parsed from `buf`.
    pub fn new(
        buf: &'a [u8],
        line: RequestLine,
        spans: &'a [FieldSpan],
        info: RequestInfo,
    ) -> Self {
        Request {
            buf,
            line,
            fields: Fields::new(buf, spans),
            info,
        }
    }

    /// The method, recognised; [`Method::Other`] for the rest (see [`Request::method_bytes`]).
    pub fn method(&self) -> Method {
        self.line.method
    }

    /// The method token as received.
    pub fn method_bytes(&self) -> &'a [u8] {
        self.line.method_span.of(self.buf)
    }

    /// The method token as text (it is always ASCII).
    pub fn method_str(&self) -> &'a str {
        core::str::from_utf8(self.method_bytes()).unwrap_or("")
    }

    /// The request target as received (`/path?query`, `http://host/path`, `host:port` or `*`).
    pub fn target(&self) -> &'a [u8] {
        self.line.target.of(self.buf)
    }

    /// The request target as text (it is always ASCII).
    pub fn target_str(&self) -> &'a str {
        core::str::from_utf8(self.target()).unwrap_or("")
    }

    /// The path of an origin-form target, without the query.
    pub fn path(&self) -> &'a [u8] {
        let t = self.target();
        match t.iter().position(|&b| b == b'?') {
            Some(q) => &t[..q],
            None => t,
        }
    }

    /// Which of the four forms the target has.
    pub fn target_form(&self) -> TargetForm {
        self.line.form
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.line.version
    }

    /// The field lines.
    pub fn fields(&self) -> Fields<'a> {
        self.fields
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields.get(name)
    }

    /// How the request body is delimited.
    pub fn body_framing(&self) -> BodyFraming {
        self.info.framing
    }

    /// Whether a body follows the head.
    pub fn has_body(&self) -> bool {
        self.info.framing != BodyFraming::Empty
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.info.expect_continue
    }

    /// Whether the client asks to switch protocols (`Connection: upgrade` and `Upgrade`).
    pub fn is_upgrade(&self) -> bool {
        self.info.upgrade
    }

    /// Whether the client allows the connection to stay open after this exchange.
    pub fn keep_alive(&self) -> bool {
        self.info.keep_alive
    }
}

/// A received response head, borrowed from the connection's read buffer.
#[derive(Clone, Copy, Debug)]
pub struct Response<'a> {
    buf: &'a [u8],
    line: StatusLine,
    fields: Fields<'a>,
    info: ResponseInfo,
}

impl<'a> Response<'a> {
    /// A view of a head parsed from `buf`.
    pub fn new(
        buf: &'a [u8],
        line: StatusLine,
        spans: &'a [FieldSpan],
        info: ResponseInfo,
    ) -> Self {
        Response {
            buf,
            line,
            fields: Fields::new(buf, spans),
            info,
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.line.status
    }

    /// The reason phrase as received (may be empty).
    pub fn reason(&self) -> &'a [u8] {
        self.line.reason.of(self.buf)
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.line.version
    }

    /// The field lines.
    pub fn fields(&self) -> Fields<'a> {
        self.fields
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields.get(name)
    }

    /// How the response body is delimited.
    pub fn body_framing(&self) -> BodyFraming {
        self.info.framing
    }

    /// Whether the server allows the connection to stay open after this response.
    pub fn keep_alive(&self) -> bool {
        self.info.keep_alive
    }

    /// Whether the connection now belongs to another protocol (101, or 2xx to CONNECT).
    pub fn is_upgrade(&self) -> bool {
        self.info.upgraded
    }
}
