//! The two directions of a fuzzed HTTP/2 connection, as a checker sees them.
//!
//! [`PeerModel`] reads what the fuzzed peer sent and the machine took, to know
//! an upper bound of the credit the machine was given (flow-control windows,
//! frame size, HPACK table size) and which PINGs it may acknowledge.
//! [`Output`] reads what the machine transmitted, with its own frame cutter
//! and HPACK decoder, and checks it against RFC 9113 and that model.

use std::collections::{HashMap, HashSet};

use shockwave_proto::h2::frame::{self, FRAME_HEADER_LEN, Frame, FrameHeader, PREFACE};
use shockwave_proto::h2::{ErrorCode, FrameType, SettingId};
use shockwave_proto::hpack::{Decoder, HeaderList};

/// The initial window of every stream and the connection (RFC 9113 section 6.9.2).
const DEFAULT_WINDOW: u64 = 65_535;

/// Appends `bytes` to `pending` and cuts the whole frames off its front: each
/// header, payload, and whether the reserved bit of the stream identifier was set.
fn whole_frames(pending: &mut Vec<u8>, bytes: &[u8]) -> Vec<(FrameHeader, Vec<u8>, bool)> {
    pending.extend_from_slice(bytes);
    let mut frames = Vec::new();
    let mut at = 0;
    while let Some(h) = FrameHeader::parse(&pending[at..]) {
        let end = at + FRAME_HEADER_LEN + h.length as usize;
        if end > pending.len() {
            break;
        }
        let reserved = pending[at + 5] & 0x80 != 0;
        frames.push((h, pending[at + FRAME_HEADER_LEN..end].to_vec(), reserved));
        at = end;
    }
    pending.drain(..at);
    frames
}

/// What the fuzzed peer gave the machine, as upper bounds.
pub struct PeerModel {
    /// Bytes taken by the machine, not yet a whole frame.
    pending: Vec<u8>,
    /// Preface bytes still to skip (the server's input starts with it).
    preface_left: usize,
    /// DATA the machine may send on the connection: 65,535 plus every
    /// connection WINDOW_UPDATE.
    pub connection_credit: u64,
    /// Stream WINDOW_UPDATE increments, per stream.
    pub stream_updates: HashMap<u32, u64>,
    /// The largest SETTINGS_INITIAL_WINDOW_SIZE announced (or the default).
    pub max_initial_window: u64,
    /// The largest SETTINGS_MAX_FRAME_SIZE announced (or the default).
    pub max_frame_size: u32,
    /// The largest SETTINGS_HEADER_TABLE_SIZE announced (or the default).
    pub max_table_size: u32,
    /// PING payloads sent without ACK, with how many times each.
    pub pings: HashMap<[u8; 8], usize>,
    /// Streams the peer sent HEADERS on, or promised in a PUSH_PROMISE.
    pub opened: HashSet<u32>,
    /// Streams the peer sent a PRIORITY on: a PRIORITY can be answered with
    /// RST_STREAM even while the stream is idle (RFC 9113 sections 5.3.1, 6.3).
    prioritized: HashSet<u32>,
    /// Streams the peer sent RST_STREAM on.
    pub reset: HashSet<u32>,
    /// The peer sent a GOAWAY.
    pub goaway: bool,
}

impl PeerModel {
    /// A model of a peer whose input starts with the client preface (`server`)
    /// or directly with frames.
    pub fn new(preface: bool) -> Self {
        PeerModel {
            pending: Vec::new(),
            preface_left: if preface { PREFACE.len() } else { 0 },
            connection_credit: DEFAULT_WINDOW,
            stream_updates: HashMap::new(),
            max_initial_window: DEFAULT_WINDOW,
            max_frame_size: frame::DEFAULT_MAX_FRAME_SIZE,
            max_table_size: 4096,
            pings: HashMap::new(),
            opened: HashSet::new(),
            prioritized: HashSet::new(),
            reset: HashSet::new(),
            goaway: false,
        }
    }

    /// Reads bytes the machine took.
    pub fn taken(&mut self, mut bytes: &[u8]) {
        let skip = self.preface_left.min(bytes.len());
        self.preface_left -= skip;
        bytes = &bytes[skip..];
        for (h, payload, _) in whole_frames(&mut self.pending, bytes) {
            self.frame(h, &payload);
        }
    }

