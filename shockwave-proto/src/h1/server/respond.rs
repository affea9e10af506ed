//! The server's commands: the application answers the request in hand.

use super::*;

/// What writing a head's status line and fields gives: what the fields mean.
type Written = Result<AppFields, UsageError>;

/// The application's fields of a response head, as a command was given them.
/// A trait rather than a closure, so that the short path inlines the cache's
/// comparison instead of calling it.
pub(super) trait HeadFields {
    /// Writes the status line and the fields through the head cache.
    fn write(self, cache: &mut HeadCache, out: &mut Vec<u8>, status: u16) -> Written;
}

/// Fields given as a slice: compared with the cached ones count first.
struct Slice<'f>(&'f [(&'f [u8], &'f [u8])]);

impl HeadFields for Slice<'_> {
    #[inline(always)]
    fn write(self, cache: &mut HeadCache, out: &mut Vec<u8>, status: u16) -> Written {
        cache.write_slice(out, status, self.0)
    }
}

/// Fields given as any iterator of name-value pairs.
struct Iter<I>(I);

impl<I, N, V> HeadFields for Iter<I>
where
    I: IntoIterator<Item = (N, V)>,
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    #[inline(always)]
    fn write(self, cache: &mut HeadCache, out: &mut Vec<u8>, status: u16) -> Written {
        cache.write(out, status, self.0)
    }
}

impl ServerConn {
    // ----- commands -----

    /// Sends a 1xx informational response (not 101: that is [`ServerConn::send_response`]).
    /// Dropped silently for HTTP/1.0 clients, which cannot receive one
    /// (RFC 9110 section 15.2).
    pub fn send_informational(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
    ) -> Result<(), UsageError> {
        self.check_open()?;
        if !(100..200).contains(&status) || status == 101 {
            return Err(UsageError::InvalidStatus);
        }
        let Some(ex) = self.exchange.as_mut() else {
            return Err(UsageError::NoRequestPending);
        };
        if self.send != Send::Waiting {
            return Err(UsageError::NoRequestPending);
        }
        if ex.line.version == Version::Http10 {
            return Ok(());
        }
        if status == 100 {
            ex.continue_sent = true;
        }
        let v = self.write.vec();
        let mark = v.len();
        let result = write_status_line(v, Version::Http11, status, None)
            .and_then(|()| write_app_fields(v, fields.iter().copied()).map(|_| ()));
        if let Err(e) = result {
            v.truncate(mark);
            return Err(e);
        }
        v.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Sends the response head. `body` says how the body will be delimited: the
    /// machine writes the framing fields itself (`content-length` or
    /// `transfer-encoding: chunked`), plus `connection` and `date`; giving either
    /// framing field in `fields` is a [`UsageError::ManagedField`]; a `connection`
    /// field with `close` ends the connection after this response.
    ///
    /// For HEAD requests the framing field is written but no body is sent; for
    /// 1xx, 204 and 304 no framing is written and the body must be empty. A
    /// chunked body to an HTTP/1.0 client is sent close-delimited instead.
    pub fn send_response<N, V>(
        &mut self,
        status: u16,
        fields: impl IntoIterator<Item = (N, V)>,
        body: BodyFraming,
    ) -> Result<(), UsageError>
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        self.start_response(status, body, Iter(fields))
    }

