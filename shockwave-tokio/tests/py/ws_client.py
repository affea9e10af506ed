"""Python's `websockets` as a client of our WebSocket echo (tests/ws_python.rs).

usage: ws_client.py URL [--ca PEM] [--no-compression]

Sends a text message, a 1 MiB binary message, a fragmented text message and a
ping, closes with 4000 "bye", and prints one JSON object with what it saw.
"""
import asyncio
import json
import ssl
import sys

from websockets.asyncio.client import connect


async def main():
    args = sys.argv[1:]
    url = args[0]
    ca = args[args.index("--ca") + 1] if "--ca" in args else None
    compression = None if "--no-compression" in args else "deflate"
    context = ssl.create_default_context(cafile=ca) if ca else None
    out = {}
    async with connect(url, ssl=context, compression=compression, max_size=None,
                       open_timeout=10, close_timeout=10) as ws:
        out["extensions"] = ws.response.headers.get("sec-websocket-extensions")
        await ws.send("hello, Shockwave")
        out["text"] = await ws.recv()
        data = bytes(i * 7 % 251 for i in range(1 << 20))
        await ws.send(data)
        out["binary_ok"] = (await ws.recv()) == data
        # Three fragments of one text message.
        await ws.send(["caf", "\u00e9 au ", "lait"])
        out["fragmented"] = await ws.recv()
        pong = await ws.ping(b"from python")
        await asyncio.wait_for(pong, 10)
        out["pong"] = True
        await ws.close(code=4000, reason="bye")
        out["close_code"] = ws.close_code
    print(json.dumps(out), flush=True)


asyncio.run(main())
