//! Shockwave's protocol machines on tokio.
//!
//! - [`server`]: an HTTP/1.1 and HTTP/2 server over TCP and TLS (rustls, ALPN
//!   `h2`/`http/1.1`; h2c by prior knowledge and by `Upgrade`), with a
//!   zero-allocation native handler and a `tower::Service` path for `http` types.
//! - [`client`]: an HTTP/1.1 and HTTP/2 client with a connection pool per
//!   origin (HTTP/2 requests multiplexed on one connection), `http` and `https`.
//! - [`ws`]: WebSocket over HTTP/1.1 upgrades and HTTP/2 extended CONNECT,
//!   server and client (`ws://`, `wss://`), as a `Stream` and `Sink` of messages.
//! - [`time`]: the bridge between tokio's clock and the machines' [`shockwave_proto::Instant`].

pub mod client;
pub mod server;
pub mod time;
pub mod ws;
