//! A small HTTP/1.1 server on the shockwave-mio loop.
//!
//! ```text
//! cargo run --release -p shockwave-mio --example hello -- --listen 127.0.0.1:8081
//! curl http://127.0.0.1:8081/
//! curl --data-binary @some-file http://127.0.0.1:8081/echo
//! ```
//!
//! - `GET /` answers `Hello from Shockwave over mio`.
//! - `POST /echo` streams the request body back as it arrives, with the same
//!   framing the request used: a `Content-Length` request gets a response of
//!   that length, a chunked one a chunked response. Streaming keeps memory per
//!   connection bounded by the machine's buffers whatever the body's size, and
//!   the first bytes go back before the last arrive. (Buffering the whole body
//!   into a `Vec` and answering with its length would be simpler, but costs a
//!   body's worth of memory per connection and one more copy.)
//! - Anything else is 404.
//!
//! The loop's tests run this very file (`tests/server.rs` includes it).

use std::net::SocketAddr;

use shockwave_mio::shockwave_proto::Instant;
use shockwave_mio::shockwave_proto::h1::server::{ServerConn, ServerEvent};
use shockwave_mio::shockwave_proto::h1::{BodyFraming, Config, Method, UsageError};
use shockwave_mio::{App, EventLoop, Options};

const HELLO: &[u8] = b"Hello from Shockwave over mio\n";
const NOT_FOUND: &[u8] = b"not found\n";
const TEXT: (&[u8], &[u8]) = (b"content-type", b"text/plain");

/// The application: routes requests; echoes `/echo` bodies.
#[derive(Debug, Default)]
pub struct Hello {
    /// The HTTP/1.1 limits every connection gets.
    pub config: Config,
}

/// Per-connection state.
#[derive(Debug, Default)]
pub struct EchoState {
    /// The current request's body is being echoed.
    echoing: bool,
    /// Body bytes taken from the machine but not yet accepted by `send_data`
    /// (its output queue was full). Reused from request to request.
    pending: Vec<u8>,
    /// How much of `pending` was sent.
    sent: usize,
}

impl App for Hello {
    type Machine = ServerConn;
    type State = EchoState;

    fn accept(&mut self, now: Instant, _peer: SocketAddr) -> (ServerConn, EchoState) {
        (
            ServerConn::with_start(self.config.clone(), now),
            EchoState::default(),
        )
    }

    fn on_ready(&mut self, conn: &mut ServerConn, st: &mut EchoState, _now: Instant) {
        loop {
            // Body bytes left over from the last call go first. While the output
            // queue is full, stop polling events: the machine then keeps the
            // rest of the body in its read buffer, its `input_buf` empties, and
            // the loop stops reading the socket (backpressure end to end).
            while st.sent < st.pending.len() {
                match conn.send_data(&st.pending[st.sent..]) {
                    Ok(n) => st.sent += n,
                    Err(UsageError::OutputFull) => return,
                    // The connection is closing: nothing more will be sent.
                    Err(_) => st.sent = st.pending.len(),
                }
            }
            st.pending.clear();
            st.sent = 0;

            let Some(event) = conn.poll_event() else {
                return;
            };
            match event {
                ServerEvent::RequestReceived(req) => {
                    let route = match (req.method(), req.path()) {
                        (Method::Get | Method::Head, b"/") => Route::Hello,
                        (Method::Post, b"/echo") => Route::Echo(req.body_framing()),
                        _ => Route::NotFound,
                    };
                    let expects_continue = req.expects_continue();
                    // `req` borrows the machine: commands come after its last use.
                    st.echoing = false;
                    // The echo answers before the body arrives, so a client that
                    // waits for `100 Continue` gets it first: otherwise it sits
                    // out its expect timeout, and the machine takes a final
                    // response without 100 as refusing the body (and closes after).
                    if expects_continue && matches!(route, Route::Echo(_)) {
                        let _ = conn.send_informational(100, &[]);
                    }
                    let _ = match route {
                        Route::Hello => conn.send_response_with_body(200, &[TEXT], HELLO),
                        Route::NotFound => conn.send_response_with_body(404, &[TEXT], NOT_FOUND),
                        Route::Echo(BodyFraming::Length(n)) if n > 0 => {
                            st.echoing = true;
                            conn.send_response(200, [TEXT], BodyFraming::Length(n))
                        }
                        Route::Echo(BodyFraming::Chunked) => {
                            st.echoing = true;
                            conn.send_response(200, [TEXT], BodyFraming::Chunked)
                        }
                        Route::Echo(_) => conn.send_response_with_body(200, &[TEXT], b""),
                    };
                }
                // The event borrows the machine's read buffer, and `send_data`
                // needs the machine: copy the chunk out (into a reused buffer),
                // then offer it at the top of the loop.
                ServerEvent::DataReceived(data) if st.echoing => st.pending.extend_from_slice(data),
                ServerEvent::RequestFinished if st.echoing => {
                    st.echoing = false;
                    let _ = conn.finish();
                }
                // Bodies of other requests are dropped; trailers are ignored;
                // upgrades are never accepted here.
                _ => {}
            }
        }
    }
}

enum Route {
    Hello,
    Echo(BodyFraming),
    NotFound,
}

fn main() -> std::io::Result<()> {
    let mut listen: SocketAddr = "127.0.0.1:8081".parse().expect("default address");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(addr)) => {
                listen = addr.parse().map_err(|e| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{addr}: {e}"))
                })?
            }
            _ => {
                eprintln!("usage: hello [--listen ADDR]   (default 127.0.0.1:8081)");
                std::process::exit(2);
            }
        }
    }
    let mut event_loop = EventLoop::bind(listen, Hello::default(), Options::default())?;
    println!("listening on http://{}", event_loop.local_addr()?);
    event_loop.run()
}
