"""A keep-alive HTTP/1.1 server on h11, for the client tests.

GET /          a short hello
GET /trailers  a chunked body in two chunks with an `x-checksum` trailer
GET /stats     connections accepted so far (this one included)
POST /echo     the request body, echoed with Content-Length

Prints "PORT <n>" once listening on 127.0.0.1; exits with status 3 if h11 is missing.
"""

import socket
import sys
import threading

try:
    import h11
except ImportError:
    print("NOH11", flush=True)
    sys.exit(3)

accepted = 0
lock = threading.Lock()


def respond(conn, sock, status, headers, chunks, trailers=None):
    sock.sendall(conn.send(h11.Response(status_code=status, headers=headers)))
    for chunk in chunks:
        sock.sendall(conn.send(h11.Data(data=chunk)))
    sock.sendall(conn.send(h11.EndOfMessage(headers=trailers or [])))


def serve(sock):
    conn = h11.Connection(h11.SERVER)
    try:
        while True:
            request, body = None, bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                elif isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    return
            target = request.target
            if target == b"/trailers":
                respond(conn, sock, 200, [("transfer-encoding", "chunked")],
                        [b"first,", b"second"], [("x-checksum", "12")])
            else:
                if target == b"/":
                    data = b"hello from h11\n"
                elif target == b"/echo":
                    data = bytes(body)
                elif target == b"/stats":
                    with lock:
                        data = str(accepted).encode()
                else:
                    data = b"not found"
                respond(conn, sock, 200, [("content-length", str(len(data)))], [data])
            if conn.our_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()
    except (h11.RemoteProtocolError, OSError):
        pass
    finally:
        sock.close()


def main():
    global accepted
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("PORT", listener.getsockname()[1], flush=True)
    while True:
        sock, _ = listener.accept()
        with lock:
            accepted += 1
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
