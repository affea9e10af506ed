//! The event loop: one thread, one `mio::Poll`, many connections.

use std::io::{self, Read, Write};
use std::net::{Shutdown as HowShutdown, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use shockwave_proto::Instant;

use crate::machine::{App, Machine};
use crate::timer::{self, Clock, Timers};

/// The listener's token; connections use their slot index as token.
const LISTENER: Token = Token(usize::MAX - 1);
/// The [`Shutdown`] waker's token.
const WAKER: Token = Token(usize::MAX);
/// Read/app/write rounds one connection gets per turn before the others get
/// theirs (a peer that never stops sending cannot starve the rest).
const ROUNDS_PER_TURN: usize = 16;

/// Limits and sizes of the loop itself (the protocol's limits are in the
/// machine's own config).
#[derive(Clone, Debug)]
pub struct Options {
    /// Most connections open at once. Beyond it the loop stops accepting: new
    /// peers wait in the kernel's listen backlog until a connection closes.
    pub max_connections: usize,
    /// After a machine closes, the loop shuts down its writing side and reads
    /// and drops what the peer still sends, for at most this long, before it
    /// closes the socket. Closing with unread input makes the kernel send a
    /// reset, which can destroy the last response before the peer reads it.
    /// `Duration::ZERO` closes at once.
    pub linger: Duration,
    /// Readiness events taken from the kernel per `poll` call.
    pub events_capacity: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_connections: 10_000,
            linger: Duration::from_secs(2),
            events_capacity: 1024,
        }
    }
}

/// Stops a running [`EventLoop`] from any thread. Cheap to clone.
///
/// The loop returns from [`EventLoop::run`] at the end of the turn in which it
/// sees the request; connections still open are closed when the loop is dropped.
#[derive(Clone, Debug)]
pub struct Shutdown {
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl Shutdown {
    /// Asks the loop to stop, waking it if it sleeps in `poll`.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        // A failed wake only delays the stop to the loop's next wake-up.
        let _ = self.waker.wake();
    }
}

/// A single-threaded loop that accepts TCP connections and drives one
/// [`Machine`] per connection for an [`App`]. See the [crate docs](crate) for
/// what each turn does.
pub struct EventLoop<A: App> {
    poll: Poll,
    events: Events,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    core: Core<A>,
}

/// One accepted connection.
#[derive(Debug)]
struct Conn<M, S> {
    stream: TcpStream,
    machine: M,
    state: S,
    /// A readable edge was seen and the socket was not yet read dry.
    readable: bool,
    /// The kernel reported the peer's FIN (so a short read does not prove the
    /// socket is drained: the 0-byte read is still to come).
    read_closed: bool,
    /// A read returned 0.
    peer_eof: bool,
    /// The machine returned an error: no more input; flush, then close.
    failed: bool,
    /// `Some(until)` once the machine closed and we drain the peer's input.
    lingering: Option<Instant>,
    /// What the socket is registered for (`None`: not registered).
    interest: Option<Interest>,
    /// The deadline queued in the timer heap for this connection.
    armed: Option<Instant>,
}

/// A slab slot. `generation` changes whenever the slot's connection goes, so
/// timer entries of an old connection never touch a new one.
#[derive(Debug)]
struct Slot<M, S> {
    generation: u32,
    conn: Option<Conn<M, S>>,
}

/// What driving a connection left it as.
enum Step {
    /// Waiting for readiness or a timer.
    Open,
    /// Still has work (its round budget ran out): drive it again next turn.
    Again,
    /// The machine is done (or failed and flushed): start closing.
    Finished,
    /// The socket failed, or lingering ended: drop it now.
    Dead,
}

/// Everything but the `Poll` and its `Events`, so events can be iterated while
/// the state changes.
struct Core<A: App> {
    app: A,
    options: Options,
    listener: TcpListener,
    /// The listener had a readable edge not yet drained to `WouldBlock`.
    accept_pending: bool,
    slots: Vec<Slot<A::Machine, A::State>>,
    free: Vec<usize>,
    live: usize,
    timers: Timers,
    /// Connections to drive again next turn, and the list being driven now.
    again: Vec<usize>,
    again_now: Vec<usize>,
    clock: Clock,
    now: Instant,
    unix_secs: u64,
}

impl<A: App> EventLoop<A> {
    /// Binds a listener on `addr` (`127.0.0.1:0` picks a free port).
    pub fn bind(addr: SocketAddr, app: A, options: Options) -> io::Result<Self> {
        Self::with_listener(TcpListener::bind(addr)?, app, options)
    }

