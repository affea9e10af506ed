//! A decoded header list in a per-connection arena: the octets of every name
//! and value in one `Vec<u8>`, their boundaries in one `Vec` of offsets. Both
//! are cleared, not freed, between blocks, so a warmed connection decodes
//! without allocating.

use alloc::vec::Vec;

use crate::huffman::{self, HuffmanError};

use super::table::ENTRY_OVERHEAD;

/// One field of a [`HeaderList`], borrowed from its arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field name (lowercase in valid HTTP/2; the decoder does not check).
    pub name: &'a [u8],
    /// The field value.
    pub value: &'a [u8],
    /// The field came as a never-indexed literal (RFC 7541 §6.2.3): an
    /// intermediary must forward it the same way.
    pub sensitive: bool,
}

/// Where a field's octets are in the arena.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    name_end: u32,
    end: u32,
    sensitive: bool,
}

/// The fields of one header block, in block order, bounded by a list size.
///
/// The size counts each field as its name and value lengths plus 32 octets
/// (RFC 9113 §6.5.2, SETTINGS_MAX_HEADER_LIST_SIZE). Fields past the limit are
/// counted but not stored, and [`HeaderList::exceeded`] says so; the decoder
/// still decodes them to keep its table in step with the peer.
#[derive(Clone, Debug)]
pub struct HeaderList {
    bytes: Arena,
    fields: Vec<Span>,
    list_size: usize,
    max_list_size: usize,
}

impl HeaderList {
    /// An empty list that stores fields up to `max_list_size` (RFC 9113 §6.5.2 units).
    pub fn new(max_list_size: usize) -> Self {
        Self {
            bytes: Arena::default(),
            fields: Vec::new(),
            list_size: 0,
            max_list_size,
        }
    }

    /// Changes the limit for the blocks that follow.
    pub fn set_max_list_size(&mut self, n: usize) {
        self.max_list_size = n;
    }

    /// The limit in RFC 9113 §6.5.2 units.
    pub fn max_list_size(&self) -> usize {
        self.max_list_size
    }

    /// Empties the list, keeping its memory.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.fields.clear();
        self.list_size = 0;
    }

    /// Number of stored fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether no field is stored.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The `i`-th stored field.
    pub fn get(&self, i: usize) -> Option<Field<'_>> {
        self.fields.get(i).map(|s| self.field(*s))
    }

    /// The stored fields in block order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            spans: self.fields.iter(),
        }
    }

    /// The size of every field of the block, stored or not.
    pub fn list_size(&self) -> usize {
        self.list_size
    }

    /// Whether the block's fields exceeded the limit, so some were dropped.
    pub fn exceeded(&self) -> bool {
        self.list_size > self.max_list_size
    }

    /// Adds a field, or only counts it once the list is over its limit.
    pub fn push(&mut self, name: &[u8], value: &[u8], sensitive: bool) {
        if self.count(name.len() + value.len()) {
            let start = self.bytes.len();
            self.bytes.push_slice(name);
            self.bytes.push_slice(value);
            self.store(start, start + name.len(), sensitive);
        }
    }

    /// [`HeaderList::push`] for a field whose name and value are adjacent:
    /// `field[..name_len]` and `field[name_len..]` (table entries are), one copy.
    #[inline]
    pub(crate) fn push_joined(&mut self, field: &[u8], name_len: usize, sensitive: bool) {
        if self.count(field.len()) {
            let start = self.bytes.len();
            self.bytes.push_slice(field);
            self.store(start, start + name_len, sensitive);
        }
    }

    fn field(&self, s: Span) -> Field<'_> {
        let bytes = self.bytes.as_slice();
        Field {
            name: &bytes[s.start as usize..s.name_end as usize],
            value: &bytes[s.name_end as usize..s.end as usize],
            sensitive: s.sensitive,
        }
    }

    /// Counts a field of `len` name and value octets; whether it is stored.
    #[inline]
    fn count(&mut self, len: usize) -> bool {
        self.list_size = self.list_size.saturating_add(len + ENTRY_OVERHEAD);
        // Offsets are u32; the limit keeps the arena far below that, but an
        // absurd limit must not wrap them.
        !self.exceeded() && self.bytes.len() + len <= u32::MAX as usize
    }

    /// Records the field whose name is `bytes[start..name_end]` and whose
    /// value runs to the arena's end.
    #[inline]
    fn store(&mut self, start: usize, name_end: usize, sensitive: bool) {
        self.fields.push(Span {
            start: start as u32,
            name_end: name_end as u32,
            end: self.bytes.len() as u32,
            sensitive,
        });
    }

    /// The arena, for the decoder to write a literal's name and value into.
    #[inline]
    pub(crate) fn arena(&mut self) -> &mut Arena {
        &mut self.bytes
    }

    /// The arena's octets in use.
    #[inline]
    pub(crate) fn arena_ref(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Ends a field the decoder wrote into the arena from `start` (name up to
    /// `name_end`, value to the end): kept if it fits the limit, else removed.
    #[inline]
    pub(crate) fn commit(&mut self, start: usize, name_end: usize, sensitive: bool) {
        if self.count(self.bytes.len() - start) {
            self.store(start, name_end, sensitive);
        } else {
            self.bytes.truncate(start);
        }
    }
}

/// A byte arena whose buffer only grows: octets past its length are kept
/// (stale) so that appending never zero-fills, and a Huffman string decodes
/// straight into it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Arena {
    buf: Vec<u8>,
    len: usize,
}

