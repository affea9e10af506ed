//! The loop end to end: the `hello` example served on 127.0.0.1:0, driven by
//! plain `std::net::TcpStream` clients (and curl, when installed).

#[allow(dead_code)]
#[path = "../examples/hello.rs"]
mod hello;

mod common;

use std::io::{BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{TestServer, at_eof, client, connect, get, pattern, read_response, request};
use shockwave_mio::shockwave_proto::h1::Config;
use shockwave_mio::shockwave_proto::h1::server::ServerEvent;
use shockwave_mio::{H1App, Options};

const HELLO: &[u8] = b"Hello from Shockwave over mio\n";

fn hello_server() -> TestServer {
    TestServer::start(hello::Hello::default, Options::default())
}

fn hello_with(config: Config, options: Options) -> TestServer {
    TestServer::start(move || hello::Hello { config }, options)
}

fn post(path: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

#[test]
fn get_root() {
    let server = hello_server();
    let resp = get(server.addr, "/");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, HELLO);
    assert_eq!(resp.header("content-type"), Some("text/plain"));
    // set_unix_time is fed once per turn: the Date field is there.
    assert!(resp.header("date").is_some_and(|d| d.ends_with(" GMT")));
}

#[test]
fn unknown_path_is_404() {
    let server = hello_server();
    assert_eq!(get(server.addr, "/nope").status, 404);
    assert_eq!(
        request(
            server.addr,
            b"PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
        )
        .status,
        404
    );
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = hello_server();
    let (mut reader, mut writer) = client(server.addr);
    for i in 0..10 {
        if i % 2 == 0 {
            writer
                .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            let resp = read_response(&mut reader).unwrap();
            assert_eq!((resp.status, resp.body.as_slice()), (200, HELLO));
            assert!(!resp.closes());
        } else {
            let body = format!("request {i}");
            writer.write_all(&post("/echo", body.as_bytes())).unwrap();
            let resp = read_response(&mut reader).unwrap();
            assert_eq!((resp.status, resp.body), (200, body.into_bytes()));
        }
    }
}

#[test]
fn pipelined_requests_answered_in_order() {
    let server = hello_server();
    let stream = connect(server.addr);
    let mut all = Vec::new();
    for i in 0..16 {
        match i % 3 {
            0 => all.extend_from_slice(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
            1 => all.extend_from_slice(&post("/echo", format!("body #{i}").as_bytes())),
            _ => all.extend_from_slice(
                format!("GET /missing/{i} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
            ),
        }
    }
    // All 16 in one write: they arrive together and wait in the machine's buffer.
    (&stream).write_all(&all).unwrap();
    let mut reader = BufReader::new(stream);
    for i in 0..16 {
        let resp = read_response(&mut reader).unwrap();
        match i % 3 {
            0 => assert_eq!((resp.status, resp.body.as_slice()), (200, HELLO), "#{i}"),
            1 => assert_eq!(resp.body, format!("body #{i}").into_bytes(), "#{i}"),
            _ => assert_eq!(resp.status, 404, "#{i}"),
        }
    }
}

#[test]
fn echo_with_content_length() {
    let server = hello_server();
    let resp = request(server.addr, &post("/echo", b"hello, echo"));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-length"), Some("11"));
    assert_eq!(resp.body, b"hello, echo");

    let empty = request(server.addr, &post("/echo", b""));
    assert_eq!((empty.status, empty.body.len()), (200, 0));
}

#[test]
fn echo_chunked() {
    let server = hello_server();
    let resp = request(
        server.addr,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nx-trailer: y\r\n\r\n",
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
    assert_eq!(resp.body, b"hello, world");
}

#[test]
fn expect_continue_gets_100_then_the_echo_and_stays_open() {
    let server = hello_server();
    let (mut reader, mut writer) = client(server.addr);
    writer
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
        )
        .unwrap();
    let interim = read_response(&mut reader).unwrap();
    assert_eq!(interim.status, 100);
    writer.write_all(b"ping").unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!((resp.status, resp.body.as_slice()), (200, &b"ping"[..]));
    assert!(!resp.closes());
    writer
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader).unwrap().body, HELLO);
}

/// Sends `head` then `body` (chunked in 8 KiB pieces when `chunked`) from a
/// second thread while this one reads the echo: neither side can stall the
/// other, and the loop's backpressure is what keeps its memory bounded.
fn echo_large(chunked: bool) {
    const LEN: usize = 1 << 20;
    let server = hello_server();
    let body = pattern(LEN);
    let stream = connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let sent = body.clone();
    let send = thread::spawn(move || {
        if chunked {
            writer
                .write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap();
            for piece in sent.chunks(8 * 1024) {
                writer
                    .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .unwrap();
                writer.write_all(piece).unwrap();
                writer.write_all(b"\r\n").unwrap();
            }
            writer.write_all(b"0\r\n\r\n").unwrap();
        } else {
            writer.write_all(&post("/echo", &sent)).unwrap();
        }
    });
    let mut reader = BufReader::new(stream);
    let resp = read_response(&mut reader).unwrap();
    send.join().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.len(), LEN);
    assert!(resp.body == body, "echoed body differs");
    // The connection is still usable afterwards.
    reader
        .get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader).unwrap().body, HELLO);
}

