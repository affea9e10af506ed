//! The application's commands: heads, body, trailers, resets, pushes, credit.

use super::{Core, Role, SHUTDOWN_PING, Shutdown};
use crate::h2::error::UsageError;
use crate::h2::frame;
use crate::h2::headers::{SendFieldError, check_send_field, valid_value};
use crate::h2::priority::Priority;
use crate::h2::registry::ErrorCode;
use crate::h2::stream::stored_fields;
use crate::h2::stream::{
    ClosedHow, StreamEvent, StreamId, StreamState, TransitionError, transition,
};

/// The pseudo-headers of a request the application sends or promises.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestParts<'a> {
    pub method: &'a [u8],
    pub scheme: &'a [u8],
    pub authority: &'a [u8],
    pub path: &'a [u8],
    pub protocol: Option<&'a [u8]>,
}

/// The three digits of a status code.
fn status_digits(status: u16) -> [u8; 3] {
    [
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
    ]
}

impl Core {
    /// Commands are refused once the connection is closing.
    fn usable(&self) -> Result<(), UsageError> {
        if self.closing || self.error.is_some() {
            return Err(UsageError::Closed);
        }
        Ok(())
    }

    /// Copies the application's fields into `self.fields`, checking each
    /// (RFC 9113 section 8.2), so that nothing is encoded unless all are valid:
    /// an aborted block would leave the peer's HPACK table out of step.
    fn take_fields<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<(), UsageError> {
        self.fields.clear();
        for (name, value) in fields {
            let (name, value) = (name.as_ref(), value.as_ref());
            check_send_field(name, value).map_err(|e| match e {
                SendFieldError::Invalid => UsageError::InvalidField,
                SendFieldError::ConnectionSpecific => UsageError::ConnectionSpecificField,
            })?;
            for part in [name, value] {
                self.fields
                    .extend_from_slice(&(part.len() as u32).to_le_bytes());
                self.fields.extend_from_slice(part);
            }
        }
        Ok(())
    }

    /// Encodes `pseudo` then `self.fields` and writes the block as HEADERS (or
    /// PUSH_PROMISE for `promised`) plus CONTINUATION frames no larger than the
    /// peer's SETTINGS_MAX_FRAME_SIZE.
    pub(super) fn write_head_block(
        &mut self,
        stream: StreamId,
        pseudo: &[(&[u8], &[u8])],
        end_stream: bool,
        promised: Option<StreamId>,
    ) {
        self.scratch.clear();
        self.encoder.begin_block(&mut self.scratch);
        for &(name, value) in pseudo {
            self.encoder.encode_field(name, value, &mut self.scratch);
        }
        for (name, value) in stored_fields(&self.fields) {
            self.encoder.encode_field(name, value, &mut self.scratch);
        }
        write_block_frames(
            self.write.vec(),
            &self.scratch,
            stream,
            end_stream,
            promised,
            self.peer.max_frame_size as usize,
        );
    }

    /// A usage transition on a live stream.
    fn advance_local(&mut self, id: StreamId, event: StreamEvent) -> Result<(), UsageError> {
        match self.advance(id, event) {
            Ok(()) => Ok(()),
            Err(TransitionError::Usage(e)) => Err(e),
            Err(TransitionError::Peer(_)) => Err(UsageError::InvalidState),
        }
    }

    /// Checks that `stream` is live and may send a head now.
    fn head_allowed(&self, stream: StreamId) -> Result<(), UsageError> {
        let rec = self.store.get(stream).ok_or(UsageError::UnknownStream)?;
        if rec.head_sent {
            return Err(UsageError::InvalidState);
        }
        transition(rec.state, StreamEvent::SendHeaders, stream)
            .map(|_| ())
            .map_err(|_| UsageError::InvalidState)
    }

