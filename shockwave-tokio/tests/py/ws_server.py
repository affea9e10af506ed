"""Python's `websockets` as a server for our WebSocket client (tests/ws_python.rs).

usage: ws_server.py [--cert PEM --key PEM] [--no-compression]

Echoes every message, except: "extensions?" is answered with the
Sec-WebSocket-Extensions it agreed on ("none" without), "ping-me" makes it
send a Ping first, "close-me" makes it close with 4002 "bye". Prints
"PORT <n>" once listening on 127.0.0.1.
"""
import asyncio
import ssl
import sys

from websockets.asyncio.server import serve


async def handler(ws):
    async for message in ws:
        if message == "extensions?":
            await ws.send(ws.response.headers.get("sec-websocket-extensions", "none"))
        elif message == "ping-me":
            pong = await ws.ping(b"from python")
            await asyncio.wait_for(pong, 10)
            await ws.send("pong received")
        elif message == "close-me":
            await ws.close(code=4002, reason="bye")
            return
        else:
            await ws.send(message)


async def main():
    args = sys.argv[1:]
    context = None
    if "--cert" in args:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args[args.index("--cert") + 1], args[args.index("--key") + 1])
    compression = None if "--no-compression" in args else "deflate"
    async with serve(handler, "127.0.0.1", 0, ssl=context, compression=compression,
                     max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