    /// Serves on a listener the caller made (for socket options of its own).
    pub fn with_listener(mut listener: TcpListener, app: A, options: Options) -> io::Result<Self> {
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let clock = Clock::new();
        // The slab and the timer heap grow during warm-up and are reused after.
        let slots = options.max_connections.min(1024);
        Ok(EventLoop {
            events: Events::with_capacity(options.events_capacity.max(1)),
            stop: Arc::new(AtomicBool::new(false)),
            waker,
            core: Core {
                app,
                listener,
                accept_pending: false,
                slots: Vec::with_capacity(slots),
                free: Vec::with_capacity(slots),
                live: 0,
                timers: Timers::default(),
                again: Vec::new(),
                again_now: Vec::new(),
                now: clock.now(),
                clock,
                unix_secs: Clock::unix_secs(),
                options,
            },
            poll,
        })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.core.listener.local_addr()
    }

    /// A handle that stops [`EventLoop::run`] from another thread.
    pub fn shutdown_handle(&self) -> Shutdown {
        Shutdown {
            stop: Arc::clone(&self.stop),
            waker: Arc::clone(&self.waker),
        }
    }

    /// Connections open now (including those lingering before the close).
    pub fn connections(&self) -> usize {
        self.core.live
    }

    /// The application.
    pub fn app(&self) -> &A {
        &self.core.app
    }

    /// The application, mutably (between turns).
    pub fn app_mut(&mut self) -> &mut A {
        &mut self.core.app
    }

    /// Runs turns until a [`Shutdown`] handle stops the loop.
    pub fn run(&mut self) -> io::Result<()> {
        while self.turn(None)? {}
        Ok(())
    }

    /// One turn: waits for readiness (at most until the next timer, and at most
    /// `max_wait` when given), then handles everything that became ready.
    /// Returns `false` once the loop was asked to stop.
    pub fn turn(&mut self, max_wait: Option<Duration>) -> io::Result<bool> {
        if self.stop.load(Ordering::Acquire) {
            return Ok(false);
        }
        // 1. Sleep until readiness or the earliest live deadline; not at all if
        //    a connection still has work from the last turn.
        let core = &mut self.core;
        let now = core.clock.now();
        let mut wait = core.next_deadline().map(|at| timer::until(now, at));
        if !core.again.is_empty() {
            wait = Some(Duration::ZERO);
        }
        if let Some(max) = max_wait {
            wait = Some(wait.map_or(max, |w| w.min(max)));
        }
        match self.poll.poll(&mut self.events, wait) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => self.events.clear(),
            Err(e) => return Err(e),
        }

        // 2. One clock reading per turn, for every machine the turn touches.
        core.now = core.clock.now();
        core.unix_secs = Clock::unix_secs();
        let registry = self.poll.registry();

        // 3. Readiness: note it on the connection, then drive the connection.
        for event in self.events.iter() {
            match event.token() {
                LISTENER => core.accept_pending = true,
                WAKER => {}
                Token(slot) => {
                    if let Some(conn) = core.conn_mut(slot) {
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            conn.readable = true;
                        }
                        if event.is_read_closed() {
                            conn.read_closed = true;
                        }
                        core.drive(registry, slot);
                    }
                }
            }
        }

        // 4. Connections whose round budget ran out last turn.
        core.drive_again(registry);

        // 5. Timers that are due.
        core.fire_timers(registry);

        // 6. New connections (also retried here after closes freed room).
        core.accept(registry);

        Ok(!self.stop.load(Ordering::Acquire))
    }
}

impl<A: App> std::fmt::Debug for EventLoop<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("listener", &self.core.listener)
            .field("connections", &self.core.live)
            .field("options", &self.core.options)
            .finish_non_exhaustive()
    }
}

impl<A: App> Drop for EventLoop<A> {
    fn drop(&mut self) {
        // Hand every connection back to the application before the sockets close.
        let registry = self.poll.registry();
        for slot in 0..self.core.slots.len() {
            self.core.remove(registry, slot);
        }
    }
}

impl<A: App> Core<A> {
    fn conn_mut(&mut self, slot: usize) -> Option<&mut Conn<A::Machine, A::State>> {
        self.slots.get_mut(slot)?.conn.as_mut()
    }

