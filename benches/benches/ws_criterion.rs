//! Times (criterion): WebSocket masking and UTF-8 validation, Shockwave
//! beside its peers on the same inputs.
//!
//! - `mask/SIZE`: unmasking a payload in place with our kernel
//!   (`shockwave`), fastwebsockets' public `unmask` (`fastwebsockets`), and
//!   `memcpy` of the same size (`memcpy`: the memory bound). tungstenite's
//!   masking function is private (`protocol::frame::mask`), so its public
//!   write path stands in: `Frame::format` of a masked frame
//!   (`tungstenite_write`: header, a copy of the payload into a new `Vec`,
//!   masking, a copy into the output), beside ours (`shockwave_write`: a
//!   client `Conn::send_binary` plus `poll_transmit`: header, one copy, masking).
//! - `utf8/ascii`, `utf8/mixed`: 1 MiB of text validated by our streaming
//!   validator fed 4 KiB fragments (`shockwave_stream`), in one piece
//!   (`shockwave`), by simdutf8 in one piece (`simdutf8`), and by `core::str::from_utf8`.
//!
//! `benches/ws.sh` runs this and prints GB/s and the ratios.
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

mod ws_support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use shockwave_proto::ws::handshake::Extensions;
use shockwave_proto::ws::mask::apply_mask;
use shockwave_proto::ws::utf8::Utf8Validator;
use shockwave_proto::ws::{Config, Conn};
use tungstenite::Bytes;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{Frame, FrameHeader};
use ws_support::*;

fn mask(c: &mut Criterion) {
    let mut g = c.benchmark_group("mask");
    for &size in &MASK_SIZES {
        let name = size_name(size);
        g.throughput(Throughput::Bytes(size as u64));
        let src = payload(size);
        let mut buf = src.clone();
        g.bench_function(BenchmarkId::new("shockwave", &name), |b| {
            b.iter(|| apply_mask(black_box(&mut buf), KEY, 0))
        });
        g.bench_function(BenchmarkId::new("fastwebsockets", &name), |b| {
            b.iter(|| fastwebsockets::unmask(black_box(&mut buf), KEY))
        });
        let mut dst = vec![0u8; size];
        g.bench_function(BenchmarkId::new("memcpy", &name), |b| {
            b.iter(|| black_box(&mut dst).copy_from_slice(black_box(&src)))
        });
        let stat: &'static [u8] = Box::leak(src.clone().into_boxed_slice());
        let mut out = Vec::with_capacity(size + 14);
        let header = FrameHeader {
            opcode: OpCode::Data(Data::Binary),
            mask: Some(KEY),
            ..FrameHeader::default()
        };
        g.bench_function(BenchmarkId::new("tungstenite_write", &name), |b| {
            b.iter(|| {
                out.clear();
                Frame::from_payload(header.clone(), Bytes::from_static(stat))
                    .format(black_box(&mut out))
                    .unwrap();
            })
        });
        let mut config = Config::default();
        config.max_write_buffer = 4 << 20;
        let mut client = Conn::client(config, Extensions::default(), Box::new(|| KEY));
        g.bench_function(BenchmarkId::new("shockwave_write", &name), |b| {
            b.iter(|| {
                client.send_binary(black_box(&src)).unwrap();
                let n = client.poll_transmit().map_or(0, <[u8]>::len);
                client.advance_transmit(black_box(n));
            })
        });
    }
    g.finish();
}

fn recv(c: &mut Criterion) {
    let mut g = c.benchmark_group("recv");
    for &size in &MASK_SIZES {
        let name = size_name(size);
        g.throughput(Throughput::Bytes(size as u64));
        let src = payload(size);
        let mut ours = recv::ShockwaveRecv::new(&src);
        assert_eq!(ours.recv(), size);
        g.bench_function(BenchmarkId::new("shockwave", &name), |b| {
            b.iter(|| ours.recv())
        });
        let mut fastws = recv::FastwsRecv::new(&src);
        assert_eq!(fastws.recv(), size);
        g.bench_function(BenchmarkId::new("fastwebsockets", &name), |b| {
            b.iter(|| fastws.recv())
        });
        let mut tung = recv::TungsteniteRecv::new(&src);
        assert_eq!(tung.recv(), size);
        g.bench_function(BenchmarkId::new("tungstenite", &name), |b| {
            b.iter(|| tung.recv())
        });
    }
    g.finish();
}

fn utf8(c: &mut Criterion) {
    let mut g = c.benchmark_group("utf8");
    for (name, text) in [
        ("ascii", ascii_text(1 << 20)),
        ("mixed", mixed_text(1 << 20)),
    ] {
        let bytes = text.as_bytes();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(BenchmarkId::new("shockwave_stream", name), |b| {
            b.iter(|| {
                let mut v = Utf8Validator::new();
                for fragment in black_box(bytes).chunks(FRAGMENT) {
                    v.feed(fragment).unwrap();
                }
                v.finish().unwrap();
            })
        });
        g.bench_function(BenchmarkId::new("shockwave", name), |b| {
            b.iter(|| {
                let mut v = Utf8Validator::new();
                v.feed(black_box(bytes)).unwrap();
                v.finish().unwrap();
            })
        });
        g.bench_function(BenchmarkId::new("simdutf8", name), |b| {
            b.iter(|| simdutf8::basic::from_utf8(black_box(bytes)).is_ok())
        });
        g.bench_function(BenchmarkId::new("core", name), |b| {
            b.iter(|| core::str::from_utf8(black_box(bytes)).is_ok())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = mask, recv, utf8
}
criterion_main!(benches);
