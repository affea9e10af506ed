//! The request as a native handler sees it, whatever the protocol: a borrowed
//! view over an HTTP/1.1 head or an HTTP/2 header list, with no allocation.

use shockwave_proto::h1::{self, BodyFraming, Method};
use shockwave_proto::h2;

/// The protocol a request arrived over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// HTTP/1.0.
    Http10,
    /// HTTP/1.1.
    Http11,
    /// HTTP/2 (over TLS by ALPN, or h2c).
    Http2,
}

/// A received request head, borrowed from the connection until the handler's
/// `on_request` returns.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a>(Head<'a>);

#[derive(Clone, Copy, Debug)]
enum Head<'a> {
    H1(h1::Request<'a>),
    /// The machine's event, borrowed where it lies: the driver's per-request
    /// view copies nothing.
    H1Event(&'a h1::Request<'a>),
    /// The head and whether the stream ended with it.
    H2(h2::RequestHead<'a>, bool),
}

/// What every accessor matches on: the head by reference, whichever way it is held.
enum View<'r, 'a> {
    H1(&'r h1::Request<'a>),
    H2(&'r h2::RequestHead<'a>, bool),
}

impl<'a> From<h1::Request<'a>> for Request<'a> {
    #[inline]
    fn from(req: h1::Request<'a>) -> Self {
        Request(Head::H1(req))
    }
}

impl<'a> Request<'a> {
    /// An HTTP/1.1 request head borrowed from the machine's event.
    #[inline]
    pub(crate) fn from_h1_event(req: &'a h1::Request<'a>) -> Self {
        Request(Head::H1Event(req))
    }

    /// An HTTP/2 request head; `end_stream`: no body follows.
    pub(crate) fn from_h2(head: h2::RequestHead<'a>, end_stream: bool) -> Self {
        Request(Head::H2(head, end_stream))
    }

    #[inline(always)]
    fn view(&self) -> View<'_, 'a> {
        match &self.0 {
            Head::H1(r) => View::H1(r),
            Head::H1Event(r) => View::H1(r),
            Head::H2(r, end) => View::H2(r, *end),
        }
    }

    /// The method, recognised; [`Method::Other`] for the rest (see [`Request::method_bytes`]).
    #[inline(always)]
    pub fn method(&self) -> Method {
        match self.view() {
            View::H1(r) => r.method(),
            View::H2(r, _) => Method::from_bytes(r.method()),
        }
    }

