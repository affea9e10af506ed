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

/// The connection half of the shared vocabulary, as the drivers use it: one
/// implementation per server machine, so the driver helpers below are written once.
pub(crate) trait Machine {
    fn poll_transmit(&mut self) -> Option<&[u8]>;
    fn advance_transmit(&mut self, n: usize);
    fn poll_timeout(&self) -> Option<shockwave_proto::Instant>;
    /// Peer errors are queued as the machine's last output; the driver only logs them.
    fn handle_timeout(&mut self, now: shockwave_proto::Instant);
    fn handle_eof(&mut self, now: shockwave_proto::Instant);
    fn input_filled(&mut self, now: shockwave_proto::Instant, n: usize);
    /// Graceful close: in-flight requests finish, then the machine closes.
    fn shutdown(&mut self);
}

impl Machine for ServerConn {
    fn poll_transmit(&mut self) -> Option<&[u8]> {
        ServerConn::poll_transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        ServerConn::advance_transmit(self, n);
    }
    fn poll_timeout(&self) -> Option<shockwave_proto::Instant> {
        ServerConn::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: shockwave_proto::Instant) {
        if let Err(e) = ServerConn::handle_timeout(self, now) {
            tracing::debug!(error = %e, "timed out");
        }
    }
    fn handle_eof(&mut self, now: shockwave_proto::Instant) {
        let _ = ServerConn::handle_eof(self, now);
    }
    fn input_filled(&mut self, now: shockwave_proto::Instant, n: usize) {
        if let Err(e) = ServerConn::input_filled(self, now, n) {
            tracing::debug!(error = %e, "bad request");
        }
    }
    fn shutdown(&mut self) {
        self.close();
    }
}

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
pub(crate) async fn write_output<IO, M>(io: &mut IO, conn: &mut M) -> io::Result<()>
where
    IO: AsyncWrite + Unpin,
    M: Machine,
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
            // On the heap: inline, 1 KiB would sit in every connection's task for its
            // whole life; this allocates only for a connection closed on error.
            let mut sink = vec![0u8; 1024];
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

/// Hands the machine the time when its deadline is already due, instead of
/// through the timer; returns whether it did (the driver then takes another
/// turn, to write what the machine queued). After every exchange the machine
/// asks to be woken at once to learn when the idle period began: going through
/// the timer would cost a timer reset, a runtime wake-up and an extra turn per
/// request.
pub(crate) fn due(conn: &mut impl Machine, now: Instant) -> bool {
    let now = crate::time::to_machine(now);
    if conn.poll_timeout().is_some_and(|at| at <= now) {
        conn.handle_timeout(now);
        return true;
    }
    false
}

/// Points the connection's timer at the machine's next deadline; returns
/// whether there is one.
///
/// The timer is moved lazily: only when the deadline comes earlier, or when the
/// timer is already due (`now`). A later deadline (the keep-alive period
/// restarting after every response) keeps the earlier timer; it then fires
/// early, `handle_timeout` does nothing before the machine's real deadline, and
/// the next turn arms the real one. Resetting on every request would take the
/// timer driver's lock each time, and a reset that moves a connection's timer
/// ahead of the driver's next wake-up costs an extra `write` to the runtime's
/// waker.
pub(crate) fn arm_timer(
    conn: &impl Machine,
    sleep: std::pin::Pin<&mut tokio::time::Sleep>,
    now: Instant,
) -> bool {
    let Some(deadline) = conn.poll_timeout().map(crate::time::to_tokio) else {
        return false;
    };
    let current = sleep.deadline();
    if deadline < current || (current <= now && current != deadline) {
        sleep.reset(deadline);
    }
    true
}

/// Feeds the machine what woke the driver. `Err` ends the connection (the
/// socket failed, or nothing can wake it any more); `Ok(Some)` is the
/// driver's own source, for the driver to handle.
pub(crate) fn apply<T>(
    conn: &mut impl Machine,
    wake: Wake<T>,
    closing: &mut bool,
) -> Result<Option<T>, ()> {
    apply_at(conn, wake, closing, Instant::now())
}

/// [`apply`] at `now`, for a driver that keeps the time it woke at for the
/// turn that follows (one clock read per turn).
pub(crate) fn apply_at<T>(
    conn: &mut impl Machine,
    wake: Wake<T>,
    closing: &mut bool,
    now: Instant,
) -> Result<Option<T>, ()> {
    let now = crate::time::to_machine(now);
    match wake {
        Wake::Shutdown => {
            *closing = true;
            conn.shutdown();
        }
        Wake::Timer => conn.handle_timeout(now),
        Wake::Read(Ok(0)) => conn.handle_eof(now),
        // A peer error queues its response; the loop writes it and closes.
        Wake::Read(Ok(n)) => conn.input_filled(now, n),
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
