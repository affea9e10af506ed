//! The exchange cycle: parsing heads, moving bodies, timers, and ending or failing
//! an exchange. The transitions of `Recv` and `Send` all live here.

use super::*;

impl ServerConn {
    // ----- internals -----

    pub(super) fn accepts_input(&self) -> bool {
        self.error.is_none()
            && !self.peer_eof
            && !matches!(self.recv, Recv::Upgraded | Recv::Closed)
    }

    pub(super) fn nothing_deliverable(&self) -> bool {
        match self.recv {
            Recv::Head => self.exchange.is_none(),
            Recv::Body | Recv::Discard => self.body.ready() == 0 && self.body.trailers().is_none(),
            _ => false,
        }
    }

    pub(super) fn check_open(&self) -> Result<(), UsageError> {
        if self.error.is_some() || matches!(self.recv, Recv::Closed | Recv::Upgraded) {
            return Err(UsageError::Closed);
        }
        Ok(())
    }

    /// Learns the time; starts a period that began at an unknown moment.
    pub(super) fn tick(&mut self, now: Instant) {
        self.now = now;
        if core::mem::take(&mut self.restart) {
            self.since = now;
            if self.head_started.is_some() {
                self.head_started = Some(now);
            }
        }
    }

    pub(super) fn timer(&self) -> Option<Timer> {
        if self.error.is_some() {
            return None;
        }
        match self.recv {
            Recv::Head if self.exchange.is_none() && !self.closing => {
                if let Some(started) = self.head_started {
                    Some(Timer::Head(started + self.config.header_read_timeout))
                } else if self.served_any {
                    Some(Timer::Idle(self.since + self.config.keep_alive_timeout))
                } else {
                    Some(Timer::Idle(self.since + self.config.header_read_timeout))
                }
            }
            Recv::Body | Recv::Discard
                if self.body.is_waiting_for_bytes()
                    && self.nothing_deliverable()
                    && !self.peer_eof =>
            {
                Some(Timer::Body(self.since + self.config.body_read_timeout))
            }
            _ => None,
        }
    }

    /// New bytes are in the read buffer.
    pub(super) fn on_bytes(&mut self, now: Instant) -> Result<(), Error> {
        let result = match self.recv {
            Recv::Head => {
                if self.head_started.is_none() && self.read.len() > self.base {
                    self.head_started = Some(now);
                }
                if self.exchange.is_none() {
                    self.try_parse_head()
                } else {
                    Ok(())
                }
            }
            Recv::Body => {
                self.since = now;
                self.process_body()
            }
            Recv::Discard => {
                self.since = now;
                self.discard_body()
            }
            Recv::Done | Recv::Upgraded | Recv::Closed => Ok(()),
        };
        result.or_else(|e| self.fail(e))
    }

    /// Parses the next head if one is complete in the buffer.
    pub(super) fn try_parse_head(&mut self) -> Result<(), Error> {
        let data = self.read.data();
        if data.is_empty() {
            return Ok(());
        }
        if self.head_started.is_none() {
            self.head_started = Some(self.now);
            // Called from `poll_event`, `now` may be stale: restart from the next one.
            self.restart = true;
        }
        // Only a new LF can complete a head that was partial before.
        if let Some(at) = self.partial_at {
            let from = at.saturating_sub(1);
            if !data[from..].contains(&b'\n') && data.len() < self.config.max_head_size {
                return Ok(());
            }
        }
        match parse_request(data, &mut self.spans, &self.opts)? {
            Parsed::Partial => {
                if data.len() >= self.config.max_head_size {
                    return Err(ErrorKind::HeadTooLarge.into());
                }
                self.partial_at = Some(data.len());
                Ok(())
            }
            Parsed::Complete { line, fields, len } => {
                if len > self.config.max_head_size {
                    return Err(ErrorKind::HeadTooLarge.into());
                }
                let info = request_info_on(
                    data,
                    &line,
                    &self.spans[..fields],
                    self.config.max_body_size,
                    &mut self.known_host,
                )?;
                self.partial_at = None;
                self.head_started = None;
                self.served_any = true;
                self.exchange = Some(Exchange {
                    line,
                    fields,
                    head_len: len,
                    info,
                    head_delivered: false,
                    finish_delivered: false,
                    continue_sent: false,
                    plain: line.version == Version::Http11
                        && info.keep_alive
                        && !info.upgrade
                        && !info.expect_continue
                        && !matches!(line.method, Method::Head | Method::Connect),
                });
                self.base = len;
                self.recv = Recv::Body;
                self.send = Send::Waiting;
                self.since = self.now;
                self.body.start(info.framing, self.config.max_body_size);
                if self.body.is_received() {
                    // No body: nothing to move.
                    return Ok(());
                }
                self.process_body()
            }
        }
    }

