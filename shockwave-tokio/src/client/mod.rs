//! An HTTP/1.1 and HTTP/2 client with a connection pool per origin, over TCP
//! (`http`) and TLS (`https`, rustls).
//!
//! ```no_run
//! # async fn demo() -> Result<(), shockwave_tokio::client::Error> {
//! use shockwave_tokio::client::Client;
//!
//! let client = Client::builder().build()?;
//! let response = client.get("http://127.0.0.1:8080/").await?;
//! assert_eq!(response.status(), 200);
//! let body = response.into_body().bytes().await?;
//! # let _ = body; Ok(()) }
//! ```
//!
//! - [`Client`] is cheap to clone (an `Arc` inside); clones share the pool.
//! - Requests are `http::Request<B>` for any [`http_body::Body`] `B`: a body
//!   whose size is known ([`SizeHint::exact`](http_body::SizeHint::exact)) is
//!   sent with Content-Length, any other as chunked (with its trailers).
//! - The [`ResponseBody`] streams as it arrives; the connection reads the
//!   socket only as fast as the body is consumed.
//! - HTTP/1.1: a connection returns to the pool when its response has ended
//!   and the machine says it is reusable; a body dropped before its end
//!   closes it.
//! - HTTP/2: `https` offers ALPN `h2` then `http/1.1` and speaks what the
//!   server picks; plain `http` is HTTP/2 by prior knowledge (h2c) with
//!   [`ClientBuilder::http2_prior_knowledge`]. One connection per origin
//!   carries every request as a stream, each body bounded by flow control.
//!   Past the server's SETTINGS_MAX_CONCURRENT_STREAMS, requests wait for a
//!   stream to close. A RST_STREAM fails only its request; after a GOAWAY,
//!   requests the server did not process are sent again on a new connection.
//!   A request timeout or a dropped response future resets only its stream.
//!   Responses report [`http::Version::HTTP_2`]; request fields that HTTP/2
//!   forbids (`connection`, `keep-alive`, `proxy-connection`,
//!   `transfer-encoding`, `upgrade`, those `connection` names, `te` other
//!   than `trailers`) are dropped, and `host` becomes `:authority`.
//!
//! Each connection is a task driving a machine:
//! [`h1::client::ClientConn`] (see
//! `conn.rs` for why a task) or [`h2::ClientConn`] (see `http2/`); `pool.rs`
//! says how the two share the pool.

mod body;
mod conn;
mod drive;
mod error;
mod http2;
mod pool;
mod tls;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::{Empty, Full};
use rustls_pki_types::ServerName;
use shockwave_proto::{h1, h2};
use tokio::sync::{mpsc, oneshot};

pub use body::ResponseBody;
pub use error::{BoxError, Error, ErrorKind};
pub use tls::Certificate;

use conn::{Job, PendingRequest, Reply};
use pool::{Checkout, Pool, PoolKey, PooledConn, Scheme};
use tls::{ALPN_H2, ALPN_HTTP1, TlsSettings};

/// How often a request goes to another connection when the one it was given
/// turned out to be closed before anything was sent (or, HTTP/2, the server
/// said it did not process it).
const MAX_REFUSED: usize = 4;

/// Which HTTP versions the client speaks, and how it picks one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Versions {
    /// HTTP/1.1 offered (ALPN) and spoken on plain connections.
    http1: bool,
    /// HTTP/2 offered by ALPN.
    http2: bool,
    /// Plain connections speak HTTP/2 without asking (h2c, RFC 9113 §3.3).
    h2c_prior_knowledge: bool,
}

/// An HTTP/1.1 and HTTP/2 client. Build one with [`Client::builder`]; clone it freely.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    h1: h1::Config,
    h2: h2::Config,
    versions: Versions,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    pool: Arc<Pool>,
    tls: TlsSettings,
    /// Built on the first `https` request, so `http`-only clients never load
    /// the platform's roots.
    tls_config: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("request_timeout", &self.inner.request_timeout)
            .field("pool", &self.inner.pool)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    h1: h1::Config,
    h2: h2::Config,
    versions: Versions,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
    tls: TlsSettings,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            h1: h1::Config::default(),
            h2: h2::Config::default(),
            versions: Versions {
                http1: true,
                http2: true,
                h2c_prior_knowledge: false,
            },
            connect_timeout: Some(Duration::from_secs(10)),
            request_timeout: None,
            max_idle_per_host: 8,
            idle_timeout: Duration::from_secs(90),
            tls: TlsSettings::default(),
        }
    }
}

