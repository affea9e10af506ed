//! Frames received: dispatch by type, stream lookup, and every rule that
//! needs the connection's state (RFC 9113 sections 5, 6 and 8).

use super::{
    Block, BlockKind, Core, KEEPALIVE_PING, Notice, Pending, Role, SHUTDOWN_PING, Shutdown,
};
use crate::h2::error::{Error, ErrorKind};
use crate::h2::frame::{
    self, ContinuationFrame, DataFrame, Frame, FrameHeader, GoawayFrame, HeadersFrame, PingFrame,
    PushPromiseFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame,
};
use crate::h2::headers::{validate_request, validate_response, validate_trailers};
use crate::h2::priority::{Priority, check_dependency};
use crate::h2::registry::{ErrorCode, FrameType, SettingId};
use crate::h2::stream::{
    ClosedHow, StreamEvent, StreamId, StreamState, TransitionError, transition,
};

/// DATA shorter than this without END_STREAM counts as a frame carrying no work.
const TINY_DATA: usize = 16;
/// WINDOW_UPDATE increments below this count against the control budget.
const SMALL_INCREMENT: u32 = 1024;

/// What the store knows about a stream the peer named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lookup {
    Live,
    Idle,
    Closed(Option<ClosedHow>),
}

impl Core {
    /// Handles one whole frame; `Ok(true)` when the pending event it produced
    /// refers to the frame's bytes, which must stay in the read buffer.
    pub(super) fn on_frame(&mut self, header: FrameHeader, payload: &[u8]) -> Result<bool, Error> {
        // RFC 9113 section 6.10: inside a field block only CONTINUATION frames of
        // the same stream may come (connection error of type PROTOCOL_ERROR).
        if let Some(block) = self.block
            && (header.kind != FrameType::CONTINUATION || header.stream != block.stream)
        {
            return Err(Error::connection(ErrorKind::HeaderBlockInterrupted));
        }
        // Section 3.4: the peer's preface ends with a SETTINGS frame.
        if !self.got_peer_settings
            && (header.kind != FrameType::SETTINGS || header.has(frame::flags::ACK))
        {
            return Err(Error::connection(ErrorKind::MissingSettings));
        }
        let frame = match frame::parse_frame(header, payload) {
            Ok(f) => f,
            Err(e) if e.is_connection_error() => return Err(e),
            // Section 5.1: an idle stream may receive only HEADERS and PRIORITY;
            // any other frame is a connection error, and section 6.4 forbids
            // answering an idle stream with RST_STREAM.
            Err(_)
                if header.kind != FrameType::PRIORITY
                    && header.kind != FrameType::HEADERS
                    && self.lookup(header.stream) == Lookup::Idle =>
            {
                return Err(Error::connection(ErrorKind::IdleStream));
            }
            // Section 5.1: frames on a closed stream (after our RST_STREAM, or
            // recently ended) are ignored; a bad one earns no second reset.
            Err(_) if matches!(self.lookup(header.stream), Lookup::Closed(_)) => {
                return Ok(false);
            }
            Err(e) => {
                self.stream_error(e)?;
                return Ok(false);
            }
        };
        match frame {
            Frame::Data(d) => return self.on_data(d, payload),
            Frame::Headers(f) => self.on_headers(f)?,
            Frame::Continuation(f) => self.on_continuation(f)?,
            Frame::PushPromise(f) => self.on_push_promise(f)?,
            Frame::Priority(f) => {
                self.spend_control()?;
                if let Err(e) = check_dependency(f.stream, &f.priority) {
                    self.stream_error(e)?;
                }
            }
            Frame::RstStream(f) => self.on_rst_stream(f)?,
            Frame::Settings(f) => self.on_settings(f)?,
            Frame::Ping(f) => self.on_ping(f)?,
            Frame::Goaway(f) => return self.on_goaway(f),
            Frame::WindowUpdate(f) => self.on_window_update(f)?,
            Frame::PriorityUpdate(f) => {
                // RFC 9218 section 7.1: a client receiving one is a connection error.
                if self.role == Role::Client {
                    return Err(Error::connection(ErrorKind::UnexpectedPriorityUpdate));
                }
                self.spend_control()?;
                if let Some(rec) = self.store.get_mut(f.prioritized) {
                    rec.priority = Priority::parse(f.field_value);
                }
            }
            // Section 5.5: unknown frame types are ignored (but they cost).
            Frame::Unknown { .. } => self.spend_empty()?,
        }
        Ok(false)
    }

