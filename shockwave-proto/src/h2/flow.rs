//! Flow-control windows (RFC 9113 sections 5.2 and 6.9) and the policy for
//! giving credit back.
//!
//! Sending: a [`SendWindow`] is the credit the peer gave us; DATA may use it up,
//! a WINDOW_UPDATE adds to it, a change of the peer's SETTINGS_INITIAL_WINDOW_SIZE
//! moves every stream's window by the difference (and may leave it negative,
//! section 6.9.2). Past 2^31-1 is a FLOW_CONTROL_ERROR (section 6.9.1).
//!
//! Receiving: a [`RecvWindow`] counts what the peer may still send. Credit
//! comes back only as the application releases bytes it has consumed
//! (`release_data`); it is announced in a WINDOW_UPDATE once the released but
//! unannounced credit reaches half the configured window. A fast reader keeps
//! the peer's pipe full (credit returns while half the window is still in
//! flight); a slow reader never holds more unconsumed bytes than its window.

use super::settings::MAX_WINDOW;

/// The window is past 2^31-1 (RFC 9113 section 6.9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

/// Credit the peer gave us for sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SendWindow(i64);

impl SendWindow {
    /// A window of `initial` bytes.
    pub(crate) fn new(initial: u32) -> Self {
        SendWindow(initial as i64)
    }

    /// Bytes that may be sent now (0 while the window is negative).
    pub(crate) fn available(&self) -> usize {
        self.0.max(0) as usize
    }

    /// Records `n` bytes sent.
    pub(crate) fn consume(&mut self, n: usize) {
        self.0 -= n as i64;
    }

    /// Adds a WINDOW_UPDATE's increment.
    pub(crate) fn increase(&mut self, increment: u32) -> Result<(), Overflow> {
        self.adjust(increment as i64)
    }

    /// Moves the window by `delta` (a change of SETTINGS_INITIAL_WINDOW_SIZE).
    pub(crate) fn adjust(&mut self, delta: i64) -> Result<(), Overflow> {
        let next = self.0 + delta;
        if next > MAX_WINDOW as i64 {
            return Err(Overflow);
        }
        self.0 = next;
        Ok(())
    }
}

/// What the peer may still send us, and the credit to give back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RecvWindow {
    /// Bytes the peer may still send (negative after our window shrank).
    window: i64,
    /// The window size we aim to keep open.
    target: u32,
    /// Released by the application, not yet announced.
    unannounced: u32,
    /// Received and not yet released by the application.
    outstanding: u64,
}

impl RecvWindow {
    /// A window the peer believes is `initial` bytes, kept at `target`.
    pub(crate) fn new(initial: u32, target: u32) -> Self {
        RecvWindow {
            window: initial as i64,
            target,
            unannounced: 0,
            outstanding: 0,
        }
    }

    /// Records `n` bytes received; `Err` when they exceed the window (RFC 9113
    /// section 6.9.1: the sender MUST NOT send more than the window allows).
    pub(crate) fn receive(&mut self, n: usize) -> Result<(), Overflow> {
        if n as i64 > self.window {
            return Err(Overflow);
        }
        self.window -= n as i64;
        self.outstanding += n as u64;
        Ok(())
    }

    /// Bytes received and not released.
    pub(crate) fn outstanding(&self) -> u64 {
        self.outstanding
    }

    /// The application consumed `n` bytes (at most [`RecvWindow::outstanding`];
    /// the caller checks). Returns the WINDOW_UPDATE increment to send now, if
    /// the policy says so.
    pub(crate) fn release(&mut self, n: usize) -> Option<u32> {
        let n = (n as u64).min(self.outstanding);
        self.outstanding -= n;
        self.unannounced = self.unannounced.saturating_add(n as u32);
        self.announce_due()
    }

    /// The increment to announce now, if the unannounced credit reached half
    /// the target. Received + released + open credit always add up to the
    /// window, so a peer blocked on a fully consumed window always gets credit.
    fn announce_due(&mut self) -> Option<u32> {
        let half = (self.target / 2).max(1);
        let room = (MAX_WINDOW as i64 - self.window).max(0) as u32;
        let inc = self.unannounced.min(room);
        if inc == 0 || self.unannounced < half {
            return None;
        }
        self.unannounced -= inc;
        self.window += inc as i64;
        Some(inc)
    }

    /// Grows the window to `target` at once (the connection window at start).
    /// Returns the increment to announce.
    pub(crate) fn open_to_target(&mut self) -> Option<u32> {
        let inc = (self.target as i64 - self.window).clamp(0, MAX_WINDOW as i64) as u32;
        (inc > 0).then(|| {
            self.window += inc as i64;
            inc
        })
    }

    /// Moves the window by `delta` (our SETTINGS_INITIAL_WINDOW_SIZE took
    /// effect, section 6.9.2).
    pub(crate) fn adjust(&mut self, delta: i64) {
        self.window += delta;
    }

    /// What the peer may still send.
    #[cfg(test)]
    pub(crate) fn window(&self) -> i64 {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_window_overflow_and_negative() {
        let mut w = SendWindow::new(65_535);
        w.consume(65_535);
        assert_eq!(w.available(), 0);
        w.adjust(-100).unwrap();
        assert_eq!(w.available(), 0, "negative after a SETTINGS decrease");
        w.increase(150).unwrap();
        assert_eq!(w.available(), 50);
        assert_eq!(w.increase(MAX_WINDOW), Err(Overflow));
        let mut full = SendWindow::new(MAX_WINDOW);
        assert_eq!(full.increase(1), Err(Overflow));
    }

    #[test]
    fn credit_returns_at_half_the_window() {
        let mut w = RecvWindow::new(100, 100);
        w.receive(60).unwrap();
        assert_eq!(w.receive(41), Err(Overflow));
        assert_eq!(w.release(30), None, "below half");
        assert_eq!(w.release(30), Some(60));
        assert_eq!(w.window(), 100);
        assert_eq!(w.outstanding(), 0);
    }

    #[test]
    fn a_slow_reader_holds_at_most_its_window() {
        let mut w = RecvWindow::new(100, 100);
        w.receive(100).unwrap();
        assert!(
            w.receive(1).is_err(),
            "nothing released, nothing more may come"
        );
        assert_eq!(w.release(10), None, "the reader still holds 90 bytes");
        assert_eq!(
            w.release(40),
            Some(50),
            "half consumed: credit for that half"
        );
        w.receive(50).unwrap();
        assert_eq!(w.outstanding(), 100);
    }

    #[test]
    fn released_credit_never_overflows_the_peer() {
        let mut w = RecvWindow::new(MAX_WINDOW, MAX_WINDOW);
        w.receive(MAX_WINDOW as usize).unwrap();
        assert_eq!(
            w.release(usize::MAX),
            Some(MAX_WINDOW),
            "clamped to what was received"
        );
        assert_eq!(w.release(1), None);
    }

    #[test]
    fn connection_window_opens_at_start() {
        let mut w = RecvWindow::new(65_535, 4 << 20);
        assert_eq!(w.open_to_target(), Some((4 << 20) - 65_535));
        assert_eq!(w.open_to_target(), None);
    }
}
