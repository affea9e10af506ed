//! The opening handshake (RFC 6455 section 4), and its HTTP/2 form over an
//! extended CONNECT (RFC 8441 sections 4 and 5).
//!
//! These helpers read and write field values only; the HTTP machine that
//! carries the request and the response (an HTTP/1.1 `ServerConn` or
//! `ClientConn`, or an HTTP/2 stream) stays the application's. They take the
//! fields as an iterator of `(name, value)` byte pairs, so the fields of an
//! HTTP/1.1 request and the decoded header list of an HTTP/2 request both fit.
//! Names are matched ASCII case-insensitively.
//!
//! - Server, HTTP/1.1: [`validate_request`] checks a GET upgrade request
//!   (version 13, a 16-byte key, `Upgrade: websocket`, `Connection: upgrade`,
//!   one Host, the [`OriginPolicy`]) and picks the subprotocol and the
//!   permessage-deflate parameters; the [`Accept`] gives the 101's fields.
//!   On failure, [`HandshakeError::status`] and
//!   [`HandshakeError::response_fields`] give the answer.
//! - Server, HTTP/2: [`validate_extended_connect`] checks a CONNECT with
//!   `:protocol = websocket` and version 13 (no key: RFC 8441 section 5); the
//!   answer is a 200 with [`Accept::fields`].
//! - Client: [`ClientRequest::new`] with 16 random bytes gives the fields to
//!   send ([`ClientRequest::fields`], or [`ClientRequest::h2_fields`] beside
//!   `:protocol = websocket`), and [`ClientRequest::check_response`] (or
//!   [`ClientRequest::check_h2_response`]) checks the answer and gives the
//!   [`Negotiated`] subprotocol and extensions.
//!
//! Either way, [`Extensions`] is what the [`Conn`](super::Conn) is built with.
//!
//! ```
//! use shockwave_proto::ws::handshake::{ClientRequest, ServerPolicy, validate_request};
//!
//! let policy = ServerPolicy { protocols: &["chat"], ..ServerPolicy::default() };
//! let client = ClientRequest::new(*b"the sample nonce", &["chat", "superchat"], false).unwrap();
//! let mut request: Vec<(&[u8], &[u8])> = vec![(b"host", b"server.example.com")];
//! request.extend(client.fields());
//! let accept = validate_request(b"GET", request.iter().copied(), &policy).unwrap();
//! assert_eq!(accept.status(), 101);
//! assert_eq!(accept.protocol(), Some("chat"));
//! let negotiated = client.check_response(accept.status(), accept.fields()).unwrap();
//! assert_eq!(negotiated.protocol, Some("chat"));
//! ```

use alloc::vec::Vec;

use super::UsageError;
use super::deflate::{self, DeflateOptions, DeflateParams, MAX_ANSWER_LEN};

pub(crate) mod fields;
mod key;

pub use key::accept_key;

use fields::{extensions, is_token, list, list_has};

/// A field as the helpers give it: name and value.
pub type Field<'a> = (&'a [u8], &'a [u8]);

/// The extensions in use on a connection, as the handshake agreed them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extensions {
    /// permessage-deflate's parameters, when it was negotiated (RFC 7692).
    pub deflate: Option<DeflateParams>,
}

/// Which `Origin` a server accepts (RFC 6455 section 10.2). Browsers always
/// send `Origin`; a page of another site opening a socket to us with the
/// user's cookies (cross-site WebSocket hijacking) shows there. Other clients
/// may send none: the policies that check an Origin accept its absence, since
/// a client that sends none is not a browser acting for a user.
#[derive(Clone, Copy, Default)]
pub enum OriginPolicy<'a> {
    /// Accept every request.
    Any,
    /// Accept an Origin whose host equals the request's Host (or `:authority`)
    /// host, ports aside, ASCII case-insensitively.
    #[default]
    SameHost,
    /// Accept these Origin values exactly (ASCII case-insensitively), such as
    /// `https://app.example.com`.
    AllowList(&'a [&'a str]),
    /// Ask the application: `(origin, host)` to `true` to accept.
    Custom(&'a OriginCheck),
}

