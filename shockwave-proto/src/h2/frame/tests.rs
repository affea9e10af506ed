//! Round trips of every frame and the section 6 rules, each with its code and scope.

use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::h2::registry::{ErrorCode, SettingId};

fn parse(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    let header = FrameHeader::parse(bytes).expect("a whole header");
    assert_eq!(
        bytes.len(),
        FRAME_HEADER_LEN + header.length as usize,
        "length field"
    );
    parse_frame(header, &bytes[FRAME_HEADER_LEN..])
}

fn raw(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(
        &mut out,
        payload.len(),
        FrameType(kind),
        flags,
        StreamId::new(stream),
    );
    out.extend_from_slice(payload);
    out
}

fn conn_err(bytes: &[u8], code: ErrorCode) {
    let e = parse(bytes).expect_err("must fail");
    assert!(e.is_connection_error(), "{e}");
    assert_eq!(e.code(), code, "{e}");
}

fn stream_err(bytes: &[u8], stream: u32, code: ErrorCode) {
    let e = parse(bytes).expect_err("must fail");
    assert_eq!(e.stream(), Some(StreamId::new(stream)), "{e}");
    assert_eq!(e.code(), code, "{e}");
}

#[test]
fn header_layout_of_rfc_9113_section_4_1() {
    let bytes = [0x00, 0x01, 0x02, 0x01, 0x25, 0x80, 0x00, 0x00, 0x07];
    let h = FrameHeader::parse(&bytes).unwrap();
    assert_eq!(h.length, 0x102);
    assert_eq!(h.kind, FrameType::HEADERS);
    assert_eq!(h.flags, 0x25);
    assert_eq!(h.stream, StreamId::new(7), "reserved bit ignored");
    assert!(FrameHeader::parse(&bytes[..8]).is_none());
    let mut out = Vec::new();
    h.write(&mut out);
    assert_eq!(out, [0x00, 0x01, 0x02, 0x01, 0x25, 0x00, 0x00, 0x00, 0x07]);
}

#[test]
fn data_rules() {
    conn_err(&raw(0, 0, 0, b"x"), ErrorCode::PROTOCOL_ERROR);
    // Pad Length 4 in a 4-byte payload: padding not shorter than the payload.
    conn_err(
        &raw(0, flags::PADDED, 1, &[4, 0, 0, 0]),
        ErrorCode::PROTOCOL_ERROR,
    );
    assert!(
        parse(&raw(0, flags::PADDED, 1, &[3, 0, 0, 0])).is_ok(),
        "all padding is fine"
    );
    conn_err(&raw(0, flags::PADDED, 1, &[]), ErrorCode::FRAME_SIZE_ERROR);
    let ok = raw(0, flags::PADDED | flags::END_STREAM, 1, &[2, b'a', 0, 0]);
    match parse(&ok).unwrap() {
        Frame::Data(d) => {
            assert_eq!(d.data, b"a");
            assert!(d.end_stream);
            assert_eq!(d.flow_controlled_len(), 4);
        }
        f => panic!("{f:?}"),
    }
}

