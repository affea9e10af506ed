//! A small single-threaded event loop over [mio] that drives Shockwave
//! connection machines: the model for anyone who brings their own event loop
//! (epoll, io_uring, DPDK, a game engine's tick).
//!
//! The loop knows sockets, readiness, time and nothing else. It never parses or
//! builds a protocol byte: it moves bytes between sockets and [`Machine`]s with
//! the shared verbs (`input_buf`/`input_filled`, `handle_eof`,
//! `poll_transmit`/`advance_transmit`, `poll_timeout`/`handle_timeout`,
//! `is_closed`), and calls the [`App`] so the application can poll the
//! machine's events and answer with its commands.
//!
//! # Using it
//!
//! ```
//! use shockwave_mio::{EventLoop, H1App, Options};
//! use shockwave_proto::h1::Config;
//! use shockwave_proto::h1::server::ServerEvent;
//!
//! let app = H1App::new(Config::default(), |conn, _now| {
//!     while let Some(event) = conn.poll_event() {
//!         if let ServerEvent::RequestReceived(_) = event {
//!             let _ = conn.send_response_with_body(200, &[(b"content-type", b"text/plain")], b"hi\n");
//!         }
//!     }
//! });
//! let mut event_loop = EventLoop::bind("127.0.0.1:0".parse().unwrap(), app, Options::default())?;
//! println!("listening on {}", event_loop.local_addr()?);
//! let shutdown = event_loop.shutdown_handle(); // Send + Clone: stop it from any thread
//! shutdown.stop();
//! event_loop.run()?; // returns once stopped
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! `examples/hello.rs` is a complete server (`GET /`, a streamed `POST /echo`,
//! 404 otherwise) with per-connection application state.
//!
//! # The loop, step by step
//!
//! This is all a driver does; the source (`event_loop.rs`) follows the same steps
//! in the same order, and each maps one-to-one onto a completion-based or
//! poll-mode loop.
//!
//! 1. **Time.** One origin is taken when the loop is built; every reading of the
//!    monotonic clock becomes a shockwave [`Instant`] = nanoseconds since it.
//!    Each turn reads the clock once (`now`) and the wall clock once, which is
//!    given to each machine the turn touches with `set_unix_time` (for `Date`).
//! 2. **Sleep.** `poll` waits for readiness, at most until the earliest live
//!    timer deadline (not at all if a connection still has work from the last
//!    turn).
//! 3. **Accept.** The listener is edge-triggered: accept until `WouldBlock`.
//!    Each connection gets a slot in a slab (`Vec` of slots plus a free list),
//!    a machine and application state from [`App::accept`], `TCP_NODELAY`, and
//!    READABLE interest. At [`Options::max_connections`] the loop stops
//!    accepting and remembers the listener is still ready; it resumes when a
//!    connection closes.
//! 4. **Drive a ready connection**, in rounds (at most 16 per turn, so one busy
//!    peer cannot starve the others):
//!    - *read*: while the socket is readable and `input_buf()` is not empty,
//!      read straight into it and call `input_filled(now, n)`. An empty
//!      `input_buf()` is backpressure: stop reading (the kernel's buffer and
//!      then TCP flow control hold the peer back). A read of 0 is
//!      `handle_eof(now)`.
//!    - *application*: [`App::on_ready`] polls events and issues commands.
//!    - *write*: `poll_transmit()` and `advance_transmit(n)` until `None` or
//!      `WouldBlock`.
//!    - *repeat* while the round read or wrote something.
//!    - *due deadline*: when the round moved nothing and `poll_timeout()` is
//!      already past, call `handle_timeout(now)` here, and take another round
//!      only if that queued output or closed the machine. An HTTP/1.1 machine
//!      asks for this after every exchange (its idle period began in a
//!      command, at a moment it was not told); through the timer heap it
//!      would cost a push, a pop and another drive per batch of requests.
//!
//!    Because the sockets are edge-triggered, the loop remembers "readable and
//!    not yet read dry" itself, so a connection that was held back by
//!    backpressure resumes reading without waiting for a new edge.
//! 5. **Interest.** After driving, register READABLE only while the machine has
//!    room for input, and WRITABLE only while output is pending (deregister if
//!    neither). Readiness for what we cannot use would only wake us for nothing.
//! 6. **Timers.** Re-arm from `poll_timeout()`. The timer queue is a min-heap of
//!    `(deadline, slot, generation)`; an entry counts only while its slot holds
//!    the same connection and that connection's armed deadline is this one, so
//!    nothing is ever removed in place. A deadline that moved *later* keeps the
//!    earlier entry, which fires early (harmless: `handle_timeout` checks) and
//!    re-arms; so the keep-alive timer that moves with every request costs no
//!    heap operation. Due entries call `handle_timeout(now)` and drive the
//!    connection (which writes the 408 a slow client earned).
//! 7. **Errors.** An `Err` from the machine means it has queued what the peer
//!    must be told (a 400, a 408, ...): stop reading, write it out, close. An
//!    I/O error on the socket closes at once (nothing more can be sent).
//! 8. **Close.** Once `is_closed()`, shut down the writing side and *linger*:
//!    read and drop the peer's input until its EOF or [`Options::linger`]
//!    passes, then close. Closing a socket with unread input makes the kernel
//!    send a reset, which can destroy the last response (say, that 400) before
//!    the peer reads it. [`App::on_close`] gets the machine and state back.
//! 9. **Stop.** A [`Shutdown`] handle (a flag plus a `mio::Waker`) ends
//!    [`EventLoop::run`] from any thread; dropping the loop closes what is open.
//!
//! After warm-up the loop allocates nothing per request: the event list, the
//! slab, the timer heap and the per-turn work list are reused, and bytes go
//! straight between the socket and the machine's own buffers.
//!
//! # Adapting it
//!
//! - **Completion-based I/O (io_uring, IOCP):** submit the read into
//!   `input_buf()` and call `input_filled` on completion; the buffer must stay
//!   untouched while the read is in flight, so do not call the application
//!   between submission and completion. Submit `poll_transmit()` as the write
//!   and `advance_transmit(n)` on completion.
//! - **Poll-mode (DPDK, a userspace TCP):** the same rounds, run from your poll
//!   loop; `now` comes from your TSC clock, mapped to nanoseconds.
//! - **Another protocol:** implement [`Machine`] for its connection type; the
//!   loop does not change.
//!
//! [`Instant`]: shockwave_proto::Instant
#![deny(missing_docs)]

mod event_loop;
mod machine;
mod timer;

pub use event_loop::{EventLoop, Options, Shutdown};
pub use machine::{App, H1App, Machine};

/// The machine crate this loop drives, re-exported so applications name one version.
pub use shockwave_proto;
