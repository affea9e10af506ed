//! What every connection driver shares: the wall-clock cache, writing the
//! machine's output, and closing the socket.
//!
//! A driver turn is: set the time, let the application act on the machine's
//! events, write out everything the machine queued (flushing before reading
//! more), then wait for input, the machine's deadline, or shutdown.

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shockwave_proto::h1::server::ServerConn;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// How long a closing connection waits for its last bytes to leave and for
/// the peer's unread bytes to drain (so an error response is not lost to a reset).
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// The wall clock, read once per connection and advanced with tokio's
/// monotonic clock, so a turn never calls `SystemTime::now`.
pub(crate) struct Clock {
    base: Instant,
    base_unix: Duration,
}

impl Clock {
    pub(crate) fn new(now: Instant) -> Self {
        let base_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            base: now,
            base_unix,
        }
    }

    /// Seconds since the Unix epoch at `now`.
    pub(crate) fn unix_secs(&self, now: Instant) -> u64 {
        (self.base_unix + now.saturating_duration_since(self.base)).as_secs()
    }
}

/// Writes everything the machine queued, then flushes (TLS records leave on flush).
pub(crate) async fn write_output<IO>(io: &mut IO, conn: &mut ServerConn) -> io::Result<()>
where
    IO: AsyncWrite + Unpin,
{
    let mut wrote = false;
    while let Some(out) = conn.poll_transmit() {
        let len = out.len();
        io.write_all(out).await?;
        conn.advance_transmit(len);
        wrote = true;
    }
    if wrote {
        io.flush().await?;
    }
    Ok(())
}

/// Shuts the socket down. After a peer error (`linger`), the peer's unread bytes
/// are read and dropped for a moment first: closing with unread input makes the
/// kernel send a reset, which can destroy the error response before it is read.
pub(crate) async fn close<IO>(io: &mut IO, linger: bool)
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        let _ = io.shutdown().await;
        if linger {
            let mut sink = [0u8; 1024];
            while let Ok(n) = io.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        }
    })
    .await;
}

/// What woke a driver up.
pub(crate) enum Wake<T = ()> {
    /// The server is shutting down.
    Shutdown,
    /// The machine's deadline passed.
    Timer,
    /// The socket read returned.
    Read(io::Result<usize>),
    /// A driver-specific source (the service, a body, a channel).
    Other(T),
    /// Nothing can wake the connection any more.
    Stuck,
}

/// Points the connection's timer at the machine's next deadline; returns
/// whether there is one.
pub(crate) fn arm_timer(conn: &ServerConn, sleep: std::pin::Pin<&mut tokio::time::Sleep>) -> bool {
    let Some(deadline) = conn.poll_timeout().map(crate::time::to_tokio) else {
        return false;
    };
    if sleep.deadline() != deadline {
        sleep.reset(deadline);
    }
    true
}

/// Feeds the machine what woke the driver. `Err` ends the connection (the
/// socket failed, or nothing can wake it any more); `Ok(Some)` is the
/// driver's own source, for the driver to handle.
pub(crate) fn apply<T>(
    conn: &mut ServerConn,
    wake: Wake<T>,
    closing: &mut bool,
) -> Result<Option<T>, ()> {
    let now = crate::time::to_machine(Instant::now());
    match wake {
        Wake::Shutdown => {
            *closing = true;
            conn.close();
        }
        Wake::Timer => {
            let _ = conn.handle_timeout(now);
        }
        Wake::Read(Ok(0)) => {
            let _ = conn.handle_eof(now);
        }
        Wake::Read(Ok(n)) => {
            // A peer error queues its response; the loop writes it and closes.
            if let Err(e) = conn.input_filled(now, n) {
                tracing::debug!(error = %e, "bad request");
            }
        }
        Wake::Read(Err(e)) => {
            tracing::debug!(error = %e, "read failed");
            return Err(());
        }
        Wake::Other(t) => return Ok(Some(t)),
        Wake::Stuck => {
            tracing::debug!("connection cannot make progress; dropping it");
            return Err(());
        }
    }
    Ok(None)
}