#[test]
fn echo_one_mebibyte_content_length() {
    echo_large(false);
}

#[test]
fn echo_one_mebibyte_chunked() {
    echo_large(true);
}

#[test]
fn backpressure_stops_reading_when_the_application_does_not() {
    // An application that takes the request head and then never polls again:
    // the machine's buffer fills, `input_buf` empties, the loop stops reading,
    // and the peer's writes stall instead of the server buffering without bound.
    let server = TestServer::start(
        || {
            let mut seen_head = false;
            H1App::new(Config::default(), move |conn, _now| {
                while !seen_head {
                    match conn.poll_event() {
                        Some(ServerEvent::RequestReceived(_)) => seen_head = true,
                        Some(_) => {}
                        None => return,
                    }
                }
            })
        },
        Options::default(),
    );
    let s = connect(server.addr);
    s.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    const LEN: usize = 64 << 20;
    let mut req =
        format!("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {LEN}\r\n\r\n").into_bytes();
    req.resize(req.len() + LEN, b'x');
    let mut written = 0;
    let err = loop {
        match (&s).write(&req[written..]) {
            Ok(n) => written += n,
            Err(e) => break e,
        }
        assert!(
            written < req.len(),
            "all 64 MiB were taken: nothing held the peer back"
        );
    };
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    // What was taken is socket buffers plus one bounded machine buffer.
    assert!(written < 32 << 20, "{written} bytes taken");
}

#[test]
fn malformed_request_gets_400_and_close() {
    let server = hello_server();
    for raw in [
        &b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n"[..],
        b"NOT-HTTP\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    ] {
        let mut s = connect(server.addr);
        s.write_all(raw).unwrap();
        let mut reader = BufReader::new(s);
        let resp = read_response(&mut reader).unwrap();
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(raw));
        assert!(resp.closes());
        assert!(at_eof(&mut reader), "the connection closes after a 400");
    }
}

#[test]
fn error_response_survives_unread_input() {
    // Garbage after the bad head is still unread when the machine closes: the
    // loop lingers (shuts down writing, drains input) so no reset eats the 400.
    let server = hello_server();
    let s = connect(server.addr);
    let mut raw = b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b'x', 200_000));
    let writer = s.try_clone().unwrap();
    let send = thread::spawn(move || {
        let _ = (&writer).write_all(&raw);
    });
    let mut reader = BufReader::new(s.try_clone().unwrap());
    assert_eq!(read_response(&mut reader).unwrap().status, 400);
    send.join().unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    assert!(at_eof(&mut reader));
}

#[test]
fn peer_half_close_still_gets_its_response() {
    let server = hello_server();
    let s = connect(server.addr);
    (&s).write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut reader = BufReader::new(s);
    assert_eq!(read_response(&mut reader).unwrap().body, HELLO);
    assert!(at_eof(&mut reader));
}

