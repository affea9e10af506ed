//! One request on an HTTP/2 connection: its head turned into the machine's
//! pseudo-headers and fields, its body fed as the stream's send buffer takes
//! it, and what is kept to send it again when the server did not process it.
//!
//! Request fields that cannot travel on HTTP/2 are dropped, not refused, so
//! a request written for HTTP/1.1 works unchanged (RFC 9113 §8.2.2):
//! `connection`, `keep-alive`, `proxy-connection`, `transfer-encoding`,
//! `upgrade`, every field the `connection` field names, and `te` unless it is
//! `trailers`. `host` becomes `:authority` (RFC 9113 §8.3.1); without it the
//! URI's authority (without userinfo) is used. `content-length` is the body's
//! exact size when known, else the value given, if any.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::header::{CONNECTION, CONTENT_LENGTH, HOST, TE, TRANSFER_ENCODING, UPGRADE};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_body::SizeHint;
use shockwave_proto::h2::{self, ClientConn, StreamId};
use tokio::sync::oneshot;

use crate::client::body::{Replay, RequestBody, Slot};
use crate::client::conn::{Job, PendingRequest, Reply, Sending};
use crate::client::drive::uri_authority;
use crate::client::error::{Error, ErrorKind};
use crate::client::pool::Scheme;

/// Body bytes kept to send a request again on another connection; a request
/// whose body went past this before its response head arrived is not retried.
pub(super) const REPLAY_LIMIT: usize = 64 * 1024;

/// A request in flight on the connection.
pub(super) struct Stream {
    /// Until the response head: the request, to send it again elsewhere.
    parts: Option<Parts>,
    /// The body's size hint when the request started.
    hint: SizeHint,
    sending: Sending,
    /// Bytes of the last data frame the machine has not taken yet.
    chunk: Bytes,
    /// `send_data` took less than offered: wait for `SendReady`.
    blocked: bool,
    /// The body's data frames taken so far, while under [`REPLAY_LIMIT`];
    /// `None` once past it (or once the response head arrived).
    replay: Option<(VecDeque<Bytes>, usize)>,
    /// The trailers already sent, for a replay.
    sent_trailers: Option<HeaderMap>,
    /// Until the response head arrives.
    pub(super) reply: Option<oneshot::Sender<Reply>>,
    /// After the response head: where its body goes.
    pub(super) slot: Option<Arc<Slot>>,
    /// The response ended, or its reader is gone.
    pub(super) recv_done: bool,
}

/// Opens a stream: HEADERS for the request, pseudo-headers from the method
/// and URI, then the fields that may travel on HTTP/2. On a refusal the
/// caller still has the request, to hold it (stream limit), pass it on
/// (going away) or fail it.
pub(super) fn send_head(
    conn: &mut ClientConn,
    scheme: Scheme,
    request: &PendingRequest,
) -> Result<StreamId, h2::UsageError> {
    let PendingRequest { parts, body } = request;
    let end_stream = body.is_end_stream();
    let length = body.size_hint().exact().filter(|_| !end_stream);
    let length_text = length.map(|n| n.to_string());
    let authority = parts
        .headers
        .get(HOST)
        .map(HeaderValue::as_bytes)
        .or_else(|| uri_authority(&parts.uri).map(str::as_bytes))
        .unwrap_or_default();
    // RFC 9113 §8.5: CONNECT carries only :method and :authority.
    let connect = parts.method == Method::CONNECT;
    let (scheme, path) = match connect {
        true => ("", ""),
        false => (
            scheme.as_str(),
            parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
        ),
    };
    let fields = length_text
        .as_deref()
        .map(|n| (CONTENT_LENGTH.as_str().as_bytes(), n.as_bytes()))
        .into_iter()
        .chain(
            parts
                .headers
                .iter()
                .filter(|(name, value)| {
                    forwarded(&parts.headers, name, value)
                        && (length.is_none() || **name != CONTENT_LENGTH)
                })
                .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes())),
        );
    conn.send_request(
        parts.method.as_str().as_bytes(),
        scheme.as_bytes(),
        authority,
        path.as_bytes(),
        None,
        fields,
        end_stream,
    )
}

