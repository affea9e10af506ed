#!/usr/bin/env python3
"""WebSocket echo load benchmark: the reference server's /ws against a
tokio-tungstenite and a fastwebsockets echo server built here, each on one
thread pinned to CPU 0, under the load client built here (ws-load, one thread
on CPU 1), taking turns in one run. 32 connections, no compression offered;
16 B text and 64 KiB binary messages, ping-pong (one message in flight per
connection) and pipelined (--depth in flight). Prints messages/s, p99 round
trip, the server's CPU time per message, the client's CPU use, peak RSS, and
the ratios of ours to each.

Usage: benches/load/run_ws.sh [--duration SECONDS] [--rounds N] [--depth N] [--connections C]
"""
import argparse
import resource
import re
import subprocess
import sys
import time

from common import busy_seconds, cpu_seconds, cpu_split, free_port, pinned_server, release_bin, rss_kib, take_turns

NAMES = ["tokio-tungstenite", "fastwebsockets", "shockwave-tokio", "shockwave-tokio owned"]
# Ours twice: /ws echoes borrowed messages (`WebSocket::recv_each`), /ws/owned
# owned ones (`recv` and `feed`, the Stream/Sink shape tokio-tungstenite's
# echo has).
OURS, PEERS = ("shockwave-tokio", "shockwave-tokio owned"), ["tokio-tungstenite", "fastwebsockets"]
PATHS = {"shockwave-tokio owned": "/ws/owned"}
SIZES = [(16, "text"), (65536, "binary")]


def servers(port):
    listen = ["--listen", f"127.0.0.1:{port}"]
    return {
        "shockwave-tokio": [release_bin("shockwave")] + listen + ["--threads", "1"],
        "shockwave-tokio owned": [release_bin("shockwave")] + listen + ["--threads", "1"],
        "tokio-tungstenite": [release_bin("tungstenite-echo")] + listen,
        "fastwebsockets": [release_bin("fastws-echo")] + listen,
    }


def field(out, name):
    m = re.search(rf"^{re.escape(name)}: ([\d.]+)", out, re.M)
    return float(m.group(1)) if m else float("nan")


def measure(name, args, size, kind, inflight):
    port = free_port()
    cmd = servers(port)[name]
    with pinned_server(cmd, port) as proc:
        load = ["taskset", "-c", "1", release_bin("ws-load"), "--connect", f"127.0.0.1:{port}", "--path", PATHS.get(name, "/ws"),
                "--connections", str(args.connections), "--inflight", str(inflight), "--size", str(size),
                "--kind", kind, "--duration", str(args.duration), "--warmup", str(args.warmup),
                "--server-pid", str(proc.pid)]
        # What other processes used meanwhile: all CPU time but the server's and the client's.
        before = (busy_seconds(), cpu_seconds(proc.pid), children_seconds(), time.monotonic())
        split_before = cpu_split(proc.pid)
        run = subprocess.run(load, capture_output=True, text=True)
        user, kernel = (a - b for a, b in zip(cpu_split(proc.pid), split_before))
        if run.returncode != 0:
            print(f"{name}: ws-load failed: {run.stderr.strip()}", file=sys.stderr)
            return None
        busy, server, client, wall = (a - b for a, b in zip(
            (busy_seconds(), cpu_seconds(proc.pid), children_seconds(), time.monotonic()), before))
        out = run.stdout
        return {"mps": field(out, "messages/s"), "p99": field(out, "p99 round trip µs"),
                "cpu_us": field(out, "server CPU µs/msg"), "client": field(out, "client CPU"),
                "peak": rss_kib(proc.pid, "VmHWM"), "others": max(busy - server - client, 0) / wall,
                "kernel_share": kernel / (user + kernel) if user + kernel > 0 else nan}


nan = float("nan")


