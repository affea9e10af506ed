//! The output: the queued bytes, and a message payload that the driver
//! writes from its own buffer instead of the queue.
//!
//! The queue is one slice ([`Conn::poll_transmit`]). A message sent with
//! [`Conn::send_message_header`] puts only its frame header there, and the
//! payload is owed by the driver at that point of the byte stream:
//! `poll_transmit` stops at it until [`Conn::advance_payload`] has counted
//! all of it, so frames queued later (a Pong, the Close) still follow it.

use super::super::frame::{MAX_HEADER_LEN, OpCode};
use super::Conn;
use super::close::Closing;

/// A payload the driver writes itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Owed {
    /// Queued bytes still to write before it (the end of its frame header).
    pub(crate) before: usize,
    /// Payload bytes not written yet.
    pub(crate) remaining: usize,
}

impl Conn {
    /// The bytes to write next, or `None` when nothing is queued (or, when
    /// [`Conn::owed_payload`] is not zero, the driver's payload comes next).
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.flush_pong();
        let pending = self.write.pending();
        let pending = match self.owed {
            Some(owed) => &pending[..owed.before],
            None => pending,
        };
        (!pending.is_empty()).then_some(pending)
    }

    /// Records that `n` bytes of [`Conn::poll_transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        let n = match self.owed.as_mut() {
            Some(owed) => {
                let n = n.min(owed.before);
                owed.before -= n;
                n
            }
            None => n,
        };
        self.write.advance(n);
    }

    /// Bytes of the payload given to [`Conn::send_message_header`] that the
    /// driver still has to write, from its own buffer, once
    /// [`Conn::poll_transmit`] returns `None`; zero when none is owed.
    pub fn owed_payload(&self) -> usize {
        self.owed.map_or(0, |owed| owed.remaining)
    }

    /// Records that `n` bytes of the owed payload were written (after what
    /// [`Conn::poll_transmit`] gave before it; earlier calls count nothing).
    pub fn advance_payload(&mut self, n: usize) {
        if let Some(owed) = self.owed.as_mut()
            && owed.before == 0
        {
            owed.remaining -= n.min(owed.remaining);
            if owed.remaining == 0 {
                self.owed = None;
            }
        }
    }

    /// Bytes waiting to be written, the owed payload included: what
    /// `max_write_buffer` bounds ([`Conn::poll_transmit`] may show less: it
    /// stops at an owed payload).
    pub fn queued(&self) -> usize {
        self.write.len() + self.owed_payload()
    }

    /// Writes the pending pong if the output queue has room for it.
    pub(super) fn flush_pong(&mut self) {
        if self.closing != Closing::Open {
            self.pending_pong = None;
            return;
        }
        if let Some((data, len)) = self.pending_pong {
            let len = usize::from(len);
            let queued = self.queued();
            if queued == 0 || queued + len + MAX_HEADER_LEN <= self.config.max_write_buffer {
                self.pending_pong = None;
                self.write_frame(true, false, OpCode::Pong, &data[..len]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::super::super::deflate::DeflateParams;
    use super::super::{Config, Event, Extensions, MessageKind, UsageError};
    use super::*;
    use crate::time::Instant;

    fn server() -> Conn {
        Conn::server(Config::default(), Extensions::default())
    }

    fn client() -> Conn {
        let mut n = 0u32;
        let masks = alloc::boxed::Box::new(move || {
            n = n.wrapping_add(0x9e37_79b9);
            n.to_le_bytes()
        });
        Conn::client(Config::default(), Extensions::default(), masks)
    }

    /// Drives `conn`'s output to the end, taking the owed payloads from
    /// `payloads` in order, `step` bytes per write at most.
    fn drain(conn: &mut Conn, payloads: &mut Vec<&[u8]>, step: usize) -> Vec<u8> {
        let mut wire = Vec::new();
        loop {
            if let Some(bytes) = conn.poll_transmit() {
                let n = bytes.len().min(step);
                wire.extend_from_slice(&bytes[..n]);
                conn.advance_transmit(n);
            } else if conn.owed_payload() > 0 {
                let payload = payloads[0];
                let at = payload.len() - conn.owed_payload();
                let n = (payload.len() - at).min(step);
                wire.extend_from_slice(&payload[at..at + n]);
                conn.advance_payload(n);
                if conn.owed_payload() == 0 {
                    payloads.remove(0);
                }
            } else {
                return wire;
            }
        }
    }

    #[test]
    fn the_payload_goes_between_its_header_and_later_frames() {
        let mut conn = server();
        let payload: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        assert_eq!(
            conn.send_message_header(MessageKind::Binary, &payload),
            Ok(true)
        );
        conn.ping(b"later").unwrap();
        // RFC 6455 section 5.2: FIN + binary, 126 then the 16-bit length.
        assert_eq!(conn.poll_transmit(), Some(&[0x82, 126, 0x01, 0x2c][..]));
        assert_eq!(conn.queued(), 4 + 300 + 7);
        conn.advance_transmit(4);
        assert_eq!(conn.poll_transmit(), None, "the ping waits for the payload");
        assert_eq!(conn.owed_payload(), 300);
        conn.advance_payload(100);
        assert_eq!((conn.owed_payload(), conn.poll_transmit()), (200, None));
        conn.advance_payload(200);
        assert_eq!(conn.owed_payload(), 0);
        assert_eq!(conn.poll_transmit(), Some(&b"\x89\x05later"[..]));

        // The same bytes as a copying send.
        let mut copying = server();
        copying.send_binary(&payload).unwrap();
        copying.ping(b"later").unwrap();
        let mut handed = server();
        assert_eq!(
            handed.send_message_header(MessageKind::Binary, &payload),
            Ok(true)
        );
        handed.ping(b"later").unwrap();
        let expected = drain(&mut copying, &mut vec![], usize::MAX);
        assert_eq!(drain(&mut handed, &mut vec![&payload[..]], 7), expected);
        let mut peer = client();
        peer.handle_input(Instant::ZERO, &expected).unwrap();
        assert_eq!(
            peer.poll_event(),
            Some(Event::MessageReceived {
                kind: MessageKind::Binary,
                payload: &payload
            })
        );
    }

    #[test]
    fn refused_or_declined_sends_queue_nothing() {
        // A client masks its payloads: declined.
        let mut c = client();
        assert_eq!(
            c.send_message_header(MessageKind::Binary, b"abc"),
            Ok(false)
        );
        assert_eq!(c.poll_transmit(), None);
        // permessage-deflate compresses it: declined.
        let deflate = Extensions {
            deflate: Some(DeflateParams::default()),
        };
        let mut d = Conn::server(Config::default(), deflate);
        assert_eq!(
            d.send_message_header(MessageKind::Binary, b"abc"),
            Ok(false)
        );
        assert_eq!(d.poll_transmit(), None);
        // One owed payload at a time: the second is declined.
        let mut s = server();
        assert_eq!(s.send_message_header(MessageKind::Text, b"one"), Ok(true));
        assert_eq!(s.send_message_header(MessageKind::Text, b"two"), Ok(false));
        assert_eq!(s.poll_transmit(), Some(&[0x81, 3][..]));
        // Text must be UTF-8, a fragmented message must end first.
        let mut s = server();
        let refused = s.send_message_header(MessageKind::Text, b"\xff");
        assert_eq!(refused, Err(UsageError::InvalidUtf8));
        s.send_fragment(MessageKind::Binary, b"a", false).unwrap();
        let queued = s.poll_transmit().map(<[u8]>::len);
        let refused = s.send_message_header(MessageKind::Binary, b"b");
        assert_eq!(refused, Err(UsageError::FragmentInProgress));
        assert_eq!(s.poll_transmit().map(<[u8]>::len), queued);
        // The owed payload counts against max_write_buffer.
        let config = Config {
            max_write_buffer: 1000,
            ..Config::default()
        };
        let mut s = Conn::server(config, Extensions::default());
        let big = [0u8; 900];
        assert_eq!(s.send_message_header(MessageKind::Binary, &big), Ok(true));
        assert_eq!(s.send_binary(&big), Err(UsageError::OutputFull));
    }

    #[test]
    fn closed_only_once_the_owed_payload_is_written() {
        let mut s = server();
        assert_eq!(
            s.send_message_header(MessageKind::Binary, &[1; 200]),
            Ok(true)
        );
        let mut peer = client();
        peer.close(1000, "").unwrap();
        let close = drain(&mut peer, &mut vec![], usize::MAX);
        s.handle_input(Instant::ZERO, &close).unwrap();
        while s.poll_event().is_some() {}
        assert!(!s.is_closed(), "closed with the payload owed");
        let wire = drain(&mut s, &mut vec![&[1; 200][..]], 64);
        assert!(s.is_closed());
        // The echo of the Close follows the message.
        assert_eq!(&wire[wire.len() - 4..], &[0x88, 2, 0x03, 0xe8]);
    }

    proptest! {
        /// Any mix of copied and handed-over messages, written in any
        /// steps, puts the same bytes on the wire as copying them all.
        #[test]
        fn handed_over_or_copied_the_wire_is_the_same(
            messages in proptest::collection::vec((0usize..70_000, any::<bool>(), any::<u8>()), 1..8),
            step in 1usize..100_000,
        ) {
            let payloads: Vec<Vec<u8>> = messages.iter().map(|&(len, _, b)| vec![b; len]).collect();
            let mut copying = server();
            let mut handed = server();
            let mut owed: Vec<&[u8]> = Vec::new();
            for ((_, hand_over, _), payload) in messages.iter().zip(&payloads) {
                copying.send_binary(payload).unwrap();
                if *hand_over && handed.send_message_header(MessageKind::Binary, payload).unwrap() {
                    if !payload.is_empty() {
                        owed.push(payload);
                    }
                } else {
                    handed.send_binary(payload).unwrap();
                }
                if copying.ping(b"p").is_ok() {
                    handed.ping(b"p").unwrap();
                }
            }
            let expected = drain(&mut copying, &mut Vec::new(), usize::MAX);
            prop_assert_eq!(drain(&mut handed, &mut owed, step), expected);
            prop_assert!(owed.is_empty());
        }
    }
}
