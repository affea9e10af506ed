//! Interop with Python's `websockets`: its client against our server's `/ws`
//! echo, and our client against its server, over ws and wss, with and
//! without permessage-deflate. Skipped when python3 or `websockets` is
//! missing, unless SHOCKWAVE_REQUIRE_PEERS is set (CI).

mod ws_support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use shockwave_tokio::client::Certificate;
use shockwave_tokio::ws::{CloseFrame, Connector, Message};
use ws_support::{RefServer, pattern, within};

fn script(name: &str) -> String {
    format!("{}/tests/py/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Whether python3 can import `websockets`; fails under SHOCKWAVE_REQUIRE_PEERS.
fn have_websockets() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import websockets"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
            "Python's websockets is required (SHOCKWAVE_REQUIRE_PEERS); pip install websockets"
        );
        eprintln!("SKIPPED: python3 with websockets not available");
    }
    ok
}

/// Runs `ws_client.py` against `url` and returns the JSON line it printed.
async fn python_client(url: String, extra: Vec<String>) -> String {
    let out = tokio::process::Command::new("python3")
        .arg(script("ws_client.py"))
        .arg(url)
        .args(extra)
        .stderr(Stdio::inherit())
        .output();
    let out = within(60, out).await.expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "ws_client.py failed: {stdout}");
    stdout
}

fn check_client_report(report: &str, compressed: bool) {
    assert!(report.contains(r#""text": "hello, Shockwave""#), "{report}");
    assert!(report.contains(r#""binary_ok": true"#), "{report}");
    assert!(
        report.contains(r#""fragmented": "caf\u00e9 au lait""#),
        "{report}"
    );
    assert!(report.contains(r#""pong": true"#), "{report}");
    // The server echoed the client's close code.
    assert!(report.contains(r#""close_code": 4000"#), "{report}");
    if compressed {
        assert!(
            report.contains(r#""extensions": "permessage-deflate"#),
            "{report}"
        );
    } else {
        assert!(report.contains(r#""extensions": null"#), "{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_against_our_server() {
    if !have_websockets() {
        return;
    }
    let server = RefServer::start();
    let report = python_client(server.ws_url(), vec![]).await;
    check_client_report(&report, true);
    let report = python_client(server.ws_url(), vec!["--no-compression".into()]).await;
    check_client_report(&report, false);

    let ca = temp_file("ws_python_ca.pem", server.cert_pem.as_bytes());
    let report = python_client(
        server.wss_url(),
        vec!["--ca".into(), ca.display().to_string()],
    )
    .await;
    check_client_report(&report, true);
    let _ = std::fs::remove_file(ca);
    server.shutdown().await;
}

/// A file in the temp directory, unique to this process.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("shockwave-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// `ws_server.py`, killed on drop.
struct PyServer {
    child: Child,
    port: u16,
}

impl PyServer {
    fn start(args: &[String]) -> PyServer {
        let mut child = Command::new("python3")
            .arg("-u")
            .arg(script("ws_server.py"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("read the port line");
        let port = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("ws_server.py did not start: {line:?}"));
        PyServer { child, port }
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn our_client_session(connector: &Connector, url: &str, compressed: bool) {
    let mut socket = within(10, connector.connect(url)).await.unwrap();
    socket.send(Message::text("extensions?")).await.unwrap();
    let extensions = within(10, socket.recv()).await.unwrap().unwrap();
    let extensions = extensions.as_text().unwrap().to_string();
    assert_eq!(
        extensions.starts_with("permessage-deflate"),
        compressed,
        "{extensions}"
    );

    for i in 0..10 {
        let text = format!("message {i}: {}", "ü".repeat(i * 100));
        socket.send(Message::text(text.clone())).await.unwrap();
        assert_eq!(
            within(10, socket.recv()).await.unwrap().unwrap(),
            Message::text(text)
        );
    }
    let big = Bytes::from(pattern(3 << 20));
    socket.send(Message::Binary(big.clone())).await.unwrap();
    match within(30, socket.recv()).await {
        Some(Ok(Message::Binary(b))) => assert!(b == big, "echo differs"),
        other => panic!("{other:?}"),
    }

    // The server's Ping is answered by the client on its own.
    socket.send(Message::text("ping-me")).await.unwrap();
    let ping = within(10, socket.recv()).await.unwrap().unwrap();
    assert_eq!(ping, Message::Ping(Bytes::from_static(b"from python")));
    let note = within(10, socket.recv()).await.unwrap().unwrap();
    assert_eq!(note, Message::text("pong received"));

    // The server closes with its code; the stream ends after the handshake.
    socket.send(Message::text("close-me")).await.unwrap();
    let close = within(10, socket.recv()).await.unwrap().unwrap();
    assert_eq!(close, Message::Close(Some(CloseFrame::new(4002, "bye"))));
    assert!(within(10, socket.recv()).await.is_none());
    assert!(socket.protocol_error().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_against_python_server() {
    if !have_websockets() {
        return;
    }
    let plain = PyServer::start(&[]);
    let url = format!("ws://127.0.0.1:{}/", plain.port);
    our_client_session(&Connector::new(), &url, true).await;
    our_client_session(&Connector::new().deflate(false), &url, false).await;

    let uncompressed = PyServer::start(&["--no-compression".to_string()]);
    let url = format!("ws://127.0.0.1:{}/", uncompressed.port);
    our_client_session(&Connector::new(), &url, false).await;

    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    let cert = temp_file("ws_python_cert.pem", cert_pem.as_bytes());
    let key = temp_file(
        "ws_python_key.pem",
        certified.signing_key.serialize_pem().as_bytes(),
    );
    let tls = PyServer::start(&[
        "--cert".into(),
        cert.display().to_string(),
        "--key".into(),
        key.display().to_string(),
    ]);
    let connector =
        Connector::new().add_root_certificate(Certificate::from_pem(cert_pem.as_bytes()).unwrap());
    let url = format!("wss://localhost:{}/", tls.port);
    our_client_session(&connector, &url, true).await;
    let _ = std::fs::remove_file(cert);
    let _ = std::fs::remove_file(key);
}
