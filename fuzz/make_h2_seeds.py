#!/usr/bin/env python3
"""Writes the hand-made seed files of the HTTP/2 fuzz corpora,
fuzz/corpus/h2_*/seed-*.

Run from anywhere: `python3 fuzz/make_h2_seeds.py`. It rewrites only the files
named seed-*; what cargo-fuzz found (files named by their hash) stays. The
input layouts are described in fuzz/src/h2.rs and its submodules.
"""
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
PRIORITY_UPDATE = 0x10
END_STREAM = ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIO = 0x20


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def settings(*params):
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", i, v) for i, v in params))


def hint(n, prefix_bits, first=0):
    """An HPACK integer."""
    mx = (1 << prefix_bits) - 1
    if n < mx:
        return bytes([first | n])
    out = [first | mx]
    n -= mx
    while n >= 128:
        out.append(n % 128 | 0x80)
        n //= 128
    out.append(n)
    return bytes(out)


def lit(name, value):
    """A literal field without indexing, literal name, no Huffman."""
    return b"\x00" + hint(len(name), 7) + name + hint(len(value), 7) + value


def block(*fields):
    return b"".join(lit(n, v) for n, v in fields)


GET = block((b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"), (b":authority", b"a"))
POST = block((b":method", b"POST"), (b":scheme", b"https"), (b":path", b"/echo"), (b":authority", b"a"),
             (b"content-length", b"5"))
# RFC 7541 C.3.1: indexed and literal-with-indexing representations.
GET_INDEXED = bytes.fromhex("828684410f7777772e6578616d706c652e636f6d")
RESPONSE = block((b":status", b"200"), (b"content-type", b"text/plain"))

FRAMES = {
    "data": frame(DATA, END_STREAM, 1, b"hello"),
    "data-padded": frame(DATA, PADDED, 3, b"\x03abc\x00\x00\x00"),
    "data-pad-too-long": frame(DATA, PADDED, 1, b"\x05ab"),
    "data-stream0": frame(DATA, 0, 0, b"x"),
    "headers": frame(HEADERS, END_HEADERS | END_STREAM, 1, GET),
    "headers-prio-padded": frame(HEADERS, END_HEADERS | PADDED | PRIO, 1,
                                 b"\x02" + b"\x80\x00\x00\x03\x0f" + GET + b"\x00\x00"),
    "headers-prio-short": frame(HEADERS, PRIO, 1, b"\x00\x00"),
    "priority": frame(PRIORITY, 0, 3, b"\x00\x00\x00\x01\x10"),
    "priority-len4": frame(PRIORITY, 0, 3, b"\x00\x00\x00\x01"),
    "rst": frame(RST_STREAM, 0, 1, b"\x00\x00\x00\x08"),
    "rst-len3": frame(RST_STREAM, 0, 1, b"\x00\x00\x08"),
    "settings": settings((1, 4096), (2, 0), (3, 100), (4, 65535), (5, 16384), (6, 8192), (8, 1), (9, 1), (0xff, 7)),
    "settings-ack": frame(SETTINGS, ACK, 0, b""),
    "settings-ack-payload": frame(SETTINGS, ACK, 0, b"\x00\x01\x00\x00\x00\x00"),
    "settings-len5": frame(SETTINGS, 0, 0, b"\x00\x01\x00\x00\x00"),
    "push-promise": frame(PUSH_PROMISE, END_HEADERS | PADDED, 1, b"\x01\x00\x00\x00\x02" + GET + b"\x00"),
    "push-promise-id0": frame(PUSH_PROMISE, END_HEADERS, 1, b"\x00\x00\x00\x00"),
    "ping": frame(PING, 0, 0, b"12345678"),
    "ping-ack": frame(PING, ACK, 0, b"12345678"),
    "ping-stream1": frame(PING, 0, 1, b"12345678"),
    "goaway": frame(GOAWAY, 0, 0, b"\x00\x00\x00\x05\x00\x00\x00\x00debug"),
    "goaway-short": frame(GOAWAY, 0, 0, b"\x00\x00\x00\x05\x00"),
    "window-update": frame(WINDOW_UPDATE, 0, 0, b"\x00\x01\x00\x00"),
    "window-update-zero-stream": frame(WINDOW_UPDATE, 0, 5, b"\x80\x00\x00\x00"),
    "continuation": frame(HEADERS, 0, 1, GET[:7]) + frame(CONTINUATION, END_HEADERS, 1, GET[7:]),
    "priority-update": frame(PRIORITY_UPDATE, 0, 0, b"\x00\x00\x00\x01u=1, i"),
    "unknown": frame(0xfa, 0xff, 0x8000_0007, b"extension"),
    "reserved-bit": frame(PING, 0xfe, 0x8000_0000, b"abcdefgh"),
    "truncated": frame(DATA, 0, 1, b"hello")[:11],
}

# h2_server_conn: byte 0 config, byte 1 script length, the script, then the
# client's bytes (see fuzz/src/h2/server.rs).
HELLO = PREFACE + settings((4, 65535), (1, 4096)) + frame(SETTINGS, ACK, 0)
SERVER = {
    "get": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)),
    "get-indexed": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET_INDEXED)),
    "post-body": (0, b"", HELLO + frame(HEADERS, END_HEADERS, 1, POST) + frame(DATA, END_STREAM, 1, b"hello")),
    "post-trailers": (0, b"", HELLO + frame(HEADERS, END_HEADERS, 1, POST) + frame(DATA, 0, 1, b"hello")
                      + frame(HEADERS, END_HEADERS | END_STREAM, 1, block((b"x-sum", b"1")))),
    "two-streams": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                    + frame(HEADERS, END_HEADERS | END_STREAM, 3, GET)),
    "continuation": (0, b"", HELLO + frame(HEADERS, END_STREAM, 1, GET[:5]) + frame(CONTINUATION, 0, 1, GET[5:9])
                     + frame(CONTINUATION, END_HEADERS, 1, GET[9:])),
    "ping-settings-window": (0, b"", HELLO + frame(PING, 0, 0, b"pingpong") + settings((4, 1), (5, 20000))
                             + frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x10\x00")),
    "rst-after-get": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET) + frame(RST_STREAM, 0, 1, b"\x00\x00\x00\x08")),
    "goaway": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET) + frame(GOAWAY, 0, 0, b"\x00\x00\x00\x00\x00\x00\x00\x00")),
    "bad-preface": (0, b"", b"PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"),
    "data-idle": (0, b"", HELLO + frame(DATA, 0, 1, b"x")),
    "uppercase-field": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET + lit(b"X-Up", b"1"))),
    "tiny-window": (0, b"", PREFACE + settings((4, 1)) + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                    + frame(WINDOW_UPDATE, 0, 1, b"\x00\x00\x00\x10")),
    "scripted-responses": (0, bytes([0x00, 0x01, 0x12, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08]),
                           HELLO + frame(HEADERS, END_HEADERS, 1, POST) + frame(DATA, END_STREAM, 1, b"hello")),
    "tiny-limits": (1, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                    + frame(HEADERS, END_HEADERS | END_STREAM, 3, GET) + frame(HEADERS, END_HEADERS | END_STREAM, 5, GET)),
    "shutdown": (0, bytes([0x09, 0x0a, 0x0b]), HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                 + frame(PING, ACK, 0, b"\x00" * 8)),
}

