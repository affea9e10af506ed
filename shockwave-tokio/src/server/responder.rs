//! [`Responder`]: the commands a native handler gives for one request,
//! forwarded to the machine that carries it (an HTTP/1.1 connection, or one
//! stream of an HTTP/2 connection).

use shockwave_proto::h1::{self, BodyFraming, Method};
use shockwave_proto::h2::{self, StreamId};
use tracing::Span;

use super::usage::UsageError;

/// Where one exchange stands, as the driver sees it.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) method: Method,
    pub(crate) request_finished: bool,
    pub(crate) head_sent: bool,
    pub(crate) done: bool,
    pub(crate) blocked: bool,
    /// The handler stalled after its head went out: the response is cut.
    pub(crate) abort: bool,
    pub(crate) status: u16,
    pub(crate) span: Span,
    /// HTTP/2: the part of a `send_response_with_body` body the stream could
    /// not take yet; the driver sends it (and ends the stream) as it can.
    pub(crate) tail: Vec<u8>,
    /// HTTP/2: a 2xx answered a CONNECT (RFC 9113 section 8.5, RFC 8441):
    /// the stream is now a tunnel for `Handler::on_upgrade`.
    pub(crate) tunnel: bool,
}

impl Exchange {
    /// No exchange in progress.
    pub(crate) fn idle() -> Self {
        Exchange {
            method: Method::Get,
            request_finished: true,
            head_sent: true,
            done: true,
            blocked: false,
            abort: false,
            status: 0,
            span: Span::none(),
            tail: Vec::new(),
            tunnel: false,
        }
    }

    /// A request just arrived.
    pub(crate) fn start(method: Method, span: Span) -> Self {
        let mut ex = Exchange::idle();
        ex.restart(method, span);
        ex
    }

    /// A request just arrived on a connection that keeps its exchange: the
    /// fields are reset in place (the `tail` keeps its capacity), so an
    /// HTTP/1.1 request neither builds a new exchange nor drops the old one.
    #[inline]
    pub(crate) fn restart(&mut self, method: Method, span: Span) {
        self.method = method;
        self.request_finished = false;
        self.head_sent = false;
        self.done = false;
        self.blocked = false;
        self.abort = false;
        self.status = 0;
        self.tunnel = false;
        self.tail.clear();
        // Without a subscriber both are disabled: nothing to drop or move.
        if !(span.is_none() && self.span.is_none()) {
            self.span = span;
        }
    }

    /// Whether a response with this status carries no body.
    fn no_body(&self, status: u16, framing: BodyFraming) -> bool {
        matches!(framing, BodyFraming::Empty | BodyFraming::Length(0))
            || matches!(status, 101 | 204 | 304)
            || self.method == Method::Head
            || (self.method == Method::Connect && (200..300).contains(&status))
    }
}

/// The machine a response goes to.
#[derive(Debug)]
pub(crate) enum Target<'a> {
    H1(&'a mut h1::server::ServerConn),
    H2(&'a mut h2::ServerConn, StreamId),
}

/// The commands a handler gives for the current request, forwarded to the
/// connection machine, plus the request's scratch buffer.
#[derive(Debug)]
pub struct Responder<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) scratch: &'a mut Vec<u8>,
    pub(crate) ex: &'a mut Exchange,
}

