//! The output: the queued bytes, and message payloads that the driver
//! writes from its own buffers instead of the queue.
//!
//! The queue is one slice ([`Conn::poll_transmit`]). A message sent with
//! [`Conn::send_message_header`] puts only its frame header there, and the
//! payload is owed by the driver at that point of the byte stream:
//! `poll_transmit` stops at it until [`Conn::advance_payload`] has counted
//! all of it, so frames queued later (a Pong, the Close) still follow it.
//! Several payloads may be owed at once (up to [`MAX_OWED`]): a driver
//! that writes vectored walks [`Conn::output_parts`] and writes queued bytes
//! and payloads together, then counts them with [`Conn::advance_output`].

use alloc::collections::VecDeque;

use super::super::frame::{MAX_HEADER_LEN, OpCode};
use super::Conn;
use super::close::Closing;

/// How many payloads may be owed at once; `send_message_header` declines
/// more (the driver copies that message), which bounds the bookkeeping.
pub const MAX_OWED: usize = 64;

/// A payload the driver writes itself.
#[derive(Clone, Copy, Debug)]
struct Owed {
    /// Queued bytes still to write before it: for the first, from the front
    /// of the queue; for a later one, after the payload before it.
    before: usize,
    /// Payload bytes not written yet.
    remaining: usize,
}

/// The payloads owed, in the order they go out.
#[derive(Debug, Default)]
pub(crate) struct OwedQueue {
    entries: VecDeque<Owed>,
    /// Sum of the entries' `before`: the queued bytes up to the last payload.
    before: usize,
    /// Sum of the entries' `remaining`.
    remaining: usize,
}

impl OwedQueue {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Owes `len` payload bytes after all `queued` bytes now in the queue.
    pub(crate) fn push(&mut self, queued: usize, len: usize) {
        let before = queued - self.before;
        self.entries.push_back(Owed {
            before,
            remaining: len,
        });
        self.before += before;
        self.remaining += len;
    }

    /// Queued bytes that may be written now: those before the first payload
    /// (all of `queued` when none is owed).
    fn writable(&self, queued: usize) -> usize {
        self.entries.front().map_or(queued, |o| o.before)
    }

    /// Counts `n` queued bytes written (at most `writable`).
    fn advance_queued(&mut self, n: usize) {
        if let Some(front) = self.entries.front_mut() {
            front.before -= n;
            self.before -= n;
        }
    }

    /// Counts up to `n` bytes of the first payload written, once its turn
    /// came; returns how many counted.
    fn advance_payload(&mut self, n: usize) -> usize {
        let Some(front) = self.entries.front_mut() else {
            return 0;
        };
        if front.before > 0 {
            return 0;
        }
        let n = n.min(front.remaining);
        front.remaining -= n;
        self.remaining -= n;
        if front.remaining == 0 {
            self.entries.pop_front();
        }
        n
    }
}

/// One piece of the output, in the order it goes out ([`Conn::output_parts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputPart<'a> {
    /// Bytes from the machine's queue.
    Queued(&'a [u8]),
    /// The unwritten end of an owed payload, this many bytes: the driver
    /// writes them from the buffer it gave to `send_message_header`, the
    /// n-th `Owed` part from the n-th payload still owed.
    Owed(usize),
}

