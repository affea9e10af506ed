//! The comparison server for the load benchmarks: a plain hyper 1.x server on
//! a single-threaded tokio runtime, answering `GET /` with a fixed body and
//! echoing `POST /echo`, the way the reference server does. HTTP/1.1 by
//! default; `--h2` serves HTTP/2 with prior knowledge (h2c) instead.
//!
//! `hyper-hello --listen 127.0.0.1:9090 [--h2] [--body "Hello from Shockwave!\n"]`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};

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
    let mut hello = Bytes::from_static(b"Hello from Shockwave!\n");
    let mut h2 = false;
    let listen = shockwave_load::parse_args(|arg, args| {
        match arg {
            "--body" => hello = Bytes::from(args.next().expect("--body TEXT")),
            "--h2" => h2 = true,
            _ => return false,
        }
        true
    });
    shockwave_load::serve(listen, move |stream| {
        let hello = hello.clone();
        async move {
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
        }
    });
}
