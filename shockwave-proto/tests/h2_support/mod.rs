//! Shared drivers for the HTTP/2 tests: owned copies of events, an in-memory
//! pump between a client and a server machine, and a scripted raw peer.
#![allow(dead_code)]

use shockwave_proto::Instant;
use shockwave_proto::h2::frame::{self, Frame, FrameHeader};
use shockwave_proto::h2::{
    ClientConn, ClientEvent, Config, ErrorCode, Headers, ServerConn, ServerEvent, StreamId,
};
use shockwave_proto::hpack::{Decoder, Encoder, HeaderList};

/// A HEADERS frame (no padding or priority) carrying `block` on `stream`.
pub fn headers(stream: u32, block: &[u8], end_stream: bool, end_headers: bool) -> Vec<u8> {
    let mut out = Vec::new();
    frame::write_headers(
        &mut out,
        StreamId::new(stream),
        block,
        end_stream,
        end_headers,
        None,
        None,
    );
    out
}

/// A configuration changed from the defaults by `f`.
pub fn config(f: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::default();
    f(&mut c);
    c
}

/// An owned list of fields.
pub type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// Copies borrowed fields.
pub fn own_fields(h: Headers<'_>) -> Fields {
    h.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect()
}

/// Fields from string pairs.
pub fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

/// An owned server event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SEv {
    Request {
        stream: u32,
        method: Vec<u8>,
        path: Option<Vec<u8>>,
        authority: Option<Vec<u8>>,
        protocol: Option<Vec<u8>>,
        fields: Fields,
        end: bool,
    },
    Data {
        stream: u32,
        data: Vec<u8>,
        end: bool,
    },
    Trailers {
        stream: u32,
        fields: Fields,
    },
    Reset {
        stream: u32,
        code: ErrorCode,
        by_peer: bool,
    },
    SendReady(u32),
    Goaway {
        last: u32,
        code: ErrorCode,
        debug: Vec<u8>,
    },
    PingAck([u8; 8]),
}

/// Copies a server event.
pub fn own_server(ev: ServerEvent<'_>) -> SEv {
    match ev {
        ServerEvent::RequestReceived {
            stream,
            request,
            end_stream,
        } => SEv::Request {
            stream: stream.value(),
            method: request.method().to_vec(),
            path: request.path().map(<[u8]>::to_vec),
            authority: request.authority().map(<[u8]>::to_vec),
            protocol: request.protocol().map(<[u8]>::to_vec),
            fields: own_fields(request.fields()),
            end: end_stream,
        },
        ServerEvent::DataReceived {
            stream,
            data,
            end_stream,
        } => SEv::Data {
            stream: stream.value(),
            data: data.to_vec(),
            end: end_stream,
        },
        ServerEvent::TrailersReceived { stream, trailers } => SEv::Trailers {
            stream: stream.value(),
            fields: own_fields(trailers),
        },
        ServerEvent::StreamReset {
            stream,
            code,
            by_peer,
        } => SEv::Reset {
            stream: stream.value(),
            code,
            by_peer,
        },
        ServerEvent::SendReady { stream } => SEv::SendReady(stream.value()),
        ServerEvent::GoawayReceived {
            last_stream_id,
            code,
            debug_data,
        } => SEv::Goaway {
            last: last_stream_id.value(),
            code,
            debug: debug_data.to_vec(),
        },
        ServerEvent::PingAcknowledged { opaque } => SEv::PingAck(opaque),
    }
}

/// An owned client event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CEv {
    Response {
        stream: u32,
        status: u16,
        fields: Fields,
        end: bool,
    },
    Info {
        stream: u32,
        status: u16,
        fields: Fields,
    },
    Data {
        stream: u32,
        data: Vec<u8>,
        end: bool,
    },
    Trailers {
        stream: u32,
        fields: Fields,
    },
    Push {
        associated: u32,
        promised: u32,
        method: Vec<u8>,
        path: Vec<u8>,
    },
    Reset {
        stream: u32,
        code: ErrorCode,
        by_peer: bool,
    },
    SendReady(u32),
    Settings,
    Goaway {
        last: u32,
        code: ErrorCode,
        debug: Vec<u8>,
    },
    PingAck([u8; 8]),
}

