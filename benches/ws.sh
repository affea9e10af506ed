#!/usr/bin/env bash
# The WebSocket micro-benchmarks side by side: masking against fastwebsockets'
# `unmask`, tungstenite's frame write path and memcpy; the receive path of a
# masked frame (socket to application) against fastwebsockets and tungstenite;
# UTF-8 validation
# (streamed in 4 KiB fragments) against simdutf8 and core. Prints GB/s and the
# ratios from criterion's estimates.
#
#   benches/ws.sh            the default build (run-time CPU detection), about 1 minute
#   benches/ws.sh --native   the same with RUSTFLAGS="-C target-cpu=native" as well
#   benches/ws.sh --iai      also instruction counts (iai-callgrind; needs valgrind
#                            and `cargo install iai-callgrind-runner --version 0.16.1`)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
NATIVE=0
IAI=0
for arg in "$@"; do
    case "$arg" in
        --native) NATIVE=1 ;;
        --iai) IAI=1 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

table() { # $1 = label
    python3 - "$CARGO_TARGET_DIR/criterion" "$1" <<'PY'
import json, os, sys
root, label = sys.argv[1], sys.argv[2]
def ns(group, fn, param):
    p = os.path.join(root, group, fn, param, "new", "estimates.json")
    return json.load(open(p))["mean"]["point_estimate"] if os.path.exists(p) else None
def gbps(size, t):
    return size / t if t else float("nan")
sizes = [("16B", 16), ("64B", 64), ("125B", 125), ("4KiB", 4096), ("64KiB", 65536), ("1MiB", 1 << 20)]
print(f"\n== masking ({label}): GB/s, in place unless noted ==")
print(f"{'size':>6} {'shockwave':>10} {'fastws':>8} {'sw/fastws':>9} {'memcpy':>8} {'sw/memcpy':>9} | {'sw write':>8} {'tung write':>10} {'sw/tung':>7}")
for name, size in sizes:
    sw, fw, mc = (gbps(size, ns("mask", f, name)) for f in ("shockwave", "fastwebsockets", "memcpy"))
    sww, tw = (gbps(size, ns("mask", f, name)) for f in ("shockwave_write", "tungstenite_write"))
    print(f"{name:>6} {sw:>10.2f} {fw:>8.2f} {sw/fw:>9.2f} {mc:>8.2f} {sw/mc:>9.2f} | {sww:>8.2f} {tw:>10.2f} {sww/tw:>7.2f}")
print(f"\n== receive path ({label}): one masked binary frame, socket to application, GB/s ==")
print(f"{'size':>6} {'shockwave':>10} {'fastws':>8} {'tungstenite':>11} {'sw/fastws':>9} {'sw/tung':>8}")
for name, size in sizes:
    sw, fw, tu = (gbps(size, ns("recv", f, name)) for f in ("shockwave", "fastwebsockets", "tungstenite"))
    print(f"{name:>6} {sw:>10.2f} {fw:>8.2f} {tu:>11.2f} {sw/fw:>9.2f} {sw/tu:>8.2f}")
print(f"\n== UTF-8 validation of 1 MiB ({label}): GB/s ==")
print(f"{'text':>6} {'sw 4KiB stream':>14} {'sw whole':>9} {'simdutf8':>9} {'core':>7} {'stream/simdutf8':>15}")
for text in ("ascii", "mixed"):
    size = 1 << 20
    st, wh, sd, co = (gbps(size, ns("utf8", f, text)) for f in ("shockwave_stream", "shockwave", "simdutf8", "core"))
    print(f"{text:>6} {st:>14.2f} {wh:>9.2f} {sd:>9.2f} {co:>7.2f} {st/sd:>15.2f}")
print("\nfastws = fastwebsockets 0.10 `unmask`; tung write = tungstenite 0.30 `Frame::format` of a masked frame (its")
print("masking function is private), beside ours: `Conn::send_binary` + `poll_transmit`; simdutf8 0.1 `basic::from_utf8`.")
PY
}

RUSTFLAGS="" cargo bench -q -p shockwave-benches --bench ws_criterion >/dev/null 2>&1
table "default build"
if [ "$NATIVE" = 1 ]; then
    RUSTFLAGS="-C target-cpu=native" cargo bench -q -p shockwave-benches --bench ws_criterion >/dev/null 2>&1
    table "-C target-cpu=native"
fi
if [ "$IAI" = 1 ]; then
    iai_out="$(mktemp)"
    cargo bench -q -p shockwave-benches --bench ws_iai >"$iai_out" 2>&1
    python3 - "$iai_out" <<'PY'
import re, sys
res, cur = {}, None
for line in open(sys.argv[1]):
    m = re.match(r"ws_iai::ws::(\w+) (\w+):", line)
    if m: cur = (m.group(1), m.group(2))
    m = re.match(r"\s+Instructions:\s+(\d+)", line)
    if m and cur: res[cur] = int(m.group(1)); cur = None
print("\n== instruction counts (iai-callgrind, one call, harness included) ==")
print(f"{'input':>8} {'peer':>20} {'shockwave':>10} {'peer':>8} {'sw/peer':>8}")
for sw, peer, inputs in (("mask_shockwave", "mask_fastwebsockets", ("b64", "b125", "kib4", "kib64")),
                         ("recv_shockwave", "recv_fastwebsockets", ("b64", "kib4", "kib64")),
                         ("recv_shockwave", "recv_tungstenite", ("b64", "kib4", "kib64")),
                         ("utf8_shockwave_stream", "utf8_simdutf8", ("ascii", "mixed"))):
    for i in inputs:
        a, b = res.get((sw, i)), res.get((peer, i))
        if a and b: print(f"{i:>8} {peer:>20} {a:>10} {b:>8} {a/b:>8.2f}")
print("recv: one masked frame through each library's server read path (the socket copy included).")
print("mask: peer = fastwebsockets unmask; utf8 (64 KiB, ours streamed in 4 KiB fragments): peer = simdutf8.")
PY
fi
