//! RFC 9113 section 8 as the client machine sees it: malformed responses and
//! server push the client did not allow (cases the fuzz target `h2_client_conn`
//! reached; h2spec itself only tests servers).

use std::collections::VecDeque;

use shockwave_proto::Instant;
use shockwave_proto::h2::{ClientConn, ClientEvent, Config, ErrorCode, StreamId};

use crate::peer::*;

/// An owned client event.
#[derive(Debug, PartialEq, Eq)]
enum CEv {
    Response {
        stream: u32,
        status: u16,
    },
    Data {
        stream: u32,
        len: usize,
    },
    Reset {
        stream: u32,
        code: ErrorCode,
        by_peer: bool,
    },
    Push {
        promised: u32,
    },
    Other,
}

/// A scripted server in front of a [`ClientConn`] with one request open on stream 1.
struct Server {
    conn: ClientConn,
    now: Instant,
    inbox: Vec<u8>,
    frames: VecDeque<RawFrame>,
    events: Vec<CEv>,
}

impl Server {
    fn with_request(config: Config) -> Server {
        let now = Instant::from_millis(1_000);
        let mut s = Server {
            conn: ClientConn::with_start(config, now),
            now,
            inbox: Vec::new(),
            frames: VecDeque::new(),
            events: Vec::new(),
        };
        s.send(&[settings(&[]), settings_ack()].concat());
        let id = s
            .conn
            .send_request(
                b"GET",
                b"https",
                b"example.com",
                b"/",
                None,
                [("accept", "*/*")],
                true,
            )
            .unwrap();
        assert_eq!(id, StreamId::new(1));
        s.pump();
        assert!(s.inbox.starts_with(PREFACE));
        s.inbox.drain(..PREFACE.len());
        cut_frames(&mut s.inbox, &mut s.frames);
        assert!(
            s.frames
                .iter()
                .any(|f| f.kind == ty::HEADERS && f.stream == 1)
        );
        s.frames.clear();
        s.events.clear();
        s
    }

    fn send(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.conn.handle_input(self.now, rest) {
                Ok(0) => {
                    self.pump();
                    if self.conn.is_closed() {
                        break;
                    }
                }
                Ok(n) => rest = &rest[n..],
                Err(_) => break,
            }
            self.pump();
        }
        self.pump();
    }

    fn pump(&mut self) {
        while let Some(ev) = self.conn.poll_event() {
            self.events.push(match ev {
                ClientEvent::ResponseReceived {
                    stream, response, ..
                } => CEv::Response {
                    stream: stream.value(),
                    status: response.status(),
                },
                ClientEvent::DataReceived { stream, data, .. } => CEv::Data {
                    stream: stream.value(),
                    len: data.len(),
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
                ClientEvent::PushPromised { promised, .. } => CEv::Push {
                    promised: promised.value(),
                },
                _ => CEv::Other,
            });
        }
        while let Some(out) = self.conn.poll_transmit() {
            let n = out.len();
            self.inbox.extend_from_slice(out);
            self.conn.advance_transmit(n);
        }
        cut_frames(&mut self.inbox, &mut self.frames);
    }

    /// A stream error on stream 1: RST_STREAM with `code`, a `StreamReset`,
    /// and the connection still open.
    fn expect_stream_error(&self, code: ErrorCode) {
        let rst: Vec<_> = self
            .frames
            .iter()
            .filter(|f| f.kind == ty::RST_STREAM)
            .collect();
        assert_eq!(rst.len(), 1, "{:?}", self.frames);
        assert_eq!((rst[0].stream, rst[0].error_code()), (1, code));
        assert!(self.events.contains(&CEv::Reset {
            stream: 1,
            code,
            by_peer: false
        }));
        assert!(!self.frames.iter().any(|f| f.kind == ty::GOAWAY));
        assert!(self.conn.error().is_none() && !self.conn.is_closed());
    }

    /// A connection error: GOAWAY with `code`, then closed.
    fn expect_connection_error(&self, code: ErrorCode) {
        let g = self
            .frames
            .iter()
            .find(|f| f.kind == ty::GOAWAY)
            .unwrap_or_else(|| panic!("no GOAWAY: {:?}", self.frames));
        assert_eq!(g.error_code(), code);
        assert_eq!(
            self.conn.error().map(|e| (e.code(), e.stream())),
            Some((code, None))
        );
        assert!(self.conn.is_closed());
    }
}

/// A response head with `:status` and a field.
fn response(status: &[u8]) -> Vec<u8> {
    literal_block(&[(b":status", status), (b"content-type", b"text/plain")])
}