impl Responder<'_> {
    /// The request's scratch buffer (what `on_data` copied, for instance).
    pub fn scratch(&mut self) -> &mut Vec<u8> {
        self.scratch
    }

    /// Whether the whole request body (and trailers) was delivered.
    pub fn is_request_finished(&self) -> bool {
        self.ex.request_finished
    }

    /// Whether the response head went out.
    pub fn is_started(&self) -> bool {
        self.ex.head_sent
    }

    /// Whether the response is complete.
    pub fn is_done(&self) -> bool {
        self.ex.done
    }

    /// Whether the last send did not fit (the driver writes the output and
    /// calls [`Handler::respond`](super::Handler::respond) again).
    pub fn is_blocked(&self) -> bool {
        self.ex.blocked
    }

    /// Sends the response head; the body follows with [`Responder::send_data`]
    /// and ends with [`Responder::finish`] or [`Responder::send_trailers`].
    /// The machine writes the framing for `framing` itself (`content-length`,
    /// chunked coding in HTTP/1.1, the end of the stream in HTTP/2).
    pub fn send_response(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
        framing: BodyFraming,
    ) -> Result<(), UsageError> {
        let no_body = self.ex.no_body(status, framing);
        match &mut self.target {
            Target::H1(conn) => conn.send_response(status, fields.iter().copied(), framing)?,
            Target::H2(conn, stream) => {
                let mut digits = [0u8; 20];
                let length = match framing {
                    BodyFraming::Length(n) => {
                        Some((&b"content-length"[..], decimal(n, &mut digits)))
                    }
                    _ => None,
                };
                // A 2xx to CONNECT opens a tunnel: the stream stays open (RFC 9113 section 8.5).
                let tunnel = self.ex.method == Method::Connect && (200..300).contains(&status);
                conn.send_response(
                    *stream,
                    status,
                    fields.iter().copied().chain(length),
                    no_body && !tunnel,
                )?;
                self.ex.tunnel = tunnel;
            }
        }
        self.ex.head_sent = true;
        self.ex.status = status;
        if no_body {
            self.done();
        }
        Ok(())
    }

    /// Sends a whole response with a body of known length.
    #[inline(always)]
    pub fn send_response_with_body(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.send_response_with_body(status, fields, body)?,
            Target::H2(..) => self.h2_response_with_body(status, fields, body)?,
        }
        self.ex.head_sent = true;
        self.ex.status = status;
        self.done();
        Ok(())
    }

    /// The HTTP/2 half of [`Responder::send_response_with_body`], out of line
    /// so the HTTP/1.1 half inlines into the handler.
    #[inline(never)]
    fn h2_response_with_body(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), UsageError> {
        let Target::H2(conn, stream) = &mut self.target else {
            return Ok(());
        };
        let mut digits = [0u8; 20];
        let length = (
            &b"content-length"[..],
            decimal(body.len() as u64, &mut digits),
        );
        let head_only = self
            .ex
            .no_body(status, BodyFraming::Length(body.len() as u64));
        conn.send_response(
            *stream,
            status,
            fields.iter().copied().chain([length]),
            head_only,
        )?;
        if !head_only {
            let n = conn.send_data(*stream, body, true)?;
            if n < body.len() {
                // The stream's send buffer is full: the driver sends the rest.
                self.ex.tail.extend_from_slice(&body[n..]);
            }
        }
        Ok(())
    }

    /// Queues response body bytes; returns how many were taken. Fewer than
    /// offered (0 when the output is full) marks the responder blocked: return
    /// from `respond`, and offer the rest when it is called again.
    pub fn send_data(&mut self, data: &[u8]) -> Result<usize, UsageError> {
        let n = self.offer(data)?;
        if n < data.len() {
            self.ex.blocked = true;
        }
        Ok(n)
    }

    /// Sends what the scratch buffer holds as body bytes and removes what was
    /// taken; returns whether the scratch buffer is now empty.
    pub fn send_scratch(&mut self) -> Result<bool, UsageError> {
        if self.scratch.is_empty() {
            return Ok(true);
        }
        let scratch = core::mem::take(self.scratch);
        let taken = self.offer(&scratch);
        *self.scratch = scratch;
        let n = taken?;
        self.scratch.drain(..n);
        if !self.scratch.is_empty() {
            self.ex.blocked = true;
        }
        Ok(self.scratch.is_empty())
    }

    fn offer(&mut self, data: &[u8]) -> Result<usize, UsageError> {
        match &mut self.target {
            Target::H1(conn) => match conn.send_data(data) {
                Ok(n) => Ok(n),
                Err(h1::UsageError::OutputFull) => Ok(0),
                Err(e) => Err(e.into()),
            },
            Target::H2(conn, stream) => Ok(conn.send_data(*stream, data, false)?),
        }
    }

    /// Ends the response body.
    pub fn finish(&mut self) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.finish()?,
            Target::H2(conn, stream) => {
                conn.send_data(*stream, &[], true)?;
            }
        }
        self.done();
        Ok(())
    }

    /// Ends the response body with a trailer section (chunked framing in HTTP/1.1).
    pub fn send_trailers(&mut self, trailers: &[(&[u8], &[u8])]) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.send_trailers(trailers)?,
            Target::H2(conn, stream) => conn.send_trailers(*stream, trailers.iter().copied())?,
        }
        self.done();
        Ok(())
    }

    /// Sends a 1xx informational response (not 101).
    pub fn send_informational(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
    ) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.send_informational(status, fields)?,
            Target::H2(conn, stream) => {
                conn.send_informational(*stream, status, fields.iter().copied())?
            }
        }
        Ok(())
    }

    /// Closes the connection once this exchange is over (HTTP/2: once every
    /// stream in flight is over).
    pub fn close(&mut self) {
        match &mut self.target {
            Target::H1(conn) => conn.close(),
            Target::H2(conn, _) => conn.shutdown(),
        }
    }

    /// HTTP/2: sends what `send_response_with_body` could not, ending the
    /// stream with it; returns whether nothing is left.
    pub(crate) fn flush_tail(&mut self) -> Result<bool, UsageError> {
        if self.ex.tail.is_empty() {
            return Ok(true);
        }
        if let Target::H2(conn, stream) = &mut self.target {
            let n = conn.send_data(*stream, &self.ex.tail, true)?;
            self.ex.tail.drain(..n);
        }
        Ok(self.ex.tail.is_empty())
    }

    /// Called after `respond`: once the request ended, a handler that neither
    /// finished its response nor is blocked on output never will be called
    /// again. Its peer gets a 500, or, if the head went out, a cut response.
    #[inline]
    pub(crate) fn check_stalled(&mut self) {
        if !self.ex.request_finished || self.ex.done || self.ex.blocked {
            return;
        }
        self.stalled();
    }

    #[cold]
    #[inline(never)]
    fn stalled(&mut self) {
        tracing::error!("handler left the response unfinished after the request ended");
        if self.ex.head_sent || self.send_response_with_body(500, &[], b"").is_err() {
            self.ex.done = true;
            self.ex.abort = true;
        }
    }

    #[inline(always)]
    fn done(&mut self) {
        self.ex.done = true;
        self.ex.span.record("status", self.ex.status);
        tracing::debug!(parent: &self.ex.span, status = self.ex.status, "response queued");
    }
}

/// `n` in decimal, in `buf`.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}
