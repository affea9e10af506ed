//! Input without a copy: [`Conn::handle_input_in_place`] runs the frame loop
//! over the caller's own bytes instead of the machine's read buffer.
//!
//! The frame loop always works on an [`Input`]: a window of received bytes
//! consumed from the front. The copying calls lend it the machine's read
//! buffer; this call lends it the caller's buffer, so every check (masking,
//! RSV bits, limits, UTF-8, control frames between fragments, the closing
//! handshake) is the same code on both paths. What differs is only where the
//! bytes live afterwards: a single-frame uncompressed message is reported as
//! a range of the caller's bytes (unmasked in place), which a driver owning a
//! splittable buffer hands to the application as it is; a control frame
//! (at most 139 bytes) is copied into the machine, to be polled as usual.

use core::ops::Range;

use super::close::Closing;
use super::{Conn, Mode, Ready};
use crate::time::Instant;
use crate::ws::{Error, MessageKind};

/// Received bytes the frame loop works on, consumed from the front: the
/// machine's read buffer, or the caller's bytes.
pub(super) struct Input<'a> {
    bytes: &'a mut [u8],
    /// How many bytes at the front were consumed.
    pub(super) front: usize,
}

impl<'a> Input<'a> {
    pub(super) fn new(bytes: &'a mut [u8]) -> Self {
        Input { bytes, front: 0 }
    }

    /// The bytes not consumed yet.
    #[inline]
    pub(super) fn data(&self) -> &[u8] {
        &self.bytes[self.front..]
    }

    /// The bytes not consumed yet, to unmask in place.
    #[inline]
    pub(super) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[self.front..]
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.bytes.len() - self.front
    }

    /// Marks the first `n` bytes not consumed yet as consumed.
    #[inline]
    pub(super) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.front += n.min(self.len());
    }
}

/// What [`Conn::handle_input_in_place`] did with the caller's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct InPlaceInput {
    /// How many bytes at the front the machine is done with: the caller
    /// drops them (or keeps the message's range of them). The rest belongs
    /// to a frame that is not complete yet: give it again, with what follows.
    pub taken: usize,
    /// A whole single-frame message, unmasked (and validated if text) in
    /// place inside `..taken`.
    pub message: Option<InPlaceMessage>,
}

/// A message that lies in the caller's bytes ([`InPlaceInput::message`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InPlaceMessage {
    /// Text (valid UTF-8) or binary.
    pub kind: MessageKind,
    /// Where its payload is in the bytes given.
    pub payload: Range<usize>,
}

impl Conn {
    /// Feeds bytes that arrived without copying them: the machine reads
    /// frames straight from `bytes`, unmasks them there, and returns how many
    /// bytes at the front it is done with, and where in them a complete
    /// single-frame, uncompressed message lies. The bytes after `taken`
    /// (an incomplete frame) must be given again, at the front of the next
    /// call, followed by what arrived since; bytes already unmasked are not
    /// unmasked twice.
    ///
    /// Every other event (a fragmented or compressed message, reassembled
    /// as usual; a control frame, copied into the machine; the end) is
    /// taken from [`Conn::poll_event`], which the driver calls before each
    /// call to this one. While an event waits there, nothing is taken.
    ///
    /// On `Err` (a peer error in these bytes), all of them were taken; keep
    /// driving until [`Conn::is_closed`]. Bytes given earlier through
    /// [`Conn::handle_input`] or [`Conn::input_buf`] are worked off first:
    /// until they are, this call copies like `handle_input`. While an
    /// unfinished frame is left with the caller, the copying calls take
    /// nothing: its bytes are not theirs to give. Read the socket while
    /// [`Conn::takes_input`].
    pub fn handle_input_in_place(
        &mut self,
        now: Instant,
        bytes: &mut [u8],
    ) -> Result<InPlaceInput, Error> {
        self.tick(now);
        self.take_back();
        // The common case at a server: nothing held or begun, and a whole
        // short data frame first. What `run` below would do, in one step.
        if matches!(self.ready, Ready::Nothing)
            && self.read.is_empty()
            && self.frame.is_none()
            && !self.failed
            && !self.framing_lost
            && !self.close_read
            && self.closing == Closing::Open
            && self.pending_pong.is_none()
            && let Some((kind, len)) = self.small_frame(&mut Input::new(bytes))
        {
            self.frame_with_caller = false;
            return Ok(InPlaceInput {
                taken: 6 + len,
                message: Some(InPlaceMessage {
                    kind,
                    payload: 6..6 + len,
                }),
            });
        }
        if self.closing == Closing::Done {
            // The connection is over: what still arrives means nothing.
            return Ok(InPlaceInput {
                taken: bytes.len(),
                message: None,
            });
        }
        if !self.read.is_empty() || self.ready != Ready::Nothing {
            let taken = self.handle_input(now, bytes)?;
            return Ok(InPlaceInput {
                taken,
                message: None,
            });
        }
        let had_error = self.error.is_some();
        let mut input = Input::new(bytes);
        self.frame_with_caller = false;
        self.run(&mut input);
        let mut taken = input.front;
        let mut message = None;
        match self.ready {
            Ready::InPlace {
                kind,
                at,
                len,
                consume,
            } => {
                message = Some(InPlaceMessage {
                    kind,
                    payload: taken + at..taken + at + len,
                });
                taken += consume;
                self.ready = Ready::Nothing;
            }
            Ready::Ping { consume, .. }
            | Ready::Pong { consume, .. }
            | Ready::Close { consume, .. } => {
                // The event's offsets count from the front of the read
                // buffer, which is empty here: the frame goes there.
                self.keep(&bytes[taken..taken + consume]);
                taken += consume;
            }
            Ready::Nothing | Ready::Assembled(_) | Ready::Closed => {}
        }
        match self.error {
            Some(e) if !had_error => {
                // After a failure only a frame header or a control frame can
                // be left unfinished: the machine keeps it, and takes all.
                self.keep(&bytes[taken..]);
                Err(e)
            }
            _ => {
                // A frame kept whole until it is complete has its header (and
                // what was unmasked) after `taken`, with the caller.
                self.frame_with_caller = self
                    .frame
                    .is_some_and(|f| matches!(f.mode, Mode::InPlace(_) | Mode::Control));
                Ok(InPlaceInput { taken, message })
            }
        }
    }

    /// Copies `bytes` into the read buffer, after what it holds.
    fn keep(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let fits = self.read.reserve_total(self.read.len() + bytes.len());
        let n = self.read.extend_from(bytes);
        debug_assert!(fits && n == bytes.len());
    }
}
