//! The client side: [`connect`] and [`Connector`] open `ws://` and `wss://`
//! connections, doing the opening handshake (RFC 6455 section 4.1) with the
//! HTTP/1.1 client machine and the handshake helpers.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use rustls::ClientConfig;
use rustls::crypto::SecureRandom;
use rustls_pki_types::{CertificateDer, ServerName};
use shockwave_proto::h1::client::{ClientConn, ClientEvent};
use shockwave_proto::h1::{self, BodyFraming};
use shockwave_proto::ws::handshake::ClientRequest;
use shockwave_proto::ws::{Config, Conn, MaskSource};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::{Error, WebSocket};
use crate::client::Certificate;
use crate::time::now;

/// Opens a WebSocket to a `ws://` or `wss://` URL with the default
/// [`Connector`]: no subprotocol, permessage-deflate offered, the platform's
/// trust roots for `wss://`.
///
/// ```no_run
/// # async fn run() -> Result<(), shockwave_tokio::ws::Error> {
/// use shockwave_tokio::ws::{self, Message};
///
/// let mut socket = ws::connect("ws://127.0.0.1:8080/ws").await?;
/// socket.send(Message::text("hello")).await?;
/// while let Some(message) = socket.recv().await {
///     println!("{:?}", message?);
/// }
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<WebSocket<ClientStream>, Error> {
    Connector::new().connect(url).await
}

/// The stream a client WebSocket runs on: TCP, or TLS over TCP for `wss://`.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum ClientStream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://`.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// How a client opens WebSockets: the connection's [`Config`], the
/// subprotocols and extensions it offers, extra request fields, TLS trust
/// and the handshake timeout. Build once, connect many times.
///
/// ```no_run
/// # async fn run() -> Result<(), shockwave_tokio::ws::Error> {
/// use shockwave_tokio::ws::Connector;
///
/// let connector = Connector::new()
///     .protocols(["chat"])
///     .header("origin", "https://app.example.com");
/// let socket = connector.connect("wss://example.com/chat").await?;
/// assert_eq!(socket.protocol(), Some("chat"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Connector {
    config: Config,
    protocols: Vec<String>,
    deflate: bool,
    headers: Vec<(String, String)>,
    roots: Vec<CertificateDer<'static>>,
    tls: Option<Arc<ClientConfig>>,
    timeout: Duration,
}

impl Default for Connector {
    fn default() -> Self {
        Self::new()
    }
}

/// What a URL names: where to connect and what to ask for.
struct Target {
    tls: bool,
    /// The host to resolve and verify (without IPv6 brackets).
    host: String,
    port: u16,
    /// The `Host` field: the authority as written, without user information.
    authority: String,
    /// The request target: path and query.
    path: String,
}

fn parse_url(url: &str) -> Result<Target, Error> {
    let uri: http::Uri = url.parse().map_err(|e| Error::Url(format!("{url}: {e}")))?;
    let tls = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("ws") => false,
        Some(s) if s.eq_ignore_ascii_case("wss") => true,
        _ => return Err(Error::Url(format!("{url}: the scheme is not ws or wss"))),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| Error::Url(format!("{url}: no host")))?;
    if authority.as_str().contains('@') {
        return Err(Error::Url(format!("{url}: user information is not sent")));
    }
    let host = authority.host();
    let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
    Ok(Target {
        tls,
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
        authority: authority.as_str().to_string(),
        path: uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string()),
    })
}

/// The platform's trust roots, loaded once per process.
fn platform_tls() -> Result<Arc<ClientConfig>, Error> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let native = rustls_native_certs::load_native_certs();
            tls_with_roots(native.certs).map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Error::Tls)
}

