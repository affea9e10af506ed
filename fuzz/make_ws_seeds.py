#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/ws_*/seed-* (the WebSocket targets).

Run from anywhere: `python3 fuzz/make_ws_seeds.py`. It rewrites only the files
named seed-*; what cargo-fuzz found (files named by their hash) stays. The
input layouts are those of fuzz/src/ws.rs.
"""
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"
KEY = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(b0, payload, mask=True, length=None):
    """A frame: first byte `b0`, masked with KEY when `mask`; `length` forces the length field's form."""
    n = len(payload)
    form = length or ("7" if n < 126 else "16" if n < 65536 else "64")
    m = 0x80 if mask else 0
    if form == "7":
        head = bytes([b0, m | n])
    elif form == "16":
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        return head + KEY + bytes(b ^ KEY[i % 4] for i, b in enumerate(payload))
    return head + payload


def deflate(data, takeover=None):
    """Raw DEFLATE with the sync-flush tail removed (RFC 7692 section 7.2.1)."""
    c = takeover or zlib.compressobj(6, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]


TEXT = "κόσμε € 😀 Hello, WebSocket! ".encode() * 4

FRAMES = {
    # flags: bit 0 masked (client frames), bit 1 RSV1 allowed, bits 2-3 max payload index.
    "rfc6455-5.7-unmasked": bytes([0b1100]) + bytes([0x81, 0x05]) + b"Hello",
    "rfc6455-5.7-masked": bytes([0b1101]) + frame(0x81, b"Hello"),
    "rfc6455-5.7-fragment": bytes([0b1100]) + bytes([0x01, 0x03]) + b"Hel",
    "rfc6455-5.7-256": bytes([0b1100, 0x82, 0x7E, 0x01, 0x00]) + bytes(range(256)),
    "rfc6455-5.7-64k": bytes([0b1100, 0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]) + b"x" * 64,
    "compressed": bytes([0b1111]) + frame(0xC1, deflate(b"Hello")),
    "non-minimal-16": bytes([0b1100, 0x82, 0x7E, 0x00, 0x10]),
    "non-minimal-64": bytes([0b1100, 0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0x01, 0x00]),
    "top-bit-64": bytes([0b1100, 0x82, 0x7F, 0x80]),
    "reserved-opcode": bytes([0b1101, 0x83, 0x80]),
    "rsv2": bytes([0b1101, 0xA1, 0x80]),
    "control-too-long": bytes([0b1101, 0x89, 0xFE, 0, 200]),
    "fragmented-ping": bytes([0b1101, 0x09, 0x80]),
    "too-large": bytes([0b0101, 0x82, 0xFE, 0x01, 0x00]),
    "utf8-text": bytes([0b1100, 0x81, 0x7E, 0x00, 0x80]) + TEXT,
    "utf8-bad": bytes([0b1100, 0x81, 0x10]) + "κόσμε".encode() + b"\xed\xa0\x80abc",
    "utf8-truncated": bytes([0b1100, 0x81, 0x10]) + "κόσμε".encode()[:-1],
}

HELLO = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
c = zlib.compressobj(6, zlib.DEFLATED, -15)
TAKEOVER = [deflate(b"Hello " * 50, c), deflate(b"Hello " * 60, c), deflate(TEXT, c)]
INFLATE = {
    # flags: bits 0-1 limit index, bit 2 no context takeover, bits 4-7 level; messages split at FF 00.
    "rfc7692-hello": bytes([0x63]) + HELLO,
    "rfc7692-hello-twice": bytes([0x63]) + HELLO + b"\xff\x00" + bytes([0xF2, 0x00, 0x11, 0x00, 0x00]),
    "rfc7692-stored": bytes([0x13]) + bytes([0x00, 0x05, 0x00, 0xFA, 0xFF]) + b"Hello" + b"\x00",
    "rfc7692-bfinal": bytes([0x13]) + bytes([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]),
    "takeover": bytes([0x93]) + b"\xff\x00".join(TAKEOVER),
    "no-takeover": bytes([0x97]) + b"\xff\x00".join(deflate(m) for m in [b"abc" * 100, TEXT]),
    "bomb": bytes([0x01]) + deflate(bytes(200_000)),
    "plain-text": bytes([0xA3]) + TEXT + b"\xff\x00" + TEXT[:40],
    "empty-messages": bytes([0x03]) + b"\x00\xff\x00\xff\x00",
}


