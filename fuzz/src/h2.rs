//! The HTTP/2 targets: the frame codec (`h2_frame`) and the two connection
//! machines driven by arbitrary peer bytes and application commands
//! (`h2_server_conn`, `h2_client_conn`).
//!
//! Each checks invariants, not only the absence of panics; the connection
//! targets share one driver (`conn.rs`: input layout, commands, invariants),
//! one view of either machine (`machine.rs`) and one reader of both directions
//! of the wire (`wire.rs`).

#[macro_use]
mod machine;
mod conn;
mod wire;

use shockwave_proto::h2::frame::{self, FRAME_HEADER_LEN, Frame, FrameHeader};
use shockwave_proto::h2::{Error, ErrorCode, FrameType};

/// What RFC 9113 section 6 says the parse of one frame must give, decided
/// from the header and the payload length alone (an oracle written from the
/// RFC, independent of the codec).
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    /// The frame is well formed.
    Ok,
    /// A connection error with this code.
    Connection(ErrorCode),
    /// A stream error on the frame's stream with this code.
    Stream(ErrorCode),
}

/// The oracle: the outcome section 6 prescribes for a frame of `header` whose
/// payload is `payload`.
fn expected(header: &FrameHeader, payload: &[u8]) -> Expected {
    use Expected::{Connection, Ok, Stream};
    const PROTOCOL: ErrorCode = ErrorCode::PROTOCOL_ERROR;
    const FRAME_SIZE: ErrorCode = ErrorCode::FRAME_SIZE_ERROR;
    let len = payload.len();
    let on_stream = !header.stream.is_zero();
    let padded = header.flags & frame::flags::PADDED != 0;
    let pad = if padded {
        payload.first().map(|&p| p as usize)
    } else {
        Some(0)
    };
    // Bytes a PADDED frame needs besides its padding: the Pad Length octet.
    let pad_octet = usize::from(padded);
    match header.kind {
        // §6.1: stream 0 is PROTOCOL_ERROR; padding not shorter than the
        // payload is PROTOCOL_ERROR; no room for Pad Length is a size error.
        FrameType::DATA => match pad {
            _ if !on_stream => Connection(PROTOCOL),
            None => Connection(FRAME_SIZE),
            Some(p) if p > len - pad_octet => Connection(PROTOCOL),
            _ => Ok,
        },
        // §6.2: the same, plus the 5 priority bytes when PRIORITY is set.
        FrameType::HEADERS => {
            let prio = if header.flags & frame::flags::PRIORITY != 0 {
                5
            } else {
                0
            };
            match pad {
                _ if !on_stream => Connection(PROTOCOL),
                None => Connection(FRAME_SIZE),
                Some(_) if len < pad_octet + prio => Connection(FRAME_SIZE),
                Some(p) if p > len - pad_octet - prio => Connection(PROTOCOL),
                _ => Ok,
            }
        }
        // §6.3: stream 0 is a connection error, a length other than 5 a
        // FRAME_SIZE_ERROR stream error.
        FrameType::PRIORITY if !on_stream => Connection(PROTOCOL),
        FrameType::PRIORITY if len != 5 => Stream(FRAME_SIZE),
        FrameType::PRIORITY => Ok,
        // §6.4.
        FrameType::RST_STREAM if !on_stream => Connection(PROTOCOL),
        FrameType::RST_STREAM if len != 4 => Connection(FRAME_SIZE),
        FrameType::RST_STREAM => Ok,
        // §6.5.
        FrameType::SETTINGS if on_stream => Connection(PROTOCOL),
        FrameType::SETTINGS if !len.is_multiple_of(6) => Connection(FRAME_SIZE),
        FrameType::SETTINGS if header.flags & frame::flags::ACK != 0 && len != 0 => {
            Connection(FRAME_SIZE)
        }
        FrameType::SETTINGS => Ok,
        // §6.6: a 4-byte promised stream identifier after the padding octet;
        // like HEADERS, the fixed fields must fit before padding is judged.
        FrameType::PUSH_PROMISE => match pad {
            _ if !on_stream => Connection(PROTOCOL),
            None => Connection(FRAME_SIZE),
            Some(_) if len < pad_octet + 4 => Connection(FRAME_SIZE),
            Some(p) if p > len - pad_octet - 4 => Connection(PROTOCOL),
            Some(_) => {
                let at = pad_octet;
                let promised = u32::from_be_bytes(payload[at..at + 4].try_into().unwrap());
                if promised & 0x7fff_ffff == 0 {
                    Connection(PROTOCOL)
                } else {
                    Ok
                }
            }
        },
        // §6.7.
        FrameType::PING if on_stream => Connection(PROTOCOL),
        FrameType::PING if len != 8 => Connection(FRAME_SIZE),
        FrameType::PING => Ok,
        // §6.8.
        FrameType::GOAWAY if on_stream => Connection(PROTOCOL),
        FrameType::GOAWAY if len < 8 => Connection(FRAME_SIZE),
        FrameType::GOAWAY => Ok,
        // §6.9: the increment of 0 is scoped by the frame's stream.
        FrameType::WINDOW_UPDATE if len != 4 => Connection(FRAME_SIZE),
        FrameType::WINDOW_UPDATE => {
            let inc = u32::from_be_bytes(payload.try_into().unwrap()) & 0x7fff_ffff;
            match (inc, on_stream) {
                (0, true) => Stream(PROTOCOL),
                (0, false) => Connection(PROTOCOL),
                _ => Ok,
            }
        }
        // §6.10.
        FrameType::CONTINUATION if !on_stream => Connection(PROTOCOL),
        FrameType::CONTINUATION => Ok,
        // RFC 9218 §7.1: on stream 0, about a stream other than 0, at least 4 bytes.
        FrameType::PRIORITY_UPDATE if on_stream => Connection(PROTOCOL),
        FrameType::PRIORITY_UPDATE if len < 4 => Connection(FRAME_SIZE),
        FrameType::PRIORITY_UPDATE => {
            let id = u32::from_be_bytes(payload[..4].try_into().unwrap()) & 0x7fff_ffff;
            if id == 0 { Connection(PROTOCOL) } else { Ok }
        }
        // §5.5: unknown types are ignored, whatever they carry.
        _ => Ok,
    }
}