    /// Takes the credit a frame gives, counting only what a valid frame gives.
    fn frame(&mut self, h: FrameHeader, payload: &[u8]) {
        let stream = h.stream.value();
        match h.kind {
            FrameType::HEADERS => {
                self.opened.insert(stream);
            }
            FrameType::PRIORITY => {
                self.prioritized.insert(stream);
            }
            FrameType::RST_STREAM => {
                self.reset.insert(stream);
            }
            FrameType::GOAWAY => self.goaway = true,
            _ => {}
        }
        match frame::parse_frame(h, payload) {
            Ok(Frame::PushPromise(p)) => {
                self.opened.insert(p.promised.value());
            }
            Ok(Frame::WindowUpdate(w)) if w.stream.is_zero() => {
                self.connection_credit += u64::from(w.increment);
            }
            Ok(Frame::WindowUpdate(w)) => {
                *self.stream_updates.entry(w.stream.value()).or_default() += u64::from(w.increment);
            }
            Ok(Frame::Settings(s)) if !s.ack => {
                for (id, value) in s.iter() {
                    match id {
                        SettingId::INITIAL_WINDOW_SIZE => {
                            self.max_initial_window = self.max_initial_window.max(value.into());
                        }
                        SettingId::MAX_FRAME_SIZE => {
                            self.max_frame_size = self.max_frame_size.max(value);
                        }
                        SettingId::HEADER_TABLE_SIZE => {
                            self.max_table_size = self.max_table_size.max(value);
                        }
                        _ => {}
                    }
                }
            }
            Ok(Frame::Ping(p)) if !p.ack => *self.pings.entry(p.opaque).or_default() += 1,
            _ => {}
        }
    }

    /// The most DATA the machine may have sent on `stream`.
    fn stream_credit(&self, stream: u32) -> u64 {
        self.max_initial_window + self.stream_updates.get(&stream).copied().unwrap_or(0)
    }
}

/// Which side the machine plays, for the checks that differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    /// The machine is the server.
    Server,
    /// The machine is the client.
    Client,
}

/// The machine's output as it was written, checked frame by frame.
pub struct Output {
    side: Side,
    /// Bytes written, not yet a whole frame.
    pending: Vec<u8>,
    /// Client: preface bytes still expected.
    preface_left: usize,
    /// Frames seen.
    pub frames: usize,
    /// An open field block: its stream.
    block_stream: Option<u32>,
    /// The open field block's fragments.
    block: Vec<u8>,
    /// What kind of frame started the open block (HEADERS or PUSH_PROMISE).
    block_kind: FrameType,
    decoder: Decoder,
    list: HeaderList,
    /// Streams the machine ended its side of (END_STREAM sent).
    ended: HashSet<u32>,
    /// Streams the machine reset.
    reset: HashSet<u32>,
    /// Streams promised in the machine's PUSH_PROMISE frames.
    pub promised: HashSet<u32>,
    /// DATA bytes sent on the connection and per stream.
    connection_sent: u64,
    stream_sent: HashMap<u32, u64>,
    /// The last GOAWAY's last stream identifier and code.
    pub goaway: Option<(u32, ErrorCode)>,
    /// PING ACKs sent, per payload.
    ping_acks: HashMap<[u8; 8], usize>,
    /// Streams on which the machine sent a field block, with how many.
    pub heads: HashMap<u32, usize>,
}

impl Output {
    /// A checker for a machine on `side`.
    pub fn new(side: Side) -> Self {
        Output {
            side,
            pending: Vec::new(),
            preface_left: if side == Side::Client {
                PREFACE.len()
            } else {
                0
            },
            frames: 0,
            block_stream: None,
            block: Vec::new(),
            block_kind: FrameType::HEADERS,
            decoder: Decoder::new(4096),
            list: HeaderList::new(1 << 24),
            ended: HashSet::new(),
            reset: HashSet::new(),
            promised: HashSet::new(),
            connection_sent: 0,
            stream_sent: HashMap::new(),
            goaway: None,
            ping_acks: HashMap::new(),
            heads: HashMap::new(),
        }
    }