    /// Accepts until `WouldBlock` (edge-triggered) or the connection limit.
    fn accept(&mut self, registry: &Registry) {
        while self.accept_pending && self.live < self.options.max_connections {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    // If registration fails the socket is dropped: the peer sees a close.
                    let _ = self.insert(registry, stream, peer);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.accept_pending = false,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) => {}
                // Out of file descriptors and the like: retried after the next close
                // or listener event, instead of spinning on it now.
                Err(_) => break,
            }
        }
    }

    fn insert(
        &mut self,
        registry: &Registry,
        stream: TcpStream,
        peer: SocketAddr,
    ) -> io::Result<()> {
        // Responses are written whole; Nagle would only delay the last segment.
        stream.set_nodelay(true)?;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    conn: None,
                });
                self.slots.len() - 1
            }
        };
        let mut stream = stream;
        if let Err(e) = registry.register(&mut stream, Token(slot), Interest::READABLE) {
            self.free.push(slot);
            return Err(e);
        }
        let (machine, state) = self.app.accept(self.now, peer);
        let entry = &mut self.slots[slot];
        let mut conn = Conn {
            stream,
            machine,
            state,
            // Registration reports data that is already there, so wait for the event.
            readable: false,
            read_closed: false,
            peer_eof: false,
            failed: false,
            lingering: None,
            interest: Some(Interest::READABLE),
            armed: None,
        };
        conn.armed = self
            .timers
            .arm(slot, entry.generation, None, conn.machine.poll_timeout());
        entry.conn = Some(conn);
        self.live += 1;
        Ok(())
    }

    /// Reads, lets the application act, writes; re-arms interest and timer.
    fn drive(&mut self, registry: &Registry, slot: usize) {
        let (now, unix_secs) = (self.now, self.unix_secs);
        let Some(entry) = self.slots.get_mut(slot) else {
            return;
        };
        let generation = entry.generation;
        let Some(conn) = entry.conn.as_mut() else {
            return;
        };
        let step = match conn.lingering {
            Some(_) => conn.drain_lingering(),
            None => conn.exchange(&mut self.app, now, unix_secs),
        };
        match step {
            Step::Open | Step::Again => {
                if matches!(step, Step::Again) {
                    self.again.push(slot);
                }
                if conn.update_interest(registry, Token(slot)).is_err() {
                    return self.remove(registry, slot);
                }
                conn.armed = self
                    .timers
                    .arm(slot, generation, conn.armed, conn.deadline());
                self.compact_timers();
            }
            Step::Finished => self.begin_close(registry, slot),
            Step::Dead => self.remove(registry, slot),
        }
    }

    fn drive_again(&mut self, registry: &Registry) {
        std::mem::swap(&mut self.again, &mut self.again_now);
        for i in 0..self.again_now.len() {
            let slot = self.again_now[i];
            self.drive(registry, slot);
        }
        self.again_now.clear();
    }

    /// The machine is done: shut down our side, and linger for the peer's.
    fn begin_close(&mut self, registry: &Registry, slot: usize) {
        let (now, linger) = (self.now, self.options.linger);
        let Some(conn) = self.conn_mut(slot) else {
            return;
        };
        if conn.peer_eof || linger.is_zero() || conn.stream.shutdown(HowShutdown::Write).is_err() {
            return self.remove(registry, slot);
        }
        conn.lingering = Some(now + linger);
        conn.readable = true;
        self.drive(registry, slot);
    }

    /// Drops the connection now and hands it back to the application.
    fn remove(&mut self, registry: &Registry, slot: usize) {
        let Some(entry) = self.slots.get_mut(slot) else {
            return;
        };
        let Some(mut conn) = entry.conn.take() else {
            return;
        };
        entry.generation = entry.generation.wrapping_add(1);
        if conn.interest.is_some() {
            let _ = registry.deregister(&mut conn.stream);
        }
        self.free.push(slot);
        self.live -= 1;
        self.app.on_close(conn.machine, conn.state);
        // `conn.stream` is dropped here: the socket closes.
    }

    /// The earliest live deadline, dropping dead entries from the top.
    fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(entry) = self.timers.peek() {
            if self.is_live(&entry) {
                return Some(entry.0);
            }
            self.timers.pop();
        }
        None
    }

    fn is_live(&self, &(at, slot, generation): &timer::Entry) -> bool {
        self.slots.get(slot).is_some_and(|s| {
            s.generation == generation && s.conn.as_ref().is_some_and(|c| c.armed == Some(at))
        })
    }

    /// Runs every due timer: `handle_timeout`, then a normal drive (which writes
    /// a 408 if the machine queued one, and re-arms).
    fn fire_timers(&mut self, registry: &Registry) {
        let now = self.now;
        while let Some(entry) = self.timers.peek() {
            if entry.0 > now {
                break;
            }
            self.timers.pop();
            if !self.is_live(&entry) {
                continue;
            }
            let slot = entry.1;
            let Some(conn) = self.conn_mut(slot) else {
                continue;
            };
            conn.armed = None;
            match conn.lingering {
                Some(until) if now >= until => {
                    self.remove(registry, slot);
                    continue;
                }
                Some(_) => {}
                None => {
                    if conn.machine.handle_timeout(now).is_err() {
                        conn.failed = true;
                    }
                }
            }
            self.drive(registry, slot);
        }
    }

    /// Keeps dead entries from piling up when deadlines keep moving earlier.
    fn compact_timers(&mut self) {
        if self.timers.len() > 2 * self.live + 64 {
            let slots = &self.slots;
            self.timers.retain(|&(at, slot, generation)| {
                slots.get(slot).is_some_and(|s| {
                    s.generation == generation
                        && s.conn.as_ref().is_some_and(|c| c.armed == Some(at))
                })
            });
        }
    }
}

