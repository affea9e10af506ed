"""Speaks HTTP/1.1 to the reference server with h11 and checks the answers.

usage: python3 h11_client.py PORT
Exit status 0 when every check passed, 1 on a failed check, 77 when h11 is missing.
"""
import socket
import sys

try:
    import h11
except ImportError:
    print("h11 not installed")
    sys.exit(77)


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.h11 = h11.Connection(our_role=h11.CLIENT)

    def send(self, *events):
        for event in events:
            data = self.h11.send(event)
            if data:
                self.sock.sendall(data)

    def next_event(self):
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                self.h11.receive_data(self.sock.recv(65536))
                continue
            return event

    def response(self):
        head = self.next_event()
        assert isinstance(head, h11.Response), head
        body = b""
        trailers = []
        while True:
            event = self.next_event()
            if isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                trailers = event.headers
                break
            else:
                raise AssertionError(f"unexpected {event!r}")
        return head, body, trailers

    def request(self, method, target, headers=(), body=None, chunks=None):
        headers = [("Host", "127.0.0.1")] + list(headers)
        if body is not None:
            headers.append(("Content-Length", str(len(body))))
        if chunks is not None:
            headers.append(("Transfer-Encoding", "chunked"))
        self.send(h11.Request(method=method, target=target, headers=headers))
        if body:
            self.send(h11.Data(data=body))
        for chunk in chunks or []:
            self.send(h11.Data(data=chunk))
        self.send(h11.EndOfMessage())
        result = self.response()
        if self.h11.states == {h11.CLIENT: h11.DONE, h11.SERVER: h11.DONE}:
            self.h11.start_next_cycle()
        return result


def header(resp, name):
    for n, v in resp.headers:
        if n == name.encode():
            return v
    return None


def main():
    port = int(sys.argv[1])
    c = Conn(port)

    head, body, _ = c.request("GET", "/")
    assert head.status_code == 200, head
    assert body == b"Hello from Shockwave!\n", body
    assert header(head, "date") is not None
    assert head.http_version == b"1.1"

    # Same connection: h11 only allows that when the server kept it alive.
    payload = bytes(range(256)) * 400
    head, body, _ = c.request("POST", "/echo", body=payload)
    assert head.status_code == 200 and body == payload, (head, len(body))

    chunks = [b"a" * 10, b"b" * 70000, b"c"]
    head, body, _ = c.request("POST", "/echo", chunks=chunks)
    assert head.status_code == 200 and body == b"".join(chunks)
    assert header(head, "transfer-encoding") == b"chunked"

    head, body, _ = c.request("HEAD", "/")
    assert head.status_code == 200 and body == b""
    assert header(head, "content-length") == b"22"

    head, _, _ = c.request("GET", "/nowhere")
    assert head.status_code == 404

    # Expect: 100-continue gets its go-ahead before the body is sent.
    c.send(h11.Request(method="POST", target="/echo", headers=[
        ("Host", "x"), ("Content-Length", "5"), ("Expect", "100-continue")]))
    event = c.next_event()
    assert isinstance(event, h11.InformationalResponse) and event.status_code == 100, event
    c.send(h11.Data(data=b"12345"), h11.EndOfMessage())
    head, body, _ = c.response()
    assert body == b"12345"
    c.h11.start_next_cycle()

    head, _, _ = c.request("GET", "/", headers=[("Connection", "close")])
    assert head.status_code == 200
    assert header(head, "connection") == b"close"
    assert c.h11.our_state is h11.MUST_CLOSE
    assert c.sock.recv(1) == b""

    # An HTTP/1.0 client.
    c = Conn(port)
    c.h11 = h11.Connection(our_role=h11.CLIENT)
    c.sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    head, body, _ = c.response()
    assert head.status_code == 200 and body == b"Hello from Shockwave!\n"
    print("h11: all checks passed")


if __name__ == "__main__":
    main()