/// The outcome of a parse, in the oracle's terms.
fn outcome(header: &FrameHeader, result: &Result<Frame<'_>, Error>) -> Expected {
    match result {
        Ok(_) => Expected::Ok,
        Err(e) => {
            assert_eq!(e.code(), e.kind().code(), "code and kind disagree: {e:?}");
            match e.stream() {
                None => Expected::Connection(e.code()),
                Some(s) => {
                    assert_eq!(s, header.stream, "stream error names another stream: {e:?}");
                    Expected::Stream(e.code())
                }
            }
        }
    }
}

/// Checks the typed fields of a parsed frame against its header and payload.
fn check_fields(header: &FrameHeader, payload: &[u8], f: &Frame<'_>) {
    let len = payload.len();
    match *f {
        Frame::Data(d) => {
            assert_eq!(d.stream, header.stream);
            // §6.1: the whole payload counts against flow control.
            assert_eq!(d.flow_controlled_len(), len, "flow-controlled length");
            assert_eq!(d.end_stream, header.has(frame::flags::END_STREAM));
        }
        Frame::Headers(h) => {
            assert_eq!(h.stream, header.stream);
            let extra = h.priority.map_or(0, |_| 5) + h.padding.map_or(0, |p| p as usize + 1);
            assert_eq!(h.fragment.len() + extra, len, "HEADERS fragment length");
            assert_eq!(h.end_headers, header.has(frame::flags::END_HEADERS));
        }
        Frame::Continuation(c) => assert_eq!(c.fragment, payload),
        Frame::PushPromise(p) => {
            let extra = 4 + p.padding.map_or(0, |p| p as usize + 1);
            assert_eq!(
                p.fragment.len() + extra,
                len,
                "PUSH_PROMISE fragment length"
            );
            assert!(!p.promised.is_zero());
        }
        Frame::Ping(p) => assert_eq!(&p.opaque[..], payload),
        Frame::Goaway(g) => assert_eq!(g.debug_data, &payload[8..]),
        Frame::WindowUpdate(w) => assert!((1..=0x7fff_ffff).contains(&w.increment)),
        Frame::Settings(s) => assert_eq!(s.iter().count(), len / 6),
        Frame::Unknown {
            header: h,
            payload: p,
        } => {
            assert_eq!(h, *header);
            assert_eq!(p, payload);
        }
        Frame::Priority(_) | Frame::RstStream(_) | Frame::PriorityUpdate(_) => {}
    }
}

