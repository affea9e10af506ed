//! The native handler path allocates nothing per request in steady state,
//! over HTTP/1.1 and over HTTP/2 (h2c prior knowledge, our own client machine):
//! a warmed keep-alive connection serves 1,000 requests (GET and a streamed
//! POST echo) on a current-thread runtime, with a client in the same runtime
//! that reuses its buffers, while a counting allocator watches this thread.

use shockwave_testkit::{Counting, assert_counter_counts, start_counting, stop_counting};
use shockwave_tokio::server::{Reference, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[global_allocator]
static GLOBAL: Counting = Counting;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const POST: &[u8] =
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\n\r\n0123456789abcdef0123456789abcdef";
const POST_CHUNKED: &[u8] = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";

/// Reads one response into `buf` without allocating; returns its body.
async fn response<'b>(stream: &mut TcpStream, buf: &'b mut [u8]) -> &'b [u8] {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buf[filled..]).await.unwrap();
        assert!(n > 0, "server closed");
        filled += n;
        let data = &buf[..filled];
        let Some(head_end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = &data[..head_end];
        let body_start = head_end + 4;
        if let Some(len) = find_value(head, b"content-length: ") {
            let len: usize = parse_usize(len);
            if filled >= body_start + len {
                assert_eq!(filled, body_start + len, "one response at a time");
                return &buf[body_start..body_start + len];
            }
        } else if data.ends_with(b"0\r\n\r\n") {
            return &buf[body_start..filled];
        }
    }
}

fn find_value<'a>(head: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let i = head.windows(name.len()).position(|w| w == name)?;
    let rest = &head[i + name.len()..];
    let end = rest.iter().position(|&b| b == b'\r').unwrap_or(rest.len());
    Some(&rest[..end])
}

fn parse_usize(s: &[u8]) -> usize {
    s.iter().fold(0, |n, &d| n * 10 + usize::from(d - b'0'))
}

async fn exchange(stream: &mut TcpStream, buf: &mut [u8], i: usize) {
    match i % 3 {
        0 => {
            stream.write_all(GET).await.unwrap();
            assert_eq!(response(stream, buf).await, b"Hello from Shockwave!\n");
        }
        1 => {
            stream.write_all(POST).await.unwrap();
            assert_eq!(response(stream, buf).await, &POST[POST.len() - 32..]);
        }
        _ => {
            stream.write_all(POST_CHUNKED).await.unwrap();
            let body = response(stream, buf).await;
            assert!(body.ends_with(b"0\r\n\r\n"));
        }
    }
}

#[test]
fn native_keep_alive_requests_allocate_nothing() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addrs()[0].0;
        tokio::spawn(server.serve_handler(Reference));
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut buf = vec![0u8; 8192];

        // Warm up: buffers reach their steady sizes, tokio's queues their capacity.
        for i in 0..300 {
            exchange(&mut stream, &mut buf, i).await;
        }

        // The counter sees this thread's allocations.
        assert_counter_counts();

        start_counting();
        for i in 0..1000 {
            exchange(&mut stream, &mut buf, i).await;
        }
        let counted = stop_counting();
        let (allocs, bytes) = (counted.allocations, counted.bytes);
        println!("1000 keep-alive requests: {allocs} allocations, {bytes} bytes");
        assert_eq!(allocs, 0, "{bytes} bytes allocated over 1000 requests");
    });
}

/// One HTTP/2 exchange with our own client machine over the socket: GET /
/// or POST /echo, four streams at a time; returns when all four ended.
async fn h2_round(
    stream: &mut TcpStream,
    client: &mut shockwave_proto::h2::ClientConn,
    round: usize,
) {
    use shockwave_proto::h2::ClientEvent;
    const BODY: &[u8] = b"0123456789abcdef0123456789abcdef";
    let mut open = 0;
    for k in 0..4 {
        let post = (round + k) % 2 == 1;
        let method: &[u8] = if post { b"POST" } else { b"GET" };
        let path: &[u8] = if post { b"/echo" } else { b"/" };
        let id = client
            .send_request(
                method,
                b"http",
                b"x",
                path,
                None,
                [(b"content-length", b"32")].into_iter().filter(|_| post),
                !post,
            )
            .unwrap();
        if post {
            assert_eq!(client.send_data(id, BODY, true).unwrap(), BODY.len());
        }
        open += 1;
    }
    let now = shockwave_tokio::time::to_machine(tokio::time::Instant::now());
    while open > 0 {
        while let Some(out) = client.poll_transmit() {
            let n = out.len();
            stream.write_all(out).await.unwrap();
            client.advance_transmit(n);
        }
        let buf = client.input_buf();
        let n = stream.read(buf).await.unwrap();
        assert!(n > 0, "server closed");
        client.input_filled(now, n).unwrap();
        while let Some(event) = client.poll_event() {
            let (id, len, end) = match event {
                ClientEvent::ResponseReceived {
                    stream,
                    end_stream,
                    response,
                } => {
                    assert_eq!(response.status(), 200);
                    (stream, 0, end_stream)
                }
                ClientEvent::DataReceived {
                    stream,
                    data,
                    end_stream,
                } => {
                    assert!(data == &b"Hello from Shockwave!\n"[..] || data == BODY);
                    (stream, data.len(), end_stream)
                }
                ClientEvent::SettingsReceived => continue,
                other => panic!("unexpected {other:?}"),
            };
            if len > 0 {
                client.release_data(id, len).unwrap();
            }
            if end {
                open -= 1;
            }
        }
    }
}

#[test]
fn native_h2_requests_allocate_nothing() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addrs()[0].0;
        tokio::spawn(server.serve_handler(Reference));
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let start = shockwave_tokio::time::to_machine(tokio::time::Instant::now());
        let mut client = shockwave_proto::h2::ClientConn::with_start(Default::default(), start);

        // Warm up: stream slots, scratch buffers, HPACK tables and tokio's queues.
        for round in 0..100 {
            h2_round(&mut stream, &mut client, round).await;
        }

        start_counting();
        for round in 0..250 {
            h2_round(&mut stream, &mut client, round).await;
        }
        let counted = stop_counting();
        let (allocs, bytes) = (counted.allocations, counted.bytes);
        println!("1000 HTTP/2 requests (4 streams at a time): {allocs} allocations, {bytes} bytes");
        assert_eq!(
            allocs, 0,
            "{bytes} bytes allocated over 1000 HTTP/2 requests"
        );
    });
}
