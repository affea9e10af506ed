//! HPACK header compression for HTTP/2 (RFC 7541).
//!
//! Two halves per connection, each owning a dynamic table:
//!
//! - [`Decoder`]: `new(max_table_size)` with the SETTINGS_HEADER_TABLE_SIZE we
//!   advertise, `decode(block, &mut list)` per complete header block, and
//!   `set_max_table_size` when a new value of ours is acknowledged. It decodes
//!   into a [`HeaderList`], an arena reused from block to block (no allocation
//!   per field once warm); fields past the list's size limit are decoded and
//!   counted but not stored ([`HeaderList::exceeded`]). Every [`DecodeError`]
//!   is a connection error (COMPRESSION_ERROR).
//! - [`Encoder`]: `encode(fields, &mut out)` per block (or `begin_block` then
//!   `encode_field` per field), `set_max_table_size` when the peer's
//!   SETTINGS_HEADER_TABLE_SIZE changes. An [`IndexPolicy`] says what is
//!   indexed, what is never indexed (credentials, short cookies) and when
//!   strings are Huffman coded (by default when that is shorter).
//!
//! The Huffman code itself is [`crate::huffman`], shared with QPACK.
//!
//! ```
//! use shockwave_proto::hpack::{Decoder, Encoder, HeaderList};
//!
//! let mut encoder = Encoder::new();
//! let mut decoder = Decoder::new(4096);
//! let mut block = Vec::new();
//! let mut list = HeaderList::new(16 * 1024);
//! for _ in 0..2 {
//!     block.clear();
//!     encoder.encode(
//!         [(&b":method"[..], &b"GET"[..]), (b":path", b"/"), (b"user-agent", b"demo/1.0")],
//!         &mut block,
//!     );
//!     decoder.decode(&block, &mut list).unwrap();
//!     let fields: Vec<_> = list.iter().map(|f| (f.name, f.value)).collect();
//!     assert_eq!(fields[2], (&b"user-agent"[..], &b"demo/1.0"[..]));
//! }
//! // The second time, every field is one octet: an index.
//! assert_eq!(block.len(), 3);
//! ```
//!
//! # Limits
//!
//! | limit | set by | default | on excess |
//! | --- | --- | --- | --- |
//! | dynamic table size the peer may use | `Decoder::new`, `Decoder::set_max_table_size` (our SETTINGS_HEADER_TABLE_SIZE) | chosen by the caller (4096 in HTTP/2) | [`DecodeError::TableSizeUpdateTooLarge`] |
//! | size updates per block | RFC 7541 §4.2 | 2, before the first field | [`DecodeError::TableSizeUpdateNotAtStart`] |
//! | integer value | fixed | `u32::MAX`, at most 5 continuation octets | [`DecodeError::IntegerOverflow`] |
//! | string literal length, raw or decoded | `Decoder::set_max_string_len` | 64 KiB ([`DEFAULT_MAX_STRING_LEN`]) | [`DecodeError::StringTooLong`] |
//! | decoded header list (RFC 9113 §6.5.2 units) | `HeaderList::new`, `HeaderList::set_max_list_size` | chosen by the caller (SETTINGS_MAX_HEADER_LIST_SIZE) | fields counted, not stored; [`HeaderList::exceeded`] |
//! | encoder's dynamic table | [`IndexPolicy::max_table_size`], capped by the peer's setting | 4096 | — |
//! | largest field the encoder indexes | [`IndexPolicy::max_indexed_size`] | 1024 | sent as a literal without indexing |
//!
//! Memory per decoder: its dynamic table's arena grows to at most twice the
//! table size limit; a header list's arena holds the stored fields (bounded
//! by the list limit) plus the one field being decoded (bounded by the
//! string limit).

mod decoder;
mod encoder;
mod error;
mod header_list;
mod index;
mod integer;
mod static_table;
mod string;
mod table;

pub use decoder::{DEFAULT_MAX_STRING_LEN, Decoder};
pub use encoder::{DEFAULT_TABLE_SIZE, Encoder, IndexPolicy};
pub use error::DecodeError;
pub use header_list::{Field, HeaderList, Iter};
pub use string::HuffmanPolicy;

#[cfg(test)]
mod tests;
