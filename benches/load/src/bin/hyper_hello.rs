//! The comparison server for the load benchmarks: a plain hyper 1.x server on
//! a single-threaded tokio runtime, answering `GET /` with a fixed body and
//! echoing `POST /echo`, the way the reference server does. HTTP/1.1 by
//! default; `--h2` serves HTTP/2 with prior knowledge (h2c) instead.
//!
//! `hyper-hello --listen 127.0.0.1:9090 [--h2] [--body "Hello from Shockwave!\n"]`

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

async fn handle(req: Request<Incoming>, hello: Bytes) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::builder()
            .header("content-type", "text/plain")
            .body(Full::new(hello)),
        (&Method::POST, "/echo") => {
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Response::builder()
                .header("content-type", "application/octet-stream")
                .body(Full::new(body))
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.expect("a valid response"))
}

fn main() {
    let mut listen: SocketAddr = "127.0.0.1:9090".parse().unwrap();
    let mut hello = Bytes::from_static(b"Hello from Shockwave!\n");
    let mut h2 = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                listen = args
                    .next()
                    .and_then(|a| a.parse().ok())
                    .expect("--listen ADDR")
            }
            "--body" => hello = Bytes::from(args.next().expect("--body TEXT")),
            "--h2" => h2 = true,
            other => panic!("unknown argument {other}"),
        }
    }
    // One worker thread, like the reference server under `--threads 1`.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen).await.expect("bind");
        println!("listening on http://{listen}");
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let hello = hello.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| handle(req, hello.clone()));
                        let io = TokioIo::new(stream);
                        let _ = if h2 {
                            http2::Builder::new(TokioExecutor::new())
                                .serve_connection(io, service)
                                .await
                        } else {
                            http1::Builder::new()
                                .pipeline_flush(true)
                                .serve_connection(io, service)
                                .await
                        };
                    });
                }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
    });
}
