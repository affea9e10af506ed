//! The tokio-tungstenite WebSocket echo server of the load benchmark, written
//! the way that crate's own `echo-server` example is: `accept_async` on any
//! path, then every text and binary message forwarded back (`StreamExt`'s
//! `forward` into the `Sink` half, which flushes when no message is ready).
//! One current-thread runtime. tungstenite's default limits (64 MiB
//! messages, 16 MiB frames) take the 64 KiB messages of the benchmark.
//!
//! `tungstenite-echo --listen 127.0.0.1:9090`

use futures_util::{StreamExt, TryStreamExt, future};
use tokio::net::TcpStream;

async fn echo(stream: TcpStream) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (write, read) = ws.split();
    // Only data messages go back; tungstenite answers pings and closes itself.
    let _ = read
        .try_filter(|m| future::ready(m.is_text() || m.is_binary()))
        .forward(write)
        .await;
}

fn main() {
    shockwave_load::serve(shockwave_load::listen_arg(), echo);
}