    // ----- budgets -----

    fn spend_control(&mut self) -> Result<(), Error> {
        if self
            .budgets
            .control
            .spend(self.now, self.config.flood_window)
        {
            Ok(())
        } else {
            Err(Error::connection(ErrorKind::ControlFrameFlood))
        }
    }

    fn spend_empty(&mut self) -> Result<(), Error> {
        if self.budgets.empty.spend(self.now, self.config.flood_window) {
            Ok(())
        } else {
            Err(Error::connection(ErrorKind::EmptyFrameFlood))
        }
    }

    /// Counts a stream reset: by the peer (Rapid Reset), or one of ours the
    /// peer's frames caused (MadeYouReset), or a refused stream.
    fn spend_reset(&mut self) -> Result<(), Error> {
        if self
            .budgets
            .resets
            .spend(self.now, self.config.flood_window)
        {
            Ok(())
        } else {
            Err(Error::connection(ErrorKind::ResetFlood))
        }
    }

    // ----- streams -----

    pub(super) fn lookup(&self, id: StreamId) -> Lookup {
        if self.store.get(id).is_some() {
            return Lookup::Live;
        }
        let idle = if self.role.peer_initiates(id) {
            id > self.last_peer_stream
        } else {
            self.next_local.is_some_and(|next| id >= next)
        };
        if idle {
            // Section 5.1: after our RST_STREAM the stream is closed, even
            // one that was idle.
            match self.reset_idle.then(|| self.store.closed_how(id)).flatten() {
                Some(how) => Lookup::Closed(Some(how)),
                None => Lookup::Idle,
            }
        } else {
            Lookup::Closed(self.store.closed_how(id))
        }
    }

    /// A stream error (RFC 9113 section 5.4.2): RST_STREAM with its code; the
    /// application hears of it if it knew the stream. Counted against the reset
    /// budget, since the peer chose to cause it. On a stream we reset already
    /// it is nothing: section 5.1, frames after our RST_STREAM are ignored, a
    /// bad one too (no second reset).
    pub(super) fn stream_error(&mut self, e: Error) -> Result<(), Error> {
        let Some(id) = e.stream() else {
            return Err(e);
        };
        match self.lookup(id) {
            Lookup::Closed(Some(ClosedHow::ResetSent)) => return Ok(()),
            // Section 6.4: no RST_STREAM on an idle stream. The peer's idle
            // stream gets one all the same (h2spec 6.3/2 expects it, and
            // `reset_idle` keeps it closed), but one of ours cannot: we would
            // open it later on a stream the peer was told is over, and a peer
            // sees RST_STREAM on a stream idle to it as a connection error
            // (section 5.1). Section 5.4 lets a stream error end the connection.
            Lookup::Idle if !self.role.peer_initiates(id) => return Err(e.to_connection()),
            _ => {}
        }
        frame::write_rst_stream(self.write.vec(), id, e.code());
        if let Some(rec) = self.store.get(id) {
            let known = rec.known;
            self.drop_stream(id, ClosedHow::ResetSent);
            if known {
                self.pending = Some(Pending::Reset {
                    stream: id,
                    code: e.code(),
                    by_peer: false,
                });
            }
        } else if self.store.closed_how(id).is_none() {
            self.reset_idle |= self.lookup(id) == Lookup::Idle;
            self.store.remember(id, ClosedHow::ResetSent);
        }
        self.spend_reset()
    }

