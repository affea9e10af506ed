#!/usr/bin/env python3
"""HTTP/2 loopback load benchmark: h2load against the reference server (h2c
prior knowledge), a hyper 1.x HTTP/2 server built here and Debian's nghttpd,
each on one thread pinned to CPU 0 (h2load on CPU 1), taking turns in one run,
in three shapes: -c 10 -m 10, -c 1 -m 100, -c 100 -m 1. Prints requests/s,
the server's CPU time per request and peak RSS for each, and the ratios to
nghttpd and to hyper.

Usage: benches/load/run_h2.sh [--duration SECONDS] [--rounds N]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from common import cpu_seconds, free_port, pinned_server, release_bin, rss_kib, take_turns

SHAPES = [(10, 10), (1, 100), (100, 1)]
HELLO = "Hello from Shockwave!\n"


def servers(port, docroot):
    return {
        "shockwave-tokio": [release_bin("shockwave"), "--listen", f"127.0.0.1:{port}", "--threads", "1"],
        "hyper": [release_bin("hyper-hello"), "--listen", f"127.0.0.1:{port}", "--h2"],
        # One worker (-n 1), no TLS, the hello body as the docroot's index.html.
        "nghttpd": [shutil.which("nghttpd") or "/usr/sbin/nghttpd", "--no-tls", "-n", "1", "-d", docroot, str(port)],
    }


def parse_h2load(out):
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    m = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
    return rps, int(m.group(2)), int(m.group(3)) + int(m.group(4))


def measure(name, docroot, args, clients, streams):
    port = free_port()
    cmd = servers(port, docroot)[name]
    if not os.path.exists(cmd[0]):
        print(f"{name}: not built or not installed; skipped", file=sys.stderr)
        return None
    with pinned_server(cmd, port) as proc:
        cpu_before = cpu_seconds(proc.pid)
        h2load = ["taskset", "-c", "1", "h2load", "-c", str(clients), "-m", str(streams),
                  "-D", str(args.duration), "--warm-up-time", "1", f"http://127.0.0.1:{port}/"]
        out = subprocess.run(h2load, capture_output=True, text=True, check=True).stdout
        cpu = cpu_seconds(proc.pid) - cpu_before
        rps, ok, bad = parse_h2load(out)
        return {"rps": rps, "cpu_us": cpu * 1e6 / max(ok, 1), "bad": bad, "peak": rss_kib(proc.pid, "VmHWM")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    docroot = tempfile.mkdtemp(prefix="shockwave-h2load-")
    with open(os.path.join(docroot, "index.html"), "w") as f:
        f.write(HELLO)
    names = ["nghttpd", "hyper", "shockwave-tokio"]
    results = take_turns(
        args.rounds, SHAPES, names, lambda name, shape: measure(name, docroot, args, *shape), "rps",
        lambda name, shape, r: f"{name:16} -c {shape[0]:3} -m {shape[1]:3} {r['rps']:>12.0f} req/s")
    shutil.rmtree(docroot, ignore_errors=True)
    print(f"\nh2load -D {args.duration} (1 s warm-up), servers on one thread pinned to CPU 0, "
          f"h2load on CPU 1, best of {args.rounds} rounds\n")
    print("| server | shape | requests/s | server CPU µs/req | peak RSS KiB | vs nghttpd req/s | vs hyper req/s | vs nghttpd CPU/req |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for shape in SHAPES:
        base = results.get(("nghttpd", shape))
        hyper = results.get(("hyper", shape))
        for name in names:
            r = results.get((name, shape))
            if r is None:
                continue
            vs_ng = r["rps"] / base["rps"] if base else float("nan")
            vs_hy = r["rps"] / hyper["rps"] if hyper else float("nan")
            cpu = base["cpu_us"] / r["cpu_us"] if base and r["cpu_us"] > 0 else float("nan")
            bad = f" ({r['bad']} failed)" if r["bad"] else ""
            print(f"| {name} | -c {shape[0]} -m {shape[1]} | {r['rps']:.0f}{bad} | {r['cpu_us']:.2f} | {r['peak']} | "
                  f"{vs_ng:.2f}x | {vs_hy:.2f}x | {cpu:.2f}x |")
    print("\nvs nghttpd CPU/req: nghttpd's server CPU time per request over ours (above 1: we spend less).")


if __name__ == "__main__":
    main()
