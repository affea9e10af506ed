//! The hpack-test-case corpus through the connection: every request story of
//! every implementation's encoder is one connection, each block a request on
//! its own stream. A request that carries a connection-specific field (the
//! recorded browsers sent `connection`) is malformed and reset, yet its block
//! still updates the dynamic table (RFC 9113 section 4.3), so every later
//! request of the story must decode to exactly its recorded fields.

use shockwave_proto::h2::ErrorCode;

use crate::hpack_support::{Case, corpus_or_skip, implementations, stories};
use crate::peer::*;

/// RFC 9113 section 8.2.2: the fields that make a request malformed.
fn connection_specific(case: &Case) -> bool {
    case.headers.iter().any(|(n, v)| {
        matches!(
            n.as_slice(),
            b"connection" | b"keep-alive" | b"proxy-connection" | b"transfer-encoding" | b"upgrade"
        ) || (n == b"te" && v != b"trailers")
    })
}

/// Whether the story's blocks are requests.
fn is_request(case: &Case) -> bool {
    case.headers.iter().any(|(n, _)| n == b":method")
}

#[test]
fn rfc7541_corpus_request_stories_through_the_connection() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    let (mut requests, mut refused) = (0, 0);
    for implementation in implementations(&corpus) {
        for story in stories(&corpus, &implementation) {
            if !story.cases.first().is_some_and(is_request) || story.cases[0].wire.is_none() {
                continue;
            }
            let table = story
                .cases
                .iter()
                .filter_map(|c| c.header_table_size)
                .fold(4096, usize::max);
            let config = config(|c| {
                c.header_table_size = table as u32;
                // Recorded browser traffic, not an attack: the request count
                // and its resets stay clear of the flood budgets and limits.
                c.max_resets_per_window = 100_000;
                c.max_header_list_size = 1 << 20;
                c.max_header_block_size = 1 << 20;
            });
            let mut p = Peer::connected_with(config, &[]);
            for (i, case) in story.cases.iter().enumerate() {
                let stream = 1 + 2 * i as u32;
                let wire = case.wire.as_ref().expect("an encoded block");
                p.send(&headers(stream, wire, true));
                let at = format!("{} case {i}", story.name);
                if connection_specific(case) {
                    refused += 1;
                    assert!(!p.has_request(stream), "{at}: malformed request reported");
                    let rst = p
                        .take(|f| f.kind == ty::RST_STREAM && f.stream == stream)
                        .unwrap_or_else(|| panic!("{at}: not reset"));
                    assert_eq!(rst.error_code(), ErrorCode::PROTOCOL_ERROR, "{at}");
                    p.events.clear();
                    continue;
                }
                requests += 1;
                let Ev::Request {
                    method,
                    path,
                    fields,
                    ..
                } = p.expect_request(stream).clone()
                else {
                    unreachable!()
                };
                let pseudo = |name: &[u8]| {
                    case.headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                };
                assert_eq!(Some(method), pseudo(b":method"), "{at}");
                assert_eq!(path, pseudo(b":path"), "{at}");
                let regular: OwnedFields = case
                    .headers
                    .iter()
                    .filter(|(n, _)| !n.starts_with(b":"))
                    .cloned()
                    .collect();
                assert_eq!(fields, regular, "{at}");
                p.respond(stream, None);
                p.frames.clear();
                p.events.clear();
            }
            p.assert_no_error();
        }
    }
    // The corpus as shipped: 9 encoders' request stories, in which the recorded
    // browsers sent `connection` on all but 40 requests.
    assert_eq!((requests, refused), (40, 2752));
}