fn tls_with_roots(roots: Vec<CertificateDer<'static>>) -> Result<Arc<ClientConfig>, Error> {
    let mut store = rustls::RootCertStore::empty();
    store.add_parsable_certificates(roots);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

impl Connector {
    /// The defaults: [`Config::default`], no subprotocol, permessage-deflate
    /// offered, platform trust roots, a 10 s handshake timeout.
    pub fn new() -> Self {
        Connector {
            config: Config::default(),
            protocols: Vec::new(),
            deflate: true,
            headers: Vec::new(),
            roots: Vec::new(),
            tls: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// The connection's limits and options.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The subprotocols to offer, most preferred first.
    pub fn protocols<I, P>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Whether to offer permessage-deflate (RFC 7692); on by default.
    pub fn deflate(mut self, offer: bool) -> Self {
        self.deflate = offer;
        self
    }

    /// A field to send with the handshake request (`Origin`, `Authorization`,
    /// a cookie). The handshake's own fields are the connector's.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Trusts `cert` for `wss://`, instead of the platform's roots.
    pub fn add_root_certificate(mut self, cert: Certificate) -> Self {
        self.roots
            .push(CertificateDer::from(cert.as_der().to_vec()));
        self
    }

    /// The complete rustls configuration for `wss://` (ALPN `http/1.1` is
    /// set when it names none).
    pub fn tls_config(mut self, config: Arc<ClientConfig>) -> Self {
        if config.alpn_protocols.is_empty() {
            let mut c = ClientConfig::clone(&config);
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            self.tls = Some(Arc::new(c));
        } else {
            self.tls = Some(config);
        }
        self
    }

    /// The longest the TCP connect, TLS and opening handshakes may take together.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects to `url` (`ws://` or `wss://`) and does the handshake.
    pub async fn connect(&self, url: &str) -> Result<WebSocket<ClientStream>, Error> {
        let target = parse_url(url)?;
        tokio::time::timeout(self.timeout, self.connect_to(&target))
            .await
            .map_err(|_| Error::HandshakeTimeout)?
    }

    async fn connect_to(&self, target: &Target) -> Result<WebSocket<ClientStream>, Error> {
        let tcp = TcpStream::connect((target.host.as_str(), target.port)).await?;
        tcp.set_nodelay(true)?;
        let stream = if target.tls {
            let config = match (&self.tls, self.roots.is_empty()) {
                (Some(c), _) => c.clone(),
                (None, true) => platform_tls()?,
                (None, false) => tls_with_roots(self.roots.clone())?,
            };
            let name = ServerName::try_from(target.host.clone())
                .map_err(|e| Error::Tls(format!("{}: {e}", target.host)))?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await?;
            ClientStream::Tls(Box::new(tls))
        } else {
            ClientStream::Plain(tcp)
        };
        self.handshake_inner(stream, &target.authority, &target.path)
            .await
    }

    /// Does the opening handshake over a stream of your own (already
    /// connected, TLS done): `host` is the `Host` field, `path` the request
    /// target (`/chat?room=1`). Bounded by the handshake timeout.
    pub async fn handshake<S>(&self, io: S, host: &str, path: &str) -> Result<WebSocket<S>, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        tokio::time::timeout(self.timeout, self.handshake_inner(io, host, path))
            .await
            .map_err(|_| Error::HandshakeTimeout)?
    }

    async fn handshake_inner<S>(
        &self,
        mut io: S,
        host: &str,
        path: &str,
    ) -> Result<WebSocket<S>, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut masks = OsMasks::new()?;
        let mut nonce = [0u8; 16];
        masks.fill(&mut nonce)?;
        let names: Vec<&str> = self.protocols.iter().map(String::as_str).collect();
        let request = ClientRequest::new(nonce, &names, self.deflate).map_err(Error::Usage)?;

        let mut http = ClientConn::new(h1::Config::default());
        let offers = self
            .deflate
            .then_some((&b"sec-websocket-extensions"[..], DEFLATE_OFFERS));
        let fields = [(&b"host"[..], host.as_bytes())]
            .into_iter()
            .chain(
                request
                    .fields()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case(b"sec-websocket-extensions")),
            )
            .chain(offers)
            .chain(
                self.headers
                    .iter()
                    .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            );
        http.send_request(b"GET", path.as_bytes(), fields, BodyFraming::Empty)
            .map_err(Error::Request)?;
        while let Some(bytes) = http.poll_transmit() {
            let n = bytes.len();
            io.write_all(bytes).await?;
            http.advance_transmit(n);
        }
        io.flush().await?;

        let mut negotiated = None;
        loop {
            while let Some(event) = http.poll_event() {
                match event {
                    ClientEvent::ResponseReceived(response) => {
                        let fields = response.fields();
                        let answer = request
                            .check_response(
                                response.status(),
                                fields.iter().map(|f| (f.name, f.value)),
                            )
                            .map_err(Error::Handshake)?;
                        negotiated = Some((answer.extensions, answer.protocol.map(str::to_string)));
                    }
                    ClientEvent::Upgraded(leftover) => {
                        let Some((extensions, protocol)) = negotiated.take() else {
                            return Err(Error::HandshakeEof);
                        };
                        let preread = Bytes::copy_from_slice(leftover);
                        let conn = Conn::client(self.config.clone(), extensions, Box::new(masks));
                        return Ok(WebSocket::from_conn(io, conn, true, protocol, preread));
                    }
                    _ => {}
                }
            }
            let buf = http.input_buf();
            if buf.is_empty() {
                return Err(Error::HandshakeEof);
            }
            let n = io.read(buf).await?;
            let result = if n == 0 {
                http.handle_eof(now())
            } else {
                http.input_filled(now(), n)
            };
            result.map_err(Error::Http)?;
            if n == 0 && negotiated.is_none() {
                return Err(Error::HandshakeEof);
            }
        }
    }
}

