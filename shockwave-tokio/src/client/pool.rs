//! Connections per origin.
//!
//! The pool holds [`PooledConn`] handles, never sockets: each connection is a
//! driver task fed through a channel, and a handle is that channel's sender.
//!
//! - HTTP/1.1 carries one exchange at a time: checkout takes an idle
//!   handle out, and the driver gives it back with [`Pool::checkin`] when the
//!   response has ended and the machine says the connection is reusable.
//! - HTTP/2 is multiplexed ([`Protocol::is_multiplexed`]): its handle goes into
//!   the pool as soon as the connection is up (`DialGuard::finish`) and stays
//!   there; checkout hands each request a clone. Past the server's
//!   SETTINGS_MAX_CONCURRENT_STREAMS a request waits in the driver's channel
//!   for a stream to close rather than opening a second connection: the server
//!   chose the limit, and one connection per origin is what RFC 9113 section
//!   9.1 asks of clients. After a GOAWAY the driver closes its channel, which
//!   takes the handle out of the pool, and finishes the streams in flight.
//!
//! Connecting ([`Pool::checkout_or_dial`]): when the new connection may turn
//! out multiplexed (h2c by prior knowledge, or TLS offering `h2`), one caller
//! dials and the others to the same origin wait for its outcome, so a burst of
//! requests to a new origin opens one connection, not one each. When the
//! server chose HTTP/1.1, the origin is remembered as such and later callers
//! dial in parallel.
//!
//! Eviction: dropping a handle closes the channel, and an idle driver exits when
//! its channel closes, when the server closes the socket (it keeps reading while
//! idle), or when it has been idle for the pool's idle timeout. A handle whose
//! driver has exited reports closed, and checkout skips it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::conn::Job;

/// The scheme part of an origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// The `:scheme` of HTTP/2 requests.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// An origin: connections are shared only between requests to the same one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub(crate) scheme: Scheme,
    /// Lowercase, without IPv6 brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// The protocol a connection speaks, which decides how it is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// One exchange at a time; the handle is checked out exclusively.
    Http1,
    /// Many streams at once; checkout clones the handle.
    Http2,
}

impl Protocol {
    /// Whether several requests may share the connection at once.
    pub(crate) fn is_multiplexed(self) -> bool {
        match self {
            Protocol::Http1 => false,
            Protocol::Http2 => true,
        }
    }
}

/// A handle to a connection driver.
#[derive(Debug)]
pub(crate) struct PooledConn {
    pub(crate) key: PoolKey,
    pub(crate) protocol: Protocol,
    pub(crate) jobs: mpsc::Sender<Job>,
    pub(crate) idle_since: Instant,
}

