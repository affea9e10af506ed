//! What the WebSocket comparison servers of the load benchmark share: the
//! `--listen ADDR` argument, one single-threaded tokio runtime (like the
//! reference server under `--threads 1`), and an accept loop that sets
//! TCP_NODELAY on every connection, as the reference server does, so that
//! no server waits on Nagle's algorithm.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};

/// The address after `--listen` (default 127.0.0.1:9090); `other` takes
/// any other argument with the rest of the command line and says whether it
/// knew it. An unknown argument panics, so a typo does not bench the wrong
/// thing.
pub fn parse_args(mut other: impl FnMut(&str, &mut std::env::Args) -> bool) -> SocketAddr {
    let mut listen: SocketAddr = "127.0.0.1:9090".parse().expect("a socket address");
    let mut args = std::env::args();
    args.next();
    while let Some(arg) = args.next() {
        if arg == "--listen" {
            listen = args
                .next()
                .and_then(|a| a.parse().ok())
                .expect("--listen ADDR");
        } else if !other(&arg, &mut args) {
            panic!("unknown argument {arg}");
        }
    }
    listen
}

/// The address after `--listen`, the only argument.
pub fn listen_arg() -> SocketAddr {
    parse_args(|_, _| false)
}

/// Accepts connections on `listen` on a current-thread runtime, running
/// `handle` as a task per connection, until SIGINT.
pub fn serve<F, Fut>(listen: SocketAddr, handle: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen).await.expect("bind");
        println!("listening on {listen}");
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(handle(stream));
                }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
    });
}
