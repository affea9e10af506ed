//! Helpers shared by the client tests: Python servers as subprocesses, a raw
//! `/stats` query, and a request body of unknown length.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};

/// A Python server started from `tests/py`, killed on drop.
pub struct PyServer {
    child: Child,
    /// Stats queries so far: each opened a connection of its own.
    queries: std::cell::Cell<usize>,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
}

impl PyServer {
    /// Starts `tests/py/<script>`; `None` (with a note) if python3 or a module it
    /// needs is missing.
    pub fn start(script: &str) -> Option<PyServer> {
        let path = format!("{}/tests/py/{script}", env!("CARGO_MANIFEST_DIR"));
        let mut child = match Command::new("python3")
            .arg("-u")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                assert!(
                    std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
                    "python3 is required: {e}"
                );
                eprintln!("SKIPPED: python3 not available ({e})");
                return None;
            }
        };
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the server's port line");
        let Some(port) = line.strip_prefix("PORT ") else {
            assert!(
                std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
                "{script} did not start: {}",
                line.trim()
            );
            eprintln!("SKIPPED: {script} did not start ({})", line.trim());
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        let port = port.trim().parse().expect("port number");
        Some(PyServer {
            child,
            queries: Default::default(),
            port,
        })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Connections the server accepted, not counting those used to ask.
    pub fn accepted(&self) -> usize {
        let mut s =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect for stats");
        s.write_all(b"GET /stats HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .expect("send stats request");
        let mut response = String::new();
        s.read_to_string(&mut response).expect("read stats");
        let body = response.split("\r\n\r\n").nth(1).expect("stats body");
        self.queries.set(self.queries.get() + 1);
        body.trim().parse::<usize>().expect("stats count") - self.queries.get()
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test pattern: byte `i` of a body.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// A body of unknown length (so it goes out chunked) in `chunk`-sized frames,
/// optionally ending with trailers.
pub struct ChunkedBody {
    data: Bytes,
    chunk: usize,
    trailers: Option<http::HeaderMap>,
}

impl ChunkedBody {
    /// `data` in frames of `chunk` bytes.
    pub fn new(data: Vec<u8>, chunk: usize) -> Self {
        ChunkedBody {
            data: Bytes::from(data),
            chunk,
            trailers: None,
        }
    }

    /// Ends the body with `trailers`.
    pub fn with_trailers(mut self, trailers: http::HeaderMap) -> Self {
        self.trailers = Some(trailers);
        self
    }
}

impl Body for ChunkedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if !self.data.is_empty() {
            let n = self.chunk.min(self.data.len());
            let part = self.data.split_to(n);
            return Poll::Ready(Some(Ok(Frame::data(part))));
        }
        Poll::Ready(self.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }
}
