//! Times (criterion): Shockwave and httparse on the same inputs, side by side.
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shockwave_benches as inputs;

fn parse(c: &mut Criterion) {
    for (i, &(name, buf, request)) in inputs::INPUTS.iter().enumerate() {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(buf.len() as u64));
        let mut case = inputs::case(i);
        g.bench_function("shockwave", |b| {
            b.iter(|| inputs::shockwave(black_box(buf), request, &mut case.fields))
        });
        g.bench_function("httparse", |b| {
            b.iter(|| inputs::httparse(black_box(buf), request, &mut case.headers))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = parse
}
criterion_main!(benches);
