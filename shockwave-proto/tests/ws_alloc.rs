//! Zero allocations per message in steady state: a counting global allocator
//! around a warmed client/server pair exchanging uncompressed messages both
//! ways, text and binary, some fragmented with pings between the fragments.

use shockwave_proto::Instant;
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::{Config, Conn, Event, MessageKind};
use shockwave_testkit::{Counting, allocations_in, assert_counter_counts};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    assert_counter_counts();
}

const TEXT: &str =
    "Zero allocations per message: κόσμε, €, 😀. The quick brown fox jumps over the lazy dog. ";
static BINARY: [u8; 8192] = {
    let mut b = [0u8; 8192];
    let mut i = 0;
    while i < b.len() {
        b[i] = (i * 7 + 3) as u8;
        i += 1;
    }
    b
};

/// What one side saw: messages by kind, payload bytes, pings and pongs.
#[derive(Default, Debug, PartialEq, Eq)]
struct Seen {
    text: usize,
    binary: usize,
    bytes: usize,
    pings: usize,
    pongs: usize,
}

fn note(seen: &mut Seen, e: Event<'_>) {
    match e {
        Event::MessageReceived { kind, payload } => {
            match kind {
                MessageKind::Text => {
                    assert!(payload.starts_with(b"Zero allocations"));
                    seen.text += 1;
                }
                MessageKind::Binary => {
                    assert_eq!(payload, &BINARY[..payload.len()]);
                    seen.binary += 1;
                }
            }
            seen.bytes += payload.len();
        }
        Event::PingReceived(_) => seen.pings += 1,
        Event::PongReceived(_) => seen.pongs += 1,
        other => panic!("unexpected {other:?}"),
    }
}

/// Moves everything `from` has queued into `to` with the copying input,
/// polling `to`'s events as they come.
fn pump_copying(from: &mut Conn, to: &mut Conn, seen: &mut Seen) {
    while let Some(out) = from.poll_transmit() {
        let taken = to.handle_input(Instant::ZERO, out).expect("valid frames");
        from.advance_transmit(taken);
        while let Some(e) = to.poll_event() {
            note(seen, e);
        }
    }
}

/// The same with the zero-copy input: `from`'s bytes read into `to`'s buffer.
fn pump_in_place(from: &mut Conn, to: &mut Conn, seen: &mut Seen) {
    while let Some(out) = from.poll_transmit() {
        let room = to.input_buf();
        let n = room.len().min(out.len());
        room[..n].copy_from_slice(&out[..n]);
        to.input_filled(Instant::ZERO, n).expect("valid frames");
        from.advance_transmit(n);
        while let Some(e) = to.poll_event() {
            note(seen, e);
        }
    }
}

/// One round: messages both ways, every fourth round a fragmented one each way.
fn round(
    i: usize,
    client: &mut Conn,
    server: &mut Conn,
    at_server: &mut Seen,
    at_client: &mut Seen,
) {
    client.send_text(TEXT).unwrap();
    client.send_binary(&BINARY[..(i * 131) % 4096]).unwrap();
    server.send_text(&TEXT[..TEXT.len() - 1]).unwrap();
    server.send_binary(&BINARY).unwrap();
    if i.is_multiple_of(4) {
        let t = TEXT.as_bytes();
        client
            .send_fragment(MessageKind::Text, &t[..20], false)
            .unwrap();
        client.ping(b"ping").unwrap();
        // Cut inside a character.
        let cut = TEXT.find('κ').unwrap() + 1;
        client
            .send_fragment(MessageKind::Text, &t[20..cut], false)
            .unwrap();
        client
            .send_fragment(MessageKind::Text, &t[cut..], true)
            .unwrap();
        server
            .send_fragment(MessageKind::Binary, &BINARY[..1000], false)
            .unwrap();
        server
            .send_fragment(MessageKind::Binary, &BINARY[1000..3000], true)
            .unwrap();
    }
    pump_copying(client, server, at_server);
    pump_in_place(server, client, at_client);
    // The automatic pongs go back.
    pump_copying(server, client, at_client);
}

#[test]
fn steady_state_messages_do_not_allocate() {
    assert!(
        allocations_in(|| drop(std::hint::black_box(vec![0u8; 16]))) >= 1,
        "the counter counts"
    );

    let mut counter = 0u32;
    let masks = Box::new(move || {
        counter = counter.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        counter.to_le_bytes()
    });
    let mut client = Conn::client(Config::default(), Extensions::default(), masks);
    let mut server = Conn::server(Config::default(), Extensions::default());
    let (mut at_server, mut at_client) = (Seen::default(), Seen::default());

    // Warm-up: the same rounds, so every buffer reaches its working size.
    for i in 0..1000 {
        round(i, &mut client, &mut server, &mut at_server, &mut at_client);
    }
    let (mut at_server, mut at_client) = (Seen::default(), Seen::default());
    let allocations = allocations_in(|| {
        for i in 0..1000 {
            round(i, &mut client, &mut server, &mut at_server, &mut at_client);
        }
    });
    // 1,000 rounds: 2 messages each way, plus a fragmented one each way every fourth round.
    assert_eq!(
        (at_server.text, at_server.binary, at_server.pings),
        (1250, 1000, 250)
    );
    assert_eq!(
        (at_client.text, at_client.binary, at_client.pongs),
        (1000, 1250, 250)
    );
    assert_eq!(allocations, 0, "allocations over 4,500 messages");
    assert!(!client.is_closed() && !server.is_closed());
}