    /// Removes a live stream. A reset stream's received-but-unreleased bytes
    /// go back to the connection window now: the application drops them.
    pub(super) fn drop_stream(&mut self, id: StreamId, how: ClosedHow) {
        let Some(rec) = self.store.get(id) else {
            return;
        };
        if how != ClosedHow::Finished {
            let outstanding = rec.recv_window.outstanding() as usize;
            self.release_connection(outstanding);
        }
        self.store.remove(id, how);
    }

    /// Gives `n` bytes of connection credit back per the window-update policy.
    pub(super) fn release_connection(&mut self, n: usize) {
        if let Some(inc) = self.conn_recv.release(n) {
            frame::write_window_update(self.write.vec(), StreamId::ZERO, inc);
        }
    }

    /// Applies a transition to a live stream and removes it once closed.
    pub(super) fn advance(
        &mut self,
        id: StreamId,
        event: StreamEvent,
    ) -> Result<(), TransitionError> {
        let rec = self.store.get_mut(id).expect("advance on a live stream");
        rec.state = transition(rec.state, event, id)?;
        if rec.state == StreamState::Closed {
            self.drop_stream(id, ClosedHow::Finished);
        }
        Ok(())
    }

    /// A peer's transition that must succeed; its errors become stream or
    /// connection errors.
    fn advance_peer(&mut self, id: StreamId, event: StreamEvent) -> Result<bool, Error> {
        match self.advance(id, event) {
            Ok(()) => Ok(true),
            Err(TransitionError::Peer(e)) => self.stream_error(e).map(|()| false),
            Err(TransitionError::Usage(_)) => Err(Error::connection(ErrorKind::StreamClosed)),
        }
    }

    /// A frame other than HEADERS for a closed stream (RFC 9113 section 5.1):
    /// ignored after our RST_STREAM, a connection error after both END_STREAMs,
    /// a stream error otherwise.
    fn on_closed(&mut self, id: StreamId, how: Option<ClosedHow>) -> Result<(), Error> {
        match how {
            Some(ClosedHow::ResetSent) => Ok(()),
            Some(ClosedHow::Finished) => Err(Error::connection(ErrorKind::StreamClosed)),
            Some(ClosedHow::ResetReceived) | None => {
                self.stream_error(Error::stream_error(id, ErrorKind::StreamClosed))
            }
        }
    }

    // ----- DATA -----

    fn on_data(&mut self, d: DataFrame<'_>, payload: &[u8]) -> Result<bool, Error> {
        let id = d.stream;
        let flow = d.flow_controlled_len();
        // RFC 9113 section 6.9.1: DATA beyond the connection window is a
        // connection error of type FLOW_CONTROL_ERROR.
        if self.conn_recv.receive(flow).is_err() {
            return Err(Error::connection(ErrorKind::FlowControlViolation));
        }
        if !d.end_stream && d.data.len() < TINY_DATA {
            self.spend_empty()?;
        }
        match self.lookup(id) {
            // Section 6.1 / 5.1: DATA on an idle stream is a PROTOCOL_ERROR.
            Lookup::Idle => return Err(Error::connection(ErrorKind::IdleStream)),
            Lookup::Closed(how) => {
                self.release_connection(flow);
                self.on_closed(id, how)?;
                return Ok(false);
            }
            Lookup::Live => {}
        }
        let state = self.store.get(id).expect("live").state;
        if let Err(e) = transition(state, StreamEvent::RecvData, id) {
            self.release_connection(flow);
            match e {
                TransitionError::Peer(e) if e.is_connection_error() => return Err(e),
                TransitionError::Peer(e) => self.stream_error(e)?,
                TransitionError::Usage(_) => {
                    return Err(Error::connection(ErrorKind::StreamClosed));
                }
            }
            return Ok(false);
        }
        // Section 8.1: a response is HEADERS (1xx heads, then the final head)
        // before any DATA; DATA first makes it malformed.
        if !self.store.get(id).expect("live").final_head_received {
            self.release_connection(flow);
            self.stream_error(Error::stream_error(id, ErrorKind::DataBeforeHeaders))?;
            return Ok(false);
        }
        let rec = self.store.get_mut(id).expect("live");
        // Section 6.9.1: beyond the stream window, a FLOW_CONTROL_ERROR stream error.
        if rec.recv_window.receive(flow).is_err() {
            self.release_connection(flow);
            self.stream_error(Error::stream_error(id, ErrorKind::FlowControlViolation))?;
            return Ok(false);
        }
        rec.received += d.data.len() as u64;
        // Section 8.1.1: more DATA than content-length, or less at the end, is malformed.
        let mismatch = match rec.content_length {
            _ if rec.no_body => false,
            Some(cl) => rec.received > cl || (d.end_stream && rec.received != cl),
            None => false,
        };
        // Padding never reaches the application: its credit returns at once.
        let padding = flow - d.data.len();
        if padding > 0 {
            if let Some(inc) = rec.recv_window.release(padding).filter(|_| !d.end_stream) {
                frame::write_window_update(self.write.vec(), id, inc);
            }
            self.release_connection(padding);
        }
        if mismatch {
            self.stream_error(Error::stream_error(id, ErrorKind::ContentLengthMismatch))?;
            return Ok(false);
        }
        if d.end_stream && !self.advance_peer(id, StreamEvent::RecvEndStream)? {
            return Ok(false);
        }
        if d.data.is_empty() && !d.end_stream {
            return Ok(false);
        }
        let at = frame::FRAME_HEADER_LEN + (d.data.as_ptr() as usize - payload.as_ptr() as usize);
        self.pending = Some(Pending::Data {
            stream: id,
            at,
            len: d.data.len(),
            end_stream: d.end_stream,
        });
        Ok(true)
    }

