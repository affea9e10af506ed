//! permessage-deflate (RFC 7692): the negotiation of its parameters
//! (section 7.1) and the compression of whole messages (section 7.2) through
//! `miniz_oxide`.
//!
//! # Negotiation
//! - A server takes the client's offers in order and accepts the first whose
//!   parameters are all known, given once and well formed
//!   (`accept_offer`); an invalid offer is declined, not an error.
//! - A client offers `permessage-deflate; client_max_window_bits` ([`CLIENT_OFFER`])
//!   and checks the server's answer (`check_answer`): an unknown, repeated or
//!   malformed parameter fails the handshake.
//!
//! # Window sizes
//! The inflater always keeps a 32 KiB window, which decodes every window
//! size a peer may use. The compressor cannot limit its window below 32 KiB.
//! When the peer limits ours (`server_max_window_bits` offered by a client,
//! `client_max_window_bits=N` answered by a server) to `N < 15`, we accept and
//! keep to it exactly: every message is compressed on a fresh context, so no
//! back-reference reaches before the message, and a message longer than `2^N`
//! bytes (or sent in fragments, whose length is unknown up front) is written
//! as DEFLATE stored blocks, which refer to nothing. It stays a compressed
//! message (RSV1 set) at a cost of 5 bytes per 65,535: peers that treat
//! compressed and uncompressed messages differently see one kind only.

mod codec;

pub use codec::{Deflater, InflateError, Inflater};

use super::handshake::fields::Param;

/// The negotiated parameters of permessage-deflate (RFC 7692 section 7.1),
/// named from the server's point of view as in the RFC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compression context after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context after each message.
    pub client_no_context_takeover: bool,
    /// The server's LZ77 window is at most `2^server_max_window_bits` (8..=15).
    pub server_max_window_bits: u8,
    /// The client's LZ77 window is at most `2^client_max_window_bits` (8..=15).
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    fn default() -> Self {
        DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

/// What a server asks of the client beyond its offer, when it accepts one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeflateOptions {
    /// Reset our own compression context after each message (saves nothing
    /// here, but peers with small memory may prefer it).
    pub server_no_context_takeover: bool,
    /// Ask the client to reset its context after each message.
    pub client_no_context_takeover: bool,
}

/// The extension token.
pub const NAME: &[u8] = b"permessage-deflate";

/// The offer a client sends: the extension, and that it can limit its window.
pub const CLIENT_OFFER: &[u8] = b"permessage-deflate; client_max_window_bits";

/// The longest answer [`DeflateParams::write_answer`] writes.
pub(crate) const MAX_ANSWER_LEN: usize = 128;

/// A window-bits value: 8..=15 without leading zeros (RFC 7692 section 7.1.2).
fn window_bits(value: &[u8]) -> Option<u8> {
    match value {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

/// The parameters of one offer or answer, each known one at most once
/// (RFC 7692 section 7), values checked (section 7.1.2).
struct Parsed {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// Present with or without a value.
    client_max_window_bits: Option<Option<u8>>,
}

/// Reads an element's parameters; `None` for an unknown or repeated one, a
/// value where none belongs, or a missing or bad window size.
fn parse_params<'a>(params: impl Iterator<Item = Param<'a>>) -> Option<Parsed> {
    let mut p = Parsed {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: None,
        client_max_window_bits: None,
    };
    // Bit k: parameter k was seen.
    let mut seen = 0u8;
    for param in params {
        let k = match (param.name, param.value) {
            (b"server_no_context_takeover", None) => {
                p.server_no_context_takeover = true;
                0
            }
            (b"client_no_context_takeover", None) => {
                p.client_no_context_takeover = true;
                1
            }
            (b"server_max_window_bits", Some(v)) => {
                p.server_max_window_bits = Some(window_bits(v)?);
                2
            }
            (b"client_max_window_bits", v) => {
                p.client_max_window_bits = Some(match v {
                    None => None,
                    Some(v) => Some(window_bits(v)?),
                });
                3
            }
            _ => return None,
        };
        if seen & (1 << k) != 0 {
            return None;
        }
        seen |= 1 << k;
    }
    Some(p)
}

/// The server side: the parameters agreed from one offer's `params`, and
/// whether the offer had `server_max_window_bits`; `None` when the offer is
/// invalid and must be declined.
pub(crate) fn accept_offer<'a>(
    params: impl Iterator<Item = Param<'a>>,
    options: &DeflateOptions,
) -> Option<(DeflateParams, bool)> {
    let offer = parse_params(params)?;
    // `client_max_window_bits` only says the client can limit its window; we
    // decode any, so we never ask it to.
    let agreed = DeflateParams {
        server_no_context_takeover: offer.server_no_context_takeover
            || options.server_no_context_takeover,
        client_no_context_takeover: offer.client_no_context_takeover
            || options.client_no_context_takeover,
        server_max_window_bits: offer.server_max_window_bits.unwrap_or(15),
        client_max_window_bits: 15,
    };
    Some((agreed, offer.server_max_window_bits.is_some()))
}

