//! The encoder's lookup index over its dynamic table: which entry holds a
//! field, or at least its name, without scanning the table or allocating.
//!
//! Two hash-chain tables, one keyed by name and one by name and value. A
//! bucket holds the sequence number of the newest entry that hashed there;
//! each entry links to the previous entry of its bucket, so a chain runs from
//! newest to oldest. Eviction needs no bookkeeping: the walk stops at the
//! first entry that is no longer in the table, and every entry after it is
//! older still.

use alloc::vec;
use alloc::vec::Vec;

use super::table::{DynamicTable, ENTRY_OVERHEAD};

/// Hash of a field name.
#[inline]
pub(crate) fn hash_name(name: &[u8]) -> u32 {
    hash(name, 0x243f_6a88_85a3_08d3)
}

/// Hash of a field, from its name's hash and its value.
#[inline]
pub(crate) fn hash_field(name_hash: u32, value: &[u8]) -> u32 {
    hash(value, u64::from(name_hash) | 0x1319_8a2e_0000_0000)
}

/// A multiply-rotate hash over 8-octet words; good enough to spread header
/// names and values over a few hundred buckets.
#[inline]
fn hash(bytes: &[u8], seed: u64) -> u32 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    (h >> 32) as u32 ^ h as u32
}

/// An entry's links: the sequence numbers (plus one; 0 is none) of the
/// previous entries in its two chains, and its hashes.
#[derive(Clone, Copy, Debug, Default)]
struct Link {
    name_next: usize,
    field_next: usize,
    name_hash: u32,
    field_hash: u32,
}

/// The index; see the module docs.
#[derive(Debug)]
pub(crate) struct Index {
    name_heads: Vec<usize>,
    field_heads: Vec<usize>,
    /// Links by sequence number modulo their count, which exceeds the most
    /// entries a table of the limit can hold.
    links: Vec<Link>,
}

impl Index {
    /// An index for a table whose maximum size never exceeds `limit`.
    pub(crate) fn new(limit: usize) -> Self {
        let slots = (limit / ENTRY_OVERHEAD + 1).next_power_of_two();
        Self {
            name_heads: vec![0; 2 * slots],
            field_heads: vec![0; 2 * slots],
            links: vec![Link::default(); slots],
        }
    }

    /// Records that the entry with sequence number `seq` was just inserted.
    pub(crate) fn insert(&mut self, seq: usize, name_hash: u32, field_hash: u32) {
        let nb = name_hash as usize & (self.name_heads.len() - 1);
        let fb = field_hash as usize & (self.field_heads.len() - 1);
        let slot = seq & (self.links.len() - 1);
        self.links[slot] = Link {
            name_next: self.name_heads[nb],
            field_next: self.field_heads[fb],
            name_hash,
            field_hash,
        };
        let id = seq.wrapping_add(1);
        self.name_heads[nb] = id;
        self.field_heads[fb] = id;
    }

    /// Position (newest first) of the newest entry that is exactly the field.
    #[inline]
    pub(crate) fn find_field(
        &self,
        table: &DynamicTable,
        name: &[u8],
        value: &[u8],
        field_hash: u32,
    ) -> Option<usize> {
        let head = self.field_heads[field_hash as usize & (self.field_heads.len() - 1)];
        self.walk(
            table,
            head,
            |l| (l.field_next, l.field_hash == field_hash),
            |n, v| n == name && v == value,
        )
    }

    /// Position (newest first) of the newest entry with the name.
    #[inline]
    pub(crate) fn find_name(
        &self,
        table: &DynamicTable,
        name: &[u8],
        name_hash: u32,
    ) -> Option<usize> {
        let head = self.name_heads[name_hash as usize & (self.name_heads.len() - 1)];
        self.walk(
            table,
            head,
            |l| (l.name_next, l.name_hash == name_hash),
            |n, _| n == name,
        )
    }

    /// Follows a chain from `id` while its entries are in the table; `step`
    /// gives a link's successor and whether its hash matches, `matches`
    /// compares the entry itself.
    #[inline]
    fn walk(
        &self,
        table: &DynamicTable,
        mut id: usize,
        step: impl Fn(&Link) -> (usize, bool),
        matches: impl Fn(&[u8], &[u8]) -> bool,
    ) -> Option<usize> {
        // Each step goes to an older entry, so a chain is at most the
        // table's length; the bound also guards against a wrapped counter.
        for _ in 0..table.len() {
            let seq = id.wrapping_sub(1);
            let pos = table.position_of_seq(seq)?;
            let link = &self.links[seq & (self.links.len() - 1)];
            let (next, hash_matches) = step(link);
            if hash_matches
                && let Some((n, v)) = table.get(pos)
                && matches(n, v)
            {
                return Some(pos);
            }
            id = next;
        }
        None
    }
}