    // ----- field blocks -----

    fn on_headers(&mut self, f: HeadersFrame<'_>) -> Result<(), Error> {
        if f.fragment.is_empty() && !f.end_headers {
            self.spend_empty()?;
        }
        let deferred = f
            .priority
            .and_then(|p| check_dependency(f.stream, &p).err());
        let kind = BlockKind::Headers {
            end_stream: f.end_stream,
            deferred,
        };
        if f.end_headers {
            self.decode(f.fragment)?;
            return self.on_block(f.stream, kind);
        }
        self.start_block(f.stream, kind, f.fragment)
    }

    fn on_push_promise(&mut self, f: PushPromiseFrame<'_>) -> Result<(), Error> {
        // RFC 9113 section 8.4: a client MUST NOT push; section 6.6: a server MUST
        // NOT push when we disabled it (both connection errors, PROTOCOL_ERROR).
        if self.role == Role::Server || !self.local.enable_push {
            return Err(Error::connection(ErrorKind::PushNotAllowed));
        }
        let kind = BlockKind::PushPromise {
            promised: f.promised,
        };
        if f.end_headers {
            self.decode(f.fragment)?;
            return self.on_block(f.stream, kind);
        }
        self.start_block(f.stream, kind, f.fragment)
    }

    fn start_block(
        &mut self,
        stream: StreamId,
        kind: BlockKind,
        fragment: &[u8],
    ) -> Result<(), Error> {
        self.block_buf.clear();
        self.append_block(fragment)?;
        self.block = Some(Block {
            stream,
            kind,
            continuations: 0,
        });
        Ok(())
    }

    fn append_block(&mut self, fragment: &[u8]) -> Result<(), Error> {
        if self.block_buf.len() + fragment.len() > self.config.max_header_block_size {
            return Err(Error::connection(ErrorKind::HeaderBlockTooLarge));
        }
        self.block_buf.extend_from_slice(fragment);
        Ok(())
    }

    fn on_continuation(&mut self, f: ContinuationFrame<'_>) -> Result<(), Error> {
        // Section 6.10: a CONTINUATION without a block in progress is a PROTOCOL_ERROR.
        let Some(mut block) = self.block else {
            return Err(Error::connection(ErrorKind::UnexpectedContinuation));
        };
        if f.fragment.is_empty() && !f.end_headers {
            self.spend_empty()?;
        }
        block.continuations += 1;
        if block.continuations > self.config.max_continuation_frames {
            return Err(Error::connection(ErrorKind::TooManyContinuations));
        }
        self.append_block(f.fragment)?;
        if !f.end_headers {
            self.block = Some(block);
            return Ok(());
        }
        self.block = None;
        let buf = core::mem::take(&mut self.block_buf);
        let decoded = self.decode(&buf);
        self.block_buf = buf;
        decoded?;
        self.on_block(block.stream, block.kind)
    }

