#!/usr/bin/env bash
# Runs both harnesses for the default build (run-time CPU detection) and for
# RUSTFLAGS="-C target-cpu=native", then prints shockwave/httparse ratios
# (instructions from iai-callgrind, times from criterion) and default/native.
# Needs valgrind and `cargo install iai-callgrind-runner --version 0.16.1`.
# Usage: benches/run.sh            (from the workspace root or anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
out="$(mktemp -d)"

run() { # $1 = label, $2 = RUSTFLAGS for iai, $3 = RUSTFLAGS for criterion
  local label="$1"
  RUSTFLAGS="$2" cargo bench -q -p shockwave-benches --bench parse_iai >"$out/iai-$label.txt" 2>&1
  RUSTFLAGS="$3" cargo bench -q -p shockwave-benches --bench parse_criterion >"$out/crit-$label.txt" 2>&1
  python3 - "$CARGO_TARGET_DIR/criterion" >"$out/crit-$label.json" <<'PY'
import json, os, sys
root = sys.argv[1]; res = {}
for group in os.listdir(root):
    for parser in ("shockwave", "httparse"):
        p = os.path.join(root, group, parser, "new", "estimates.json")
        if os.path.exists(p):
            res[f"{group}/{parser}"] = json.load(open(p))["mean"]["point_estimate"]
print(json.dumps(res))
PY
}

run default "" ""
# Valgrind cannot run AVX-512 code (SIGILL), so the native build it measures leaves AVX-512 out.
run native "-C target-cpu=native -C target-feature=-avx512f" "-C target-cpu=native"

python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
def iai(label):
    res, cur = {}, None
    for line in open(f"{out}/iai-{label}.txt"):
        m = re.match(r"\S+::(shockwave|httparse) (\w+):", line)
        if m: cur = f"{m.group(2)}/{m.group(1)}"
        m = re.match(r"\s+Instructions:\s+(\d+)", line)
        if m and cur: res[cur] = int(m.group(1)); cur = None
    return res
I = {l: iai(l) for l in ("default", "native")}
T = {l: json.load(open(f"{out}/crit-{l}.json")) for l in ("default", "native")}
inputs = ["req_short", "req_kittyhell", "req_32_fields", "resp_short", "resp"]
print(f"{'input':<15} {'sw instr':>9} {'hp instr':>9} {'instr ratio':>11} {'sw ns':>8} {'hp ns':>8} {'time ratio':>10} | "
      f"{'sw instr nat':>12} {'instr def/nat':>13} {'sw ns nat':>9} {'time def/nat':>12}")
for i in inputs:
    d, n, td, tn = I["default"], I["native"], T["default"], T["native"]
    sw, hp = d[f"{i}/shockwave"], d[f"{i}/httparse"]
    tsw, thp = td[f"{i}/shockwave"], td[f"{i}/httparse"]
    swn, tswn = n[f"{i}/shockwave"], tn[f"{i}/shockwave"]
    print(f"{i:<15} {sw:>9} {hp:>9} {sw/hp:>11.3f} {tsw:>8.1f} {thp:>8.1f} {tsw/thp:>10.3f} | "
          f"{swn:>12} {sw/swn:>13.3f} {tswn:>9.1f} {tsw/tswn:>12.3f}")
print("\nsw = shockwave, hp = httparse 1.10; ratios below 1 favour shockwave; def/nat is the default build over -C target-cpu=native.")
PY
# The HTTP/1.1 server machine on the load benchmark's workload (h1_server_iai: 1,024 requests a run).
cargo bench -q -p shockwave-benches --bench h1_server_iai 2>&1 | awk '/::serve /{n=$2} /Instructions:/{split($2,a,"|"); printf "h1 server %-24s %7.1f instructions/request\n", n, a[1]/1024}'
echo "raw outputs in $out"
