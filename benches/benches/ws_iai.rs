//! Instruction counts (iai-callgrind): WebSocket masking and UTF-8
//! validation, Shockwave beside fastwebsockets' `unmask` and simdutf8, and
//! the receive path of a masked frame beside fastwebsockets and tungstenite.
//!
//! Buffers are made in the setup, so only the kernel is counted. Needs
//! `iai-callgrind-runner` 0.16 and valgrind; `benches/ws.sh --iai` runs it.
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

mod ws_support;

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use shockwave_proto::ws::mask::apply_mask;
use shockwave_proto::ws::utf8::Utf8Validator;
use ws_support::*;

#[library_benchmark]
#[bench::b64(payload(64))]
#[bench::b125(payload(125))]
#[bench::kib4(payload(4096))]
#[bench::kib64(payload(65536))]
fn mask_shockwave(mut buf: Vec<u8>) -> Vec<u8> {
    apply_mask(black_box(&mut buf), KEY, 0);
    buf
}

#[library_benchmark]
#[bench::b64(payload(64))]
#[bench::b125(payload(125))]
#[bench::kib4(payload(4096))]
#[bench::kib64(payload(65536))]
fn mask_fastwebsockets(mut buf: Vec<u8>) -> Vec<u8> {
    fastwebsockets::unmask(black_box(&mut buf), KEY);
    buf
}

// The receive path: one masked binary frame from the socket to the
// application, after a first frame has warmed each library's buffers. The
// library is returned so that its drop is not counted.

#[library_benchmark]
#[bench::b64(warm(recv::ShockwaveRecv::new(&payload(64)), recv::ShockwaveRecv::recv))]
#[bench::kib4(warm(recv::ShockwaveRecv::new(&payload(4096)), recv::ShockwaveRecv::recv))]
#[bench::kib64(warm(recv::ShockwaveRecv::new(&payload(65536)), recv::ShockwaveRecv::recv))]
fn recv_shockwave(mut r: recv::ShockwaveRecv) -> (usize, recv::ShockwaveRecv) {
    (black_box(r.recv()), r)
}

#[library_benchmark]
#[bench::b64(warm(recv::FastwsRecv::new(&payload(64)), recv::FastwsRecv::recv))]
#[bench::kib4(warm(recv::FastwsRecv::new(&payload(4096)), recv::FastwsRecv::recv))]
#[bench::kib64(warm(recv::FastwsRecv::new(&payload(65536)), recv::FastwsRecv::recv))]
fn recv_fastwebsockets(mut r: recv::FastwsRecv) -> (usize, recv::FastwsRecv) {
    (black_box(r.recv()), r)
}

#[library_benchmark]
#[bench::b64(warm(recv::TungsteniteRecv::new(&payload(64)), recv::TungsteniteRecv::recv))]
#[bench::kib4(warm(recv::TungsteniteRecv::new(&payload(4096)), recv::TungsteniteRecv::recv))]
#[bench::kib64(warm(recv::TungsteniteRecv::new(&payload(65536)), recv::TungsteniteRecv::recv))]
fn recv_tungstenite(mut r: recv::TungsteniteRecv) -> (usize, recv::TungsteniteRecv) {
    (black_box(r.recv()), r)
}

/// `r` after one frame went through it (buffers grown, branch state set).
fn warm<T>(mut r: T, recv: fn(&mut T) -> usize) -> T {
    recv(&mut r);
    r
}

#[library_benchmark]
#[bench::ascii(ascii_text(64 << 10))]
#[bench::mixed(mixed_text(64 << 10))]
fn utf8_shockwave_stream(text: String) -> bool {
    let mut v = Utf8Validator::new();
    let ok = black_box(text.as_bytes())
        .chunks(FRAGMENT)
        .all(|f| v.feed(f).is_ok());
    ok && v.finish().is_ok()
}

#[library_benchmark]
#[bench::ascii(ascii_text(64 << 10))]
#[bench::mixed(mixed_text(64 << 10))]
fn utf8_simdutf8(text: String) -> bool {
    simdutf8::basic::from_utf8(black_box(text.as_bytes())).is_ok()
}

library_benchmark_group!(name = ws; benchmarks = mask_shockwave, mask_fastwebsockets, recv_shockwave, recv_fastwebsockets, recv_tungstenite, utf8_shockwave_stream, utf8_simdutf8);
main!(library_benchmark_groups = ws);
