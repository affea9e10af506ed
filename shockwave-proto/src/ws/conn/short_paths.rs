//! The short paths for what a server does most, each tried before the
//! general code and declining anything it does not cover: taking a whole
//! short data frame from a client (no header decode into a `FrameHeader`, no
//! `InFrame` bookkeeping), and sending a whole short message (no fragment or
//! compression state). The tests show each gives what the general path gives.

use super::in_place::Input;
use super::{Conn, UsageError};
use crate::ws::close::Closing;
use crate::ws::mask::apply_mask;
use crate::ws::message::MessageKind;
use crate::ws::utf8::Utf8Validator;

impl Conn {
    /// The common send at a server, in one step: a whole message of at most
    /// 125 bytes (text known to be UTF-8), not compressed, nothing else in
    /// progress, goes out as its two header bytes and the payload. `None`
    /// where more must be decided: the general path then.
    #[inline]
    pub(super) fn send_short(
        &mut self,
        kind: MessageKind,
        data: &[u8],
    ) -> Option<Result<(), UsageError>> {
        let compressed = self.deflater.is_some() && data.len() >= self.config.deflate_min_size;
        if self.masks.is_some()
            || compressed
            || data.len() > 125
            || self.sending.is_some()
            || self.closing != Closing::Open
            || crate::tests_take_general_paths()
        {
            return None;
        }
        Some(self.check_room(data.len()).map(|()| {
            self.write_short_frame(0x80 | kind.opcode().bits(), data);
        }))
    }

    /// Appends a server frame of at most 125 bytes whose first byte is `b0`:
    /// the 7-bit length is its whole header (RFC 6455 section 5.2), no mask.
    #[inline]
    pub(super) fn write_short_frame(&mut self, b0: u8, payload: &[u8]) {
        let out = self.write.vec();
        out.reserve(2 + payload.len());
        out.extend_from_slice(&[b0, payload.len() as u8]);
        out.extend_from_slice(payload);
    }

