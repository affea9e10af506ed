//! Flood budgets (RFC 9113 section 10.5): counts of cheap-to-send,
//! costly-to-serve frames per time window.

use core::time::Duration;

use crate::time::Instant;

/// Events counted over a window of time; past the limit, the peer is told to
/// calm down.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    limit: u32,
    count: u32,
    since: Instant,
}

impl Budget {
    /// A budget of `limit` events per window.
    pub(crate) fn new(limit: u32, now: Instant) -> Self {
        Budget {
            limit,
            count: 0,
            since: now,
        }
    }

    /// Counts one event at `now`; `false` once the window holds more than the limit.
    pub(crate) fn spend(&mut self, now: Instant, window: Duration) -> bool {
        if now.saturating_duration_since(self.since) >= window {
            self.since = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.count <= self.limit
    }

    /// Events counted in the current window.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u32 {
        self.count
    }
}

/// The three budgets of a connection (see the limits table in `config`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budgets {
    /// RST_STREAM received, stream errors the peer caused, refused streams.
    pub resets: Budget,
    /// Frames that carry no work.
    pub empty: Budget,
    /// PING, SETTINGS, PRIORITY, PRIORITY_UPDATE, small WINDOW_UPDATE.
    pub control: Budget,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_resets_the_count() {
        let w = Duration::from_secs(10);
        let mut b = Budget::new(2, Instant::ZERO);
        assert!(b.spend(Instant::ZERO, w));
        assert!(b.spend(Instant::from_millis(1), w));
        assert!(!b.spend(Instant::from_millis(2), w));
        assert!(b.spend(Instant::from_millis(10_002), w), "a new window");
        assert_eq!(b.used(), 1);
    }
}
