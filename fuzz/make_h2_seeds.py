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

# The connection targets (fuzz/src/h2/conn.rs): byte 0 config (bit 0 tiny
# limits, bit 1 push / no extended CONNECT, bit 2 zero-copy input, bit 3 the
# target writes the peer's SETTINGS and ACK, bit 4 server starts as an h2c
# upgrade), byte 1 script length, the script
# (low nibble op, high nibble argument), then the peer's bytes (the server's
# input gets the client preface in front by the target).
OP_FEED_ALL = 0xF0
OP_FEED_SMALL = 0x30
OP_RESPOND = 0x01          # server: 200, no fields, body follows
OP_RESPOND_END = 0x81      # server: 200, END_STREAM
OP_DATA_1000 = 0x42        # send_data 1000 bytes on the first stream
OP_DATA_END = 0xB2         # send_data 3 bytes with END_STREAM
OP_TRAILERS = 0x13
OP_RESET = 0x84            # reset_stream CANCEL-ish code on the first stream
OP_RELEASE = 0x05
OP_PING = 0x16
OP_SHUTDOWN = 0x07
OP_CLOSE = 0xB8
OP_TIME_10S = 0x89
OP_EOF = 0x0A
OP_PARTIAL = 0x3B
OP_INFORMATIONAL = 0x0C
OP_PUSH = 0x0D
OP_CAPACITY = 0x0E
OP_BEHAVE = 0x0F
OP_GET_END = 0x81          # client: GET with END_STREAM
OP_POST = 0x11             # client: POST, body follows
OP_CONNECT = 0x1C          # client: extended CONNECT
OP_CAN_OPEN = 0x0D

HELLO = settings((4, 65535), (1, 4096)) + frame(SETTINGS, ACK, 0)
H = 8  # the target writes an empty SETTINGS and its ACK first
SERVER = {
    "get": (H, b"", frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)),
    "get-own-settings": (0, b"", HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)),
    "get-indexed": (H, b"", frame(HEADERS, END_HEADERS | END_STREAM, 1, GET_INDEXED)),
    "post-body": (H, b"", frame(HEADERS, END_HEADERS, 1, POST) + frame(DATA, END_STREAM, 1, b"hello")),
    "post-trailers": (H, b"", frame(HEADERS, END_HEADERS, 1, POST) + frame(DATA, 0, 1, b"hello")
                      + frame(HEADERS, END_HEADERS | END_STREAM, 1, block((b"x-sum", b"1")))),
    "two-streams": (H, b"", frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                    + frame(HEADERS, END_HEADERS | END_STREAM, 3, GET)),
    "continuation": (H, b"", frame(HEADERS, END_STREAM, 1, GET[:5]) + frame(CONTINUATION, 0, 1, GET[5:9])
                     + frame(CONTINUATION, END_HEADERS, 1, GET[9:])),
    "ping-settings-window": (H, b"", frame(PING, 0, 0, b"pingpong") + settings((4, 1), (5, 20000))
                             + frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x10\x00")),
    "rst-after-get": (H, b"", frame(HEADERS, END_HEADERS | END_STREAM, 1, GET) + frame(RST_STREAM, 0, 1, b"\x00\x00\x00\x08")),
    "goaway": (H, b"", frame(HEADERS, END_HEADERS | END_STREAM, 1, GET) + frame(GOAWAY, 0, 0, b"\x00" * 8)),
    "no-settings": (0, b"", frame(PING, 0, 0, b"pingpong")),
    "data-idle": (H, b"", frame(DATA, 0, 1, b"x")),
    "uppercase-field": (H, b"", frame(HEADERS, END_HEADERS | END_STREAM, 1, GET + lit(b"X-Up", b"1"))),
    "tiny-window": (0, b"", settings((4, 1)) + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                    + frame(WINDOW_UPDATE, 0, 1, b"\x00\x00\x00\x10")),
    "scripted-response": (H, bytes([OP_FEED_ALL, OP_RESPOND, OP_DATA_1000, OP_TRAILERS, OP_PING, OP_PARTIAL, OP_RELEASE, OP_CAPACITY, OP_DATA_END]),
                          frame(HEADERS, END_HEADERS, 1, POST) + frame(DATA, END_STREAM, 1, b"hello")),
    "informational-push": (H, bytes([OP_FEED_ALL, OP_INFORMATIONAL, OP_PUSH, OP_RESPOND_END, OP_BEHAVE]),
                           frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)),
    "reset-close": (H | 4, bytes([OP_FEED_SMALL, OP_FEED_ALL, OP_RESET, OP_CLOSE]), frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)),
    "tiny-limits": (H | 1, bytes([OP_FEED_ALL, OP_BEHAVE]), frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                    + frame(HEADERS, END_HEADERS | END_STREAM, 3, GET) + frame(HEADERS, END_HEADERS | END_STREAM, 5, GET)),
    "shutdown": (H, bytes([OP_FEED_ALL, OP_SHUTDOWN, OP_TIME_10S, OP_BEHAVE]), frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)
                 + frame(PING, ACK, 0, b"\x00" * 8)),
    "settings-timeout": (0, bytes([OP_TIME_10S, OP_TIME_10S]), b""),
    "eof": (H, bytes([OP_FEED_SMALL, OP_EOF]), frame(HEADERS, END_HEADERS, 1, POST)),
    "h2c-upgrade": (H | 16, bytes([OP_FEED_ALL, OP_RESPOND, OP_DATA_END, OP_BEHAVE]), frame(HEADERS, END_HEADERS | END_STREAM, 3, GET)),
}

