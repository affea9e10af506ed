//! Instruction counts (iai-callgrind): Shockwave and httparse on the same inputs.
//!
//! The field arrays are made in the setup (the `case` argument), so only the
//! parse is counted. Needs `iai-callgrind-runner` 0.16 and valgrind; `run.sh` runs it.
// The harness macros generate undocumented public items.
#![allow(missing_docs)]

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use shockwave_benches as inputs;

#[library_benchmark]
#[bench::req_short(inputs::case(0))]
#[bench::req_kittyhell(inputs::case(1))]
#[bench::req_32_fields(inputs::case(2))]
#[bench::resp_short(inputs::case(3))]
#[bench::resp(inputs::case(4))]
fn shockwave(mut c: inputs::Case) -> ((usize, usize), inputs::Case) {
    let r = inputs::shockwave(black_box(c.buf), c.request, &mut c.fields);
    (r, c)
}

#[library_benchmark]
#[bench::req_short(inputs::case(0))]
#[bench::req_kittyhell(inputs::case(1))]
#[bench::req_32_fields(inputs::case(2))]
#[bench::resp_short(inputs::case(3))]
#[bench::resp(inputs::case(4))]
fn httparse(mut c: inputs::Case) -> ((usize, usize), inputs::Case) {
    let r = inputs::httparse(black_box(c.buf), c.request, &mut c.headers);
    (r, c)
}

library_benchmark_group!(name = parse; benchmarks = shockwave, httparse);
main!(library_benchmark_groups = parse);
