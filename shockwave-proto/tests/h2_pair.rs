//! A client and a server machine wired together in memory.

mod h2_support;

use h2_support::*;
use shockwave_proto::h2::{ErrorCode, StreamId};

fn get(pair: &mut Pair, path: &str) -> StreamId {
    pair.client
        .send_request(
            b"GET",
            b"https",
            b"example.com",
            path.as_bytes(),
            None,
            fields(&[("accept", "*/*")]),
            true,
        )
        .unwrap()
}

#[test]
fn get_and_response() {
    let mut pair = Pair::default_pair();
    let id = get(&mut pair, "/hello");
    let mut server_log = Vec::new();
    let mut client_log = Vec::new();
    pair.run(
        |s, ev| {
            if let SEv::Request { stream, .. } = &ev {
                let id = StreamId::new(*stream);
                s.send_response(id, 200, fields(&[("content-type", "text/plain")]), false)
                    .unwrap();
                assert_eq!(s.send_data(id, b"hello world", true).unwrap(), 11);
            }
            server_log.push(ev);
        },
        |c, ev| {
            if let CEv::Data { stream, data, .. } = &ev {
                c.release_data(StreamId::new(*stream), data.len()).unwrap();
            }
            client_log.push(ev);
        },
    );
    assert_eq!(
        server_log,
        vec![SEv::Request {
            stream: 1,
            method: b"GET".to_vec(),
            path: Some(b"/hello".to_vec()),
            authority: Some(b"example.com".to_vec()),
            protocol: None,
            fields: fields(&[("accept", "*/*")]),
            end: true,
        }]
    );
    assert_eq!(
        client_log,
        vec![
            CEv::Settings,
            CEv::Response {
                stream: id.value(),
                status: 200,
                fields: fields(&[("content-type", "text/plain")]),
                end: false
            },
            CEv::Data {
                stream: 1,
                data: b"hello world".to_vec(),
                end: true
            },
        ]
    );
    assert_eq!(pair.server.active_streams(), 0);
    assert_eq!(pair.client.active_streams(), 0);
    assert!(!pair.server.is_closed());
    let _ = ErrorCode::NO_ERROR;
}