impl ClientBuilder {
    /// The HTTP/1.1 machine's limits and timers (its `header_read_timeout`
    /// bounds the wait for a response head, `body_read_timeout` a stalled body).
    pub fn h1_config(mut self, config: h1::Config) -> Self {
        self.h1 = config;
        self
    }

    /// The HTTP/2 machine's limits, windows and timers (its `initial_window_size`
    /// bounds what one response body buffers, `connection_window` all of a
    /// connection's, `max_concurrent_streams` the streams opened at once).
    pub fn h2_config(mut self, config: h2::Config) -> Self {
        self.h2 = config;
        self
    }

    /// HTTP/1.1 only: `https` offers only ALPN `http/1.1`, and plain `http`
    /// is HTTP/1.1 (undoes an earlier [`ClientBuilder::http2_prior_knowledge`]).
    pub fn http1_only(mut self) -> Self {
        self.versions = Versions {
            http1: true,
            http2: false,
            h2c_prior_knowledge: false,
        };
        self
    }

    /// HTTP/2 only: `https` offers only ALPN `h2` (a server that picks
    /// `http/1.1` fails the connect; one that picks nothing is spoken to in
    /// HTTP/2), and plain `http` is h2c by prior knowledge.
    pub fn http2_only(mut self) -> Self {
        self.versions = Versions {
            http1: false,
            http2: true,
            h2c_prior_knowledge: true,
        };
        self
    }

    /// Whether plain `http` connections speak HTTP/2 from the first byte (h2c
    /// by prior knowledge, RFC 9113 §3.3) instead of HTTP/1.1 (default false;
    /// for servers known to speak h2c). `https` still negotiates by ALPN.
    pub fn http2_prior_knowledge(mut self, enabled: bool) -> Self {
        self.versions.h2c_prior_knowledge = enabled;
        if enabled {
            self.versions.http2 = true;
        }
        self
    }

