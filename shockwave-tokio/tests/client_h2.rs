//! The HTTP/2 client against this crate's own server: h2c by prior
//! knowledge on the plain port and ALPN `h2` on TLS. The server sits behind
//! a small TCP proxy that counts the connections it accepts, so "many
//! requests, one connection" is measured, not assumed.

mod client_h2_support;
mod client_support;

use std::convert::Infallible;
use std::time::Duration;

use client_h2_support::Proxy;
use client_support::{ChunkedBody, pattern};
use http::{HeaderMap, Request, Response};
use http_body_util::BodyExt;
use shockwave_tokio::client::{Certificate, Client};
use shockwave_tokio::server::{Incoming, Reference, Server, TlsConfig};
use tokio::sync::oneshot;

/// A running server: plain and TLS ports, each behind a counting proxy.
struct Running {
    plain: Proxy,
    tls: Proxy,
    cert_pem: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }

    fn url(&self, tls: bool, path: &str) -> String {
        match tls {
            false => format!("http://127.0.0.1:{}{path}", self.plain.addr.port()),
            true => format!("https://127.0.0.1:{}{path}", self.tls.addr.port()),
        }
    }

    fn accepted(&self, tls: bool) -> usize {
        match tls {
            false => self.plain.accepted(),
            true => self.tls.accepted(),
        }
    }

    fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    fn builder(&self) -> shockwave_tokio::client::ClientBuilder {
        Client::builder()
            .http2_prior_knowledge(true)
            .tls_built_in_root_certs(false)
            .add_root_certificate(Certificate::from_pem(self.cert_pem.as_bytes()).unwrap())
            .request_timeout(Duration::from_secs(30))
    }
}

fn server() -> (Server, String) {
    let tls = TlsConfig::self_signed(["localhost", "127.0.0.1"]).unwrap();
    let cert_pem = tls.certificate_pem().unwrap().to_string();
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .bind_tls("127.0.0.1:0", tls)
        .unwrap()
        .shutdown_timeout(Duration::from_secs(5));
    (server, cert_pem)
}

async fn running(
    server: Server,
    cert_pem: String,
    serve: impl FnOnce(Server, oneshot::Receiver<()>) -> tokio::task::JoinHandle<std::io::Result<()>>,
) -> Running {
    let addrs = server.local_addrs();
    let (stop, rx) = oneshot::channel::<()>();
    let task = serve(server, rx);
    Running {
        plain: Proxy::start(addrs[0].0).await,
        tls: Proxy::start(addrs[1].0).await,
        cert_pem,
        stop,
        task,
    }
}

/// The reference handler: `GET /` says hello, `POST /echo` echoes.
async fn reference() -> Running {
    let (server, cert_pem) = server();
    running(server, cert_pem, |server, rx| {
        tokio::spawn(server.serve_handler_with_shutdown(Reference, async {
            let _ = rx.await;
        }))
    })
    .await
}

/// A `tower` service: `/echo` answers the body and the trailers it got,
/// `/slow` answers after two seconds, anything else at once.
async fn service() -> Running {
    let (server, cert_pem) = server();
    let service = tower::service_fn(|request: Request<Incoming>| async move {
        let path = request.uri().path().to_owned();
        let body = match path.as_str() {
            "/echo" => {
                let collected = request.into_body().collect().await.unwrap();
                let trailers = collected.trailers().cloned();
                let body = ChunkedBody::new(collected.to_bytes().to_vec(), 16_384);
                match trailers {
                    Some(trailers) => body.with_trailers(trailers),
                    None => body,
                }
            }
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                ChunkedBody::new(b"slow\n".to_vec(), 16)
            }
            _ => ChunkedBody::new(b"fast\n".to_vec(), 16),
        };
        Ok::<_, Infallible>(Response::new(body))
    });
    running(server, cert_pem, |server, rx| {
        tokio::spawn(server.serve_with_shutdown(service, async {
            let _ = rx.await;
        }))
    })
    .await
}

async fn get_text(client: &Client, url: &str) -> String {
    let response = client.get(url).await.expect("GET");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.version(), http::Version::HTTP_2, "{url}");
    let body = response.into_body().bytes().await.expect("body");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

