"""What the loopback load benchmarks share (run.py, run_h2.py, run_ws.py):
where the release binaries are, a free port, starting a server pinned to CPU 0
and stopping it, and reading its CPU time and memory from /proc."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def release_bin(name):
    """A binary of the workspace's release build."""
    return os.path.join(TARGET, "release", name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_split(pid):
    """User and system (kernel) CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid):
    """User plus system CPU time the process has used so far."""
    return sum(cpu_split(pid))


def busy_seconds():
    """CPU time all processes have used so far, over all cores, and what the
    hypervisor took (/proc/stat: user, nice, system and steal; interrupt time
    is left out, as no process is charged with it)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, _irq, _softirq, steal = (int(x) for x in f.readline().split()[1:9])
    return (user + nice + system + steal) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def pinned_server(cmd, port):
    """Runs the server `cmd` on CPU 0 while the block runs (the load tools run
    on CPU 1), once it listens on `port`; then stops it with SIGINT."""
    proc = subprocess.Popen(["taskset", "-c", "0"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc)
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def take_turns(rounds, shapes, names, measure, metric, describe, lowest=()):
    """Runs `measure(name, shape)` for every server once per round and shape,
    so that the servers take turns under the same conditions, and keeps the
    round with the highest `metric` of each (name, shape), with the lowest
    value any round had for each field in `lowest` (costs, which other
    processes only inflate). A measurement that returns None is skipped;
    `describe(name, shape, result)` is the progress line for the others."""
    results = {}
    for rnd in range(rounds):
        for shape in shapes:
            for name in names:
                r = measure(name, shape)
                if r is None:
                    continue
                print(f"round {rnd + 1} {describe(name, shape, r)}", file=sys.stderr)
                best = results.get((name, shape))
                if best is not None:
                    for field in lowest:
                        r[field] = best[field] = min(r[field], best[field])
                if best is None or r[metric] > best[metric]:
                    results[(name, shape)] = r
    return results
