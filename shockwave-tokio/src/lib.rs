//! Shockwave's protocol machines on tokio.
//!
//! - [`server`]: an HTTP/1.1 server over TCP and TLS (rustls, ALPN), with a
//!   zero-allocation native handler and a `tower::Service` path for `http` types.
//! - [`client`]: an HTTP/1.1 client with a connection pool per origin, `http`
//!   and `https`.
//! - [`time`]: the bridge between tokio's clock and the machines' [`shockwave_proto::Instant`].

pub mod client;
pub mod server;
pub mod time;
pub mod ws;