    /// HPACK-decodes a whole field block into the header list. RFC 9113
    /// section 4.3: a decoding error is a connection error of type COMPRESSION_ERROR.
    fn decode(&mut self, block: &[u8]) -> Result<(), Error> {
        self.decoder
            .decode(block, &mut self.list)
            .map_err(|_| Error::connection(ErrorKind::Compression))
    }

    /// A decoded field block, dispatched by what it opens or continues.
    fn on_block(&mut self, id: StreamId, kind: BlockKind) -> Result<(), Error> {
        match kind {
            BlockKind::PushPromise { promised } => self.on_promise_block(id, promised),
            BlockKind::Headers {
                end_stream,
                deferred,
            } => {
                let lookup = self.lookup(id);
                if let Some(e) = deferred {
                    if lookup == Lookup::Idle && self.role.peer_initiates(id) {
                        self.last_peer_stream = id;
                    }
                    return self.stream_error(e);
                }
                match lookup {
                    Lookup::Idle => self.on_new_stream(id, end_stream),
                    Lookup::Live => self.on_more_headers(id, end_stream),
                    // Section 5.1.1: a peer stream id not above the last one it opened
                    // that we never saw is a connection error of type PROTOCOL_ERROR.
                    Lookup::Closed(None) if self.role.peer_initiates(id) => {
                        Err(Error::connection(ErrorKind::InvalidStreamId))
                    }
                    Lookup::Closed(how) => self.on_closed(id, how),
                }
            }
        }
    }

    /// HEADERS opening a stream (server: a request).
    fn on_new_stream(&mut self, id: StreamId, end_stream: bool) -> Result<(), Error> {
        // Section 5.1.1: a client opens odd streams; a server opens streams only
        // by PUSH_PROMISE, so HEADERS on an idle stream from a server is an error.
        if self.role == Role::Client || !id.is_client_initiated() {
            return Err(Error::connection(ErrorKind::InvalidStreamId));
        }
        self.last_peer_stream = id;
        // Section 6.8: after our final GOAWAY, newer streams are ignored (and
        // frames that follow on them, as after a reset of ours).
        if self.goaway_sent.is_some_and(|last| id > last) {
            self.store.remember(id, ClosedHow::ResetSent);
            return Ok(());
        }
        // Section 5.1.2: past SETTINGS_MAX_CONCURRENT_STREAMS, REFUSED_STREAM.
        let active = self
            .store
            .count(|r| self.role.peer_initiates(r.id) && r.state.is_active());
        if active >= self.config.max_concurrent_streams as usize {
            return self.stream_error(Error::stream_error(id, ErrorKind::RefusedStream));
        }
        if self.list.exceeded() {
            return self.refuse_large_request(id, end_stream);
        }
        let info = match validate_request(&self.list, id, self.local.enable_connect_protocol) {
            Ok(info) => info,
            Err(e) => return self.stream_error(e),
        };
        // Section 8.1.1: a request that ends with its head but announced a body is malformed.
        if end_stream && info.content_length.is_some_and(|n| n > 0) {
            return self.stream_error(Error::stream_error(id, ErrorKind::ContentLengthMismatch));
        }
        let rec = self.insert_stream(id);
        rec.state = StreamState::Open;
        rec.known = true;
        rec.final_head_received = true;
        rec.content_length = info.content_length;
        rec.priority = info.priority;
        if end_stream {
            self.advance_peer(id, StreamEvent::RecvEndStream)?;
        }
        self.pending = Some(Pending::Request {
            stream: id,
            info,
            end_stream,
        });
        // Section 5.1.1: identifiers cannot be reused; near the end, wind down.
        if id.value() >= crate::h2::StreamId::MAX.value() - 1 && self.shutdown == Shutdown::Running
        {
            self.shutdown = Shutdown::Draining;
            self.send_goaway(id, ErrorCode::NO_ERROR);
        }
        Ok(())
    }

