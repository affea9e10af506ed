//! Helpers shared by the server tests: start a server on 127.0.0.1, and a
//! small raw HTTP/1.1 client that reads responses byte-exactly.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use shockwave_tokio::server::{Handler, Server};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server: its address, a shutdown trigger and its task.
pub struct Running {
    pub addr: SocketAddr,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Triggers graceful shutdown and waits for `serve` to return.
    pub async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("server stops")
            .unwrap()
            .unwrap();
    }
}

/// Starts `server` (bound to one plain listener) with a native handler.
pub fn start_native<H: Handler>(server: Server, handler: H) -> Running {
    let addr = server.local_addrs()[0].0;
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve_handler_with_shutdown(handler, async {
        let _ = rx.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

/// A parsed response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A raw client over one connection (or its read half).
pub struct Client<S = TcpStream> {
    pub stream: S,
    buf: Vec<u8>,
}

impl Client<TcpStream> {
    pub async fn connect(addr: SocketAddr) -> Client {
        Client::new(TcpStream::connect(addr).await.unwrap())
    }
}

impl<S: AsyncWrite + Unpin> Client<S> {
    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }
}

impl<S: AsyncRead + Unpin> Client<S> {
    pub fn new(stream: S) -> Self {
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    /// Bytes read past the last response.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Reads the head of a response to HEAD (no body follows).
    pub async fn head_response(&mut self) -> Resp {
        tokio::time::timeout(Duration::from_secs(10), self.response_inner(true))
            .await
            .expect("response in time")
    }

    /// Reads more bytes; false at EOF (or a reset).
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    async fn line(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8(self.buf[..i].to_vec()).unwrap();
                self.buf.drain(..i + 2);
                return line;
            }
            assert!(self.fill().await, "connection closed mid-line");
        }
    }

    async fn exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill().await, "connection closed mid-body");
        }
        self.buf.drain(..n).collect()
    }

    /// Reads one response (to a request that was not HEAD), with a 10 s limit.
    pub async fn response(&mut self) -> Resp {
        tokio::time::timeout(Duration::from_secs(10), self.response_inner(false))
            .await
            .expect("response in time")
    }

    async fn response_inner(&mut self, head_only: bool) -> Resp {
        let status_line = self.line().await;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let l = self.line().await;
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').unwrap();
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || (100..200).contains(&status) || status == 204 || status == 304 {
            return resp;
        }
        if let Some(len) = resp.header("content-length") {
            let len: usize = len.parse().unwrap();
            resp.body = self.exact(len).await;
        } else if resp
            .header("transfer-encoding")
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            loop {
                let size_line = self.line().await;
                let size = usize::from_str_radix(size_line.split(';').next().unwrap(), 16).unwrap();
                if size == 0 {
                    // Trailers until the empty line.
                    loop {
                        let l = self.line().await;
                        if l.is_empty() {
                            break;
                        }
                        let (n, v) = l.split_once(':').unwrap();
                        resp.headers
                            .push((n.trim().to_string(), v.trim().to_string()));
                    }
                    break;
                }
                let data = self.exact(size).await;
                resp.body.extend_from_slice(&data);
                assert_eq!(self.exact(2).await, b"\r\n");
            }
        } else {
            while self.fill().await {}
            resp.body = std::mem::take(&mut self.buf);
        }
        resp
    }

    /// Whether the server closed the connection (EOF or reset) within `within`
    /// with no more bytes sent.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut b = [0u8; 64];
        matches!(
            tokio::time::timeout(within, self.stream.read(&mut b)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// `len` bytes of a repeating, position-dependent pattern.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// `body` in the chunked coding with varied chunk sizes.
pub fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut size = 1;
    while i < body.len() {
        let n = size.min(body.len() - i);
        out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        out.extend_from_slice(&body[i..i + n]);
        out.extend_from_slice(b"\r\n");
        i += n;
        size = (size * 3 + 1) % 70_000 + 1;
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The reference handler on a plain and a TLS port (self-signed for
/// `localhost` and `127.0.0.1`), for the tests with real peers.
pub struct WithTls {
    pub plain: SocketAddr,
    pub tls: SocketAddr,
    /// The certificate, for the peer's trust store.
    pub cert_pem: String,
    pub running: Running,
}

/// Starts [`Reference`](shockwave_tokio::server::Reference) on two free
/// ports; `tweak` adjusts the server (timeouts) before it runs.
pub fn start_reference_with_tls(tweak: impl FnOnce(Server) -> Server) -> WithTls {
    let tls = shockwave_tokio::server::TlsConfig::self_signed(["localhost", "127.0.0.1"]).unwrap();
    let cert_pem = tls.certificate_pem().unwrap().to_string();
    let server = tweak(
        Server::bind("127.0.0.1:0")
            .unwrap()
            .bind_tls("127.0.0.1:0", tls)
            .unwrap(),
    );
    let addrs = server.local_addrs();
    assert_eq!((addrs[0].1, addrs[1].1), (false, true));
    let running = start_native(server, shockwave_tokio::server::Reference);
    WithTls {
        plain: addrs[0].0,
        tls: addrs[1].0,
        cert_pem,
        running,
    }
}

/// Runs a peer's command off the runtime's threads.
pub async fn run_command(mut cmd: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("spawn"))
        .await
        .unwrap()
}
