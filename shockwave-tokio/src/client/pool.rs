//! Idle connections per origin.
//!
//! The pool holds [`PooledConn`] handles, never sockets: each connection is a
//! driver task fed through a channel, and a handle is that channel's sender. An
//! HTTP/1.1 connection carries one exchange at a time, so [`Pool::checkout`]
//! takes its handle out and the driver gives it back with [`Pool::checkin`] when
//! the response has ended and the machine says the connection is reusable. A
//! multiplexed protocol (HTTP/2) fits the same shape: its handle reports
//! [`Protocol::is_multiplexed`], stays in the pool when checked out, and a clone
//! goes to each request while the connection can take another stream.
//!
//! Eviction: dropping a handle closes the channel, and an idle driver exits when
//! its channel closes, when the server closes the socket (it keeps reading while
//! idle), or when it has been idle for the pool's idle timeout. A handle whose
//! driver has exited reports closed, and checkout skips it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::conn::Job;

/// The scheme part of an origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
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
    // Http2: multiplexed; `is_multiplexed` returns true and checkout clones.
}

impl Protocol {
    /// Whether several requests may share the connection at once.
    pub(crate) fn is_multiplexed(self) -> bool {
        match self {
            Protocol::Http1 => false,
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
    /// Whether the driver still runs.
    pub(crate) fn is_open(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Whether the connection can take another request now.
    pub(crate) fn can_take_request(&self) -> bool {
        // An HTTP/1.1 driver in the pool is idle by construction; an HTTP/2 one
        // would also check its stream count against the peer's limit.
        self.is_open()
    }
}

/// Idle connections, by origin.
#[derive(Debug)]
pub(crate) struct Pool {
    hosts: Mutex<HashMap<PoolKey, Vec<PooledConn>>>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub(crate) fn new(max_idle_per_host: usize, idle_timeout: Duration) -> Self {
        Pool {
            hosts: Mutex::new(HashMap::new()),
            max_idle_per_host,
            idle_timeout,
        }
    }

    pub(crate) fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// A live connection to `key` that can take a request now, most recently
    /// used first; dead and expired handles met on the way are dropped.
    pub(crate) fn checkout(&self, key: &PoolKey) -> Option<PooledConn> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let idle = hosts.get_mut(key)?;
        let now = Instant::now();
        let timeout = self.idle_timeout;
        idle.retain(|c| c.is_open() && now.duration_since(c.idle_since) < timeout);
        let found = idle.iter().rposition(PooledConn::can_take_request);
        let conn = found.map(|i| {
            if idle[i].protocol.is_multiplexed() {
                PooledConn {
                    key: idle[i].key.clone(),
                    protocol: idle[i].protocol,
                    jobs: idle[i].jobs.clone(),
                    idle_since: idle[i].idle_since,
                }
            } else {
                idle.remove(i)
            }
        });
        if idle.is_empty() {
            hosts.remove(key);
        }
        conn
    }

    /// Gives back a connection that just became idle. Beyond the per-host
    /// limit the handle is dropped, which ends its driver.
    pub(crate) fn checkin(&self, mut conn: PooledConn) {
        if self.max_idle_per_host == 0 || !conn.is_open() {
            return;
        }
        conn.idle_since = Instant::now();
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let idle = hosts.entry(conn.key.clone()).or_default();
        idle.retain(PooledConn::is_open);
        if idle.len() >= self.max_idle_per_host {
            // Keep the most recently used: drop the oldest.
            idle.remove(0);
        }
        idle.push(conn);
    }

    /// Idle connections held for `key` (for tests and metrics).
    #[allow(dead_code)]
    pub(crate) fn idle_count(&self, key: &PoolKey) -> usize {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .get(key)
            .map_or(0, |v| v.iter().filter(|c| c.is_open()).count())
    }
}
