//! HTTP/2 connections: an [`h2::ServerConn`] per connection (ALPN `h2` on
//! TLS, the preface on a plain port, or `Upgrade: h2c`), its streams handed to
//! the native handler or the `tower` service.

use shockwave_proto::h2;

use super::conn::Machine;

pub(crate) mod native;
pub(crate) mod service;
mod tunnel;
pub(crate) mod upgrade;

impl Machine for h2::ServerConn {
    fn poll_transmit(&mut self) -> Option<&[u8]> {
        h2::ServerConn::poll_transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        h2::ServerConn::advance_transmit(self, n);
    }
    fn poll_timeout(&self) -> Option<shockwave_proto::Instant> {
        h2::ServerConn::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: shockwave_proto::Instant) {
        if let Err(e) = h2::ServerConn::handle_timeout(self, now) {
            tracing::debug!(error = %e, "HTTP/2 timeout");
        }
    }
    fn handle_eof(&mut self, now: shockwave_proto::Instant) {
        h2::ServerConn::handle_eof(self, now);
    }
    fn input_filled(&mut self, now: shockwave_proto::Instant, n: usize) {
        if let Err(e) = h2::ServerConn::input_filled(self, now, n) {
            tracing::debug!(error = %e, "HTTP/2 connection error");
        }
    }
    fn shutdown(&mut self) {
        h2::ServerConn::shutdown(self);
    }
}

/// A machine for a new connection, fed what protocol detection read.
pub(crate) fn new_conn(
    config: h2::Config,
    start: tokio::time::Instant,
    preread: &[u8],
) -> h2::ServerConn {
    let now = crate::time::to_machine(start);
    let mut conn = h2::ServerConn::with_start(config, now);
    if let Err(e) = conn.handle_input(now, preread) {
        tracing::debug!(error = %e, "HTTP/2 connection error");
    }
    conn
}
