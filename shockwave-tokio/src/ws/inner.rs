//! The driver of one WebSocket connection: the machine, the stream, and the
//! rules that tie them (read only while the output has room, write what the
//! machine queued whoever polls, the close timer, the end of the stream).
//!
//! Both halves of a split socket poll the same [`Inner`]. The stream is
//! polled with one waker that wakes both halves ([`Wakers`]), so readiness
//! that one half registered is never lost to the other: a Pong queued by the
//! reading half and stuck on a full socket wakes the reader when the socket
//! drains, even if the writing half polled last.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use bytes::{Buf, Bytes, BytesMut};
use shockwave_proto::Instant;
use shockwave_proto::ws::{
    Conn, Event, InPlaceInput, InPlaceMessage, MessageKind, OutputPart, UsageError,
};
use tokio::io::AsyncReadExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::outbox::{HAND_OVER_MIN, hand_over, send_to};
use super::{CloseFrame, Error, Message, MessageRef, Outbox, Utf8Bytes, Utf8Ref};
use crate::time::{now, to_tokio};

/// The socket is read into the connection's own buffer, and a message that
/// is one uncompressed frame is split out of it as it lies there (no copy:
/// `Conn::handle_input_in_place`). A read asks for at least this much room;
/// the room doubles, up to `READ_MAX`, while reads fill all of it.
const READ_MIN: usize = 4 * 1024;
const READ_MAX: usize = 64 * 1024;

/// Messages longer than this are copied into a buffer of their own; shorter
/// ones into the thread's receive buffer.
const REUSE_LIMIT: usize = 64 * 1024;

thread_local! {
    /// What the machine reassembled (fragmented or compressed messages) and
    /// control frames are copied into this buffer, one per thread rather
    /// than per connection: a message dropped before the next one arrives
    /// (on any connection of the thread) costs no allocation, and the next
    /// copy writes to memory still in the cache.
    static INCOMING: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// The most slices one vectored write gathers (queued bytes and payloads).
const GATHER: usize = 32;

/// An event the machine hands out from its own buffers, as a message: the
/// payload is copied.
fn copied(event: Event<'_>) -> Message {
    let copy = |payload: &[u8]| -> Bytes {
        if payload.len() > REUSE_LIMIT {
            return Bytes::copy_from_slice(payload);
        }
        INCOMING.with_borrow_mut(|incoming| {
            incoming.extend_from_slice(payload);
            incoming.split().freeze()
        })
    };
    match event {
        Event::MessageReceived {
            kind: MessageKind::Text,
            payload,
        } => Message::Text(Utf8Bytes::validated(copy(payload))),
        Event::MessageReceived { payload, .. } => Message::Binary(copy(payload)),
        Event::PingReceived(p) => Message::Ping(copy(p)),
        Event::PongReceived(p) => Message::Pong(copy(p)),
        Event::CloseReceived { code, reason } => {
            let reason = Utf8Bytes::validated(copy(reason));
            Message::Close(code.map(|code| CloseFrame { code, reason }))
        }
        // Not a message: `next_event` stops before it.
        Event::Closed => Message::Close(None),
    }
}

/// A message lying in the read buffer, lent.
fn lent(kind: MessageKind, payload: &[u8]) -> MessageRef<'_> {
    match kind {
        MessageKind::Text => MessageRef::Text(Utf8Ref::validated(payload)),
        MessageKind::Binary => MessageRef::Binary(payload),
    }
}

/// Where the connection stands, beyond what the machine knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The machine is running.
    Open,
    /// The machine is closed; a client waits for the server to close the TCP
    /// connection first (RFC 6455 section 7.1.1), until this deadline.
    Lingering(tokio::time::Instant),
    /// Shutting down our sending side.
    ShuttingDown,
    /// Over: the stream ends, sends fail.
    Done,
}

/// The tasks polling the two halves: one waker for the stream wakes both.
#[derive(Debug, Default)]
pub(crate) struct Wakers {
    read: Mutex<Option<Waker>>,
    write: Mutex<Option<Waker>>,
}

impl Wakers {
    fn set(slot: &Mutex<Option<Waker>>, waker: &Waker) {
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let take =
            |slot: &Mutex<Option<Waker>>| slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        let (read, write) = (take(&self.read), take(&self.write));
        match (read, write) {
            // One task polls both halves (not split): wake it once.
            (Some(r), Some(w)) if r.will_wake(&w) => r.wake(),
            (r, w) => {
                if let Some(r) = r {
                    r.wake();
                }
                if let Some(w) = w {
                    w.wake();
                }
            }
        }
    }
}

/// Why a message could not be queued.
enum Refused {
    /// The output queue is full: keep the message until it drained.
    Full(Message),
    Failed(Error),
}