def conn_seed(flags, script, stream):
    return bytes([flags, len(script)]) + bytes(script) + stream


# Script commands (low nibble; high nibble is the argument): 0/1 feed, 2 poll,
# 3 transmit, 4 send_text, 5 send_binary, 6/7 send_fragment text/binary (arg
# bit 3: fin), 8 ping, 9 pong, 10 close, 11 time step, 12 eof, 13 bad text,
# 14 zero-copy feed, 15 run the timer.
FEED_ALL, POLL, SEND = 0x70, 0x02, 0x03
client_stream = (
    frame(0x81, b"Hello")
    + frame(0x02, b"\x00\x01")
    + frame(0x89, b"ping")
    + frame(0x80, b"\x02\x03")
    + frame(0x8A, b"")
    + frame(0x81, TEXT)
    + frame(0x88, struct.pack(">H", 1000) + b"bye")
)
server_stream = (
    frame(0x81, b"Hello", mask=False)
    + frame(0x01, TEXT[:7], mask=False)
    + frame(0x89, b"", mask=False)
    + frame(0x80, TEXT[7:], mask=False)
    + frame(0x88, struct.pack(">H", 1001), mask=False)
)
c = zlib.compressobj(6, zlib.DEFLATED, -15)
part = deflate(b"Hello, Hello, Hello", c)
# A compressed message, then a compressed one in two fragments with a Ping between.
compressed_stream = frame(0xC1, deflate(TEXT)) + frame(0x42, part[:4]) + frame(0x89, b"p") + frame(0x80, part[4:])
CONN = {
    # flags: bit 0 client, bits 1-2 deflate variant, bit 3 tiny limits, bit 4 no auto pong.
    "server-echo": conn_seed(0, [FEED_ALL, POLL, 0x04, 0x15, SEND, 0x10, POLL, SEND], client_stream),
    "server-bytewise": conn_seed(0, [0x00] * 20 + [POLL, SEND] + [0x40, POLL] * 10, client_stream),
    "server-fragments": conn_seed(0, [0x36, 0x08, 0xB6, 0x57, 0xF7, SEND, 0x8A, SEND, 0xB0, 0xF0], client_stream),
    "server-close-first": conn_seed(0, [0x0A, SEND, 0x3B, FEED_ALL, POLL, SEND, 0x5B, 0x0F], client_stream),
    "server-bad-utf8": conn_seed(0, [FEED_ALL, POLL, SEND], frame(0x81, b"ab\xf4\x90cd") + frame(0x88, b"\x03\xe8")),
    "server-unmasked": conn_seed(0, [FEED_ALL, POLL, SEND, 0x6B, 0x0F], server_stream),
    "server-tiny-limits": conn_seed(8, [0x30, POLL, 0x30, POLL, SEND, 0x7E, POLL], client_stream + frame(0x82, bytes(400))),
    "server-deflate": conn_seed(2, [FEED_ALL, POLL, 0x14, 0x35, SEND, 0x86, 0x0E, SEND], compressed_stream),
    "server-deflate-windows": conn_seed(6, [FEED_ALL, POLL, 0x65, 0x25, SEND], compressed_stream),
    "client": conn_seed(1, [0x14, SEND, FEED_ALL, POLL, SEND, 0x0C, POLL], server_stream),
    "client-masked-from-server": conn_seed(1, [FEED_ALL, POLL, SEND], client_stream),
    "client-no-pong": conn_seed(0x11, [FEED_ALL, POLL, 0x49, SEND, 0xD0], server_stream),
    "client-eof": conn_seed(1, [0x10, POLL, 0x0C, POLL, SEND], server_stream),
}


def write(target, seeds):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()
    for name, data in seeds.items():
        (d / f"seed-{name}").write_bytes(data)


write("ws_frame", FRAMES)
write("ws_inflate", INFLATE)
write("ws_conn", CONN)