    /// A new live stream with the windows streams start with now (send: the
    /// peer's initial window; receive: ours as the peer may be using it). The
    /// connection is no longer idle.
    pub(super) fn insert_stream(&mut self, id: StreamId) -> &mut crate::h2::stream::StreamRecord {
        self.idle_since = None;
        let (send, init, target) = (
            self.peer.initial_window_size,
            self.local_initial_window,
            self.config.initial_window_size,
        );
        self.store.insert(id, send, init, target)
    }

    /// RFC 9113 section 10.5.1: a request head over our SETTINGS_MAX_HEADER_LIST_SIZE
    /// gets a 431 response; the rest of the request is refused with RST_STREAM.
    fn refuse_large_request(&mut self, id: StreamId, end_stream: bool) -> Result<(), Error> {
        self.fields.clear();
        self.write_head_block(id, &[(b":status", b"431")], true, None);
        if !end_stream {
            frame::write_rst_stream(self.write.vec(), id, ErrorCode::NO_ERROR);
        }
        self.store.remember(id, ClosedHow::ResetSent);
        self.spend_reset()
    }

    /// HEADERS on a live stream: a response (client), informational, trailers.
    fn on_more_headers(&mut self, id: StreamId, end_stream: bool) -> Result<(), Error> {
        if !self.advance_peer(id, StreamEvent::RecvHeaders)? {
            return Ok(());
        }
        let rec = self.store.get(id).expect("live");
        let (final_head, no_body, content_length, received) = (
            rec.final_head_received,
            rec.no_body,
            rec.content_length,
            rec.received,
        );
        if self.list.exceeded() {
            return self.stream_error(Error::stream_error(id, ErrorKind::HeaderListTooLarge));
        }
        if final_head {
            // Section 8.1: trailers MUST end the stream.
            if !end_stream {
                return self.stream_error(Error::stream_error(id, ErrorKind::UnexpectedHeaders));
            }
            if let Err(e) = validate_trailers(&self.list, id) {
                return self.stream_error(e);
            }
            if !no_body && content_length.is_some_and(|cl| cl != received) {
                return self
                    .stream_error(Error::stream_error(id, ErrorKind::ContentLengthMismatch));
            }
            if self.advance_peer(id, StreamEvent::RecvEndStream)? {
                self.pending = Some(Pending::Trailers { stream: id });
            }
            return Ok(());
        }
        // A client's response head (section 8.1).
        let info = match validate_response(&self.list, id) {
            Ok(info) => info,
            Err(e) => return self.stream_error(e),
        };
        if info.status < 200 {
            // Section 8.1: an informational response with END_STREAM is malformed.
            if end_stream {
                return self.stream_error(Error::stream_error(id, ErrorKind::UnexpectedHeaders));
            }
            self.pending = Some(Pending::Informational { stream: id, info });
            return Ok(());
        }
        let rec = self.store.get_mut(id).expect("live");
        rec.final_head_received = true;
        rec.content_length = info.content_length;
        rec.no_body |= info.status == 204 || info.status == 304;
        if end_stream && !rec.no_body && info.content_length.is_some_and(|n| n > 0) {
            return self.stream_error(Error::stream_error(id, ErrorKind::ContentLengthMismatch));
        }
        if end_stream && !self.advance_peer(id, StreamEvent::RecvEndStream)? {
            return Ok(());
        }
        self.pending = Some(Pending::Response {
            stream: id,
            info,
            end_stream,
        });
        Ok(())
    }