/// An application's Origin check: the Origin (if sent) and the Host to
/// `true` to accept.
pub type OriginCheck = dyn Fn(Option<&[u8]>, &[u8]) -> bool;

impl core::fmt::Debug for OriginPolicy<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OriginPolicy::Any => f.write_str("Any"),
            OriginPolicy::SameHost => f.write_str("SameHost"),
            OriginPolicy::AllowList(l) => f.debug_tuple("AllowList").field(l).finish(),
            OriginPolicy::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// The host of `authority` (`host[:port]`, or `[v6]:port`), without the port.
fn host_of(authority: &[u8]) -> &[u8] {
    if authority.first() == Some(&b'[') {
        let end = authority
            .iter()
            .position(|&b| b == b']')
            .map_or(authority.len(), |e| e + 1);
        return &authority[..end];
    }
    match authority.iter().rposition(|&b| b == b':') {
        Some(colon) => &authority[..colon],
        None => authority,
    }
}

impl OriginPolicy<'_> {
    fn allows(&self, origin: Option<&[u8]>, host: &[u8]) -> bool {
        match (self, origin) {
            (OriginPolicy::Any, _) => true,
            (OriginPolicy::Custom(f), _) => f(origin, host),
            (_, None) => true,
            (OriginPolicy::SameHost, Some(o)) => {
                // scheme "://" host [ ":" port ]; "null" and anything else fail.
                let Some(at) = o.windows(3).position(|w| w == b"://") else {
                    return false;
                };
                host_of(&o[at + 3..]).eq_ignore_ascii_case(host_of(host))
            }
            (OriginPolicy::AllowList(list), Some(o)) => {
                list.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(o))
            }
        }
    }
}

/// What a server accepts in the opening handshake.
#[derive(Clone, Copy, Debug)]
pub struct ServerPolicy<'a> {
    /// The subprotocols we speak, most preferred first: the first one the
    /// client offered is chosen (none: no `Sec-WebSocket-Protocol` in the answer).
    pub protocols: &'a [&'a str],
    /// Which Origins are accepted.
    pub origin: OriginPolicy<'a>,
    /// Accept permessage-deflate (with these options) when offered. Off by
    /// default: it costs about 285 KiB per connection (see [`Config`](super::Config)).
    pub deflate: Option<DeflateOptions>,
}

impl Default for ServerPolicy<'_> {
    fn default() -> Self {
        ServerPolicy {
            protocols: &[],
            origin: OriginPolicy::SameHost,
            deflate: None,
        }
    }
}

/// Why a handshake failed. On the server side, answer with
/// [`HandshakeError::status`] and [`HandshakeError::response_fields`]; on
/// the client side, the connection fails (RFC 6455 section 4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request method is not GET (RFC 6455 section 4.2.1 item 1).
    MethodNotGet,
    /// The HTTP/2 request method is not CONNECT (RFC 8441 section 4).
    MethodNotConnect,
    /// The HTTP/2 request's `:protocol` is missing or not `websocket` (RFC 8441 section 5).
    NotWebSocketProtocol,
    /// No Host field (or `:authority`).
    MissingHost,
    /// More than one Host field.
    DuplicateHost,
    /// No `Upgrade: websocket` (RFC 6455 section 4.2.1 item 3; client: section 4.1).
    MissingUpgrade,
    /// No `upgrade` option in `Connection` (RFC 6455 section 4.2.1 item 4; client: section 4.1).
    MissingConnectionUpgrade,
    /// `Connection` or `Upgrade` in an HTTP/2 request (RFC 8441 section 5).
    ConnectionSpecificField,
    /// `Sec-WebSocket-Key` missing, repeated, or not the base64 of 16 bytes.
    InvalidKey,
    /// `Sec-WebSocket-Version` is not 13 (answered with 426 and the version we speak).
    UnsupportedVersion,
    /// The Origin policy refused the request (403).
    OriginRejected,
    /// The response status is not 101 (HTTP/2: not 2xx).
    UnexpectedStatus(u16),
    /// `Sec-WebSocket-Accept` is missing or does not match our key.
    InvalidAccept,
    /// The server chose a subprotocol we did not offer, or several.
    UnexpectedProtocol,
    /// The server answered with an extension we did not offer, or twice.
    UnexpectedExtension,
    /// The server's permessage-deflate parameters are invalid (RFC 7692 section 7.1).
    InvalidExtensionAnswer,
}

