//! Telling HTTP/2 with prior knowledge from HTTP/1.1 on a plain port: the
//! first 24 bytes either are the HTTP/2 client preface or are not.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The HTTP/2 client connection preface (RFC 9113 section 3.4).
pub(crate) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What was read from a connection before its protocol was known; the
/// machine that takes the connection is fed these bytes first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Preread {
    buf: [u8; 24],
    len: usize,
}

impl Preread {
    /// Nothing read (TLS connections: ALPN names the protocol).
    pub(crate) const NONE: Preread = Preread {
        buf: [0; 24],
        len: 0,
    };

    /// The bytes read.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Whether they are the HTTP/2 preface.
    pub(crate) fn is_h2(&self) -> bool {
        self.bytes() == PREFACE
    }
}

/// Reads until the bytes stop matching the preface, all 24 matched, or the
/// peer closed. An HTTP/1.1 request line differs from the preface within its
/// first three bytes (`PRI` is no method anyone uses), so an HTTP/1.1
/// connection costs one read, whose bytes its machine then takes.
pub(crate) async fn sniff<IO: AsyncRead + Unpin>(io: &mut IO) -> io::Result<Preread> {
    let mut pre = Preread::NONE;
    while pre.len < PREFACE.len() {
        let n = io.read(&mut pre.buf[pre.len..]).await?;
        if n == 0 {
            break;
        }
        let end = pre.len + n;
        let matches = pre.buf[pre.len..end] == PREFACE[pre.len..end];
        pre.len = end;
        if !matches {
            break;
        }
    }
    Ok(pre)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn preface_in_pieces_is_h2() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for piece in PREFACE.chunks(5) {
                a.write_all(piece).await.unwrap();
                tokio::task::yield_now().await;
            }
            a.write_all(b"\0\0\0\x04").await.unwrap();
            a
        });
        let pre = sniff(&mut b).await.unwrap();
        assert!(pre.is_h2());
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn http1_stops_at_the_first_difference() {
        let (mut a, mut b) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut a, b"GET / HTTP/1.1\r\n")
            .await
            .unwrap();
        let pre = sniff(&mut b).await.unwrap();
        assert!(!pre.is_h2());
        assert_eq!(pre.bytes(), b"GET / HTTP/1.1\r\n");
    }

    #[tokio::test]
    async fn short_prefix_then_eof_is_not_h2() {
        let (mut a, mut b) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut a, b"PRI * HT")
            .await
            .unwrap();
        drop(a);
        let pre = sniff(&mut b).await.unwrap();
        assert!(!pre.is_h2());
        assert_eq!(pre.bytes(), b"PRI * HT");
    }
}