/// Copies a client event.
pub fn own_client(ev: ClientEvent<'_>) -> CEv {
    match ev {
        ClientEvent::ResponseReceived {
            stream,
            response,
            end_stream,
        } => CEv::Response {
            stream: stream.value(),
            status: response.status(),
            fields: own_fields(response.fields()),
            end: end_stream,
        },
        ClientEvent::InformationalReceived {
            stream,
            status,
            fields,
        } => CEv::Info {
            stream: stream.value(),
            status,
            fields: own_fields(fields),
        },
        ClientEvent::DataReceived {
            stream,
            data,
            end_stream,
        } => CEv::Data {
            stream: stream.value(),
            data: data.to_vec(),
            end: end_stream,
        },
        ClientEvent::TrailersReceived { stream, trailers } => CEv::Trailers {
            stream: stream.value(),
            fields: own_fields(trailers),
        },
        ClientEvent::PushPromised {
            associated,
            promised,
            request,
        } => CEv::Push {
            associated: associated.value(),
            promised: promised.value(),
            method: request.method().to_vec(),
            path: request.path().unwrap_or_default().to_vec(),
        },
        ClientEvent::StreamReset {
            stream,
            code,
            by_peer,
        } => CEv::Reset {
            stream: stream.value(),
            code,
            by_peer,
        },
        ClientEvent::SendReady { stream } => CEv::SendReady(stream.value()),
        ClientEvent::SettingsReceived => CEv::Settings,
        ClientEvent::GoawayReceived {
            last_stream_id,
            code,
            debug_data,
        } => CEv::Goaway {
            last: last_stream_id.value(),
            code,
            debug: debug_data.to_vec(),
        },
        ClientEvent::PingAcknowledged { opaque } => CEv::PingAck(opaque),
    }
}

/// A client and a server wired together in memory.
pub struct Pair {
    pub client: ClientConn,
    pub server: ServerConn,
    pub now: Instant,
    /// Bytes moved per write, to exercise partial writes (0: all).
    pub chunk: usize,
}

impl Pair {
    pub fn new(client: Config, server: Config) -> Self {
        Pair {
            client: ClientConn::new(client),
            server: ServerConn::new(server),
            now: Instant::ZERO,
            chunk: 0,
        }
    }

    pub fn default_pair() -> Self {
        Pair::new(Config::default(), Config::default())
    }

    /// Moves bytes both ways and hands every event to the handlers until
    /// nothing moves. Panics on a connection error or after `limit` rounds.
    pub fn run(
        &mut self,
        mut on_server: impl FnMut(&mut ServerConn, SEv),
        mut on_client: impl FnMut(&mut ClientConn, CEv),
    ) {
        for _ in 0..100_000 {
            let mut progress = false;
            if let Some(out) = self.client.poll_transmit() {
                let take = if self.chunk == 0 {
                    out.len()
                } else {
                    out.len().min(self.chunk)
                };
                let out = out[..take].to_vec();
                let n = self
                    .server
                    .handle_input(self.now, &out)
                    .expect("server input");
                self.client.advance_transmit(n);
                progress |= n > 0;
            }
            while let Some(ev) = self.server.poll_event() {
                let ev = own_server(ev);
                on_server(&mut self.server, ev);
                progress = true;
            }
            if let Some(out) = self.server.poll_transmit() {
                let take = if self.chunk == 0 {
                    out.len()
                } else {
                    out.len().min(self.chunk)
                };
                let out = out[..take].to_vec();
                let n = self
                    .client
                    .handle_input(self.now, &out)
                    .expect("client input");
                self.server.advance_transmit(n);
                progress |= n > 0;
            }
            while let Some(ev) = self.client.poll_event() {
                let ev = own_client(ev);
                on_client(&mut self.client, ev);
                progress = true;
            }
            for due in [self.server.poll_timeout(), self.client.poll_timeout()] {
                if due.is_some_and(|t| t <= self.now) {
                    progress = true;
                }
            }
            if self.server.poll_timeout().is_some_and(|t| t <= self.now) {
                self.server
                    .handle_timeout(self.now)
                    .expect("server timeout");
            }
            if self.client.poll_timeout().is_some_and(|t| t <= self.now) {
                self.client
                    .handle_timeout(self.now)
                    .expect("client timeout");
            }
            if !progress {
                return;
            }
        }
        panic!("the pair never settled");
    }

    /// Runs with handlers that record events.
    pub fn run_logged(&mut self) -> (Vec<SEv>, Vec<CEv>) {
        let mut s = Vec::new();
        let mut c = Vec::new();
        self.run(|_, e| s.push(e), |_, e| c.push(e));
        (s, c)
    }
}

/// Merges consecutive DATA events of the same stream, so logs of different
/// splits compare equal.
pub fn merge_server(log: Vec<SEv>) -> Vec<SEv> {
    let mut out: Vec<SEv> = Vec::new();
    for ev in log {
        if let (
            Some(SEv::Data {
                stream: s1,
                data: d1,
                end: e1,
            }),
            SEv::Data { stream, data, end },
        ) = (out.last_mut(), &ev)
            && *s1 == *stream
            && !*e1
        {
            d1.extend_from_slice(data);
            *e1 = *end;
            continue;
        }
        out.push(ev);
    }
    out
}

/// A hand-driven HTTP/2 peer: writes frames, reads what the machine sent.
pub struct RawPeer {
    pub encoder: Encoder,
    pub decoder: Decoder,
    pub list: HeaderList,
}

impl Default for RawPeer {
    fn default() -> Self {
        RawPeer {
            encoder: Encoder::new(),
            decoder: Decoder::new(4096),
            list: HeaderList::new(1 << 20),
        }
    }
}

