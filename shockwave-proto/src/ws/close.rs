//! The closing handshake (RFC 6455 section 7) and the close codes (section 7.4).
//!
//! # The closing handshake, as one transition function
//!
//! | state | event | next | action |
//! | --- | --- | --- | --- |
//! | `Open` | we send Close (`close`, or a peer error) | `Sent` | start the close timer |
//! | `Open` | the peer's Close arrives | `Done` | answer with a Close frame (section 5.5.1) |
//! | `Sent` | the peer's Close arrives | `Done` | — |
//! | `Sent` | the close timer passes | `Done` | — (the peer did not answer: 1006) |
//! | any | the byte stream ends | `Done` | — |
//!
//! `Done` takes no more frames; the machine is closed once its last bytes
//! (the answering Close frame) are written. Messages keep arriving while we
//! wait in `Sent` (section 1.4: the peer may still be sending).

use super::ErrorKind;
use crate::simd::utf8;

/// The close codes of RFC 6455 section 7.4.1 with their names: the one registry
/// the constants, [`is_valid`] and [`name`] come from.
const REGISTRY: [(u16, &str, bool); 12] = [
    (1000, "normal closure", true),
    (1001, "going away", true),
    (1002, "protocol error", true),
    (1003, "unsupported data", true),
    (1005, "no status received", false),
    (1006, "abnormal closure", false),
    (1007, "invalid payload data", true),
    (1008, "policy violation", true),
    (1009, "message too big", true),
    (1010, "mandatory extension", true),
    (1011, "internal error", true),
    (1015, "TLS handshake failure", false),
];

/// 1000: the purpose of the connection was fulfilled.
pub const NORMAL_CLOSURE: u16 = REGISTRY[0].0;
/// 1001: the endpoint is going away (server shutdown, page navigated away).
pub const GOING_AWAY: u16 = REGISTRY[1].0;
/// 1002: the peer broke the protocol.
pub const PROTOCOL_ERROR: u16 = REGISTRY[2].0;
/// 1003: a message type the endpoint cannot accept.
pub const UNSUPPORTED_DATA: u16 = REGISTRY[3].0;
/// 1005: no code was in the Close frame (reported, never sent).
pub const NO_STATUS_RECEIVED: u16 = REGISTRY[4].0;
/// 1006: the connection ended without a Close frame (reported, never sent).
pub const ABNORMAL_CLOSURE: u16 = REGISTRY[5].0;
/// 1007: a message's data did not match its type (text that is not UTF-8).
pub const INVALID_PAYLOAD_DATA: u16 = REGISTRY[6].0;
/// 1008: a message violated the endpoint's policy.
pub const POLICY_VIOLATION: u16 = REGISTRY[7].0;
/// 1009: a message too big to process.
pub const MESSAGE_TOO_BIG: u16 = REGISTRY[8].0;
/// 1010: the client needed an extension the server did not negotiate.
pub const MANDATORY_EXTENSION: u16 = REGISTRY[9].0;
/// 1011: the server met an unexpected condition.
pub const INTERNAL_ERROR: u16 = REGISTRY[10].0;

/// The name of a code defined by RFC 6455 section 7.4.1.
pub fn name(code: u16) -> Option<&'static str> {
    REGISTRY.iter().find(|r| r.0 == code).map(|r| r.1)
}

/// Whether `code` may appear in a Close frame (RFC 6455 section 7.4): the
/// sendable codes of section 7.4.1 and 3000..=4999. 1004-1006, 1015, below
/// 1000 and the unassigned 1012..=2999 may not.
pub fn is_valid(code: u16) -> bool {
    match code {
        1000..=1999 => REGISTRY.iter().any(|r| r.0 == code && r.2),
        3000..=4999 => true,
        _ => false,
    }
}

/// The longest close reason: a control frame carries at most 125 bytes, two of them the code.
pub const MAX_REASON_LEN: usize = 123;