impl<M: Machine, S> Conn<M, S> {
    /// Rounds of read -> application -> write until nothing moves.
    fn exchange<A>(&mut self, app: &mut A, now: Instant, unix_secs: u64) -> Step
    where
        A: App<Machine = M, State = S>,
    {
        self.machine.set_unix_time(unix_secs);
        for _ in 0..ROUNDS_PER_TURN {
            let Ok(read) = self.read_input(now) else {
                return Step::Dead;
            };
            app.on_ready(&mut self.machine, &mut self.state, now);
            let Ok(wrote) = self.write_output() else {
                return Step::Dead;
            };
            // After an error the machine has queued its last words; once they
            // are out it is done even if it does not say so itself.
            if self.machine.is_closed() || (self.failed && self.machine.poll_transmit().is_none()) {
                return Step::Finished;
            }
            if !read && !wrote {
                if !self.timeout_due(now) {
                    return Step::Open;
                }
                // The timeout may have queued an answer (a 408) or closed the
                // machine: another round writes it.
                if self.machine.poll_transmit().is_none() && !self.machine.is_closed() {
                    return Step::Open;
                }
            }
        }
        Step::Again
    }

    /// Gives the machine `now` at once if its deadline already passed, and
    /// returns whether it did. After every exchange the machine asks to be
    /// woken at once (the idle period began in a command, at a moment it was
    /// not told); answering here costs a call, where the timer heap would cost
    /// a push, a pop and another drive of the connection per batch.
    fn timeout_due(&mut self, now: Instant) -> bool {
        if self.machine.poll_timeout().is_none_or(|at| at > now) {
            return false;
        }
        if self.machine.handle_timeout(now).is_err() {
            self.failed = true;
        }
        true
    }

    /// Reads straight into the machine's buffer while the socket has data and
    /// the machine has room. Returns whether anything happened.
    fn read_input(&mut self, now: Instant) -> io::Result<bool> {
        let mut progress = false;
        while self.readable && !self.peer_eof && !self.failed {
            let buf = self.machine.input_buf();
            if buf.is_empty() {
                // Backpressure: the application has not taken what is buffered.
                // `readable` stays set, so reading resumes without a new edge.
                break;
            }
            let room = buf.len();
            match (&self.stream).read(buf) {
                Ok(0) => {
                    self.peer_eof = true;
                    progress = true;
                    if self.machine.handle_eof(now).is_err() {
                        self.failed = true;
                    }
                }
                Ok(n) => {
                    progress = true;
                    if self.machine.input_filled(now, n).is_err() {
                        self.failed = true;
                    }
                    // With epoll and kqueue a short read proves the socket is
                    // drained (tokio relies on the same), saving the read that
                    // would only say WouldBlock. Not after a FIN: the 0 is still due.
                    if n < room && !self.read_closed {
                        self.readable = false;
                    }
                    // Let the application take these bytes before reading more.
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(progress)
    }

    /// Writes `poll_transmit` until the machine or the socket has no more.
    fn write_output(&mut self) -> io::Result<bool> {
        let mut progress = false;
        while let Some(bytes) = self.machine.poll_transmit() {
            let len = bytes.len();
            match (&self.stream).write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.machine.advance_transmit(n);
                    progress = true;
                    if n < len {
                        // The socket buffer is full: WRITABLE will say when it is not.
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(progress)
    }

    /// Reads and drops input after the machine closed; `Dead` at the peer's EOF.
    fn drain_lingering(&mut self) -> Step {
        let mut sink = [0u8; 1024];
        while self.readable {
            match (&self.stream).read(&mut sink) {
                Ok(0) => return Step::Dead,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Step::Dead,
            }
        }
        Step::Open
    }

    /// Registers for what the connection waits on now: READABLE while the
    /// machine has room for input, WRITABLE only while output is pending.
    fn update_interest(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let read = if self.lingering.is_some() {
            true
        } else {
            !self.peer_eof && !self.failed && !self.machine.input_buf().is_empty()
        };
        let write = self.machine.poll_transmit().is_some();
        let want = match (read, write) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        };
        if want == self.interest {
            return Ok(());
        }
        match (self.interest, want) {
            (None, Some(want)) => registry.register(&mut self.stream, token, want)?,
            (Some(_), Some(want)) => registry.reregister(&mut self.stream, token, want)?,
            (Some(_), None) => registry.deregister(&mut self.stream)?,
            (None, None) => {}
        }
        self.interest = want;
        Ok(())
    }

    /// The deadline this connection wants now.
    fn deadline(&self) -> Option<Instant> {
        match self.lingering {
            Some(until) => Some(until),
            None => self.machine.poll_timeout(),
        }
    }
}
