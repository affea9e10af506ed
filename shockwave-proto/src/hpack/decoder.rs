//! The decoder of RFC 7541 §3.2 and §6: one header block at a time into a
//! [`HeaderList`], keeping the dynamic table in step with the peer's encoder.

use super::header_list::HeaderList;
use super::table::DynamicTable;
use super::{DecodeError, integer, static_table, string};

/// Longest string literal a decoder accepts by default (raw or decoded).
pub const DEFAULT_MAX_STRING_LEN: usize = 64 * 1024;

/// The receiving half of HPACK for one connection: the dynamic table the
/// peer's encoder fills, and the limits on what it may send.
///
/// `decode` takes a whole header block (HEADERS plus CONTINUATION payloads,
/// put together); every error is a connection error (COMPRESSION_ERROR in
/// HTTP/2, RFC 9113 §4.3), after which the decoder must not be used again.
#[derive(Debug)]
pub struct Decoder {
    table: DynamicTable,
    /// The lowest limit set while it was below the table's maximum size,
    /// since the last block: the next block must open with a size update at
    /// or below it (RFC 7541 §4.2).
    required_update: Option<usize>,
    max_string_len: usize,
}

/// The kinds of literal field representation (RFC 7541 §6.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Literal {
    /// §6.2.1: added to the dynamic table.
    Indexed,
    /// §6.2.2: not added.
    NotIndexed,
    /// §6.2.3: not added, here nor by any intermediary.
    NeverIndexed,
}

impl Decoder {
    /// A decoder whose peer may use a dynamic table of up to `max_table_size`
    /// octets: the SETTINGS_HEADER_TABLE_SIZE we advertised, and the most a
    /// peer's size update may ask for. The table starts at that size.
    pub fn new(max_table_size: usize) -> Self {
        Self {
            table: DynamicTable::new(max_table_size),
            required_update: None,
            max_string_len: DEFAULT_MAX_STRING_LEN,
        }
    }

    /// Changes the limit, once the peer acknowledged our new
    /// SETTINGS_HEADER_TABLE_SIZE. Below the table's current maximum size, the
    /// next block must start with a size update down to it (RFC 7541 §4.2).
    pub fn set_max_table_size(&mut self, max: usize) {
        self.table.set_limit(max);
        if max < self.table.max_size() {
            self.required_update = Some(self.required_update.map_or(max, |r| r.min(max)));
        }
    }

    /// Changes the longest string literal accepted, raw or decoded
    /// ([`DEFAULT_MAX_STRING_LEN`] by default). Longer ones are a
    /// [`DecodeError::StringTooLong`].
    pub fn set_max_string_len(&mut self, n: usize) {
        self.max_string_len = n;
    }

    /// The dynamic table's size in RFC 7541 §4.1 units.
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The dynamic table's maximum size, as the peer last set it.
    pub fn table_max_size(&self) -> usize {
        self.table.max_size()
    }

    /// The dynamic table, for tests that check its entries.
    #[cfg(test)]
    pub(crate) fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// Number of entries in the dynamic table.
    pub fn table_len(&self) -> usize {
        self.table.len()
    }

    /// Decodes one complete header block into `out`, which is cleared first.
    ///
    /// Fields past `out`'s list-size limit are decoded (the dynamic table
    /// must stay in step) but not stored; [`HeaderList::exceeded`] then says so.
    ///
    /// # Errors
    ///
    /// Any [`DecodeError`]; each is a connection error.
    pub fn decode(&mut self, block: &[u8], out: &mut HeaderList) -> Result<(), DecodeError> {
        out.clear();
        let mut pos = 0;
        let mut updates = 0;
        let mut lowest_update = usize::MAX;
        let mut in_fields = false;
        while let Some(&b) = block.get(pos) {
            if b & 0xe0 == 0x20 {
                // §6.3: dynamic table size update.
                // RFC 7541 §4.2: only at the start of a block, at most two.
                if in_fields || updates == 2 {
                    return Err(DecodeError::TableSizeUpdateNotAtStart);
                }
                let size = integer::decode(block, &mut pos, 5)?;
                // RFC 7541 §6.3: above the limit is a decoding error.
                if size > self.table.limit() {
                    return Err(DecodeError::TableSizeUpdateTooLarge);
                }
                self.table.set_max_size(size);
                updates += 1;
                lowest_update = lowest_update.min(size);
                continue;
            }
            if !in_fields {
                in_fields = true;
                self.check_required_update(lowest_update)?;
            }
            if b & 0x80 != 0 {
                // §6.1: indexed header field.
                let index = integer::decode(block, &mut pos, 7)?;
                let (field, name_len) = self.entry(index)?;
                out.push_joined(field, name_len, false);
            } else if b & 0x40 != 0 {
                self.literal(block, &mut pos, 6, Literal::Indexed, out)?;
            } else if b & 0x10 != 0 {
                self.literal(block, &mut pos, 4, Literal::NeverIndexed, out)?;
            } else {
                self.literal(block, &mut pos, 4, Literal::NotIndexed, out)?;
            }
        }
        if !in_fields {
            self.check_required_update(lowest_update)?;
        }
        Ok(())
    }

    /// RFC 7541 §4.2: after our limit went below the table's maximum size,
    /// the first block opens with an update to at most that limit.
    fn check_required_update(&mut self, lowest_update: usize) -> Result<(), DecodeError> {
        if let Some(required) = self.required_update.take()
            && lowest_update > required
        {
            return Err(DecodeError::TableSizeUpdateMissing);
        }
        Ok(())
    }

    /// The entry at `index` of the static then dynamic table (RFC 7541
    /// §2.3.3), as its name and value side by side and the name's length.
    #[inline]
    fn entry(&self, index: usize) -> Result<(&[u8], usize), DecodeError> {
        let found = if index <= static_table::LEN {
            static_table::get_joined(index)
        } else {
            self.table.get_joined(index - static_table::LEN - 1)
        };
        found.ok_or(DecodeError::InvalidIndex)
    }

    /// A literal field representation (RFC 7541 §6.2) whose index has a
    /// `prefix`-bit prefix: name (indexed or literal), then value, decoded
    /// straight into `out`'s arena.
    fn literal(
        &mut self,
        block: &[u8],
        pos: &mut usize,
        prefix: u32,
        kind: Literal,
        out: &mut HeaderList,
    ) -> Result<(), DecodeError> {
        let index = integer::decode(block, pos, prefix)?;
        let start = out.arena_ref().len();
        if index == 0 {
            string::decode(block, pos, out.arena(), self.max_string_len)?;
        } else {
            let (field, name_len) = self.entry(index)?;
            out.arena().push_slice(&field[..name_len]);
        }
        let name_end = out.arena_ref().len();
        string::decode(block, pos, out.arena(), self.max_string_len)?;
        if kind == Literal::Indexed {
            let field = out.arena_ref();
            self.table
                .insert(&field[start..name_end], &field[name_end..]);
        }
        out.commit(start, name_end, kind == Literal::NeverIndexed);
        Ok(())
    }
}
