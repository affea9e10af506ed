//! The HTTP server: listeners (TCP and TLS), one task per connection driving
//! a machine, and two ways to answer requests. A plain port speaks HTTP/1.1
//! and HTTP/2 with prior knowledge (told apart by the first bytes) and
//! answers `Upgrade: h2c`; a TLS port lets ALPN pick `h2` or `http/1.1`.
//! Each HTTP/1.1 connection is a
//! [`h1::server::ServerConn`](shockwave_proto::h1::server::ServerConn), each
//! HTTP/2 connection an [`h2::ServerConn`]
//! whose streams are answered concurrently. The two ways to answer:
//!
//! - the [native handler](Handler): the machine's borrowed events and
//!   commands, with no allocation per request ([`Server::serve_handler`]);
//! - the [`tower` path](service): any `tower_service::Service` over `http`
//!   types, such as an `axum::Router` ([`Server::serve`]).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use shockwave_tokio::server::{Reference, Server, TlsConfig};
//!
//! let tls = TlsConfig::self_signed(["localhost"])?;
//! Server::bind("127.0.0.1:8080")?
//!     .bind_tls("127.0.0.1:8443", tls)?
//!     .max_connections(10_000)
//!     .serve_handler_with_shutdown(Reference, async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await
//! # }
//! ```
//!
//! Limits and timeouts are the machines' configs ([`Server::config`] for
//! HTTP/1.1, [`Server::http2_config`] for HTTP/2); the driver only sleeps
//! until the machine's `poll_timeout`. Graceful shutdown stops accepting, asks every
//! connection's machine to close gracefully (HTTP/2: the two-step GOAWAY)
//! (in-flight exchanges finish, idle connections close), waits up to
//! [`Server::shutdown_timeout`], then aborts what is left.

mod conn;
mod http2;
mod incoming;
pub mod native;
pub mod reference;
mod request;
mod responder;
pub mod service;
mod sniff;
mod tls;
mod upgrade;
mod usage;

use std::future::{Future, poll_fn};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use http_body::Body;
use shockwave_proto::h1::Config;
use shockwave_proto::h2;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower_service::Service;
use tracing::Instrument;

use sniff::Preread;

pub use incoming::{BoxError, Incoming, IncompleteBody, PeerAddr};
pub use native::{Handler, UpgradeFuture};
pub use reference::Reference;
pub use request::{Fields, FieldsIter, Request, Version};
pub use responder::Responder;
pub use tls::{ALPN_H2, ALPN_HTTP11, TlsConfig};
pub use upgrade::{OnUpgrade, UpgradeError, Upgraded};
pub use usage::UsageError;

/// A listening socket and, for TLS, its settings.
#[derive(Debug)]
struct Listener {
    socket: std::net::TcpListener,
    addr: SocketAddr,
    tls: Option<TlsConfig>,
}

/// An HTTP/1.1 and HTTP/2 server: its listeners and settings. Build it, then call one of
/// the `serve` methods.
#[derive(Debug)]
pub struct Server {
    listeners: Vec<Listener>,
    config: Config,
    h2_config: h2::Config,
    max_connections: usize,
    shutdown_timeout: Duration,
    tls_handshake_timeout: Duration,
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

impl Server {
    /// A server without listeners (add them with [`Server::listen`] and
    /// [`Server::bind_tls`]).
    pub fn new() -> Self {
        Server {
            listeners: Vec::new(),
            config: Config::default(),
            h2_config: h2::Config::default(),
            max_connections: Semaphore::MAX_PERMITS,
            shutdown_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
        }
    }

    /// A server listening on `addr` (plain TCP). Port 0 picks a free port:
    /// see [`Server::local_addrs`].
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        Self::new().listen(addr)
    }

    /// Adds a plain TCP listener.
    pub fn listen(self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        self.add(addr, None)
    }

    /// Adds a TLS listener.
    pub fn bind_tls(self, addr: impl ToSocketAddrs, tls: TlsConfig) -> io::Result<Self> {
        self.add(addr, Some(tls))
    }

    fn add(mut self, addr: impl ToSocketAddrs, tls: Option<TlsConfig>) -> io::Result<Self> {
        let socket = std::net::TcpListener::bind(addr)?;
        socket.set_nonblocking(true)?;
        let addr = socket.local_addr()?;
        self.listeners.push(Listener { socket, addr, tls });
        Ok(self)
    }

    /// The HTTP/1.1 machine's limits and timeouts for every connection.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The HTTP/2 machine's limits, windows and timeouts for every HTTP/2
    /// connection (ALPN `h2`, or h2c on a plain port).
    pub fn http2_config(mut self, config: h2::Config) -> Self {
        self.h2_config = config;
        self
    }