impl DeflateParams {
    /// Writes the server's answer for these parameters into `out`; returns its
    /// length. `server_bits` says whether the offer had `server_max_window_bits`
    /// (section 7.1.2.1: then the answer must carry it).
    pub(crate) fn write_answer(&self, server_bits: bool, out: &mut [u8; MAX_ANSWER_LEN]) -> usize {
        let mut n = 0;
        let mut put = |s: &[u8]| {
            out[n..n + s.len()].copy_from_slice(s);
            n += s.len();
        };
        put(NAME);
        if self.server_no_context_takeover {
            put(b"; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            put(b"; client_no_context_takeover");
        }
        if server_bits {
            put(b"; server_max_window_bits=");
            let bits = self.server_max_window_bits;
            if bits >= 10 {
                put(&[b'1', b'0' + bits - 10]);
            } else {
                put(&[b'0' + bits]);
            }
        }
        n
    }
}

/// The client side: the parameters of the server's answer to [`CLIENT_OFFER`],
/// or `None` when the answer is invalid (the client must fail the connection).
/// An unsolicited `server_max_window_bits` is taken: it only limits what the
/// server sends, which our 32 KiB inflater window decodes whatever its value.
pub(crate) fn check_answer<'a>(params: impl Iterator<Item = Param<'a>>) -> Option<DeflateParams> {
    let answer = parse_params(params)?;
    Some(DeflateParams {
        server_no_context_takeover: answer.server_no_context_takeover,
        client_no_context_takeover: answer.client_no_context_takeover,
        server_max_window_bits: answer.server_max_window_bits.unwrap_or(15),
        // We offered it without a value; an answer carrying it must give one.
        client_max_window_bits: match answer.client_max_window_bits {
            None => 15,
            Some(v) => v?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::handshake::fields::extensions;

    fn offer(value: &[u8]) -> Option<(DeflateParams, bool)> {
        let ext = extensions(value).next().unwrap().unwrap();
        accept_offer(ext.params(), &DeflateOptions::default())
    }

    fn answer(value: &[u8]) -> Option<DeflateParams> {
        let ext = extensions(value).next().unwrap().unwrap();
        check_answer(ext.params())
    }

    fn text(p: &DeflateParams, server_bits: bool) -> alloc::string::String {
        let mut out = [0u8; MAX_ANSWER_LEN];
        let n = p.write_answer(server_bits, &mut out);
        alloc::string::String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn server_accepts_valid_offers() {
        let (p, sb) = offer(b"permessage-deflate").unwrap();
        assert_eq!((p, sb), (DeflateParams::default(), false));
        assert_eq!(text(&p, sb), "permessage-deflate");

        let (p, sb) =
            offer(b"permessage-deflate; client_max_window_bits; server_max_window_bits=10")
                .unwrap();
        assert_eq!(p.server_max_window_bits, 10);
        assert_eq!(
            text(&p, sb),
            "permessage-deflate; server_max_window_bits=10"
        );

        let (p, sb) = offer(b"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=\"9\"").unwrap();
        assert!(p.server_no_context_takeover && p.client_no_context_takeover);
        assert_eq!(
            text(&p, sb),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9"
        );
    }

    #[test]
    fn server_declines_invalid_offers() {
        for bad in [
            &b"permessage-deflate; server_max_window_bits"[..],
            b"permessage-deflate; server_max_window_bits=7",
            b"permessage-deflate; server_max_window_bits=16",
            b"permessage-deflate; server_max_window_bits=010",
            b"permessage-deflate; client_max_window_bits=0",
            b"permessage-deflate; server_no_context_takeover=1",
            b"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            b"permessage-deflate; unknown",
        ] {
            assert_eq!(offer(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn client_checks_answers() {
        assert_eq!(
            answer(b"permessage-deflate"),
            Some(DeflateParams::default())
        );
        let p =
            answer(b"permessage-deflate; client_max_window_bits=12; server_no_context_takeover")
                .unwrap();
        assert_eq!(p.client_max_window_bits, 12);
        assert!(p.server_no_context_takeover);
        assert_eq!(answer(b"permessage-deflate; client_max_window_bits"), None);
        assert_eq!(answer(b"permessage-deflate; foo=1"), None);
        assert_eq!(
            answer(b"permessage-deflate; client_no_context_takeover; client_no_context_takeover"),
            None
        );
    }
}
