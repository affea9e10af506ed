#!/usr/bin/env python3
"""Loopback load benchmark: wrk against the reference server, the mio loop and a
hyper server, each on one worker thread pinned to CPU 0 (wrk on CPU 1), taking
turns in one run. Prints requests/s, p99 latency, the server's CPU time per
request, peak RSS and memory per connection for each, and the ratios to hyper.

Usage: benches/load/run.sh [--duration SECONDS] [--rounds N] [--connections C]
"""
import argparse
import os
import re
import subprocess
import sys

from common import ROOT, cpu_split, free_port, pinned_server, release_bin, rss_kib, take_turns

LUA = os.path.join(ROOT, "benches", "load", "pipeline.lua")


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    p99 = float(m.group(1)) * scale[m.group(2)] if m else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0, total


def run_wrk(port, args, pipelined):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if pipelined:
        cmd += ["-s", LUA]
    cmd.append(f"http://127.0.0.1:{port}/")
    if pipelined:
        cmd += ["--", str(args.depth)]
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def servers(port):
    return {
        "shockwave-tokio": [release_bin("shockwave"), "--listen", f"127.0.0.1:{port}", "--threads", "1"],
        "shockwave-mio": [release_bin(os.path.join("examples", "hello")), "--listen", f"127.0.0.1:{port}"],
        "hyper": [release_bin("hyper-hello"), "--listen", f"127.0.0.1:{port}"],
    }


def measure(name, args, pipelined):
    port = free_port()
    cmd = servers(port)[name]
    if not os.path.exists(cmd[0]):
        return None
    with pinned_server(cmd, port) as proc:
        user_before, sys_before = cpu_split(proc.pid)
        rps, p99, errors, total = run_wrk(port, args, pipelined)
        user_after, sys_after = cpu_split(proc.pid)
        peak = rss_kib(proc.pid, "VmHWM")
        per_req = 1e6 / max(total, 1)
        user, kernel = (user_after - user_before) * per_req, (sys_after - sys_before) * per_req
        return {"rps": rps, "p99": p99, "peak": peak, "errors": errors, "cpu_us": user + kernel,
                "user_us": user, "sys_us": kernel}


def peak_after(name, args, pipelined, connections, seconds=2):
    """Peak RSS of a fresh server after `seconds` of wrk with `connections`."""
    port = free_port()
    cmd = servers(port)[name]
    with pinned_server(cmd, port) as proc:
        run_wrk(port, argparse.Namespace(**{**vars(args), "connections": connections, "duration": seconds}),
                pipelined)
        return rss_kib(proc.pid, "VmHWM")


def memory_slope(name, args, pipelined):
    """KiB per connection as the slope of peak RSS between C and 3C
    connections: what one more connection costs, without the fixed memory
    (runtime, allocator arenas) that peak/C would spread over the connections."""
    if not os.path.exists(servers(0)[name][0]):
        return float("nan")
    low, high = args.connections, 3 * args.connections
    return (peak_after(name, args, pipelined, high) - peak_after(name, args, pipelined, low)) / (high - low)


def rows(results, names):
    """(name, shape, result, hyper's result in that shape) for every measured
    server, keep-alive first."""
    for pipelined in (False, True):
        hyper = results.get(("hyper", pipelined))
        for name in names:
            r = results.get((name, pipelined))
            if r is not None:
                yield name, "pipelined" if pipelined else "keep-alive", r, hyper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--depth", type=int, default=16)
    args = ap.parse_args()
    names = ["hyper", "shockwave-tokio", "shockwave-mio"]
    results = take_turns(
        args.rounds, (False, True), names, lambda name, pipelined: measure(name, args, pipelined), "rps",
        lambda name, pipelined, r: f"{name:16} {'pipelined' if pipelined else 'keep-alive':10} "
                                   f"{r['rps']:>12.0f} req/s  p99 {r['p99']:.2f} ms")
    for pipelined in (False, True):
        for name in names:
            if (name, pipelined) in results:
                results[(name, pipelined)]["slope"] = memory_slope(name, args, pipelined)
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s, servers on one thread pinned to CPU 0, "
          f"best of {args.rounds} rounds; pipelined depth {args.depth}\n")
    print("| server | shape | requests/s | p99 ms | server CPU µs/req | peak RSS KiB | KiB/conn "
          "| vs hyper req/s | vs hyper CPU/req | vs hyper KiB/conn |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, shape, r, hyper in rows(results, names):
        ratio = r["rps"] / hyper["rps"] if hyper else float("nan")
        mem = r["slope"] / hyper["slope"] if hyper and hyper["slope"] > 0 else float("nan")
        err = f" ({r['errors']} non-2xx)" if r["errors"] else ""
        cpu = hyper["cpu_us"] / r["cpu_us"] if hyper and r["cpu_us"] > 0 else float("nan")
        print(f"| {name} | {shape} | {r['rps']:.0f}{err} | {r['p99']:.2f} | {r['cpu_us']:.2f} | {r['peak']} | "
              f"{r['slope']:.1f} | {ratio:.2f}x | {cpu:.2f}x | {mem:.2f}x |")
    print("\nWhere the server CPU goes (same rounds; /proc utime and stime). Ceiling: hyper's CPU per request "
          "over this server's kernel time per request, the best CPU/req ratio it could reach if its own code "
          "cost nothing while making the same system calls.\n")
    print("| server | shape | user µs/req | kernel µs/req | kernel share | ceiling vs hyper CPU/req |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, shape, r, hyper in rows(results, names):
        share = r["sys_us"] / r["cpu_us"] if r["cpu_us"] > 0 else float("nan")
        ceiling = hyper["cpu_us"] / r["sys_us"] if hyper and r["sys_us"] > 0 else float("nan")
        print(f"| {name} | {shape} | {r['user_us']:.2f} | {r['sys_us']:.2f} | {share:.0%} | {ceiling:.2f}x |")
    print("\nvs hyper CPU/req: hyper's server CPU time per request over ours (above 1: we spend less). "
          "wrk on one core saturates before the servers do, so requests/s is partly the client's limit.\n"
          f"KiB/conn: the growth of peak RSS from {args.connections} to {3 * args.connections} connections "
          "(2 s of wrk each, fresh servers), per added connection.")


if __name__ == "__main__":
    main()