    /// [`ServerConn::send_response`] with the writer of the status line and
    /// the application's fields.
    #[inline]
    fn start_response(
        &mut self,
        status: u16,
        body: BodyFraming,
        fields: impl HeadFields,
    ) -> Result<(), UsageError> {
        self.check_open()?;
        // Only the flag is read here: the exchange is copied on the general path alone.
        let plain = match &self.exchange {
            Some(ex) if ex.head_delivered => ex.plain,
            _ => return Err(UsageError::NoRequestPending),
        };
        if self.send != Send::Waiting {
            return Err(UsageError::NoRequestPending);
        }
        // The common answer: a final status with content, to a request that asked
        // for nothing that changes the response (`Exchange::plain`), on a connection
        // that stays open. Every rule of the general path below holds trivially:
        // no 100-continue to send, no upgrade, the framing as given, and the
        // connection persists unless the application's own `connection: close`
        // says otherwise, which it then says itself.
        if plain
            && !crate::tests_take_general_paths()
            && self.keep_alive
            && !self.closing
            && (200..=999).contains(&status)
            && status != 204
            && status != 304
        {
            let (wire, writer) = match body {
                BodyFraming::Empty | BodyFraming::Length(0) => {
                    (BodyFraming::Length(0), BodyWriter::Empty)
                }
                BodyFraming::Length(n) => (body, BodyWriter::Length(n)),
                BodyFraming::Chunked => (body, BodyWriter::Chunked),
                BodyFraming::CloseDelimited => {
                    return self.start_general(status, body, fields);
                }
            };
            let end = HeadEnd {
                framing: Some(wire),
                connection: Connection::Unsaid,
            };
            let app = self.write_head(status, false, fields, |_| end)?;
            self.keep_alive = !app.close;
            self.start_body(writer);
            return Ok(());
        }
        self.start_general(status, body, fields)
    }

    /// [`ServerConn::start_response`] for any exchange: every status and
    /// framing rule checked in turn.
    #[inline(never)]
    fn start_general(
        &mut self,
        status: u16,
        body: BodyFraming,
        fields: impl HeadFields,
    ) -> Result<(), UsageError> {
        let Some(ex) = self.exchange else {
            return Err(UsageError::NoRequestPending);
        };
        if !(100..=999).contains(&status) || ((100..200).contains(&status) && status != 101) {
            return Err(UsageError::InvalidStatus);
        }
        let method = ex.line.method;
        let upgrade = (status == 101 && ex.info.upgrade)
            || (method == Method::Connect && (200..300).contains(&status));
        if status == 101 && !ex.info.upgrade {
            return Err(UsageError::NotUpgraded);
        }
        // RFC 9110 section 8.6 and 9.3.6: no Content-Length or Transfer-Encoding in
        // a 1xx or 204, nor in a 2xx to CONNECT; 304 has no content (section 15.4.5).
        let no_content = status == 204 || status == 304 || status == 101 || upgrade;
        if no_content && !matches!(body, BodyFraming::Empty | BodyFraming::Length(0)) {
            return Err(UsageError::BodyNotAllowed);
        }

        // What goes on the wire, and what the writer will accept.
        let http10 = ex.line.version == Version::Http10;
        let (wire_framing, writer) = if no_content {
            (None, BodyWriter::Empty)
        } else {
            let framing = match body {
                // RFC 9112 section 6.1: never Transfer-Encoding to an HTTP/1.0 client.
                BodyFraming::Chunked if http10 => BodyFraming::CloseDelimited,
                f => f,
            };
            let writer = match framing {
                // RFC 9110 section 9.3.2: HEAD gets the framing fields, never the body.
                _ if method == Method::Head => BodyWriter::Empty,
                BodyFraming::Empty | BodyFraming::Length(0) => BodyWriter::Empty,
                BodyFraming::Length(n) => BodyWriter::Length(n),
                BodyFraming::Chunked => BodyWriter::Chunked,
                BodyFraming::CloseDelimited => BodyWriter::CloseDelimited,
            };
            let wire = match framing {
                BodyFraming::Empty => BodyFraming::Length(0),
                f => f,
            };
            (Some(wire), writer)
        };

        // A client waiting for 100-continue (RFC 9110 section 10.1.1): a success
        // answered before the body was asked for still wants the body, so the 100
        // goes out first; any other final status refuses the body, and since the
        // client may send it anyway, the connection closes after this response.
        let body_pending = ex.info.expect_continue && !ex.continue_sent && !self.body.is_received();
        let send_continue = body_pending && (200..300).contains(&status) && !upgrade;
        let abandoned_body = body_pending && !send_continue;
        // Whether the connection persists, unless the application says `close`.
        let persists = self.keep_alive
            && ex.info.keep_alive
            && !self.closing
            && !upgrade
            && !abandoned_body
            && wire_framing != Some(BodyFraming::CloseDelimited);
        let app = self.write_head(status, send_continue, fields, |app| {
            let keep_alive = persists && !app.close;
            let connection = if upgrade || (!keep_alive && app.close) {
                // Said by the application's own `connection` field, or not at all.
                Connection::Unsaid
            } else if !keep_alive {
                Connection::Close
            } else if http10 {
                // RFC 9112 section 9.3: an HTTP/1.0 connection persists only if said so.
                Connection::KeepAlive
            } else {
                Connection::Unsaid
            };
            HeadEnd {
                framing: wire_framing,
                connection,
            }
        })?;

        self.keep_alive = persists && !app.close;
        if send_continue && let Some(ex) = self.exchange.as_mut() {
            ex.continue_sent = true;
        }
        if upgrade {
            self.send = Send::Done;
            self.recv = Recv::Upgraded;
            self.closing = true;
            return Ok(());
        }
        self.start_body(writer);
        Ok(())
    }

