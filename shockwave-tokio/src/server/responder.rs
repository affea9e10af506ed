//! [`Responder`]: the commands a native handler gives for one request,
//! forwarded to the machine that carries it (an HTTP/1.1 connection, or one
//! stream of an HTTP/2 connection).

use shockwave_proto::h1::{self, BodyFraming, Method};
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
        }
    }

    /// A request just arrived.
    pub(crate) fn start(method: Method, span: Span) -> Self {
        Exchange {
            method,
            request_finished: false,
            head_sent: false,
            done: false,
            blocked: false,
            abort: false,
            status: 0,
            span,
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
        match &mut self.target {
            Target::H1(conn) => conn.send_response(status, fields.iter().copied(), framing)?,
        }
        self.ex.head_sent = true;
        self.ex.status = status;
        if self.ex.no_body(status, framing) {
            self.done();
        }
        Ok(())
    }

    /// Sends a whole response with a body of known length.
    pub fn send_response_with_body(
        &mut self,
        status: u16,
        fields: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.send_response_with_body(status, fields, body)?,
        }
        self.ex.head_sent = true;
        self.ex.status = status;
        self.done();
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
        }
    }

    /// Ends the response body.
    pub fn finish(&mut self) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.finish()?,
        }
        self.done();
        Ok(())
    }

    /// Ends the response body with a trailer section (chunked framing in HTTP/1.1).
    pub fn send_trailers(&mut self, trailers: &[(&[u8], &[u8])]) -> Result<(), UsageError> {
        match &mut self.target {
            Target::H1(conn) => conn.send_trailers(trailers)?,
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
        }
        Ok(())
    }

    /// Closes the connection once this exchange is over (HTTP/2: once every
    /// stream in flight is over).
    pub fn close(&mut self) {
        match &mut self.target {
            Target::H1(conn) => conn.close(),
        }
    }

    fn done(&mut self) {
        self.ex.done = true;
        self.ex.span.record("status", self.ex.status);
        tracing::debug!(parent: &self.ex.span, status = self.ex.status, "response queued");
    }
}