impl HandshakeError {
    /// The status a server answers a failed request with.
    pub const fn status(&self) -> u16 {
        match self {
            HandshakeError::MethodNotGet => 405,
            HandshakeError::UnsupportedVersion => 426,
            HandshakeError::OriginRejected => 403,
            _ => 400,
        }
    }

    /// Fields that go with that status: `Allow: GET` after 405, the version we
    /// speak after 426 (RFC 6455 section 4.4).
    pub const fn response_fields(&self) -> &'static [(&'static [u8], &'static [u8])] {
        match self {
            HandshakeError::MethodNotGet => &[(b"allow", b"GET")],
            HandshakeError::UnsupportedVersion => &[(b"sec-websocket-version", b"13")],
            _ => &[],
        }
    }
}

impl core::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use HandshakeError::*;
        match self {
            MethodNotGet => f.write_str("WebSocket request is not a GET"),
            MethodNotConnect => f.write_str("HTTP/2 WebSocket request is not a CONNECT"),
            NotWebSocketProtocol => f.write_str(":protocol is not websocket"),
            MissingHost => f.write_str("missing Host"),
            DuplicateHost => f.write_str("more than one Host"),
            MissingUpgrade => f.write_str("missing Upgrade: websocket"),
            MissingConnectionUpgrade => f.write_str("missing Connection: upgrade"),
            ConnectionSpecificField => f.write_str("Connection or Upgrade in an HTTP/2 request"),
            InvalidKey => f.write_str("invalid Sec-WebSocket-Key"),
            UnsupportedVersion => f.write_str("Sec-WebSocket-Version is not 13"),
            OriginRejected => f.write_str("Origin not allowed"),
            UnexpectedStatus(s) => write!(f, "unexpected status {s}"),
            InvalidAccept => f.write_str("Sec-WebSocket-Accept does not match the key"),
            UnexpectedProtocol => f.write_str("subprotocol not offered"),
            UnexpectedExtension => f.write_str("extension not offered"),
            InvalidExtensionAnswer => f.write_str("invalid permessage-deflate parameters"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HandshakeError {}

/// The server's acceptance of a handshake: the fields of its answer and the
/// agreed extensions.
#[derive(Clone, Copy, Debug)]
pub struct Accept<'a> {
    accept: Option<[u8; 28]>,
    protocol: Option<&'a str>,
    extensions_answer: [u8; MAX_ANSWER_LEN],
    extensions_len: usize,
    extensions: Extensions,
}

impl<'a> Accept<'a> {
    /// The status of the answer: 101 over HTTP/1.1, 200 over HTTP/2 (RFC 8441 section 5).
    pub fn status(&self) -> u16 {
        if self.accept.is_some() { 101 } else { 200 }
    }

    /// The chosen subprotocol.
    pub fn protocol(&self) -> Option<&'a str> {
        self.protocol
    }

    /// The agreed extensions, to build the [`Conn`](super::Conn) with.
    pub fn extensions(&self) -> Extensions {
        self.extensions
    }

    /// The fields of the answer: over HTTP/1.1 `upgrade`, `connection`,
    /// `sec-websocket-accept`; then `sec-websocket-protocol` and
    /// `sec-websocket-extensions` when something was chosen.
    pub fn fields(&self) -> impl Iterator<Item = Field<'_>> + '_ {
        let h1 = self.accept.as_ref().map(|a| -> [Field<'_>; 3] {
            [
                (b"upgrade", b"websocket"),
                (b"connection", b"upgrade"),
                (b"sec-websocket-accept", &a[..]),
            ]
        });
        let protocol: Option<Field<'_>> = self
            .protocol
            .map(|p| (&b"sec-websocket-protocol"[..], p.as_bytes()));
        let ext: Option<Field<'_>> = (self.extensions_len > 0).then(|| {
            (
                &b"sec-websocket-extensions"[..],
                &self.extensions_answer[..self.extensions_len],
            )
        });
        h1.into_iter().flatten().chain(protocol).chain(ext)
    }
}

