//! The HPACK target (`hpack_decoder`): a [`Decoder`] fed arbitrary header
//! blocks under arbitrary limits, and what it decodes sent back through our
//! [`Encoder`] and a second decoder.
//!
//! Input layout: byte 0 picks the decoder's table size limit, the header
//! list limit and the string limit; then blocks, each a control byte (bits
//! 0-2: a new table size limit acknowledged before the block, 0 for none;
//! bit 3: decode the block again with a fresh decoder), a
//! two-octet little-endian length, and that many octets (fewer at the end).
//!
//! Invariants checked: no panic; after every accepted block the table fits
//! its maximum and the maximum fits the limit; the stored fields fit the list
//! limit unless it says it was exceeded, and the list size counts at least
//! the stored fields; a block that decodes re-encodes (each field never
//! indexed when it came so) and decodes back to the same fields and flags,
//! with the encoder's and the second decoder's tables agreeing in size; a
//! fresh decoder that accepts a block alone decodes it to the same fields.

use shockwave_proto::hpack::{Decoder, Encoder, HeaderList};

/// Table size limits the control bytes choose from.
const TABLE_SIZES: [usize; 8] = [0, 1, 32, 64, 256, 1024, 4096, 65536];

/// Header list limits byte 0 chooses from.
const LIST_SIZES: [usize; 4] = [0, 100, 4096, usize::MAX];

/// String length limits byte 0 chooses from.
const STRING_LENS: [usize; 4] = [0, 5, 300, 65536];

/// Target `hpack_decoder`; see the module docs for the input layout.
pub fn decoder(data: &[u8]) {
    let Some((&config, mut rest)) = data.split_first() else {
        return;
    };
    let limit = TABLE_SIZES[usize::from(config & 7)];
    let list_limit = LIST_SIZES[usize::from((config >> 3) & 3)];
    let string_len = STRING_LENS[usize::from((config >> 5) & 3)];

    let mut decoder = Decoder::new(limit);
    decoder.set_max_string_len(string_len);
    let mut list = HeaderList::new(list_limit);
    let mut encoder = Encoder::new();
    let mut mirror = Decoder::new(4096);
    let mut mirror_list = HeaderList::new(usize::MAX);
    let mut current_limit = limit;
    let mut wire = Vec::new();

    while let Some((&control, after)) = rest.split_first() {
        let len = after
            .get(..2)
            .map_or(0, |l| usize::from(u16::from_le_bytes([l[0], l[1]])));
        let after = after.get(2..).unwrap_or_default();
        let (block, next) = after.split_at(len.min(after.len()));
        rest = next;

        if control & 7 != 0 {
            current_limit = TABLE_SIZES[usize::from(control & 7)];
            decoder.set_max_table_size(current_limit);
        }
        let result = decoder.decode(block, &mut list);
        if control & 8 != 0 && result.is_ok() {
            // A fresh decoder given only this block resolves only entries the
            // block itself inserted, which are the newest in both tables: if
            // it decodes the block at all, it decodes it the same.
            let mut fresh = Decoder::new(current_limit);
            fresh.set_max_string_len(string_len);
            let mut fresh_list = HeaderList::new(list_limit);
            if fresh.decode(block, &mut fresh_list).is_ok() {
                assert!(
                    list.iter().eq(fresh_list.iter()),
                    "same block, other fields"
                );
                assert_eq!(list.list_size(), fresh_list.list_size());
            }
        }
        if result.is_err() {
            // Every error is a connection error: the decoder is done.
            return;
        }
        assert!(decoder.table_size() <= decoder.table_max_size());
        // A lowered limit was answered by a size update, or the block failed.
        assert!(decoder.table_max_size() <= current_limit);
        let stored: usize = list.iter().map(|f| f.name.len() + f.value.len() + 32).sum();
        assert!(list.list_size() >= stored);
        if !list.exceeded() {
            assert_eq!(list.list_size(), stored);
            assert!(stored <= list_limit);
        } else {
            continue;
        }

        // Round trip through our encoder.
        wire.clear();
        encoder.begin_block(&mut wire);
        for f in &list {
            if f.sensitive {
                encoder.encode_field_never_indexed(f.name, f.value, &mut wire);
            } else {
                encoder.encode_field(f.name, f.value, &mut wire);
            }
        }
        mirror
            .decode(&wire, &mut mirror_list)
            .expect("our own block decodes");
        assert_eq!(mirror_list.len(), list.len());
        for (a, b) in list.iter().zip(&mirror_list) {
            assert_eq!((a.name, a.value), (b.name, b.value), "round trip");
            if a.sensitive {
                assert!(b.sensitive, "never-indexed flag lost");
            }
        }
        assert_eq!(encoder.table_size(), mirror.table_size());
    }
}