impl RawPeer {
    /// A header block for these fields.
    pub fn block(&mut self, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        self.encoder.encode(
            fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            &mut out,
        );
        out
    }

    /// HEADERS for a GET of `path` on `stream`.
    pub fn get(&mut self, out: &mut Vec<u8>, stream: u32, path: &str, end_stream: bool) {
        let block = self.block(&[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", path),
            (":authority", "x"),
        ]);
        frame::write_headers(
            out,
            StreamId::new(stream),
            &block,
            end_stream,
            true,
            None,
            None,
        );
    }

    /// The client preface and an empty SETTINGS.
    pub fn preface() -> Vec<u8> {
        let mut out = frame::PREFACE.to_vec();
        frame::write_settings(&mut out, &[]);
        out
    }
}

/// An owned frame as the machine wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    Settings {
        ack: bool,
    },
    WindowUpdate {
        stream: u32,
        increment: u32,
    },
    Headers {
        stream: u32,
        end_stream: bool,
        fields: Fields,
    },
    Data {
        stream: u32,
        len: usize,
        end_stream: bool,
    },
    Rst {
        stream: u32,
        code: ErrorCode,
    },
    Ping {
        ack: bool,
        opaque: [u8; 8],
    },
    Goaway {
        last: u32,
        code: ErrorCode,
    },
    PushPromise {
        stream: u32,
        promised: u32,
    },
    Other(u8),
}

/// Parses every whole frame in `bytes` (decoding header blocks with `peer`).
pub fn frames(peer: &mut RawPeer, mut bytes: &[u8]) -> Vec<Out> {
    let mut out = Vec::new();
    let mut block = Vec::new();
    let mut pending: Option<(u32, bool)> = None;
    while let Some(h) = FrameHeader::parse(bytes) {
        let end = 9 + h.length as usize;
        if bytes.len() < end {
            break;
        }
        let f = frame::parse_frame(h, &bytes[9..end]).expect("the machine writes valid frames");
        let finish = |peer: &mut RawPeer, block: &mut Vec<u8>, stream: u32, end_stream: bool| {
            peer.decoder
                .decode(block, &mut peer.list)
                .expect("valid HPACK");
            let fields = peer
                .list
                .iter()
                .map(|f| (f.name.to_vec(), f.value.to_vec()))
                .collect();
            block.clear();
            Out::Headers {
                stream,
                end_stream,
                fields,
            }
        };
        match f {
            Frame::Settings(s) => out.push(Out::Settings { ack: s.ack }),
            Frame::WindowUpdate(w) => out.push(Out::WindowUpdate {
                stream: w.stream.value(),
                increment: w.increment,
            }),
            Frame::Headers(hf) => {
                block.extend_from_slice(hf.fragment);
                if hf.end_headers {
                    out.push(finish(peer, &mut block, hf.stream.value(), hf.end_stream));
                } else {
                    pending = Some((hf.stream.value(), hf.end_stream));
                }
            }
            Frame::Continuation(c) => {
                block.extend_from_slice(c.fragment);
                if c.end_headers {
                    let (s, e) = pending.take().expect("a block in progress");
                    out.push(finish(peer, &mut block, s, e));
                }
            }
            Frame::PushPromise(p) => {
                block.extend_from_slice(p.fragment);
                let _ = finish(peer, &mut block, p.stream.value(), false);
                out.push(Out::PushPromise {
                    stream: p.stream.value(),
                    promised: p.promised.value(),
                });
            }
            Frame::Data(d) => out.push(Out::Data {
                stream: d.stream.value(),
                len: d.data.len(),
                end_stream: d.end_stream,
            }),
            Frame::RstStream(r) => out.push(Out::Rst {
                stream: r.stream.value(),
                code: r.code,
            }),
            Frame::Ping(p) => out.push(Out::Ping {
                ack: p.ack,
                opaque: p.opaque,
            }),
            Frame::Goaway(g) => out.push(Out::Goaway {
                last: g.last_stream_id.value(),
                code: g.code,
            }),
            _ => out.push(Out::Other(h.kind.0)),
        }
        bytes = &bytes[end..];
    }
    out
}

/// Drains everything a server queued, as frames.
pub fn drain_server(server: &mut ServerConn, peer: &mut RawPeer) -> Vec<Out> {
    let mut bytes = Vec::new();
    while let Some(out) = server.poll_transmit() {
        bytes.extend_from_slice(out);
        let n = out.len();
        server.advance_transmit(n);
    }
    frames(peer, &bytes)
}

/// Polls every server event.
pub fn server_events(server: &mut ServerConn) -> Vec<SEv> {
    let mut log = Vec::new();
    while let Some(ev) = server.poll_event() {
        log.push(own_server(ev));
        assert!(log.len() < 1_000_000, "endless events");
    }
    log
}
