//! Output scheduling: moving queued body bytes and trailers into the output
//! as DATA and HEADERS frames, by RFC 9218 priority and within the peer's
//! flow-control windows and frame size.
//!
//! Control frames and heads go to the output queue the moment they are made;
//! body bytes wait in their stream's buffer and are framed only while the
//! queue holds less than half of `max_write_buffer`, so a more urgent stream
//! that starts sending overtakes a bulk transfer within one frame.

use super::send::write_block_frames;
use super::{Core, Notice, Shutdown};
use crate::h2::frame;
use crate::h2::stream::{StreamEvent, StreamId, stored_fields};

impl Core {
    /// Frames queued body bytes until the output queue is full enough, then
    /// notes which streams have room for more.
    pub(super) fn fill(&mut self) {
        if self.error.is_some() || self.closing {
            return;
        }
        let target = (self.config.max_write_buffer / 2).max(1);
        while self.write.len() < target {
            let Some(id) = self.pick() else {
                break;
            };
            self.write_stream_frame(id);
        }
        // Draining ends when the last stream does; a GOAWAY received likewise.
        if self.store.len() == 0
            && (self.shutdown == Shutdown::Draining || self.goaway_received.is_some())
            && self.pending.is_none()
        {
            self.closing = true;
        }
    }

    /// The stream to serve next: the lowest urgency first; within it,
    /// non-incremental streams in identifier order, then incremental ones
    /// round-robin after the one served last.
    fn pick(&self) -> Option<StreamId> {
        let conn_room = self.conn_send.available();
        let mut best: Option<((u8, u8, u64), StreamId)> = None;
        let mut n = 0;
        while let Some(rec) = self.store.nth(n) {
            n += 1;
            if !rec.has_output() {
                continue;
            }
            // Body bytes need credit; END_STREAM alone or trailers do not.
            let sendable = if rec.buffered() > 0 {
                conn_room > 0 && rec.send_window.available() > 0
            } else {
                true
            };
            if !sendable {
                continue;
            }
            let p = rec.priority;
            let urgency = p.urgency.min(7);
            let id = rec.id.value() as u64;
            let key = if p.incremental {
                let after_last = rec.id > self.rr_last[urgency as usize];
                (urgency, 1, if after_last { id } else { id + (1 << 32) })
            } else {
                (urgency, 0, id)
            };
            if best.is_none_or(|(k, _)| key < k) {
                best = Some((key, rec.id));
            }
        }
        best.map(|(_, id)| id)
    }

    /// Writes one DATA frame (or the trailers) of `id`.
    fn write_stream_frame(&mut self, id: StreamId) {
        let max_frame = self.peer.max_frame_size as usize;
        let conn_room = self.conn_send.available();
        let limit = self.config.stream_send_buffer;
        let out = self.write.vec();
        let rec = self.store.get_mut(id).expect("picked a live stream");
        if rec.priority.incremental {
            self.rr_last[rec.priority.urgency.min(7) as usize] = id;
        }
        let mut ended = false;
        let mut trailers = false;
        if rec.buffered() > 0 {
            let n = rec
                .buffered()
                .min(rec.send_window.available())
                .min(conn_room)
                .min(max_frame);
            let end = rec.end_queued && !rec.trailers_queued && n == rec.buffered();
            frame::write_data(out, id, &rec.pending()[..n], end);
            rec.take(n);
            rec.send_window.consume(n);
            self.conn_send.consume(n);
            ended = end;
        } else if rec.trailers_queued {
            rec.trailers_queued = false;
            trailers = true;
        } else {
            frame::write_data(out, id, b"", true);
            ended = true;
        }
        if rec.wants_ready && !ended && !trailers && rec.buffered() <= limit / 2 {
            rec.wants_ready = false;
            self.notices.push_back((id, Notice::SendReady));
        }
        if trailers {
            self.write_trailers(id);
            ended = true;
        }
        if ended {
            let _ = self.advance(id, StreamEvent::SendEndStream);
        }
    }

    /// Encodes and writes a stream's stored trailers as HEADERS with END_STREAM.
    /// Encoding happens here, not when the application gave them, because the
    /// HPACK table must change in the order blocks go out.
    fn write_trailers(&mut self, id: StreamId) {
        let rec = self.store.get_mut(id).expect("live");
        self.scratch.clear();
        self.encoder.begin_block(&mut self.scratch);
        for (name, value) in stored_fields(&rec.trailers) {
            self.encoder.encode_field(name, value, &mut self.scratch);
        }
        let max = self.peer.max_frame_size as usize;
        write_block_frames(self.write.vec(), &self.scratch, id, true, None, max);
        // The trailers' state change is the HEADERS; END_STREAM follows in `advance`.
        let _ = self.advance(id, StreamEvent::SendHeaders);
    }
}