    /// A decoded PUSH_PROMISE block (client).
    fn on_promise_block(&mut self, associated: StreamId, promised: StreamId) -> Result<(), Error> {
        // Section 6.6: the associated stream must be open or half-closed (local)
        // for us, else a connection error of type PROTOCOL_ERROR.
        let usable = self
            .store
            .get(associated)
            .is_some_and(|r| r.state.can_recv() && associated.is_client_initiated());
        if !usable {
            return Err(Error::connection(ErrorKind::PushNotAllowed));
        }
        // Section 5.1.1 / 6.6: the promised stream must be a new server stream.
        if !promised.is_server_initiated() || promised <= self.last_peer_stream {
            return Err(Error::connection(ErrorKind::InvalidStreamId));
        }
        self.last_peer_stream = promised;
        // Section 6.8: after our final GOAWAY, newer streams are ignored (and
        // frames that follow on them, as after a reset of ours).
        if self.goaway_sent.is_some_and(|last| promised > last) {
            self.store.remember(promised, ClosedHow::ResetSent);
            return Ok(());
        }
        let reserved = self.store.count(|r| r.id.is_server_initiated());
        if reserved >= self.config.max_concurrent_streams as usize {
            return self.stream_error(Error::stream_error(promised, ErrorKind::RefusedStream));
        }
        if self.list.exceeded() {
            return self.stream_error(Error::stream_error(promised, ErrorKind::HeaderListTooLarge));
        }
        let info = match validate_request(&self.list, promised, false) {
            Ok(info) => info,
            Err(e) => return self.stream_error(e),
        };
        // Section 8.4: promised requests are safe, cacheable and without content.
        let method_ok = {
            let head = crate::h2::headers::RequestHead::new(&self.list, info);
            matches!(head.method(), b"GET" | b"HEAD")
        };
        if !method_ok || info.content_length.is_some_and(|n| n > 0) {
            return self.stream_error(Error::stream_error(promised, ErrorKind::InvalidPushRequest));
        }
        let rec = self.insert_stream(promised);
        rec.state = transition(StreamState::Idle, StreamEvent::RecvPushPromise, promised)
            .map_err(|_| Error::connection(ErrorKind::InvalidStreamId))?;
        rec.known = true;
        rec.no_body = info.is_head;
        rec.head_sent = true;
        self.pending = Some(Pending::Push {
            associated,
            promised,
            info,
        });
        Ok(())
    }

    // ----- control frames -----

    fn on_rst_stream(&mut self, f: RstStreamFrame) -> Result<(), Error> {
        match self.lookup(f.stream) {
            // Section 6.4: RST_STREAM on an idle stream is a PROTOCOL_ERROR.
            Lookup::Idle => Err(Error::connection(ErrorKind::IdleStream)),
            Lookup::Closed(_) => self.spend_reset(),
            Lookup::Live => {
                let known = self.store.get(f.stream).is_some_and(|r| r.known);
                self.drop_stream(f.stream, ClosedHow::ResetReceived);
                if known {
                    self.pending = Some(Pending::Reset {
                        stream: f.stream,
                        code: f.code,
                        by_peer: true,
                    });
                }
                self.spend_reset()
            }
        }
    }

    fn on_settings(&mut self, f: SettingsFrame<'_>) -> Result<(), Error> {
        if f.ack {
            self.on_settings_ack();
            return Ok(());
        }
        if self.got_peer_settings {
            self.spend_control()?;
        }
        // Section 6.5.2: a client MUST treat SETTINGS_ENABLE_PUSH = 1 from a server
        // as a PROTOCOL_ERROR.
        if self.role == Role::Client
            && f.iter()
                .any(|(id, v)| id == SettingId::ENABLE_PUSH && v != 0)
        {
            return Err(Error::connection(ErrorKind::InvalidSetting));
        }
        let old = self.peer;
        self.peer.apply_frame(&f)?;
        // Section 6.9.2: a new initial window moves every stream's send window by
        // the difference; past 2^31-1 is a FLOW_CONTROL_ERROR.
        let delta = self.peer.initial_window_size as i64 - old.initial_window_size as i64;
        if delta != 0 {
            self.store
                .try_for_each_mut(|r| r.send_window.adjust(delta))
                .map_err(|_| Error::connection(ErrorKind::WindowOverflow))?;
        }
        if self.peer.header_table_size != old.header_table_size {
            self.encoder
                .set_max_table_size(self.peer.header_table_size as usize);
        }
        // Section 6.5.3: acknowledge once applied.
        frame::write_settings_ack(self.write.vec());
        let first = !self.got_peer_settings;
        self.got_peer_settings = true;
        if self.role == Role::Client
            && (first || old.enable_connect_protocol != self.peer.enable_connect_protocol)
        {
            self.pending = Some(Pending::Settings);
        }
        Ok(())
    }