impl Arena {
    /// Octets in use.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The octets in use.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Forgets the octets from `len` on.
    #[inline]
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Forgets every octet.
    #[inline]
    fn clear(&mut self) {
        self.len = 0;
    }

    /// The buffer from the end of the octets in use, at least `n` long.
    #[inline]
    fn spare(&mut self, n: usize) -> &mut [u8] {
        if self.buf.len() - self.len < n {
            self.grow(n);
        }
        &mut self.buf[self.len..]
    }

    /// Doubles the buffer (or more, for `n`): rare, and never once warm.
    #[cold]
    fn grow(&mut self, n: usize) {
        let size = (2 * self.buf.len()).max(self.len + n).max(256);
        self.buf.resize(size, 0);
    }

    /// Appends `src`.
    #[inline]
    pub(crate) fn push_slice(&mut self, src: &[u8]) {
        self.spare(src.len())[..src.len()].copy_from_slice(src);
        self.len += src.len();
    }

    /// Appends the octets the Huffman-coded `src` stands for.
    #[inline]
    pub(crate) fn push_huffman(&mut self, src: &[u8]) -> Result<usize, HuffmanError> {
        let n = huffman::decode_into(src, self.spare(huffman::decoded_room(src.len())))?;
        self.len += n;
        Ok(n)
    }
}

/// The fields of a [`HeaderList`] in block order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    list: &'a HeaderList,
    spans: core::slice::Iter<'a, Span>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Field<'a>;

    #[inline]
    fn next(&mut self) -> Option<Field<'a>> {
        self.spans.next().map(|s| self.list.field(*s))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a HeaderList {
    type Item = Field<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::{Field, HeaderList};

    #[test]
    fn stores_until_the_limit_then_counts() {
        let mut list = HeaderList::new(80);
        list.push(b"a", b"b", false); // 34
        list.push(b"cc", b"dd", true); // 70
        assert_eq!(list.len(), 2);
        assert!(!list.exceeded());
        list.push(b"e", b"", false); // 103: over
        list.push(b"", b"", false); // a small one after is dropped too
        assert_eq!(list.len(), 2);
        assert_eq!(list.list_size(), 135);
        assert!(list.exceeded());
        let all: alloc::vec::Vec<Field<'_>> = list.iter().collect();
        assert_eq!(
            all,
            [
                Field {
                    name: b"a",
                    value: b"b",
                    sensitive: false
                },
                Field {
                    name: b"cc",
                    value: b"dd",
                    sensitive: true
                },
            ]
        );
        assert_eq!(list.get(1), Some(all[1]));
        assert_eq!(list.get(2), None);
        assert_eq!((&list).into_iter().len(), 2);
        list.clear();
        assert!(list.is_empty());
        assert_eq!(list.list_size(), 0);
        assert!(!list.exceeded());
    }

    #[test]
    fn commit_drops_what_does_not_fit() {
        let mut list = HeaderList::new(40);
        list.arena().push_slice(b"namevalue");
        list.commit(0, 4, false); // 41: over
        assert!(list.is_empty());
        assert!(list.arena_ref().is_empty());
        list.set_max_list_size(100);
        list.clear();
        list.arena().push_slice(b"namevalue");
        list.commit(0, 4, true);
        assert_eq!(
            list.get(0),
            Some(Field {
                name: b"name",
                value: b"value",
                sensitive: true
            })
        );
    }
}
