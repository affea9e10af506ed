//! HTTP/2 clients against the reference handler: nghttp (h2c prior
//! knowledge), curl (prior knowledge, and TLS with ALPN h2), Python's h2, and
//! h2load as a small smoke load. Each skips with a note when its peer is not
//! installed, unless SHOCKWAVE_REQUIRE_PEERS is set (CI).

mod server_common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use shockwave_tokio::server::{Reference, Server};

fn start() -> server_common::WithTls {
    server_common::start_reference_with_tls(|s| s.shutdown_timeout(Duration::from_secs(5)))
}

use server_common::run_command as run;

/// Whether `tool` exists; when it does not, fails under SHOCKWAVE_REQUIRE_PEERS
/// and otherwise prints why the test is skipped.
fn have(tool: &str, install: &str) -> bool {
    if Path::new(tool).exists() {
        return true;
    }
    assert!(
        std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
        "{tool} is required (SHOCKWAVE_REQUIRE_PEERS); install {install}"
    );
    println!("skipped: {tool} not found (install {install})");
    false
}

/// Whether Python's h2 is importable; like [`have`] for a missing one.
async fn have_python_h2() -> bool {
    let mut probe = Command::new("python3");
    probe.args(["-c", "import h2"]);
    if run(probe).await.status.success() {
        return true;
    }
    assert!(
        std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
        "Python's h2 is required (SHOCKWAVE_REQUIRE_PEERS); pip install h2"
    );
    println!("skipped: python3 with h2 not available (pip install h2)");
    false
}

/// Runs a Python h2 script against `port`; it must print "all checks passed".
async fn python_script(script: &str, port: u16) {
    let mut cmd = Command::new("python3");
    cmd.arg(format!("{}/tests/py/{script}", env!("CARGO_MANIFEST_DIR")))
        .arg(port.to_string());
    let out = run(cmd).await;
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("all checks passed"), "{all}");
}

fn text(out: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nghttp_prior_knowledge() {
    if !have("/usr/bin/nghttp", "nghttp2-client") {
        return;
    }
    let srv = start();
    let dir = std::env::temp_dir().join(format!("shockwave-nghttp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_file = dir.join("body.bin");
    let body = server_common::pattern(200_000);
    std::fs::write(&body_file, &body).unwrap();

    // Several streams at once on one connection, with the frames shown.
    let mut cmd = Command::new("/usr/bin/nghttp");
    cmd.args(["-nv", "-t", "10", "-m", "4"])
        .arg(format!("http://{}/", srv.plain));
    let out = run(cmd).await;
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_eq!(all.matches(":status: 200").count(), 4, "{all}");
    assert!(all.contains("recv SETTINGS frame"), "{all}");
    assert!(all.contains("send GOAWAY frame"), "{all}");

    // Upload larger than the default windows, echoed back.
    let mut cmd = Command::new("/usr/bin/nghttp");
    cmd.args(["-t", "10", "-d"])
        .arg(&body_file)
        .arg(format!("http://{}/echo", srv.plain));
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        out.stdout == body,
        "echo through nghttp: {} bytes",
        out.stdout.len()
    );

    let _ = std::fs::remove_dir_all(&dir);
    srv.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_prior_knowledge_and_tls_alpn() {
    if !have("/usr/bin/curl", "curl") {
        return;
    }
    let srv = start();
    let dir = std::env::temp_dir().join(format!("shockwave-curl-h2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    std::fs::write(&cert, &srv.cert_pem).unwrap();
    let body_file = dir.join("body.bin");
    let body = server_common::pattern(300_000);
    std::fs::write(&body_file, &body).unwrap();

    // h2c by prior knowledge. One URL per run: Debian's curl 7.88 fails a
    // second URL on a reused prior-knowledge connection with any server
    // (nghttpd too: "Error in the HTTP2 framing layer"); nghttp and h2load
    // cover several streams per connection.
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "-v", "--http2-prior-knowledge", "--max-time", "10"])
        .arg(format!("http://{}/", srv.plain));
    let out = run(cmd).await;
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello from Shockwave!\n"
    );
    assert!(all.contains("HTTP/2 200"), "{all}");

    // h2c by HTTP/1.1 Upgrade (curl --http2 on http://): 101, then HTTP/2.
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "-v", "--http2", "--max-time", "10"])
        .arg(format!("http://{}/", srv.plain));
    let out = run(cmd).await;
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("101 Switching Protocols"), "{all}");
    assert!(all.contains("HTTP/2 200"), "{all}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello from Shockwave!\n"
    );

    // h2c echo.
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args([
        "-sS",
        "--http2-prior-knowledge",
        "--max-time",
        "10",
        "--data-binary",
    ])
    .arg(format!("@{}", body_file.display()))
    .arg(format!("http://{}/echo", srv.plain));
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stdout == body, "h2c echo via curl");

    // TLS: ALPN picks h2; echo over it.
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "-v", "--http2", "--max-time", "10", "--cacert"])
        .arg(&cert)
        .arg("--resolve")
        .arg(format!("localhost:{}:127.0.0.1", srv.tls.port()))
        .arg("--data-binary")
        .arg(format!("@{}", body_file.display()))
        .arg(format!("https://localhost:{}/echo", srv.tls.port()));
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("ALPN: server accepted h2")
            || stderr.contains("ALPN, server accepted to use h2"),
        "{stderr}"
    );
    assert!(stderr.contains("HTTP/2 200"), "{stderr}");
    assert!(out.stdout == body, "TLS h2 echo via curl");

    let _ = std::fs::remove_dir_all(&dir);
    srv.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_h2_client() {
    if !have_python_h2().await {
        return;
    }
    let srv = start();
    python_script("h2_client.py", srv.plain.port()).await;
    srv.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2load_smoke() {
    if !have("/usr/bin/h2load", "nghttp2-client") {
        return;
    }
    let srv = start();
    let mut cmd = Command::new("/usr/bin/h2load");
    cmd.args(["-n", "2000", "-c", "4", "-m", "10", "-T", "10"])
        .arg(format!("http://{}/", srv.plain));
    let out = run(cmd).await;
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("2000 succeeded, 0 failed, 0 errored"), "{all}");
    srv.running.shutdown().await;
}

