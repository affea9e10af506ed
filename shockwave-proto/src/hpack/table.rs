//! The dynamic table of RFC 7541 §2.3.2 and §4: a FIFO of fields, newest
//! first, whose size (§4.1: name + value + 32 per entry) stays within a
//! maximum that size updates change (§4.2) and that inserts evict down to
//! (§4.4).
//!
//! The fields' octets live in one ring-buffer arena; an entry is always one
//! contiguous run (name then value), so lookups return plain slices. When an
//! entry does not fit before the arena's end it goes to the start, and with an
//! arena of twice the limit there is always room there: the bytes in use,
//! the gap left at the end and the new entry add up to less than that. The
//! arena starts smaller and doubles on the rare insert that does not fit, so
//! a large advertised limit costs memory only once used. No insert allocates
//! once the arena has grown.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

/// Octets an entry adds to the table size beyond its name and value (RFC 7541 §4.1).
pub(crate) const ENTRY_OVERHEAD: usize = 32;

/// The arena a table starts with, at most; it grows to twice the limit.
const INITIAL_ARENA: usize = 8192;

/// Where an entry's octets are in the arena.
#[derive(Clone, Copy, Debug)]
struct Entry {
    start: usize,
    name_len: usize,
    value_len: usize,
}

impl Entry {
    fn len(self) -> usize {
        self.name_len + self.value_len
    }
}

/// A dynamic table, shared in form by the decoder and the encoder.
#[derive(Debug)]
pub(crate) struct DynamicTable {
    /// The ring of entry octets.
    arena: Vec<u8>,
    /// Entries, newest at the front.
    entries: VecDeque<Entry>,
    /// Start of the oldest octets in use.
    head: usize,
    /// Where the next entry's octets go.
    tail: usize,
    /// Whether the octets in use wrap: `head..wrap_end` then `0..tail`;
    /// otherwise they are `head..tail`.
    wrapped: bool,
    wrap_end: usize,
    /// The table size of RFC 7541 §4.1.
    size: usize,
    /// The current maximum size (§4.2), at most `limit`.
    max_size: usize,
    /// The most `max_size` may become; the arena grows to twice this.
    limit: usize,
    /// Entries ever inserted (wrapping): the newest entry's sequence number
    /// plus one. The encoder's index names entries by sequence number.
    inserted: usize,
}

impl DynamicTable {
    /// An empty table with maximum size and limit `max_size`.
    pub(crate) fn new(max_size: usize) -> Self {
        Self {
            arena: vec![0; (2 * max_size).min(INITIAL_ARENA)],
            entries: VecDeque::with_capacity((max_size / ENTRY_OVERHEAD).min(INITIAL_ARENA / 64)),
            head: 0,
            tail: 0,
            wrapped: false,
            wrap_end: 0,
            size: 0,
            max_size,
            limit: max_size,
            inserted: 0,
        }
    }

    /// Number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The table size of RFC 7541 §4.1.
    #[inline]
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The current maximum size.
    #[inline]
    pub(crate) fn max_size(&self) -> usize {
        self.max_size
    }

