//! The frame a server sees most, a whole short data message from a client,
//! taken in one step before the general frame loop: no header decode into a
//! `FrameHeader`, no `InFrame` bookkeeping.

use super::in_place::Input;
use super::{Conn, InFrame, Mode, Ready};
use crate::ws::Error;
use crate::ws::ErrorKind;
use crate::ws::frame::FrameHeader;
use crate::ws::mask::apply_mask;
use crate::ws::message::MessageKind;
use crate::ws::utf8::Utf8Validator;

impl Conn {
    /// The common frame at a server, taken in one step: a whole masked data
    /// frame of at most 125 bytes, FIN set, no RSV bit, no message in
    /// progress, at the front of `input`. Its first two bytes satisfy every
    /// rule `decode_header` and `begin_frame` check (RFC 6455 section 5.2:
    /// minimal length form, opcode, RSV bits; 5.1: masked; 5.4: no
    /// interleaving), leaving only the limits, checked here. Anything else
    /// returns `false` untouched, for the general path, which names the error.
    #[inline]
    pub(super) fn small_frame(&mut self, input: &mut Input<'_>) -> Result<bool, Error> {
        let data = input.data();
        if data.len() < 6 || !self.rules.expect_masked {
            return Ok(false);
        }
        let kind = match data[0] {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return Ok(false),
        };
        let b1 = data[1];
        let len = usize::from(b1 & 0x7F);
        if b1 & 0x80 == 0
            || len > 125
            || data.len() < 6 + len
            || len as u64 > self.rules.max_payload
            || len > self.limits.max_message_size
            || !self.assembly.idle()
        {
            return Ok(false);
        }
        let key = [data[2], data[3], data[4], data[5]];
        let payload = &mut input.data_mut()[6..6 + len];
        apply_mask(payload, key, 0);
        if kind == MessageKind::Text {
            let mut utf8 = Utf8Validator::new();
            if utf8.feed(payload).is_err() || utf8.finish().is_err() {
                // The state the general path fails in: the frame begun, nothing done.
                self.frame = Some(InFrame {
                    header: FrameHeader {
                        fin: true,
                        rsv1: false,
                        opcode: kind.opcode(),
                        mask: Some(key),
                        payload_len: len as u64,
                    },
                    header_len: 6,
                    done: 0,
                    mode: Mode::InPlace(kind),
                });
                return Err(ErrorKind::InvalidUtf8.into());
            }
        }
        self.ready = Ready::InPlace {
            kind,
            at: 6,
            len,
            consume: 6 + len,
        };
        Ok(true)
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::super::{Config, Event, Extensions};
    use super::*;
    use crate::time::Instant;

    /// A short frame as a client might send it, or break it: any first
    /// byte among the interesting ones, masked or not, a 7-bit length or a
    /// needless 16-bit one, text that is UTF-8 or not.
    fn frame() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(vec![
                0x81u8, 0x82, 0x81, 0x82, 0x01, 0x02, 0x80, 0x00, 0x89, 0x8A, 0xC1, 0x91, 0x83,
                0x88,
            ]),
            prop::bool::weighted(0.9),
            prop::bool::weighted(0.05),
            prop_oneof![
                3 => "[a-zé€😀 ]{0,40}".prop_map(String::into_bytes),
                1 => prop::collection::vec(any::<u8>(), 0..130),
                // Text that ends inside a character.
                1 => "[é€😀]{1,10}".prop_map(|s| {
                    let mut b = s.into_bytes();
                    b.pop();
                    b
                }),
            ],
            any::<[u8; 4]>(),
        )
            .prop_map(|(b0, masked, long_form, mut payload, key)| {
                if b0 & 0x08 != 0 {
                    // Control frames: at most 125 bytes; a Close with a valid code.
                    payload.truncate(125);
                    if b0 & 0x0F == 0x08 {
                        payload.truncate(if payload.len() < 2 { 0 } else { payload.len() });
                        if payload.len() >= 2 {
                            payload[..2].copy_from_slice(&1000u16.to_be_bytes());
                            payload.truncate(2);
                        }
                    }
                }
                let mut out = vec![b0];
                let m = u8::from(masked) << 7;
                if payload.len() > 125 || long_form {
                    out.push(m | 126);
                    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
                } else {
                    out.push(m | payload.len() as u8);
                }
                if masked {
                    out.extend_from_slice(&key);
                }
                out.extend(
                    payload
                        .iter()
                        .enumerate()
                        .map(|(i, b)| if masked { b ^ key[i % 4] } else { *b }),
                );
                out
            })
    }

    /// Everything a server showed for `wire` fed in `cuts`: events, the
    /// error, its output, whether it closed.
    fn run(config: &Config, wire: &[u8], cuts: &[usize], in_place: bool) -> Vec<String> {
        let mut conn = Conn::server(config.clone(), Extensions::default());
        let now = Instant::ZERO;
        let mut log = Vec::new();
        let mut at: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        at.sort_unstable();
        at.push(wire.len());
        let mut from = 0;
        let mut buf = Vec::new();
        for to in at {
            let chunk = &wire[from..to];
            from = to;
            if in_place {
                buf.extend_from_slice(chunk);
                loop {
                    while let Some(e) = conn.poll_event() {
                        log.push(format!("{e:?}"));
                    }
                    match conn.handle_input_in_place(now, &mut buf) {
                        Ok(r) => {
                            if let Some(m) = r.message {
                                log.push(format!("in place {:?} {:?}", m.kind, &buf[m.payload]));
                            } else if r.taken == 0 {
                                break;
                            }
                            buf.drain(..r.taken);
                        }
                        Err(e) => {
                            log.push(format!("error {e:?}"));
                            buf.clear();
                        }
                    }
                }
            } else {
                let mut rest = chunk;
                while !rest.is_empty() {
                    let n = match conn.handle_input(now, rest) {
                        Ok(n) => n,
                        Err(e) => {
                            log.push(format!("error {e:?}"));
                            rest.len()
                        }
                    };
                    rest = &rest[n..];
                    while let Some(e) = conn.poll_event() {
                        log.push(format!("{e:?}"));
                    }
                }
            }
        }
        while let Some(e) = conn.poll_event() {
            if let Event::Closed = e {
                log.push("closed".into());
            } else {
                log.push(format!("{e:?}"));
            }
        }
        let mut output = Vec::new();
        while let Some(bytes) = conn.poll_transmit() {
            output.extend_from_slice(bytes);
            let n = bytes.len();
            conn.advance_transmit(n);
        }
        log.push(format!(
            "output {output:?} error {:?} closed {}",
            conn.error(),
            conn.is_closed()
        ));
        log
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// The short path and the general frame loop show the same: events,
        /// errors (their kinds and close codes), output and end, for any
        /// frames, cuts and limits, through both input calls.
        #[test]
        fn the_short_path_agrees_with_the_general_one(
            frames in prop::collection::vec(frame(), 0..16),
            cuts in prop::collection::vec(any::<usize>(), 0..6),
            max_frame_size in prop::sample::select(vec![0usize, 3, 40, 125, 1 << 20]),
            max_message_size in prop::sample::select(vec![0usize, 3, 40, 125, 1 << 20]),
            in_place: bool,
        ) {
            let wire: Vec<u8> = frames.concat();
            let config = Config { max_frame_size, max_message_size, ..Config::default() };
            let short = run(&config, &wire, &cuts, in_place);
            crate::GENERAL_PATHS.with(|g| g.set(true));
            let general = run(&config, &wire, &cuts, in_place);
            crate::GENERAL_PATHS.with(|g| g.set(false));
            prop_assert_eq!(short, general);
        }
    }

    #[test]
    fn a_short_text_is_taken_by_the_short_path() {
        // RFC 6455 section 5.7: a masked "Hello" from a client.
        let mut wire = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let mut conn = Conn::server(Config::default(), Extensions::default());
        let mut input = Input::new(&mut wire);
        assert_eq!(conn.small_frame(&mut input), Ok(true));
        assert_eq!(
            conn.ready,
            Ready::InPlace {
                kind: MessageKind::Text,
                at: 6,
                len: 5,
                consume: 11
            }
        );
        assert_eq!(&wire[6..], b"Hello");
        // Unmasked, from a server, or a control frame: left to the general path.
        let mut conn = Conn::server(Config::default(), Extensions::default());
        for mut frame in [
            vec![0x81, 0x05, b'H', b'e', b'l', b'l', b'o'],
            vec![0x89, 0x80, 1, 2, 3, 4],
        ] {
            assert_eq!(conn.small_frame(&mut Input::new(&mut frame)), Ok(false));
        }
    }
}