    fn on_settings_ack(&mut self) {
        if self.settings_unacked == 0 {
            return;
        }
        self.settings_unacked -= 1;
        if self.settings_unacked > 0 {
            return;
        }
        self.settings_deadline = None;
        // Section 6.9.2: our initial window now applies to every stream.
        let delta = self.config.initial_window_size as i64 - self.local_initial_window as i64;
        if delta != 0 {
            let _ = self.store.try_for_each_mut(|r| {
                r.recv_window.adjust(delta);
                Ok::<(), ()>(())
            });
            self.local_initial_window = self.config.initial_window_size;
        }
        self.decoder
            .set_max_table_size(self.config.header_table_size as usize);
    }

    fn on_ping(&mut self, f: PingFrame) -> Result<(), Error> {
        if f.ack {
            match f.opaque {
                SHUTDOWN_PING if matches!(self.shutdown, Shutdown::PingSent { .. }) => {
                    self.final_goaway();
                }
                KEEPALIVE_PING => self.keepalive_deadline = None,
                opaque => self.pending = Some(Pending::PingAck(opaque)),
            }
            return Ok(());
        }
        self.spend_control()?;
        // Section 6.7: answer with the same payload and ACK set.
        frame::write_ping(self.write.vec(), f.opaque, true);
        Ok(())
    }

    fn on_goaway(&mut self, f: GoawayFrame<'_>) -> Result<bool, Error> {
        // Section 6.8: the last stream id may only go down.
        let last = self
            .goaway_received
            .map_or(f.last_stream_id, |prev| prev.min(f.last_stream_id));
        self.goaway_received = Some(last);
        // Streams we opened above it were not processed: tell the application,
        // which may retry them elsewhere.
        let mut n = 0;
        while let Some(rec) = self.store.nth(n) {
            let id = rec.id;
            if !self.role.peer_initiates(id) && id > last {
                let known = rec.known;
                self.drop_stream(id, ClosedHow::ResetReceived);
                if known {
                    self.notices.push_back((id, Notice::Refused));
                }
            } else {
                n += 1;
            }
        }
        // The debug data follows the 8 fixed bytes of the payload.
        let at = frame::FRAME_HEADER_LEN + 8;
        self.pending = Some(Pending::Goaway {
            last: f.last_stream_id,
            code: f.code,
            at,
            len: f.debug_data.len(),
        });
        Ok(true)
    }

    fn on_window_update(&mut self, f: WindowUpdateFrame) -> Result<(), Error> {
        if f.increment < SMALL_INCREMENT {
            self.spend_control()?;
        }
        if f.stream.is_zero() {
            // Section 6.9.1: past 2^31-1 is a FLOW_CONTROL_ERROR connection error.
            return self
                .conn_send
                .increase(f.increment)
                .map_err(|_| Error::connection(ErrorKind::WindowOverflow));
        }
        match self.lookup(f.stream) {
            // Section 5.1 idle: only HEADERS and PRIORITY.
            Lookup::Idle => Err(Error::connection(ErrorKind::IdleStream)),
            Lookup::Closed(_) => Ok(()),
            Lookup::Live => {
                let rec = self.store.get_mut(f.stream).expect("live");
                if rec.send_window.increase(f.increment).is_err() {
                    return self
                        .stream_error(Error::stream_error(f.stream, ErrorKind::WindowOverflow));
                }
                Ok(())
            }
        }
    }
}
