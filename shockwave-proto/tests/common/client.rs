//! Drivers for the HTTP/1.1 client machine tests: owned events, feeding
//! hand-written server bytes, draining the request bytes.

use shockwave_proto::Instant;
use shockwave_proto::h1::client::{ClientConn, ClientEvent};
use shockwave_proto::h1::{BodyFraming, Config, ErrorKind, UsageError};

use super::{OwnedFields, own_fields};

/// An owned, comparable copy of a client event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEv {
    /// `InformationalReceived`: status and fields.
    Info(u16, OwnedFields),
    /// `ResponseReceived`: status, version and fields.
    Head(u16, &'static str, OwnedFields),
    /// `DataReceived` bytes (consecutive pieces merged by [`normalize_client`]).
    Data(Vec<u8>),
    /// `TrailersReceived`.
    Trailers(OwnedFields),
    /// `ResponseFinished`.
    Finished,
    /// `Upgraded` with its leftover bytes.
    Upgraded(Vec<u8>),
}

/// Copies a client event out of the machine's buffers.
pub fn own_client(ev: ClientEvent<'_>) -> ClientEv {
    match ev {
        ClientEvent::InformationalReceived(r) => ClientEv::Info(r.status(), own_fields(r.fields())),
        ClientEvent::ResponseReceived(r) => {
            ClientEv::Head(r.status(), r.version().as_str(), own_fields(r.fields()))
        }
        ClientEvent::DataReceived(d) => ClientEv::Data(d.to_vec()),
        ClientEvent::TrailersReceived(t) => ClientEv::Trailers(own_fields(t)),
        ClientEvent::ResponseFinished => ClientEv::Finished,
        ClientEvent::Upgraded(rest) => ClientEv::Upgraded(rest.to_vec()),
    }
}

/// Merges consecutive `Data` events and drops empty trailer sections, so that
/// logs from different input splits compare equal.
pub fn normalize_client(log: Vec<ClientEv>) -> Vec<ClientEv> {
    let mut out: Vec<ClientEv> = Vec::new();
    for ev in log {
        match (out.last_mut(), ev) {
            (Some(ClientEv::Data(prev)), ClientEv::Data(more)) => prev.extend_from_slice(&more),
            (_, ClientEv::Trailers(t)) if t.is_empty() => {}
            (_, ev) => out.push(ev),
        }
    }
    out
}

/// Polls every pending client event (bounded, so a machine that never stops
/// producing events fails the test instead of hanging it).
pub fn client_events(conn: &mut ClientConn) -> Vec<ClientEv> {
    let mut log = Vec::new();
    while let Some(ev) = conn.poll_event() {
        log.push(own_client(ev));
        assert!(log.len() < 100_000, "poll_event never returns None");
    }
    log
}

/// Everything the client queued for sending, marked as sent.
pub fn drain_client(conn: &mut ClientConn) -> Vec<u8> {
    let mut v = Vec::new();
    while let Some(b) = conn.poll_transmit() {
        v.extend_from_slice(b);
        let n = b.len();
        conn.advance_transmit(n);
    }
    v
}

/// Owned fields from `(name, value)` string pairs, for expected events.
pub fn owned(pairs: &[(&str, &str)]) -> OwnedFields {
    pairs
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

/// The Host field every test request carries.
pub const HOST: (&[u8], &[u8]) = (b"host", b"example.com");

/// `secs` seconds after the origin of the virtual clock.
pub fn at(secs: u64) -> Instant {
    Instant::from_millis(secs * 1000)
}

/// The default config with some fields changed.
pub fn config_with(change: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::default();
    change(&mut config);
    config
}

/// A client with the default config.
pub fn client() -> ClientConn {
    ClientConn::new(Config::default())
}

/// Sends a body-less request and returns the bytes it put on the wire.
pub fn send(c: &mut ClientConn, method: &str, target: &str) -> Vec<u8> {
    c.send_request(
        method.as_bytes(),
        target.as_bytes(),
        [HOST],
        BodyFraming::Empty,
    )
    .expect("send_request");
    drain_client(c)
}

/// Feeds all of `bytes`, which must be taken whole.
pub fn feed(c: &mut ClientConn, bytes: &[u8]) {
    assert_eq!(
        c.handle_input(Instant::ZERO, bytes).expect("input"),
        bytes.len()
    );
}

/// Feeds `bytes` and returns the error the machine answers with.
pub fn feed_err(c: &mut ClientConn, bytes: &[u8]) -> ErrorKind {
    match c.handle_input(Instant::ZERO, bytes) {
        Err(e) => e.kind(),
        Ok(_) => {
            // Some errors surface only when the events are polled.
            let _ = client_events(c);
            c.error().expect("an error").kind()
        }
    }
}

/// A final response head over HTTP/1.1.
pub fn final_head(status: u16, fields: &[(&str, &str)]) -> ClientEv {
    ClientEv::Head(status, "HTTP/1.1", owned(fields))
}

/// Body bytes, as text.
pub fn data(bytes: &str) -> ClientEv {
    ClientEv::Data(bytes.as_bytes().to_vec())
}

/// One GET answered by `response`; the normalized events.
pub fn get_then(response: &[u8]) -> (ClientConn, Vec<ClientEv>) {
    let mut c = client();
    send(&mut c, "GET", "/");
    feed(&mut c, response);
    let log = normalize_client(client_events(&mut c));
    (c, log)
}

/// Asserts that the connection takes no more requests, and writes nothing for one.
pub fn refuses_requests(c: &mut ClientConn) {
    assert_eq!(
        c.send_request(b"GET", b"/", [HOST], BodyFraming::Empty),
        Err(UsageError::Closed)
    );
    assert_eq!(c.poll_transmit(), None);
}
