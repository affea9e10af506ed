#!/usr/bin/env python3
"""Python's `hpack` package as the peer of Shockwave's HPACK codec.

    hpack_decode.py decode FILE   decode Shockwave's blocks, check every list
    hpack_decode.py encode DIR    encode the stories of DIR (hpack-test-case
                                  JSON) and print the blocks

FILE, and the output of `encode`, are lines:
    story NAME          a new compression context (one encoder/decoder)
    size N              SETTINGS_HEADER_TABLE_SIZE N acknowledged before the next block
    block HEX           a header block
    field HEX HEX       a field (name, value) of the block above, in order
`decode` exits 1 at the first block that fails or differs, saying which.
"""
import json
import os
import sys

import hpack


def decode(path):
    decoder = None
    expected = None
    story = None
    blocks = 0

    def check():
        nonlocal blocks
        if expected is None:
            return
        wire, fields = expected
        try:
            got = decoder.decode(wire, raw=True)
        except Exception as e:  # any decoding error is a finding
            sys.exit(f"{story} block {blocks}: {type(e).__name__}: {e}")
        got = [(bytes(n), bytes(v)) for n, v in got]
        if got != fields:
            sys.exit(f"{story} block {blocks}: decoded {got[:4]}... expected {fields[:4]}...")
        blocks += 1

    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "story":
                check()
                expected = None
                story = words[1]
                decoder = hpack.Decoder()
                decoder.max_header_list_size = 1 << 30
            elif words[0] == "size":
                check()
                expected = None
                decoder.max_allowed_table_size = int(words[1])
            elif words[0] == "block":
                check()
                expected = (bytes.fromhex(words[1]) if len(words) > 1 else b"", [])
            elif words[0] == "field":
                name = bytes.fromhex(words[1]) if len(words) > 1 else b""
                value = bytes.fromhex(words[2]) if len(words) > 2 else b""
                expected[1].append((name, value))
        check()
    print(f"python hpack decoded {blocks} blocks")


def encode(directory):
    out = sys.stdout
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("story_") and name.endswith(".json")):
            continue
        with open(os.path.join(directory, name)) as f:
            story = json.load(f)
        out.write(f"story {name}\n")
        encoder = hpack.Encoder()
        for case in story["cases"]:
            fields = [
                (k.encode(), v.encode()) for h in case["headers"] for k, v in h.items()
            ]
            wire = encoder.encode(fields, huffman=True)
            out.write(f"block {wire.hex()}\n")
            for n, v in fields:
                out.write(f"field {n.hex()} {v.hex()}\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("decode", "encode"):
        sys.exit(__doc__)
    {"decode": decode, "encode": encode}[sys.argv[1]](sys.argv[2])
