//! Real clients against the reference handler: curl (plain, and TLS with the
//! self-signed certificate and ALPN) and Python's h11.

mod server_common;

use std::process::Command;
use std::time::Duration;

fn start() -> server_common::WithTls {
    server_common::start_reference_with_tls(|s| s.tls_handshake_timeout(Duration::from_secs(2)))
}

use server_common::run_command as run;

fn curl_available() -> bool {
    std::path::Path::new("/usr/bin/curl").exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_plain_and_tls() {
    if !curl_available() {
        assert!(
            std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
            "curl is required (SHOCKWAVE_REQUIRE_PEERS)"
        );
        println!("skipped: /usr/bin/curl not found");
        return;
    }
    let srv = start();
    let dir = std::env::temp_dir().join(format!("shockwave-curl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    std::fs::write(&cert, &srv.cert_pem).unwrap();
    let body_file = dir.join("body.bin");
    let body = server_common::pattern(300_000);
    std::fs::write(&body_file, &body).unwrap();

    // Plain: two URLs on one connection (curl reuses it), then a POST echo.
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "-v", "--max-time", "10"])
        .arg(format!("http://{}/", srv.plain))
        .arg(format!("http://{}/", srv.plain));
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello from Shockwave!\nHello from Shockwave!\n"
    );
    assert!(
        stderr.contains("Re-using existing") || stderr.contains("Reusing existing"),
        "keep-alive: {stderr}"
    );

    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "--max-time", "10", "--data-binary"])
        .arg(format!("@{}", body_file.display()))
        .arg(format!("http://{}/echo", srv.plain));
    let out = run(cmd).await;
    assert!(out.status.success());
    assert!(out.stdout == body, "echo via curl");

    // TLS, verified against the self-signed certificate, with ALPN
    // (HTTP/2 over TLS is tested in server_h2_peers.rs).
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "-v", "--http1.1", "--max-time", "10", "--cacert"])
        .arg(&cert)
        .arg("--resolve")
        .arg(format!("localhost:{}:127.0.0.1", srv.tls.port()))
        .arg(format!("https://localhost:{}/", srv.tls.port()));
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello from Shockwave!\n"
    );
    assert!(
        stderr.contains("ALPN: server accepted http/1.1")
            || stderr.contains("ALPN, server accepted to use http/1.1"),
        "{stderr}"
    );

    // TLS echo, chunked upload.
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-sS", "--http1.1", "--max-time", "10", "--cacert"])
        .arg(&cert)
        .args(["-H", "Transfer-Encoding: chunked", "--data-binary"])
        .arg(format!("@{}", body_file.display()))
        .arg("--resolve")
        .arg(format!("localhost:{}:127.0.0.1", srv.tls.port()))
        .arg(format!("https://localhost:{}/echo", srv.tls.port()));
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == body, "TLS echo via curl");

    // A client that connects and never finishes its handshake is dropped.
    let mut stalled = tokio::net::TcpStream::connect(srv.tls).await.unwrap();
    let mut b = [0u8; 1];
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut stalled, &mut b),
    )
    .await;
    assert!(matches!(r, Ok(Ok(0)) | Ok(Err(_))), "handshake timeout");

    let _ = std::fs::remove_dir_all(&dir);
    srv.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_h11_client() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/h11_client.py");
    let probe = run({
        let mut c = Command::new("python3");
        c.args(["-c", "import h11"]);
        c
    })
    .await;
    if !probe.status.success() {
        assert!(
            std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
            "h11 is required (SHOCKWAVE_REQUIRE_PEERS)"
        );
        println!("skipped: python3 with h11 not available (pip install h11)");
        return;
    }
    let srv = start();
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(srv.plain.port().to_string());
    let out = run(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "h11 client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    srv.running.shutdown().await;
}
