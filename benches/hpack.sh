#!/usr/bin/env bash
# HPACK side by side: Shockwave, nghttp2 (libnghttp2-sys), the `hpack` crate and
# httlib-hpack over the hpack-test-case corpus (../shared/corpora from the
# repository root). Runs the iai-callgrind harness (instructions) and the
# criterion harness (times, compression ratios), then prints per-field figures
# and shockwave/other ratios.
#   decode huffman = the `nghttp2` directory's blocks (Huffman-coded strings)
#   decode plain   = `swift-nio-hpack-plain-text` (indexing, no Huffman)
#   encode         = `raw-data`'s header lists, each encoder's default policy
# Needs valgrind and `cargo install iai-callgrind-runner --version 0.16.1`.
# Usage: benches/hpack.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
out="$(mktemp -d)"

cargo bench -q -p shockwave-benches --bench hpack_iai >"$out/iai.txt" 2>&1
cargo bench -q -p shockwave-benches --bench hpack_criterion >"$out/crit.txt" 2>&1

python3 - "$out" "$CARGO_TARGET_DIR/criterion" <<'PY'
import json, os, re, sys
out, root = sys.argv[1], sys.argv[2]
impls = ["shockwave", "nghttp2", "hpack", "httlib"]
ops = [("decode huffman", "hpack_decode_huffman", "decode", "huffman"),
       ("decode plain", "hpack_decode_plain", "decode", "plain"),
       ("encode", "hpack_encode", "encode", "raw")]
instr, cur = {}, None
for line in open(f"{out}/iai.txt"):
    m = re.match(r"\S*::(\w+)_(decode|encode) (\w+):", line)
    if m: cur = (m.group(1), m.group(2), m.group(3))
    m = re.match(r"\s+Instructions:\s+(\d+)", line)
    if m and cur: instr[cur] = int(m.group(1)); cur = None
fields, ratio, skipped = {}, {}, []
for line in open(f"{out}/crit.txt"):
    w = line.split()
    if w[:2] == ["hpack-info", "fields"]: fields[w[2]] = int(w[3])
    if w[:2] == ["hpack-info", "ratio"]: ratio[w[2]] = float(w[3])
    if w[:2] == ["hpack-info", "skip"]: skipped.append(" ".join(w[2:]))
def ns(group, impl):
    p = os.path.join(root, group, impl, "new", "estimates.json")
    return json.load(open(p))["mean"]["point_estimate"] if os.path.exists(p) else None
print(f"{'':<15}" + "".join(f"{i + ' ns':>14}{i + ' instr':>17}" for i in impls))
rows = {}
for label, group, kind, name in ops:
    n = fields[group]
    cells, row = "", {}
    for i in impls:
        t = ns(group, i); k = instr.get((i, kind, name))
        row[i] = (t / n if t else None, k / n if k else None)
        cells += f"{row[i][0]:>14.1f}" if row[i][0] else f"{'-':>14}"
        cells += f"{row[i][1]:>17.1f}" if row[i][1] else f"{'-':>17}"
    rows[label] = row
    print(f"{label:<15}{cells}")
print("\nshockwave / other (below 1 favours shockwave), per field: time | instructions")
print(f"{'':<15}" + "".join(f"{i:>22}" for i in impls[1:]))
for label, row in rows.items():
    sw = row["shockwave"]
    cells = ""
    for i in impls[1:]:
        t = f"{sw[0] / row[i][0]:.3f}" if sw[0] and row[i][0] else "-"
        k = f"{sw[1] / row[i][1]:.3f}" if sw[1] and row[i][1] else "-"
        cells += f"{t + ' | ' + k:>22}"
    print(f"{label:<15}{cells}")
print("\ncompression ratio (wire octets / name+value octets, raw-data):")
for i in impls:
    if i in ratio:
        print(f"  {i:<10} {ratio[i]:.4f}" + (f"   shockwave/{i} {ratio['shockwave'] / ratio[i]:.3f}" if i != "shockwave" else ""))
print(f"\nfields: " + ", ".join(f"{g} {n}" for g, n in fields.items()))
for s in skipped: print("skipped:", s)
PY
echo "raw outputs in $out"
