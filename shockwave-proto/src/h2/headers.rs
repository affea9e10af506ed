//! HTTP semantics of a decoded field section (RFC 9113 section 8): what makes a
//! request, response or trailer section malformed, and the borrowed views the
//! application reads them through.
//!
//! A malformed message is a stream error of type PROTOCOL_ERROR (section 8.1.1).
//! The checks: field names without uppercase or characters outside visible
//! ASCII, values without NUL, CR, LF or surrounding whitespace (section 8.2.1);
//! no connection-specific fields, `te` only `trailers` (section 8.2.2);
//! pseudo-headers before regular fields, none unknown, repeated, or of the other
//! kind of message, none in trailers (section 8.3); the pseudo-headers each
//! request form needs (section 8.3.1, CONNECT in section 8.5, extended CONNECT
//! in RFC 8441 section 4); `content-length` a number, the same each time it
//! appears. The views index into the [`HeaderList`] arena; nothing is copied.

use core::fmt;

use super::error::{Error, ErrorKind};
use super::priority::Priority;
use super::stream::StreamId;
use crate::hpack::HeaderList;

/// Regular fields of a message, in the order received (pseudo-headers excluded).
#[derive(Clone, Copy)]
pub struct Headers<'a> {
    list: &'a HeaderList,
    start: usize,
    end: usize,
}

impl<'a> Headers<'a> {
    pub(crate) fn new(list: &'a HeaderList, start: usize) -> Self {
        Headers {
            list,
            start: start.min(list.len()),
            end: list.len(),
        }
    }

    /// The `(name, value)` pairs in order.
    pub fn iter(&self) -> HeadersIter<'a> {
        HeadersIter {
            list: self.list,
            next: self.start,
            end: self.end,
        }
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The value of the first field called `name` (compared without regard to
    /// ASCII case; names on the wire are lowercase).
    pub fn get(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl<'a> IntoIterator for Headers<'a> {
    type Item = (&'a [u8], &'a [u8]);
    type IntoIter = HeadersIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The `(name, value)` pairs of [`Headers`], in order.
#[derive(Clone, Debug)]
pub struct HeadersIter<'a> {
    list: &'a HeaderList,
    next: usize,
    end: usize,
}

impl<'a> Iterator for HeadersIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let f = self.list.get(self.next)?;
        self.next += 1;
        Some((f.name, f.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| (Bytes(n), Bytes(v))))
            .finish()
    }
}

/// Bytes shown as text where they are printable.
struct Bytes<'a>(&'a [u8]);

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// Where a request's parts are in the header list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RequestInfo {
    method: usize,
    scheme: Option<usize>,
    authority: Option<usize>,
    path: Option<usize>,
    protocol: Option<usize>,
    regular: usize,
    pub(crate) content_length: Option<u64>,
    pub(crate) priority: Priority,
    /// `HEAD`: its response has no body whatever `content-length` says.
    pub(crate) is_head: bool,
    /// `CONNECT` (plain or extended).
    pub(crate) is_connect: bool,
}

/// A request head: pseudo-headers and regular fields, borrowed from the
/// connection's header list until the next `poll_event`.
#[derive(Clone, Copy)]
pub struct RequestHead<'a> {
    list: &'a HeaderList,
    info: RequestInfo,
}

impl<'a> RequestHead<'a> {
    pub(crate) fn new(list: &'a HeaderList, info: RequestInfo) -> Self {
        RequestHead { list, info }
    }

    fn value(&self, at: Option<usize>) -> Option<&'a [u8]> {
        self.list.get(at?).map(|f| f.value)
    }

    /// `:method`.
    pub fn method(&self) -> &'a [u8] {
        self.value(Some(self.info.method)).unwrap_or_default()
    }

    /// `:scheme` (absent in CONNECT).
    pub fn scheme(&self) -> Option<&'a [u8]> {
        self.value(self.info.scheme)
    }

    /// `:authority`, if sent.
    pub fn authority(&self) -> Option<&'a [u8]> {
        self.value(self.info.authority)
    }

    /// `:path` (absent in CONNECT).
    pub fn path(&self) -> Option<&'a [u8]> {
        self.value(self.info.path)
    }

    /// `:protocol` of an extended CONNECT (RFC 8441), such as `websocket`.
    pub fn protocol(&self) -> Option<&'a [u8]> {
        self.value(self.info.protocol)
    }

    /// The regular fields, in order.
    pub fn fields(&self) -> Headers<'a> {
        Headers::new(self.list, self.info.regular)
    }

    /// `content-length`, if sent (already checked to be a number).
    pub fn content_length(&self) -> Option<u64> {
        self.info.content_length
    }

    /// The RFC 9218 priority from the `priority` field (defaults when absent).
    pub fn priority(&self) -> Priority {
        self.info.priority
    }
}

impl fmt::Debug for RequestHead<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestHead")
            .field("method", &Bytes(self.method()))
            .field("scheme", &self.scheme().map(Bytes))
            .field("authority", &self.authority().map(Bytes))
            .field("path", &self.path().map(Bytes))
            .field("protocol", &self.protocol().map(Bytes))
            .field("fields", &self.fields())
            .finish()
    }
}