    /// Longest time to establish a connection, TCP and TLS (default 10 s;
    /// `None`: no limit).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Longest time from the call until the response head arrived, connecting
    /// included (default: none beyond the connect timeout and the machine's
    /// `header_read_timeout`).
    pub fn request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// Most idle connections kept per origin (default 8; 0 disables reuse).
    /// An HTTP/2 connection, shared by every request to its origin, counts as one.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.max_idle_per_host = max;
        self
    }

    /// How long an idle connection is kept (default 90 s; the machine's
    /// `keep_alive_timeout`, or for HTTP/2 its `idle_timeout`, closes it
    /// earlier if shorter). An HTTP/2 connection is idle while no stream is
    /// open; it leaves with a GOAWAY.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Trusts `cert` as a root for `https`, in addition to the platform's
    /// roots unless [`ClientBuilder::tls_built_in_root_certs`] turned them off.
    pub fn add_root_certificate(mut self, cert: Certificate) -> Self {
        self.tls.roots.push(cert);
        self
    }

    /// Whether to trust the platform's roots (rustls-native-certs; default true).
    pub fn tls_built_in_root_certs(mut self, enabled: bool) -> Self {
        self.tls.built_in_roots = enabled;
        self
    }

    /// A complete rustls configuration, replacing the root settings above. If
    /// it offers no ALPN protocols, the client sets its own (`h2`, `http/1.1`,
    /// as the version settings say); otherwise the server's pick among the
    /// configuration's decides.
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls.custom = Some(Arc::new(config));
        self
    }

    /// The client. Fails if a root certificate given is not a valid certificate.
    pub fn build(mut self) -> Result<Client, Error> {
        self.tls.alpn = tls::alpn_protocols(self.versions.http1, self.versions.http2);
        let mut check = rustls::RootCertStore::empty();
        for cert in &self.tls.roots {
            check
                .add(rustls_pki_types::CertificateDer::from(cert.as_der()).into_owned())
                .map_err(|e| Error::with(ErrorKind::Tls, e))?;
        }
        Ok(Client {
            inner: Arc::new(Inner {
                h1: self.h1,
                h2: self.h2,
                versions: self.versions,
                connect_timeout: self.connect_timeout,
                request_timeout: self.request_timeout,
                pool: Arc::new(Pool::new(self.max_idle_per_host, self.idle_timeout)),
                tls: self.tls,
                tls_config: OnceLock::new(),
            }),
        })
    }
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Sends `request` and returns the response once its head arrived; the body
    /// streams from the connection as it is read.
    ///
    /// The URI must be absolute (`http://` or `https://`). `Host` comes from
    /// the URI unless given; `Content-Length` and `Transfer-Encoding` are
    /// written from the body (a `Content-Length` header given is used when the
    /// body's size is unknown). On HTTP/2, `Host` becomes `:authority`, a
    /// body of unknown size is sent as DATA frames until END_STREAM, and
    /// connection-specific fields are dropped (see the [module docs](self)).
    pub async fn request<B>(&self, request: Request<B>) -> Result<Response<ResponseBody>, Error>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let key = origin(&parts.uri)?;
        let pending = PendingRequest {
            parts,
            body: body::box_body(body),
        };
        let exchange = self.send(key, pending);
        match self.inner.request_timeout {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| Error::new(ErrorKind::RequestTimeout))?,
            None => exchange.await,
        }
    }

    /// `GET uri`.
    pub async fn get<U>(&self, uri: U) -> Result<Response<ResponseBody>, Error>
    where
        Uri: TryFrom<U>,
        <Uri as TryFrom<U>>::Error: Into<http::Error>,
    {
        let request = Request::get(uri)
            .body(Empty::<Bytes>::new())
            .map_err(|e| Error::with(ErrorKind::InvalidRequest, e))?;
        self.request(request).await
    }

    /// `POST uri` with `body` (sent with its Content-Length).
    pub async fn post<U>(
        &self,
        uri: U,
        body: impl Into<Bytes>,
    ) -> Result<Response<ResponseBody>, Error>
    where
        Uri: TryFrom<U>,
        <Uri as TryFrom<U>>::Error: Into<http::Error>,
    {
        let request = Request::post(uri)
            .body(Full::new(body.into()))
            .map_err(|e| Error::with(ErrorKind::InvalidRequest, e))?;
        self.request(request).await
    }

    /// Finds or opens a connection and hands it the request; a connection
    /// found closed before the request went out (or an HTTP/2 server that did
    /// not process it) passes it on to another.
    async fn send(
        &self,
        key: PoolKey,
        mut pending: PendingRequest,
    ) -> Result<Response<ResponseBody>, Error> {
        let mut refused = 0;
        loop {
            let handle = self.connection(&key).await?;
            let jobs = handle.jobs.clone();
            // An HTTP/1.1 driver gives its handle back to the pool when idle;
            // an HTTP/2 one stays there all along.
            let handle = (!handle.protocol.is_multiplexed()).then_some(handle);
            let (reply, answer) = oneshot::channel();
            let job = Job {
                request: pending,
                reply,
                handle,
            };
            let sent = jobs.send(job).await;
            drop(jobs);
            pending = match sent {
                Ok(()) => match answer.await {
                    Ok(Reply::Response(response)) => return Ok(response),
                    Ok(Reply::Failed(e)) => return Err(e),
                    Ok(Reply::Refused(pending)) => pending,
                    Err(_) => return Err(Error::new(ErrorKind::ConnectionClosed)),
                },
                Err(mpsc::error::SendError(job)) => job.request,
            };
            refused += 1;
            if refused >= MAX_REFUSED {
                return Err(Error::with(
                    ErrorKind::ConnectionClosed,
                    "connections closed before the request could be sent",
                ));
            }
        }
    }

    /// A pooled connection to `key`, or a new one. While a connection that
    /// may be HTTP/2 is being opened, other requests to the origin wait for
    /// it instead of opening their own.
    async fn connection(&self, key: &PoolKey) -> Result<PooledConn, Error> {
        let versions = self.inner.versions;
        let may_multiplex = match key.scheme {
            Scheme::Http => versions.h2c_prior_knowledge,
            Scheme::Https => versions.http2,
        };
        loop {
            match self.inner.pool.checkout_or_dial(key, may_multiplex) {
                Checkout::Found(handle) => return Ok(handle),
                Checkout::Wait(mut dialing) => {
                    // Returns once the dialing caller is done, successful or not.
                    let _ = dialing.changed().await;
                }
                Checkout::Dial(guard) => {
                    let handle = self.connect(key).await?;
                    guard.finish(&handle);
                    return Ok(handle);
                }
            }
        }
    }

    /// Opens a connection to `key` and starts its driver.
    async fn connect(&self, key: &PoolKey) -> Result<PooledConn, Error> {
        let inner = &self.inner;
        let dial = async {
            let tcp = conn::tcp_connect(&key.host, key.port).await?;
            match key.scheme {
                Scheme::Http if inner.versions.h2c_prior_knowledge => Ok(http2::spawn_http2(
                    tcp,
                    key.clone(),
                    inner.h2.clone(),
                    &inner.pool,
                )),
                Scheme::Http => Ok(conn::spawn_http1(
                    tcp,
                    key.clone(),
                    inner.h1.clone(),
                    &inner.pool,
                )),
                Scheme::Https => {
                    let config = self.tls_config()?;
                    let name = ServerName::try_from(key.host.clone())
                        .map_err(|e| Error::with(ErrorKind::InvalidRequest, e))?;
                    let tls = tokio_rustls::TlsConnector::from(config)
                        .connect(name, tcp)
                        .await
                        .map_err(|e| Error::with(ErrorKind::Tls, e))?;
                    let alpn = tls.get_ref().1.alpn_protocol();
                    // RFC 9113 §3.2: "h2" over TLS; without ALPN, HTTP/1.1
                    // unless the client speaks nothing else.
                    let h2 = match alpn {
                        Some(ALPN_H2) => true,
                        None => !inner.versions.http1,
                        Some(ALPN_HTTP1) if inner.versions.http1 => false,
                        Some(other) => {
                            return Err(Error::with(
                                ErrorKind::Tls,
                                format!("server chose ALPN {:?}", String::from_utf8_lossy(other)),
                            ));
                        }
                    };
                    Ok(match h2 {
                        true => http2::spawn_http2(tls, key.clone(), inner.h2.clone(), &inner.pool),
                        false => conn::spawn_http1(tls, key.clone(), inner.h1.clone(), &inner.pool),
                    })
                }
            }
        };
        match inner.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, dial)
                .await
                .map_err(|_| Error::new(ErrorKind::ConnectTimeout))?,
            None => dial.await,
        }
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        self.inner
            .tls_config
            .get_or_init(|| self.inner.tls.build().map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| Error::with(ErrorKind::Tls, e))
    }
}

/// The pool key of an absolute `http` or `https` URI.
fn origin(uri: &Uri) -> Result<PoolKey, Error> {
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => Scheme::Http,
        Some(s) if s.eq_ignore_ascii_case("https") => Scheme::Https,
        Some(other) => {
            return Err(Error::with(
                ErrorKind::InvalidRequest,
                format!("unsupported scheme {other:?}"),
            ));
        }
        None => {
            return Err(Error::with(
                ErrorKind::InvalidRequest,
                "URI without a scheme",
            ));
        }
    };
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::with(ErrorKind::InvalidRequest, "URI without a host"))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = uri.port_u16().unwrap_or(match scheme {
        Scheme::Http => 80,
        Scheme::Https => 443,
    });
    Ok(PoolKey { scheme, host, port })
}