    /// The common frame at a server, taken in one step: a whole masked data
    /// frame of at most 125 bytes, FIN set, no RSV bit, no message in
    /// progress, at the front of `input`. Its first two bytes satisfy every
    /// rule `decode_header` and `begin_frame` check (RFC 6455 section 5.2:
    /// minimal length form, opcode, RSV bits; 5.1: masked; 5.4: no
    /// interleaving), leaving only the limits, checked here. Returns the
    /// message's kind and length, its payload unmasked at `6..6 + len`.
    /// Anything else (text that is not UTF-8 too) returns `None` with the
    /// bytes as they were, for the general path, which names the error.
    #[inline]
    pub(super) fn small_frame(&mut self, input: &mut Input<'_>) -> Option<(MessageKind, usize)> {
        let data = input.data();
        if data.len() < 6 || !self.rules.expect_masked || crate::tests_take_general_paths() {
            return None;
        }
        let kind = match data[0] {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return None,
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
            return None;
        }
        let key = [data[2], data[3], data[4], data[5]];
        let payload = &mut input.data_mut()[6..6 + len];
        apply_mask(payload, key, 0);
        if kind == MessageKind::Text {
            let mut utf8 = Utf8Validator::new();
            if utf8.feed(payload).is_err() || utf8.finish().is_err() {
                // Masking again restores the bytes (RFC 6455 section 5.3: an
                // XOR): the general path finds the error and fails the
                // connection with 1007.
                apply_mask(payload, key, 0);
                return None;
            }
        }
        Some((kind, len))
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::super::{Config, Extensions};
    use super::*;
    use crate::time::Instant;

    /// A frame as a peer might send it, or break it: any first byte among
    /// the interesting ones, masked with probability `masked` (clients
    /// must, servers must not), a 7-bit length or a 16-bit one (needless
    /// when short), text that is UTF-8 or not.
    fn frame(masked: f64) -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(vec![
                0x81u8, 0x82, 0x81, 0x82, 0x01, 0x02, 0x80, 0x00, 0x89, 0x8A, 0xC1, 0x91, 0x83,
                0x88,
            ]),
            prop::bool::weighted(masked),
            prop::bool::weighted(0.05),
            prop_oneof![
                3 => "[a-zé€😀 ]{0,40}".prop_map(String::into_bytes),
                1 => prop::collection::vec(any::<u8>(), 0..130),
                // Past the 7-bit length: the 16-bit form is the minimal one.
                1 => "[a-z]{126,300}".prop_map(String::into_bytes),
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
                if b0 & 0x0F == 0x08 {
                    // A Close: empty, or code 1000 alone.
                    payload = if payload.len() < 2 {
                        vec![]
                    } else {
                        1000u16.to_be_bytes().to_vec()
                    };
                } else if b0 & 0x08 != 0 {
                    // Other control frames: at most 125 bytes.
                    payload.truncate(125);
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

    /// Everything written to the output queue until it is empty.
    fn take_output(conn: &mut Conn) -> Vec<u8> {
        let mut output = Vec::new();
        while let Some(bytes) = conn.poll_transmit() {
            output.extend_from_slice(bytes);
            let n = bytes.len();
            conn.advance_transmit(n);
        }
        output
    }

    /// Everything `conn` showed for `wire` fed in `cuts`: events, the
    /// error, its output, whether it closed.
    fn run(mut conn: Conn, wire: &[u8], cuts: &[usize], in_place: bool) -> Vec<String> {
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
            log.push(format!("{e:?}"));
        }
        let output = take_output(&mut conn);
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
        /// frames, cuts and limits, through both input calls, in both roles
        /// (a client never takes the short path: its frames are unmasked).
        #[test]
        fn the_short_path_agrees_with_the_general_one(
            client: bool,
            frames in prop::collection::vec(frame(0.9), 0..16),
            cuts in prop::collection::vec(any::<usize>(), 0..6),
            max_frame_size in prop::sample::select(vec![0usize, 3, 40, 125, 1 << 20]),
            max_message_size in prop::sample::select(vec![0usize, 3, 40, 125, 1 << 20]),
            in_place: bool,
        ) {
            let wire: Vec<u8> = frames.concat();
            let config = Config { max_frame_size, max_message_size, ..Config::default() };
            // A client gets the same frames: mostly masked, so mostly an error.
            let make = || {
                if client {
                    Conn::client(config.clone(), Extensions::default(), counter_masks())
                } else {
                    Conn::server(config.clone(), Extensions::default())
                }
            };
            let short = run(make(), &wire, &cuts, in_place);
            crate::GENERAL_PATHS.with(|g| g.set(true));
            let general = run(make(), &wire, &cuts, in_place);
            crate::GENERAL_PATHS.with(|g| g.set(false));
            prop_assert_eq!(short, general);
        }
    }

    /// Masking keys for a client machine: predictable, which tests may be.
    fn counter_masks() -> alloc::boxed::Box<dyn crate::ws::MaskSource + Send> {
        let mut n = 0u32;
        alloc::boxed::Box::new(move || {
            n = n.wrapping_add(0x9e37_79b9);
            n.to_le_bytes()
        })
    }

    /// A command of the sending side, for the send test.
    #[derive(Clone, Debug)]
    enum Command {
        Text(String),
        ValidatedText(String),
        Binary(Vec<u8>),
        Message(bool, Vec<u8>),
        Fragment(bool, Vec<u8>, bool),
        Ping,
        Close,
        Drain,
    }

    fn command() -> impl Strategy<Value = Command> {
        let bytes = || prop::collection::vec(any::<u8>(), 0..200);
        let text = || "[a-zé€ ]{0,140}";
        prop_oneof![
            3 => text().prop_map(Command::Text),
            3 => text().prop_map(Command::ValidatedText),
            3 => bytes().prop_map(Command::Binary),
            2 => (any::<bool>(), bytes()).prop_map(|(t, b)| Command::Message(t, b)),
            1 => (any::<bool>(), text(), any::<bool>()).prop_map(|(t, s, fin)| Command::Fragment(t, s.into_bytes(), fin)),
            1 => Just(Command::Ping),
            1 => Just(Command::Close),
            1 => Just(Command::Drain),
        ]
    }

    /// What each command answered and the bytes written, for `commands`.
    fn send_all(conn: &mut Conn, commands: &[Command]) -> (Vec<Result<(), UsageError>>, Vec<u8>) {
        let mut results = Vec::new();
        let mut wire = Vec::new();
        let kind = |text: bool| {
            if text {
                MessageKind::Text
            } else {
                MessageKind::Binary
            }
        };
        for c in commands {
            results.push(match c {
                Command::Text(t) => conn.send_text(t),
                Command::ValidatedText(t) => conn.send_validated_text(t.as_bytes()),
                Command::Binary(b) => conn.send_binary(b),
                Command::Message(t, b) => conn.send_message(kind(*t), b),
                Command::Fragment(t, b, fin) => conn.send_fragment(kind(*t), b, *fin),
                Command::Ping => conn.ping(b"p"),
                Command::Close => conn.close(1000, "bye"),
                Command::Drain => {
                    wire.extend(take_output(conn));
                    Ok(())
                }
            });
        }
        wire.extend(take_output(conn));
        (results, wire)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Sending through the short path or the general one gives the same
        /// answers and the same bytes, under any queue limit, with or
        /// without compression, in both roles.
        #[test]
        fn short_sends_agree_with_the_general_path(
            commands in prop::collection::vec(command(), 0..24),
            max_write_buffer in prop::sample::select(vec![1usize, 50, 300, 1 << 20]),
            deflate: bool,
            client: bool,
        ) {
            let config = Config { max_write_buffer, deflate_min_size: 40, ..Config::default() };
            let extensions = Extensions {
                deflate: deflate.then(crate::ws::deflate::DeflateParams::default),
            };
            let make = || {
                if client {
                    Conn::client(config.clone(), extensions, counter_masks())
                } else {
                    Conn::server(config.clone(), extensions)
                }
            };
            let short = send_all(&mut make(), &commands);
            crate::GENERAL_PATHS.with(|g| g.set(true));
            let general = send_all(&mut make(), &commands);
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
        assert_eq!(conn.small_frame(&mut input), Some((MessageKind::Text, 5)));
        assert_eq!(&wire[6..], b"Hello");
        // Text that is not UTF-8 is left as it came, for the general path.
        let mut bad = [0x81, 0x82, 1, 2, 3, 4, 0xff ^ 1, 0xfe ^ 2];
        let before = bad;
        assert_eq!(conn.small_frame(&mut Input::new(&mut bad)), None);
        assert_eq!(bad, before);
        // 125 bytes is the longest 7-bit length; 126 needs the 16-bit form
        // (RFC 6455 section 5.2), which the short path leaves alone.
        let masked = |len: usize| {
            let mut frame = vec![0x82];
            if len <= 125 {
                frame.push(0x80 | len as u8);
            } else {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            frame.extend_from_slice(&[1, 2, 3, 4]);
            frame.extend((0..len).map(|i| i as u8 ^ [1, 2, 3, 4][i % 4]));
            frame
        };
        let mut longest = masked(125);
        let got = conn.small_frame(&mut Input::new(&mut longest));
        assert_eq!(got, Some((MessageKind::Binary, 125)));
        let mut longer = masked(126);
        assert_eq!(conn.small_frame(&mut Input::new(&mut longer)), None);
        // Unmasked, from a server, or a control frame: left to the general path.
        let mut conn = Conn::server(Config::default(), Extensions::default());
        for mut frame in [
            vec![0x81, 0x05, b'H', b'e', b'l', b'l', b'o'],
            vec![0x89, 0x80, 1, 2, 3, 4],
        ] {
            assert_eq!(conn.small_frame(&mut Input::new(&mut frame)), None);
        }
    }
}
