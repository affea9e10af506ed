#!/usr/bin/env python3
"""A WebSocket peer made of Python's wsproto, for tests/ws_python.rs.

The byte stream of the connection is this process's stdin (what our side
sends) and stdout (what wsproto sends): the two sans-IO machines talk as over
a socket, handshake included.

    ws_peer.py server [--deflate]   wsproto accepts the handshake and echoes
                                    every message; answers pings; answers Close.
    ws_peer.py client [--deflate]   wsproto opens the handshake, sends the
                                    messages of SCRIPT (one fragmented, a ping
                                    between fragments), checks each echo, then
                                    closes with 1000 and checks the answer.

Exit status 0 when everything matched; otherwise a line on stderr says what.
Needs: pip install wsproto (which brings h11).
"""

import os
import sys

try:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import (
        AcceptConnection,
        BytesMessage,
        CloseConnection,
        Ping,
        Pong,
        Request,
        TextMessage,
    )
    from wsproto.extensions import PerMessageDeflate
except ImportError as e:  # the Rust side skips on this exit status
    print(f"wsproto missing: {e}", file=sys.stderr)
    sys.exit(3)


def script():
    """The messages the client sends: (is_text, parts); several parts make a fragmented message."""
    text = "".join("aé€😀 z"[(i * 7) % 6] for i in range(5000))
    blob = bytes((i * 131 + 7) % 256 for i in range(100_000))
    return [
        (True, ["Hello"]),
        (False, [b"\x00\x01\x02\xff"]),
        (True, [""]),
        (True, [text]),
        (False, [blob]),
        (True, [text[:100], text[100:2000], text[2000:]]),
        (False, [blob[:10], b"", blob[10:]]),
        (True, ["x" * 70_000]),
    ]


class Peer:
    def __init__(self, role, deflate):
        kind = ConnectionType.SERVER if role == "server" else ConnectionType.CLIENT
        self.ws = WSConnection(kind)
        self.deflate = deflate
        self.out = sys.stdout.buffer
        self.done = False

    def send(self, event):
        self.out.write(self.ws.send(event))
        self.out.flush()

    def read(self):
        data = os.read(0, 65536)
        self.ws.receive_data(data if data else None)
        return bool(data)


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def run_server(peer):
    parts = []
    while not peer.done:
        if not peer.read():
            fail("stream ended before the close handshake")
        for event in peer.ws.events():
            if isinstance(event, Request):
                ext = [PerMessageDeflate()] if peer.deflate else []
                sub = "chat" if "chat" in event.subprotocols else None
                peer.send(AcceptConnection(subprotocol=sub, extensions=ext))
            elif isinstance(event, (TextMessage, BytesMessage)):
                parts.append(event.data)
                if event.message_finished:
                    whole = "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)
                    parts = []
                    peer.send(TextMessage(whole) if isinstance(event, TextMessage) else BytesMessage(whole))
            elif isinstance(event, Ping):
                peer.send(event.response())
            elif isinstance(event, CloseConnection):
                if event.code != 1000:
                    fail(f"close code {event.code}")
                peer.send(event.response())
                peer.done = True


def run_client(peer):
    ext = [PerMessageDeflate()] if peer.deflate else []
    peer.send(Request(host="localhost", target="/chat", extensions=ext, subprotocols=["chat"]))
    messages = script()
    expected = []
    received = []
    parts = []
    pongs = 0
    closing = False
    while not peer.done:
        if not peer.read():
            fail("stream ended before the close handshake")
        for event in peer.ws.events():
            if isinstance(event, AcceptConnection):
                if event.subprotocol != "chat":
                    fail(f"subprotocol {event.subprotocol!r}")
                negotiated = any(isinstance(e, PerMessageDeflate) for e in event.extensions)
                if negotiated != peer.deflate:
                    fail(f"permessage-deflate negotiated: {negotiated}")
                for is_text, chunks in messages:
                    for i, chunk in enumerate(chunks):
                        last = i == len(chunks) - 1
                        kind = TextMessage if is_text else BytesMessage
                        peer.send(kind(chunk, message_finished=last))
                        if i == 0 and not last:
                            peer.send(Ping(b"between"))
                    expected.append("".join(chunks) if is_text else b"".join(chunks))
            elif isinstance(event, (TextMessage, BytesMessage)):
                parts.append(event.data)
                if event.message_finished:
                    whole = "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)
                    parts = []
                    received.append(whole)
                    if len(received) == len(expected) and not closing:
                        closing = True
                        peer.send(CloseConnection(code=1000, reason="done"))
            elif isinstance(event, Pong):
                pongs += 1
            elif isinstance(event, CloseConnection):
                if event.code != 1000:
                    fail(f"close answered with {event.code}")
                peer.done = True
    if received != expected:
        fail(f"echoes differ: {len(received)} of {len(expected)} messages")
    if pongs != 2:
        fail(f"{pongs} pongs for 2 pings")


def main():
    role = sys.argv[1]
    peer = Peer(role, "--deflate" in sys.argv[2:])
    (run_server if role == "server" else run_client)(peer)


if __name__ == "__main__":
    main()