/// The reference routes, plus an extended CONNECT (`:protocol` "echo") whose
/// tunnel echoes every byte until the client ends its side.
struct TunnelApp;

enum TunnelState {
    Reference(shockwave_tokio::server::reference::Route),
    Tunnel,
}

impl shockwave_tokio::server::Handler for TunnelApp {
    type State = TunnelState;

    fn on_request(
        &self,
        req: &shockwave_tokio::server::Request<'_>,
        scratch: &mut Vec<u8>,
    ) -> TunnelState {
        if req.as_h2().and_then(|h| h.protocol()) == Some(&b"echo"[..]) {
            return TunnelState::Tunnel;
        }
        TunnelState::Reference(shockwave_tokio::server::Handler::on_request(
            &Reference, req, scratch,
        ))
    }

    fn on_data(&self, state: &mut TunnelState, data: &[u8], scratch: &mut Vec<u8>) {
        if let TunnelState::Reference(r) = state {
            shockwave_tokio::server::Handler::on_data(&Reference, r, data, scratch);
        }
    }

    fn respond(&self, state: &mut TunnelState, res: &mut shockwave_tokio::server::Responder<'_>) {
        match state {
            TunnelState::Reference(r) => {
                shockwave_tokio::server::Handler::respond(&Reference, r, res)
            }
            TunnelState::Tunnel => {
                if !res.is_started() {
                    res.send_response(200, &[], shockwave_proto::h1::BodyFraming::Empty)
                        .unwrap();
                }
            }
        }
    }

    fn on_upgrade(
        &self,
        _state: TunnelState,
        mut io: shockwave_tokio::server::Upgraded,
    ) -> shockwave_tokio::server::UpgradeFuture {
        Box::pin(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = vec![0u8; 8192];
            loop {
                match io.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if io.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = io.shutdown().await;
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_h2_extended_connect_tunnel() {
    if !have_python_h2().await {
        return;
    }
    let srv = server_common::start_native(Server::bind("127.0.0.1:0").unwrap(), TunnelApp);
    python_script("h2_connect.py", srv.addr.port()).await;
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_h2_websocket_over_extended_connect() {
    if !have_python_h2().await {
        return;
    }
    let srv = start();
    python_script("h2_ws.py", srv.plain.port()).await;
    srv.running.shutdown().await;
}
