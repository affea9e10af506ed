//! `Conn::handle_input_in_place` against the copying `handle_input`: the
//! RFC 6455 section 5.7 examples through the new entry point, and a property
//! test that for any frames (valid or not, any limits, with or without
//! permessage-deflate) cut into any pieces, both give the same events, the
//! same error, the same output and the same end.

mod ws_support;

use proptest::prelude::*;
use shockwave_proto::Instant;
use shockwave_proto::ws::deflate::DeflateParams;
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::{Config, Conn, ErrorKind, InPlaceInput, MessageKind};
use ws_support::*;

const NOW: Instant = Instant::ZERO;

#[test]
fn section_5_7_masked_text_is_unmasked_in_place() {
    let mut server = Conn::server(Config::default(), Extensions::default());
    let mut wire = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0x89,
    ];
    let got = server.handle_input_in_place(NOW, &mut wire).unwrap();
    let m = got.message.expect("a whole message");
    assert_eq!(
        (got.taken, m.kind, m.payload.clone()),
        (11, MessageKind::Text, 6..11)
    );
    assert_eq!(&wire[m.payload], b"Hello");
    // The next frame's first byte is left to the caller.
    assert!(server.poll_event().is_none());
}

#[test]
fn section_5_7_fragments_and_ping_go_through_poll_event() {
    let mut client = Conn::client(Config::default(), Extensions::default(), seeded_masks(1));
    let mut wire = vec![0x01, 0x03, b'H', b'e', b'l', 0x89, 0x05];
    wire.extend_from_slice(b"Hello");
    wire.extend_from_slice(&[0x80, 0x02, b'l', b'o']);
    let mut log = Vec::new();
    let mut rest = &mut wire[..];
    loop {
        log.extend(events(&mut client));
        let InPlaceInput { taken, message } = client.handle_input_in_place(NOW, rest).unwrap();
        assert!(message.is_none(), "fragments are assembled");
        if taken == 0 {
            break;
        }
        rest = &mut rest[taken..];
    }
    assert!(rest.is_empty());
    assert_eq!(log, [Ev::Ping(b"Hello".to_vec()), Ev::text("Hello")]);
    // RFC 6455 section 5.5.2: the Ping was answered, masked by the client.
    assert_eq!(take_output(&mut client)[..2], [0x8a, 0x85]);
}

#[test]
fn a_frame_in_pieces_is_unmasked_once() {
    let mut client = Conn::client(Config::default(), Extensions::default(), seeded_masks(3));
    let payload: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    client.send_binary(&payload).unwrap();
    let wire = take_output(&mut client);
    let mut server = Conn::server(Config::default(), Extensions::default());
    let mut buf = Vec::new();
    let mut found = None;
    for piece in wire.chunks(97) {
        buf.extend_from_slice(piece);
        let got = server.handle_input_in_place(NOW, &mut buf).unwrap();
        assert!(found.is_none());
        if let Some(m) = got.message {
            found = Some(buf[m.payload].to_vec());
        }
        buf.drain(..got.taken);
    }
    assert_eq!(found.as_deref(), Some(&payload[..]));
    assert!(buf.is_empty());
}

#[test]
fn an_error_takes_everything_and_the_close_is_still_read() {
    let mut server = Conn::server(Config::default(), Extensions::default());
    // A text frame that is not UTF-8 (RFC 6455 section 8.1: fail with 1007;
    // the framing holds), then the first bytes of a masked Close.
    let mut wire = vec![0x81, 0x81, 0, 0, 0, 0, 0xff, 0x88, 0x82, 0, 0, 0];
    let err = server.handle_input_in_place(NOW, &mut wire).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUtf8);
    let close = take_output(&mut server);
    assert_eq!((close[0], &close[2..4]), (0x88, &[0x03, 0xef][..]));
    // The rest of the Close (code 1000) arrives: the machine kept its start.
    let mut rest = [0, 0x03, 0xe8];
    let got = server.handle_input_in_place(NOW, &mut rest).unwrap();
    assert_eq!(
        got,
        InPlaceInput {
            taken: 3,
            message: None
        }
    );
    assert_eq!(events(&mut server), [Ev::Closed]);
    assert!(server.is_closed());
}