    pub(super) fn process_body(&mut self) -> Result<(), Error> {
        // Trailer fields go after the head's, so the head stays valid until delivered.
        let head_fields = self.exchange.map_or(0, |e| e.fields);
        self.body.process(
            &mut self.read,
            self.base,
            &mut self.spans[head_fields..],
            &self.opts,
            self.config.max_head_size,
        )
    }

    /// Reads and drops the rest of a body after the response ended.
    pub(super) fn discard_body(&mut self) -> Result<(), Error> {
        loop {
            self.process_body()?;
            let ready = self.body.ready();
            self.body.take_ready(ready);
            self.read.cut(self.base, self.base + ready);
            let trailers = self.body.take_trailers();
            self.read.cut(self.base, self.base + trailers);
            if self.body.is_finished() {
                self.recv = Recv::Done;
                self.maybe_end_exchange();
                return Ok(());
            }
            if ready == 0 && trailers == 0 {
                return Ok(());
            }
        }
    }

    /// Ends the exchange once both the request and the response are complete.
    pub(super) fn maybe_end_exchange(&mut self) {
        if self.send != Send::Done {
            return;
        }
        match self.recv {
            Recv::Done => {}
            Recv::Body if self.exchange.is_some_and(|e| e.head_delivered) => {
                // The response ended before the request body: read and drop the
                // rest (the application will not poll for it), unless it is abandoned.
                if !self.keep_alive {
                    self.close_after_output();
                    return;
                }
                if self.body.is_finished() {
                    // Nothing of the request is left to drop (a request without
                    // a body): the exchange ends now. The command that got here
                    // ended the last event's borrow, so its head is taken back
                    // at once and the next head can be parsed from the front.
                    self.take_back_lent();
                    self.recv = Recv::Done;
                } else {
                    self.recv = Recv::Discard;
                    // With the last event's bytes still lent, the next poll decides.
                    if self.lent == Lent::Nothing
                        && let Err(e) = self.discard_body()
                    {
                        let _ = self.fail(e);
                    }
                    return;
                }
            }
            _ => return,
        }
        // Both sides are done.
        self.exchange = None;
        self.send = Send::Idle;
        if !self.keep_alive || self.closing || self.peer_eof {
            self.close_after_output();
            return;
        }
        self.recv = Recv::Head;
        // The exchange ended in a command: the idle period starts at the next `now`.
        self.restart = true;
        self.head_started = None;
        self.partial_at = None;
    }

    pub(super) fn close_after_output(&mut self) {
        self.closing = true;
        self.recv = Recv::Closed;
    }

    pub(super) fn close_now(&mut self) {
        self.closing = true;
        self.recv = Recv::Closed;
    }

    /// A peer error: answer it if no response head is out yet, then close.
    pub(super) fn fail(&mut self, e: Error) -> Result<(), Error> {
        if self.error.is_none() {
            self.error = Some(e);
            if matches!(self.send, Send::Idle | Send::Waiting) {
                let status = e.status();
                let v = self.write.vec();
                let _ = write_status_line(v, Version::Http11, status, None);
                let end = HeadEnd {
                    framing: Some(BodyFraming::Length(0)),
                    connection: Connection::Close,
                };
                write_head_end(v, end, &self.date);
            }
            self.recv = Recv::Closed;
            self.closing = true;
        }
        Err(e)
    }
}