/// What one pass over the request's fields found.
struct RequestScan<'f> {
    hosts: usize,
    host: &'f [u8],
    upgrade: bool,
    connection: bool,
    connection_specific: bool,
    keys: usize,
    key: &'f [u8],
    versions: usize,
    version_13: bool,
    origin: Option<&'f [u8]>,
    /// Index in the policy's list of the best subprotocol offered.
    protocol: Option<usize>,
    deflate: Option<(DeflateParams, bool)>,
}

impl<'f> RequestScan<'f> {
    fn run<I>(fields: I, policy: &ServerPolicy<'_>) -> Self
    where
        I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
    {
        let mut s = RequestScan {
            hosts: 0,
            host: b"",
            upgrade: false,
            connection: false,
            connection_specific: false,
            keys: 0,
            key: b"",
            versions: 0,
            version_13: false,
            origin: None,
            protocol: None,
            deflate: None,
        };
        for (name, value) in fields {
            let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
            if is(b"host") {
                s.hosts += 1;
                s.host = value;
            } else if is(b"upgrade") {
                s.connection_specific = true;
                s.upgrade |= list_has(value, b"websocket");
            } else if is(b"connection") {
                s.connection_specific = true;
                s.connection |= list_has(value, b"upgrade");
            } else if is(b"sec-websocket-key") {
                s.keys += 1;
                s.key = value.trim_ascii();
            } else if is(b"sec-websocket-version") {
                s.versions += 1;
                s.version_13 = value.trim_ascii() == b"13";
            } else if is(b"origin") {
                s.origin = Some(value.trim_ascii());
            } else if is(b"sec-websocket-protocol") {
                for offered in list(value) {
                    if let Some(i) = policy
                        .protocols
                        .iter()
                        .position(|p| p.as_bytes() == offered)
                    {
                        s.protocol = Some(s.protocol.map_or(i, |best| best.min(i)));
                    }
                }
            } else if is(b"sec-websocket-extensions") {
                s.offer_extensions(value, policy);
            }
        }
        s
    }

    /// Takes the first acceptable permessage-deflate offer of a
    /// `Sec-WebSocket-Extensions` value; an invalid offer is declined.
    fn offer_extensions(&mut self, value: &[u8], policy: &ServerPolicy<'_>) {
        let Some(options) = policy.deflate else {
            return;
        };
        for ext in extensions(value) {
            let Ok(ext) = ext else { return };
            if self.deflate.is_none() && ext.name.eq_ignore_ascii_case(deflate::NAME) {
                self.deflate = deflate::accept_offer(ext.params(), &options);
            }
        }
    }

    fn accept<'a>(
        &self,
        policy: &ServerPolicy<'a>,
        accept: Option<[u8; 28]>,
    ) -> Result<Accept<'a>, HandshakeError> {
        if !self.version_13 || self.versions != 1 {
            return Err(HandshakeError::UnsupportedVersion);
        }
        if !policy.origin.allows(self.origin, self.host) {
            return Err(HandshakeError::OriginRejected);
        }
        let mut out = Accept {
            accept,
            protocol: self.protocol.map(|i| policy.protocols[i]),
            extensions_answer: [0; MAX_ANSWER_LEN],
            extensions_len: 0,
            extensions: Extensions::default(),
        };
        if let Some((params, server_bits)) = self.deflate {
            out.extensions_len = params.write_answer(server_bits, &mut out.extensions_answer);
            out.extensions.deflate = Some(params);
        }
        Ok(out)
    }
}

