//! Shared drivers for the HTTP/1.1 server machine tests: feeding input, draining
//! output, and a normalized log of the events.
#![allow(dead_code)]

pub mod client;

use shockwave_proto::Instant;
use shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_proto::h1::{Config, Fields};

/// An owned copy of the fields of a head or trailer section.
pub type OwnedFields = Vec<(Vec<u8>, Vec<u8>)>;

/// An owned, comparable copy of a server event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    /// `RequestReceived`: method, target, version and fields.
    Head {
        /// Method as received.
        method: Vec<u8>,
        /// Request target as received.
        target: Vec<u8>,
        /// `HTTP/1.0` or `HTTP/1.1`.
        version: &'static str,
        /// Field lines in order.
        fields: OwnedFields,
    },
    /// `DataReceived` bytes (consecutive pieces merged by [`normalize`]).
    Data(Vec<u8>),
    /// `TrailersReceived`.
    Trailers(OwnedFields),
    /// `RequestFinished`.
    Finished,
    /// `Upgraded` with its leftover bytes.
    Upgraded(Vec<u8>),
}

/// Copies the fields out of a borrowed section.
pub fn own_fields(fields: Fields<'_>) -> OwnedFields {
    fields
        .iter()
        .map(|f| (f.name.to_vec(), f.value.to_vec()))
        .collect()
}

/// Copies an event out of the machine's buffers.
pub fn own(ev: ServerEvent<'_>) -> Ev {
    match ev {
        ServerEvent::RequestReceived(r) => Ev::Head {
            method: r.method_bytes().to_vec(),
            target: r.target().to_vec(),
            version: r.version().as_str(),
            fields: own_fields(r.fields()),
        },
        ServerEvent::DataReceived(d) => Ev::Data(d.to_vec()),
        ServerEvent::TrailersReceived(t) => Ev::Trailers(own_fields(t)),
        ServerEvent::RequestFinished => Ev::Finished,
        ServerEvent::Upgraded(rest) => Ev::Upgraded(rest.to_vec()),
    }
}

/// Merges consecutive `Data` events and drops empty trailer sections, so that
/// logs from different input splits compare equal.
pub fn normalize(log: Vec<Ev>) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    for ev in log {
        match (out.last_mut(), ev) {
            (Some(Ev::Data(prev)), Ev::Data(more)) => prev.extend_from_slice(&more),
            (_, Ev::Trailers(t)) if t.is_empty() => {}
            (_, ev) => out.push(ev),
        }
    }
    out
}

/// Everything queued for sending, marked as sent.
pub fn drain(conn: &mut ServerConn) -> Vec<u8> {
    let mut v = Vec::new();
    while let Some(b) = conn.poll_transmit() {
        v.extend_from_slice(b);
        let n = b.len();
        conn.advance_transmit(n);
    }
    v
}

/// The output as text (responses in these tests are ASCII).
pub fn drain_str(conn: &mut ServerConn) -> String {
    String::from_utf8(drain(conn)).expect("ASCII output")
}

/// The first line of `out`, without its CRLF.
pub fn first_line(out: &str) -> &str {
    out.split("\r\n").next().unwrap_or("")
}

/// Polls every pending event without answering any request.
pub fn events(conn: &mut ServerConn) -> Vec<Ev> {
    let mut log = Vec::new();
    while let Some(ev) = conn.poll_event() {
        log.push(own(ev));
    }
    log
}

/// Polls events, answering each finished request with `200` and body `ok`.
pub fn respond_all(conn: &mut ServerConn, log: &mut Vec<Ev>) {
    while let Some(ev) = conn.poll_event() {
        let ev = own(ev);
        let finished = ev == Ev::Finished;
        log.push(ev);
        if finished {
            conn.send_response_with_body(200, &[], b"ok")
                .expect("respond");
        }
    }
}

/// Feeds `pieces` in order (each piece possibly in several calls while the
/// machine applies backpressure), answering requests as they finish. Returns the
/// event log, the output, and the first input error.
pub fn serve_pieces(
    conn: &mut ServerConn,
    pieces: &[&[u8]],
) -> (Vec<Ev>, Vec<u8>, Option<shockwave_proto::h1::Error>) {
    let mut log = Vec::new();
    let mut out = Vec::new();
    let mut error = None;
    'feed: for piece in pieces {
        let mut rest: &[u8] = piece;
        loop {
            match conn.handle_input(Instant::ZERO, rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) => {
                    error = Some(e);
                    break 'feed;
                }
            }
            let before = log.len();
            respond_all(conn, &mut log);
            out.extend_from_slice(&drain(conn));
            if rest.is_empty() {
                break;
            }
            if log.len() == before && conn.input_buf().is_empty() {
                // No progress possible: the machine takes no more input.
                break 'feed;
            }
        }
    }
    respond_all(conn, &mut log);
    out.extend_from_slice(&drain(conn));
    (log, out, error)
}

/// [`serve_pieces`] with the whole input in one piece, on a fresh connection.
pub fn serve(
    config: Config,
    input: &[u8],
) -> (Vec<Ev>, Vec<u8>, Option<shockwave_proto::h1::Error>) {
    let mut conn = ServerConn::new(config);
    serve_pieces(&mut conn, &[input])
}

/// A head event for `method target` over HTTP/1.1 with the given fields.
pub fn head(method: &str, target: &str, fields: &[(&str, &str)]) -> Ev {
    Ev::Head {
        method: method.as_bytes().to_vec(),
        target: target.as_bytes().to_vec(),
        version: "HTTP/1.1",
        fields: fields
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect(),
    }
}
