//! The connection after a protocol switch (101, or 2xx to CONNECT): the raw
//! stream, with the bytes that arrived after the request served first.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{oneshot, watch};

/// Any stream a connection runs on.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// An upgraded connection: reads yield the bytes that followed the request
/// (already read by the HTTP/1.1 machine) first, then the stream's; writes go
/// straight to the stream.
pub struct Upgraded {
    io: Box<dyn Io>,
    leftover: Vec<u8>,
    pos: usize,
    /// The accepting server's graceful-shutdown flag, where it has one.
    shutdown: Option<watch::Receiver<bool>>,
}

impl Upgraded {
    pub(crate) fn new(io: Box<dyn Io>, leftover: Vec<u8>) -> Self {
        Upgraded {
            io,
            leftover,
            pos: 0,
            shutdown: None,
        }
    }

    /// Ties the connection to the server's graceful shutdown.
    pub(crate) fn with_shutdown(mut self, shutdown: watch::Receiver<bool>) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Resolves once the server that accepted the connection begins its
    /// graceful shutdown (or is gone), so that the protocol running on it can
    /// say goodbye its own way (a WebSocket sends Close 1001, "going away")
    /// before the shutdown deadline aborts it. Never resolves for a connection
    /// from a server without that signal.
    pub fn shutting_down(&self) -> impl Future<Output = ()> + Send + 'static {
        let shutdown = self.shutdown.clone();
        async move {
            match shutdown {
                Some(mut rx) => {
                    let _ = rx.wait_for(|&down| down).await;
                }
                None => std::future::pending::<()>().await,
            }
        }
    }

    /// The bytes that arrived after the request and have not been read yet.
    pub fn leftover(&self) -> &[u8] {
        &self.leftover[self.pos..]
    }
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgraded")
            .field("leftover", &self.leftover().len())
            .finish_non_exhaustive()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.leftover.len() {
            let n = buf.remaining().min(this.leftover.len() - this.pos);
            buf.put_slice(&this.leftover[this.pos..this.pos + n]);
            this.pos += n;
            if this.pos == this.leftover.len() {
                this.leftover = Vec::new();
                this.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// The upgrade of a request served through the `tower` path, found in the
/// request's extensions when it asks to switch protocols (or is a CONNECT).
/// Answer with 101 (or 2xx to CONNECT), then await [`OnUpgrade::upgraded`]
/// in a task of your own.
#[derive(Clone)]
pub struct OnUpgrade {
    rx: Arc<Mutex<Option<oneshot::Receiver<Upgraded>>>>,
}

impl fmt::Debug for OnUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnUpgrade").finish_non_exhaustive()
    }
}

/// The connection did not switch protocols (the response was not 101 or 2xx
/// to CONNECT, the connection failed, or the upgrade was already taken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeError;

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connection was not upgraded")
    }
}

impl std::error::Error for UpgradeError {}

impl OnUpgrade {
    pub(crate) fn pair() -> (oneshot::Sender<Upgraded>, OnUpgrade) {
        let (tx, rx) = oneshot::channel();
        let on = OnUpgrade {
            rx: Arc::new(Mutex::new(Some(rx))),
        };
        (tx, on)
    }

    /// Takes the upgrade out of a request's extensions, if the request can be upgraded.
    pub fn from_request<B>(req: &mut http::Request<B>) -> Option<OnUpgrade> {
        req.extensions_mut().remove::<OnUpgrade>()
    }

    /// Waits until the switching response was written and hands over the stream.
    pub async fn upgraded(self) -> Result<Upgraded, UpgradeError> {
        let rx = self
            .rx
            .lock()
            .map_err(|_| UpgradeError)?
            .take()
            .ok_or(UpgradeError)?;
        rx.await.map_err(|_| UpgradeError)
    }
}
