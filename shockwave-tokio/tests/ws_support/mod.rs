//! Helpers shared by the WebSocket tests: the reference server on 127.0.0.1
//! (plain and TLS), an in-memory pair of sockets, and raw frames.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use shockwave_proto::ws::handshake::Extensions;
use shockwave_tokio::client::Certificate;
use shockwave_tokio::server::{Reference, Server, TlsConfig};
use shockwave_tokio::ws::{Config, Connector, WebSocket};
use tokio::io::DuplexStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The reference server, plain and TLS, stopped on drop.
pub struct RefServer {
    pub plain: SocketAddr,
    pub tls: SocketAddr,
    /// The self-signed certificate of the TLS port (for `localhost` and 127.0.0.1).
    pub cert_pem: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RefServer {
    pub fn start() -> RefServer {
        let tls = TlsConfig::self_signed(["localhost", "127.0.0.1"]).expect("certificate");
        let cert_pem = tls.certificate_pem().expect("pem").to_string();
        let server = Server::bind("127.0.0.1:0")
            .unwrap()
            .bind_tls("127.0.0.1:0", tls)
            .unwrap()
            .shutdown_timeout(Duration::from_secs(2));
        let addrs = server.local_addrs();
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve_handler_with_shutdown(Reference, async {
            let _ = rx.await;
        }));
        RefServer {
            plain: addrs[0].0,
            tls: addrs[1].0,
            cert_pem,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `ws://127.0.0.1:PORT/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.plain)
    }

    /// `wss://localhost:PORT/ws`.
    pub fn wss_url(&self) -> String {
        format!("wss://localhost:{}/ws", self.tls.port())
    }

    /// A connector trusting the server's certificate.
    pub fn connector(&self) -> Connector {
        Connector::new()
            .add_root_certificate(Certificate::from_pem(self.cert_pem.as_bytes()).unwrap())
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("server stops")
            .unwrap()
            .unwrap();
    }
}

impl Drop for RefServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Masking keys from a seeded generator (tests only: real clients need
/// unpredictable keys).
pub fn test_masks() -> Box<dyn shockwave_proto::ws::MaskSource + Send> {
    let mut x: u32 = 0x1234_5678;
    Box::new(move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x.to_le_bytes()
    })
}

/// A client and a server socket joined in memory by a pipe of `pipe` bytes each way.
pub fn pair(
    pipe: usize,
    client: Config,
    server: Config,
) -> (WebSocket<DuplexStream>, WebSocket<DuplexStream>) {
    let (a, b) = tokio::io::duplex(pipe);
    (
        WebSocket::client(a, Extensions::default(), client, test_masks()),
        WebSocket::server(b, Extensions::default(), server),
    )
}

/// A client frame: FIN set, `opcode`, masked with a fixed key.
pub fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xffff => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// The test pattern: byte `i` of a binary payload.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Runs `f` with a time limit.
pub async fn within<F: std::future::Future>(secs: u64, f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("in time")
}
