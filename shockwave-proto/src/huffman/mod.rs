//! The Huffman code of RFC 7541 appendix B, shared by HPACK and QPACK.