SRV_HELLO = settings((3, 100), (4, 65535), (8, 1)) + frame(SETTINGS, ACK, 0)
CLIENT = {
    "response": (0, bytes([OP_GET_END]), SRV_HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, RESPONSE)),
    "response-body": (0, bytes([OP_GET_END]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, RESPONSE)
                      + frame(DATA, 0, 1, b"hello") + frame(DATA, END_STREAM, 1, b"!")),
    "informational": (0, bytes([OP_GET_END]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, block((b":status", b"103"), (b"link", b"</a>")))
                      + frame(HEADERS, END_HEADERS | END_STREAM, 1, RESPONSE)),
    "post-trailers": (0, bytes([OP_POST, OP_DATA_1000, OP_TRAILERS, OP_FEED_ALL]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, RESPONSE)
                      + frame(HEADERS, END_HEADERS | END_STREAM, 1, block((b"grpc-status", b"0")))),
    "rst": (0, bytes([OP_GET_END]), SRV_HELLO + frame(RST_STREAM, 0, 1, b"\x00\x00\x00\x07")),
    "goaway": (0, bytes([OP_GET_END, OP_GET_END, OP_FEED_ALL, OP_CAN_OPEN]), SRV_HELLO + frame(GOAWAY, 0, 0, b"\x00\x00\x00\x01\x00\x00\x00\x00")),
    "push": (2, bytes([OP_GET_END]), SRV_HELLO + frame(PUSH_PROMISE, END_HEADERS, 1, b"\x00\x00\x00\x02" + GET)
             + frame(HEADERS, END_HEADERS | END_STREAM, 2, RESPONSE)),
    "push-refused": (0, bytes([OP_GET_END]), SRV_HELLO + frame(PUSH_PROMISE, END_HEADERS, 1, b"\x00\x00\x00\x02" + GET)),
    "ping": (0, bytes([OP_PING]), SRV_HELLO + frame(PING, 0, 0, b"pingpong") + frame(PING, ACK, 0, b"\x01" * 8)),
    "bad-status": (0, bytes([OP_GET_END]), SRV_HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, block((b":status", b"2000")))),
    "no-settings": (0, bytes([OP_GET_END]), frame(PING, 0, 0, b"pingpong")),
    "extended-connect": (0, bytes([OP_FEED_ALL, OP_CONNECT, OP_DATA_1000]), SRV_HELLO + frame(HEADERS, END_HEADERS, 1, RESPONSE)),
    "tiny-window": (1, bytes([OP_POST, OP_DATA_1000, OP_FEED_ALL, OP_CAPACITY, OP_BEHAVE]), settings((4, 10)) + frame(SETTINGS, ACK, 0)
                    + frame(WINDOW_UPDATE, 0, 1, b"\x00\x00\x00\x20")),
    "concurrency": (1, bytes([OP_FEED_ALL, OP_GET_END, OP_GET_END, OP_GET_END, OP_CAN_OPEN]), SRV_HELLO),
    "shutdown": (4, bytes([OP_GET_END, OP_SHUTDOWN, OP_FEED_ALL, OP_TIME_10S]), SRV_HELLO + frame(HEADERS, END_HEADERS | END_STREAM, 1, RESPONSE)),
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