def children_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def shape_name(size, inflight):
    return f"{'16 B' if size == 16 else f'{size // 1024} KiB'} {'ping-pong' if inflight == 1 else f'pipelined {inflight}'}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=3)
    ap.add_argument("--warmup", type=float, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--depth", type=int, default=16)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--servers", help="comma-separated subset of: " + ", ".join(NAMES))
    ap.add_argument("--shapes", help="comma-separated subset of: 16-1, 16-D, 65536-1, 65536-D (size-inflight, D: --depth)")
    args = ap.parse_args()
    names = args.servers.split(",") if args.servers else NAMES
    shapes = [(size, kind, inflight) for size, kind in SIZES for inflight in (1, args.depth)
              if not args.shapes or f"{size}-{'1' if inflight == 1 else 'D'}" in args.shapes.split(",")]
    results = take_turns(
        args.rounds, shapes, names, lambda name, shape: measure(name, args, *shape), "mps",
        lambda name, shape, r: f"{name:18} {shape_name(shape[0], shape[2]):20} {r['mps']:>10.0f} msg/s "
                               f"{r['cpu_us']:7.2f} µs/msg  client CPU {r['client']:.0f}%  others {r['others']:.2f} cores",
        lowest=("cpu_us",))
    others = max(r["others"] for r in results.values()) if results else 0
    print(f"\nws-load: {args.connections} connections, {args.duration:g} s after {args.warmup:g} s warm-up, "
          f"servers on one thread pinned to CPU 0, the client on CPU 1, best of {args.rounds} rounds "
          f"(messages/s: the best round; server CPU µs/msg: the lowest of any round); other processes "
          f"used up to {others:.2f} of the 2 cores during a kept round (near 0 on a quiet machine)\n")
    print("| server | shape | messages/s | p99 µs | server CPU µs/msg | client CPU | peak RSS KiB "
          "| vs tungstenite msg/s | vs fastwebsockets msg/s | vs tungstenite CPU/msg | vs fastwebsockets CPU/msg |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for shape in shapes:
        peers = [results.get((p, shape)) for p in PEERS]
        for name in names:
            r = results.get((name, shape))
            if r is None:
                continue
            rate = [r["mps"] / p["mps"] if p else nan for p in peers]
            cpu = [p["cpu_us"] / r["cpu_us"] if p and r["cpu_us"] > 0 else nan for p in peers]
            cells = [f"{x:.2f}x" for x in rate + cpu] if name in OURS else [""] * 4
            ratios = " | ".join(cells)
            print(f"| {name} | {shape_name(shape[0], shape[2])} | {r['mps']:.0f} | {r['p99']:.0f} | {r['cpu_us']:.2f} "
                  f"| {r['client']:.0f}% | {r['peak']} | {ratios} |")
    print("\nWhere the server CPU goes (the kept rounds; /proc utime and stime over warm-up and run). "
          "Ceiling: the peer's CPU per message over our kernel time per message, the best CPU/msg ratio "
          "we could reach if our own code cost nothing while making the same system calls.\n")
    print("| server | shape | kernel share | our ceiling vs tungstenite CPU/msg | vs fastwebsockets |")
    print("| --- | --- | ---: | ---: | ---: |")
    for shape in shapes:
        for name in names:
            r = results.get((name, shape))
            if r is None:
                continue
            cells = ["", ""]
            if name in OURS:
                kernel_us = r["cpu_us"] * r["kernel_share"]
                cells = [f"{results[(p, shape)]['cpu_us'] / kernel_us:.2f}x" if (p, shape) in results and kernel_us > 0
                         else "" for p in PEERS]
            print(f"| {name} | {shape_name(shape[0], shape[2])} | {r['kernel_share']:.0%} | {cells[0]} | {cells[1]} |")
    print("\nvs ... CPU/msg: the peer's server CPU time per message over ours (above 1: we spend less). "
          "A client CPU near 100% means the client, not the server, set the rate.")


if __name__ == "__main__":
    main()