    /// Reads bytes the machine wrote, checking each whole frame.
    pub fn written(&mut self, bytes: &[u8], peer: &PeerModel) {
        let mut bytes = bytes;
        if self.preface_left > 0 {
            let n = self.preface_left.min(bytes.len());
            let at = PREFACE.len() - self.preface_left;
            assert_eq!(bytes[..n], PREFACE[at..at + n], "client preface");
            self.preface_left -= n;
            bytes = &bytes[n..];
        }
        for (h, payload, reserved) in whole_frames(&mut self.pending, bytes) {
            assert!(!reserved, "reserved bit set in {h:?}");
            self.frame(h, &payload, peer);
        }
    }

    /// Whether bytes of a frame were written but not the whole frame.
    pub fn mid_frame(&self) -> bool {
        !self.pending.is_empty()
    }

    fn frame(&mut self, h: FrameHeader, payload: &[u8], peer: &PeerModel) {
        self.frames += 1;
        let f = frame::parse_frame(h, payload)
            .unwrap_or_else(|e| panic!("the machine wrote an invalid frame {h:?}: {e:?}"));
        if self.frames == 1 {
            // RFC 9113 section 3.4: the first frame of either side is SETTINGS.
            assert!(
                matches!(f, Frame::Settings(s) if !s.ack),
                "first frame {h:?}"
            );
        }
        // Section 4.2: never larger than the peer allows.
        assert!(
            h.length <= peer.max_frame_size,
            "{h:?} over the peer's SETTINGS_MAX_FRAME_SIZE {}",
            peer.max_frame_size
        );
        if let Some((_, code)) = self.goaway {
            // Section 5.4.1: nothing follows a GOAWAY sent for an error.
            assert!(code == ErrorCode::NO_ERROR, "{h:?} after GOAWAY {code}");
        }
        let stream = h.stream.value();
        // Section 6.10: a field block is contiguous.
        if let Some(open) = self.block_stream {
            assert!(
                matches!(f, Frame::Continuation(_)) && stream == open,
                "{h:?} inside the field block of stream {open}"
            );
        }
        if stream != 0 {
            self.stream_frame(stream, &f, peer);
        }
        match f {
            Frame::Headers(hf) => {
                self.block_kind = FrameType::HEADERS;
                self.start_block(stream, hf.fragment, hf.end_headers, peer);
                if hf.end_stream {
                    self.ended.insert(stream);
                }
            }
            Frame::PushPromise(pp) => {
                assert_eq!(self.side, Side::Server, "a client pushed");
                let promised = pp.promised.value();
                assert!(
                    pp.promised.is_server_initiated(),
                    "promised odd stream {promised}"
                );
                assert!(
                    self.promised.insert(promised),
                    "stream {promised} promised twice"
                );
                self.block_kind = FrameType::PUSH_PROMISE;
                self.start_block(stream, pp.fragment, pp.end_headers, peer);
            }
            Frame::Continuation(c) => {
                assert_eq!(
                    self.block_stream,
                    Some(stream),
                    "CONTINUATION without a block"
                );
                self.block.extend_from_slice(c.fragment);
                if c.end_headers {
                    self.end_block(peer);
                }
            }
            Frame::Data(d) => {
                let n = d.flow_controlled_len() as u64;
                self.connection_sent += n;
                let sent = self.stream_sent.entry(stream).or_default();
                *sent += n;
                // Section 6.9.1: never past either window the peer gave.
                assert!(
                    self.connection_sent <= peer.connection_credit,
                    "DATA past the connection window: {} of {}",
                    self.connection_sent,
                    peer.connection_credit
                );
                assert!(
                    *sent <= peer.stream_credit(stream),
                    "DATA past the window of stream {stream}: {sent} of {}",
                    peer.stream_credit(stream)
                );
                if d.end_stream {
                    self.ended.insert(stream);
                }
            }
            Frame::RstStream(_) => {
                self.reset.insert(stream);
            }
            Frame::Goaway(g) => {
                let last = g.last_stream_id.value();
                if let Some((before, _)) = self.goaway {
                    // Section 6.8: the last stream identifier never grows.
                    assert!(last <= before, "GOAWAY last stream {last} after {before}");
                }
                self.goaway = Some((last, g.code));
            }
            Frame::Ping(p) if p.ack => {
                // Section 6.7: an ACK answers a PING the peer sent.
                let acks = self.ping_acks.entry(p.opaque).or_default();
                *acks += 1;
                let sent = peer.pings.get(&p.opaque).copied().unwrap_or(0);
                assert!(*acks <= sent, "PING ACK {:?} without its PING", p.opaque);
            }
            Frame::PriorityUpdate(_) => {
                assert_eq!(self.side, Side::Client, "a server sent PRIORITY_UPDATE");
            }
            _ => {}
        }
    }

