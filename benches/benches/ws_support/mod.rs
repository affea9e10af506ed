//! Inputs of the WebSocket benches, shared by `ws_criterion` and `ws_iai`.
#![allow(dead_code)]

pub mod recv;

/// Payload sizes of the masking benches: tiny, a small message, the largest
/// control frame, a page, a large frame, a megabyte.
pub const MASK_SIZES: [usize; 6] = [16, 64, 125, 4096, 65536, 1 << 20];

/// The masking key of RFC 6455 section 5.7's examples.
pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The fragment size of the streaming UTF-8 benches.
pub const FRAGMENT: usize = 4096;

/// `len` bytes of payload.
pub fn payload(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// About `len` bytes of ASCII prose.
pub fn ascii_text(len: usize) -> String {
    const LINE: &str = "WebSocket is a computer communications protocol, providing full-duplex channels over one TCP connection. ";
    LINE.repeat(len / LINE.len() + 1)[..len].to_string()
}

/// About `len` bytes of mixed text: ASCII with Latin, Greek, Cyrillic, CJK
/// and emoji characters (1 to 4 bytes each) throughout, as chat messages in
/// several languages look.
pub fn mixed_text(len: usize) -> String {
    const LINE: &str =
        "Hello, κόσμε! Привет, мир. こんにちは世界 — ça va? 😀👍 Grüße aus Zürich, 你好. ";
    let mut s = LINE.repeat(len / LINE.len() + 1);
    let mut end = len;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

/// The shortest human-readable name of a size.
pub fn size_name(n: usize) -> String {
    match n {
        n if n >= 1 << 20 => format!("{}MiB", n >> 20),
        n if n >= 1 << 10 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}