/// One frame as the property test writes it.
#[derive(Clone, Debug)]
struct RawFrame {
    fin: bool,
    rsv1: bool,
    opcode: u8,
    masked: bool,
    payload: Vec<u8>,
}

fn encode(f: &RawFrame, key: [u8; 4], out: &mut Vec<u8>) {
    out.push(u8::from(f.fin) << 7 | u8::from(f.rsv1) << 6 | f.opcode);
    let m = u8::from(f.masked) << 7;
    let n = f.payload.len();
    if n < 126 {
        out.push(m | n as u8);
    } else if n <= 0xffff {
        out.push(m | 126);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
    if f.masked {
        out.extend_from_slice(&key);
    }
    out.extend(
        f.payload
            .iter()
            .enumerate()
            .map(|(i, b)| if f.masked { b ^ key[i % 4] } else { *b }),
    );
}

/// Text and binary payloads, with valid and broken UTF-8, of a few sizes.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-zé€😀 ]{0,40}".prop_map(String::into_bytes),
        2 => prop::collection::vec(any::<u8>(), 0..200),
        1 => (1usize..3000).prop_map(|n| "é€a".repeat(n).into_bytes()),
        1 => (66_000usize..70_000).prop_map(|n| vec![b'x'; n]),
    ]
}

fn raw_frame() -> impl Strategy<Value = RawFrame> {
    (
        prop::sample::select(vec![0u8, 1, 1, 1, 2, 2, 2, 8, 9, 10, 3]),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.95),
        payload(),
    )
        .prop_map(|(opcode, fin, rsv1, masked, mut payload)| {
            if opcode >= 8 {
                payload.truncate(if opcode == 8 && payload.len() == 1 {
                    0
                } else {
                    125
                });
                if opcode == 8 && payload.len() >= 2 {
                    payload[..2].copy_from_slice(&[0x03, 0xe8]);
                }
            }
            RawFrame {
                fin: fin || opcode >= 8,
                rsv1,
                opcode,
                masked,
                payload,
            }
        })
}

/// The input: frames written by hand (any of them may break a rule) and
/// messages sent by a client machine (valid, compressed when agreed).
#[derive(Clone, Debug)]
enum Piece {
    Raw(RawFrame),
    Sent {
        text: bool,
        payload: Vec<u8>,
        fragments: usize,
    },
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        3 => raw_frame().prop_map(Piece::Raw),
        2 => (any::<bool>(), "[a-zé ]{0,300}", 1usize..4).prop_map(|(text, s, fragments)| Piece::Sent {
            text,
            payload: s.into_bytes(),
            fragments
        }),
    ]
}

fn wire(pieces: &[Piece], extensions: Extensions) -> Vec<u8> {
    let mut client = Conn::client(Config::default(), extensions, seeded_masks(11));
    let mut out = Vec::new();
    let mut key = 0x1234_5678u32;
    for p in pieces {
        match p {
            Piece::Raw(f) => {
                key = key.wrapping_mul(0x9e37_79b9).wrapping_add(1);
                let mut f = f.clone();
                // Inflating arbitrary bytes fails as `InvalidDeflate` or as
                // `InvalidUtf8` depending on where the input is cut, on
                // either path: with deflate agreed, compressed messages come
                // from the client machine only.
                f.rsv1 &= extensions.deflate.is_none();
                encode(&f, key.to_le_bytes(), &mut out);
            }
            Piece::Sent {
                text,
                payload,
                fragments,
            } => {
                let kind = if *text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let step = payload.len().div_ceil(*fragments).max(1);
                let mut chunks: Vec<&[u8]> = payload.chunks(step).collect();
                if chunks.is_empty() {
                    chunks.push(&[]);
                }
                let last = chunks.len() - 1;
                for (i, c) in chunks.iter().enumerate() {
                    if *fragments == 1 {
                        client.send_message(kind, c).unwrap();
                    } else {
                        client.send_fragment(kind, c, i == last).unwrap();
                    }
                }
                out.extend(take_output(&mut client));
            }
        }
    }
    out
}

/// What one run of a machine showed.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    events: Vec<Ev>,
    error: Option<ErrorKind>,
    output: Vec<u8>,
    closed: bool,
}

