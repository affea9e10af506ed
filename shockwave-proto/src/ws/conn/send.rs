//! The commands: messages, fragments, pings, pongs and the Close frame.
//!
//! Every command checks everything first and then writes, so a refused call
//! (a [`UsageError`]) leaves the connection, the compressor's context and the
//! output queue exactly as they were.

use super::super::close::{self, CloseEvent, Closing};
use super::super::frame::{
    FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, OpCode, encode_header,
};
use super::super::mask::apply_mask;
use super::super::message::MessageKind;
use super::super::utf8::Utf8Validator;
use super::{Conn, Sending, UsageError};

impl Conn {
    /// Sends a text message in one frame (compressed when permessage-deflate
    /// is in use and the message qualifies).
    pub fn send_text(&mut self, text: &str) -> Result<(), UsageError> {
        self.send_validated_text(text.as_bytes())
    }

    /// Sends a text message in one frame, as [`Conn::send_text`] does, from
    /// bytes the caller knows to be UTF-8 without a `&str` to show for it
    /// (a text message this machine received and validated, echoed): they
    /// are not checked again. Invalid bytes would reach the peer, which
    /// fails the connection with 1007.
    pub fn send_validated_text(&mut self, text: &[u8]) -> Result<(), UsageError> {
        if let Some(sent) = self.send_short(MessageKind::Text, text) {
            return sent;
        }
        if self.sending.is_some() {
            return Err(UsageError::FragmentInProgress);
        }
        self.send_checked(MessageKind::Text, text, true, true)
    }