    pub(crate) fn send_response<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        status: u16,
        fields: impl IntoIterator<Item = (N, V)>,
        end_stream: bool,
    ) -> Result<(), UsageError> {
        self.usable()?;
        if !(200..=999).contains(&status) {
            return Err(UsageError::InvalidStatus);
        }
        self.head_allowed(stream)?;
        self.take_fields(fields)?;
        let digits = status_digits(status);
        self.write_head_block(stream, &[(b":status", &digits)], end_stream, None);
        self.store.get_mut(stream).expect("checked").head_sent = true;
        self.advance_local(stream, StreamEvent::SendHeaders)?;
        if end_stream {
            self.advance_local(stream, StreamEvent::SendEndStream)?;
        }
        Ok(())
    }

    pub(crate) fn send_informational<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        status: u16,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<(), UsageError> {
        self.usable()?;
        // RFC 9113 section 8.6: 101 does not exist in HTTP/2.
        if !(100..=199).contains(&status) || status == 101 {
            return Err(UsageError::InvalidStatus);
        }
        self.head_allowed(stream)?;
        self.take_fields(fields)?;
        let digits = status_digits(status);
        self.write_head_block(stream, &[(b":status", &digits)], false, None);
        self.advance_local(stream, StreamEvent::SendHeaders)
    }

    /// Checks a request's pseudo-headers and lists them in wire order.
    fn request_pseudo<'a>(
        &self,
        parts: &RequestParts<'a>,
        out: &mut [(&'static [u8], &'a [u8]); 5],
    ) -> Result<usize, UsageError> {
        let RequestParts {
            method,
            scheme,
            authority,
            path,
            protocol,
        } = *parts;
        let token = |b: &[u8]| {
            !b.is_empty()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
        };
        let clean = |b: &[u8]| valid_value(b) && !b.contains(&b' ') || b.is_empty();
        if !token(method) || !clean(scheme) || !clean(authority) || !clean(path) {
            return Err(UsageError::InvalidRequest);
        }
        let connect = method == b"CONNECT";
        let mut n = 0;
        let mut push = |name: &'static [u8], value: &'a [u8]| {
            out[n] = (name, value);
            n += 1;
        };
        push(b":method", method);
        match protocol {
            Some(p) => {
                // RFC 8441 section 4: only on CONNECT, only when the peer allowed it,
                // and with :scheme, :path and :authority.
                if !self.peer.enable_connect_protocol {
                    return Err(UsageError::ExtendedConnectDisabled);
                }
                if !connect
                    || !token(p)
                    || scheme.is_empty()
                    || path.is_empty()
                    || authority.is_empty()
                {
                    return Err(UsageError::InvalidRequest);
                }
                push(b":protocol", p);
                push(b":scheme", scheme);
                push(b":authority", authority);
                push(b":path", path);
            }
            // RFC 9113 section 8.5: CONNECT carries only :method and :authority.
            None if connect => {
                if authority.is_empty() || !scheme.is_empty() || !path.is_empty() {
                    return Err(UsageError::InvalidRequest);
                }
                push(b":authority", authority);
            }
            None => {
                if scheme.is_empty() || path.is_empty() {
                    return Err(UsageError::InvalidRequest);
                }
                push(b":scheme", scheme);
                if !authority.is_empty() {
                    push(b":authority", authority);
                }
                push(b":path", path);
            }
        }
        Ok(n)
    }

    /// Streams we opened (or reserved) that are live.
    fn local_streams(&self) -> usize {
        self.store.count(|r| !self.role.peer_initiates(r.id))
    }

    /// How many streams we may have open: the peer's limit, capped by ours.
    fn local_limit(&self) -> usize {
        let peer = self.peer.max_concurrent_streams.unwrap_or(u32::MAX);
        peer.min(self.config.max_concurrent_streams) as usize
    }

    pub(crate) fn can_open_stream(&self) -> bool {
        self.usable().is_ok()
            && self.goaway_received.is_none()
            && self.shutdown == Shutdown::Running
            && self.next_local.is_some()
            && self.local_streams() < self.local_limit()
    }

    /// Why a new stream cannot be opened now, if it cannot.
    fn open_allowed(&self) -> Result<StreamId, UsageError> {
        self.usable()?;
        if self.goaway_received.is_some() || self.shutdown != Shutdown::Running {
            return Err(UsageError::GoingAway);
        }
        let id = self.next_local.ok_or(UsageError::StreamIdsExhausted)?;
        if self.local_streams() >= self.local_limit() {
            return Err(UsageError::StreamLimit);
        }
        Ok(id)
    }

    pub(crate) fn send_request<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        parts: RequestParts<'_>,
        fields: impl IntoIterator<Item = (N, V)>,
        end_stream: bool,
    ) -> Result<StreamId, UsageError> {
        let id = self.open_allowed()?;
        let mut pseudo = [(&b""[..], &b""[..]); 5];
        let n = self.request_pseudo(&parts, &mut pseudo)?;
        self.take_fields(fields)?;
        self.next_local = id.next();
        self.write_head_block(id, &pseudo[..n], end_stream, None);
        let priority = stored_fields(&self.fields)
            .filter(|(name, _)| *name == b"priority")
            .fold(Priority::default(), |p, (_, v)| p.updated(v));
        let rec = self.insert_stream(id);
        rec.state = StreamState::Open;
        rec.known = true;
        rec.head_sent = true;
        rec.no_body = parts.method == b"HEAD";
        rec.priority = priority;
        if end_stream {
            rec.end_queued = true;
            self.advance_local(id, StreamEvent::SendEndStream)?;
        }
        Ok(id)
    }

    pub(crate) fn push_promise<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        associated: StreamId,
        parts: RequestParts<'_>,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<StreamId, UsageError> {
        self.usable()?;
        // RFC 9113 section 8.4: only when the client allows it, on a stream the
        // client opened that we may still send on.
        let ok = self.role == Role::Server
            && self.peer.enable_push
            && associated.is_client_initiated()
            && self
                .store
                .get(associated)
                .is_some_and(|r| r.state.can_send() && !r.end_queued);
        if !ok {
            return Err(UsageError::PushDisabled);
        }
        let id = self.open_allowed()?;
        // Section 8.4: a promised request is safe and cacheable.
        if !matches!(parts.method, b"GET" | b"HEAD") || parts.protocol.is_some() {
            return Err(UsageError::InvalidRequest);
        }
        let mut pseudo = [(&b""[..], &b""[..]); 5];
        let n = self.request_pseudo(&parts, &mut pseudo)?;
        self.take_fields(fields)?;
        self.next_local = id.next();
        self.write_head_block(associated, &pseudo[..n], false, Some(id));
        let rec = self.insert_stream(id);
        rec.state = StreamState::ReservedLocal;
        rec.known = true;
        rec.final_head_received = true;
        rec.no_body = parts.method == b"HEAD";
        Ok(id)
    }

    pub(crate) fn send_data(
        &mut self,
        stream: StreamId,
        data: &[u8],
        end_stream: bool,
    ) -> Result<usize, UsageError> {
        self.usable()?;
        let limit = self.config.stream_send_buffer;
        let rec = self
            .store
            .get_mut(stream)
            .ok_or(UsageError::UnknownStream)?;
        if !rec.head_sent {
            return Err(UsageError::InvalidState);
        }
        if rec.end_queued || !rec.state.can_send() {
            return Err(UsageError::StreamFinished);
        }
        let n = limit.saturating_sub(rec.buffered()).min(data.len());
        rec.queue(&data[..n]);
        if n == data.len() {
            rec.end_queued = end_stream;
        } else {
            rec.wants_ready = true;
        }
        Ok(n)
    }

    pub(crate) fn send_trailers<N: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        stream: StreamId,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<(), UsageError> {
        self.usable()?;
        let rec = self.store.get(stream).ok_or(UsageError::UnknownStream)?;
        if !rec.head_sent {
            return Err(UsageError::InvalidState);
        }
        if rec.end_queued || !rec.state.can_send() {
            return Err(UsageError::StreamFinished);
        }
        self.take_fields(fields)?;
        let rec = self.store.get_mut(stream).expect("checked");
        rec.trailers.clear();
        rec.trailers.extend_from_slice(&self.fields);
        rec.trailers_queued = true;
        rec.end_queued = true;
        Ok(())
    }

    pub(crate) fn reset_stream(
        &mut self,
        stream: StreamId,
        code: ErrorCode,
    ) -> Result<(), UsageError> {
        self.usable()?;
        if self.store.get(stream).is_none() {
            return Err(UsageError::UnknownStream);
        }
        frame::write_rst_stream(self.write.vec(), stream, code);
        self.drop_stream(stream, ClosedHow::ResetSent);
        Ok(())
    }

    pub(crate) fn release_data(&mut self, stream: StreamId, n: usize) -> Result<(), UsageError> {
        if n == 0 {
            return Ok(());
        }
        match self.store.get_mut(stream) {
            Some(rec) => {
                if n as u64 > rec.recv_window.outstanding() {
                    return Err(UsageError::ReleaseTooLarge);
                }
                let inc = rec.recv_window.release(n);
                // Credit for a stream the peer finished sending on is of no use.
                if let Some(inc) = inc.filter(|_| rec.state.can_recv()) {
                    frame::write_window_update(self.write.vec(), stream, inc);
                }
                self.release_connection(n);
            }
            None => match self.store.closed_how(stream) {
                // Reset streams gave their bytes back when they were dropped.
                Some(ClosedHow::ResetSent | ClosedHow::ResetReceived) => {}
                _ => self.release_connection(n),
            },
        }
        Ok(())
    }

    pub(crate) fn send_capacity(&self, stream: StreamId) -> usize {
        match self.store.get(stream) {
            Some(r) if r.head_sent && !r.end_queued && r.state.can_send() => {
                self.config.stream_send_buffer.saturating_sub(r.buffered())
            }
            _ => 0,
        }
    }

    pub(crate) fn ping(&mut self, opaque: [u8; 8]) -> Result<(), UsageError> {
        self.usable()?;
        frame::write_ping(self.write.vec(), opaque, false);
        Ok(())
    }

    /// Graceful shutdown (RFC 9113 section 6.8). A server first sends a GOAWAY
    /// with the largest identifier and a PING, so requests already in flight
    /// are not lost; the final GOAWAY follows the PING's answer (or its
    /// timeout). A client sends the final GOAWAY at once.
    pub(crate) fn shutdown(&mut self) {
        if self.usable().is_err() || self.shutdown != Shutdown::Running {
            return;
        }
        match self.role {
            Role::Server => {
                frame::write_goaway(self.write.vec(), StreamId::MAX, ErrorCode::NO_ERROR, b"");
                frame::write_ping(self.write.vec(), SHUTDOWN_PING, false);
                self.shutdown = Shutdown::PingSent { deadline: None };
            }
            Role::Client => self.final_goaway(),
        }
    }

    /// The GOAWAY with the real last stream id; the connection closes once
    /// the streams up to it are done.
    pub(super) fn final_goaway(&mut self) {
        let last = self.last_peer_stream;
        self.send_goaway(last, ErrorCode::NO_ERROR);
        self.shutdown = Shutdown::Draining;
    }
}

