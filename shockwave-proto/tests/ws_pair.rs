//! A WebSocket client and server paired in memory: messages of every kind
//! and size both ways, fragmentation with pings between fragments,
//! permessage-deflate, both closing handshakes, and protocol errors ending
//! with the code RFC 6455 section 7.4.1 gives them.

mod ws_support;

use proptest::prelude::*;
use shockwave_proto::Instant;
use shockwave_proto::ws::deflate::DeflateParams;
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::mask::apply_mask;
use shockwave_proto::ws::{Config, Conn, ErrorKind, MessageKind, UsageError};
use ws_support::*;

fn plain() -> Pair {
    Pair::new(Config::default(), Extensions::default())
}

fn deflate(params: DeflateParams) -> Extensions {
    Extensions {
        deflate: Some(params),
    }
}

/// Text of `len` bytes with multi-byte characters throughout.
fn text(len: usize) -> String {
    let mut s = String::with_capacity(len + 4);
    let mut i = 0u32;
    while s.len() < len {
        s.push(['a', 'é', '€', '😀', ' ', 'z'][(i % 6) as usize]);
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    s
}

fn binary(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

#[test]
fn text_and_binary_both_ways() {
    let mut p = plain();
    p.client.send_text("Hello").unwrap();
    p.client.send_binary(&[0, 1, 2, 255]).unwrap();
    p.client.send_text("").unwrap();
    p.server.send_text("κόσμε").unwrap();
    p.server.send_binary(b"").unwrap();
    p.drive();
    assert_eq!(
        p.take_server_events(),
        [Ev::text("Hello"), Ev::binary(&[0, 1, 2, 255]), Ev::text("")]
    );
    assert_eq!(p.take_client_events(), [Ev::text("κόσμε"), Ev::binary(b"")]);
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

#[test]
fn section_5_7_frames() {
    let now = Instant::ZERO;
    // Unmasked frames reach a client.
    let mut client = Conn::client(Config::default(), Extensions::default(), seeded_masks(1));
    let (evs, err) = feed(
        &mut client,
        now,
        &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f],
        100,
    );
    assert_eq!((evs, err), (vec![Ev::text("Hello")], None));
    let fragmented = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    assert_eq!(
        feed(&mut client, now, &fragmented, 1).0,
        [Ev::text("Hello")]
    );
    assert_eq!(
        feed(
            &mut client,
            now,
            &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f],
            3
        )
        .0,
        [Ev::Ping(b"Hello".to_vec())]
    );
    // The automatic Pong is masked, and carries the Ping's body.
    let pong = take_output(&mut client);
    assert_eq!(&pong[..2], &[0x8a, 0x85]);
    let mut body = pong[6..].to_vec();
    apply_mask(&mut body, [pong[2], pong[3], pong[4], pong[5]], 0);
    assert_eq!(body, b"Hello");
    let mut len256 = vec![0x82, 0x7E, 0x01, 0x00];
    len256.extend(binary(256));
    assert_eq!(
        feed(&mut client, now, &len256, 77).0,
        [Ev::binary(&binary(256))]
    );
    let mut len64k = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
    len64k.extend(binary(65536));
    assert_eq!(
        feed(&mut client, now, &len64k, 1000).0,
        [Ev::binary(&binary(65536))]
    );

    // The masked "Hello" reaches a server.
    let mut server = Conn::server(Config::default(), Extensions::default());
    let masked = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    for piece in 1..masked.len() {
        let mut s = Conn::server(Config::default(), Extensions::default());
        assert_eq!(
            feed(&mut s, now, &masked, piece).0,
            [Ev::text("Hello")],
            "pieces of {piece}"
        );
    }
    assert_eq!(feed(&mut server, now, &masked, 11).0, [Ev::text("Hello")]);
}

#[test]
fn fragmented_messages_with_pings_between_fragments() {
    let t = text(3000);
    let wire = fragmented_wire(&t);
    for piece in [usize::MAX, 7, 1] {
        let mut server = Conn::server(Config::default(), Extensions::default());
        let (evs, err) = feed(&mut server, Instant::ZERO, &wire, piece);
        assert_eq!(err, None);
        assert_eq!(
            evs,
            [
                Ev::Ping(b"1".to_vec()),
                Ev::Ping(b"2".to_vec()),
                Ev::text(&t),
                Ev::Pong(b"unsolicited".to_vec()),
                Ev::binary(&[1, 2, 3]),
            ],
            "pieces of {piece}"
        );
        // The latest ping is answered (RFC 6455 section 5.5.3).
        let answer = take_output(&mut server);
        assert!(answer.ends_with(&[0x8a, 0x01, b'2']), "{answer:02x?}");
    }
}

/// A client's output: a text message in three fragments (one cut inside a
/// character) with pings between them, then a binary one with an empty fragment.
fn fragmented_wire(t: &str) -> Vec<u8> {
    let mut c = Conn::client(Config::default(), Extensions::default(), seeded_masks(7));
    let (a, b) = t.split_at(t.char_indices().nth(700).unwrap().0);
    let bytes = b.as_bytes();
    let cut = bytes.iter().position(|&c| c >= 0xC0).unwrap() + 1;
    c.send_fragment(MessageKind::Text, a.as_bytes(), false)
        .unwrap();
    c.ping(b"1").unwrap();
    c.send_fragment(MessageKind::Text, &bytes[..cut], false)
        .unwrap();
    assert_eq!(c.send_text("no"), Err(UsageError::FragmentInProgress));
    assert_eq!(
        c.send_fragment(MessageKind::Binary, b"x", true),
        Err(UsageError::FragmentInProgress)
    );
    c.ping(b"2").unwrap();
    c.send_fragment(MessageKind::Text, &bytes[cut..], true)
        .unwrap();
    c.send_fragment(MessageKind::Binary, &[1, 2], false)
        .unwrap();
    c.send_fragment(MessageKind::Binary, &[], false).unwrap();
    c.pong(b"unsolicited").unwrap();
    c.send_fragment(MessageKind::Binary, &[3], true).unwrap();
    take_output(&mut c)
}

#[test]
fn large_messages_both_ways() {
    let mut p = plain();
    let big_text = text(3 << 20);
    let big_binary = binary(10 << 20);
    p.client.send_text(&big_text).unwrap();
    p.server.send_binary(&big_binary).unwrap();
    p.piece = 64 * 1024;
    p.drive();
    assert_eq!(p.take_server_events(), [Ev::text(&big_text)]);
    assert_eq!(p.take_client_events(), [Ev::binary(&big_binary)]);
    // A large message in many fragments.
    for chunk in big_binary[..1 << 20].chunks(4096) {
        p.client
            .send_fragment(MessageKind::Binary, chunk, false)
            .unwrap();
        if p.client.poll_transmit().map_or(0, <[u8]>::len) > 512 * 1024 {
            p.drive();
        }
    }
    p.client
        .send_fragment(MessageKind::Binary, b"!", true)
        .unwrap();
    p.drive();
    let mut want = big_binary[..1 << 20].to_vec();
    want.push(b'!');
    assert_eq!(p.take_server_events(), [Ev::binary(&want)]);
}

#[test]
fn compressed_both_ways() {
    let variants = [
        DeflateParams::default(),
        DeflateParams {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            ..DeflateParams::default()
        },
        DeflateParams {
            server_max_window_bits: 9,
            client_max_window_bits: 10,
            ..DeflateParams::default()
        },
    ];
    for params in variants {
        let mut p = Pair::new(Config::default(), deflate(params));
        let t = text(100_000);
        let b = binary(50_000);
        let messages: Vec<(MessageKind, Vec<u8>)> = (0..20)
            .map(|i| match i % 4 {
                0 => (MessageKind::Text, text((i * 4099) % 5000).into_bytes()),
                1 => (MessageKind::Binary, b[..i * 997].to_vec()),
                2 => (MessageKind::Text, text(400 + i * 3000).into_bytes()),
                _ => (MessageKind::Binary, vec![b'x'; i * 1000]),
            })
            .collect();
        for (kind, m) in &messages {
            p.client.send_message(*kind, m).unwrap();
            p.server.send_message(*kind, m).unwrap();
        }
        // And a fragmented compressed message.
        p.client
            .send_fragment(MessageKind::Text, t.as_bytes().split_at(1000).0, false)
            .unwrap();
        p.client.ping(b"between").unwrap();
        // The first fragment may end inside a character; the message may not.
        let end = (2000..).find(|&i| t.is_char_boundary(i)).unwrap();
        p.client
            .send_fragment(MessageKind::Text, &t.as_bytes()[1000..end], true)
            .unwrap();
        let wire_len = p.client.poll_transmit().map_or(0, <[u8]>::len);
        p.piece = 1500;
        p.drive();
        let mut want: Vec<Ev> = messages
            .iter()
            .map(|(k, m)| Ev::Message(*k, m.clone()))
            .collect();
        let mut client_want = want.clone();
        client_want.push(Ev::Pong(b"between".to_vec()));
        assert_eq!(
            summary(&p.take_client_events()),
            summary(&client_want),
            "{params:?}"
        );
        want.push(Ev::Ping(b"between".to_vec()));
        want.push(Ev::text(&t[..end]));
        assert_eq!(
            summary(&p.take_server_events()),
            summary(&want),
            "{params:?}"
        );
        let plain_len: usize = messages.iter().map(|(_, m)| m.len()).sum();
        // With a limited window, messages longer than it go uncompressed.
        if params.client_max_window_bits == 15 {
            assert!(
                wire_len < plain_len / 2,
                "{wire_len} of {plain_len}: {params:?}"
            );
        }
    }
}

#[test]
fn rfc_7692_hello_on_the_wire() {
    // Section 7.2.3.1: "Hello" in one compressed frame, unmasked from a server.
    let mut client = Conn::client(
        Config::default(),
        deflate(DeflateParams::default()),
        seeded_masks(3),
    );
    let frame = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(
        feed(&mut client, Instant::ZERO, &frame, 2).0,
        [Ev::text("Hello")]
    );
    // Section 7.2.3.2: the second "Hello" with context takeover.
    let frame = [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
    assert_eq!(
        feed(&mut client, Instant::ZERO, &frame, 100).0,
        [Ev::text("Hello")]
    );
    // Section 7.2.3.3: fragmented, RSV1 on the first frame only.
    let frames = [
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ];
    let mut fresh = Conn::client(
        Config::default(),
        deflate(DeflateParams::default()),
        seeded_masks(3),
    );
    assert_eq!(
        feed(&mut fresh, Instant::ZERO, &frames, 1).0,
        [Ev::text("Hello")]
    );
    // Our server writes the same bytes (at zlib's default level; level 1 finds
    // an even shorter second frame).
    let mut config = Config::default();
    config.deflate_level = 6;
    let mut server = Conn::server(config, deflate(DeflateParams::default()));
    server.send_text("Hello").unwrap();
    server.send_text("Hello").unwrap();
    assert_eq!(
        take_output(&mut server),
        [
            0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xc1, 0x05, 0xf2, 0x00, 0x11,
            0x00, 0x00
        ]
    );
}

#[test]
fn close_handshake_started_by_the_client() {
    let mut p = plain();
    p.server.send_text("before").unwrap();
    p.client.close(1000, "done").unwrap();
    assert_eq!(p.client.send_text("late"), Err(UsageError::Closed));
    assert_eq!(p.client.close(1000, ""), Err(UsageError::Closed));
    assert!(p.client.poll_timeout().is_some(), "close timer armed");
    p.drive();
    assert_eq!(
        p.take_server_events(),
        [Ev::Close(Some(1000), b"done".to_vec()), Ev::Closed]
    );
    assert_eq!(
        p.take_client_events(),
        [
            Ev::text("before"),
            Ev::Close(Some(1000), vec![]),
            Ev::Closed
        ]
    );
    assert!(p.server.is_closed() && p.client.is_closed());
    assert!(p.server.error().is_none() && p.client.error().is_none());
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn close_handshake_started_by_the_server() {
    let mut p = plain();
    p.server.close(4000, "bye").unwrap();
    p.client.send_binary(b"in flight").unwrap();
    p.drive();
    assert_eq!(
        p.take_server_events(),
        [
            Ev::binary(b"in flight"),
            Ev::Close(Some(4000), vec![]),
            Ev::Closed
        ]
    );
    assert_eq!(
        p.take_client_events(),
        [Ev::Close(Some(4000), b"bye".to_vec()), Ev::Closed]
    );
    assert!(p.server.is_closed() && p.client.is_closed());
}

#[test]
fn close_commands_are_checked() {
    let mut p = plain();
    assert_eq!(p.client.close(1005, ""), Err(UsageError::InvalidCloseCode));
    assert_eq!(p.client.close(1006, ""), Err(UsageError::InvalidCloseCode));
    assert_eq!(p.client.close(2000, ""), Err(UsageError::InvalidCloseCode));
    assert_eq!(
        p.client.close(1000, &"x".repeat(124)),
        Err(UsageError::ControlPayloadTooLong)
    );
    assert_eq!(
        p.client.ping(&[0; 126]),
        Err(UsageError::ControlPayloadTooLong)
    );
    assert_eq!(
        p.client.send_message(MessageKind::Text, b"\xff"),
        Err(UsageError::InvalidUtf8)
    );
    assert_eq!(
        p.client.send_fragment(MessageKind::Text, b"\xe2\x82", true),
        Err(UsageError::InvalidUtf8)
    );
    assert!(
        p.client.poll_transmit().is_none(),
        "refused commands queue nothing"
    );
    p.client.close(1000, &"x".repeat(123)).unwrap();
}

#[test]
fn an_unanswered_close_times_out() {
    let mut p = plain();
    p.client.close(1001, "").unwrap();
    let _ = take_output(&mut p.client);
    let now = Instant::from_millis(10);
    // The timer starts at the first `now` after the command.
    assert_eq!(p.client.poll_timeout(), Some(Instant::ZERO));
    p.client.handle_timeout(now).unwrap();
    let deadline = p.client.poll_timeout().unwrap();
    assert_eq!(deadline, now + Config::default().close_timeout);
    p.client
        .handle_timeout(Instant::from_nanos(deadline.as_nanos() - 1))
        .unwrap();
    assert!(!p.client.is_closed());
    let e = p.client.handle_timeout(deadline).unwrap_err();
    assert_eq!((e.kind(), e.close_code()), (ErrorKind::CloseTimeout, 1006));
    assert!(p.client.is_closed());
    assert_eq!(events(&mut p.client), [Ev::Closed]);
}

#[test]
fn messages_buffered_before_eof_are_delivered() {
    let mut p = plain();
    for m in ["one", "two", "three"] {
        p.client.send_text(m).unwrap();
    }
    let wire = take_output(&mut p.client);
    // One read brings all three frames, the next read the end of the stream.
    let room = p.server.input_buf();
    room[..wire.len()].copy_from_slice(&wire);
    p.server.input_filled(Instant::ZERO, wire.len()).unwrap();
    assert_eq!(
        p.server.handle_eof(Instant::ZERO).unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
    assert_eq!(
        events(&mut p.server),
        [
            Ev::text("one"),
            Ev::text("two"),
            Ev::text("three"),
            Ev::Closed
        ]
    );
    assert!(p.server.is_closed());
    // Input after the end is dropped.
    assert_eq!(p.server.handle_input(Instant::ZERO, b"\x81\x80"), Ok(2));
    assert!(events(&mut p.server).is_empty());
}

#[test]
fn eof_without_close_is_abnormal() {
    let mut p = plain();
    p.client.send_text("x").unwrap();
    p.drive();
    let e = p.server.handle_eof(Instant::ZERO).unwrap_err();
    assert_eq!(e.close_code(), 1006);
    assert_eq!(p.take_server_events(), [Ev::text("x")]);
    assert_eq!(events(&mut p.server), [Ev::Closed]);
    assert!(p.server.is_closed());
}

/// Feeds raw client bytes to a server and returns the error and the server's Close frame.
fn server_fails_on(bytes: &[u8], config: Config) -> (ErrorKind, Vec<u8>) {
    let mut server = Conn::server(config, Extensions::default());
    let (_, err) = feed(&mut server, Instant::ZERO, bytes, 3);
    let err = err.expect("an error");
    let out = take_output(&mut server);
    (err.kind(), out)
}

/// A masked client frame.
fn client_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let key = [1, 2, 3, 4];
    let mut f = vec![b0];
    match payload.len() {
        n @ 0..=125 => f.push(0x80 | n as u8),
        n @ 126..=65535 => {
            f.push(0x80 | 126);
            f.extend((n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend((n as u64).to_be_bytes());
        }
    }
    f.extend(key);
    let mut p = payload.to_vec();
    apply_mask(&mut p, key, 0);
    f.extend(p);
    f
}

fn close_code_of(out: &[u8]) -> u16 {
    assert_eq!(out[0], 0x88, "a Close frame: {out:02x?}");
    u16::from_be_bytes([out[2], out[3]])
}

#[test]
fn protocol_errors_end_with_their_codes() {
    let cfg = Config::default;
    let cases: Vec<(Vec<u8>, ErrorKind, u16)> = vec![
        (
            vec![0x83, 0x80, 0, 0, 0, 0],
            ErrorKind::ReservedOpcode,
            1002,
        ),
        (vec![0xC1, 0x80], ErrorKind::ReservedBits, 1002),
        (
            vec![0x81, 0x05, b'H', b'e', b'l', b'l', b'o'],
            ErrorKind::UnmaskedFrame,
            1002,
        ),
        (
            client_frame(0x09, b""),
            ErrorKind::FragmentedControlFrame,
            1002,
        ),
        (
            client_frame(0x89, &[0; 126]),
            ErrorKind::ControlFrameTooLong,
            1002,
        ),
        (
            client_frame(0x80, b"x"),
            ErrorKind::UnexpectedContinuation,
            1002,
        ),
        (
            [client_frame(0x01, b"a"), client_frame(0x81, b"b")].concat(),
            ErrorKind::ExpectedContinuation,
            1002,
        ),
        (
            client_frame(0x88, &[3]),
            ErrorKind::InvalidClosePayload,
            1002,
        ),
        (
            client_frame(0x88, &1005u16.to_be_bytes()),
            ErrorKind::InvalidCloseCode,
            1002,
        ),
        (
            client_frame(0x88, &2999u16.to_be_bytes()),
            ErrorKind::InvalidCloseCode,
            1002,
        ),
        (
            client_frame(0x88, b"\x03\xe8\xff"),
            ErrorKind::InvalidCloseReason,
            1007,
        ),
        (
            client_frame(
                0x81,
                b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
            ),
            ErrorKind::InvalidUtf8,
            1007,
        ),
        (
            client_frame(0x81, b"ab\xe2\x82"),
            ErrorKind::InvalidUtf8,
            1007,
        ),
        (
            [client_frame(0x01, b"\xe2\x82"), client_frame(0x80, b"a")].concat(),
            ErrorKind::InvalidUtf8,
            1007,
        ),
    ];
    for (bytes, kind, code) in cases {
        let (got, out) = server_fails_on(&bytes, cfg());
        assert_eq!(got, kind, "{bytes:02x?}");
        assert_eq!(close_code_of(&out), code, "{kind:?}");
    }
    let mut small = Config::default();
    small.max_frame_size = 100;
    small.max_message_size = 150;
    small.max_fragments = 3;
    for (bytes, kind) in [
        (client_frame(0x82, &[0; 101]), ErrorKind::FrameTooLarge),
        (
            [client_frame(0x02, &[0; 100]), client_frame(0x80, &[0; 51])].concat(),
            ErrorKind::MessageTooLarge,
        ),
        (
            (0..4)
                .flat_map(|_| client_frame(0x00, b""))
                .collect::<Vec<u8>>(),
            ErrorKind::UnexpectedContinuation,
        ),
        (
            [
                client_frame(0x02, b""),
                client_frame(0x00, b""),
                client_frame(0x00, b""),
                client_frame(0x00, b""),
            ]
            .concat(),
            ErrorKind::TooManyFragments,
        ),
    ] {
        let (got, out) = server_fails_on(&bytes, small.clone());
        assert_eq!(got, kind);
        assert_eq!(
            close_code_of(&out),
            if kind == ErrorKind::UnexpectedContinuation {
                1002
            } else {
                1009
            }
        );
    }
}

#[test]
fn invalid_utf8_fails_before_the_frame_ends() {
    // Autobahn 6.4.x: the bad bytes arrive first, the rest of the frame later.
    let mut server = Conn::server(Config::default(), Extensions::default());
    let frame = client_frame(
        0x81,
        &[
            b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80".as_slice(),
            &[b'a'; 1000],
        ]
        .concat(),
    );
    let e = server
        .handle_input(Instant::ZERO, &frame[..21])
        .unwrap_err();
    assert_eq!(e.close_code(), 1007);
    // Also in a fragment of a fragmented message, before its last frame.
    let mut server = Conn::server(Config::default(), Extensions::default());
    let first = client_frame(0x01, "κόσμε".as_bytes());
    let bad = client_frame(0x00, b"\xed\xa0\x80");
    assert!(server.handle_input(Instant::ZERO, &first).is_ok());
    assert_eq!(
        server.handle_input(Instant::ZERO, &bad).unwrap_err().kind(),
        ErrorKind::InvalidUtf8
    );
}

#[test]
fn after_an_error_the_peers_close_ends_the_connection() {
    let mut p = plain();
    // Invalid UTF-8 keeps the framing: the client's answering Close is read.
    let bad = client_frame(0x81, b"\xff");
    let e = p.server.handle_input(Instant::ZERO, &bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidUtf8);
    assert!(!p.server.is_closed());
    assert!(p.server.poll_timeout().is_some());
    assert_eq!(p.server.send_text("x"), Err(UsageError::Closed));
    p.drive();
    assert_eq!(
        p.take_client_events(),
        [
            Ev::Close(Some(1007), b"text is not UTF-8".to_vec()),
            Ev::Closed
        ]
    );
    assert_eq!(p.take_server_events(), [Ev::Closed]);
    assert!(p.server.is_closed() && p.client.is_closed());
    assert_eq!(p.server.error().map(|e| e.close_code()), Some(1007));

    // A broken header loses the framing: only the timer ends it.
    let mut server = Conn::server(Config::default(), Extensions::default());
    let e = server
        .handle_input(
            Instant::ZERO,
            &[0x83, 0x80, 0, 0, 0, 0, 0x88, 0x80, 0, 0, 0, 0],
        )
        .unwrap_err();
    assert_eq!(e.close_code(), 1002);
    assert_eq!(close_code_of(&take_output(&mut server)), 1002);
    assert!(!server.is_closed());
    let deadline = server.poll_timeout().unwrap();
    assert!(
        server.handle_timeout(deadline).is_ok(),
        "the error was reported already"
    );
    assert!(server.is_closed());
    assert_eq!(events(&mut server), [Ev::Closed]);
}

#[test]
fn decompression_bombs_close_with_1009() {
    let params = DeflateParams::default();
    let mut client = Conn::client(Config::default(), deflate(params), seeded_masks(5));
    client.send_binary(&vec![0u8; 4 << 20]).unwrap();
    let wire = take_output(&mut client);
    assert!(wire.len() < 64 << 10, "{}", wire.len());
    let mut config = Config::default();
    config.max_message_size = 1 << 20;
    let mut server = Conn::server(config, deflate(params));
    let (evs, err) = feed(&mut server, Instant::ZERO, &wire, 1000);
    assert!(evs.is_empty());
    assert_eq!(
        err.map(|e| (e.kind(), e.close_code())),
        Some((ErrorKind::DecompressedTooLarge, 1009))
    );
    // Invalid DEFLATE data is 1007.
    let mut server = Conn::server(Config::default(), deflate(params));
    let (_, err) = feed(
        &mut server,
        Instant::ZERO,
        &client_frame(0xC2, &[0xff, 0xff, 0xff]),
        100,
    );
    assert_eq!(err.map(|e| e.close_code()), Some(1007));
}

#[test]
fn output_queue_limit() {
    let mut config = Config::default();
    config.max_write_buffer = 1000;
    let mut server = Conn::server(config, Extensions::default());
    // A message is always taken when nothing is queued.
    server.send_binary(&[0; 5000]).unwrap();
    assert_eq!(server.send_binary(&[0; 10]), Err(UsageError::OutputFull));
    let n = server.poll_transmit().unwrap().len();
    server.advance_transmit(n);
    server.send_binary(&[0; 10]).unwrap();
    server.send_binary(&[0; 900]).unwrap();
    assert_eq!(server.ping(&[0; 100]), Err(UsageError::OutputFull));
    // The closing handshake is never refused for room.
    server.close(1000, "").unwrap();
}

/// A client's output stream with every kind of frame, for the split test.
fn mixed_stream(deflated: bool, seed: u64) -> Vec<u8> {
    let ext = if deflated {
        deflate(DeflateParams::default())
    } else {
        Extensions::default()
    };
    let mut c = Conn::client(Config::default(), ext, seeded_masks(seed));
    let t = text(5000);
    c.send_text(&t[..1200]).unwrap();
    c.send_binary(&binary(300)).unwrap();
    c.ping(b"p").unwrap();
    c.send_fragment(MessageKind::Text, &t.as_bytes()[..10], false)
        .unwrap();
    c.pong(b"q").unwrap();
    c.send_fragment(MessageKind::Text, &t.as_bytes()[10..1000], true)
        .unwrap();
    c.send_binary(&binary(70_000)).unwrap();
    c.send_text("").unwrap();
    c.close(1000, "end").unwrap();
    take_output(&mut c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any split of the input gives the same events (RFC 6455 says nothing of
    /// TCP segment boundaries; neither may the machine).
    #[test]
    fn any_split_gives_the_same_events(
        deflated: bool,
        seed in 1u64..1000,
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let wire = mixed_stream(deflated, seed);
        let ext = if deflated { deflate(DeflateParams::default()) } else { Extensions::default() };
        let mut whole = Conn::server(Config::default(), ext);
        let (want, err) = feed(&mut whole, Instant::ZERO, &wire, usize::MAX);
        prop_assert!(err.is_none());
        prop_assert_eq!(want.len(), 9);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut split = Conn::server(Config::default(), ext);
        let mut got = Vec::new();
        let mut start = 0;
        for c in cuts.into_iter().chain([wire.len()]) {
            let (evs, err) = feed(&mut split, Instant::ZERO, &wire[start..c], usize::MAX);
            prop_assert!(err.is_none());
            got.extend(evs);
            start = c;
        }
        prop_assert_eq!(got, want);
        prop_assert_eq!(take_output(&mut split), take_output(&mut whole));
    }

    /// Masking twice with the same key is the identity, at any offset and in any pieces.
    #[test]
    fn mask_then_unmask_is_the_identity(
        data in prop::collection::vec(any::<u8>(), 0..3000),
        key: [u8; 4],
        offset in 0u64..1000,
        cut in any::<prop::sample::Index>(),
    ) {
        let mut v = data.clone();
        apply_mask(&mut v, key, offset);
        let at = cut.index(v.len() + 1);
        let (a, b) = v.split_at_mut(at);
        apply_mask(a, key, offset);
        apply_mask(b, key, offset + at as u64);
        prop_assert_eq!(v, data);
    }
}