    /// Sends a binary message in one frame.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), UsageError> {
        self.send_message(MessageKind::Binary, data)
    }

    /// Sends a message of either kind in one frame; text must be UTF-8
    /// ([`UsageError::InvalidUtf8`] otherwise). The form for echoing a
    /// received message.
    pub fn send_message(&mut self, kind: MessageKind, data: &[u8]) -> Result<(), UsageError> {
        if kind == MessageKind::Binary
            && let Some(sent) = self.send_short(kind, data)
        {
            return sent;
        }
        if self.sending.is_some() {
            return Err(UsageError::FragmentInProgress);
        }
        self.send(kind, data, true)
    }

    /// Sends a message in one frame whose payload the driver writes itself,
    /// from its own buffer, so that a large message is not copied into the
    /// output queue: only the frame header is queued, and
    /// [`Conn::owed_payload`] says when the payload's turn comes. The checks
    /// are those of [`Conn::send_message`] (text must be UTF-8, the queue
    /// must have room), and the payload must not change until it is written.
    ///
    /// `Ok(false)` (nothing done) where the payload cannot go out as it is:
    /// the client masks it (RFC 6455 section 5.3), permessage-deflate would
    /// compress it, or [`MAX_OWED`](super::MAX_OWED) payloads are owed
    /// already. Send it with [`Conn::send_message`] then.
    pub fn send_message_header(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
    ) -> Result<bool, UsageError> {
        self.check_open()?;
        if self.sending.is_some() {
            return Err(UsageError::FragmentInProgress);
        }
        let compressed = self.deflater.is_some() && payload.len() >= self.config.deflate_min_size;
        if self.masks.is_some() || compressed || self.owed.len() >= super::MAX_OWED {
            return Ok(false);
        }
        if kind == MessageKind::Text {
            let mut utf8 = Utf8Validator::new();
            utf8.feed(payload).map_err(|_| UsageError::InvalidUtf8)?;
            utf8.finish().map_err(|_| UsageError::InvalidUtf8)?;
        }
        self.check_room(payload.len())?;
        self.write_header(true, false, kind.opcode(), None, payload.len());
        if !payload.is_empty() {
            self.owed.push(self.write.len(), payload.len());
        }
        Ok(true)
    }

    /// Sends the next fragment of a message (RFC 6455 section 5.4): the first
    /// call starts a message of `kind`, later calls must give the same kind,
    /// and `fin` ends it. Text fragments may split characters; the text as a
    /// whole must be UTF-8, checked as it goes. Control frames and commands
    /// may come between fragments; other messages may not.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        fin: bool,
    ) -> Result<(), UsageError> {
        self.send(kind, data, fin)
    }

    fn send(&mut self, kind: MessageKind, data: &[u8], fin: bool) -> Result<(), UsageError> {
        self.send_checked(kind, data, fin, false)
    }

    /// `utf8_known`: the data is known to be whole, valid UTF-8 (a `&str` sent
    /// as one frame), so the text check is skipped.
    #[inline]
    fn send_checked(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        fin: bool,
        utf8_known: bool,
    ) -> Result<(), UsageError> {
        self.check_open()?;
        let (first, mut state) = match self.sending {
            Some(s) if s.kind != kind => return Err(UsageError::FragmentInProgress),
            Some(s) => (false, s),
            None => {
                // Any length may be compressed: a message the peer's window
                // cannot hold goes out as stored blocks (see `deflate`).
                let compressed =
                    self.deflater.is_some() && data.len() >= self.config.deflate_min_size;
                (
                    true,
                    Sending {
                        kind,
                        compressed,
                        utf8: Utf8Validator::new(),
                    },
                )
            }
        };
        if kind == MessageKind::Text && !utf8_known {
            state.utf8.feed(data).map_err(|_| UsageError::InvalidUtf8)?;
            if fin {
                state.utf8.finish().map_err(|_| UsageError::InvalidUtf8)?;
            }
        }
        self.check_room(data.len())?;
        let opcode = if first {
            kind.opcode()
        } else {
            OpCode::Continuation
        };
        if state.compressed {
            let mut scratch = core::mem::take(&mut self.scratch);
            scratch.clear();
            if let Some(d) = self.deflater.as_mut() {
                d.compress(data, fin, &mut scratch);
            }
            // RFC 7692 section 6: RSV1 on the first frame of a compressed message only.
            self.write_frame(fin, first, opcode, &scratch);
            self.scratch = scratch;
        } else {
            self.write_frame(fin, false, opcode, data);
        }
        self.sending = (!fin).then_some(state);
        Ok(())
    }

    /// Sends a Ping (at most 125 bytes of payload, RFC 6455 section 5.5).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Sends a Pong: an unsolicited heartbeat, or the answer to a Ping when
    /// `auto_pong` is off (at most 125 bytes).
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.send_control(OpCode::Pong, payload)
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), UsageError> {
        self.check_open()?;
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlPayloadTooLong);
        }
        self.check_room(payload.len())?;
        self.write_frame(true, false, opcode, payload);
        Ok(())
    }

    /// Starts the closing handshake (RFC 6455 section 7.1.2): sends a Close
    /// frame with `code` (valid to send: 1000-1003, 1007-1011, 3000-4999) and
    /// `reason` (at most 123 bytes), then waits for the peer's Close, at most
    /// `close_timeout`. Messages keep arriving meanwhile; none can be sent.
    pub fn close(&mut self, code: u16, reason: &str) -> Result<(), UsageError> {
        self.check_open()?;
        if !close::is_valid(code) {
            return Err(UsageError::InvalidCloseCode);
        }
        if reason.len() > close::MAX_REASON_LEN {
            return Err(UsageError::ControlPayloadTooLong);
        }
        self.flush_pong();
        self.queue_close(code, reason.as_bytes());
        self.closing = self.closing.on(CloseEvent::Send).0;
        // The timer counts from the next `now` the driver gives.
        self.timer_restart = true;
        Ok(())
    }

    fn check_open(&self) -> Result<(), UsageError> {
        if self.closing != Closing::Open {
            return Err(UsageError::Closed);
        }
        Ok(())
    }

    /// Whether a frame of `payload` bytes may be queued: always when nothing
    /// is queued, else while the queue stays under `max_write_buffer`.
    pub(super) fn check_room(&self, payload: usize) -> Result<(), UsageError> {
        let queued = self.queued();
        if queued > 0 && queued + payload + MAX_HEADER_LEN > self.config.max_write_buffer {
            return Err(UsageError::OutputFull);
        }
        Ok(())
    }

    /// Queues a Close frame with `code` and `reason` (cut to fit a control frame).
    pub(super) fn queue_close(&mut self, code: u16, reason: &[u8]) {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        payload[..2].copy_from_slice(&code.to_be_bytes());
        let n = reason.len().min(close::MAX_REASON_LEN);
        payload[2..2 + n].copy_from_slice(&reason[..n]);
        self.queue_close_payload(&payload[..2 + n]);
    }

    /// Queues a Close frame with this payload (empty, or a code and a reason).
    pub(super) fn queue_close_payload(&mut self, payload: &[u8]) {
        self.write_frame(true, false, OpCode::Close, payload);
    }

    /// Appends one frame to the output queue, masked when we are the client.
    pub(super) fn write_frame(&mut self, fin: bool, rsv1: bool, opcode: OpCode, payload: &[u8]) {
        if self.masks.is_none() && payload.len() <= 125 {
            let b0 = (u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode.bits();
            self.write_short_frame(b0, payload);
            return;
        }
        // RFC 6455 section 5.3: a fresh, unpredictable key for every client frame.
        let mask = self.masks.as_mut().map(|m| m.next_mask());
        self.write_header(fin, rsv1, opcode, mask, payload.len());
        let out = self.write.vec();
        let start = out.len();
        out.extend_from_slice(payload);
        if let Some(key) = mask {
            apply_mask(&mut out[start..], key, 0);
        }
    }

    /// Appends a frame header to the output queue.
    fn write_header(
        &mut self,
        fin: bool,
        rsv1: bool,
        opcode: OpCode,
        mask: Option<[u8; 4]>,
        payload_len: usize,
    ) {
        let header = FrameHeader {
            fin,
            rsv1,
            opcode,
            mask,
            payload_len: payload_len as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let n = encode_header(&header, &mut head);
        let out = self.write.vec();
        let at = out.len();
        // A fixed-size copy (no memcpy call), cut to the header's length.
        out.extend_from_slice(&head);
        out.truncate(at + n);
    }
}
