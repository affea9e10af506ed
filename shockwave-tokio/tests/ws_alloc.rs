//! The WebSocket path allocates nothing per message in steady state: a warmed
//! connection to the reference server's `/ws` echo carries 1,000 round trips
//! (text and binary, plain and with permessage-deflate) on a current-thread
//! runtime, our client in the same runtime, while a counting allocator watches
//! this thread. Received messages are split from the connection's read
//! buffer without a copy (or, reassembled or inflated, copied into a reused
//! one), so a message dropped before the next one arrives costs no
//! allocation: the read buffer takes back its room. The large message spans
//! several reads and is written from its own buffer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use shockwave_tokio::server::{Reference, Server};
use shockwave_tokio::ws::{ClientStream, Connector, Message, Utf8Bytes, WebSocket};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TEXT: &str = "a short text message, echoed";

async fn echo(socket: &mut WebSocket<ClientStream>, n: usize, messages: &[(Message, usize)]) {
    for i in 0..n {
        let (m, len) = &messages[i % messages.len()];
        let (m, len) = (m.clone(), *len);
        socket.send(m).await.unwrap();
        let echo = socket.recv().await.unwrap().unwrap();
        assert_eq!(echo.as_payload().len(), len);
    }
}

async fn round_trips(connector: Connector, url: &str) -> usize {
    let mut socket = connector.connect(url).await.unwrap();
    // Static payloads: sending copies them into the machine, never allocates.
    static LARGE: [u8; 20_000] = [9u8; 20_000];
    let messages = [
        (Message::Text(Utf8Bytes::from_static(TEXT)), TEXT.len()),
        (Message::Binary(Bytes::from_static(&[7u8; 1024])), 1024),
        (Message::Binary(Bytes::from_static(&LARGE)), LARGE.len()),
    ];
    echo(&mut socket, 300, &messages).await;
    ALLOCS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    echo(&mut socket, 1500, &messages).await;
    COUNTING.with(|c| c.set(false));
    ALLOCS.load(Ordering::Relaxed)
}

#[test]
fn echo_round_trips_allocate_nothing() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addrs()[0].0;
        tokio::spawn(server.serve_handler(Reference));
        let url = format!("ws://{addr}/ws");
        let plain = round_trips(Connector::new().deflate(false), &url).await;
        let deflated = round_trips(Connector::new(), &url).await;
        assert_eq!(
            (plain, deflated),
            (0, 0),
            "allocations in 1,500 round trips"
        );
    });
}
