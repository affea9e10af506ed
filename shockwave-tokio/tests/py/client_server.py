"""A keep-alive HTTP/1.1 server from Python's standard library, for the client tests.

GET /          a short hello
GET /close     a response with `Connection: close`, then the server closes
GET /big/N     N bytes of b"x"
GET /stats     how many connections were accepted so far (this one included)
POST /echo     the request body (Content-Length or chunked), echoed with Content-Length

Prints "PORT <n>" once listening on 127.0.0.1 (port 0 unless given).
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

accepted = 0
lock = threading.Lock()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self):
        global accepted
        pair = super().get_request()
        with lock:
            accepted += 1
        return pair

    def handle_error(self, request, client_address):
        # A client that drops a body early resets the connection: expected.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, close=False, ctype="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        if self.path == "/":
            self.reply(b"hello from http.server\n")
        elif self.path == "/close":
            self.reply(b"bye\n", close=True)
        elif self.path == "/stats":
            with lock:
                n = accepted
            self.reply(str(n).encode())
        elif self.path.startswith("/big/"):
            self.reply(b"x" * int(self.path[5:]))
        else:
            self.send_error(404)

    def do_POST(self):
        if self.path == "/echo":
            self.reply(self.read_body(), ctype="application/octet-stream")
        else:
            self.send_error(404)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = Server(("127.0.0.1", port), Handler)
    print("PORT", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
