//! Time: the SETTINGS acknowledgement timeout, the idle timeout, the graceful
//! shutdown's PING wait, and keep-alive PINGs.
//!
//! Commands take no `now`. When a period starts in a command or in the output
//! path (the last stream ends while data is written), its start is unknown:
//! `poll_timeout` answers the last `now` the machine was told, the driver
//! calls `handle_timeout(now)` at once, and the period counts from that `now`.
//! The same early wake-up tells a driver that events wait (`SendReady`).

use super::{Core, KEEPALIVE_PING, Shutdown};
use crate::h2::error::{Error, ErrorKind};
use crate::h2::frame;
use crate::h2::registry::ErrorCode;
use crate::time::Instant;

impl Core {
    /// Learns the time, starting the periods that waited for it.
    pub(super) fn tick(&mut self, now: Instant) {
        self.now = self.now.max(now);
        if self.store.len() == 0 {
            self.idle_since.get_or_insert(now);
        } else {
            self.idle_since = None;
        }
        if let Shutdown::PingSent { deadline: None } = self.shutdown {
            self.shutdown = Shutdown::PingSent {
                deadline: Some(now + self.config.shutdown_ping_timeout),
            };
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.error.is_some() || self.closing {
            return None;
        }
        if !self.notices.is_empty() || self.pending.is_some() {
            return Some(self.now);
        }
        let mut next: Option<Instant> = None;
        let mut at = |t: Instant| next = Some(next.map_or(t, |n| n.min(t)));
        if let Some(t) = self.settings_deadline {
            at(t);
        }
        if let (Some(timeout), 0) = (self.config.idle_timeout, self.store.len()) {
            at(self.idle_since.map_or(self.now, |since| since + timeout));
        }
        if let Shutdown::PingSent { deadline } = self.shutdown {
            at(deadline.unwrap_or(self.now));
        }
        if let Some(interval) = self.config.keepalive_interval {
            at(self
                .keepalive_deadline
                .unwrap_or(self.last_input + interval));
        }
        next
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.closing {
            return Ok(());
        }
        self.tick(now);
        // RFC 9113 section 6.5.3: SETTINGS not acknowledged in time MAY be a
        // connection error of type SETTINGS_TIMEOUT.
        if self.settings_deadline.is_some_and(|t| now >= t) {
            let e = Error::connection(ErrorKind::SettingsTimeout);
            self.fail(e);
            return Err(e);
        }
        if self.keepalive_deadline.is_some_and(|t| now >= t) {
            let e = Error::connection(ErrorKind::PingTimeout);
            self.fail(e);
            return Err(e);
        }
        if let Some(interval) = self.config.keepalive_interval
            && self.keepalive_deadline.is_none()
            && now >= self.last_input + interval
        {
            frame::write_ping(self.write.vec(), KEEPALIVE_PING, false);
            self.keepalive_deadline = Some(now + self.config.keepalive_timeout);
        }
        if let Shutdown::PingSent { deadline: Some(t) } = self.shutdown
            && now >= t
        {
            self.final_goaway();
        }
        if let (Some(timeout), Some(since)) = (self.config.idle_timeout, self.idle_since)
            && self.store.len() == 0
            && now >= since + timeout
        {
            self.close(ErrorCode::NO_ERROR);
        }
        Ok(())
    }
}