    /// The rules of the sending side of a stream (RFC 9113 section 5.1).
    fn stream_frame(&mut self, stream: u32, f: &Frame<'_>, peer: &PeerModel) {
        let ours = match self.side {
            Side::Server => self.promised.contains(&stream),
            Side::Client => {
                stream % 2 == 1
                    && (self.heads.contains_key(&stream) || matches!(f, Frame::Headers(_)))
            }
        };
        let is_rst = matches!(f, Frame::RstStream(_));
        let answers_priority = is_rst && peer.prioritized.contains(&stream);
        // Section 5.1.1: opening a stream closes every idle stream of the same
        // initiator with a lower identifier; those are closed, not idle.
        let implicitly_closed = peer
            .opened
            .iter()
            .any(|&o| o >= stream && o % 2 == stream % 2)
            || (stream.is_multiple_of(2) && self.promised.iter().any(|&o| o >= stream))
            || (stream % 2 == 1
                && self.side == Side::Client
                && self.heads.keys().any(|&o| o % 2 == 1 && o >= stream));
        if !ours && !implicitly_closed {
            // Section 5.1: the stream is idle; section 6.4: no RST_STREAM for an
            // idle stream, except to answer a PRIORITY (h2spec 5.3.1, 6.3).
            assert!(answers_priority, "{f:?} on idle stream {stream}");
        }
        let allowed_after_end = matches!(
            f,
            Frame::RstStream(_) | Frame::WindowUpdate(_) | Frame::Priority(_)
        );
        if self.reset.contains(&stream) {
            // Closed by our RST_STREAM: only PRIORITY may follow.
            assert!(
                matches!(f, Frame::Priority(_)),
                "{f:?} after our RST_STREAM on {stream}"
            );
        } else if self.ended.contains(&stream) {
            // Half-closed (local) or closed: no more DATA or HEADERS from us.
            assert!(
                allowed_after_end || matches!(f, Frame::PushPromise(_)),
                "{f:?} after END_STREAM on {stream}"
            );
        }
    }

    fn start_block(&mut self, stream: u32, fragment: &[u8], end: bool, peer: &PeerModel) {
        self.block_stream = Some(stream);
        self.block.clear();
        self.block.extend_from_slice(fragment);
        if end {
            self.end_block(peer);
        }
    }

    /// Decodes a complete field block with our own decoder (allowing the
    /// largest table the peer announced) and checks its fields.
    fn end_block(&mut self, peer: &PeerModel) {
        self.decoder
            .set_max_table_size(peer.max_table_size as usize);
        let stream = self.block_stream.take().expect("a block");
        self.list.clear();
        self.decoder
            .decode(&self.block, &mut self.list)
            .unwrap_or_else(|e| panic!("the machine's field block does not decode: {e:?}"));
        *self.heads.entry(stream).or_default() += 1;
        let mut regular = false;
        let mut pseudo = Vec::new();
        for f in self.list.iter() {
            if let Some(p) = f.name.strip_prefix(b":") {
                assert!(!regular, "pseudo-header after a regular field");
                pseudo.push(p.to_vec());
            } else {
                regular = true;
                assert!(
                    !f.name.is_empty()
                        && f.name
                            .iter()
                            .all(|&b| b > 0x20 && b < 0x7f && !b.is_ascii_uppercase() && b != b':'),
                    "invalid field name {:?}",
                    f.name
                );
                assert!(
                    !matches!(
                        f.name,
                        b"connection"
                            | b"keep-alive"
                            | b"proxy-connection"
                            | b"transfer-encoding"
                            | b"upgrade"
                    ),
                    "connection-specific field {:?}",
                    f.name
                );
                assert!(!f.value.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n'));
            }
        }
        let requestish = self.block_kind == FrameType::PUSH_PROMISE || self.side == Side::Client;
        if !pseudo.is_empty() {
            if requestish {
                assert!(
                    pseudo.iter().any(|p| p == b"method"),
                    "request without :method: {pseudo:?}"
                );
            } else {
                assert_eq!(pseudo, [b"status".to_vec()], "response pseudo-headers");
            }
        }
    }
}