/// Whether a request field goes on an HTTP/2 stream (see the module docs).
fn forwarded(headers: &HeaderMap, name: &HeaderName, value: &HeaderValue) -> bool {
    if *name == HOST || is_connection_specific(name) {
        return false;
    }
    // RFC 9113 §8.2.2: `te` may only carry "trailers".
    if *name == TE {
        return value.as_bytes().eq_ignore_ascii_case(b"trailers");
    }
    // Fields the `connection` field names are for the HTTP/1.1 hop only.
    !headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|option| option.trim().eq_ignore_ascii_case(name.as_str()))
}

/// RFC 9113 §8.2.2: fields that only make sense on an HTTP/1.1 connection.
fn is_connection_specific(name: &HeaderName) -> bool {
    *name == CONNECTION
        || *name == TRANSFER_ENCODING
        || *name == UPGRADE
        || name.as_str() == "keep-alive"
        || name.as_str() == "proxy-connection"
}

impl Stream {
    /// The stream of `job`, whose head [`send_head`] sent.
    pub(super) fn new(job: Job) -> Self {
        let Job { request, reply, .. } = job;
        let PendingRequest { parts, body } = request;
        let hint = body.size_hint();
        let sending = match body.is_end_stream() {
            true => Sending::Done,
            false => Sending::Body(body),
        };
        Stream {
            parts: Some(parts),
            hint,
            sending,
            chunk: Bytes::new(),
            blocked: false,
            replay: Some((VecDeque::new(), 0)),
            sent_trailers: None,
            reply: Some(reply),
            slot: None,
            recv_done: false,
        }
    }