    /// Queues a response head: a `100 Continue` first if asked, the status line
    /// and the application's fields, then the end `end` makes of what the
    /// fields said. On error nothing is queued.
    #[inline(always)]
    fn write_head(
        &mut self,
        status: u16,
        send_continue: bool,
        fields: impl HeadFields,
        end: impl FnOnce(&AppFields) -> HeadEnd,
    ) -> Result<AppFields, UsageError> {
        let v = self.write.vec();
        let mark = v.len();
        if send_continue {
            v.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let app = match fields.write(&mut self.head_cache, v, status) {
            Ok(app) => app,
            Err(e) => {
                v.truncate(mark);
                return Err(e);
            }
        };
        write_head_end(v, end(&app), &self.date);
        Ok(app)
    }

    /// The head is out: the body follows through `writer`, or the response is
    /// complete if it has none.
    #[inline(always)]
    fn start_body(&mut self, writer: BodyWriter) {
        self.send = Send::Body(writer);
        if writer == BodyWriter::Empty {
            self.send = Send::Done;
            self.maybe_end_exchange();
        }
    }

    /// Sends a whole response with a body of known length in one call. The body
    /// is queued even past `max_write_buffer` (it is the application's own data).
    pub fn send_response_with_body(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), UsageError> {
        let framing = BodyFraming::Length(body.len() as u64);
        self.start_response(status, framing, Slice(fields))?;
        // The head announced exactly `body.len()` bytes (HEAD and no-content
        // statuses end at the head, and are `Send::Done` already).
        if let Send::Body(BodyWriter::Length(_)) = self.send {
            self.write.extend(body);
            self.send = Send::Done;
            self.maybe_end_exchange();
        }
        Ok(())
    }

    /// Queues response body bytes; returns how many were taken (fewer when the
    /// output queue is near `max_write_buffer`: send, then offer the rest).
    pub fn send_data(&mut self, data: &[u8]) -> Result<usize, UsageError> {
        self.check_open()?;
        match &mut self.send {
            Send::Body(writer) => writer.send(&mut self.write, data),
            Send::Done => Err(UsageError::BodyFinished),
            Send::Idle | Send::Waiting => Err(UsageError::HeadNotSent),
        }
    }

    /// Ends the response body.
    pub fn finish(&mut self) -> Result<(), UsageError> {
        self.send_trailers(&[])
    }

    /// Ends a chunked response body with a trailer section.
    pub fn send_trailers(&mut self, trailers: &[(&[u8], &[u8])]) -> Result<(), UsageError> {
        self.check_open()?;
        match &mut self.send {
            Send::Body(writer) => writer.finish(&mut self.write, trailers)?,
            Send::Done => return Err(UsageError::BodyFinished),
            Send::Idle | Send::Waiting => return Err(UsageError::HeadNotSent),
        }
        self.send = Send::Done;
        self.maybe_end_exchange();
        Ok(())
    }

    /// Closes gracefully: no new request is read; the one in progress (if any)
    /// is answered with `connection: close` (or ended after its response, if the
    /// head already went out), then the connection closes.
    pub fn close(&mut self) {
        self.closing = true;
        self.keep_alive = false;
        if self.exchange.is_none() && matches!(self.recv, Recv::Head) {
            self.close_now();
        }
    }

    /// Gives the wall-clock time (seconds since the Unix epoch) for the `Date`
    /// field; call it once per event-loop turn. Without it no `Date` is written.
    pub fn set_unix_time(&mut self, unix_secs: u64) {
        self.date.update(unix_secs);
    }
}
