#!/usr/bin/env python3
"""User-space instructions per echoed message: the reference server's /ws
(borrowed messages) and /ws/owned (owned ones) and the tokio-tungstenite echo
server, each under valgrind's callgrind while
ws-load drives it (32 connections; by default 16 B text, 16 in flight). The
counters are zeroed when ws-load's warm-up ends and dumped when its measured
window ends, then divided by the messages it counted in that window (the
window edges are matched to within a few percent). Instruction counts are
stable where times on this machine are not.

Callgrind counts each iteration of a `rep stosb` as an instruction, where the
CPU retires one: tokio-tungstenite zeroes its read buffer with one (libc
`memset`) before every read. So the table also gives the count without the
`memset` functions' own instructions.

Usage: benches/load/ws_instructions.sh [--size BYTES] [--inflight N] [--duration SECONDS]
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

from common import free_port, release_bin, wait_listening


def self_costs(path):
    """Each function's own instructions (Ir) in a callgrind dump."""
    names, costs = {}, collections.Counter()
    fn, after_call = None, False
    with open(path) as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                # Names are compressed: "(id) name" the first time, "(id)" after,
                # one table for functions and called functions.
                m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                if line.startswith("fn="):
                    fn = names[m.group(1)]
            elif line.startswith("calls="):
                # The next cost line is the call's inclusive cost, not the caller's own.
                after_call = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) > 1 and fn is not None:
                    costs[fn] += int(parts[1])
    return costs


def measure(name, server_cmd, path, args, tmp):
    port = free_port()
    out = os.path.join(tmp, f"{name}.callgrind")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + server_cmd(port)
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, server, timeout=60)
        warmup = 1.0
        load = subprocess.Popen(
            [release_bin("ws-load"), "--connect", f"127.0.0.1:{port}", "--path", path,
             "--connections", "32", "--inflight", str(args.inflight), "--size", str(args.size),
             "--kind", "text" if args.size < 1024 else "binary", "--duration", str(args.duration),
             "--warmup", str(warmup)],
            stdout=subprocess.PIPE, text=True)
        time.sleep(warmup)
        subprocess.run(["callgrind_control", "-z", str(server.pid)], capture_output=True, check=True)
        time.sleep(args.duration)
        subprocess.run(["callgrind_control", "-d", str(server.pid)], capture_output=True, check=True)
        stdout, _ = load.communicate(timeout=60)
        if load.returncode != 0:
            sys.exit(f"{name}: ws-load failed")
        messages = int(re.search(r"^messages: (\d+)", stdout, re.M).group(1))
    finally:
        server.terminate()
        server.wait()
    dumps = sorted(p for p in os.listdir(tmp) if p.startswith(f"{name}.callgrind."))
    costs = self_costs(os.path.join(tmp, dumps[0]))
    total = sum(costs.values())
    memset = sum(c for f, c in costs.items() if "memset" in f)
    return messages, total / messages, (total - memset) / messages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--inflight", type=int, default=16)
    ap.add_argument("--duration", type=float, default=5)
    args = ap.parse_args()
    ours = lambda port: [release_bin("shockwave"), "--listen", f"127.0.0.1:{port}", "--threads", "1"]
    servers = {
        "shockwave-tokio": (ours, "/ws"),
        "shockwave-tokio owned": (ours, "/ws/owned"),
        "tokio-tungstenite": (lambda port: [release_bin("tungstenite-echo"), "--listen", f"127.0.0.1:{port}"], "/ws"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        rows = {name: measure(name.replace(" ", "-"), cmd, path, args, tmp) for name, (cmd, path) in servers.items()}
    print(f"\n{args.size} B messages, {args.inflight} in flight per connection, 32 connections, "
          f"{args.duration:g} s under callgrind\n")
    print("| server | messages counted | instructions per message | without memset's own |")
    print("| --- | ---: | ---: | ---: |")
    for name, (messages, per, no_memset) in rows.items():
        print(f"| {name} | {messages} | {per:,.0f} | {no_memset:,.0f} |")
    peer = rows["tokio-tungstenite"]
    for name in ("shockwave-tokio", "shockwave-tokio owned"):
        ours = rows[name]
        print(f"\n{name} / tokio-tungstenite: {ours[1] / peer[1]:.2f} (all), {ours[2] / peer[2]:.2f} (without memset)")


if __name__ == "__main__":
    main()