impl PooledConn {
    /// Whether the driver still takes requests (it closes its channel when it
    /// exits, and an HTTP/2 driver also after a GOAWAY).
    pub(crate) fn is_open(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Another handle to the same driver (multiplexed connections).
    fn share(&self) -> PooledConn {
        PooledConn {
            key: self.key.clone(),
            protocol: self.protocol,
            jobs: self.jobs.clone(),
            idle_since: self.idle_since,
        }
    }
}

/// What a dial for an origin is known to give.
#[derive(Debug)]
enum Dialing {
    /// A caller is connecting; the others wait until the sender drops.
    InProgress(watch::Receiver<()>),
    /// The server chose HTTP/1.1 last time: callers dial in parallel.
    Http1,
}

#[derive(Debug, Default)]
struct State {
    hosts: HashMap<PoolKey, Vec<PooledConn>>,
    dialing: HashMap<PoolKey, Dialing>,
}

/// What [`Pool::checkout_or_dial`] found.
pub(crate) enum Checkout {
    /// A connection that takes the request.
    Found(PooledConn),
    /// Connect, then report with [`DialGuard::finish`].
    Dial(DialGuard),
    /// Another caller is connecting to this origin: wait for
    /// `changed()` to return (an error once it is done), then check out again.
    Wait(watch::Receiver<()>),
}

/// The right to dial an origin others wait for; dropping it (a failed or
/// abandoned connect) lets the next caller try.
pub(crate) struct DialGuard {
    pool: Option<(Arc<Pool>, PoolKey)>,
    _done: Option<watch::Sender<()>>,
}

impl DialGuard {
    /// The connection is up: a multiplexed one goes into the pool before the
    /// waiters wake, so they find it; an HTTP/1.1 one marks the origin.
    pub(crate) fn finish(mut self, conn: &PooledConn) {
        let Some((pool, key)) = self.pool.take() else {
            return;
        };
        let mut state = pool.lock();
        if conn.protocol.is_multiplexed() {
            state.dialing.remove(&key);
            if pool.max_idle_per_host > 0 {
                state.hosts.entry(key).or_default().push(conn.share());
            }
        } else {
            state.dialing.insert(key, Dialing::Http1);
        }
    }
}

impl Drop for DialGuard {
    fn drop(&mut self) {
        if let Some((pool, key)) = self.pool.take() {
            let mut state = pool.lock();
            if matches!(state.dialing.get(&key), Some(Dialing::InProgress(_))) {
                state.dialing.remove(&key);
            }
        }
    }
}

/// Connections by origin.
#[derive(Debug)]
pub(crate) struct Pool {
    state: Mutex<State>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub(crate) fn new(max_idle_per_host: usize, idle_timeout: Duration) -> Self {
        Pool {
            state: Mutex::default(),
            max_idle_per_host,
            idle_timeout,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// A live connection to `key` that can take a request now, most recently
    /// used first; dead and expired handles met on the way are dropped.
    fn take(state: &mut State, key: &PoolKey, timeout: Duration) -> Option<PooledConn> {
        let conns = state.hosts.get_mut(key)?;
        let now = Instant::now();
        // A multiplexed driver watches its own idle time and closes its channel.
        conns.retain(|c| {
            c.is_open()
                && (c.protocol.is_multiplexed() || now.duration_since(c.idle_since) < timeout)
        });
        let conn = conns.pop().map(|conn| {
            if conn.protocol.is_multiplexed() {
                let shared = conn.share();
                conns.push(conn);
                shared
            } else {
                conn
            }
        });
        if conns.is_empty() {
            state.hosts.remove(key);
        }
        conn
    }

    /// A pooled connection (see `take`), or else the right to dial (`Dial`), or a wait for
    /// the caller already dialing. `may_multiplex`: whether a new connection
    /// may be shared (otherwise every caller dials on its own).
    pub(crate) fn checkout_or_dial(
        self: &Arc<Self>,
        key: &PoolKey,
        may_multiplex: bool,
    ) -> Checkout {
        let mut state = self.lock();
        if let Some(conn) = Self::take(&mut state, key, self.idle_timeout) {
            return Checkout::Found(conn);
        }
        if may_multiplex {
            match state.dialing.get(key) {
                Some(Dialing::Http1) => {}
                // A sender still there means the dial is still going on.
                Some(Dialing::InProgress(rx)) if rx.has_changed().is_ok() => {
                    return Checkout::Wait(rx.clone());
                }
                _ => {
                    let (tx, rx) = watch::channel(());
                    state.dialing.insert(key.clone(), Dialing::InProgress(rx));
                    return Checkout::Dial(DialGuard {
                        pool: Some((self.clone(), key.clone())),
                        _done: Some(tx),
                    });
                }
            }
        }
        Checkout::Dial(DialGuard {
            pool: None,
            _done: None,
        })
    }

    /// Gives back an HTTP/1.1 connection that just became idle. Beyond the
    /// per-host limit the handle is dropped, which ends its driver.
    pub(crate) fn checkin(&self, mut conn: PooledConn) {
        if self.max_idle_per_host == 0 || !conn.is_open() {
            return;
        }
        conn.idle_since = Instant::now();
        let mut state = self.lock();
        let idle = state.hosts.entry(conn.key.clone()).or_default();
        idle.retain(PooledConn::is_open);
        if idle.len() >= self.max_idle_per_host {
            // Keep the most recently used: drop the oldest HTTP/1.1 one.
            if let Some(i) = idle.iter().position(|c| !c.protocol.is_multiplexed()) {
                idle.remove(i);
            }
        }
        idle.push(conn);
    }

    /// Open connections held for `key` (for tests and metrics).
    #[allow(dead_code)]
    pub(crate) fn idle_count(&self, key: &PoolKey) -> usize {
        let state = self.lock();
        state
            .hosts
            .get(key)
            .map_or(0, |v| v.iter().filter(|c| c.is_open()).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PoolKey {
        PoolKey {
            scheme: Scheme::Http,
            host: "example".into(),
            port: 80,
        }
    }

    fn conn(protocol: Protocol) -> (PooledConn, mpsc::Receiver<Job>) {
        let (jobs, rx) = mpsc::channel(1);
        let conn = PooledConn {
            key: key(),
            protocol,
            jobs,
            idle_since: Instant::now(),
        };
        (conn, rx)
    }

    #[tokio::test]
    async fn a_burst_waits_for_one_dial_and_shares_its_http2_connection() {
        let pool = Arc::new(Pool::new(8, Duration::from_secs(60)));
        let Checkout::Dial(guard) = pool.checkout_or_dial(&key(), true) else {
            panic!("the first caller dials");
        };
        let Checkout::Wait(mut waiting) = pool.checkout_or_dial(&key(), true) else {
            panic!("the second caller waits");
        };
        let (h2, _rx) = conn(Protocol::Http2);
        guard.finish(&h2);
        // The wait ends with the dial, and the connection is there to share.
        assert!(waiting.changed().await.is_err());
        for _ in 0..3 {
            let Checkout::Found(shared) = pool.checkout_or_dial(&key(), true) else {
                panic!("the HTTP/2 connection is shared");
            };
            assert!(shared.jobs.same_channel(&h2.jobs));
        }
        assert_eq!(pool.idle_count(&key()), 1);
    }

    #[tokio::test]
    async fn a_failed_dial_lets_the_next_caller_dial() {
        let pool = Arc::new(Pool::new(8, Duration::from_secs(60)));
        let Checkout::Dial(guard) = pool.checkout_or_dial(&key(), true) else {
            panic!("the first caller dials");
        };
        let Checkout::Wait(mut waiting) = pool.checkout_or_dial(&key(), true) else {
            panic!("the second caller waits");
        };
        drop(guard);
        assert!(waiting.changed().await.is_err());
        assert!(matches!(
            pool.checkout_or_dial(&key(), true),
            Checkout::Dial(_)
        ));
    }

    #[tokio::test]
    async fn an_http1_origin_dials_in_parallel_and_checks_out_exclusively() {
        let pool = Arc::new(Pool::new(8, Duration::from_secs(60)));
        let Checkout::Dial(guard) = pool.checkout_or_dial(&key(), true) else {
            panic!("the first caller dials");
        };
        let (h1, _rx) = conn(Protocol::Http1);
        guard.finish(&h1);
        // The server chose HTTP/1.1: nobody waits for the next dial.
        let Checkout::Dial(_a) = pool.checkout_or_dial(&key(), true) else {
            panic!("dials");
        };
        let Checkout::Dial(_b) = pool.checkout_or_dial(&key(), true) else {
            panic!("dials in parallel");
        };
        pool.checkin(h1);
        assert!(matches!(
            pool.checkout_or_dial(&key(), true),
            Checkout::Found(_)
        ));
        // Taken out: the next caller dials its own.
        assert!(matches!(
            pool.checkout_or_dial(&key(), true),
            Checkout::Dial(_)
        ));
    }

    #[tokio::test]
    async fn a_closed_http2_channel_leaves_the_pool() {
        let pool = Arc::new(Pool::new(8, Duration::from_secs(60)));
        let Checkout::Dial(guard) = pool.checkout_or_dial(&key(), true) else {
            panic!("dials");
        };
        let (h2, mut rx) = conn(Protocol::Http2);
        guard.finish(&h2);
        // What the driver does on GOAWAY.
        rx.close();
        assert!(matches!(
            pool.checkout_or_dial(&key(), true),
            Checkout::Dial(_)
        ));
        assert_eq!(pool.idle_count(&key()), 0);
    }
}