/// One connection's driver state.
pub(crate) struct Inner<S> {
    io: S,
    conn: Conn,
    client: bool,
    protocol: Option<String>,
    /// What was read from the socket (first the handshake's leftover) and
    /// not taken by the machine yet: at most an unfinished frame and the
    /// read that brought it. Messages are split from its front.
    incoming: BytesMut,
    /// The room the next read asks for.
    read_size: usize,
    /// When the bytes in `incoming` arrived.
    read_at: Instant,
    wakers: Arc<Wakers>,
    proxy: Waker,
    /// A message the machine could not take yet (at most one).
    pending: Option<Message>,
    /// The payloads the machine owes the peer after their frame headers
    /// (`Conn::send_message_header`), in order, written from here.
    owed: VecDeque<Bytes>,
    timer: Option<Pin<Box<Sleep>>>,
    phase: Phase,
    /// A peer error to hand to the stream once.
    report: Option<Error>,
    /// The sink's close queued our Close frame.
    close_queued: bool,
    /// Resolves when the server begins a graceful shutdown: we then close
    /// with 1001 (going away, RFC 6455 section 7.4.1).
    going_away: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<S> std::fmt::Debug for Inner<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("conn", &self.conn)
            .field("client", &self.client)
            .field("protocol", &self.protocol)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl<S> Inner<S> {
    pub(crate) fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    pub(crate) fn conn(&self) -> &Conn {
        &self.conn
    }

    pub(crate) fn io(&self) -> &S {
        &self.io
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Inner<S> {
    pub(crate) fn new(
        io: S,
        conn: Conn,
        client: bool,
        protocol: Option<String>,
        preread: Bytes,
    ) -> Self {
        let wakers = Arc::new(Wakers::default());
        let proxy = Waker::from(wakers.clone());
        let mut incoming = BytesMut::with_capacity(READ_MIN.max(preread.len()));
        incoming.extend_from_slice(&preread);
        Inner {
            io,
            conn,
            client,
            protocol,
            incoming,
            read_size: READ_MIN,
            read_at: now(),
            wakers,
            proxy,
            pending: None,
            owed: VecDeque::new(),
            timer: None,
            phase: Phase::Open,
            report: None,
            close_queued: false,
            going_away: None,
        }
    }

    /// Closes with 1001 once `signal` resolves (the server shutting down).
    pub(crate) fn close_when(&mut self, signal: impl Future<Output = ()> + Send + 'static) {
        self.going_away = Some(Box::pin(signal));
    }

    /// Polls the shutdown signal; true when it fired now and our Close was queued.
    fn poll_going_away(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(signal) = self.going_away.as_mut() else {
            return false;
        };
        if signal.as_mut().poll(cx).is_pending() {
            return false;
        }
        self.going_away = None;
        // Refused only when a Close is already on its way: nothing to add then.
        self.conn.close(1001, "server shutting down").is_ok()
    }

    /// Bytes queued for the peer and not yet written (the machine's output
    /// queue plus a message waiting for room in it).
    pub(crate) fn buffered_amount(&mut self) -> usize {
        self.queued() + self.pending.as_ref().map_or(0, |m| m.as_payload().len())
    }

    fn queued(&self) -> usize {
        self.conn.queued()
    }

    fn limit(&self) -> usize {
        self.conn.config().max_write_buffer
    }

    // ----- the stream half -----

    /// The next message. Drives the connection: reads, writes what is queued,
    /// runs the close timer, ends the stream once the connection is over.
    pub(crate) fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        self.poll_take(cx, |inner| {
            let message = inner.next_event()?;
            let answer = matches!(message, Message::Ping(_) | Message::Close(_));
            Some((message, answer))
        })
    }

    /// Hands every message buffered to `f`, borrowed, with the output to
    /// reply; ready with how many (at least one). Drives the connection as
    /// `poll_recv` does.
    pub(crate) fn poll_recv_each<F>(
        &mut self,
        cx: &mut Context<'_>,
        f: &mut F,
    ) -> Poll<Option<Result<usize, Error>>>
    where
        F: FnMut(MessageRef<'_>, &mut Outbox<'_>),
    {
        self.poll_take(cx, |inner| inner.each_event(f))
    }

    /// Drives the connection until `take` finds something to hand out
    /// (with whether it needs an answer written now: a Ping or a Close).
    fn poll_take<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut take: impl FnMut(&mut Self) -> Option<(T, bool)>,
    ) -> Poll<Option<Result<T, Error>>> {
        // A message already buffered goes out first, and needs no waker
        // unless its answer is written (nothing else here can be pending).
        if self.phase == Phase::Open
            && self.report.is_none()
            && let Some((taken, answer)) = take(self)
        {
            if answer {
                Wakers::set(&self.wakers.read, cx.waker());
                let proxy = self.proxy.clone();
                self.answer(&mut Context::from_waker(&proxy));
            }
            return Poll::Ready(Some(Ok(taken)));
        }
        Wakers::set(&self.wakers.read, cx.waker());
        let proxy = self.proxy.clone();
        let cx = &mut Context::from_waker(&proxy);
        loop {
            if let Some(e) = self.report.take() {
                return Poll::Ready(Some(Err(e)));
            }
            if self.phase == Phase::Open {
                if let Some((taken, answer)) = take(self) {
                    if answer {
                        self.answer(cx);
                    }
                    return Poll::Ready(Some(Ok(taken)));
                }
                if self.report.is_some() {
                    continue;
                }
            } else {
                return self.poll_finish(cx).map(|()| None);
            }
            let written = match self.poll_write_out(cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(self.broken(e)))),
                Poll::Ready(Ok(())) => true,
                Poll::Pending => false,
            };
            if written && self.conn.is_closed() {
                self.phase = if self.client {
                    Phase::Lingering(to_tokio(now()) + self.conn.config().close_timeout)
                } else {
                    Phase::ShuttingDown
                };
                continue;
            }
            if self.poll_timer(cx) {
                continue;
            }
            // Backpressure: no reading ahead while the peer does not take our output.
            let read = if !written && (self.pending.is_some() || self.queued() >= self.limit()) {
                Poll::Pending
            } else {
                self.poll_read_in(cx)
            };
            match read {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(self.broken(e)))),
                // About to sleep: a graceful shutdown begun meanwhile queues
                // our 1001 first. (Polled only here: its registration holds
                // between polls, so the shutdown still wakes the task.)
                Poll::Pending if self.poll_going_away(cx) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Writes the Pong or Close answer to what was just received now, not
    /// with whatever the application polls next.
    fn answer(&mut self, cx: &mut Context<'_>) {
        if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
            self.report = Some(self.broken(e));
        }
    }

    /// The next event as a message; `None` when there is none (or it was the
    /// last, `Closed`: the end shows in `is_closed`). A message that is one
    /// uncompressed frame is split from `incoming` without a copy; what the
    /// machine hands out from its own buffers is copied.
    fn next_event(&mut self) -> Option<Message> {
        loop {
            match self.conn.poll_event() {
                Some(Event::Closed) => return None,
                Some(event) => return Some(copied(event)),
                None => {}
            }
            let (taken, m) = self.step_in_place(0)?;
            let Some(m) = m else {
                self.incoming.advance(taken);
                continue;
            };
            let mut frame = self.incoming.split_to(taken);
            frame.advance(m.payload.start);
            frame.truncate(m.payload.len());
            let payload = frame.freeze();
            return Some(match m.kind {
                MessageKind::Text => Message::Text(Utf8Bytes::validated(payload)),
                MessageKind::Binary => Message::Binary(payload),
            });
        }
    }

    /// Hands every buffered message to `f` with the output to reply, while
    /// the output has room (backpressure, as for `feed`); how many, and
    /// whether a Ping or a Close was among them, when at least one. A
    /// message that is one uncompressed frame is lent where it lies in
    /// `incoming`; what the machine hands out from its own buffers is copied
    /// first (the reply needs the machine).
    fn each_event<F>(&mut self, f: &mut F) -> Option<(usize, bool)>
    where
        F: FnMut(MessageRef<'_>, &mut Outbox<'_>),
    {
        // A reply that waited for room goes first.
        if let Err(e) = self.push_pending() {
            self.report = Some(e);
            return None;
        }
        let (mut count, mut answer) = (0, false);
        // What the batch took of `incoming`, dropped once at its end.
        let mut at = 0;
        while self.pending.is_none() && self.queued() < self.limit() {
            let Some(event) = self.conn.poll_event() else {
                let Some((taken, m)) = self.step_in_place(at) else {
                    break;
                };
                let start = at;
                at += taken;
                let Some(m) = m else { continue };
                count += 1;
                if m.payload.len() < HAND_OVER_MIN {
                    // The common case: lent where it lies.
                    let payload = &self.incoming[start + m.payload.start..start + m.payload.end];
                    let (conn, pending, owed) = (&mut self.conn, &mut self.pending, &mut self.owed);
                    f(
                        lent(m.kind, payload),
                        &mut Outbox::new(conn, pending, owed, None),
                    );
                    continue;
                }
                // A buffer of its own, so that an echo of it is written
                // from there, not copied.
                self.incoming.advance(start);
                at = 0;
                let own = self.incoming.split_to(taken).freeze().slice(m.payload);
                let (conn, pending, owed) = (&mut self.conn, &mut self.pending, &mut self.owed);
                f(
                    lent(m.kind, &own),
                    &mut Outbox::new(conn, pending, owed, Some(&own)),
                );
                continue;
            };
            if let Event::Closed = event {
                break;
            }
            answer |= matches!(event, Event::PingReceived(_) | Event::CloseReceived { .. });
            let copy = copied(event);
            let own = match &copy {
                Message::Text(t) => Some(t.as_bytes()),
                Message::Binary(b) => Some(b),
                _ => None,
            };
            let (conn, pending, owed) = (&mut self.conn, &mut self.pending, &mut self.owed);
            f(
                copy.as_borrowed(),
                &mut Outbox::new(conn, pending, owed, own),
            );
            count += 1;
        }
        // (A peer error emptied `incoming`.)
        let at = at.min(self.incoming.len());
        self.incoming.advance(at);
        (count > 0).then_some((count, answer))
    }

    /// Gives the machine the buffered input from `at` up to the end of the
    /// next frame: `(taken, Some(message))` for a message lying in
    /// `incoming[at..at + taken]` (its range counted from `at`),
    /// `(taken, None)` for a frame the machine took (look for its event);
    /// the caller drops the bytes. `None` when there is no whole frame, or
    /// on a peer error (reported; `incoming` is emptied).
    #[inline(always)] // In both per-message loops: no call, no returned struct in memory.
    fn step_in_place(&mut self, at: usize) -> Option<(usize, Option<InPlaceMessage>)> {
        if self.incoming.len() == at {
            return None;
        }
        match self
            .conn
            .handle_input_in_place(self.read_at, &mut self.incoming[at..])
        {
            // An unfinished frame: read more.
            Ok(InPlaceInput { taken: 0, .. }) => None,
            Ok(InPlaceInput { taken, message }) => Some((taken, message)),
            Err(e) => {
                // The machine took all (and keeps what it still needs).
                self.incoming.clear();
                self.report = Some(Error::Protocol(e));
                None
            }
        }
    }

    /// Reads once into `incoming`: the machine works on it in `next_event`.
    fn poll_read_in(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.conn.takes_input() {
            // The machine takes no more input: the write or the timer
            // registered the waker.
            return Poll::Pending;
        }
        let room = self.incoming.capacity() - self.incoming.len();
        if room < self.read_size {
            // Reclaims the front (messages the application dropped) when it
            // can, else allocates: a message still held keeps its buffer.
            self.incoming.reserve(self.read_size);
        }
        let room = self.incoming.capacity() - self.incoming.len();
        let read = std::pin::pin!(self.io.read_buf(&mut self.incoming)).poll(cx);
        match read {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(n)) => {
                self.read_at = now();
                if n == 0 {
                    if let Err(e) = self.conn.handle_eof(self.read_at) {
                        self.report = Some(Error::Protocol(e));
                    }
                } else if n == room {
                    // The socket had more than the room: read more at once.
                    self.read_size = (self.read_size * 2).min(READ_MAX);
                }
                Poll::Ready(Ok(()))
            }
        }
    }

    /// Runs the close timer; true when it fired (the caller looks again).
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.conn.poll_timeout() else {
            return false;
        };
        let current = now();
        self.read_at = current;
        let due = if deadline <= current {
            true
        } else {
            let at = to_tokio(deadline);
            let sleep = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if sleep.deadline() != at {
                sleep.as_mut().reset(at);
            }
            sleep.as_mut().poll(cx).is_ready()
        };
        if due && let Err(e) = self.conn.handle_timeout(current.max(deadline)) {
            self.report = Some(Error::Protocol(e));
        }
        due
    }

    /// After the machine closed: a client lingers for the server's FIN, then
    /// our side shuts down and the stream ends.
    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            match self.phase {
                Phase::Open | Phase::Done => return Poll::Ready(()),
                Phase::Lingering(deadline) => {
                    let sleep = self
                        .timer
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                    if sleep.deadline() != deadline {
                        sleep.as_mut().reset(deadline);
                    }
                    if sleep.as_mut().poll(cx).is_ready() {
                        self.phase = Phase::ShuttingDown;
                        continue;
                    }
                    let mut drop_buf = [0u8; 512];
                    let mut rb = ReadBuf::new(&mut drop_buf);
                    match Pin::new(&mut self.io).poll_read(cx, &mut rb) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(())) if !rb.filled().is_empty() => {}
                        // The server's FIN (or a reset): our turn.
                        Poll::Ready(_) => self.phase = Phase::ShuttingDown,
                    }
                }
                Phase::ShuttingDown => {
                    let done = Pin::new(&mut self.io).poll_shutdown(cx);
                    if done.is_pending() {
                        return Poll::Pending;
                    }
                    self.phase = Phase::Done;
                    self.timer = None;
                }
            }
        }
    }

    /// Marks the connection broken by an I/O error.
    fn broken(&mut self, e: io::Error) -> Error {
        self.phase = Phase::Done;
        self.pending = None;
        self.owed.clear();
        Error::Io(e)
    }

    /// Writes what the machine queued and the payloads it owes (from
    /// `owed`), gathered into vectored writes, then flushes; ready once all
    /// is out.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.phase == Phase::Done {
            return Poll::Ready(Ok(()));
        }
        let vectored = self.io.is_write_vectored();
        let mut wrote = false;
        loop {
            let written = if self.owed.is_empty() {
                // The common case, one slice: no walk over parts.
                let Some(bytes) = self.conn.poll_transmit() else {
                    break;
                };
                Pin::new(&mut self.io).poll_write(cx, bytes)
            } else {
                let mut slices = [io::IoSlice::new(&[]); GATHER];
                let mut count = 0;
                let mut payloads = self.owed.iter();
                for part in self.conn.output_parts() {
                    let bytes = match part {
                        OutputPart::Queued(bytes) => bytes,
                        OutputPart::Owed(n) => match payloads.next() {
                            Some(payload) => &payload[payload.len() - n..],
                            // Never: `owed` holds a buffer for every payload owed.
                            None => break,
                        },
                    };
                    slices[count] = io::IoSlice::new(bytes);
                    count += 1;
                    if count == GATHER || !vectored {
                        break;
                    }
                }
                let io = Pin::new(&mut self.io);
                match count {
                    0 => break,
                    1 => io.poll_write(cx, &slices[0]),
                    _ => io.poll_write_vectored(cx, &slices[..count]),
                }
            };
            match written {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.conn.advance_output(n);
                    // Payloads written in full: their buffers may be reused now.
                    let done = self.owed.len() - self.conn.owed_payloads();
                    if done > 0 {
                        self.owed.drain(..done);
                    }
                    wrote = true;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    if wrote {
                        // Push out what the stream buffered (TLS records).
                        let _ = Pin::new(&mut self.io).poll_flush(cx);
                    }
                    return Poll::Pending;
                }
            }
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    // ----- the sink half -----

    fn queue(&mut self, message: Message) -> Result<(), Refused> {
        if self.phase != Phase::Open {
            return Err(Refused::Failed(Error::AlreadyClosed));
        }
        let Some(message) = self.hand_over(message) else {
            return Ok(());
        };
        let result = match &message {
            // The common cases without building a borrowed view first.
            Message::Text(t) => self.conn.send_validated_text(t.as_bytes()),
            Message::Binary(b) => self.conn.send_message(MessageKind::Binary, b),
            other => send_to(&mut self.conn, other.as_borrowed()),
        };
        match result {
            Ok(()) => Ok(()),
            Err(UsageError::OutputFull) => Err(Refused::Full(message)),
            Err(UsageError::Closed) => Err(Refused::Failed(Error::AlreadyClosed)),
            Err(e) => Err(Refused::Failed(Error::Usage(e))),
        }
    }

    /// A large text or binary message goes to the machine as its frame
    /// header, its payload written from its own buffer (`outbox::hand_over`);
    /// `None` then. Any other message comes back, to be queued as usual.
    fn hand_over(&mut self, message: Message) -> Option<Message> {
        let (kind, payload) = match &message {
            Message::Text(t) => (MessageKind::Text, t.as_bytes()),
            Message::Binary(b) => (MessageKind::Binary, b),
            _ => return Some(message),
        };
        if hand_over(&mut self.conn, &mut self.owed, kind, payload) {
            return None;
        }
        Some(message)
    }

    /// Moves the waiting message into the machine if it has room.
    fn push_pending(&mut self) -> Result<(), Error> {
        if let Some(message) = self.pending.take() {
            match self.queue(message) {
                Ok(()) => {}
                Err(Refused::Full(m)) => self.pending = Some(m),
                Err(Refused::Failed(e)) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ready when a message may be sent: the waiting one went into the
    /// machine and its output queue is under `max_write_buffer`. Writes only
    /// to make that room: what is queued goes out with the next flush, or
    /// when the stream finds no more buffered input, so messages queued
    /// together (an echo of a pipelined batch) leave in one write.
    pub(crate) fn poll_ready_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // Room and nothing waiting: ready, no waker needed.
        if self.phase == Phase::Open && self.pending.is_none() && self.queued() < self.limit() {
            return Poll::Ready(Ok(()));
        }
        Wakers::set(&self.wakers.write, cx.waker());
        let proxy = self.proxy.clone();
        let cx = &mut Context::from_waker(&proxy);
        loop {
            if self.phase != Phase::Open {
                return Poll::Ready(Err(Error::AlreadyClosed));
            }
            self.push_pending()?;
            if self.pending.is_none() && self.queued() < self.limit() {
                return Poll::Ready(Ok(()));
            }
            match self.poll_write_out(cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(self.broken(e))),
                // All written: the waiting message fits now.
                Poll::Ready(Ok(())) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Queues a message (after `poll_ready_send` said ready).
    pub(crate) fn start_send(&mut self, message: Message) -> Result<(), Error> {
        if self.pending.is_some() {
            return Err(Error::Usage(UsageError::OutputFull));
        }
        match self.queue(message) {
            Ok(()) => Ok(()),
            Err(Refused::Full(m)) => {
                self.pending = Some(m);
                Ok(())
            }
            Err(Refused::Failed(e)) => Err(e),
        }
    }

    /// Ready once everything queued was written and flushed.
    pub(crate) fn poll_flush_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Wakers::set(&self.wakers.write, cx.waker());
        let proxy = self.proxy.clone();
        let cx = &mut Context::from_waker(&proxy);
        loop {
            if self.phase == Phase::Open {
                self.push_pending()?;
            }
            match self.poll_write_out(cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(self.broken(e))),
                Poll::Ready(Ok(())) if self.pending.is_none() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Sends our Close (1000 unless one was sent or received already) after
    /// what is queued, and flushes it.
    pub(crate) fn poll_close_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.phase != Phase::Open {
            return Poll::Ready(Ok(()));
        }
        if !self.close_queued {
            match self.poll_flush_send(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            match self.queue(Message::Close(None)) {
                Ok(()) => {}
                Err(Refused::Full(m)) => self.pending = Some(m),
                Err(Refused::Failed(Error::AlreadyClosed)) => return Poll::Ready(Ok(())),
                Err(Refused::Failed(e)) => return Poll::Ready(Err(e)),
            }
            self.close_queued = true;
        }
        self.poll_flush_send(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use shockwave_proto::Instant;
    use shockwave_proto::ws::handshake::Extensions;
    use shockwave_proto::ws::{Config, Conn, Event, MessageKind};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    use super::*;
    use crate::ws::WebSocket;

    /// A stream that counts the writes that reach it; `vectored` ones
    /// gather from several slices (the most one write had: `slices`), up to
    /// `max_write` bytes.
    struct Counted {
        io: DuplexStream,
        writes: Arc<AtomicUsize>,
        vectored: bool,
        max_write: usize,
        slices: Arc<AtomicUsize>,
    }

    impl AsyncRead for Counted {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Counted {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.writes.fetch_add(1, Ordering::Relaxed);
            Pin::new(&mut self.io).poll_write(cx, buf)
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            self.slices.fetch_max(bufs.len(), Ordering::Relaxed);
            let gathered: Vec<u8> = bufs
                .iter()
                .flat_map(|b| b.iter().copied())
                .take(self.max_write)
                .collect();
            self.poll_write(cx, &gathered)
        }
        fn is_write_vectored(&self) -> bool {
            self.vectored
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_flush(cx)
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_shutdown(cx)
        }
    }

    fn server() -> (WebSocket<Counted>, DuplexStream, Arc<AtomicUsize>) {
        server_over(1 << 20, false)
    }

    fn server_over(
        capacity: usize,
        vectored: bool,
    ) -> (WebSocket<Counted>, DuplexStream, Arc<AtomicUsize>) {
        let (ours, peer) = tokio::io::duplex(capacity);
        let writes = Arc::new(AtomicUsize::new(0));
        let io = Counted {
            io: ours,
            writes: writes.clone(),
            vectored,
            // At most 3000 bytes a write, so writes end anywhere in a slice.
            max_write: 3000,
            slices: Arc::new(AtomicUsize::new(0)),
        };
        let socket = WebSocket::server(io, Extensions::default(), Config::default());
        (socket, peer, writes)
    }

    /// A pipelined batch of client frames, the way a peer sends them at once.
    fn batch(n: usize) -> Vec<u8> {
        let mut seed = 7u32;
        let masks = Box::new(move || {
            seed = seed.wrapping_mul(0x9e37_79b9).wrapping_add(1);
            seed.to_le_bytes()
        });
        let mut client = Conn::client(Config::default(), Extensions::default(), masks);
        for i in 0..n {
            client.send_text(&format!("message {i}")).unwrap();
        }
        let wire = client.poll_transmit().unwrap().to_vec();
        client.advance_transmit(wire.len());
        wire
    }

    /// Reads `n` server frames, texts `message 0..n` in order.
    async fn read_texts(peer: &mut DuplexStream, n: usize) {
        let expected: Vec<_> = (0..n)
            .map(|i| (MessageKind::Text, format!("message {i}").into_bytes()))
            .collect();
        assert_eq!(read_messages(peer, n).await, expected);
    }

    /// Reads `n` server messages.
    async fn read_messages(
        peer: &mut (impl AsyncRead + Unpin),
        n: usize,
    ) -> Vec<(MessageKind, Vec<u8>)> {
        let mut client = Conn::client(
            Config::default(),
            Extensions::default(),
            Box::new(|| [1, 2, 3, 4]),
        );
        let mut got = Vec::new();
        while got.len() < n {
            let mut buf = [0u8; 8192];
            let k = peer.read(&mut buf).await.unwrap();
            assert!(k > 0, "the server closed after {} messages", got.len());
            client.handle_input(Instant::ZERO, &buf[..k]).unwrap();
            while let Some(event) = client.poll_event() {
                let Event::MessageReceived { kind, payload } = event else {
                    panic!("{event:?}");
                };
                got.push((kind, payload.to_vec()));
            }
        }
        got
    }

    #[tokio::test]
    async fn an_echoed_batch_leaves_in_one_write() {
        let (mut socket, mut peer, writes) = server();
        peer.write_all(&batch(16)).await.unwrap();
        let echo = tokio::spawn(async move {
            // The reference server's loop: queue each message, let `recv` write.
            while let Some(Ok(message)) = socket.recv().await {
                socket.feed(message).await.unwrap();
            }
        });
        read_texts(&mut peer, 16).await;
        assert_eq!(writes.load(Ordering::Relaxed), 1, "writes for 16 echoes");
        drop(peer);
        echo.await.unwrap();
    }

    #[tokio::test]
    async fn a_single_frame_message_is_split_from_the_read_buffer() {
        let (mut socket, mut peer, _) = server();
        // Two masked text frames in one write: "message 0", "message 1".
        let wire = batch(2);
        peer.write_all(&wire).await.unwrap();
        let Some(Ok(Message::Text(first))) = socket.recv().await else {
            panic!("no text")
        };
        let Some(Ok(Message::Text(second))) = socket.recv().await else {
            panic!("no text")
        };
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("message 0", "message 1")
        );
        // Not copied: both lie where they were read, the second's 6-byte
        // header (2 + the 4-byte mask) between them.
        let (a, b) = (first.as_bytes().as_ptr(), second.as_bytes().as_ptr());
        assert_eq!(b as usize - a as usize, "message 0".len() + 6);
        // A fragmented message is reassembled by the machine and copied out.
        let mut client = Conn::client(
            Config::default(),
            Extensions::default(),
            Box::new(|| [9, 8, 7, 6]),
        );
        client
            .send_fragment(MessageKind::Binary, b"frag", false)
            .unwrap();
        client
            .send_fragment(MessageKind::Binary, b"ments", true)
            .unwrap();
        let out = client.poll_transmit().unwrap().to_vec();
        peer.write_all(&out).await.unwrap();
        let Some(Ok(Message::Binary(joined))) = socket.recv().await else {
            panic!("no binary")
        };
        assert_eq!(&joined[..], b"fragments");
    }

    #[tokio::test]
    async fn fed_messages_wait_for_the_flush() {
        let (mut socket, mut peer, writes) = server();
        for i in 0..16 {
            socket
                .feed(Message::Text(format!("message {i}").into()))
                .await
                .unwrap();
        }
        assert_eq!(writes.load(Ordering::Relaxed), 0, "feed wrote");
        socket.flush().await.unwrap();
        assert_eq!(writes.load(Ordering::Relaxed), 1, "writes for 16 messages");
        read_texts(&mut peer, 16).await;
    }

    #[tokio::test]
    async fn large_messages_are_written_from_their_own_buffer() {
        let big: Bytes = (0..100_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into();
        for vectored in [false, true] {
            // A small pipe: the writes end anywhere in the header or the payload.
            let (mut socket, mut peer, _) = server_over(4096, vectored);
            let sender = tokio::spawn({
                let big = big.clone();
                async move {
                    socket.feed(Message::Binary(big.clone())).await.unwrap();
                    // Queued behind the payload the machine owes.
                    socket.feed(Message::Text("after".into())).await.unwrap();
                    socket.feed(Message::Binary(big)).await.unwrap();
                    assert!(socket.buffered_amount() > 200_000);
                    socket.flush().await.unwrap();
                    assert_eq!(socket.buffered_amount(), 0);
                }
            });
            let got = read_messages(&mut peer, 3).await;
            sender.await.unwrap();
            assert_eq!(
                got[0],
                (MessageKind::Binary, big.to_vec()),
                "vectored: {vectored}"
            );
            assert_eq!(got[1], (MessageKind::Text, b"after".to_vec()));
            assert_eq!(got[2], (MessageKind::Binary, big.to_vec()));
        }
    }

    #[tokio::test]
    async fn large_messages_fed_together_leave_in_one_gathered_write() {
        let (ours, mut peer) = tokio::io::duplex(1 << 20);
        let (writes, slices) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let io = Counted {
            io: ours,
            writes: writes.clone(),
            vectored: true,
            max_write: usize::MAX,
            slices: slices.clone(),
        };
        let mut socket = WebSocket::server(io, Extensions::default(), Config::default());
        let big = |b: u8| Message::Binary(vec![b; 20_000].into());
        for message in [big(1), Message::Text("between".into()), big(2), big(3)] {
            socket.feed(message).await.unwrap();
        }
        socket.flush().await.unwrap();
        // One write, gathering each payload from its own buffer: a header
        // (with "between" before the second) and a payload per message.
        assert_eq!(writes.load(Ordering::Relaxed), 1);
        assert_eq!(slices.load(Ordering::Relaxed), 6);
        let got = read_messages(&mut peer, 4).await;
        let expected = [
            (MessageKind::Binary, vec![1; 20_000]),
            (MessageKind::Text, b"between".to_vec()),
            (MessageKind::Binary, vec![2; 20_000]),
            (MessageKind::Binary, vec![3; 20_000]),
        ];
        assert_eq!(got, expected);
    }

    /// A client's wire: texts, a fragmented binary, a Ping, a longer binary
    /// and its Close, each frame masked.
    fn mixed_wire() -> Vec<u8> {
        let mut client = Conn::client(
            Config::default(),
            Extensions::default(),
            Box::new(|| [5, 6, 7, 8]),
        );
        client.send_text("first").unwrap();
        client
            .send_fragment(MessageKind::Binary, b"frag", false)
            .unwrap();
        client.ping(b"are you there").unwrap();
        client
            .send_fragment(MessageKind::Binary, b"ments", true)
            .unwrap();
        client.send_text("é, then more").unwrap();
        client.send_binary(&[3u8; 300]).unwrap();
        client.close(1000, "done").unwrap();
        let mut wire = Vec::new();
        while let Some(out) = client.poll_transmit() {
            let out = out.to_vec();
            client.advance_transmit(out.len());
            wire.extend_from_slice(&out);
        }
        wire
    }

    /// Writes `wire` to the server in pieces of `piece` bytes, then drains
    /// what the server sends until it closes.
    async fn feed_in_pieces(mut peer: DuplexStream, wire: Vec<u8>, piece: usize) {
        for chunk in wire.chunks(piece) {
            peer.write_all(chunk).await.unwrap();
            tokio::task::yield_now().await;
        }
        let mut sink = Vec::new();
        let _ = peer.read_to_end(&mut sink).await;
    }

    #[tokio::test]
    async fn recv_each_lends_what_recv_gives_for_any_split() {
        let wire = mixed_wire();
        let (mut socket, peer, _) = server();
        tokio::spawn(feed_in_pieces(peer, wire.clone(), wire.len()));
        let mut owned = Vec::new();
        while let Some(m) = socket.recv().await {
            owned.push(m.unwrap());
        }
        assert_eq!(owned.len(), 6, "{owned:?}");
        for piece in [1, 2, 7, 100, wire.len()] {
            let (mut socket, peer, _) = server();
            tokio::spawn(feed_in_pieces(peer, wire.clone(), piece));
            let mut lent = Vec::new();
            while let Some(n) = socket.recv_each(|m, _| lent.push(m.to_message())).await {
                assert!(n.unwrap() > 0);
            }
            assert_eq!(lent, owned, "pieces of {piece}");
        }
    }

    #[tokio::test]
    async fn recv_each_echoes_a_batch_in_one_write() {
        let (mut socket, mut peer, writes) = server();
        peer.write_all(&batch(16)).await.unwrap();
        let echo = tokio::spawn(async move {
            let mut seen = Vec::new();
            while let Some(Ok(n)) = socket
                .recv_each(|m, out| {
                    assert!(matches!(m, MessageRef::Text(_)));
                    out.send(m).unwrap();
                })
                .await
            {
                seen.push(n);
            }
            seen
        });
        read_texts(&mut peer, 16).await;
        assert_eq!(writes.load(Ordering::Relaxed), 1, "writes for 16 echoes");
        drop(peer);
        assert_eq!(echo.await.unwrap(), [16], "one batch of 16");
    }

    #[tokio::test]
    async fn recv_each_holds_back_while_the_output_is_full() {
        // A queue of 100 bytes and a pipe of 64: the echoes of 50 messages
        // of 40 bytes cannot all be queued while the peer does not read.
        let (ours, peer) = tokio::io::duplex(64);
        let mut config = Config::default();
        config.max_write_buffer = 100;
        let mut socket = WebSocket::server(ours, Extensions::default(), config);
        let mut client = Conn::client(
            Config::default(),
            Extensions::default(),
            Box::new(|| [1, 1, 2, 3]),
        );
        let sent: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; 40]).collect();
        let mut wire = Vec::new();
        for m in &sent {
            client.send_binary(m).unwrap();
            while let Some(out) = client.poll_transmit() {
                let out = out.to_vec();
                client.advance_transmit(out.len());
                wire.extend_from_slice(&out);
            }
        }
        let echo = tokio::spawn(async move {
            let mut most = 0;
            while let Some(Ok(_)) = socket
                .recv_each(|m, out| {
                    out.send(m).unwrap();
                    most = most.max(out.buffered_amount());
                })
                .await
            {}
            most
        });
        let (mut rd, mut wr) = tokio::io::split(peer);
        let writer = tokio::spawn(async move {
            wr.write_all(&wire).await.unwrap();
            wr
        });
        // Not read for a while: the server holds back meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let got = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            read_messages(&mut rd, 50),
        )
        .await
        .expect("the echo stalled");
        drop((rd, writer.await.unwrap()));
        let expected: Vec<_> = sent.into_iter().map(|m| (MessageKind::Binary, m)).collect();
        assert_eq!(got, expected);
        // Past the queue's limit by the one reply that waited, no more.
        let most = echo.await.unwrap();
        assert!(most > 100 && most <= 100 + 40, "{most} bytes held");
    }

    #[tokio::test]
    async fn recv_each_writes_a_large_echo_from_the_read_buffer() {
        let (ours, mut peer) = tokio::io::duplex(1 << 20);
        let slices = Arc::new(AtomicUsize::new(0));
        let io = Counted {
            io: ours,
            writes: Arc::new(AtomicUsize::new(0)),
            vectored: true,
            max_write: usize::MAX,
            slices: slices.clone(),
        };
        let mut socket = WebSocket::server(io, Extensions::default(), Config::default());
        // One frame (lent in place), then two fragments (reassembled by the
        // machine and copied out): both echoes go out from those buffers.
        let mut client = Conn::client(
            Config::default(),
            Extensions::default(),
            Box::new(|| [4, 3, 2, 1]),
        );
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 253) as u8).collect();
        client.send_binary(&big).unwrap();
        client
            .send_fragment(MessageKind::Binary, &big[..9_000], false)
            .unwrap();
        client
            .send_fragment(MessageKind::Binary, &big[9_000..], true)
            .unwrap();
        while let Some(out) = client.poll_transmit() {
            let out = out.to_vec();
            client.advance_transmit(out.len());
            peer.write_all(&out).await.unwrap();
        }
        let echo = tokio::spawn(async move {
            while let Some(Ok(_)) = socket.recv_each(|m, out| out.send(m).unwrap()).await {}
        });
        let got = read_messages(&mut peer, 2).await;
        assert_eq!(got, vec![(MessageKind::Binary, big.clone()); 2]);
        // Header and payload gathered from two places: not copied into the queue.
        assert!(
            slices.load(Ordering::Relaxed) >= 2,
            "no payload was handed over"
        );
        drop(peer);
        echo.await.unwrap();
    }

    #[tokio::test]
    async fn a_split_stream_lends_too_and_its_replies_go_out() {
        let (socket, mut peer, _) = server();
        let (mut sink, mut stream) = socket.split();
        peer.write_all(&batch(4)).await.unwrap();
        let echo = tokio::spawn(async move {
            let mut n = 0;
            while let Some(Ok(k)) = stream.recv_each(|m, out| out.send(m).unwrap()).await {
                n += k;
            }
            n
        });
        read_texts(&mut peer, 4).await;
        // The sink half still sends beside it.
        sink.send(Message::text("from the sink")).await.unwrap();
        let got = read_messages(&mut peer, 1).await;
        assert_eq!(got, [(MessageKind::Text, b"from the sink".to_vec())]);
        drop(peer);
        assert_eq!(echo.await.unwrap(), 4);
    }
}