impl Conn {
    /// The bytes to write next, or `None` when nothing is queued (or, when
    /// [`Conn::owed_payload`] is not zero, the driver's payload comes next).
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.flush_pong();
        let pending = self.write.pending();
        let pending = &pending[..self.owed.writable(pending.len())];
        (!pending.is_empty()).then_some(pending)
    }

    /// Records that `n` bytes of [`Conn::poll_transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        let n = n.min(self.owed.writable(self.write.len()));
        self.owed.advance_queued(n);
        self.write.advance(n);
    }

    /// Bytes of the first payload given to [`Conn::send_message_header`]
    /// that the driver still has to write, from its own buffer, once
    /// [`Conn::poll_transmit`] returns `None`; zero when none is owed.
    pub fn owed_payload(&self) -> usize {
        self.owed.entries.front().map_or(0, |owed| owed.remaining)
    }

    /// How many payloads are owed (written or not yet begun): the driver
    /// drops its buffers beyond this count from the front.
    pub fn owed_payloads(&self) -> usize {
        self.owed.len()
    }

    /// Records that `n` bytes of the first owed payload were written (after
    /// what [`Conn::poll_transmit`] gave before it; earlier calls count
    /// nothing).
    pub fn advance_payload(&mut self, n: usize) {
        self.owed.advance_payload(n);
    }

    /// The whole output in order, for a vectored write: queued bytes and
    /// the owed payloads between them. Count what was written with
    /// [`Conn::advance_output`].
    pub fn output_parts(&mut self) -> impl Iterator<Item = OutputPart<'_>> {
        self.flush_pong();
        let mut queued = self.write.pending();
        let mut entries = self.owed.entries.iter();
        let mut owed_next = None;
        core::iter::from_fn(move || {
            loop {
                if let Some(n) = owed_next.take() {
                    return Some(OutputPart::Owed(n));
                }
                let before = match entries.next() {
                    Some(owed) => {
                        owed_next = Some(owed.remaining);
                        owed.before
                    }
                    None if queued.is_empty() => return None,
                    None => queued.len(),
                };
                let (now, rest) = queued.split_at(before);
                queued = rest;
                if !now.is_empty() {
                    return Some(OutputPart::Queued(now));
                }
            }
        })
    }

    /// Records that the first `n` bytes of [`Conn::output_parts`] were
    /// written, across queued bytes and payloads.
    pub fn advance_output(&mut self, mut n: usize) {
        while n > 0 {
            let writable = self.owed.writable(self.write.len());
            if writable > 0 {
                let k = n.min(writable);
                self.advance_transmit(k);
                n -= k;
            } else {
                let k = self.owed.advance_payload(n);
                if k == 0 {
                    return;
                }
                n -= k;
            }
        }
    }

    /// Bytes waiting to be written, the owed payloads included: what
    /// `max_write_buffer` bounds ([`Conn::poll_transmit`] may show less: it
    /// stops at an owed payload).
    pub fn queued(&self) -> usize {
        self.write.len() + self.owed.remaining
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
                payloads.drain(..payloads.len() - conn.owed_payloads());
            } else {
                return wire;
            }
        }
    }

    /// Drives `conn`'s output to the end through `output_parts`, writing up
    /// to `step` bytes of it at a time, each write gathering across parts.
    fn drain_parts(conn: &mut Conn, payloads: &mut Vec<&[u8]>, step: usize) -> Vec<u8> {
        let mut wire = Vec::new();
        loop {
            let mut write = Vec::new();
            let mut owed = payloads.iter();
            for part in conn.output_parts() {
                match part {
                    OutputPart::Queued(bytes) => write.extend_from_slice(bytes),
                    OutputPart::Owed(n) => {
                        let payload = owed.next().expect("a payload for every Owed part");
                        write.extend_from_slice(&payload[payload.len() - n..]);
                    }
                }
            }
            if write.is_empty() {
                assert_eq!(conn.owed_payloads(), 0);
                return wire;
            }
            let n = write.len().min(step);
            wire.extend_from_slice(&write[..n]);
            conn.advance_output(n);
            // The machine owes fewer payloads: drop ours from the front.
            payloads.drain(..payloads.len() - conn.owed_payloads());
        }
    }

    #[test]
    fn several_payloads_owed_go_out_in_order_in_one_gathered_write() {
        let mut conn = server();
        let a = [b'a'; 200];
        let b = [b'b'; 3];
        conn.ping(b"first").unwrap();
        assert_eq!(conn.send_message_header(MessageKind::Binary, &a), Ok(true));
        assert_eq!(conn.send_message_header(MessageKind::Text, &b), Ok(true));
        conn.pong(b"last").unwrap();
        assert_eq!(conn.owed_payloads(), 2);
        let parts: Vec<_> = conn.output_parts().collect();
        assert_eq!(
            parts,
            [
                OutputPart::Queued(b"\x89\x05first\x82\x7e\x00\xc8"),
                OutputPart::Owed(200),
                OutputPart::Queued(b"\x81\x03"),
                OutputPart::Owed(3),
                OutputPart::Queued(b"\x8a\x04last"),
            ]
        );
        // Part of the first payload written: the parts start in it.
        conn.advance_output(7 + 4 + 150);
        let parts: Vec<_> = conn.output_parts().collect();
        assert_eq!(parts[0], OutputPart::Owed(50));
        assert_eq!(conn.owed_payload(), 50);
        assert_eq!(conn.poll_transmit(), None);
        conn.advance_output(50 + 2 + 3 + 6);
        assert_eq!((conn.queued(), conn.owed_payloads()), (0, 0));
        assert_eq!(conn.output_parts().next(), None);
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
        // At most MAX_OWED payloads owed at once: the next is declined.
        let mut s = server();
        for _ in 0..MAX_OWED {
            assert_eq!(s.send_message_header(MessageKind::Text, b"one"), Ok(true));
        }
        let queued = s.queued();
        assert_eq!(s.send_message_header(MessageKind::Text, b"two"), Ok(false));
        assert_eq!((s.queued(), s.owed_payloads()), (queued, MAX_OWED));
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
        /// steps, one part at a time or gathered, puts the same bytes on the
        /// wire as copying them all.
        #[test]
        fn handed_over_or_copied_the_wire_is_the_same(
            messages in proptest::collection::vec((0usize..70_000, any::<bool>(), any::<u8>()), 1..8),
            step in 1usize..100_000,
            gathered in any::<bool>(),
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
            if gathered {
                prop_assert_eq!(drain_parts(&mut handed, &mut owed, step), expected);
            } else {
                prop_assert_eq!(drain(&mut handed, &mut owed, step), expected);
            }
            prop_assert!(owed.is_empty());
            prop_assert_eq!(handed.queued(), 0);
        }
    }
}