/// A response arrives as one `ResponseReceived` then its data.
#[test]
fn s8_1_client_response_then_data_is_reported() {
    let mut s = Server::with_request(Config::default());
    s.send(
        &[
            headers(1, &response(b"200"), false),
            data(1, b"hello", true),
        ]
        .concat(),
    );
    assert_eq!(
        s.events,
        [
            CEv::Response {
                stream: 1,
                status: 200
            },
            CEv::Data { stream: 1, len: 5 }
        ]
    );
    assert!(
        s.frames
            .iter()
            .all(|f| f.kind != ty::RST_STREAM && f.kind != ty::GOAWAY)
    );
}

/// Section 8.1: a response starts with a HEADERS frame; DATA before any
/// response head is a malformed response (stream error PROTOCOL_ERROR), and
/// the body never reaches the application without its head.
#[test]
fn s8_1_client_data_before_response_head_is_protocol_error() {
    let mut s = Server::with_request(Config::default());
    s.send(&data(1, b"hello", true));
    assert!(
        !s.events.iter().any(|e| matches!(e, CEv::Data { .. })),
        "{:?}",
        s.events
    );
    s.expect_stream_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 8.3.2: a response without `:status` is malformed.
#[test]
fn s8_3_2_client_response_without_status_is_protocol_error() {
    let mut s = Server::with_request(Config::default());
    s.send(&headers(
        1,
        &literal_block(&[(b"content-type", b"text/plain")]),
        true,
    ));
    assert!(s.events.iter().all(|e| !matches!(e, CEv::Response { .. })));
    s.expect_stream_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 8.3: a request pseudo-header in a response is malformed.
#[test]
fn s8_3_client_request_pseudo_header_in_response_is_protocol_error() {
    let mut s = Server::with_request(Config::default());
    s.send(&headers(
        1,
        &literal_block(&[(b":status", b"200"), (b":path", b"/")]),
        true,
    ));
    assert!(s.events.iter().all(|e| !matches!(e, CEv::Response { .. })));
    s.expect_stream_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 8.4: a PUSH_PROMISE when the client sent SETTINGS_ENABLE_PUSH = 0
/// (the default configuration) is a connection error of type PROTOCOL_ERROR.
#[test]
fn s8_4_client_push_promise_when_disabled_is_protocol_error() {
    let mut s = Server::with_request(Config::default());
    let mut payload = 2u32.to_be_bytes().to_vec();
    payload.extend(get_block_with(&[]));
    s.send(&frame(ty::PUSH_PROMISE, fl::END_HEADERS, 1, &payload));
    s.expect_connection_error(ErrorCode::PROTOCOL_ERROR);
}

/// Section 6.8: a promise that comes after the client's GOAWAY names a
/// stream past its last one, so it is ignored, and a later GOAWAY (here for
/// a connection error) never names a higher last stream than the first.
/// (Found by the fuzz target `h2_client_conn`.)
#[test]
fn s6_8_client_goaway_last_stream_never_increases() {
    let mut s = Server::with_request(config(|c| c.enable_push = true));
    s.conn.shutdown();
    s.pump();
    let first = s.frames.pop_front().expect("GOAWAY");
    assert_eq!((first.kind, first.last_stream_id()), (ty::GOAWAY, 0));
    let mut payload = 2u32.to_be_bytes().to_vec();
    payload.extend(get_block_with(&[]));
    s.send(&frame(ty::PUSH_PROMISE, fl::END_HEADERS, 1, &payload));
    assert!(!s.events.contains(&CEv::Push { promised: 2 }));
    // A frame of the wrong size on stream 0: a connection error.
    s.send(&frame(ty::PING, 0, 0, &[0; 7]));
    let last = s
        .frames
        .iter()
        .find(|f| f.kind == ty::GOAWAY)
        .unwrap_or_else(|| panic!("no second GOAWAY: {:?}", s.frames));
    assert_eq!(
        (last.last_stream_id(), last.error_code()),
        (0, ErrorCode::FRAME_SIZE_ERROR)
    );
}

/// Section 6.4: RST_STREAM MUST NOT be sent for an idle stream. A bad
/// PRIORITY (or one depending on itself) for a stream the client has not
/// opened yet cannot be answered with a reset that would poison the stream
/// it opens next; it is a connection error instead (section 5.4.1).
#[test]
fn s6_4_client_no_reset_for_its_own_idle_stream() {
    for (payload, code) in [
        (vec![0u8; 3], ErrorCode::FRAME_SIZE_ERROR),
        (vec![0, 0, 0, 3, 16], ErrorCode::PROTOCOL_ERROR),
    ] {
        let mut s = Server::with_request(Config::default());
        s.send(&frame(ty::PRIORITY, 0, 3, &payload));
        assert!(
            !s.frames.iter().any(|f| f.kind == ty::RST_STREAM),
            "{:?}",
            s.frames
        );
        s.expect_connection_error(code);
    }
}