    /// Most connections served at once; past it the server stops accepting
    /// until one closes (pending connections wait in the listen backlog).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.clamp(1, Semaphore::MAX_PERMITS);
        self
    }

    /// How long a graceful shutdown waits for connections before aborting
    /// them (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Longest TLS handshake (default 10 s).
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls_handshake_timeout = timeout;
        self
    }

    /// The bound addresses, in the order the listeners were added, each with
    /// whether it speaks TLS.
    pub fn local_addrs(&self) -> Vec<(SocketAddr, bool)> {
        self.listeners
            .iter()
            .map(|l| (l.addr, l.tls.is_some()))
            .collect()
    }

    /// Serves with a native handler until the process ends.
    pub async fn serve_handler<H: Handler>(self, handler: H) -> io::Result<()> {
        self.run(NativeApp(Arc::new(handler)), std::future::pending())
            .await
    }

    /// Serves with a native handler until `signal` completes, then shuts down
    /// gracefully.
    pub async fn serve_handler_with_shutdown<H, F>(self, handler: H, signal: F) -> io::Result<()>
    where
        H: Handler,
        F: Future<Output = ()> + Send,
    {
        self.run(NativeApp(Arc::new(handler)), signal).await
    }

    /// Serves with a `tower` service until the process ends. Each connection
    /// gets a clone of `service`.
    pub async fn serve<S, B>(self, service: S) -> io::Result<()>
    where
        S: Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        self.run(TowerApp(service), std::future::pending()).await
    }

    /// Serves with a `tower` service until `signal` completes, then shuts down
    /// gracefully.
    pub async fn serve_with_shutdown<S, B, F>(self, service: S, signal: F) -> io::Result<()>
    where
        S: Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
        F: Future<Output = ()> + Send,
    {
        self.run(TowerApp(service), signal).await
    }

    async fn run<A: App>(self, app: A, signal: impl Future<Output = ()>) -> io::Result<()> {
        let mut listeners = Vec::with_capacity(self.listeners.len());
        for l in self.listeners {
            let acceptor = l.tls.as_ref().map(TlsConfig::acceptor);
            listeners.push((TcpListener::from_std(l.socket)?, acceptor));
        }
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let slots = Arc::new(Semaphore::new(self.max_connections));
        let mut tasks = JoinSet::new();
        let mut slot = None;
        tokio::pin!(signal);

        loop {
            let accept = poll_fn(|cx| {
                for (i, (listener, _)) in listeners.iter().enumerate() {
                    if let Poll::Ready(r) = listener.poll_accept(cx) {
                        return Poll::Ready((i, r));
                    }
                }
                Poll::Pending
            });
            tokio::select! {
                biased;
                () = &mut signal => break,
                Some(done) = tasks.join_next() => {
                    if let Err(e) = done
                        && e.is_panic()
                    {
                        tracing::error!("connection task panicked");
                    }
                }
                permit = Arc::clone(&slots).acquire_owned(), if slot.is_none() => {
                    slot = permit.ok();
                }
                (i, accepted) = accept, if slot.is_some() => match accepted {
                    Ok((stream, peer)) => {
                        let permit = slot.take();
                        let app = app.clone();
                        let config = Configs {
                            h1: self.config.clone(),
                            h2: self.h2_config.clone(),
                        };
                        let shutdown = shutdown_rx.clone();
                        let tls = listeners[i].1.clone();
                        let handshake = self.tls_handshake_timeout;
                        let span = tracing::info_span!("conn", %peer, tls = tls.is_some());
                        tasks.spawn(
                            async move {
                                serve_stream(stream, peer, tls, handshake, app, config, shutdown).await;
                                drop(permit);
                            }
                            .instrument(span),
                        );
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        // Out of file descriptors and the like: give connections time to close.
                        if !matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset) {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                },
            }
        }

        // Graceful shutdown: stop accepting, close every connection, wait, abort.
        drop(listeners);
        let _ = shutdown_tx.send(true);
        tracing::info!(connections = tasks.len(), "shutting down");
        let drained = tokio::time::timeout(self.shutdown_timeout, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                connections = tasks.len(),
                "shutdown deadline passed; aborting"
            );
            tasks.shutdown().await;
        }
        Ok(())
    }
}

/// Sets up one accepted connection (TCP_NODELAY, the TLS handshake) and runs it.
async fn serve_stream<A: App>(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    handshake_timeout: Duration,
    app: A,
    config: Configs,
    shutdown: watch::Receiver<bool>,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY");
    }
    let Some(acceptor) = tls else {
        serve_plain(stream, peer, app, config, shutdown).await;
        return;
    };
    // Boxed: a TLS connection's state is several KiB, and inline it would make
    // every plain connection's task that large too.
    Box::pin(serve_tls(
        stream,
        peer,
        acceptor,
        handshake_timeout,
        app,
        config,
        shutdown,
    ))
    .await;
}

