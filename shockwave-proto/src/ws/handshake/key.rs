//! `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 section 4.2.2):
//! the accept value is the base64 of the SHA-1 of the key followed by a
//! fixed GUID. SHA-1 (FIPS 180-4) and base64 (RFC 4648 section 4) are
//! written out here: the handshake needs one 20-byte hash per connection, so
//! a hashing crate would cost more to build than it saves.

/// The GUID RFC 6455 section 1.3 appends to the key.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` value.
///
/// ```
/// use shockwave_proto::ws::handshake::accept_key;
/// // RFC 6455 section 1.3.
/// assert_eq!(&accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> [u8; 28] {
    let mut h = Sha1::new();
    h.update(key);
    h.update(GUID);
    base64(&h.finish())
}

/// The `Sec-WebSocket-Key` value for 16 random bytes.
pub(crate) fn encode_key(nonce: [u8; 16]) -> [u8; 24] {
    base64(&nonce)
}

/// Whether `key` is the base64 encoding of exactly 16 bytes (RFC 6455 section 4.2.1 item 4).
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let value = |c: u8| ALPHABET.iter().position(|&a| a == c);
    key.len() == 24
        && key[22..] == *b"=="
        && key[..22].iter().all(|&c| value(c).is_some())
        // The last symbol carries 2 bits of data; its 4 padding bits are zero.
        && value(key[21]).is_some_and(|v| v & 0x0F == 0)
}

/// Base64 with padding, for inputs whose encoding is `N` bytes long.
fn base64<const N: usize>(input: &[u8]) -> [u8; N] {
    let mut out = [b'='; N];
    let mut o = 0;
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for k in 0..symbols {
            if let Some(slot) = out.get_mut(o + k) {
                *slot = ALPHABET[(n >> (18 - 6 * k) & 0x3F) as usize];
            }
        }
        o += 4;
    }
    out
}

/// SHA-1 (FIPS 180-4 section 6.1), streaming.
struct Sha1 {
    state: [u32; 5],
    block: [u8; 64],
    filled: usize,
    total: u64,
}

impl Sha1 {
    fn new() -> Self {
        Sha1 {
            state: [
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ],
            block: [0; 64],
            filled: 0,
            total: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let n = (64 - self.filled).min(data.len());
            self.block[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
            if self.filled == 64 {
                let block = self.block;
                self.compress(&block);
                self.filled = 0;
            }
        }
    }

    fn finish(mut self) -> [u8; 20] {
        let bits = self.total.wrapping_mul(8);
        self.update(&[0x80]);
        while self.filled != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 20];
        for (o, s) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&s.to_be_bytes());
        }
        out
    }

    fn compress(&mut self, block: &[u8; 64]) {
        let mut w = [0u32; 80];
        for (t, word) in block.chunks_exact(4).enumerate() {
            w[t] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = self.state;
        for (t, &wt) in w.iter().enumerate() {
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wt);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d, e]) {
            *s = s.wrapping_add(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha1_hex(parts: &[&[u8]]) -> alloc::string::String {
        use core::fmt::Write;
        let mut h = Sha1::new();
        for p in parts {
            h.update(p);
        }
        let mut s = alloc::string::String::new();
        for b in h.finish() {
            write!(s, "{b:02x}").unwrap();
        }
        s
    }

    #[test]
    fn sha1_fips_180_examples() {
        assert_eq!(
            sha1_hex(&[b"abc"]),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(sha1_hex(&[b""]), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            sha1_hex(&[b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"]),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        // Split across blocks at odd places.
        assert_eq!(
            sha1_hex(&[
                b"abcdbcdecdefdefgefghfghighij",
                b"hijkijkljklmklmnlmnomnopnopq"
            ]),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        let million = alloc::vec![b'a'; 1_000_000];
        assert_eq!(
            sha1_hex(&[&million]),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
    }

    #[test]
    fn section_1_3_accept_key() {
        assert_eq!(
            &accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn base64_rfc_4648_vectors() {
        assert_eq!(&base64::<4>(b"f"), b"Zg==");
        assert_eq!(&base64::<4>(b"fo"), b"Zm8=");
        assert_eq!(&base64::<4>(b"foo"), b"Zm9v");
        assert_eq!(&base64::<8>(b"foob"), b"Zm9vYg==");
        assert_eq!(&base64::<8>(b"fooba"), b"Zm9vYmE=");
        assert_eq!(&base64::<8>(b"foobar"), b"Zm9vYmFy");
        assert_eq!(
            &encode_key(*b"the sample nonce"),
            b"dGhlIHNhbXBsZSBub25jZQ=="
        );
    }

    #[test]
    fn keys_must_decode_to_16_bytes() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        for n in 0..=255u8 {
            assert!(is_valid_key(&encode_key([n; 16])));
        }
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZR=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZ$=="));
        assert!(!is_valid_key(b"Zm9vYmFy"));
    }
}
