"""An h2c (prior knowledge) server on Python's `h2` package, for the HTTP/2 client tests.

Routes (on HTTP/2):
GET  /                 a short hello
POST /echo             the request body back, then the request's trailers as response trailers
GET  /slow/MS          "slow\n" after MS milliseconds
GET  /big/N            N bytes of the test pattern (byte i is i*7 % 251), sent as flow control allows
GET  /reset            RST_STREAM INTERNAL_ERROR instead of a response
GET  /refuse-once/KEY  RST_STREAM REFUSED_STREAM the first time KEY is asked for, then "accepted\n"
POST /early            "early\n" at once, before the request body ended (which is read and dropped)

A connection that starts with "GET" instead of the HTTP/2 preface is a stats query
(HTTP/1.1, not counted): the answer is one "name=value" line each for
  connections  HTTP/2 connections accepted
  max_open     most requests open at once on one connection (received, response not finished)
  ignored      requests above a GOAWAY's last stream id, left unanswered
  resets       RST_STREAM frames received from the client
  refused      streams refused with REFUSED_STREAM
  violations   protocol errors the h2 package raised (the connection is then dropped)
  goaways      GOAWAY frames received from the client

Options: --max-streams N (SETTINGS_MAX_CONCURRENT_STREAMS, default 100);
--goaway-after N (on the first connection, once N requests arrived, send GOAWAY with
the N-th stream as last stream id, answer the requests up to it after --goaway-delay MS,
ignore the rest, then close).

Prints "PORT <n>" once listening on 127.0.0.1.
"""

import argparse
import asyncio

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
from hyperframe.frame import GoAwayFrame

parser = argparse.ArgumentParser()
parser.add_argument("--max-streams", type=int, default=100)
parser.add_argument("--goaway-after", type=int, default=0)
parser.add_argument("--goaway-delay", type=int, default=200)
args = parser.parse_args()

stats = dict(connections=0, max_open=0, ignored=0, resets=0, refused=0, violations=0, goaways=0)
refused_keys = set()


def pattern(n):
    return bytes((i * 7) % 251 for i in range(n))


class Connection:
    def __init__(self, reader, writer, index):
        self.reader = reader
        self.writer = writer
        self.index = index
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: args.max_streams,
            },
        )
        self.heads = {}
        self.bodies = {}
        self.trailers = {}
        self.open = set()
        self.reset = set()
        self.early = set()
        self.received = 0
        self.goaway_last = None
        self.window = asyncio.Event()
        self.tasks = set()

    async def flush(self):
        out = self.conn.data_to_send()
        if out:
            self.writer.write(out)
            await self.writer.drain()

    def wake_senders(self):
        self.window.set()
        self.window = asyncio.Event()

    async def run(self, first):
        self.conn.initiate_connection()
        await self.flush()
        data = first
        while data:
            try:
                events = self.conn.receive_data(data)
            except h2.exceptions.ProtocolError:
                stats["violations"] += 1
                await self.flush()
                break
            for event in events:
                await self.handle(event)
            await self.flush()
            data = await self.reader.read(65536)
        self.writer.close()

    async def handle(self, event):
        if isinstance(event, h2.events.RequestReceived):
            sid = event.stream_id
            if self.goaway_last is not None and sid > self.goaway_last:
                stats["ignored"] += 1
                return
            self.heads[sid] = dict(event.headers)
            self.bodies[sid] = bytearray()
            self.open.add(sid)
            stats["max_open"] = max(stats["max_open"], len(self.open))
            self.received += 1
            if self.heads[sid].get(b":path") == b"/early":
                self.early.add(sid)
                self.spawn(self.respond(sid))
            if self.index == 1 and args.goaway_after and self.received == args.goaway_after:
                # Written past the h2 state machine, which would refuse to answer
                # the streams at or below the last stream id after its own GOAWAY.
                await self.flush()
                frame = GoAwayFrame(0)
                frame.last_stream_id = sid
                frame.error_code = 0
                self.writer.write(frame.serialize())
                self.goaway_last = sid
        elif isinstance(event, h2.events.DataReceived):
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_id in self.bodies:
                self.bodies[event.stream_id] += event.data
        elif isinstance(event, h2.events.TrailersReceived):
            self.trailers[event.stream_id] = event.headers
        elif isinstance(event, h2.events.StreamEnded):
            if event.stream_id in self.heads and event.stream_id not in self.early:
                self.spawn(self.respond(event.stream_id))
        elif isinstance(event, h2.events.StreamReset):
            if not event.remote_reset:
                return
            stats["resets"] += 1
            self.reset.add(event.stream_id)
            self.open.discard(event.stream_id)
            self.wake_senders()
        elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            self.wake_senders()
        elif isinstance(event, h2.events.ConnectionTerminated):
            stats["goaways"] += 1

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def respond(self, sid):
        head = self.heads.pop(sid)
        body = bytes(self.bodies.pop(sid))
        path = head[b":path"].decode()
        if self.goaway_last is not None:
            await asyncio.sleep(args.goaway_delay / 1000)
        try:
            if path == "/":
                await self.reply(sid, b"hello from python h2\n")
            elif path == "/echo":
                await self.reply(sid, body, self.trailers.pop(sid, None))
            elif path.startswith("/slow/"):
                await asyncio.sleep(int(path[6:]) / 1000)
                if sid not in self.reset:
                    await self.reply(sid, b"slow\n")
            elif path.startswith("/big/"):
                await self.reply(sid, pattern(int(path[5:])))
            elif path == "/early":
                await self.reply(sid, b"early\n")
            elif path == "/reset":
                self.conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
            elif path.startswith("/refuse-once/"):
                key = path[len("/refuse-once/"):]
                if key in refused_keys:
                    await self.reply(sid, b"accepted\n")
                else:
                    refused_keys.add(key)
                    stats["refused"] += 1
                    self.conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
            else:
                await self.reply(sid, b"not found\n", status=b"404")
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, ConnectionError):
            pass
        self.open.discard(sid)
        await self.flush()
        if self.goaway_last is not None and not any(s <= self.goaway_last for s in self.open):
            self.writer.close()

    async def reply(self, sid, body, trailers=None, status=b"200"):
        headers = [
            (b":status", status),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/octet-stream"),
        ]
        self.conn.send_headers(sid, headers, end_stream=not body and not trailers)
        await self.flush()
        view = memoryview(body)
        while view:
            if sid in self.reset:
                return
            size = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
            if size <= 0:
                await self.window.wait()
                continue
            chunk, view = view[:size], view[size:]
            self.conn.send_data(sid, bytes(chunk), end_stream=not view and not trailers)
            await self.flush()
        if trailers:
            self.conn.send_headers(sid, trailers, end_stream=True)
            await self.flush()


connections = 0


async def serve(reader, writer):
    global connections
    first = await reader.read(65536)
    if first.startswith(b"GET"):
        text = "".join(f"{k}={v}\n" for k, v in stats.items()).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (len(text), text)
        )
        await writer.drain()
        writer.close()
        return
    connections += 1
    stats["connections"] = connections
    try:
        await Connection(reader, writer, connections).run(first)
    except ConnectionError:
        pass


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
