"""Extended CONNECT (RFC 8441) with Python's h2 over h2c prior knowledge: opens
a tunnel with :protocol "echo", sends 200 KB through it in pieces, reads them
back, ends its side, and expects the server to end the stream after the echo.
Prints "all checks passed"."""
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings

port = int(sys.argv[1])
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sock.sendall(conn.data_to_send())

payload = bytes((i * 13 + 5) % 256 for i in range(200_000))
sid = None
sent = 0
echoed = b""
ended = False
status = None


def pump():
    global sent
    while sid is not None and status == b"200" and sent < len(payload):
        window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size, 7000)
        if window <= 0:
            return
        chunk = payload[sent:sent + window]
        sent += len(chunk)
        conn.send_data(sid, chunk, end_stream=sent == len(payload))


while not ended:
    data = sock.recv(65536)
    if not data:
        raise SystemExit("server closed the connection early")
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.RemoteSettingsChanged) and sid is None:
            assert conn.remote_settings.enable_connect_protocol == 1, "no SETTINGS_ENABLE_CONNECT_PROTOCOL"
            sid = conn.get_next_available_stream_id()
            conn.send_headers(sid, [(":method", "CONNECT"), (":protocol", "echo"), (":scheme", "http"),
                                    (":authority", "127.0.0.1"), (":path", "/tunnel")])
        elif isinstance(ev, h2.events.ResponseReceived):
            status = dict(ev.headers)[b":status"]
            assert status == b"200", status
        elif isinstance(ev, h2.events.DataReceived):
            echoed += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            ended = True
        elif isinstance(ev, h2.events.StreamReset):
            raise SystemExit(f"stream reset: {ev.error_code}")
        elif isinstance(ev, h2.events.ConnectionTerminated):
            raise SystemExit(f"GOAWAY {ev.error_code}")
    pump()
    sock.sendall(conn.data_to_send())

assert echoed == payload, (len(echoed), len(payload))
conn.close_connection()
sock.sendall(conn.data_to_send())
print("all checks passed")