/// Reads a Close frame's payload: the code (if any) and the reason.
pub(crate) fn parse_payload(payload: &[u8]) -> Result<(Option<u16>, &[u8]), ErrorKind> {
    match payload {
        [] => Ok((None, &[])),
        // RFC 6455 section 5.5.1: a body starts with a 2-byte code.
        [_] => Err(ErrorKind::InvalidClosePayload),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            // RFC 6455 section 7.4: only the listed codes and 3000-4999 may be received.
            if !is_valid(code) {
                return Err(ErrorKind::InvalidCloseCode);
            }
            // RFC 6455 section 5.5.1: the reason is UTF-8.
            if !utf8::validate(reason) {
                return Err(ErrorKind::InvalidCloseReason);
            }
            Ok((Some(code), reason))
        }
    }
}

/// Where the closing handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Closing {
    /// No Close frame either way.
    Open,
    /// We sent a Close frame and wait for the peer's.
    Sent,
    /// The handshake is over (or was cut short): no more frames.
    Done,
}

/// What moves the closing handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CloseEvent {
    /// We queue a Close frame.
    Send,
    /// The peer's Close frame arrived.
    Receive,
    /// The close timer passed.
    Timeout,
    /// The byte stream ended.
    Eof,
}

/// What the machine must do on a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CloseAction {
    /// Nothing more.
    None,
    /// Start the close timer.
    StartTimer,
    /// Answer the peer's Close frame with ours (RFC 6455 section 5.5.1).
    Answer,
}

impl Closing {
    /// The transition table of the closing handshake (see the module docs).
    pub(crate) fn on(self, event: CloseEvent) -> (Closing, CloseAction) {
        use CloseEvent::*;
        use Closing::*;
        match (self, event) {
            (Open, Send) => (Sent, CloseAction::StartTimer),
            (Open, Receive) => (Done, CloseAction::Answer),
            (Sent, Receive | Timeout) => (Done, CloseAction::None),
            (_, Eof) => (Done, CloseAction::None),
            (Open, Timeout) => (Open, CloseAction::None),
            (Sent, Send) => (Sent, CloseAction::None),
            (Done, _) => (Done, CloseAction::None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes_are_those_of_section_7_4() {
        let valid: alloc::vec::Vec<u16> = (0..=u16::MAX).filter(|&c| is_valid(c)).collect();
        let mut want: alloc::vec::Vec<u16> =
            alloc::vec![1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011];
        want.extend(3000..=4999);
        assert_eq!(valid, want);
        for c in [
            0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!is_valid(c), "{c}");
        }
        assert_eq!(name(1009), Some("message too big"));
        assert_eq!(name(3000), None);
    }

    #[test]
    fn close_payloads() {
        assert_eq!(parse_payload(b""), Ok((None, &b""[..])));
        assert_eq!(parse_payload(b"\x03"), Err(ErrorKind::InvalidClosePayload));
        assert_eq!(parse_payload(b"\x03\xe8"), Ok((Some(1000), &b""[..])));
        assert_eq!(parse_payload(b"\x03\xe8bye"), Ok((Some(1000), &b"bye"[..])));
        assert_eq!(parse_payload(b"\x03\xec"), Err(ErrorKind::InvalidCloseCode));
        assert_eq!(
            parse_payload(b"\x0b\xb8\xce\xba"),
            Ok((Some(3000), "κ".as_bytes()))
        );
        assert_eq!(
            parse_payload(b"\x03\xe8\xce"),
            Err(ErrorKind::InvalidCloseReason)
        );
        assert_eq!(
            parse_payload(b"\x03\xe8\xed\xa0\x80"),
            Err(ErrorKind::InvalidCloseReason)
        );
    }

    #[test]
    fn handshake_transitions() {
        use CloseEvent::*;
        use Closing::*;
        assert_eq!(Open.on(Send), (Sent, CloseAction::StartTimer));
        assert_eq!(Open.on(Receive), (Done, CloseAction::Answer));
        assert_eq!(Sent.on(Receive), (Done, CloseAction::None));
        assert_eq!(Sent.on(Timeout), (Done, CloseAction::None));
        for s in [Open, Sent, Done] {
            assert_eq!(s.on(Eof).0, Done);
        }
        assert_eq!(Done.on(Receive), (Done, CloseAction::None));
        assert_eq!(Open.on(Timeout), (Open, CloseAction::None));
    }
}
