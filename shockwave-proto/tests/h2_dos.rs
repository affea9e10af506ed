//! Denial-of-service mitigations, each driven by a scripted attacker: memory
//! stays within the configured bounds and the machine answers with the right
//! GOAWAY within a bounded number of frames.

mod h2_support;

use h2_support::*;
use shockwave_proto::Instant;
use shockwave_proto::h2::frame;
use shockwave_proto::h2::{Config, Error, ErrorCode, ErrorKind, FrameType, ServerConn, StreamId};

/// A server under attack by a raw peer.
struct Attack {
    server: ServerConn,
    peer: RawPeer,
    /// The attacker reads what the server writes.
    reads: bool,
    /// Most bytes the server ever had queued for output.
    most_output: usize,
    /// Most bytes the server ever held unprocessed.
    most_input: usize,
    written: Vec<u8>,
}

impl Attack {
    fn new(config: Config) -> Self {
        let mut a = Attack {
            server: ServerConn::new(config),
            peer: RawPeer::default(),
            reads: true,
            most_output: 0,
            most_input: 0,
            written: Vec::new(),
        };
        a.send(&RawPeer::preface()).unwrap();
        a
    }

    /// Feeds `bytes`, behaving as a good application (releasing DATA). With
    /// `reads` off, stops when the server takes no more. Returns bytes taken.
    fn send(&mut self, bytes: &[u8]) -> Result<usize, Error> {
        let mut at = 0;
        while at < bytes.len() {
            let n = self.server.handle_input(Instant::ZERO, &bytes[at..])?;
            at += n;
            while let Some(ev) = self.server.poll_event() {
                if let shockwave_proto::h2::ServerEvent::DataReceived { stream, data, .. } = ev {
                    let n = data.len();
                    let _ = self.server.release_data(stream, n);
                }
            }
            self.most_input = self.most_input.max(self.server.buffered_input());
            self.most_output = self.most_output.max(self.server.queued_output());
            if self.reads {
                while let Some(out) = self.server.poll_transmit() {
                    self.written.extend_from_slice(out);
                    let n = out.len();
                    self.server.advance_transmit(n);
                }
            } else if n == 0 {
                break;
            }
        }
        Ok(at)
    }

    /// Sends frames made by `make` until the server fails; returns how many
    /// were sent and the error. Panics if `limit` frames pass without one.
    fn until_error(
        &mut self,
        limit: usize,
        mut make: impl FnMut(usize, &mut RawPeer) -> Vec<u8>,
    ) -> (usize, Error) {
        for i in 0..limit {
            let bytes = make(i, &mut self.peer);
            // An error found while the application polls events shows in `error()`.
            if let Err(e) = self
                .send(&bytes)
                .and(self.server.error().map_or(Ok(0), Err))
            {
                return (i + 1, e);
            }
        }
        panic!("no error after {limit} frames");
    }

    /// The frames the server wrote, once drained.
    fn output(&mut self) -> Vec<Out> {
        while let Some(out) = self.server.poll_transmit() {
            self.written.extend_from_slice(out);
            let n = out.len();
            self.server.advance_transmit(n);
        }
        let bytes = std::mem::take(&mut self.written);
        frames(&mut self.peer, &bytes)
    }

    fn assert_goaway(&mut self, code: ErrorCode) {
        let out = self.output();
        assert!(
            out.iter()
                .any(|f| matches!(f, Out::Goaway { code: c, .. } if *c == code)),
            "no GOAWAY {code}: {:?}",
            &out[out.len().saturating_sub(3)..]
        );
        assert!(self.server.is_closed());
    }
}

fn post(peer: &mut RawPeer, stream: u32) -> Vec<u8> {
    let block = peer.block(&[
        (":method", "POST"),
        (":scheme", "https"),
        (":path", "/"),
        (":authority", "x"),
    ]);
    let mut out = Vec::new();
    out.extend(headers(stream, &block, false, true));
    out
}

fn get(peer: &mut RawPeer, stream: u32) -> Vec<u8> {
    let mut out = Vec::new();
    peer.get(&mut out, stream, "/", false);
    out
}

fn calm(e: Error) {
    assert_eq!(e.code(), ErrorCode::ENHANCE_YOUR_CALM, "{e}");
    assert!(e.is_connection_error());
}

#[test]
fn data_dribble() {
    let mut a = Attack::new(Config::default());
    let bytes = post(&mut a.peer, 1);
    a.send(&bytes).unwrap();
    let (n, e) = a.until_error(10_000, |_, _| {
        let mut out = Vec::new();
        frame::write_data(&mut out, StreamId::new(1), b"x", false);
        out
    });
    calm(e);
    assert_eq!(e.kind(), ErrorKind::EmptyFrameFlood);
    assert_eq!(n, 1001, "the budget is max_empty_frames_per_window");
    a.assert_goaway(ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn window_update_storm() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |_, _| {
        let mut out = Vec::new();
        frame::write_window_update(&mut out, StreamId::ZERO, 1);
        out
    });
    calm(e);
    assert_eq!(n, 1001);
    // Large increments overflow the window instead (RFC 9113 section 6.9.1).
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10, |_, _| {
        let mut out = Vec::new();
        frame::write_window_update(&mut out, StreamId::ZERO, 0x4000_0000);
        out
    });
    assert_eq!((n, e.code()), (2, ErrorCode::FLOW_CONTROL_ERROR));
    a.assert_goaway(ErrorCode::FLOW_CONTROL_ERROR);
}