/// Cuts an encoded field block into HEADERS (or PUSH_PROMISE) and
/// CONTINUATION frames of at most `max_frame` payload bytes.
pub(super) fn write_block_frames(
    out: &mut alloc::vec::Vec<u8>,
    block: &[u8],
    stream: StreamId,
    end_stream: bool,
    promised: Option<StreamId>,
    max_frame: usize,
) {
    let first_room = if promised.is_some() {
        max_frame - 4
    } else {
        max_frame
    };
    let (first, mut rest) = block.split_at(block.len().min(first_room));
    match promised {
        Some(p) => frame::write_push_promise(out, stream, p, first, rest.is_empty(), None),
        None => frame::write_headers(out, stream, first, end_stream, rest.is_empty(), None, None),
    }
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(rest.len().min(max_frame));
        frame::write_continuation(out, stream, chunk, tail.is_empty());
        rest = tail;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h2::frame::{Frame, FrameHeader, parse_frame};
    use alloc::vec::Vec;

    #[test]
    fn blocks_are_cut_at_the_frame_size() {
        let block: Vec<u8> = (0..40u8).collect();
        let mut out = Vec::new();
        write_block_frames(&mut out, &block, StreamId::new(1), true, None, 16);
        let mut rest = &out[..];
        let mut joined = Vec::new();
        let mut kinds = Vec::new();
        while let Some(h) = FrameHeader::parse(rest) {
            let end = 9 + h.length as usize;
            assert!(h.length <= 16);
            match parse_frame(h, &rest[9..end]).unwrap() {
                Frame::Headers(f) => {
                    assert!(f.end_stream && !f.end_headers);
                    joined.extend_from_slice(f.fragment);
                    kinds.push('H');
                }
                Frame::Continuation(f) => {
                    joined.extend_from_slice(f.fragment);
                    kinds.push(if f.end_headers { 'E' } else { 'C' });
                }
                f => panic!("{f:?}"),
            }
            rest = &rest[end..];
        }
        assert_eq!(joined, block);
        assert_eq!(kinds, ['H', 'C', 'E']);
        assert_eq!(status_digits(431), *b"431");
    }
}
