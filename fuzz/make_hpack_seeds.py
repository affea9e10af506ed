#!/usr/bin/env python3
"""Writes the hand-made seeds of the `hpack_decoder` target (corpus/hpack_decoder/seed-*).

Input layout (see fuzz/src/hpack.rs): byte 0 picks the limits (bits 0-2 the
table size limit, 3-4 the list limit, 5-6 the string limit); then blocks, each
a control byte (bits 0-2: a new table size limit before the block; bit 3:
decode it again with a fresh decoder), a two-octet little-endian length and
the block. Seeds: the RFC 7541 appendix C blocks, table size changes (answered
and not), stories of several encoders from ../shared/corpora/hpack-test-case
(when present), and one block per decoding error.
Re-run after editing; it rewrites only the seed-* files.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "hpack_decoder")
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "hpack-test-case")
FULL = 0x18 | 0x60  # no list limit, 64 KiB strings

C3 = ["828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"]
C4 = ["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf",
      "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"]
C5 = ["4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
      "4803333037c1c0bf",
      "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31"]
C6 = ["488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
      "4883640effc1c0bf",
      "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"]


def block(wire, control=0):
    return bytes([control]) + struct.pack("<H", len(wire)) + wire


def write(name, config, blocks):
    with open(os.path.join(OUT, "seed-" + name), "wb") as f:
        f.write(bytes([config]) + b"".join(blocks))


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.startswith("seed-"):
            os.remove(os.path.join(OUT, old))
    h = bytes.fromhex
    write("rfc-c3", FULL | 6, [block(h(w)) for w in C3])
    write("rfc-c4", FULL | 6, [block(h(w), 8) for w in C4])
    write("rfc-c5", FULL | 4, [block(h(w)) for w in C5])
    write("rfc-c6-small-list", 0x08 | 0x40 | 4, [block(h(w)) for w in C6])
    # Limit lowered to 64 and answered (update 0x3f21), raised to 4096, lowered to 1.
    write("resize", FULL | 6, [block(h(C3[0])), block(h("3f21") + h(C3[0]), 3),
                               block(h("3fe11f") + h(C3[1]), 6), block(h(C3[2]), 1)])
    write("resize-unanswered", FULL | 6, [block(h(C3[0])), block(h(C3[1]), 3)])
    stories = [("nghttp2", 0, 12), ("nghttp2", 10, 12), ("go-hpack", 3, 8),
               ("swift-nio-hpack-plain-text", 20, 12), ("python-hpack", 30, 10)]
    for d, story, n in stories:
        path = os.path.join(CORPUS, d, f"story_{story:02d}.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            cases = json.load(f)["cases"][:n]
        write(f"{d}-{story:02d}", FULL | 6,
              [block(h(c["wire"]), 8 if i % 3 == 0 else 0) for i, c in enumerate(cases)])
    write("error-eos", FULL | 6, [block(h("0184ffffffff"))])
    write("error-padding", FULL | 6, [block(h("0081000161"))])
    write("error-index", FULL | 6, [block(h("82be"))])
    write("error-update-after-field", FULL | 6, [block(h("8220"))])
    write("error-integer", FULL | 6, [block(h("ffffffffff7f"))])
    write("error-string-limit", 0x18 | 0x20 | 6, [block(h(C3[2]))])


if __name__ == "__main__":
    main()
