//! [`Incoming`]: a request body on the `tower` path, streamed from the
//! connection task to the service.
//!
//! HTTP/1.1 feeds it through a bounded channel: while it is full, the driver
//! stops polling the machine, and backpressure reaches TCP. HTTP/2 cannot
//! stop one stream without stopping all, so it feeds an unbounded channel and
//! bounds it with flow control instead: a data frame's bytes are released to
//! the peer (a `WINDOW_UPDATE`) only once the service took the frame, so a
//! stream never buffers more than its window.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use shockwave_proto::h2::StreamId;
use tokio::sync::mpsc;

/// A boxed error, as services and bodies report them.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// HTTP/1.1 request body frames buffered between the connection and the service.
pub(crate) const BODY_CHANNEL: usize = 8;

/// The peer's address, in every request's extensions on the `tower` path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// What travels through the request body channel.
pub(crate) enum Chunk {
    Frame(Frame<Bytes>),
    /// The body ended as framed; without it, a closed channel means the
    /// connection failed mid-body.
    End,
}

/// Where an HTTP/2 body reports the bytes the service took.
pub(crate) type ReleaseTx = mpsc::UnboundedSender<(StreamId, usize)>;

enum Source {
    Bounded(mpsc::Receiver<Chunk>),
    Released {
        rx: mpsc::UnboundedReceiver<Chunk>,
        release: ReleaseTx,
        stream: StreamId,
    },
}

/// A request body on the `tower` path, streamed from the connection.
pub struct Incoming {
    source: Option<Source>,
    remaining: Option<u64>,
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("ended", &self.source.is_none())
            .field("remaining", &self.remaining)
            .finish()
    }
}

impl Incoming {
    /// A request without a body.
    pub(crate) fn empty() -> Self {
        Incoming {
            source: None,
            remaining: Some(0),
        }
    }

    /// An HTTP/1.1 body from a bounded channel.
    pub(crate) fn bounded(rx: mpsc::Receiver<Chunk>, remaining: Option<u64>) -> Self {
        Incoming {
            source: Some(Source::Bounded(rx)),
            remaining,
        }
    }

    /// An HTTP/2 body whose consumed bytes go back to the connection as flow-control credit.
    pub(crate) fn released(
        rx: mpsc::UnboundedReceiver<Chunk>,
        release: ReleaseTx,
        stream: StreamId,
        remaining: Option<u64>,
    ) -> Self {
        Incoming {
            source: Some(Source::Released {
                rx,
                release,
                stream,
            }),
            remaining,
        }
    }
}

/// The request body did not arrive whole: the connection failed or timed out
/// mid-body (or, in HTTP/2, the stream was reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncompleteBody;

impl fmt::Display for IncompleteBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connection ended before the request body")
    }
}

impl StdError for IncompleteBody {}

impl Body for Incoming {
    type Data = Bytes;
    type Error = IncompleteBody;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, IncompleteBody>>> {
        let polled = match self.source.as_mut() {
            None => return Poll::Ready(None),
            Some(Source::Bounded(rx)) => rx.poll_recv(cx),
            Some(Source::Released {
                rx,
                release,
                stream,
            }) => {
                let polled = rx.poll_recv(cx);
                if let Poll::Ready(Some(Chunk::Frame(frame))) = &polled
                    && let Some(data) = frame.data_ref()
                {
                    let _ = release.send((*stream, data.len()));
                }
                polled
            }
        };
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Chunk::Frame(frame))) => {
                if let (Some(data), Some(rem)) = (frame.data_ref(), self.remaining.as_mut()) {
                    *rem = rem.saturating_sub(data.len() as u64);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Chunk::End)) => {
                self.source = None;
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                self.source = None;
                Poll::Ready(Some(Err(IncompleteBody)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.source.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.remaining {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
