//! The loop allocates nothing per request once warm: a counting allocator
//! counts allocations made on the loop's thread only, across thousands of
//! keep-alive, echo and pipelined requests after a warm-up.

#[allow(dead_code)]
#[path = "../examples/hello.rs"]
mod hello;

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufReader, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use common::{TestServer, client, read_response};
use shockwave_mio::Options;

struct CountingOnLoopThread;

static LOOP_ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static IS_LOOP_THREAD: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if IS_LOOP_THREAD.try_with(Cell::get).unwrap_or(false) {
        LOOP_ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting
// touches only an atomic and a const-initialised thread-local (no allocation).
unsafe impl GlobalAlloc for CountingOnLoopThread {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract for `layout` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` was allocated by `System` with `layout` (all allocations go there).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingOnLoopThread = CountingOnLoopThread;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const ECHO: &[u8] = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
const ECHO_CHUNKED: &[u8] =
    b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

/// One round: single requests of each kind, then 16 pipelined.
fn round(writer: &mut impl Write, reader: &mut BufReader<std::net::TcpStream>) {
    for req in [GET, ECHO, ECHO_CHUNKED] {
        writer.write_all(req).unwrap();
        let resp = read_response(reader).unwrap();
        assert_eq!(resp.status, 200);
    }
    let mut batch = Vec::new();
    for i in 0..16 {
        batch.extend_from_slice([GET, ECHO, ECHO_CHUNKED][i % 3]);
    }
    writer.write_all(&batch).unwrap();
    for _ in 0..16 {
        assert_eq!(read_response(reader).unwrap().status, 200);
    }
}

#[test]
fn no_allocation_per_request_after_warm_up() {
    let server = TestServer::start(
        || {
            IS_LOOP_THREAD.with(|c| c.set(true));
            hello::Hello::default()
        },
        Options::default(),
    );
    let (mut reader, mut writer) = client(server.addr);
    for _ in 0..50 {
        round(&mut writer, &mut reader);
    }
    let warm = LOOP_ALLOCS.load(Ordering::Relaxed);
    const ROUNDS: usize = 300;
    for _ in 0..ROUNDS {
        round(&mut writer, &mut reader);
    }
    let after = LOOP_ALLOCS.load(Ordering::Relaxed);
    assert!(warm > 0, "the counter counts on the loop thread");
    assert_eq!(
        after - warm,
        0,
        "allocations on the loop thread over {} requests",
        ROUNDS * 19
    );
}
