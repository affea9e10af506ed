//! [`WebSocket`]: a connection after its handshake, as a `Stream` of
//! received [`Message`]s and a `Sink` of messages to send, whole or split
//! into halves for two tasks.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_sink::Sink;
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::{Config, Conn, MaskSource};
use tokio::io::{AsyncRead, AsyncWrite};

use super::inner::Inner;
use super::{CloseFrame, Error, Message, MessageRef, Outbox};

/// A WebSocket connection over the stream `S`.
///
/// Receive with [`WebSocket::recv`] (or as a [`Stream`]), send with
/// [`WebSocket::send`] (or as a [`Sink`]). Polling for messages also writes
/// what the connection must send on its own (Pongs, the answer to a Close),
/// runs the close timer, and ends the stream once the closing handshake is
/// over; keep receiving until `None` to close cleanly.
///
/// Backpressure both ways: while the peer does not take our output (the
/// machine's queue is at `max_write_buffer`), the stream reads nothing more
/// and [`Sink::poll_ready`] stays pending. At most one message more than the
/// queue's limit waits in memory.
#[derive(Debug)]
pub struct WebSocket<S> {
    inner: Inner<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// The server end over `io`, after a handshake that agreed on
    /// `extensions` (for example by hand, or from another HTTP stack).
    pub fn server(io: S, extensions: Extensions, config: Config) -> Self {
        Self::from_conn(
            io,
            Conn::server(config, extensions),
            false,
            None,
            Bytes::new(),
        )
    }

    /// The client end over `io`, after a handshake done elsewhere; `masks`
    /// gives every frame's masking key and must be unpredictable (RFC 6455
    /// section 5.3). [`Connector`](super::Connector) does the handshake and
    /// uses the OS random source.
    pub fn client(
        io: S,
        extensions: Extensions,
        config: Config,
        masks: Box<dyn MaskSource + Send>,
    ) -> Self {
        let conn = Conn::client(config, extensions, masks);
        Self::from_conn(io, conn, true, None, Bytes::new())
    }

    /// A connection driving `conn` over `io`; `preread` are bytes of the
    /// WebSocket stream already read (after the handshake response).
    pub(crate) fn from_conn(
        io: S,
        conn: Conn,
        client: bool,
        protocol: Option<String>,
        preread: Bytes,
    ) -> Self {
        WebSocket {
            inner: Inner::new(io, conn, client, protocol, preread),
        }
    }

    /// Closes with 1001 (going away) once `signal` resolves; checked while
    /// the application receives. The server's `accept` ties it to graceful shutdown.
    pub(crate) fn close_when(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.inner.close_when(signal);
        self
    }

    /// The next message: `None` once the connection is over. An `Err` is
    /// reported once; after a protocol error keep receiving (the closing
    /// handshake still runs) until `None`.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.inner.poll_recv(cx)).await
    }

    /// Hands every message the connection has buffered to `f`, borrowed
    /// where it lies (valid for that call), with an [`Outbox`] for replies;
    /// waits (reading, writing, running the close timer as [`recv`](Self::recv)
    /// does) until there is at least one. Ready with how many; `None` and
    /// `Err` as `recv`. Replies are written together once the batch is over.
    ///
    /// Nothing is allocated or reference-counted per message: this is the
    /// cheaper way for a handler that answers each message at once. Control
    /// frames come too (a Ping was answered already when `auto_pong` is on),
    /// as does the peer's Close. A panic in `f` leaves the connection
    /// unusable (the machine may have taken input the read buffer still
    /// holds): drop it.
    pub async fn recv_each<F>(&mut self, mut f: F) -> Option<Result<usize, Error>>
    where
        F: FnMut(MessageRef<'_>, &mut Outbox<'_>),
    {
        poll_fn(|cx| self.inner.poll_recv_each(cx, &mut f)).await
    }

    /// Sends a message and waits until it is written (and flushed).
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        self.feed(message).await?;
        poll_fn(|cx| self.inner.poll_flush_send(cx)).await
    }

    /// Queues a message, waiting only while the output is full; what is
    /// queued goes out with the next `send`, `flush` or `recv`.
    pub async fn feed(&mut self, message: Message) -> Result<(), Error> {
        poll_fn(|cx| self.inner.poll_ready_send(cx)).await?;
        self.inner.start_send(message)
    }

    /// Writes out everything queued.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.inner.poll_flush_send(cx)).await
    }

    /// Starts the closing handshake with `frame` (`None`: 1000) and flushes
    /// it. The peer's answer arrives through [`WebSocket::recv`], which ends
    /// once the handshake is over (or the close timer passed).
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), Error> {
        self.send(Message::Close(frame)).await
    }

    /// Splits into a sending and a receiving half, for two tasks.
    pub fn split(self) -> (SplitSink<S>, SplitStream<S>) {
        let shared = Arc::new(Mutex::new(self.inner));
        (
            SplitSink {
                shared: shared.clone(),
            },
            SplitStream { shared },
        )
    }

    /// Bytes queued for the peer and not written yet.
    pub fn buffered_amount(&mut self) -> usize {
        self.inner.buffered_amount()
    }
}

