"""WebSocket over HTTP/2 (RFC 8441) against the reference server's /ws with
Python's h2: an extended CONNECT, then masked WebSocket frames in DATA: a text
message and a 100 KB binary one echoed, then the closing handshake, and the
stream ends. Prints "all checks passed"."""
import os
import socket
import struct
import sys

import h2.config
import h2.connection
import h2.events

port = int(sys.argv[1])
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sock.sendall(conn.data_to_send())


def frame(opcode, payload):
    """A client frame: FIN, masked (RFC 6455 section 5.3)."""
    key = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def parse(buf):
    """Server frames from buf: a list of (opcode, payload), and what is left."""
    out = []
    while len(buf) >= 2:
        assert buf[1] & 0x80 == 0, "server frames are not masked"
        n, at = buf[1] & 0x7F, 2
        if n == 126:
            if len(buf) < 4:
                break
            n, at = struct.unpack("!H", buf[2:4])[0], 4
        elif n == 127:
            if len(buf) < 10:
                break
            n, at = struct.unpack("!Q", buf[2:10])[0], 10
        if len(buf) < at + n:
            break
        out.append((buf[0] & 0x0F, buf[at:at + n]))
        buf = buf[at + n:]
    return out, buf


sid = None
outgoing = b""
incoming = b""
received = []
ended = False
binary = bytes(range(256)) * 400
while not ended:
    data = sock.recv(65536)
    if not data:
        raise SystemExit("server closed the connection early")
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.RemoteSettingsChanged) and sid is None:
            assert conn.remote_settings.enable_connect_protocol == 1
            sid = conn.get_next_available_stream_id()
            conn.send_headers(sid, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                                    (":authority", "127.0.0.1"), (":path", "/ws"),
                                    ("sec-websocket-version", "13")])
        elif isinstance(ev, h2.events.ResponseReceived):
            status = dict(ev.headers)[b":status"]
            assert status == b"200", status
            outgoing = frame(0x1, b"hello over h2") + frame(0x2, binary)
        elif isinstance(ev, h2.events.DataReceived):
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            frames, incoming = parse(incoming + ev.data)
            for opcode, payload in frames:
                received.append((opcode, payload))
                if len(received) == 2:
                    outgoing += frame(0x8, struct.pack("!H", 1000))
        elif isinstance(ev, h2.events.StreamEnded):
            ended = True
        elif isinstance(ev, h2.events.StreamReset):
            raise SystemExit(f"stream reset: {ev.error_code}")
    while outgoing and sid is not None:
        window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
        if window <= 0:
            break
        conn.send_data(sid, outgoing[:window])
        outgoing = outgoing[window:]
    sock.sendall(conn.data_to_send())

assert received[0] == (0x1, b"hello over h2"), received[0][:1]
assert received[1] == (0x2, binary)
assert received[2][0] == 0x8 and received[2][1][:2] == struct.pack("!H", 1000), received[2]
conn.close_connection()
sock.sendall(conn.data_to_send())
print("all checks passed")