    /// The most the maximum size may become.
    #[inline]
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Changes the most the maximum size may become. The arena grows to it
    /// as entries need room; a lower limit does not change the maximum size.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// Sets the maximum size (at most the limit: the caller checks), evicting
    /// the oldest entries until the table fits (RFC 7541 §4.3).
    pub(crate) fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        while self.size > max_size {
            self.evict();
        }
    }

    /// The `i`-th entry, newest first (dynamic index `62 + i`).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let e = *self.entries.get(i)?;
        let name_end = e.start + e.name_len;
        Some((
            &self.arena[e.start..name_end],
            &self.arena[name_end..name_end + e.value_len],
        ))
    }

    /// The `i`-th entry as its name and value side by side, and the name's length.
    #[inline]
    pub(crate) fn get_joined(&self, i: usize) -> Option<(&[u8], usize)> {
        let e = *self.entries.get(i)?;
        Some((&self.arena[e.start..e.start + e.len()], e.name_len))
    }

    /// The sequence number the next inserted entry gets.
    #[inline]
    pub(crate) fn next_seq(&self) -> usize {
        self.inserted
    }

    /// Position (newest first) of the entry with sequence number `seq`, if
    /// it is still in the table.
    #[inline]
    pub(crate) fn position_of_seq(&self, seq: usize) -> Option<usize> {
        let age = self.inserted.wrapping_sub(seq).wrapping_sub(1);
        (age < self.entries.len()).then_some(age)
    }

    /// Adds a field as the newest entry, evicting as RFC 7541 §4.4 says: the
    /// oldest entries until it fits, or all of them for a field larger than
    /// the maximum size, which is then not added. Returns whether it was added.
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) -> bool {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        if size > self.max_size {
            // RFC 7541 §4.4: an entry larger than the maximum size empties the
            // table and is not added.
            self.clear();
            return false;
        }
        while self.size + size > self.max_size {
            self.evict();
        }
        let len = name.len() + value.len();
        let start = self.place(len);
        let name_end = start + name.len();
        self.arena[start..name_end].copy_from_slice(name);
        self.arena[name_end..start + len].copy_from_slice(value);
        self.entries.push_front(Entry {
            start,
            name_len: name.len(),
            value_len: value.len(),
        });
        self.size += size;
        self.inserted = self.inserted.wrapping_add(1);
        true
    }

    /// Empties the table.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.size = 0;
        self.head = 0;
        self.tail = 0;
        self.wrapped = false;
    }

    /// Removes the oldest entry.
    fn evict(&mut self) {
        let Some(e) = self.entries.pop_back() else {
            return;
        };
        self.size -= e.len() + ENTRY_OVERHEAD;
        if self.entries.is_empty() {
            self.head = 0;
            self.tail = 0;
            self.wrapped = false;
        } else if e.len() > 0 {
            self.head = e.start + e.len();
            if self.wrapped && self.head == self.wrap_end {
                self.wrapped = false;
                self.head = 0;
            }
        }
    }

    /// Reserves `len` octets for a new entry and returns where they start.
    fn place(&mut self, len: usize) -> usize {
        if len == 0 {
            return self.tail;
        }
        if !self.wrapped {
            if self.tail + len <= self.arena.len() {
                self.tail += len;
                return self.tail - len;
            }
            if len <= self.head {
                self.wrapped = true;
                self.wrap_end = self.tail;
                self.tail = len;
                return 0;
            }
        } else if self.tail + len <= self.head {
            self.tail += len;
            return self.tail - len;
        }
        self.relayout(len);
        self.tail += len;
        self.tail - len
    }

    /// Moves the entries, oldest first, to the start of a larger arena with
    /// room for `len` more octets after them. Happens only while the arena
    /// is smaller than twice the limit.
    #[cold]
    fn relayout(&mut self, len: usize) {
        let live: usize = self.entries.iter().map(|e| e.len()).sum();
        let needed = live + len;
        let capacity = (2 * self.arena.len())
            .max(2 * needed)
            .min(2 * self.limit.max(self.max_size))
            .max(needed);
        let old = core::mem::replace(&mut self.arena, vec![0; capacity]);
        let mut at = 0;
        for e in self.entries.iter_mut().rev() {
            self.arena[at..at + e.len()].copy_from_slice(&old[e.start..e.start + e.len()]);
            e.start = at;
            at += e.len();
        }
        self.head = 0;
        self.tail = at;
        self.wrapped = false;
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::VecDeque;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::{DynamicTable, ENTRY_OVERHEAD};

    /// The RFC's definition, kept as plain owned pairs.
    struct Model {
        entries: VecDeque<(Vec<u8>, Vec<u8>)>,
        max: usize,
    }

    impl Model {
        fn size(&self) -> usize {
            self.entries
                .iter()
                .map(|(n, v)| n.len() + v.len() + ENTRY_OVERHEAD)
                .sum()
        }
        fn evict_to(&mut self, max: usize) {
            while self.size() > max {
                self.entries.pop_back();
            }
        }
        fn insert(&mut self, name: &[u8], value: &[u8]) {
            let size = name.len() + value.len() + ENTRY_OVERHEAD;
            if size > self.max {
                self.entries.clear();
                return;
            }
            self.evict_to(self.max - size);
            self.entries.push_front((name.to_vec(), value.to_vec()));
        }
    }

    fn check(t: &DynamicTable, m: &Model) {
        assert_eq!(t.len(), m.entries.len());
        assert_eq!(t.size(), m.size());
        assert!(t.size() <= t.max_size());
        for (i, (n, v)) in m.entries.iter().enumerate() {
            assert_eq!(t.get(i), Some((&n[..], &v[..])), "entry {i}");
            let (joined, name_len) = t.get_joined(i).unwrap();
            assert_eq!(joined.split_at(name_len), (&n[..], &v[..]));
            let seq = t.next_seq().wrapping_sub(i + 1);
            assert_eq!(t.position_of_seq(seq), Some(i));
        }
        assert_eq!(t.get(m.entries.len()), None);
        assert_eq!(t.position_of_seq(t.next_seq()), None);
    }

    #[test]
    fn eviction_by_size() {
        let mut t = DynamicTable::new(100);
        assert!(t.insert(b"aaaa", b"bbbb")); // 40
        assert!(t.insert(b"cccc", b"dddd")); // 80
        assert!(t.insert(b"e", b"f")); // 34: evicts the first
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(0), Some((&b"e"[..], &b"f"[..])));
        assert_eq!(t.get(1), Some((&b"cccc"[..], &b"dddd"[..])));
        assert_eq!(t.size(), 74);
        // Too large: empties the table (RFC 7541 §4.4).
        assert!(!t.insert(&[b'x'; 60], &[b'y'; 9]));
        assert_eq!(t.len(), 0);
        assert_eq!(t.size(), 0);
        // An entry of exactly the maximum size fits.
        assert!(t.insert(&[b'x'; 60], &[b'y'; 8]));
        t.set_max_size(99);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn empty_fields_take_no_arena() {
        let mut t = DynamicTable::new(64);
        assert!(t.insert(b"", b""));
        assert!(t.insert(b"", b""));
        assert!(t.insert(b"", b""));
        assert_eq!(t.len(), 2);
        assert!(t.insert(b"ab", b""));
        assert_eq!(t.get(0), Some((&b"ab"[..], &b""[..])));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(usize, usize, u8),
        Resize(usize),
    }

    fn op(limit: usize) -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0..80usize, 0..200usize, any::<u8>()).prop_map(|(n, v, b)| Op::Insert(n, v, b)),
            1 => (0..=limit).prop_map(Op::Resize),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn matches_the_rfc_model(limit in 0usize..1200, ops in proptest::collection::vec(op(1200), 1..300)) {
            let mut t = DynamicTable::new(limit);
            let mut m = Model { entries: VecDeque::new(), max: limit };
            for op in ops {
                match op {
                    Op::Insert(n, v, b) => {
                        let name: Vec<u8> = (0..n).map(|k| b.wrapping_add(k as u8)).collect();
                        let value: Vec<u8> = (0..v).map(|k| b ^ (k as u8)).collect();
                        let added = t.insert(&name, &value);
                        m.insert(&name, &value);
                        prop_assert_eq!(added, name.len() + value.len() + ENTRY_OVERHEAD <= m.max);
                    }
                    Op::Resize(s) => {
                        let s = s.min(limit);
                        t.set_max_size(s);
                        m.max = s;
                        m.evict_to(s);
                    }
                }
                check(&t, &m);
                prop_assert!(t.arena.len() <= 2 * limit.max(1));
            }
        }
    }

    #[test]
    fn arena_stops_growing_at_twice_the_limit() {
        // Many inserts of varied sizes: the arena never needs more than twice
        // the limit, so it is allocated at most a few times.
        let mut t = DynamicTable::new(4096);
        let mut m = Model {
            entries: VecDeque::new(),
            max: 4096,
        };
        for i in 0..20_000usize {
            let name = [b'n'; 16];
            let value: Vec<u8> = (0..(i * 7919) % 1500).map(|k| k as u8).collect();
            t.insert(&name[..(i % 16)], &value);
            m.insert(&name[..(i % 16)], &value);
            if i % 97 == 0 {
                check(&t, &m);
            }
        }
        assert_eq!(t.arena.len(), 8192);
    }
}