/// Where a response's parts are in the header list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ResponseInfo {
    pub(crate) status: u16,
    regular: usize,
    pub(crate) content_length: Option<u64>,
}

/// A response head (final or informational), borrowed like [`RequestHead`].
#[derive(Clone, Copy)]
pub struct ResponseHead<'a> {
    list: &'a HeaderList,
    info: ResponseInfo,
}

impl<'a> ResponseHead<'a> {
    pub(crate) fn new(list: &'a HeaderList, info: ResponseInfo) -> Self {
        ResponseHead { list, info }
    }

    /// `:status`.
    pub fn status(&self) -> u16 {
        self.info.status
    }

    /// The regular fields, in order.
    pub fn fields(&self) -> Headers<'a> {
        Headers::new(self.list, self.info.regular)
    }

    /// `content-length`, if sent.
    pub fn content_length(&self) -> Option<u64> {
        self.info.content_length
    }
}

impl fmt::Debug for ResponseHead<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseHead")
            .field("status", &self.status())
            .field("fields", &self.fields())
            .finish()
    }
}

/// What a regular field means to the message, beyond being valid.
enum Regular {
    Plain,
    ContentLength,
    Priority,
    Host,
}

/// The checks every field of every section gets (RFC 9113 sections 8.2.1, 8.2.2).
fn check_regular(name: &[u8], value: &[u8]) -> Result<Regular, ErrorKind> {
    if !valid_name(name) {
        return Err(ErrorKind::InvalidFieldName);
    }
    if !valid_value(value) {
        return Err(ErrorKind::InvalidFieldValue);
    }
    Ok(match name {
        b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding" | b"upgrade" => {
            return Err(ErrorKind::ConnectionSpecificField);
        }
        // Section 8.2.2: te may only say "trailers".
        b"te" if value != b"trailers" => return Err(ErrorKind::InvalidTe),
        b"content-length" => Regular::ContentLength,
        b"priority" => Regular::Priority,
        b"host" => Regular::Host,
        _ => Regular::Plain,
    })
}

/// Section 8.2.1: no character in 0x00-0x20, 0x41-0x5a or 0x7f-0xff; not
/// empty; and no colon, which only starts pseudo-header names (checked apart).
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&b| b > 0x20 && b < 0x7f && b != b':' && !b.is_ascii_uppercase())
}

/// Section 8.2.1: no NUL, CR or LF; no leading or trailing SP or HTAB.
pub(crate) fn valid_value(value: &[u8]) -> bool {
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    !edge(value.first())
        && !edge(value.last())
        && !value.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n')
}

/// Parses a `content-length` value (digits only), checking it agrees with an
/// earlier one.
fn content_length(value: &[u8], earlier: Option<u64>) -> Result<u64, ErrorKind> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return Err(ErrorKind::InvalidContentLength);
    }
    let n = value.iter().fold(0u64, |n, &d| n * 10 + (d - b'0') as u64);
    match earlier {
        Some(e) if e != n => Err(ErrorKind::InvalidContentLength),
        _ => Ok(n),
    }
}

/// Checks a request's field section and finds its parts. `extended_connect`:
/// we sent SETTINGS_ENABLE_CONNECT_PROTOCOL=1 (RFC 8441 section 4).
pub(crate) fn validate_request(
    list: &HeaderList,
    stream: StreamId,
    extended_connect: bool,
) -> Result<RequestInfo, Error> {
    request_info(list, extended_connect).map_err(|kind| Error::stream_error(stream, kind))
}

