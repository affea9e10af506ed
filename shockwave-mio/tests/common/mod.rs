//! Test harness: the loop in a thread, and a tiny blocking HTTP/1.1 client over
//! `std::net::TcpStream` (the tests' own parsing, independent of the machine's).
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use shockwave_mio::{App, EventLoop, Options, Shutdown};

/// A loop running in its own thread; stopped and joined on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub shutdown: Shutdown,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl TestServer {
    /// Starts `app` on 127.0.0.1:0.
    pub fn start<A, F>(make_app: F, options: Options) -> TestServer
    where
        A: App + 'static,
        F: FnOnce() -> A + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            let mut event_loop =
                EventLoop::bind("127.0.0.1:0".parse().unwrap(), make_app(), options)?;
            tx.send((event_loop.local_addr()?, event_loop.shutdown_handle()))
                .unwrap();
            event_loop.run()
        });
        let (addr, shutdown) = rx.recv().expect("the loop started");
        TestServer {
            addr,
            shutdown,
            thread: Some(thread),
        }
    }

    /// Stops the loop and returns what `run` returned.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown.stop();
        self.thread
            .take()
            .unwrap()
            .join()
            .expect("loop thread panicked")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.shutdown.stop();
            let _ = thread.join();
        }
    }
}

/// A connection with generous timeouts (a hung test fails instead of hanging).
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// A connection as a buffered reading half and a writing half.
pub fn client(addr: SocketAddr) -> (BufReader<TcpStream>, TcpStream) {
    let s = connect(addr);
    (BufReader::new(s.try_clone().unwrap()), s)
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

fn line(r: &mut impl BufRead) -> io::Result<String> {
    let mut s = String::new();
    if r.read_line(&mut s)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    assert!(s.ends_with("\r\n"), "line not ended by CRLF: {s:?}");
    s.truncate(s.len() - 2);
    Ok(s)
}

/// Reads one response (Content-Length or chunked body; none for 204/304/HEAD-less).
pub fn read_response(r: &mut impl BufRead) -> io::Result<Response> {
    let status_line = line(r)?;
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line:?}");
    let status: u16 = parts.next().unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let l = line(r)?;
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').expect("field line");
        headers.push((n.to_string(), v.trim().to_string()));
    }
    let mut resp = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if let Some(len) = resp.header("content-length") {
        let len: usize = len.parse().unwrap();
        resp.body = vec![0; len];
        r.read_exact(&mut resp.body)?;
    } else if resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let size_line = line(r)?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap(), 16).unwrap();
            if size == 0 {
                // Trailer section, then the empty line.
                while !line(r)?.is_empty() {}
                break;
            }
            let start = resp.body.len();
            resp.body.resize(start + size, 0);
            r.read_exact(&mut resp.body[start..])?;
            assert_eq!(line(r)?, "", "chunk data not followed by CRLF");
        }
    }
    Ok(resp)
}

/// Whether the peer closed: the next read gives EOF (or a reset).
pub fn at_eof(r: &mut impl Read) -> bool {
    let mut b = [0u8; 1];
    matches!(r.read(&mut b), Ok(0) | Err(_))
}

/// One request on a new connection.
pub fn request(addr: SocketAddr, raw: &[u8]) -> Response {
    let mut s = connect(addr);
    s.write_all(raw).unwrap();
    read_response(&mut BufReader::new(s)).expect("response")
}

pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
    )
}

/// Deterministic pseudo-random bytes (xorshift), so a body mix-up shows.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
