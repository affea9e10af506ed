//! The HTTP/2 client against nghttpd, nghttp2's server: over TLS (ALPN `h2`)
//! and h2c by prior knowledge, with the server's stream limit at 10 and
//! 64 KiB windows, through a proxy that counts connections. Skips with a note
//! when nghttpd is not installed, unless SHOCKWAVE_REQUIRE_PEERS is set.

mod client_h2_support;
mod client_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use client_h2_support::{Proxy, free_port};
use client_support::pattern;
use shockwave_tokio::client::{Certificate, Client};

const NGHTTPD: &str = "/usr/sbin/nghttpd";
const HELLO: &str = "hello from nghttpd\n";

/// An nghttpd process serving a temporary directory, killed on drop.
struct Nghttpd {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Nghttpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts nghttpd (TLS with a fresh self-signed certificate unless `plain`);
/// returns it with the certificate's PEM.
async fn nghttpd(plain: bool) -> Option<(Nghttpd, String)> {
    if !Path::new(NGHTTPD).exists() {
        assert!(
            std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
            "{NGHTTPD} is required (SHOCKWAVE_REQUIRE_PEERS); install nghttp2-server"
        );
        println!("skipped: {NGHTTPD} not found (install nghttp2-server)");
        return None;
    }
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("shockwave-nghttpd-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), HELLO).unwrap();
    std::fs::write(dir.join("big.bin"), pattern(1 << 20)).unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    let mut cmd = Command::new(NGHTTPD);
    cmd.arg("-d")
        .arg(&dir)
        .args([
            "--echo-upload",
            "-a",
            "127.0.0.1",
            "-m",
            "10",
            "-w",
            "16",
            "-W",
            "16",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if plain {
        cmd.arg("--no-tls").arg(port.to_string());
    } else {
        cmd.arg(port.to_string()).arg(&key).arg(&cert);
    }
    let server = Nghttpd {
        child: cmd.spawn().expect("spawn nghttpd"),
        port,
        dir,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((server, certified.cert.pem()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nghttpd did not listen on {port}");
}

async fn against_nghttpd(plain: bool) {
    let Some((server, cert_pem)) = nghttpd(plain).await else {
        return;
    };
    let proxy = Proxy::start(([127, 0, 0, 1], server.port).into()).await;
    let client = Client::builder()
        .http2_prior_knowledge(true)
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .request_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let scheme = if plain { "http" } else { "https" };
    let url = |path: &str| format!("{scheme}://127.0.0.1:{}{path}", proxy.addr.port());

    // 40 requests at once, 10 streams at a time, on one connection.
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let client = client.clone();
            let url = url("/index.html");
            tokio::spawn(async move {
                let response = client.get(url).await.expect("GET");
                assert_eq!(response.status(), 200);
                assert_eq!(response.version(), http::Version::HTTP_2);
                response.into_body().bytes().await.expect("body")
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), HELLO);
    }

    // 1 MiB down and 1 MiB up-and-back through nghttpd's 64 KiB windows.
    let big = client.get(url("/big.bin")).await.expect("GET big");
    let body = big.into_body().bytes().await.expect("big body");
    assert!(
        body == pattern(1 << 20),
        "download differs ({} bytes)",
        body.len()
    );
    let mut upload = pattern(1 << 20);
    upload.reverse();
    let echoed = client
        .post(url("/echo"), upload.clone())
        .await
        .expect("POST");
    assert_eq!(echoed.status(), 200);
    let echoed = echoed.into_body().bytes().await.expect("echo body");
    assert!(echoed == upload, "echo differs ({} bytes)", echoed.len());

    assert_eq!(proxy.accepted(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nghttpd_tls_alpn_h2() {
    against_nghttpd(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nghttpd_h2c_prior_knowledge() {
    against_nghttpd(true).await;
}
