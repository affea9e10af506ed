//! The fastwebsockets echo server of the load benchmark, written the way its
//! README and its `echo_server` example are: hyper 1 serves HTTP/1.1 with
//! upgrades, `upgrade::upgrade` answers the handshake on any path, and each
//! socket runs in a task of its own (`unconstrained`, as the example does)
//! behind a `FragmentCollector`, so whole messages are echoed like the other
//! servers do. `auto_close` and `auto_pong` are on (the defaults). One
//! current-thread runtime.
//!
//! `fastws-echo --listen 127.0.0.1:9090`

use fastwebsockets::{FragmentCollector, OpCode, WebSocketError, upgrade};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

async fn echo(fut: upgrade::UpgradeFut) -> Result<(), WebSocketError> {
    let mut ws = FragmentCollector::new(fut.await?);
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            OpCode::Close => break,
            OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
            _ => {}
        }
    }
    Ok(())
}

async fn upgrade(mut req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, WebSocketError> {
    let (response, fut) = upgrade::upgrade(&mut req)?;
    tokio::spawn(tokio::task::unconstrained(echo(fut)));
    Ok(response)
}

async fn serve(stream: TcpStream) {
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service_fn(upgrade))
        .with_upgrades()
        .await;
}

fn main() {
    shockwave_load::serve(shockwave_load::listen_arg(), serve);
}
