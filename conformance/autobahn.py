#!/usr/bin/env python3
"""Runs the 517 Autobahn TestSuite cases with kosoku (PyPI) and applies the
project's bar: every case's behaviour and closing behaviour must be OK, or
INFORMATIONAL; NON-STRICT, UNIMPLEMENTED, WRONG CODE, FAILED and ERROR all
fail. Sections 12 and 13 (permessage-deflate) are included.

  conformance/autobahn.py server [--binary PATH] [--path P] [--parallelism N] [-- kosoku args]
      starts the reference server and drives its WebSocket echo on /ws
      (borrowed messages) or --path /ws/owned (owned ones)
  conformance/autobahn.py client [--client CMD] [--parallelism N] [-- kosoku args]
      runs kosoku as the fuzzing server and CMD as the client under test;
      {url} in CMD is the server's ws:// base URL, {parallelism} the number
      of cases at once. Default: the autobahn_client example.

Both build what they run in release mode unless --binary/--client is given
(--debug builds and runs the debug profile instead). kosoku arguments after
`--` select cases (`-- -i '1.*' -x '9.*'`); the run must then cover exactly
the selection, else all 517 cases. Reports go to $CARGO_TARGET_DIR/autobahn/.
Exit status 0 when every case met the bar.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
GOOD = {"OK", "INFORMATIONAL"}
ALL_CASES = 517


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def cargo_build(profile):
    """Builds the reference server and the client example in one go (the
    second mode's build is then a no-op); returns the profile's directory."""
    cmd = ["cargo", "build", "-q", "-p", "shockwave-tokio", "--bin", "shockwave", "--example", "autobahn_client"]
    if profile == "release":
        cmd.insert(2, "--release")
    subprocess.run(cmd, cwd=ROOT, check=True)
    return os.path.join(TARGET, profile)


def case_key(case):
    return [int(p) for p in case.split(".")]


def judge(outdir, expect_all):
    """Prints every case that misses the bar, with kosoku's reason; returns
    the number of failures (a missing report or missing cases count too)."""
    index_path = os.path.join(outdir, "index.json")
    if not os.path.exists(index_path):
        print(f"FAILED: no report ({index_path}); kosoku did not finish")
        return 1
    with open(index_path) as f:
        index = json.load(f)
    passed, failed, total = 0, [], 0
    for agent, cases in index.items():
        for case, r in sorted(cases.items(), key=lambda kv: case_key(kv[0])):
            total += 1
            if r["behavior"] in GOOD and r["behaviorClose"] in GOOD:
                passed += 1
                continue
            reason = ""
            try:
                with open(os.path.join(outdir, r["reportfile"])) as f:
                    detail = json.load(f)
                reason = " / ".join(x for x in (detail.get("result"), detail.get("resultClose")) if x)
            except (OSError, KeyError, ValueError):
                pass
            failed.append(f"{agent} {case}: behavior {r['behavior']}, close {r['behaviorClose']}: {reason}")
    for line in failed:
        print("FAILED", line)
    missing = expect_all and total != ALL_CASES
    if missing:
        print(f"FAILED: {total} cases reported, {ALL_CASES} expected")
    print(f"{passed} passed, {len(failed)} failed")
    return len(failed) + (1 if missing else 0)


def fresh(outdir):
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    return outdir


def stop(proc, sig=signal.SIGINT):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server(args, extra):
    binary = args.binary or os.path.join(cargo_build(args.profile), "shockwave")
    port = free_port()
    proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--threads", "2"],
                            stdout=subprocess.DEVNULL)
    outdir = fresh(os.path.join(TARGET, "autobahn", "server" + args.path.replace("/", "_")))
    try:
        wait_listening(port, proc)
        start = time.time()
        # kosoku exits non-zero when a case fails; the judge below decides.
        subprocess.run(["kosoku", "-o", outdir, "-p", str(args.parallelism), *extra,
                        f"ws://127.0.0.1:{port}{args.path}"], check=False, timeout=args.timeout)
        print(f"server cases ran in {time.time() - start:.0f} s")
    finally:
        stop(proc)
    return outdir


def client(args, extra):
    if args.client:
        cmd = args.client
    else:
        example = os.path.join(cargo_build(args.profile), "examples", "autobahn_client")
        cmd = f"{shlex.quote(example)} {{url}} --parallel {{parallelism}}"
    port = free_port()
    outdir = fresh(os.path.join(TARGET, "autobahn", "client"))
    fuzz = subprocess.Popen(["kosoku", "-m", "fuzzingserver", "-o", outdir, *extra, f"127.0.0.1:{port}"])
    try:
        wait_listening(port, fuzz)
        start = time.time()
        cmd = cmd.replace("{url}", f"ws://127.0.0.1:{port}").replace("{parallelism}", str(args.parallelism))
        done = subprocess.run(cmd, shell=True, cwd=ROOT, check=False, timeout=args.timeout)
        if done.returncode != 0:
            print(f"client exited with {done.returncode}")
        # kosoku writes its reports and exits once the client asked for them.
        fuzz.wait(timeout=60)
        print(f"client cases ran in {time.time() - start:.0f} s")
    finally:
        stop(fuzz)
    return outdir


def main():
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("--binary", help="the reference server binary (default: build it)")
    ap.add_argument("--client", help="client command; {url}: the fuzzing server's ws:// base URL, "
                                     "{parallelism}: cases at once (default: the autobahn_client example)")
    ap.add_argument("--path", default="/ws", help="server mode: the echo's path (default /ws; "
                                                   "/ws/owned echoes with owned messages)")
    ap.add_argument("--parallelism", type=int, default=4, help="cases run at once (default 4)")
    ap.add_argument("--debug", dest="profile", action="store_const", const="debug", default="release",
                    help="build and run the debug profile")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds the whole run may take")
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    args = ap.parse_args(argv)
    outdir = server(args, extra) if args.mode == "server" else client(args, extra)
    selects = any(a in ("-i", "--include", "-x", "--exclude") or a.startswith(("--include=", "--exclude="))
                  for a in extra)
    failed = judge(outdir, expect_all=not selects)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
