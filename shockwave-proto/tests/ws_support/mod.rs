//! Shared by the WebSocket integration tests: a seeded mask source, owned
//! copies of events, and a client/server pair wired together in memory.
#![allow(dead_code)]

use shockwave_proto::Instant;
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::{Config, Conn, Error, Event, MessageKind};

/// A deterministic mask source (xorshift), for tests only: real clients need
/// unpredictable masks.
pub fn seeded_masks(seed: u64) -> Box<dyn shockwave_proto::ws::MaskSource + Send> {
    let mut x = seed | 1;
    Box::new(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x as u32).to_le_bytes()
    })
}

/// An event, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Message(MessageKind, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, Vec<u8>),
    Closed,
}

impl Ev {
    pub fn text(s: &str) -> Ev {
        Ev::Message(MessageKind::Text, s.as_bytes().to_vec())
    }
    pub fn binary(b: &[u8]) -> Ev {
        Ev::Message(MessageKind::Binary, b.to_vec())
    }
}

/// A short form of events for assertion messages: kind, length and a hash.
pub fn summary(evs: &[Ev]) -> Vec<String> {
    let h = |b: &[u8]| {
        b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
            (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3)
        })
    };
    evs.iter()
        .map(|e| match e {
            Ev::Message(k, p) => format!("{k:?}({}, {:x})", p.len(), h(p)),
            Ev::Ping(p) => format!("Ping({})", p.len()),
            Ev::Pong(p) => format!("Pong({})", p.len()),
            Ev::Close(c, r) => format!("Close({c:?}, {})", r.len()),
            Ev::Closed => "Closed".into(),
        })
        .collect()
}

pub fn own(e: Event<'_>) -> Ev {
    match e {
        Event::MessageReceived { kind, payload } => Ev::Message(kind, payload.to_vec()),
        Event::PingReceived(p) => Ev::Ping(p.to_vec()),
        Event::PongReceived(p) => Ev::Pong(p.to_vec()),
        Event::CloseReceived { code, reason } => Ev::Close(code, reason.to_vec()),
        Event::Closed => Ev::Closed,
    }
}

/// Every event the connection has now.
pub fn events(conn: &mut Conn) -> Vec<Ev> {
    let mut v = Vec::new();
    while let Some(e) = conn.poll_event() {
        v.push(own(e));
    }
    v
}

/// Everything the connection has queued, taken out.
pub fn take_output(conn: &mut Conn) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = conn.poll_transmit() {
        let n = b.len();
        out.extend_from_slice(b);
        conn.advance_transmit(n);
    }
    out
}

/// Feeds `bytes` in pieces of at most `piece` bytes, polling events after
/// each; returns the events and the first error.
pub fn feed(conn: &mut Conn, now: Instant, bytes: &[u8], piece: usize) -> (Vec<Ev>, Option<Error>) {
    let mut evs = Vec::new();
    let mut err = None;
    let mut rest = bytes;
    let mut stalls = 0;
    while !rest.is_empty() {
        let n = rest.len().min(piece.max(1));
        match conn.handle_input(now, &rest[..n]) {
            Ok(k) => {
                rest = &rest[k..];
                stalls = if k == 0 { stalls + 1 } else { 0 };
                assert!(stalls < 1000, "the machine stopped taking input");
            }
            Err(e) => {
                err.get_or_insert(e);
                rest = &rest[n..];
            }
        }
        evs.extend(events(conn));
    }
    evs.extend(events(conn));
    (evs, err)
}

/// A client and a server wired together in memory.
pub struct Pair {
    pub client: Conn,
    pub server: Conn,
    pub now: Instant,
    /// Bytes move in pieces of at most this size.
    pub piece: usize,
    pub client_events: Vec<Ev>,
    pub server_events: Vec<Ev>,
    pub client_error: Option<Error>,
    pub server_error: Option<Error>,
}

impl Pair {
    pub fn new(config: Config, extensions: Extensions) -> Pair {
        Pair {
            client: Conn::client(config.clone(), extensions, seeded_masks(7)),
            server: Conn::server(config, extensions),
            now: Instant::ZERO,
            piece: usize::MAX,
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_error: None,
            server_error: None,
        }
    }

    /// Moves bytes both ways until neither side has anything to send.
    pub fn drive(&mut self) {
        for _ in 0..10_000 {
            let to_server = take_output(&mut self.client);
            let (evs, err) = feed(&mut self.server, self.now, &to_server, self.piece);
            self.server_events.extend(evs);
            if self.server_error.is_none() {
                self.server_error = err;
            }
            let to_client = take_output(&mut self.server);
            let (evs, err) = feed(&mut self.client, self.now, &to_client, self.piece);
            self.client_events.extend(evs);
            if self.client_error.is_none() {
                self.client_error = err;
            }
            if to_server.is_empty() && to_client.is_empty() {
                return;
            }
        }
        panic!("the pair never went quiet");
    }

    pub fn take_server_events(&mut self) -> Vec<Ev> {
        std::mem::take(&mut self.server_events)
    }

    pub fn take_client_events(&mut self) -> Vec<Ev> {
        std::mem::take(&mut self.client_events)
    }
}