    /// Moves body frames into the stream's send buffer while it takes them;
    /// an `Err` fails this request only (the caller resets the stream).
    pub(super) fn feed(
        &mut self,
        id: StreamId,
        conn: &mut ClientConn,
        cx: &mut Context<'_>,
        progress: &mut bool,
    ) -> Result<(), Error> {
        loop {
            match &mut self.sending {
                Sending::Done => return Ok(()),
                Sending::End(trailers) => {
                    let sent = match trailers {
                        Some(map) => conn.send_trailers(
                            id,
                            map.iter()
                                .filter(|(name, _)| !is_connection_specific(name))
                                .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes())),
                        ),
                        None => conn.send_data(id, &[], true).map(|_| ()),
                    };
                    match sent {
                        Ok(()) => {
                            *progress = true;
                            if self.replay.is_some() {
                                self.sent_trailers = trailers.take();
                            }
                            self.sending = Sending::Done;
                        }
                        Err(h2::UsageError::OutputFull) => return Ok(()),
                        Err(e) => return Err(e.into()),
                    }
                }
                Sending::Body(_) if self.blocked => return Ok(()),
                Sending::Body(body) if !self.chunk.is_empty() => {
                    // A body that knows it ended puts END_STREAM on its last bytes.
                    let last = body.is_end_stream();
                    match conn.send_data(id, &self.chunk, last) {
                        Ok(n) => {
                            let all = n == self.chunk.len();
                            self.chunk.advance(n);
                            *progress |= n > 0;
                            if !all {
                                self.blocked = true;
                                return Ok(());
                            }
                            if last {
                                self.sending = Sending::Done;
                            }
                        }
                        Err(h2::UsageError::OutputFull) => return Ok(()),
                        Err(e) => return Err(e.into()),
                    }
                }
                Sending::Body(body) => match body.as_mut().poll_frame(cx) {
                    Poll::Pending => return Ok(()),
                    Poll::Ready(None) => {
                        *progress = true;
                        self.sending = Sending::End(None);
                    }
                    Poll::Ready(Some(Err(e))) => {
                        return Err(Error::with(ErrorKind::RequestBody, e));
                    }
                    Poll::Ready(Some(Ok(frame))) => {
                        *progress = true;
                        match frame.into_data() {
                            Ok(data) => {
                                self.keep_for_replay(&data);
                                self.chunk = data;
                            }
                            Err(frame) => {
                                if let Ok(trailers) = frame.into_trailers() {
                                    self.sending = Sending::End(Some(trailers));
                                }
                            }
                        }
                    }
                },
            }
        }
    }

    fn keep_for_replay(&mut self, data: &Bytes) {
        if let Some((chunks, len)) = &mut self.replay {
            *len += data.len();
            if *len > REPLAY_LIMIT {
                self.replay = None;
            } else {
                chunks.push_back(data.clone());
            }
        }
    }

    /// `SendReady`: the stream's send buffer has room again.
    pub(super) fn unblock(&mut self) {
        self.blocked = false;
    }

    /// The response head arrived: the request cannot be sent elsewhere any more.
    pub(super) fn answered(&mut self, slot: Arc<Slot>, end_stream: bool) {
        self.parts = None;
        self.replay = None;
        self.sent_trailers = None;
        if end_stream {
            slot.end(Ok(()));
            self.recv_done = true;
        }
        self.slot = Some(slot);
    }

    /// The response ended.
    pub(super) fn end(&mut self, result: Result<(), Error>) {
        self.recv_done = true;
        if let Some(slot) = &self.slot {
            slot.end(result);
        }
    }

    /// Whether the stream needs nothing more from the driver.
    pub(super) fn is_finished(&self) -> bool {
        self.recv_done && self.reply.is_none() && matches!(self.sending, Sending::Done)
    }

    /// Ends the request with `error`: before the response head through its
    /// reply, after it through the body.
    pub(super) fn fail(&mut self, error: Error) {
        match self.reply.take() {
            Some(reply) => {
                let _ = reply.send(Reply::Failed(error));
            }
            None => self.end(Err(error)),
        }
    }

    /// The server did not process the request (a GOAWAY's last stream id below
    /// it, or REFUSED_STREAM): hand it back to be sent on another connection
    /// if it can be replayed, else fail it with `error`.
    pub(super) fn retry_or_fail(&mut self, error: Error) {
        if self.reply.is_none() || self.parts.is_none() || self.replay.is_none() {
            return self.fail(error);
        }
        let (Some(reply), Some(parts), Some((chunks, _))) =
            (self.reply.take(), self.parts.take(), self.replay.take())
        else {
            return;
        };
        let (rest, trailers) = match std::mem::replace(&mut self.sending, Sending::Done) {
            Sending::Body(body) => (Some(body), None),
            Sending::End(trailers) => (None, trailers),
            Sending::Done => (None, self.sent_trailers.take()),
        };
        let body: RequestBody = match (chunks.is_empty(), trailers.is_none(), rest) {
            // Nothing was taken from the body: it goes on as it is.
            (true, true, Some(body)) => body,
            (_, _, rest) => Box::pin(Replay {
                chunks,
                rest,
                trailers,
                hint: self.hint,
            }),
        };
        let _ = reply.send(Reply::Refused(PendingRequest { parts, body }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn kept(map: &HeaderMap) -> Vec<String> {
        map.iter()
            .filter(|(name, value)| forwarded(map, name, value))
            .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
            .collect()
    }

    #[test]
    fn connection_specific_fields_are_dropped() {
        let map = fields(&[
            ("host", "example.com"),
            ("connection", "keep-alive, x-hop"),
            ("keep-alive", "timeout=5"),
            ("proxy-connection", "keep-alive"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("x-hop", "named by connection"),
            ("te", "trailers"),
            ("accept", "*/*"),
            ("x-end", "kept"),
        ]);
        assert_eq!(kept(&map), ["te: trailers", "accept: */*", "x-end: kept"]);
    }

    #[test]
    fn te_other_than_trailers_is_dropped() {
        let map = fields(&[("te", "gzip"), ("te", "Trailers")]);
        assert_eq!(kept(&map), ["te: Trailers"]);
    }
}
