"""agent.py - the node agent's cost (`carbontracker serve`, doc/agent.md), part of `make bench`:
its CPU time per minute sampling at 1 Hz and at 10 Hz, the latency of a /metrics scrape and of a
socket READ, and its memory, on a fixture powercap tree (two packages with DRAM). Prints the
markdown section and, with --write FILE, puts it between FILE's "<!-- BEGIN bench:agent -->" and
"<!-- END bench:agent -->" markers.

usage: agent.py --ct BUILD/carbontracker [--seconds 20] [--runs 3] [--write BENCHMARKS.md]"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

def fixture(root):
    """class/powercap with package-0/1 and their dram zones, as the kernel lays them out."""
    base = os.path.join(root, "class", "powercap")
    zones = {"intel-rapl:0": "package-0", "intel-rapl:0:0": "dram",
             "intel-rapl:1": "package-1", "intel-rapl:1:0": "dram"}
    for zid, name in zones.items():
        d = os.path.join(base, zid)
        os.makedirs(d)
        for f, v in (("name", name), ("energy_uj", "1000"),
                     ("max_energy_range_uj", "262143328850"),
                     ("constraint_0_max_power_uw", "150000000")):
            with open(os.path.join(d, f), "w") as fh:
                fh.write(v + "\n")


def cpu_s(pid):
    """CPU time of every thread of pid in seconds, to the nanosecond (schedstat: the scheduler's
    run time; /proc/PID/stat counts in 10 ms ticks, too coarse for an idle agent)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(ct, tmp, interval):
    sock = os.path.join(tmp, "agent.sock")
    port = free_port()
    env = dict(os.environ, CARBONTRACKER_SYSFS_ROOT=os.path.join(tmp, "sys"),
               CARBONTRACKER_PROC_ROOT=os.path.join(tmp, "noproc"))
    p = subprocess.Popen([ct, "serve", "-q", "--offline", "--zone", "DK", "--interval",
                          str(interval), "--socket", sock, "--metrics", "127.0.0.1:%d" % port],
                         env=env)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    return p, sock, port


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ct", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ct-agent-bench.")
    fixture(os.path.join(tmp, "sys"))
    os.makedirs(os.path.join(tmp, "noproc"))

    rows = []
    for hz in (1, 10):
        per_min = []
        for _ in range(a.runs):
            p, _, _ = start(a.ct, tmp, 1.0 / hz)
            c0, t0 = cpu_s(p.pid), time.monotonic()
            time.sleep(a.seconds)
            c1, t1 = cpu_s(p.pid), time.monotonic()
            stop(p)
            per_min.append((c1 - c0) / (t1 - t0) * 60 * 1000)
        rows.append((hz, statistics.median(per_min), min(per_min), max(per_min)))

    p, sock, port = start(a.ct, tmp, 1.0)
    rss0 = status_kib(p.pid, "VmRSS")
    scrape = []
    for _ in range(300):
        t0 = time.perf_counter()
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            r.read()
        scrape.append((time.perf_counter() - t0) * 1000)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(b"HELLO 1\n")
    s.recv(4096)
    reads = []
    for _ in range(2000):
        t0 = time.perf_counter()
        s.sendall(b"READ\n")
        buf = b""
        while not buf.endswith(b"\n"):
            buf += s.recv(4096)
        reads.append((time.perf_counter() - t0) * 1e6)
    s.close()
    rss1, hwm = status_kib(p.pid, "VmRSS"), status_kib(p.pid, "VmHWM")
    stop(p)

    def q(v, f):
        v = sorted(v)
        return v[min(len(v) - 1, int(f * len(v)))]

    out = ["| measure | value |", "|---|---|"]
    for hz, med, lo, hi in rows:
        out.append("| agent CPU sampling at %d Hz (4 RAPL zones, socket and /metrics open, no "
                   "client; CPU time of all its threads from /proc/PID/task/*/schedstat) | %.2f ms per minute (median of %d runs of %g s; %.2f to %.2f) |"
                   % (hz, med, a.runs, a.seconds, lo, hi))
    if rows[0][1] > 0:
        out.append("| ratio 10 Hz / 1 Hz | %.1f x |" % (rows[1][1] / rows[0][1]))
    out.append("| /metrics scrape, client's wall time (urllib, new connection each) | median "
               "%.3f ms, p99 %.3f ms (300 scrapes) |" % (statistics.median(scrape),
                                                         q(scrape, 0.99)))
    out.append("| socket READ round trip (one client, one connection) | median %.1f us, p99 "
               "%.1f us (2000 reads) |" % (statistics.median(reads), q(reads, 0.99)))
    out.append("| agent RSS | %.2f MB at start, %.2f MB after the scrapes and reads, peak %.2f MB |"
               % (rss0 / 1024, rss1 / 1024, hwm / 1024))
    text = "\n".join(out)
    print(text)
    if a.write:
        doc = open(a.write).read()
        pat = re.compile(r"(<!-- BEGIN bench:agent -->\n).*?(<!-- END bench:agent -->)", re.S)
        if not pat.search(doc):
            sys.exit("agent.py: no bench:agent markers in %s" % a.write)
        doc = pat.sub(lambda m: m.group(1) + text + "\n" + m.group(2), doc)
        with open(a.write + ".tmp", "w") as f:
            f.write(doc)
        os.replace(a.write + ".tmp", a.write)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
