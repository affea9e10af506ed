//! The two traits the loop is written against: [`Machine`] (the protocol side,
//! the shared vocabulary) and [`App`] (the application side, which makes a
//! machine per connection and answers its events).

use std::net::SocketAddr;

use shockwave_proto::Instant;
use shockwave_proto::h1::server::ServerConn;
use shockwave_proto::h1::{self, Config};

/// A connection machine as the loop sees it: the I/O half of the shared
/// vocabulary, and nothing protocol-specific.
///
/// Events and commands (`poll_event`, `send_response`, ...) are not here: they
/// differ per protocol and belong to the [`App`]. That is what lets one loop drive
/// HTTP/1.1 today and an h2 or WebSocket machine tomorrow.
///
/// Every `Err` the loop gets back is treated the same way: the machine has
/// already queued what the peer must be told (a 400, a GOAWAY, a close frame),
/// so the loop stops reading, writes out `poll_transmit`, and closes.
pub trait Machine {
    /// The machine's peer-error type. The loop never inspects it.
    type Error;

    /// Room to read the socket into. Empty means "not now" (backpressure, or the
    /// machine takes no more input).
    fn input_buf(&mut self) -> &mut [u8];
    /// `n` bytes were read into [`Machine::input_buf`].
    fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), Self::Error>;
    /// The peer shut down its sending side (a read returned 0).
    fn handle_eof(&mut self, now: Instant) -> Result<(), Self::Error>;
    /// The bytes to write next, or `None` when nothing is queued.
    fn poll_transmit(&mut self) -> Option<&[u8]>;
    /// `n` bytes of [`Machine::poll_transmit`] were written.
    fn advance_transmit(&mut self, n: usize);
    /// The next deadline, if a timer runs.
    fn poll_timeout(&self) -> Option<Instant>;
    /// A deadline passed (calling it early is harmless).
    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error>;
    /// The machine is done: the loop closes the socket.
    fn is_closed(&self) -> bool;
    /// The wall clock, seconds since the Unix epoch, given once per loop turn to
    /// every machine the turn touches. Machines without a `Date` ignore it.
    fn set_unix_time(&mut self, unix_secs: u64) {
        let _ = unix_secs;
    }
}

impl Machine for ServerConn {
    type Error = h1::Error;

    fn input_buf(&mut self) -> &mut [u8] {
        ServerConn::input_buf(self)
    }
    fn input_filled(&mut self, now: Instant, n: usize) -> Result<(), h1::Error> {
        ServerConn::input_filled(self, now, n)
    }
    fn handle_eof(&mut self, now: Instant) -> Result<(), h1::Error> {
        ServerConn::handle_eof(self, now)
    }
    fn poll_transmit(&mut self) -> Option<&[u8]> {
        ServerConn::poll_transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        ServerConn::advance_transmit(self, n)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        ServerConn::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Instant) -> Result<(), h1::Error> {
        ServerConn::handle_timeout(self, now)
    }
    fn is_closed(&self) -> bool {
        ServerConn::is_closed(self)
    }
    fn set_unix_time(&mut self, unix_secs: u64) {
        ServerConn::set_unix_time(self, unix_secs)
    }
}

/// The application: makes a machine for each accepted connection and answers
/// its events.
///
/// [`App::on_ready`] is called after every step that may have changed the
/// machine (bytes read, bytes written, a timer fired). It polls events until
/// `None` and issues commands; it may also stop early (for example while the
/// output queue is full) and pick up where it left off at the next call, which
/// comes once the socket has taken some of the output.
pub trait App {
    /// The protocol machine of one connection.
    type Machine: Machine;
    /// The application's own per-connection state (`()` when none is needed).
    type State;

    /// A connection was accepted at `now`: build its machine and state.
    fn accept(&mut self, now: Instant, peer: SocketAddr) -> (Self::Machine, Self::State);

    /// Poll the machine's events and answer them with its commands.
    fn on_ready(&mut self, machine: &mut Self::Machine, state: &mut Self::State, now: Instant);

    /// The connection is gone (closed by the machine, the peer, an I/O error, or
    /// the loop stopping). The default drops both; an application may keep the
    /// state's buffers for the next connection instead.
    fn on_close(&mut self, machine: Self::Machine, state: Self::State) {
        let _ = (machine, state);
    }
}

/// An [`App`] made of one closure over an HTTP/1.1 [`ServerConn`], for
/// applications that need no per-connection state of their own.
///
/// ```
/// use shockwave_mio::H1App;
/// use shockwave_proto::h1::Config;
/// use shockwave_proto::h1::server::ServerEvent;
///
/// let app = H1App::new(Config::default(), |conn, _now| {
///     while let Some(event) = conn.poll_event() {
///         if let ServerEvent::RequestReceived(_) = event {
///             let _ = conn.send_response_with_body(200, &[], b"hi\n");
///         }
///     }
/// });
/// # let _ = app;
/// ```
#[derive(Debug)]
pub struct H1App<F> {
    config: Config,
    handler: F,
}

impl<F> H1App<F>
where
    F: FnMut(&mut ServerConn, Instant),
{
    /// Every connection gets a [`ServerConn`] built from `config`; `handler` is
    /// its [`App::on_ready`].
    pub fn new(config: Config, handler: F) -> Self {
        H1App { config, handler }
    }
}

impl<F> App for H1App<F>
where
    F: FnMut(&mut ServerConn, Instant),
{
    type Machine = ServerConn;
    type State = ();

    fn accept(&mut self, now: Instant, _peer: SocketAddr) -> (ServerConn, ()) {
        (ServerConn::with_start(self.config.clone(), now), ())
    }

    fn on_ready(&mut self, machine: &mut ServerConn, _state: &mut (), now: Instant) {
        (self.handler)(machine, now)
    }
}