#[test]
fn headers_rules() {
    conn_err(
        &raw(1, flags::END_HEADERS, 0, b"x"),
        ErrorCode::PROTOCOL_ERROR,
    );
    conn_err(
        &raw(1, flags::PADDED, 1, &[5, 1, 2]),
        ErrorCode::PROTOCOL_ERROR,
    );
    conn_err(
        &raw(1, flags::PRIORITY, 1, &[0, 0, 0]),
        ErrorCode::FRAME_SIZE_ERROR,
    );
    // Padding counted against what is left after the priority fields.
    conn_err(
        &raw(1, flags::PADDED | flags::PRIORITY, 1, &[1, 0, 0, 0, 3, 16]),
        ErrorCode::PROTOCOL_ERROR,
    );
    let ok = raw(
        1,
        flags::PADDED | flags::PRIORITY,
        1,
        &[1, 0x80, 0, 0, 3, 16, b'h', 0],
    );
    match parse(&ok).unwrap() {
        Frame::Headers(h) => {
            assert_eq!(h.fragment, b"h");
            let p = h.priority.unwrap();
            assert!(p.exclusive);
            assert_eq!((p.dependency, p.weight), (StreamId::new(3), 16));
        }
        f => panic!("{f:?}"),
    }
    conn_err(&raw(9, 0, 0, b"x"), ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn priority_rules() {
    conn_err(&raw(2, 0, 0, &[0, 0, 0, 1, 1]), ErrorCode::PROTOCOL_ERROR);
    stream_err(&raw(2, 0, 3, &[0, 0, 0, 1]), 3, ErrorCode::FRAME_SIZE_ERROR);
    stream_err(
        &raw(2, 0, 3, &[0, 0, 0, 1, 1, 1]),
        3,
        ErrorCode::FRAME_SIZE_ERROR,
    );
}

#[test]
fn rst_stream_rules() {
    conn_err(&raw(3, 0, 0, &[0, 0, 0, 8]), ErrorCode::PROTOCOL_ERROR);
    conn_err(&raw(3, 0, 1, &[0, 0, 8]), ErrorCode::FRAME_SIZE_ERROR);
    match parse(&raw(3, 0, 1, &[0, 0, 0, 0x42])).unwrap() {
        Frame::RstStream(r) => assert_eq!(r.code, ErrorCode(0x42), "unknown codes are kept"),
        f => panic!("{f:?}"),
    }
}

#[test]
fn settings_rules() {
    conn_err(&raw(4, 0, 1, &[]), ErrorCode::PROTOCOL_ERROR);
    conn_err(
        &raw(4, flags::ACK, 0, &[0, 1, 0, 0, 0, 0]),
        ErrorCode::FRAME_SIZE_ERROR,
    );
    conn_err(&raw(4, 0, 0, &[0, 1, 0, 0, 0]), ErrorCode::FRAME_SIZE_ERROR);
    let mut out = Vec::new();
    write_settings(
        &mut out,
        &[(SettingId::MAX_FRAME_SIZE, 20_000), (SettingId(0x77), 5)],
    );
    match parse(&out).unwrap() {
        Frame::Settings(s) => {
            let all: Vec<_> = s.iter().collect();
            assert_eq!(
                all,
                vec![(SettingId::MAX_FRAME_SIZE, 20_000), (SettingId(0x77), 5)]
            );
        }
        f => panic!("{f:?}"),
    }
}

#[test]
fn push_promise_rules() {
    conn_err(&raw(5, 0, 0, &[0, 0, 0, 2]), ErrorCode::PROTOCOL_ERROR);
    conn_err(&raw(5, 0, 1, &[0, 0, 2]), ErrorCode::FRAME_SIZE_ERROR);
    conn_err(&raw(5, 0, 1, &[0, 0, 0, 0]), ErrorCode::PROTOCOL_ERROR);
    conn_err(
        &raw(5, flags::PADDED, 1, &[4, 0, 0, 0, 2]),
        ErrorCode::PROTOCOL_ERROR,
    );
}

#[test]
fn ping_goaway_window_update_rules() {
    conn_err(&raw(6, 0, 1, &[0; 8]), ErrorCode::PROTOCOL_ERROR);
    conn_err(&raw(6, 0, 0, &[0; 7]), ErrorCode::FRAME_SIZE_ERROR);
    conn_err(&raw(7, 0, 1, &[0; 8]), ErrorCode::PROTOCOL_ERROR);
    conn_err(&raw(7, 0, 0, &[0; 7]), ErrorCode::FRAME_SIZE_ERROR);
    conn_err(&raw(8, 0, 0, &[0; 3]), ErrorCode::FRAME_SIZE_ERROR);
    conn_err(&raw(8, 0, 1, &[0; 5]), ErrorCode::FRAME_SIZE_ERROR);
    conn_err(&raw(8, 0, 0, &[0; 4]), ErrorCode::PROTOCOL_ERROR);
    stream_err(
        &raw(8, 0, 5, &[0x80, 0, 0, 0]),
        5,
        ErrorCode::PROTOCOL_ERROR,
    );
    match parse(&raw(8, 0, 5, &[0x80, 0, 0, 1])).unwrap() {
        Frame::WindowUpdate(w) => assert_eq!(w.increment, 1, "reserved bit ignored"),
        f => panic!("{f:?}"),
    }
}

#[test]
fn priority_update_rules() {
    conn_err(&raw(0x10, 0, 1, &[0, 0, 0, 1]), ErrorCode::PROTOCOL_ERROR);
    conn_err(&raw(0x10, 0, 0, &[0, 0, 1]), ErrorCode::FRAME_SIZE_ERROR);
    conn_err(
        &raw(0x10, 0, 0, &[0, 0, 0, 0, b'u']),
        ErrorCode::PROTOCOL_ERROR,
    );
}

#[test]
fn unknown_types_are_kept_uninterpreted() {
    match parse(&raw(0xfa, 0xff, 0, b"whatever")).unwrap() {
        Frame::Unknown { header, payload } => {
            assert_eq!(header.kind, FrameType(0xfa));
            assert_eq!(payload, b"whatever");
        }
        f => panic!("{f:?}"),
    }
}

fn stream_id() -> impl Strategy<Value = StreamId> {
    (1u32..=0x7fff_ffff).prop_map(StreamId::new)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn priority_fields() -> impl Strategy<Value = PriorityFields> {
    (any::<bool>(), (0u32..=0x7fff_ffff), any::<u8>()).prop_map(|(exclusive, d, weight)| {
        PriorityFields {
            exclusive,
            dependency: StreamId::new(d),
            weight,
        }
    })
}

/// Owned frame descriptions, borrowed as `Frame` to write and compare.
#[derive(Clone, Debug)]
enum Owned {
    Data(StreamId, Vec<u8>, bool, Option<u8>),
    Headers(
        StreamId,
        Vec<u8>,
        bool,
        bool,
        Option<PriorityFields>,
        Option<u8>,
    ),
    Priority(StreamId, PriorityFields),
    Rst(StreamId, u32),
    Settings(bool, Vec<(u16, u32)>),
    Push(StreamId, StreamId, Vec<u8>, bool, Option<u8>),
    Ping(bool, [u8; 8]),
    Goaway(u32, u32, Vec<u8>),
    WindowUpdate(u32, u32),
    Continuation(StreamId, Vec<u8>, bool),
    PriorityUpdate(StreamId, Vec<u8>),
    Unknown(u8, u8, u32, Vec<u8>),
}

fn owned() -> impl Strategy<Value = Owned> {
    prop_oneof![
        (stream_id(), bytes(64), any::<bool>(), any::<Option<u8>>())
            .prop_map(|(s, d, e, p)| Owned::Data(s, d, e, p)),
        (
            stream_id(),
            bytes(64),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(priority_fields()),
            any::<Option<u8>>()
        )
            .prop_map(|(s, f, es, eh, pr, pad)| Owned::Headers(s, f, es, eh, pr, pad)),
        (stream_id(), priority_fields()).prop_map(|(s, p)| Owned::Priority(s, p)),
        (stream_id(), any::<u32>()).prop_map(|(s, c)| Owned::Rst(s, c)),
        (
            any::<bool>(),
            proptest::collection::vec((any::<u16>(), any::<u32>()), 0..8)
        )
            .prop_map(|(ack, p)| Owned::Settings(ack, if ack { Vec::new() } else { p })),
        (
            stream_id(),
            stream_id(),
            bytes(64),
            any::<bool>(),
            any::<Option<u8>>()
        )
            .prop_map(|(s, p, f, e, pad)| Owned::Push(s, p, f, e, pad)),
        (any::<bool>(), any::<[u8; 8]>()).prop_map(|(a, o)| Owned::Ping(a, o)),
        ((0u32..=0x7fff_ffff), any::<u32>(), bytes(32))
            .prop_map(|(l, c, d)| Owned::Goaway(l, c, d)),
        ((0u32..=0x7fff_ffff), (1u32..=0x7fff_ffff)).prop_map(|(s, i)| Owned::WindowUpdate(s, i)),
        (stream_id(), bytes(64), any::<bool>()).prop_map(|(s, f, e)| Owned::Continuation(s, f, e)),
        (stream_id(), bytes(32)).prop_map(|(s, v)| Owned::PriorityUpdate(s, v)),
        (
            (0x11u8..=0xff),
            any::<u8>(),
            (0u32..=0x7fff_ffff),
            bytes(32)
        )
            .prop_map(|(t, f, s, p)| Owned::Unknown(t, f, s, p)),
    ]
}

fn settings_payload(params: &[(u16, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, v) in params {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
    out
}

proptest! {
    #[test]
    fn any_frame_written_parses_back_to_itself(o in owned()) {
        let settings;
        let frame = match &o {
            Owned::Data(s, d, e, p) => Frame::Data(DataFrame { stream: *s, data: d, end_stream: *e, padding: *p }),
            Owned::Headers(s, f, es, eh, pr, pad) => Frame::Headers(HeadersFrame {
                stream: *s, fragment: f, end_stream: *es, end_headers: *eh, priority: *pr, padding: *pad,
            }),
            Owned::Priority(s, p) => Frame::Priority(PriorityFrame { stream: *s, priority: *p }),
            Owned::Rst(s, c) => Frame::RstStream(RstStreamFrame { stream: *s, code: ErrorCode(*c) }),
            Owned::Settings(ack, p) => {
                settings = settings_payload(p);
                Frame::Settings(SettingsFrame { ack: *ack, payload: &settings })
            }
            Owned::Push(s, p, f, e, pad) => Frame::PushPromise(PushPromiseFrame {
                stream: *s, promised: *p, fragment: f, end_headers: *e, padding: *pad,
            }),
            Owned::Ping(ack, opaque) => Frame::Ping(PingFrame { ack: *ack, opaque: *opaque }),
            Owned::Goaway(l, c, d) => Frame::Goaway(GoawayFrame {
                last_stream_id: StreamId::new(*l), code: ErrorCode(*c), debug_data: d,
            }),
            Owned::WindowUpdate(s, i) => Frame::WindowUpdate(WindowUpdateFrame { stream: StreamId::new(*s), increment: *i }),
            Owned::Continuation(s, f, e) => Frame::Continuation(ContinuationFrame { stream: *s, fragment: f, end_headers: *e }),
            Owned::PriorityUpdate(s, v) => Frame::PriorityUpdate(PriorityUpdateFrame { prioritized: *s, field_value: v }),
            Owned::Unknown(t, f, s, p) => Frame::Unknown {
                header: FrameHeader { length: p.len() as u32, kind: FrameType(*t), flags: *f, stream: StreamId::new(*s) },
                payload: p,
            },
        };
        let mut out = Vec::new();
        frame.write(&mut out);
        prop_assert_eq!(parse(&out).unwrap(), frame);
    }

    #[test]
    fn no_payload_makes_the_parser_panic(kind in any::<u8>(), flags in any::<u8>(), stream in any::<u32>(), payload in bytes(40)) {
        let _ = parse(&raw(kind, flags, stream, &payload));
    }
}