#[test]
fn ping_flood_read() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |i, _| {
        let mut out = Vec::new();
        frame::write_ping(&mut out, (i as u64).to_be_bytes(), false);
        out
    });
    calm(e);
    assert_eq!(n, 1001);
    assert!(a.most_output < 1024, "answers were read as they came");
}

#[test]
fn ping_flood_unread_stops_reading() {
    // A budget too large to matter: the bound here is the output queue.
    let config = config(|c| c.max_control_frames_per_window = 1_000_000);
    let max_write = config.max_write_buffer;
    let read_buffer = config.read_buffer_size;
    let mut a = Attack::new(config);
    a.reads = false;
    let mut flood = Vec::new();
    for i in 0..20_000u64 {
        frame::write_ping(&mut flood, i.to_be_bytes(), false);
    }
    let taken = a.send(&flood).unwrap();
    assert!(taken < flood.len(), "the server stopped taking input");
    assert!(
        a.most_output <= max_write + 17,
        "queued ACKs bounded: {}",
        a.most_output
    );
    assert!(
        a.most_input <= read_buffer,
        "input bounded: {}",
        a.most_input
    );
    assert!(a.server.input_buf().is_empty(), "a driver stops reading");
    // Once the attacker reads, the server goes on.
    a.reads = true;
    assert_eq!(a.send(&flood[taken..]).unwrap(), flood.len() - taken);
    let acks = a
        .output()
        .iter()
        .filter(|f| matches!(f, Out::Ping { ack: true, .. }))
        .count();
    assert_eq!(acks, 20_000);
}

#[test]
fn settings_flood() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |_, _| {
        let mut out = Vec::new();
        frame::write_settings(
            &mut out,
            &[(shockwave_proto::h2::SettingId::MAX_FRAME_SIZE, 20_000)],
        );
        out
    });
    calm(e);
    assert_eq!(e.kind(), ErrorKind::ControlFrameFlood);
    assert_eq!(n, 1001, "the preface's SETTINGS is free, then 1000 more");
}

#[test]
fn rapid_reset() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |i, peer| {
        let id = 1 + 2 * i as u32;
        let mut out = get(peer, id);
        frame::write_rst_stream(&mut out, StreamId::new(id), ErrorCode::CANCEL);
        out
    });
    calm(e);
    assert_eq!(e.kind(), ErrorKind::ResetFlood);
    assert_eq!(n, 201, "max_resets_per_window");
    assert_eq!(a.server.active_streams(), 0);
    a.assert_goaway(ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn made_you_reset_by_window_update_zero() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |i, peer| {
        let id = 1 + 2 * i as u32;
        let mut out = get(peer, id);
        // An invalid frame the server must answer with RST_STREAM (RFC 9113 section 6.9).
        out.extend_from_slice(&[0, 0, 4, FrameType::WINDOW_UPDATE.0, 0]);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out
    });
    calm(e);
    assert_eq!(n, 201);
    let out = a.output();
    assert!(
        out.iter()
            .filter(|f| matches!(
                f,
                Out::Rst {
                    code: ErrorCode::PROTOCOL_ERROR,
                    ..
                }
            ))
            .count()
            >= 200
    );
}

#[test]
fn made_you_reset_by_data_on_half_closed() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |i, peer| {
        let id = 1 + 2 * i as u32;
        let mut out = Vec::new();
        peer.get(&mut out, id, "/", true);
        // DATA after END_STREAM: a STREAM_CLOSED stream error (section 5.1).
        frame::write_data(&mut out, StreamId::new(id), b"0123456789abcdefgh", false);
        out
    });
    calm(e);
    assert_eq!(n, 201);
    assert!(a.output().iter().any(|f| matches!(
        f,
        Out::Rst {
            code: ErrorCode::STREAM_CLOSED,
            ..
        }
    )));
}

#[test]
fn refused_streams_count_against_the_budget() {
    let config = Config::default();
    let max = config.max_concurrent_streams;
    let mut a = Attack::new(config);
    for i in 0..max {
        let bytes = get(&mut a.peer, 1 + 2 * i);
        a.send(&bytes).unwrap();
    }
    assert_eq!(a.server.active_streams(), max as usize);
    let (n, e) = a.until_error(10_000, |i, peer| get(peer, 1 + 2 * (max + i as u32)));
    calm(e);
    assert_eq!(n, 201);
    let out = a.output();
    assert_eq!(
        out.iter()
            .filter(|f| matches!(
                f,
                Out::Rst {
                    code: ErrorCode::REFUSED_STREAM,
                    ..
                }
            ))
            .count(),
        201
    );
    assert_eq!(
        a.server.active_streams(),
        max as usize,
        "refused streams take no memory"
    );
}