/// The TLS handshake, then the connection over TLS.
async fn serve_tls<A: App>(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: tokio_rustls::TlsAcceptor,
    handshake_timeout: Duration,
    app: A,
    config: Configs,
    mut shutdown: watch::Receiver<bool>,
) {
    let handshake = acceptor.accept(stream);
    let Some(stream) = opening("TLS handshake", handshake_timeout, handshake, &mut shutdown).await
    else {
        return;
    };
    let alpn = stream.get_ref().1.alpn_protocol();
    tracing::debug!(alpn = ?alpn.map(String::from_utf8_lossy), "TLS established");
    if alpn == Some(ALPN_H2) {
        let conn = http2::new_conn(config.h2, tokio::time::Instant::now(), &[]);
        app.serve_h2(stream, peer, conn, shutdown).await;
    } else {
        // h2c is for cleartext only (RFC 7540 section 3.2): no Upgrade over TLS.
        app.serve_conn(stream, peer, config.h1, None, shutdown, Preread::NONE)
            .await;
    }
}

/// A connection's opening step (the TLS handshake, protocol detection) within
/// `limit`. `None` when it failed or timed out (logged as `what`), or when the
/// server began shutting down: a connection that asked nothing yet is dropped.
async fn opening<T, E: std::fmt::Display>(
    what: &str,
    limit: Duration,
    step: impl Future<Output = Result<T, E>>,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<T> {
    tokio::select! {
        _ = shutdown.changed() => None,
        r = tokio::time::timeout(limit, step) => match r {
            Ok(Ok(t)) => Some(t),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "{what} failed");
                None
            }
            Err(_) => {
                tracing::debug!("{what} timed out");
                None
            }
        },
    }
}

/// The machines' settings, for either protocol a connection turns out to speak.
#[derive(Clone, Debug)]
struct Configs {
    h1: Config,
    h2: h2::Config,
}

/// A plain connection: HTTP/2 with prior knowledge if it starts with the
/// preface, HTTP/1.1 otherwise.
async fn serve_plain<A: App>(
    mut stream: TcpStream,
    peer: SocketAddr,
    app: A,
    config: Configs,
    mut shutdown: watch::Receiver<bool>,
) {
    // The first bytes are the start of a head: the header-read timeout applies.
    let limit = config.h1.header_read_timeout;
    let first = sniff::sniff(&mut stream);
    let Some(preread) = opening("first request", limit, first, &mut shutdown).await else {
        return;
    };
    if preread.is_h2() {
        let conn = http2::new_conn(config.h2, tokio::time::Instant::now(), preread.bytes());
        // Boxed: an HTTP/2 connection's state is several KiB, and inline it
        // would make every HTTP/1.1 connection's task that large too.
        Box::pin(app.serve_h2(stream, peer, conn, shutdown)).await;
    } else {
        app.serve_conn(stream, peer, config.h1, Some(config.h2), shutdown, preread)
            .await;
    }
}

/// What answers requests on a connection: the native handler or a service.
trait App: Clone + Send + 'static {
    fn serve_conn<IO>(
        self,
        io: IO,
        peer: SocketAddr,
        config: Config,
        h2c: Option<h2::Config>,
        shutdown: watch::Receiver<bool>,
        preread: Preread,
    ) -> impl Future<Output = ()> + Send
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Serves an HTTP/2 connection with its machine, already made.
    fn serve_h2<IO>(
        self,
        io: IO,
        peer: SocketAddr,
        conn: h2::ServerConn,
        shutdown: watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + Send
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static;
}

struct NativeApp<H>(Arc<H>);

impl<H> Clone for NativeApp<H> {
    fn clone(&self) -> Self {
        NativeApp(Arc::clone(&self.0))
    }
}

impl<H: Handler> App for NativeApp<H> {
    async fn serve_conn<IO>(
        self,
        io: IO,
        _peer: SocketAddr,
        config: Config,
        h2c: Option<h2::Config>,
        shutdown: watch::Receiver<bool>,
        preread: Preread,
    ) where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        native::run(
            io,
            &*self.0,
            config,
            h2c.as_ref(),
            shutdown,
            preread.bytes(),
        )
        .await;
    }

    async fn serve_h2<IO>(
        self,
        io: IO,
        _peer: SocketAddr,
        conn: h2::ServerConn,
        shutdown: watch::Receiver<bool>,
    ) where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        http2::native::run(io, &*self.0, conn, shutdown, None).await;
    }
}

#[derive(Clone)]
struct TowerApp<S>(S);

impl<S, B> App for TowerApp<S>
where
    S: Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    async fn serve_conn<IO>(
        self,
        io: IO,
        peer: SocketAddr,
        config: Config,
        // The tower path answers `Upgrade: h2c` requests over HTTP/1.1 (allowed:
        // the upgrade is the server's choice); h2c by prior knowledge works.
        _h2c: Option<h2::Config>,
        shutdown: watch::Receiver<bool>,
        preread: Preread,
    ) where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        service::run(io, self.0, config, shutdown, peer, preread.bytes()).await;
    }

    async fn serve_h2<IO>(
        self,
        io: IO,
        peer: SocketAddr,
        conn: h2::ServerConn,
        shutdown: watch::Receiver<bool>,
    ) where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        http2::service::run(io, self.0, conn, shutdown, peer).await;
    }
}