fn request_info(list: &HeaderList, extended_connect: bool) -> Result<RequestInfo, ErrorKind> {
    let mut info = RequestInfo::default();
    let mut method = None;
    let mut regular = None;
    let mut host = None;
    for (i, f) in list.iter().enumerate() {
        if let Some(pseudo) = f.name.strip_prefix(b":") {
            if regular.is_some() {
                return Err(ErrorKind::PseudoAfterRegular);
            }
            if !valid_value(f.value) {
                return Err(ErrorKind::InvalidFieldValue);
            }
            let slot = match pseudo {
                b"method" => &mut method,
                b"scheme" => &mut info.scheme,
                b"authority" => &mut info.authority,
                b"path" => &mut info.path,
                b"protocol" => &mut info.protocol,
                _ => return Err(ErrorKind::InvalidPseudoHeader),
            };
            if slot.replace(i).is_some() {
                return Err(ErrorKind::InvalidPseudoHeader);
            }
            continue;
        }
        regular.get_or_insert(i);
        match check_regular(f.name, f.value)? {
            Regular::Plain => {}
            Regular::ContentLength => {
                info.content_length = Some(content_length(f.value, info.content_length)?);
            }
            Regular::Priority => info.priority = info.priority.updated(f.value),
            Regular::Host => host = host.or(Some(f.value)),
        }
    }
    info.regular = regular.unwrap_or(list.len());
    info.method = method.ok_or(ErrorKind::MissingPseudoHeader)?;
    let value = |at: Option<usize>| at.and_then(|i| list.get(i)).map(|f| f.value);
    let method = value(method).unwrap_or_default();
    if !valid_name_token(method) {
        return Err(ErrorKind::InvalidPseudoHeader);
    }
    info.is_head = method == b"HEAD";
    info.is_connect = method == b"CONNECT";
    match (info.is_connect, info.protocol.is_some()) {
        // RFC 8441 section 4: :protocol only on CONNECT, only when we allowed it,
        // and then with :scheme, :path and :authority.
        (false, true) => return Err(ErrorKind::ExtendedConnectNotAllowed),
        (true, true) if !extended_connect => return Err(ErrorKind::ExtendedConnectNotAllowed),
        (true, true) => {
            if info.scheme.is_none() || info.path.is_none() || info.authority.is_none() {
                return Err(ErrorKind::MissingPseudoHeader);
            }
        }
        // Section 8.5: CONNECT has :authority and no :scheme or :path.
        (true, false) => {
            if info.scheme.is_some() || info.path.is_some() {
                return Err(ErrorKind::InvalidPseudoHeader);
            }
            if info.authority.is_none() {
                return Err(ErrorKind::MissingPseudoHeader);
            }
        }
        // Section 8.3.1: :method, :scheme and :path are required.
        (false, false) => {
            if info.scheme.is_none() || info.path.is_none() {
                return Err(ErrorKind::MissingPseudoHeader);
            }
        }
    }
    // Section 8.3.1: :path MUST NOT be empty.
    if value(info.path).is_some_and(<[u8]>::is_empty) {
        return Err(ErrorKind::MissingPseudoHeader);
    }
    // Section 8.3.1: a Host that differs from :authority is malformed.
    if let (Some(host), Some(authority)) = (host, value(info.authority))
        && host != authority
    {
        return Err(ErrorKind::InvalidPseudoHeader);
    }
    Ok(info)
}

/// A method is a token (RFC 9110 section 9.1).
fn valid_name_token(method: &[u8]) -> bool {
    !method.is_empty()
        && method
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks a response's field section and finds its parts.
pub(crate) fn validate_response(
    list: &HeaderList,
    stream: StreamId,
) -> Result<ResponseInfo, Error> {
    response_info(list).map_err(|kind| Error::stream_error(stream, kind))
}

fn response_info(list: &HeaderList) -> Result<ResponseInfo, ErrorKind> {
    let mut info = ResponseInfo::default();
    let mut status = None;
    let mut regular = None;
    for (i, f) in list.iter().enumerate() {
        if f.name.first() == Some(&b':') {
            if regular.is_some() {
                return Err(ErrorKind::PseudoAfterRegular);
            }
            // Section 8.3.2: :status is the only response pseudo-header.
            if f.name != b":status" || status.replace(i).is_some() {
                return Err(ErrorKind::InvalidPseudoHeader);
            }
            let v = f.value;
            if v.len() != 3 || !v.iter().all(u8::is_ascii_digit) || v[0] == b'0' {
                return Err(ErrorKind::InvalidStatus);
            }
            info.status = v.iter().fold(0u16, |n, &d| n * 10 + (d - b'0') as u16);
            continue;
        }
        regular.get_or_insert(i);
        if let Regular::ContentLength = check_regular(f.name, f.value)? {
            info.content_length = Some(content_length(f.value, info.content_length)?);
        }
    }
    status.ok_or(ErrorKind::MissingPseudoHeader)?;
    // Section 8.6: 101 (Switching Protocols) does not exist in HTTP/2.
    if info.status == 101 {
        return Err(ErrorKind::InvalidStatus);
    }
    info.regular = regular.unwrap_or(list.len());
    Ok(info)
}

/// Checks a trailer section (section 8.1: no pseudo-headers).
pub(crate) fn validate_trailers(list: &HeaderList, stream: StreamId) -> Result<(), Error> {
    for f in list.iter() {
        if f.name.first() == Some(&b':') {
            return Err(Error::stream_error(stream, ErrorKind::PseudoInTrailers));
        }
        check_regular(f.name, f.value).map_err(|kind| Error::stream_error(stream, kind))?;
    }
    Ok(())
}

/// Why the application's field cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendFieldError {
    /// Not a lowercase token, or a value with NUL, CR or LF.
    Invalid,
    /// Connection-specific, or a pseudo-header.
    ConnectionSpecific,
}

/// Checks a field the application wants to send (RFC 9113 section 8.2: an
/// endpoint MUST NOT generate what the peer would find malformed).
pub(crate) fn check_send_field(name: &[u8], value: &[u8]) -> Result<(), SendFieldError> {
    if name.first() == Some(&b':') {
        return Err(SendFieldError::ConnectionSpecific);
    }
    match check_regular(name, value) {
        Ok(_) => Ok(()),
        Err(ErrorKind::ConnectionSpecificField | ErrorKind::InvalidTe) => {
            Err(SendFieldError::ConnectionSpecific)
        }
        Err(_) => Err(SendFieldError::Invalid),
    }
}

#[cfg(test)]
mod tests;
