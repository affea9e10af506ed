//! The clock and the timer queue.
//!
//! Machines report deadlines as values (`poll_timeout`); the loop keeps one
//! min-heap of `(deadline, slot, generation)` over all connections. Entries are
//! never removed in place: an entry is live only while its slot still holds the
//! same connection (`generation`) and that connection's `armed` deadline is
//! still this one. Everything else is skipped when it reaches the top.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shockwave_proto::Instant;

/// Maps `std::time::Instant` onto shockwave's [`Instant`]: nanoseconds since the
/// moment the loop was built. One origin for every connection, so deadlines
/// from different machines compare.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    origin: std::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock {
            origin: std::time::Instant::now(),
        }
    }

    /// The monotonic time, as the machines take it.
    pub(crate) fn now(&self) -> Instant {
        let nanos = self.origin.elapsed().as_nanos();
        Instant::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The wall clock for the `Date` field (seconds since the Unix epoch).
    pub(crate) fn unix_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// One queued deadline: `(when, slot, generation of the slot)`.
pub(crate) type Entry = (Instant, usize, u32);

/// A min-heap of deadlines with lazy invalidation (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
}

impl Timers {
    /// Arms `slot` for `want` given what it has `armed` already, and returns the
    /// new armed deadline. A later deadline keeps the earlier entry: it fires
    /// early (harmless by the shared rules) and the slot is re-armed then. So a
    /// deadline that moves forward with every request (the keep-alive timer)
    /// costs no heap push at all.
    pub(crate) fn arm(
        &mut self,
        slot: usize,
        generation: u32,
        armed: Option<Instant>,
        want: Option<Instant>,
    ) -> Option<Instant> {
        match (armed, want) {
            (Some(armed), Some(want)) if armed <= want => Some(armed),
            (_, Some(want)) => {
                self.heap.push(Reverse((want, slot, generation)));
                Some(want)
            }
            // No timer wanted: an entry already queued fires once, harmlessly.
            (armed, None) => armed,
        }
    }

    /// The earliest entry, live or not.
    pub(crate) fn peek(&self) -> Option<Entry> {
        self.heap.peek().map(|e| e.0)
    }

    /// Removes the earliest entry.
    pub(crate) fn pop(&mut self) -> Option<Entry> {
        self.heap.pop().map(|e| e.0)
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Drops every entry `live` rejects, in place (no allocation).
    pub(crate) fn retain(&mut self, mut live: impl FnMut(&Entry) -> bool) {
        self.heap.retain(|e| live(&e.0));
    }
}

/// How long `poll` may sleep until `deadline`.
pub(crate) fn until(now: Instant, deadline: Instant) -> Duration {
    deadline.saturating_duration_since(now)
}
