//! h2spec's `generic` group: the valid forms of every frame and representation
//! a server must accept, each followed by a response that decodes.

use shockwave_proto::h2::ErrorCode;

use crate::peer::*;

/// The application answers `stream` and the response arrives whole.
fn served(p: &mut Peer, stream: u32) {
    p.respond(stream, Some(b"ok"));
    let r = p.take_response(stream);
    assert_eq!(r.status, 200);
    let (sizes, end) = p.take_data(stream);
    assert_eq!((sizes.iter().sum::<usize>(), end), (2, true));
    p.assert_no_error();
}

/// The regular fields of the request on `stream`.
fn fields_of(p: &Peer, stream: u32) -> OwnedFields {
    match p.expect_request(stream) {
        Ev::Request { fields, .. } => fields.clone(),
        other => panic!("{other:?}"),
    }
}

/// h2spec generic/3.1: one DATA frame, several, and padded ones make one body.
#[test]
fn generic_3_1_data_frames() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&data(1, b"one ", false));
    p.send(&frame(ty::DATA, fl::PADDED, 1, b"\x04two \0\0\0\0"));
    p.send(&data(1, b"three", true));
    assert_eq!(p.body(1), (b"one two three".to_vec(), true));
    served(&mut p, 1);
}

/// h2spec generic/3.2: HEADERS plain, padded, and with priority fields.
#[test]
fn generic_3_2_headers_frames() {
    let mut p = Peer::connected();
    let block = get_block_with(&[]);
    p.send(&headers(1, &block, true));
    let mut padded = vec![5];
    padded.extend_from_slice(&block);
    padded.extend_from_slice(&[0; 5]);
    p.send(&frame(
        ty::HEADERS,
        fl::END_HEADERS | fl::END_STREAM | fl::PADDED,
        3,
        &padded,
    ));
    let mut prioritized = priority_fields(0, false, 255).to_vec();
    prioritized.extend_from_slice(&block);
    p.send(&frame(
        ty::HEADERS,
        fl::END_HEADERS | fl::END_STREAM | fl::PRIORITY,
        5,
        &prioritized,
    ));
    for stream in [1, 3, 5] {
        served(&mut p, stream);
    }
}

/// h2spec generic/3.3: PRIORITY with the lowest and highest weights, a
/// dependency, and an exclusive dependency.
#[test]
fn generic_3_3_priority_frames() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&priority(1, 0, false, 0));
    p.send(&priority(1, 0, false, 255));
    p.send(&priority(3, 1, false, 15));
    p.send(&priority(5, 1, true, 15));
    p.send(&data(1, b"x", true));
    served(&mut p, 1);
}

/// h2spec generic/3.4: RST_STREAM on an open stream ends it alone.
#[test]
fn generic_3_4_rst_stream_frame() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&rst_stream(1, ErrorCode::CANCEL));
    assert!(p.events.contains(&Ev::Reset {
        stream: 1,
        code: ErrorCode::CANCEL,
        by_peer: true
    }));
    p.get(3);
    served(&mut p, 3);
}

/// h2spec generic/3.5: SETTINGS with each defined parameter at a valid value
/// is acknowledged, and the values apply.
#[test]
fn generic_3_5_settings_frames() {
    let mut p = Peer::connected();
    for (id, value) in [
        (set::HEADER_TABLE_SIZE, 4096),
        (set::ENABLE_PUSH, 0),
        (set::MAX_CONCURRENT_STREAMS, 100),
        (set::INITIAL_WINDOW_SIZE, 65_535),
        (set::MAX_FRAME_SIZE, 16_384),
        (set::MAX_HEADER_LIST_SIZE, 65_535),
    ] {
        p.send(&settings(&[(id, value)]));
        let ack = p.take(|f| f.kind == ty::SETTINGS).expect("SETTINGS ACK");
        assert!(ack.has(fl::ACK) && ack.payload.is_empty());
    }
    let peer = p.conn.peer_settings();
    assert!(!peer.enable_push);
    assert_eq!(peer.max_concurrent_streams, Some(100));
    assert_eq!(peer.max_header_list_size, Some(65_535));
    p.get(1);
    served(&mut p, 1);
}

/// h2spec generic/3.7, 3.8, 3.9: PING, GOAWAY from the client, and
/// WINDOW_UPDATE on the connection and on a stream.
#[test]
fn generic_3_7_to_3_9_ping_goaway_window_update() {
    let mut p = Peer::connected();
    p.get(1);
    p.send(&window_update(0, 1));
    p.send(&window_update(1, 1));
    p.assert_alive();
    p.send(&goaway(0, ErrorCode::NO_ERROR));
    // The stream in flight is still answered; with nothing left to do after
    // it, the server may close.
    p.respond(1, None);
    assert_eq!(p.take_response(1).status, 200);
    p.assert_no_reset();
}

