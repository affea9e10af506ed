//! The section 5.1 table, checked cell by cell.

use super::*;
use crate::h2::ErrorCode;
use StreamEvent::*;
use StreamState::*;

const STATES: [StreamState; 7] = [
    Idle,
    ReservedLocal,
    ReservedRemote,
    Open,
    HalfClosedLocal,
    HalfClosedRemote,
    Closed,
];
const EVENTS: [StreamEvent; 10] = [
    SendHeaders,
    RecvHeaders,
    SendData,
    RecvData,
    SendEndStream,
    RecvEndStream,
    SendReset,
    RecvReset,
    SendPushPromise,
    RecvPushPromise,
];

/// What the table in the module docs says, written out independently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    To(StreamState),
    Usage,
    Conn,
    StreamClosed,
}

fn expected(state: StreamState, event: StreamEvent) -> Expect {
    use Expect::*;
    let row: [Expect; 10] = match state {
        Idle => [
            To(Open),
            To(Open),
            Usage,
            Conn,
            Usage,
            Conn,
            Usage,
            Conn,
            To(ReservedLocal),
            To(ReservedRemote),
        ],
        ReservedLocal => [
            To(HalfClosedRemote),
            Conn,
            Usage,
            Conn,
            Usage,
            Conn,
            To(Closed),
            To(Closed),
            Usage,
            Conn,
        ],
        ReservedRemote => [
            Usage,
            To(HalfClosedLocal),
            Usage,
            Conn,
            Usage,
            Conn,
            To(Closed),
            To(Closed),
            Usage,
            Conn,
        ],
        Open => [
            To(Open),
            To(Open),
            To(Open),
            To(Open),
            To(HalfClosedLocal),
            To(HalfClosedRemote),
            To(Closed),
            To(Closed),
            Usage,
            Conn,
        ],
        HalfClosedLocal => [
            Usage,
            To(HalfClosedLocal),
            Usage,
            To(HalfClosedLocal),
            Usage,
            To(Closed),
            To(Closed),
            To(Closed),
            Usage,
            Conn,
        ],
        HalfClosedRemote => [
            To(HalfClosedRemote),
            StreamClosed,
            To(HalfClosedRemote),
            StreamClosed,
            To(Closed),
            StreamClosed,
            To(Closed),
            To(Closed),
            Usage,
            Conn,
        ],
        Closed => [
            Usage,
            StreamClosed,
            Usage,
            StreamClosed,
            Usage,
            StreamClosed,
            To(Closed),
            To(Closed),
            Usage,
            Conn,
        ],
    };
    let col = EVENTS.iter().position(|e| *e == event).unwrap();
    row[col]
}

#[test]
fn every_cell_of_the_table() {
    let id = StreamId::new(5);
    for state in STATES {
        for event in EVENTS {
            let got = transition(state, event, id);
            match (expected(state, event), got) {
                (Expect::To(s), Ok(t)) => assert_eq!(s, t, "{state:?} {event:?}"),
                (Expect::Usage, Err(TransitionError::Usage(UsageError::InvalidState))) => {}
                (Expect::Conn, Err(TransitionError::Peer(e))) => {
                    assert!(e.is_connection_error(), "{state:?} {event:?}");
                    assert_eq!(e.code(), ErrorCode::PROTOCOL_ERROR, "{state:?} {event:?}");
                }
                (Expect::StreamClosed, Err(TransitionError::Peer(e))) => {
                    assert_eq!(e.stream(), Some(id), "{state:?} {event:?}");
                    assert_eq!(e.code(), ErrorCode::STREAM_CLOSED, "{state:?} {event:?}");
                }
                (want, got) => panic!("{state:?} {event:?}: want {want:?}, got {got:?}"),
            }
        }
    }
}

#[test]
fn a_request_and_its_response_close_the_stream() {
    let id = StreamId::new(1);
    let mut s = Idle;
    for event in [
        RecvHeaders,
        RecvEndStream,
        SendHeaders,
        SendData,
        SendEndStream,
    ] {
        s = transition(s, event, id).unwrap();
    }
    assert_eq!(s, Closed);
    assert!(!s.is_active());
}

#[test]
fn stream_ids() {
    assert!(StreamId::new(1).is_client_initiated());
    assert!(StreamId::new(2).is_server_initiated());
    assert!(!StreamId::ZERO.is_server_initiated() && !StreamId::ZERO.is_client_initiated());
    assert_eq!(
        StreamId::new(0x8000_0003),
        StreamId::new(3),
        "the reserved bit is ignored"
    );
    assert_eq!(StreamId::MAX.next(), None);
    assert_eq!(StreamId::new(0x7fff_fffd).next(), Some(StreamId::MAX));
}