/// Checks an HTTP/1.1 WebSocket upgrade request (RFC 6455 section 4.2.1) and
/// agrees on its subprotocol and extensions. Answer with a 101 carrying
/// [`Accept::fields`], or with the error's status.
pub fn validate_request<'a, 'f, I>(
    method: &[u8],
    fields: I,
    policy: &ServerPolicy<'a>,
) -> Result<Accept<'a>, HandshakeError>
where
    I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
{
    // RFC 6455 section 4.2.1: the method MUST be GET.
    if method != b"GET" {
        return Err(HandshakeError::MethodNotGet);
    }
    let s = RequestScan::run(fields, policy);
    match s.hosts {
        0 => return Err(HandshakeError::MissingHost),
        1 => {}
        _ => return Err(HandshakeError::DuplicateHost),
    }
    if !s.upgrade {
        return Err(HandshakeError::MissingUpgrade);
    }
    if !s.connection {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    // RFC 6455 section 4.2.1 item 5: one key, the base64 of 16 bytes.
    if s.keys != 1 || !key::is_valid_key(s.key) {
        return Err(HandshakeError::InvalidKey);
    }
    s.accept(policy, Some(accept_key(s.key)))
}

/// Checks an HTTP/2 extended CONNECT for WebSocket (RFC 8441 sections 4 and
/// 5): `method` and `protocol` are the `:method` and `:protocol`
/// pseudo-header values, `authority` the `:authority`, `fields` the regular
/// fields. Answer with a 200 carrying [`Accept::fields`].
pub fn validate_extended_connect<'a, 'f, I>(
    method: &[u8],
    protocol: Option<&[u8]>,
    authority: Option<&'f [u8]>,
    fields: I,
    policy: &ServerPolicy<'a>,
) -> Result<Accept<'a>, HandshakeError>
where
    I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
{
    if method != b"CONNECT" {
        return Err(HandshakeError::MethodNotConnect);
    }
    // RFC 8441 section 5: :protocol MUST be "websocket".
    if protocol != Some(b"websocket") {
        return Err(HandshakeError::NotWebSocketProtocol);
    }
    let mut s = RequestScan::run(fields, policy);
    // RFC 8441 section 5: Connection and Upgrade MUST NOT be included.
    if s.connection_specific {
        return Err(HandshakeError::ConnectionSpecificField);
    }
    let Some(authority) = authority else {
        return Err(HandshakeError::MissingHost);
    };
    s.host = authority;
    s.accept(policy, None)
}

/// What a client's handshake agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated<'a> {
    /// The subprotocol the server chose, from our list.
    pub protocol: Option<&'a str>,
    /// The extensions in use, to build the [`Conn`](super::Conn) with.
    pub extensions: Extensions,
}

/// A client's opening handshake: the fields to send and the check of the answer.
#[derive(Clone, Debug)]
pub struct ClientRequest<'a> {
    key: [u8; 24],
    protocols: &'a [&'a str],
    protocols_value: Vec<u8>,
    offer_deflate: bool,
}