# h2_client_conn: byte 0 config, byte 1 script length, the script, then the
# server's bytes (see fuzz/src/h2/client.rs).
SRV_HELLO = settings((3, 100), (4, 65535), (8, 1)) + frame(SETTINGS, ACK, 0)
CLIENT = {
    "response": (0, bytes([0x00]), SRV_HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, RESPONSE)),
    "response-body": (0, bytes([0x00]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, RESPONSE)
                      + frame(DATA, 0, 1, b"hello") + frame(DATA, END_STREAM, 1, b"!")),
    "informational": (0, bytes([0x00]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, block((b":status", b"103"), (b"link", b"</a>")))
                      + frame(HEADERS, END_HEADERS | END_STREAM, 1, RESPONSE)),
    "trailers": (0, bytes([0x01, 0x02]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, RESPONSE)
                 + frame(HEADERS, END_HEADERS | END_STREAM, 1, block((b"grpc-status", b"0")))),
    "rst": (0, bytes([0x00]), SRV_HELLO + frame(RST_STREAM, 0, 1, b"\x00\x00\x00\x07")),
    "goaway": (0, bytes([0x00, 0x00]), SRV_HELLO + frame(GOAWAY, 0, 0, b"\x00\x00\x00\x01\x00\x00\x00\x00")),
    "push": (1, bytes([0x00]), SRV_HELLO + frame(PUSH_PROMISE, END_HEADERS, 1, b"\x00\x00\x00\x02" + GET)
             + frame(HEADERS, END_HEADERS | END_STREAM, 2, RESPONSE)),
    "ping": (0, b"", SRV_HELLO + frame(PING, 0, 0, b"pingpong")),
    "bad-status": (0, bytes([0x00]), SRV_HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, block((b":status", b"2000")))),
    "no-settings": (0, bytes([0x00]), frame(PING, 0, 0, b"pingpong")),
}


def write(target, name, content):
    if not (ROOT.parent / "fuzz_targets" / f"{target}.rs").exists():
        return  # the target is not there (yet): no corpus without a target
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(content)


def scripted(config, script, stream):
    assert len(script) < 256
    return bytes([config, len(script)]) + script + stream


def main():
    for target in ("h2_frame", "h2_server_conn", "h2_client_conn"):
        d = ROOT / target
        if d.exists():
            for old in d.glob("seed-*"):
                old.unlink()
    for name, content in FRAMES.items():
        write("h2_frame", name, content)
    write("h2_frame", "all-valid", b"".join(v for k, v in FRAMES.items()
                                           if k in ("data", "headers", "settings", "ping", "goaway", "unknown")))
    for name, (config, script, stream) in SERVER.items():
        write("h2_server_conn", name, scripted(config, script, stream))
    for name, (config, script, stream) in CLIENT.items():
        write("h2_client_conn", name, scripted(config, script, stream))


if __name__ == "__main__":
    main()