/// Target `h2_frame`: cuts the input into frames and parses each one.
///
/// Checks: the outcome (well formed, or the error code and its scope) is the
/// one RFC 9113 section 6 prescribes, decided by an independent oracle; the
/// typed fields agree with the header and payload; writing a parsed frame back
/// gives a frame of the same length that parses to the same value; the frame
/// writers of the frame families write what `Frame::write` writes.
pub fn frame(data: &[u8]) {
    let mut rest = data;
    let mut frames = 0;
    while let Some(header) = FrameHeader::parse(rest) {
        // The header round trip (the reserved bit dropped).
        let mut again = Vec::new();
        header.write(&mut again);
        assert_eq!(
            FrameHeader::parse(&again),
            Some(header),
            "header round trip"
        );
        assert_eq!(again[..5], rest[..5], "header bytes");
        assert_eq!(again[5], rest[5] & 0x7f, "reserved bit written");
        assert_eq!(again[6..9], rest[6..9], "stream identifier bytes");

        // A length past the input is cut to what is there, so that every input
        // keeps exercising the payload parsers.
        let body = &rest[FRAME_HEADER_LEN..];
        let len = (header.length as usize).min(body.len());
        let header = FrameHeader {
            length: len as u32,
            ..header
        };
        let payload = &body[..len];
        rest = &body[len..];
        frames += 1;

        let result = frame::parse_frame(header, payload);
        assert_eq!(
            outcome(&header, &result),
            expected(&header, payload),
            "{header:?} with {len} bytes: {result:?}"
        );
        let Ok(parsed) = result else { continue };
        check_fields(&header, payload, &parsed);

        let mut written = Vec::new();
        parsed.write(&mut written);
        assert_eq!(
            written.len(),
            FRAME_HEADER_LEN + len,
            "rewritten length of {parsed:?}"
        );
        let wh = FrameHeader::parse(&written).expect("rewritten header");
        assert_eq!(
            (wh.kind, wh.stream, wh.length),
            (header.kind, header.stream, header.length)
        );
        let reparsed =
            frame::parse_frame(wh, &written[FRAME_HEADER_LEN..]).expect("rewritten frame");
        assert_eq!(reparsed, parsed, "rewrite round trip");
        check_writers(&parsed, &written);
    }
    assert!(frames <= data.len() / FRAME_HEADER_LEN);
}

/// The per-family writers write exactly what [`Frame::write`] writes.
fn check_writers(f: &Frame<'_>, written: &[u8]) {
    let mut out = Vec::new();
    match *f {
        Frame::Data(d) => match d.padding {
            Some(p) => frame::write_data_padded(&mut out, d.stream, d.data, p, d.end_stream),
            None => frame::write_data(&mut out, d.stream, d.data, d.end_stream),
        },
        Frame::Ping(p) => frame::write_ping(&mut out, p.opaque, p.ack),
        Frame::Goaway(g) => frame::write_goaway(&mut out, g.last_stream_id, g.code, g.debug_data),
        Frame::WindowUpdate(w) => frame::write_window_update(&mut out, w.stream, w.increment),
        Frame::RstStream(r) => frame::write_rst_stream(&mut out, r.stream, r.code),
        Frame::Priority(p) => frame::write_priority(&mut out, p.stream, p.priority),
        Frame::Continuation(c) => {
            frame::write_continuation(&mut out, c.stream, c.fragment, c.end_headers)
        }
        _ => return,
    }
    assert_eq!(
        out, written,
        "family writer and Frame::write differ for {f:?}"
    );
}

/// Target `h2_server_conn`: a `ServerConn` after a valid client preface, fed
/// arbitrary bytes and driven by arbitrary application commands (layout and
/// invariants in `conn.rs`).
pub fn server_conn(data: &[u8]) {
    conn::run(wire::Side::Server, data);
}

/// Target `h2_client_conn`: a `ClientConn` fed arbitrary server bytes and
/// driven by arbitrary application commands (layout and invariants in `conn.rs`).
pub fn client_conn(data: &[u8]) {
    conn::run(wire::Side::Client, data);
}