impl<'a> ClientRequest<'a> {
    /// A request with the key made of `nonce` (16 bytes from a random source,
    /// RFC 6455 section 4.1: "randomly selected"), offering `protocols` (most
    /// preferred first) and, when `offer_deflate`, permessage-deflate.
    /// Fails when a protocol name is not a token.
    pub fn new(
        nonce: [u8; 16],
        protocols: &'a [&'a str],
        offer_deflate: bool,
    ) -> Result<Self, UsageError> {
        let mut protocols_value = Vec::new();
        for (i, p) in protocols.iter().enumerate() {
            if !is_token(p.as_bytes()) {
                return Err(UsageError::InvalidProtocol);
            }
            if i > 0 {
                protocols_value.extend_from_slice(b", ");
            }
            protocols_value.extend_from_slice(p.as_bytes());
        }
        Ok(ClientRequest {
            key: key::encode_key(nonce),
            protocols,
            protocols_value,
            offer_deflate,
        })
    }

    /// The `Sec-WebSocket-Key` value.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The fields an HTTP/2 extended CONNECT carries besides its pseudo-headers
    /// (`:method = CONNECT`, `:protocol = websocket`, `:scheme`, `:path`, `:authority`).
    pub fn h2_fields(&self) -> impl Iterator<Item = Field<'_>> + '_ {
        let protocol: Option<Field<'_>> = (!self.protocols.is_empty())
            .then(|| (&b"sec-websocket-protocol"[..], &self.protocols_value[..]));
        let ext: Option<Field<'_>> = self
            .offer_deflate
            .then_some((&b"sec-websocket-extensions"[..], deflate::CLIENT_OFFER));
        core::iter::once::<Field<'_>>((b"sec-websocket-version", b"13"))
            .chain(protocol)
            .chain(ext)
    }

    /// The fields of the HTTP/1.1 GET request, besides Host and the
    /// application's own (such as Origin).
    pub fn fields(&self) -> impl Iterator<Item = Field<'_>> + '_ {
        <[Field<'_>; 3]>::into_iter([
            (b"upgrade", b"websocket"),
            (b"connection", b"upgrade"),
            (b"sec-websocket-key", &self.key[..]),
        ])
        .chain(self.h2_fields())
    }

    /// Checks the server's HTTP/1.1 answer (RFC 6455 section 4.1): 101,
    /// `Upgrade: websocket`, `Connection: upgrade`, the accept value of our
    /// key, and only a subprotocol and extensions we offered.
    pub fn check_response<'f, I>(
        &self,
        status: u16,
        fields: I,
    ) -> Result<Negotiated<'a>, HandshakeError>
    where
        I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
    {
        if status != 101 {
            return Err(HandshakeError::UnexpectedStatus(status));
        }
        self.check_fields(fields, true)
    }

    /// Checks the server's HTTP/2 answer (RFC 8441 section 5): a 2xx, and only
    /// a subprotocol and extensions we offered.
    pub fn check_h2_response<'f, I>(
        &self,
        status: u16,
        fields: I,
    ) -> Result<Negotiated<'a>, HandshakeError>
    where
        I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
    {
        if !(200..300).contains(&status) {
            return Err(HandshakeError::UnexpectedStatus(status));
        }
        self.check_fields(fields, false)
    }

    fn check_fields<'f, I>(&self, fields: I, h1: bool) -> Result<Negotiated<'a>, HandshakeError>
    where
        I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
    {
        let (mut upgrade, mut connection, mut accepted) = (false, false, false);
        let mut protocol: Option<&'a str> = None;
        let mut protocols_seen = 0;
        let mut deflate_params: Option<DeflateParams> = None;
        let expected = accept_key(&self.key);
        for (name, value) in fields {
            let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
            if is(b"upgrade") {
                upgrade |= list_has(value, b"websocket");
            } else if is(b"connection") {
                connection |= list_has(value, b"upgrade");
            } else if is(b"sec-websocket-accept") {
                accepted = !accepted && value.trim_ascii() == expected;
            } else if is(b"sec-websocket-protocol") {
                // RFC 6455 section 4.1: one of the values we offered, and only one.
                for chosen in list(value) {
                    protocols_seen += 1;
                    protocol = self
                        .protocols
                        .iter()
                        .copied()
                        .find(|p| p.as_bytes() == chosen);
                    if protocol.is_none() {
                        return Err(HandshakeError::UnexpectedProtocol);
                    }
                }
            } else if is(b"sec-websocket-extensions") {
                for ext in extensions(value) {
                    let ext = ext.map_err(|_| HandshakeError::InvalidExtensionAnswer)?;
                    // RFC 6455 section 9.1: only what we offered, RFC 7692: once.
                    if !self.offer_deflate
                        || !ext.name.eq_ignore_ascii_case(deflate::NAME)
                        || deflate_params.is_some()
                    {
                        return Err(HandshakeError::UnexpectedExtension);
                    }
                    deflate_params = Some(
                        deflate::check_answer(ext.params())
                            .ok_or(HandshakeError::InvalidExtensionAnswer)?,
                    );
                }
            }
        }
        if protocols_seen > 1 {
            return Err(HandshakeError::UnexpectedProtocol);
        }
        if h1 {
            if !upgrade {
                return Err(HandshakeError::MissingUpgrade);
            }
            if !connection {
                return Err(HandshakeError::MissingConnectionUpgrade);
            }
            if !accepted {
                return Err(HandshakeError::InvalidAccept);
            }
        }
        Ok(Negotiated {
            protocol,
            extensions: Extensions {
                deflate: deflate_params,
            },
        })
    }
}

#[cfg(test)]
mod tests;