async fn hundred_concurrent_on_one_connection(tls: bool) {
    let srv = reference().await;
    let client = srv.client();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            let url = srv.url(tls, "/");
            tokio::spawn(async move { get_text(&client, &url).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "Hello from Shockwave!\n");
    }
    assert_eq!(srv.accepted(tls), 1);
    // And again, on the pooled connection.
    assert_eq!(
        get_text(&client, &srv.url(tls, "/")).await,
        "Hello from Shockwave!\n"
    );
    assert_eq!(srv.accepted(tls), 1);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_prior_knowledge_hundred_concurrent_requests_one_connection() {
    hundred_concurrent_on_one_connection(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_alpn_h2_hundred_concurrent_requests_one_connection() {
    hundred_concurrent_on_one_connection(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_choice_follows_the_builder() {
    let srv = reference().await;
    // Without prior knowledge plain http is HTTP/1.1; http1_only keeps TLS on it too.
    let h1 = Client::builder()
        .http1_only()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(srv.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    for tls in [false, true] {
        let response = h1.get(srv.url(tls, "/")).await.unwrap();
        assert_eq!(response.version(), http::Version::HTTP_11);
        assert_eq!(
            response.into_body().bytes().await.unwrap(),
            "Hello from Shockwave!\n"
        );
    }
    let default = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(srv.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let plain = default.get(srv.url(false, "/")).await.unwrap();
    assert_eq!(plain.version(), http::Version::HTTP_11);
    let tls = default.get(srv.url(true, "/")).await.unwrap();
    assert_eq!(tls.version(), http::Version::HTTP_2);
    // http2_only: h2c on plain ports, only `h2` offered on TLS.
    let h2 = Client::builder()
        .http2_only()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(srv.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    for tls in [false, true] {
        let response = h2.get(srv.url(tls, "/")).await.unwrap();
        assert_eq!(response.version(), http::Version::HTTP_2);
        assert_eq!(
            response.into_body().bytes().await.unwrap(),
            "Hello from Shockwave!\n"
        );
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_mib_up_and_down_with_small_windows() {
    let srv = reference().await;
    // 64 KiB windows: a 1 MiB body needs many WINDOW_UPDATEs each way.
    let mut h2 = shockwave_proto::h2::Config::default();
    h2.initial_window_size = 65_535;
    h2.connection_window = 65_535;
    let client = srv.builder().h2_config(h2).build().unwrap();
    for tls in [false, true] {
        let tasks: Vec<_> = (0..4u8)
            .map(|i| {
                let client = client.clone();
                let url = srv.url(tls, "/echo");
                tokio::spawn(async move {
                    let mut body = pattern(1 << 20);
                    body[0] = i;
                    let response = client.post(url, body.clone()).await.expect("POST");
                    assert_eq!(response.version(), http::Version::HTTP_2);
                    let echoed = response.into_body().bytes().await.expect("echo");
                    assert!(echoed == body, "echo {i} differs ({} bytes)", echoed.len());
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(srv.accepted(tls), 1);
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_is_bounded_by_the_window_and_others_go_on() {
    let srv = reference().await;
    let mut h2 = shockwave_proto::h2::Config::default();
    h2.initial_window_size = 65_535;
    let client = srv.builder().h2_config(h2).build().unwrap();
    let url = srv.url(false, "/echo");
    let response = client.post(&url, pattern(1 << 20)).await.expect("POST");
    let mut body = response.into_body();
    // Read one frame, then let it sit: the server can only have sent one window.
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(!first.is_empty());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The connection still serves others meanwhile.
    for _ in 0..5 {
        let echoed = client
            .post(&url, "small")
            .await
            .unwrap()
            .into_body()
            .bytes()
            .await
            .unwrap();
        assert_eq!(echoed, "small");
    }
    let mut total = first.len();
    while let Some(frame) = body.frame().await {
        total += frame.unwrap().into_data().map_or(0, |d| d.len());
    }
    assert_eq!(total, 1 << 20);
    // Dropping a body early resets only its stream.
    let response = client.post(&url, pattern(1 << 20)).await.expect("POST");
    drop(response);
    assert_eq!(
        client
            .post(&url, "after")
            .await
            .unwrap()
            .into_body()
            .bytes()
            .await
            .unwrap(),
        "after"
    );
    assert_eq!(srv.accepted(false), 1);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailers_both_ways() {
    let srv = service().await;
    let client = srv.client();
    for tls in [false, true] {
        let mut trailers = HeaderMap::new();
        trailers.insert("x-checksum", "abc123".parse().unwrap());
        trailers.insert("x-count", "3".parse().unwrap());
        let request = Request::post(srv.url(tls, "/echo"))
            .body(ChunkedBody::new(pattern(100_000), 7_000).with_trailers(trailers))
            .unwrap();
        let response = client.request(request).await.expect("POST");
        assert_eq!(response.version(), http::Version::HTTP_2);
        let collected = response.into_body().collect().await.expect("body");
        let trailers = collected.trailers().cloned().expect("response trailers");
        assert_eq!(trailers["x-checksum"], "abc123");
        assert_eq!(trailers["x-count"], "3");
        assert!(collected.to_bytes() == pattern(100_000));
        assert_eq!(srv.accepted(tls), 1);
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_resets_one_stream_while_the_others_finish() {
    let srv = service().await;
    let client = srv
        .builder()
        .request_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    for tls in [false, true] {
        let slow = {
            let client = client.clone();
            let url = srv.url(tls, "/slow");
            tokio::spawn(async move { client.get(url).await })
        };
        let fast: Vec<_> = (0..20)
            .map(|_| {
                let client = client.clone();
                let url = srv.url(tls, "/fast");
                tokio::spawn(async move { get_text(&client, &url).await })
            })
            .collect();
        for task in fast {
            assert_eq!(task.await.unwrap(), "fast\n");
        }
        let err = slow.await.unwrap().expect_err("the slow request times out");
        assert!(err.is_timeout(), "{err}");
        // The connection was not harmed.
        assert_eq!(get_text(&client, &srv.url(tls, "/fast")).await, "fast\n");
        assert_eq!(srv.accepted(tls), 1);
    }
    srv.stop().await;
}
