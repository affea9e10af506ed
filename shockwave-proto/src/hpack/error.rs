//! Why a header block was refused. Every kind is a decoding error of RFC 7541
//! and, in HTTP/2, a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3):
//! after one, the decoder's dynamic table no longer matches the peer's.

use core::fmt;

use crate::huffman::HuffmanError;

/// A header block that cannot be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// The block ends inside a representation (an integer or a string).
    Truncated,
    /// An integer exceeds the decoder's limit: more than `u32::MAX`, or more
    /// than five continuation octets (RFC 7541 §5.1).
    IntegerOverflow,
    /// An index of 0, or past the end of the static and dynamic tables
    /// (RFC 7541 §2.3.3, §6.1).
    InvalidIndex,
    /// A Huffman-coded string is malformed (RFC 7541 §5.2).
    Huffman(HuffmanError),
    /// A dynamic table size update above the limit we advertised (RFC 7541 §6.3).
    TableSizeUpdateTooLarge,
    /// A dynamic table size update after a field, or a third one in a row
    /// (RFC 7541 §4.2: at most two, at the start of a block).
    TableSizeUpdateNotAtStart,
    /// Our limit went below the peer's table size and the first block after
    /// did not start with a size update down to it (RFC 7541 §4.2).
    TableSizeUpdateMissing,
    /// A string is longer than the decoder's `max_string_len`.
    StringTooLong,
}

impl From<HuffmanError> for DecodeError {
    fn from(e: HuffmanError) -> Self {
        Self::Huffman(e)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("header block ends inside a representation"),
            Self::IntegerOverflow => f.write_str("integer too large in header block"),
            Self::InvalidIndex => f.write_str("header table index out of range"),
            Self::Huffman(e) => fmt::Display::fmt(e, f),
            Self::TableSizeUpdateTooLarge => {
                f.write_str("dynamic table size update above the advertised limit")
            }
            Self::TableSizeUpdateNotAtStart => {
                f.write_str("dynamic table size update after a field or more than two")
            }
            Self::TableSizeUpdateMissing => {
                f.write_str("expected dynamic table size update after a lowered limit")
            }
            Self::StringTooLong => f.write_str("string literal longer than the limit"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Huffman(e) => Some(e),
            _ => None,
        }
    }
}