#[test]
fn empty_data_frames() {
    let mut a = Attack::new(Config::default());
    let bytes = post(&mut a.peer, 1);
    a.send(&bytes).unwrap();
    let (n, e) = a.until_error(10_000, |_, _| {
        let mut out = Vec::new();
        frame::write_data(&mut out, StreamId::new(1), b"", false);
        out
    });
    calm(e);
    assert_eq!(n, 1001);
}

#[test]
fn unknown_frames() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |_, _| vec![0, 0, 1, 0xfa, 0, 0, 0, 0, 0, 7]);
    calm(e);
    assert_eq!(n, 1001);
}

#[test]
fn continuation_flood_is_bounded_by_frame_count() {
    let config = Config::default();
    let most = config.max_continuation_frames;
    let mut a = Attack::new(config);
    let block = a.peer.block(&[(":method", "GET")]);
    let mut head = Vec::new();
    head.extend(headers(1, &block, false, false));
    a.send(&head).unwrap();
    let (n, e) = a.until_error(10_000, |_, _| {
        let mut out = Vec::new();
        frame::write_continuation(&mut out, StreamId::new(1), b"", false);
        out
    });
    calm(e);
    assert_eq!(n, most + 1);
    assert_eq!(e.kind(), ErrorKind::TooManyContinuations);
}

#[test]
fn continuation_flood_is_bounded_by_block_bytes() {
    let config = Config::default();
    let max_block = config.max_header_block_size;
    let mut a = Attack::new(config);
    let mut head = Vec::new();
    head.extend(headers(1, &[0x40; 16_000], false, false));
    a.send(&head).unwrap();
    let (n, e) = a.until_error(10_000, |_, _| {
        let mut out = Vec::new();
        frame::write_continuation(&mut out, StreamId::new(1), &[0x40; 16_000], false);
        out
    });
    calm(e);
    assert_eq!(e.kind(), ErrorKind::HeaderBlockTooLarge);
    assert_eq!(
        n,
        max_block / 16_000,
        "stopped at the block limit, before decoding anything"
    );
}

#[test]
fn hpack_bomb_gets_431_and_the_connection_survives() {
    let mut a = Attack::new(Config::default());
    // One 4000-byte entry inserted into the dynamic table, then referenced
    // 2000 times by its one-byte index: 8 MB decoded from 6 KB.
    let mut block = Vec::new();
    block.push(0x40); // literal with incremental indexing, new name
    block.push(5);
    block.extend_from_slice(b"x-big");
    // 4000 = 127 + 3873 = 127 + 33 + 30 * 128 (RFC 7541 section 5.1 integer).
    block.extend_from_slice(&[0x7f, 0x80 | 33, 30]);
    block.extend_from_slice(&[b'a'; 4000]);
    for (n, v) in [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/"),
        (":authority", "x"),
    ] {
        block.push(0x00);
        block.push(n.len() as u8);
        block.extend_from_slice(n.as_bytes());
        block.push(v.len() as u8);
        block.extend_from_slice(v.as_bytes());
    }
    block.extend(std::iter::repeat_n(0x80 | 62, 2000)); // index 62: the entry
    let mut out = Vec::new();
    out.extend(headers(1, &block, true, true));
    a.send(&out).unwrap();
    let frames = a.output();
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, Out::Headers { stream: 1, fields, .. } if fields[0].1 == b"431")),
        "{frames:?}"
    );
    assert!(
        !a.server.is_closed(),
        "HPACK stayed in step: the connection goes on"
    );
    // The decoder is in step: the same entry is still index 62.
    let mut ok = Vec::new();
    let mut block = vec![0x80 | 2, 0x80 | 7, 0x80 | 4];
    block.extend_from_slice(&[0x01, 1, b'x']);
    ok.extend(headers(3, &block, true, true));
    a.send(&ok).unwrap();
    assert_eq!(a.server.active_streams(), 1);
}

#[test]
fn client_stream_ids_near_the_end_wind_the_connection_down() {
    let mut a = Attack::new(Config::default());
    let mut bytes = Vec::new();
    a.peer.get(&mut bytes, 0x7fff_ffff, "/", true);
    a.send(&bytes).unwrap();
    assert_eq!(a.server.active_streams(), 1, "the last id is still served");
    let out = a.output();
    assert!(out.contains(&Out::Goaway {
        last: 0x7fff_ffff,
        code: ErrorCode::NO_ERROR
    }));
    a.server
        .send_response(StreamId::MAX, 200, fields(&[]), true)
        .unwrap();
    a.output();
    assert!(a.server.is_closed());
}

#[test]
fn a_stream_can_depend_on_itself_only_once() {
    let mut a = Attack::new(Config::default());
    let (n, e) = a.until_error(10_000, |i, _| {
        let id = StreamId::new(1 + 2 * i as u32);
        let mut out = Vec::new();
        let prio = frame::PriorityFields {
            exclusive: false,
            dependency: id,
            weight: 1,
        };
        frame::write_priority(&mut out, id, prio);
        out
    });
    calm(e);
    // Each costs a control frame and a reset; the reset budget is smaller.
    assert_eq!(n, 201);
}
