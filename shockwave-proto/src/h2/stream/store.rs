//! The live streams of a connection, and a bounded memory of closed ones.

use alloc::vec::Vec;

use super::{StreamId, StreamRecord, StreamState};

/// How a stream we remember ended; it decides how late frames on it are treated
/// (RFC 9113 section 5.1, closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClosedHow {
    /// We sent RST_STREAM: frames still in flight are ignored.
    ResetSent,
    /// The peer sent RST_STREAM: further frames (other than PRIORITY) are a
    /// stream error of type STREAM_CLOSED.
    ResetReceived,
    /// Both sides sent END_STREAM: WINDOW_UPDATE and RST_STREAM are allowed for
    /// a short while; anything else is STREAM_CLOSED.
    Finished,
}

/// A slab of [`StreamRecord`]s indexed by stream identifier, with a ring of
/// recently closed identifiers. Nothing here allocates once the slab has
/// grown to the most streams the connection ever had at once.
#[derive(Debug)]
pub(crate) struct StreamStore {
    slots: Vec<StreamRecord>,
    free: Vec<usize>,
    /// `(id, slot)`, sorted by id.
    index: Vec<(StreamId, usize)>,
    closed: Vec<(StreamId, ClosedHow)>,
    closed_next: usize,
    closed_cap: usize,
}

impl StreamStore {
    /// A store expecting up to `streams` live streams, remembering the last
    /// `remember` closed ones.
    pub(crate) fn new(streams: usize, remember: usize) -> Self {
        StreamStore {
            slots: Vec::new(),
            free: Vec::new(),
            index: Vec::with_capacity(streams),
            closed: Vec::with_capacity(remember.min(1024)),
            closed_next: 0,
            closed_cap: remember.max(1),
        }
    }

    /// Live streams.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    fn position(&self, id: StreamId) -> Result<usize, usize> {
        self.index.binary_search_by_key(&id, |&(i, _)| i)
    }

    /// The record of a live stream.
    pub(crate) fn get(&self, id: StreamId) -> Option<&StreamRecord> {
        let at = self.position(id).ok()?;
        Some(&self.slots[self.index[at].1])
    }

    /// The record of a live stream, mutably.
    pub(crate) fn get_mut(&mut self, id: StreamId) -> Option<&mut StreamRecord> {
        let at = self.position(id).ok()?;
        Some(&mut self.slots[self.index[at].1])
    }

    /// Adds a record for `id` (which must not be live) and returns it.
    pub(crate) fn insert(
        &mut self,
        id: StreamId,
        send_window: u32,
        recv_initial: u32,
        recv_target: u32,
    ) -> &mut StreamRecord {
        let at = self.position(id).unwrap_err();
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot].reset(id, send_window, recv_initial, recv_target);
                slot
            }
            None => {
                self.slots.push(StreamRecord::new(
                    id,
                    send_window,
                    recv_initial,
                    recv_target,
                ));
                self.slots.len() - 1
            }
        };
        self.index.insert(at, (id, slot));
        &mut self.slots[slot]
    }

    /// Forgets a live stream, remembering how it closed.
    pub(crate) fn remove(&mut self, id: StreamId, how: ClosedHow) {
        if let Ok(at) = self.position(id) {
            let (_, slot) = self.index.remove(at);
            self.slots[slot].state = StreamState::Closed;
            self.free.push(slot);
            self.remember(id, how);
        }
    }

    /// Remembers a stream that closed without being live (refused, or reset at once).
    pub(crate) fn remember(&mut self, id: StreamId, how: ClosedHow) {
        if self.closed.len() < self.closed_cap {
            self.closed.push((id, how));
        } else {
            self.closed[self.closed_next] = (id, how);
        }
        self.closed_next = (self.closed_next + 1) % self.closed_cap;
    }

    /// How a recently closed stream ended, if it is still remembered.
    pub(crate) fn closed_how(&self, id: StreamId) -> Option<ClosedHow> {
        self.closed
            .iter()
            .find(|&&(i, _)| i == id)
            .map(|&(_, how)| how)
    }

    /// The `n`th live stream in identifier order.
    pub(crate) fn nth(&self, n: usize) -> Option<&StreamRecord> {
        self.index.get(n).map(|&(_, slot)| &self.slots[slot])
    }

    /// Calls `f` on every live record in identifier order, stopping at its first error.
    pub(crate) fn try_for_each_mut<E>(
        &mut self,
        mut f: impl FnMut(&mut StreamRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        for &(_, slot) in &self.index {
            f(&mut self.slots[slot])?;
        }
        Ok(())
    }

    /// Live streams `pred` accepts.
    pub(crate) fn count(&self, pred: impl Fn(&StreamRecord) -> bool) -> usize {
        self.index
            .iter()
            .filter(|&&(_, s)| pred(&self.slots[s]))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_the_ring_is_bounded() {
        let mut s = StreamStore::new(4, 3);
        for id in [5u32, 1, 3] {
            s.insert(StreamId::new(id), 10, 10, 10);
        }
        assert_eq!(
            (0..3)
                .map(|n| s.nth(n).unwrap().id.value())
                .collect::<Vec<_>>(),
            [1, 3, 5]
        );
        s.remove(StreamId::new(3), ClosedHow::ResetSent);
        assert!(s.get(StreamId::new(3)).is_none());
        assert_eq!(s.closed_how(StreamId::new(3)), Some(ClosedHow::ResetSent));
        s.insert(StreamId::new(7), 10, 10, 10);
        assert_eq!(s.slots.len(), 3, "the freed slot was reused");
        for id in [1u32, 5, 7] {
            s.remove(StreamId::new(id), ClosedHow::Finished);
        }
        assert_eq!(s.closed.len(), 3);
        assert_eq!(
            s.closed_how(StreamId::new(3)),
            None,
            "pushed out of the ring"
        );
        assert_eq!(s.closed_how(StreamId::new(7)), Some(ClosedHow::Finished));
        assert_eq!(s.len(), 0);
    }
}