    /// The method token as received.
    #[inline]
    pub fn method_bytes(&self) -> &'a [u8] {
        match self.view() {
            View::H1(r) => r.method_bytes(),
            View::H2(r, _) => r.method(),
        }
    }

    /// The method token as text (it is always ASCII).
    pub fn method_str(&self) -> &'a str {
        core::str::from_utf8(self.method_bytes()).unwrap_or("")
    }

    /// The request target: the HTTP/1.1 request-target, or HTTP/2's `:path`
    /// (`:authority` for CONNECT).
    #[inline]
    pub fn target(&self) -> &'a [u8] {
        match self.view() {
            View::H1(r) => r.target(),
            View::H2(r, _) => r.path().or(r.authority()).unwrap_or_default(),
        }
    }

    /// The target as text (targets are ASCII once parsed).
    pub fn target_str(&self) -> &'a str {
        core::str::from_utf8(self.target()).unwrap_or("")
    }

    /// The path of the target, without the query.
    #[inline]
    pub fn path(&self) -> &'a [u8] {
        match self.view() {
            View::H1(r) => r.path(),
            View::H2(..) => {
                let target = self.target();
                let end = target
                    .iter()
                    .position(|&b| b == b'?')
                    .unwrap_or(target.len());
                &target[..end]
            }
        }
    }

    /// The authority: the `Host` field in HTTP/1.1, `:authority` (else `host`) in HTTP/2.
    pub fn authority(&self) -> Option<&'a [u8]> {
        match self.view() {
            View::H1(r) => r.header("host"),
            View::H2(r, _) => r.authority().or_else(|| r.fields().get(b"host")),
        }
    }

    /// The protocol the request arrived over.
    #[inline]
    pub fn version(&self) -> Version {
        match self.view() {
            View::H1(r) => match r.version() {
                h1::Version::Http10 => Version::Http10,
                h1::Version::Http11 => Version::Http11,
            },
            View::H2(..) => Version::Http2,
        }
    }

    /// The header fields (HTTP/2 pseudo-headers excluded), in order.
    pub fn fields(&self) -> Fields<'a> {
        match self.view() {
            View::H1(r) => Fields(FieldList::H1(r.fields())),
            View::H2(r, _) => Fields(FieldList::H2(r.fields())),
        }
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields().get(name)
    }

    /// How the body is framed. Over HTTP/2 a body without `content-length`
    /// reports [`BodyFraming::Chunked`]: its length is unknown until it ends.
    #[inline]
    pub fn body_framing(&self) -> BodyFraming {
        match self.view() {
            View::H1(r) => r.body_framing(),
            View::H2(_, true) => BodyFraming::Empty,
            View::H2(r, false) => match r.content_length() {
                Some(n) => BodyFraming::Length(n),
                None => BodyFraming::Chunked,
            },
        }
    }

    /// Whether a body follows the head.
    pub fn has_body(&self) -> bool {
        !matches!(
            self.body_framing(),
            BodyFraming::Empty | BodyFraming::Length(0)
        )
    }

    /// Whether this is an HTTP/1.1 `Upgrade` request (answer 101 to switch).
    #[inline]
    pub fn is_upgrade(&self) -> bool {
        match self.view() {
            View::H1(r) => r.is_upgrade(),
            View::H2(..) => false,
        }
    }

    /// The HTTP/1.1 view, for what only HTTP/1.1 has.
    #[inline]
    pub fn as_h1(&self) -> Option<&h1::Request<'a>> {
        match self.view() {
            View::H1(r) => Some(r),
            View::H2(..) => None,
        }
    }

    /// The HTTP/2 view, for what only HTTP/2 has (`:scheme`, `:protocol`, priority).
    pub fn as_h2(&self) -> Option<&h2::RequestHead<'a>> {
        match self.view() {
            View::H1(_) => None,
            View::H2(r, _) => Some(r),
        }
    }
}

/// Header or trailer fields, borrowed, whatever the protocol.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a>(FieldList<'a>);

#[derive(Clone, Copy, Debug)]
enum FieldList<'a> {
    H1(h1::Fields<'a>),
    H2(h2::Headers<'a>),
}

impl<'a> From<h1::Fields<'a>> for Fields<'a> {
    fn from(fields: h1::Fields<'a>) -> Self {
        Fields(FieldList::H1(fields))
    }
}

impl<'a> From<h2::Headers<'a>> for Fields<'a> {
    fn from(fields: h2::Headers<'a>) -> Self {
        Fields(FieldList::H2(fields))
    }
}

impl<'a> Fields<'a> {
    /// The number of fields.
    pub fn len(&self) -> usize {
        match self.0 {
            FieldList::H1(f) => f.len(),
            FieldList::H2(f) => f.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fields in order, as `(name, value)`.
    pub fn iter(&self) -> FieldsIter<'a> {
        match self.0 {
            FieldList::H1(f) => FieldsIter(FieldIter::H1(f.iter())),
            FieldList::H2(f) => FieldsIter(FieldIter::H2(f.into_iter())),
        }
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }
}

impl<'a> IntoIterator for Fields<'a> {
    type Item = (&'a [u8], &'a [u8]);
    type IntoIter = FieldsIter<'a>;
    fn into_iter(self) -> FieldsIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Fields`].
#[derive(Clone, Debug)]
pub struct FieldsIter<'a>(FieldIter<'a>);

#[derive(Clone, Debug)]
enum FieldIter<'a> {
    H1(h1::head::FieldsIter<'a>),
    H2(<h2::Headers<'a> as IntoIterator>::IntoIter),
}

impl<'a> Iterator for FieldsIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            FieldIter::H1(it) => it.next().map(|f| (f.name, f.value)),
            FieldIter::H2(it) => it.next(),
        }
    }
}
