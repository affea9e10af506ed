//! `https` against a rustls server in the test (a self-signed rcgen
//! certificate, answering a fixed HTTP/1.1 response by hand).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use shockwave_tokio::client::{Certificate, Client, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct TlsServer {
    port: u16,
    accepted: Arc<AtomicUsize>,
    cert_der: CertificateDer<'static>,
    cert_pem: String,
}

/// A TLS server on 127.0.0.1 answering every request with its ALPN protocol and SNI name.
async fn tls_server() -> TlsServer {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("self-signed certificate");
    let cert_der = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // An untrusting client aborts the handshake: nothing to serve.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let (_, session) = tls.get_ref();
                let body = format!(
                    "alpn={} sni={}",
                    session
                        .alpn_protocol()
                        .map_or("-".into(), |p| String::from_utf8_lossy(p).into_owned()),
                    session.server_name().unwrap_or("-"),
                );
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // Requests here have no body: a head ends each one.
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if tls.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    TlsServer {
        port,
        accepted,
        cert_der,
        cert_pem: certified.cert.pem(),
    }
}

#[tokio::test]
async fn https_with_a_trusted_root() {
    let server = tls_server().await;
    let client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_der(server.cert_der.to_vec()))
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{}/", server.port);
    for _ in 0..3 {
        let response = client.get(url.as_str()).await.expect("https GET");
        assert_eq!(response.status(), 200);
        // No SNI for an IP address (RFC 6066 section 3).
        assert_eq!(
            response.into_body().bytes().await.unwrap(),
            "alpn=http/1.1 sni=-"
        );
    }
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        1,
        "kept alive over TLS"
    );

    // By name: SNI carries the host; `localhost` may resolve to ::1 first,
    // where nothing listens, and the next address is tried.
    let pem_client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(server.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let response = pem_client
        .get(format!("https://localhost:{}/", server.port))
        .await
        .expect("https GET by name");
    assert_eq!(
        response.into_body().bytes().await.unwrap(),
        "alpn=http/1.1 sni=localhost"
    );
}

#[tokio::test]
async fn https_with_an_untrusted_certificate_fails() {
    let server = tls_server().await;
    // Platform roots only: the self-signed certificate is not among them.
    let client = Client::builder().build().unwrap();
    let error = client
        .get(format!("https://127.0.0.1:{}/", server.port))
        .await
        .expect_err("an untrusted certificate must fail");
    assert_eq!(error.kind(), ErrorKind::Tls, "{error}");
    assert!(error.is_connect());
    println!("untrusted: {error}");

    // Trusted roots but the wrong name.
    let other = rcgen::generate_simple_self_signed(vec!["example.invalid".to_string()]).unwrap();
    let client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_der(other.cert.der().to_vec()))
        .build()
        .unwrap();
    let error = client
        .get(format!("https://127.0.0.1:{}/", server.port))
        .await
        .expect_err("a certificate from another root must fail");
    assert_eq!(error.kind(), ErrorKind::Tls, "{error}");
}

#[test]
fn invalid_root_certificate_is_refused_at_build() {
    let error = Client::builder()
        .add_root_certificate(Certificate::from_der(b"not a certificate".to_vec()))
        .build()
        .expect_err("garbage DER");
    assert_eq!(error.kind(), ErrorKind::Tls);
    assert!(Certificate::from_pem(b"no pem here").is_err());
}