/// h2spec generic/3.10: HEADERS followed by one CONTINUATION, and by several.
#[test]
fn generic_3_10_continuation_frames() {
    let mut p = Peer::connected();
    let block = get_block_with(&[(b"x-a", b"1")]);
    p.send(&frame(ty::HEADERS, fl::END_STREAM, 1, &block[..8]));
    p.send(&continuation(1, &block[8..], true));
    let mut parts = block.chunks(3);
    p.send(&frame(
        ty::HEADERS,
        fl::END_STREAM,
        3,
        parts.next().unwrap(),
    ));
    let rest: Vec<&[u8]> = parts.collect();
    for (i, part) in rest.iter().enumerate() {
        p.send(&continuation(3, part, i + 1 == rest.len()));
    }
    for stream in [1, 3] {
        assert_eq!(
            fields_of(&p, stream),
            vec![(b"x-a".to_vec(), b"1".to_vec())]
        );
        served(&mut p, stream);
    }
}

/// h2spec generic/4: GET, HEAD, POST, and POST with trailers.
#[test]
fn generic_4_http_methods() {
    let mut p = Peer::connected();
    p.get(1);
    let head = p.request_block(b"HEAD", b"/", &[]);
    p.send(&headers(3, &head, true));
    p.post(5, &[(b"content-length", b"4")]);
    p.send(&data(5, b"body", true));
    p.post(7, &[(b"te", b"trailers")]);
    p.send(&data(7, b"body", false));
    p.send(&headers(7, &literal_block(&[(b"x-trailer", b"yes")]), true));
    assert!(p.events.contains(&Ev::Trailers {
        stream: 7,
        fields: vec![(b"x-trailer".to_vec(), b"yes".to_vec())]
    }));
    for stream in [1, 5, 7] {
        served(&mut p, stream);
    }
    p.respond(3, None);
    assert_eq!(p.take_response(3).status, 200);
}

/// h2spec generic/5: every HPACK representation a client may use: indexed
/// (static), literals with incremental indexing, without indexing and never
/// indexed, each with an indexed and a new name, a size update, and Huffman.
#[test]
fn generic_5_hpack_representations() {
    let mut p = Peer::connected();
    let mut block = vec![0x82, 0x86, 0x84]; // :method GET, :scheme http, :path /
    block.push(0x41); // :authority (static 1), incremental indexing
    hpack_string(&mut block, b"example.com");
    block.push(0x40); // new name, incremental indexing
    hpack_string(&mut block, b"x-inc");
    hpack_string(&mut block, b"1");
    block.push(0x0f); // accept (static 19), without indexing: 15 + 4
    block.push(0x04);
    hpack_string(&mut block, b"*/*");
    block.push(0x00); // new name, without indexing
    hpack_string(&mut block, b"x-lit");
    hpack_string(&mut block, b"2");
    block.push(0x1f); // user-agent (static 58), never indexed: 15 + 43
    block.push(0x2b);
    hpack_string(&mut block, b"h2spec");
    block.push(0x10); // new name, never indexed
    hpack_string(&mut block, b"x-never");
    hpack_string(&mut block, b"3");
    block.push(0x00); // new name, Huffman value "a" (00011 + 111 padding)
    hpack_string(&mut block, b"x-huff");
    block.extend_from_slice(&[0x81, 0x1f]);
    p.send(&headers(1, &block, true));
    assert_eq!(
        fields_of(&p, 1),
        vec![
            (b"x-inc".to_vec(), b"1".to_vec()),
            (b"accept".to_vec(), b"*/*".to_vec()),
            (b"x-lit".to_vec(), b"2".to_vec()),
            (b"user-agent".to_vec(), b"h2spec".to_vec()),
            (b"x-never".to_vec(), b"3".to_vec()),
            (b"x-huff".to_vec(), b"a".to_vec()),
        ]
    );
    served(&mut p, 1);
    // A size update to 0 empties the table; the next block starts over.
    let mut next = vec![0x20, 0x82, 0x86, 0x84];
    next.push(0x41);
    hpack_string(&mut next, b"example.com");
    p.send(&headers(3, &next, true));
    assert!(fields_of(&p, 3).is_empty());
    served(&mut p, 3);
}
