//! The Huffman code of RFC 7541 appendix B, shared by HPACK and QPACK.
//!
//! Three functions: [`encoded_len`] says how long the Huffman form of a string
//! is (an encoder uses it only when shorter, RFC 7541 §5.2), [`encode`] appends
//! that form, and [`decode`] appends the octets a Huffman-coded string stands
//! for, rejecting what §5.2 forbids: the EOS symbol inside the string, padding
//! longer than 7 bits, and padding that is not the most significant bits of EOS
//! (all ones). All three append to the caller's `Vec`, so a connection decodes
//! into one reused arena.
//!
//! ```
//! use shockwave_proto::huffman;
//!
//! let mut wire = Vec::new();
//! huffman::encode(b"www.example.com", &mut wire);
//! assert_eq!(wire.len(), huffman::encoded_len(b"www.example.com"));
//! // RFC 7541 appendix C.4.1.
//! assert_eq!(wire, [0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff]);
//!
//! let mut text = Vec::new();
//! huffman::decode(&wire, &mut text).unwrap();
//! assert_eq!(text, b"www.example.com");
//! ```

use core::fmt;

mod code;
mod decode;
mod encode;

pub use decode::decode;
pub(crate) use decode::{decode_into, decoded_room};
pub use encode::{encode, encoded_len};

/// Why a Huffman-coded string was refused (RFC 7541 §5.2). In HPACK every
/// one of them is a decoding error of the whole header block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HuffmanError {
    /// The string holds the EOS symbol.
    Eos,
    /// The string ends in more than 7 bits of padding, or in padding that is
    /// not all ones.
    InvalidPadding,
}

impl fmt::Display for HuffmanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eos => "Huffman-coded string contains EOS",
            Self::InvalidPadding => "Huffman-coded string has invalid padding",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HuffmanError {}

#[cfg(test)]
mod tests;