impl<S> WebSocket<S> {
    /// The subprotocol the handshake agreed on.
    pub fn protocol(&self) -> Option<&str> {
        self.inner.protocol()
    }

    /// The configuration the connection runs with.
    pub fn config(&self) -> &Config {
        self.inner.conn().config()
    }

    /// The peer error that ended (or is ending) the connection, if one did.
    pub fn protocol_error(&self) -> Option<shockwave_proto::ws::Error> {
        self.inner.conn().error()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        self.inner.io()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_recv(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocket<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_ready_send(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.get_mut().inner.start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_flush_send(cx)
    }

    /// Sends our Close frame (1000, unless one was sent) and flushes; the
    /// stream still delivers the peer's answer.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_close_send(cx)
    }
}

/// The sending half of a split [`WebSocket`]: a [`Sink`] of messages.
#[derive(Debug)]
pub struct SplitSink<S> {
    shared: Arc<Mutex<Inner<S>>>,
}

/// The receiving half of a split [`WebSocket`]: a [`Stream`] of messages.
/// Keep polling it while sending: it also writes the Pongs and the Close
/// answer the connection owes the peer.
#[derive(Debug)]
pub struct SplitStream<S> {
    shared: Arc<Mutex<Inner<S>>>,
}

fn lock<S>(shared: &Mutex<Inner<S>>) -> MutexGuard<'_, Inner<S>> {
    // A panic inside a poll leaves the state consistent enough to end the
    // connection; the next poll sees whatever phase it reached.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl<S: AsyncRead + AsyncWrite + Unpin> SplitSink<S> {
    /// Sends a message and waits until it is written.
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        poll_fn(|cx| lock(&self.shared).poll_ready_send(cx)).await?;
        lock(&self.shared).start_send(message)?;
        poll_fn(|cx| lock(&self.shared).poll_flush_send(cx)).await
    }

    /// Starts the closing handshake (see [`WebSocket::close`]).
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), Error> {
        self.send(Message::Close(frame)).await
    }

    /// Bytes queued for the peer and not written yet.
    pub fn buffered_amount(&self) -> usize {
        lock(&self.shared).buffered_amount()
    }

    /// Puts the halves back together; gives them back if they are not from
    /// the same socket.
    pub fn reunite(
        self,
        stream: SplitStream<S>,
    ) -> Result<WebSocket<S>, (SplitSink<S>, SplitStream<S>)> {
        if !Arc::ptr_eq(&self.shared, &stream.shared) {
            return Err((self, stream));
        }
        drop(stream);
        match Arc::try_unwrap(self.shared) {
            Ok(mutex) => Ok(WebSocket {
                inner: mutex.into_inner().unwrap_or_else(|e| e.into_inner()),
            }),
            Err(shared) => Err((
                SplitSink {
                    shared: shared.clone(),
                },
                SplitStream { shared },
            )),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> SplitStream<S> {
    /// The next message (see [`WebSocket::recv`]).
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| lock(&self.shared).poll_recv(cx)).await
    }

    /// Every buffered message, borrowed (see [`WebSocket::recv_each`]).
    pub async fn recv_each<F>(&mut self, mut f: F) -> Option<Result<usize, Error>>
    where
        F: FnMut(MessageRef<'_>, &mut Outbox<'_>),
    {
        poll_fn(|cx| lock(&self.shared).poll_recv_each(cx, &mut f)).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for SplitStream<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        lock(&self.shared).poll_recv(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for SplitSink<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        lock(&self.shared).poll_ready_send(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        lock(&self.shared).start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        lock(&self.shared).poll_flush_send(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        lock(&self.shared).poll_close_send(cx)
    }
}