#[test]
fn many_concurrent_connections() {
    const CLIENTS: usize = 64;
    const REQUESTS: usize = 20;
    let server = hello_server();
    let addr = server.addr;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            thread::spawn(move || {
                let (mut reader, mut writer) = client(addr);
                for r in 0..REQUESTS {
                    if r % 2 == 0 {
                        writer
                            .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                            .unwrap();
                        assert_eq!(read_response(&mut reader).unwrap().body, HELLO);
                    } else {
                        let body = format!("client {c} request {r}");
                        writer.write_all(&post("/echo", body.as_bytes())).unwrap();
                        assert_eq!(read_response(&mut reader).unwrap().body, body.as_bytes());
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
}

#[test]
fn max_connections_holds_new_peers_in_the_backlog() {
    let options = Options {
        max_connections: 2,
        ..Options::default()
    };
    let server = hello_with(Config::default(), options);
    let mut held = Vec::new();
    for _ in 0..2 {
        let s = connect(server.addr);
        (&s).write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let mut reader = BufReader::new(s.try_clone().unwrap());
        assert_eq!(read_response(&mut reader).unwrap().status, 200);
        held.push(s);
    }
    // The kernel completes the handshake, but the loop does not accept: no answer.
    let third = connect(server.addr);
    (&third)
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let err = (&third)
        .read(&mut byte)
        .expect_err("no response while at the limit");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    // One closes: its slot frees, and the waiting peer is accepted and answered.
    drop(held.pop());
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let resp = read_response(&mut BufReader::new(third)).unwrap();
    assert_eq!((resp.status, resp.body.as_slice()), (200, HELLO));
}

#[test]
fn idle_and_slow_connections_time_out() {
    let mut config = Config::default();
    config.keep_alive_timeout = Duration::from_millis(200);
    config.header_read_timeout = Duration::from_millis(300);
    let server = hello_with(config, Options::default());

    // Idle after a request: closed quietly.
    let s = connect(server.addr);
    (&s).write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(s);
    assert_eq!(read_response(&mut reader).unwrap().status, 200);
    let started = Instant::now();
    assert!(at_eof(&mut reader));
    assert!(started.elapsed() < Duration::from_secs(5));

    // A head that never ends: 408, then closed.
    let s = connect(server.addr);
    (&s).write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    let mut reader = BufReader::new(s);
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 408);
    assert!(at_eof(&mut reader));
}

#[test]
fn stop_ends_the_loop_and_closes_everything() {
    let server = hello_server();
    let addr = server.addr;
    let open = connect(addr);
    (&open)
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(open);
    assert_eq!(read_response(&mut reader).unwrap().status, 200);

    server.stop().expect("run returned Ok");
    assert!(at_eof(&mut reader), "open connections are closed");
    let refused = TcpStream::connect(addr);
    assert!(refused.is_err(), "the listener is closed");
}

/// Runs curl with `args`; its body output, or `None` (with a note) when curl
/// is not installed.
fn curl(args: &[&str]) -> Option<Vec<u8>> {
    let out = match Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            assert!(
                std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
                "curl is required (SHOCKWAVE_REQUIRE_PEERS)"
            );
            println!("note: curl is not installed; skipping the curl checks");
            return None;
        }
        Err(e) => panic!("running curl: {e}"),
    };
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

#[test]
fn curl_get_and_post() {
    let server = hello_server();
    let url = format!("http://{}", server.addr);
    let Some(body) = curl(&[&format!("{url}/")]) else {
        return;
    };
    assert_eq!(body, HELLO);

    // 2 MiB makes curl send `Expect: 100-continue`: the machine answers it.
    let body = pattern(2 << 20);
    let file = std::env::temp_dir().join(format!("shockwave-mio-curl-{}.bin", std::process::id()));
    std::fs::write(&file, &body).unwrap();
    let data = format!("@{}", file.display());
    let echo = format!("{url}/echo");
    for extra in [&[][..], &["-H", "Transfer-Encoding: chunked"][..]] {
        let args: Vec<&str> = [
            &["--data-binary", data.as_str()][..],
            extra,
            &[echo.as_str()],
        ]
        .concat();
        let out = curl(&args).expect("curl ran above");
        assert!(out == body, "curl echo differs ({extra:?})");
    }
    let _ = std::fs::remove_file(&file);
}