/// Our permessage-deflate offers: the machine's
/// ([`CLIENT_OFFER`](shockwave_proto::ws::deflate::CLIENT_OFFER)), then the
/// same saying we accept resetting our context per message (RFC 7692 section
/// 7.1.1.2). A server takes the first offer it accepts (section 5), so most
/// keep context takeover; one that wants no context takeover finds an offer
/// that allows it (and some, such as the Autobahn fuzzing server's 13.2, 13.5
/// and 13.6 cases, decline an offer without the hint). One field: some
/// servers read only the first `Sec-WebSocket-Extensions`.
const DEFLATE_OFFERS: &[u8] = b"permessage-deflate; client_max_window_bits, \
    permessage-deflate; client_max_window_bits; client_no_context_takeover";

/// Masking keys from the OS random source (through rustls' provider), drawn
/// 256 bytes at a time so a frame costs no system call.
struct OsMasks {
    random: &'static dyn SecureRandom,
    pool: [u8; 256],
    at: usize,
}

impl OsMasks {
    fn new() -> Result<Self, Error> {
        static RANDOM: OnceLock<&'static dyn SecureRandom> = OnceLock::new();
        let random = *RANDOM.get_or_init(|| rustls::crypto::ring::default_provider().secure_random);
        let mut masks = OsMasks {
            random,
            pool: [0; 256],
            at: 0,
        };
        let mut pool = [0u8; 256];
        masks.fill(&mut pool)?;
        masks.pool = pool;
        Ok(masks)
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        self.random
            .fill(buf)
            .map_err(|_| Error::Io(io::Error::other("the OS random source failed")))
    }
}

impl MaskSource for OsMasks {
    fn next_mask(&mut self) -> [u8; 4] {
        if self.at + 4 > self.pool.len() {
            let mut pool = [0u8; 256];
            if self.fill(&mut pool).is_err() {
                // Keep going with the old pool stirred: still unknown to the
                // peer, and the failure cannot happen on a working system.
                pool = self.pool;
                pool.rotate_left(1);
            }
            self.pool = pool;
            self.at = 0;
        }
        let key = [
            self.pool[self.at],
            self.pool[self.at + 1],
            self.pool[self.at + 2],
            self.pool[self.at + 3],
        ];
        self.at += 4;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = parse_url("ws://127.0.0.1:9001/runCase?case=3&agent=x").unwrap();
        assert!(!t.tls);
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 9001));
        assert_eq!(t.authority, "127.0.0.1:9001");
        assert_eq!(t.path, "/runCase?case=3&agent=x");
        let t = parse_url("wss://[::1]/").unwrap();
        assert!(t.tls);
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        assert_eq!(parse_url("WS://example.com").unwrap().path, "/");
        assert!(matches!(
            parse_url("http://example.com/"),
            Err(Error::Url(_))
        ));
        assert!(matches!(parse_url("/just/a/path"), Err(Error::Url(_))));
        assert!(matches!(
            parse_url("ws://u:p@example.com/"),
            Err(Error::Url(_))
        ));
    }

    #[test]
    fn masks_differ_and_refill() {
        let mut masks = OsMasks::new().unwrap();
        let keys: Vec<[u8; 4]> = (0..200).map(|_| masks.next_mask()).collect();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        // 200 random 32-bit keys collide with probability ~5e-6.
        assert!(distinct.len() >= 199);
    }
}