fn finish(conn: &mut Conn, mut events: Vec<Ev>) -> Run {
    let _ = conn.handle_eof(NOW);
    events.extend(self::events(conn));
    Run {
        events,
        error: conn.error().map(|e| e.kind()),
        output: take_output(conn),
        closed: conn.is_closed(),
    }
}

fn copying(mut conn: Conn, wire: &[u8], cuts: &[usize]) -> Run {
    let mut log = Vec::new();
    for chunk in chunks(wire, cuts) {
        let mut rest = chunk;
        let mut stalls = 0;
        while !rest.is_empty() {
            let n = match conn.handle_input(NOW, rest) {
                Ok(n) => n,
                Err(_) => rest.len(),
            };
            rest = &rest[n..];
            let before = log.len();
            log.extend(events(&mut conn));
            stalls = if n == 0 && log.len() == before {
                stalls + 1
            } else {
                0
            };
            assert!(stalls < 3, "handle_input stopped taking bytes: {conn:?}");
        }
        log.extend(events(&mut conn));
    }
    finish(&mut conn, log)
}

fn in_place(mut conn: Conn, wire: &[u8], cuts: &[usize]) -> Run {
    let mut log = Vec::new();
    // The driver's buffer: what the machine did not take stays at its front.
    let mut buf = Vec::new();
    for chunk in chunks(wire, cuts) {
        buf.extend_from_slice(chunk);
        loop {
            log.extend(events(&mut conn));
            match conn.handle_input_in_place(NOW, &mut buf) {
                Ok(InPlaceInput { taken, message }) => {
                    if let Some(m) = message {
                        assert!(m.payload.end <= taken);
                        log.push(Ev::Message(m.kind, buf[m.payload].to_vec()));
                    } else if taken == 0 {
                        break;
                    }
                    buf.drain(..taken);
                }
                Err(_) => buf.clear(),
            }
        }
    }
    finish(&mut conn, log)
}

fn chunks<'a>(wire: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    at.sort_unstable();
    at.push(wire.len());
    let mut out = Vec::new();
    let mut from = 0;
    for to in at {
        out.push(&wire[from..to]);
        from = to;
    }
    out
}

fn config(small: bool) -> Config {
    let mut c = Config::default();
    if small {
        c.max_frame_size = 2000;
        c.max_message_size = 5000;
        c.max_fragments = 3;
        c.read_buffer_initial = 64;
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn in_place_input_gives_what_handle_input_gives(
        pieces in prop::collection::vec(piece(), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
        small in any::<bool>(),
        deflate in any::<bool>(),
        server in prop::bool::weighted(0.8),
    ) {
        let extensions = Extensions {
            deflate: deflate.then(DeflateParams::default),
        };
        let wire = wire(&pieces, extensions);
        let make = || {
            if server {
                Conn::server(config(small), extensions)
            } else {
                Conn::client(config(small), extensions, seeded_masks(5))
            }
        };
        let expected = copying(make(), &wire, &cuts);
        let got = in_place(make(), &wire, &cuts);
        prop_assert_eq!(summary(&got.events), summary(&expected.events));
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn the_copying_calls_wait_while_the_caller_holds_a_frame() {
    let mut server = Conn::server(Config::default(), Extensions::default());
    let mut wire = vec![0x82, 0x84, 1, 2, 3, 4];
    wire.extend([b'a' ^ 1, b'b' ^ 2, b'c' ^ 3, b'd' ^ 4]);
    let (mut head, tail) = (wire[..8].to_vec(), wire[8..].to_vec());
    let got = server.handle_input_in_place(NOW, &mut head).unwrap();
    assert_eq!(
        got,
        InPlaceInput {
            taken: 0,
            message: None
        }
    );
    // The frame's first bytes are the caller's: the copying calls take nothing.
    assert!(server.input_buf().is_empty());
    assert_eq!(server.handle_input(NOW, &tail), Ok(0));
    assert!(server.takes_input());
    head.extend_from_slice(&tail);
    let got = server.handle_input_in_place(NOW, &mut head).unwrap();
    let m = got.message.unwrap();
    assert_eq!((got.taken, &head[m.payload]), (10, &b"abcd"[..]));
    assert!(!server.input_buf().is_empty());
}
