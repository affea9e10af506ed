"""HTTP/2 client (Python's h2, sans-IO) against the reference server over h2c
prior knowledge: concurrent streams, a body larger than the initial windows
(flow control), a 404, a HEAD, and a PING. Prints "all checks passed"."""
import socket
import sys

import h2.config
import h2.connection
import h2.events

port = int(sys.argv[1])
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sock.sendall(conn.data_to_send())

body = bytes((i * 7 + 3) % 251 for i in range(300_000))
requests = {}


def request(method, path, data=None):
    sid = conn.get_next_available_stream_id()
    headers = [(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)]
    if data is not None:
        headers.append(("content-length", str(len(data))))
    conn.send_headers(sid, headers, end_stream=data is None)
    requests[sid] = {"path": path, "method": method, "data": data, "sent": 0, "body": b"", "status": None, "done": False}
    return sid


def pump_uploads():
    for sid, r in requests.items():
        data = r["data"]
        while data is not None and r["sent"] < len(data):
            window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            if window <= 0:
                break
            chunk = data[r["sent"]:r["sent"] + window]
            r["sent"] += len(chunk)
            conn.send_data(sid, chunk, end_stream=r["sent"] == len(data))


for _ in range(5):
    request("GET", "/")
echo = request("POST", "/echo", body)
missing = request("GET", "/missing")
head = request("HEAD", "/")
conn.ping(b"12345678")
pong = False
pump_uploads()
sock.sendall(conn.data_to_send())

while not all(r["done"] for r in requests.values()) or not pong:
    data = sock.recv(65536)
    if not data:
        raise SystemExit("server closed the connection early")
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.ResponseReceived):
            requests[ev.stream_id]["status"] = dict(ev.headers)[b":status"]
        elif isinstance(ev, h2.events.DataReceived):
            requests[ev.stream_id]["body"] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            requests[ev.stream_id]["done"] = True
        elif isinstance(ev, h2.events.StreamReset):
            raise SystemExit(f"stream {ev.stream_id} reset: {ev.error_code}")
        elif isinstance(ev, h2.events.PingAckReceived):
            pong = ev.ping_data == b"12345678"
        elif isinstance(ev, h2.events.ConnectionTerminated):
            raise SystemExit(f"GOAWAY {ev.error_code}")
    pump_uploads()
    sock.sendall(conn.data_to_send())

for sid, r in requests.items():
    if r["path"] == "/" and r["method"] == "GET":
        assert r["status"] == b"200", r
        assert r["body"] == b"Hello from Shockwave!\n", r["body"]
assert requests[echo]["status"] == b"200"
assert requests[echo]["body"] == body, len(requests[echo]["body"])
assert requests[missing]["status"] == b"404"
assert requests[head]["status"] == b"200" and requests[head]["body"] == b""

conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
print("all checks passed")
